//! Board review: the queue, conflict declarations, votes, and the decision they reach.
//!
//! A vote runs in one transaction that holds the application's row lock: it checks
//! separation of duties, records the vote, tallies (`domain::review::decide`) and, on the
//! decisive approve vote, commits the money through the ledger (Dr 5100/5200, Cr 2100)
//! before it records the decision and moves the status. If no fund can cover the approval,
//! the whole vote is refused with a 422 and nothing is written.

pub mod api;
mod decide;
mod queue;
pub mod web;
use decide::*;
pub use queue::*;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Nullable, Numeric, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::applications::{self, ApplicationRow};
use crate::audit;
use crate::clock::Today;
use crate::db::schema::{decisions, funds, review_declarations, votes};
use crate::domain::ledger::{DocumentType, EntryKind, commitment_lines};
use crate::domain::review::{
    NewVote, Outcome, VoteChoice, VoteInput, approval_limit, approved_amount, decide,
};
use crate::domain::{Money, Problem, Program, Role, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::ledger::{self, NewEntry};
use crate::users::User;

/// A member's vote.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vote {
    pub id: i64,
    pub application_id: i64,
    pub voter_id: i64,
    pub voter_name: String,
    pub vote: VoteChoice,
    pub amount: Option<Money>,
    pub fund_id: Option<i64>,
    pub comment: Option<String>,
    pub cast_at: DateTime<Utc>,
}

/// What the votes decided.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub outcome: Outcome,
    /// The approved amount (null when denied).
    pub amount: Option<Money>,
    /// The fund the approval was committed from.
    pub fund_id: Option<i64>,
    pub fund_name: Option<String>,
    /// The journal entry Dr 5100/5200, Cr 2100 that committed the money.
    pub commitment_entry_id: Option<i64>,
    pub policy_version: i32,
    pub deciding_vote_id: i64,
    pub decided_at: DateTime<Utc>,
}

/// The answer to a vote: the vote, and the decision if this vote reached one.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VoteResult {
    #[serde(flatten)]
    pub vote: Vote,
    pub decision: Option<Decision>,
    /// The application's status after the vote.
    pub status: Status,
}

impl VoteResult {
    /// The journal entry that committed the money, if this vote decided an approval.
    pub fn entry_id(&self) -> Option<i64> {
        self.decision.as_ref().and_then(|d| d.commitment_entry_id)
    }
}

type VoteRow = (
    i64,
    i64,
    i64,
    String,
    VoteChoice,
    Option<Money>,
    Option<i64>,
    Option<String>,
    DateTime<Utc>,
);

fn to_vote(r: VoteRow) -> Vote {
    Vote {
        id: r.0,
        application_id: r.1,
        voter_id: r.2,
        voter_name: r.3,
        vote: r.4,
        amount: r.5,
        fund_id: r.6,
        comment: r.7,
        cast_at: r.8,
    }
}

/// The votes on an application, in the order cast.
#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn votes_of(mut conn: &AsyncPgConnection, application_id: i64) -> AppResult<Vec<Vote>> {
    use crate::db::schema::users;
    let rows: Vec<VoteRow> = votes::table
        .inner_join(users::table)
        .filter(votes::application_id.eq(application_id))
        .order(votes::id)
        .select((
            votes::id,
            votes::application_id,
            votes::voter_id,
            users::name,
            votes::vote,
            votes::amount,
            votes::fund_id,
            votes::comment,
            votes::cast_at,
        ))
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().map(to_vote).collect())
}

/// The decision on an application, if the votes reached one.
#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn decision_of(
    mut conn: &AsyncPgConnection,
    application_id: i64,
) -> AppResult<Option<Decision>> {
    type Row = (
        Outcome,
        Option<Money>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        i32,
        i64,
        DateTime<Utc>,
    );
    let row: Option<Row> = decisions::table
        .left_join(funds::table)
        .filter(decisions::application_id.eq(application_id))
        .select((
            decisions::outcome,
            decisions::amount,
            decisions::fund_id,
            funds::name.nullable(),
            decisions::commitment_entry_id,
            decisions::policy_version,
            decisions::deciding_vote_id,
            decisions::decided_at,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(row.map(|r| Decision {
        outcome: r.0,
        amount: r.1,
        fund_id: r.2,
        fund_name: r.3,
        commitment_entry_id: r.4,
        policy_version: r.5,
        deciding_vote_id: r.6,
        decided_at: r.7,
    }))
}

/// `Some(conflict)` once the member has declared on this application.
#[tracing::instrument(level = "debug", skip_all, fields(application_id, user_id))]
pub async fn declaration(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    user_id: i64,
) -> AppResult<Option<bool>> {
    Ok(review_declarations::table
        .find((application_id, user_id))
        .select(review_declarations::conflict)
        .first(conn)
        .await
        .optional()?)
}

/// Why `user_id` may not vote on the application, if they entered it, recorded its
/// documents, overrode its eligibility, or created or changed the household (the same
/// rule the database enforces), as a message key.
#[tracing::instrument(level = "debug", skip_all, fields(application_id, user_id))]
pub async fn separation(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    user_id: i64,
) -> AppResult<Option<Problem>> {
    #[derive(QueryableByName)]
    struct Why {
        #[diesel(sql_type = Nullable<Text>)]
        why: Option<String>,
    }
    let why: Why = diesel::sql_query("SELECT review_barred($1, $2) AS why")
        .bind::<BigInt, _>(application_id)
        .bind::<BigInt, _>(user_id)
        .get_result(conn)
        .await?;
    let key = match why.why.as_deref() {
        None => return Ok(None),
        Some("entered") => "err-barred-entered",
        Some("documents") => "err-barred-documents",
        Some("override") => "err-barred-override",
        Some("household") => "err-barred-household",
        Some(other) => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "review_barred() gave an unknown reason {other:?}"
            )));
        }
    };
    Ok(Some(Problem::new(key)))
}

fn reviewable(row: &ApplicationRow) -> AppResult<()> {
    match row.status() {
        Status::Eligible | Status::NeedsReview => Ok(()),
        other => Err(AppError::Conflict(
            Problem::new("err-review-status").arg("status", other),
        )),
    }
}

/// Checks a member may take part in this application's review at all.
async fn may_review(
    conn: &mut AsyncPgConnection,
    user: &User,
    row: &ApplicationRow,
) -> AppResult<()> {
    user.require(&[Role::BoardMember])?;
    reviewable(row)?;
    if let Some(why) = separation(conn, row.id, user.id).await? {
        return Err(AppError::Barred(why));
    }
    Ok(())
}

/// A member states no conflict of interest (and then sees who the applicant is), or a
/// conflict, which records a `recuse` vote.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id, application_id))]
pub async fn declare(
    conn: &mut AsyncPgConnection,
    user: &User,
    application_id: i64,
    clock: &Today,
    conflict: bool,
    comment: Option<String>,
) -> AppResult<()> {
    if conflict {
        let input = VoteInput {
            vote: Some("recuse".into()),
            comment,
            ..VoteInput::default()
        };
        vote(conn, user, application_id, clock, &input).await?;
        return Ok(());
    }
    conn.transaction(async |conn| {
        let row = applications::lock(conn, application_id).await?;
        may_review(conn, user, &row).await?;
        if declaration(conn, application_id, user.id).await?.is_some() {
            return Err(AppError::Conflict(Problem::new("err-declared-already")));
        }
        record_declaration(conn, application_id, user.id, false).await
    })
    .await
}

async fn record_declaration(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    user_id: i64,
    conflict: bool,
) -> AppResult<()> {
    diesel::insert_into(review_declarations::table)
        .values((
            review_declarations::application_id.eq(application_id),
            review_declarations::user_id.eq(user_id),
            review_declarations::conflict.eq(conflict),
        ))
        .execute(conn)
        .await?;
    audit::record(
        conn,
        Some(user_id),
        "declare",
        "application",
        Some(application_id),
        json!({"conflict": conflict}),
    )
    .await
}

/// The policy the review follows: the version of the check that stands, else the one in force.
async fn policy_for(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    today: NaiveDate,
) -> AppResult<crate::eligibility::PolicyVersion> {
    use crate::db::schema::{eligibility_checks, policy_versions};
    let standing: Option<i32> = eligibility_checks::table
        .inner_join(policy_versions::table)
        .filter(eligibility_checks::application_id.eq(application_id))
        .order(eligibility_checks::id.desc())
        .select(policy_versions::version)
        .first(conn)
        .await
        .optional()?;
    match standing {
        Some(v) => crate::eligibility::version(conn, v).await,
        None => crate::eligibility::in_force(conn, today).await,
    }
}

/// The household's other grants in the policy's rolling window, which count against its cap.
async fn earlier_grants(
    conn: &mut AsyncPgConnection,
    row: &ApplicationRow,
    window_days: u32,
    today: NaiveDate,
    timezone: &str,
) -> AppResult<Money> {
    let grants = crate::eligibility::prior_grants(conn, row.household_id, row.id, timezone).await?;
    let days = chrono::Duration::days(i64::from(window_days));
    Money::sum(
        grants
            .into_iter()
            .filter(|g| g.approved_on <= today && today - g.approved_on < days)
            .map(|g| g.amount),
    )
    .ok_or_else(|| AppError::rule("amount", Problem::new("err-money-too-large")))
}

/// Records a member's vote and, if it decides the application, the decision and (for an
/// approval) the commitment. Votes are final.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id, application_id))]
pub async fn vote(
    conn: &mut AsyncPgConnection,
    user: &User,
    application_id: i64,
    clock: &Today,
    input: &VoteInput,
) -> AppResult<VoteResult> {
    user.require(&[Role::BoardMember])?;
    let new = input.parse()?;
    let (today, timezone) = (clock.today, clock.timezone);
    conn.transaction(async |conn| {
        let row = applications::lock(conn, application_id).await?;
        may_review(conn, user, &row).await?;
        if votes_of(conn, application_id)
            .await?
            .iter()
            .any(|v| v.voter_id == user.id)
        {
            return Err(AppError::Conflict(Problem::new("err-voted-already")));
        }
        let policy = policy_for(conn, application_id, today).await?;
        let requested = row.requested_amount;
        let amount = match new.vote {
            VoteChoice::Approve => {
                let earlier =
                    earlier_grants(conn, &row, policy.policy.caps.window_days, today, timezone)
                        .await?;
                let limit = approval_limit(&policy.policy, row.program(), requested, earlier);
                let amount = new.amount.unwrap_or(requested);
                if amount.decimal() > limit.amount.decimal() {
                    return Err(AppError::rule(
                        "amount",
                        Problem::new(limit.reason).arg("limit", limit.amount.display()),
                    ));
                }
                Some(amount)
            }
            _ => None,
        };
        if declaration(conn, application_id, user.id).await?.is_none() {
            record_declaration(
                conn,
                application_id,
                user.id,
                new.vote == VoteChoice::Recuse,
            )
            .await?;
        }
        let vote_id = insert_vote(conn, application_id, user.id, &new, amount).await?;
        let cast = votes_of(conn, application_id).await?;
        let choices: Vec<VoteChoice> = cast.iter().map(|v| v.vote).collect();
        let (status, decision) = match decide(&policy.policy.review, requested, &choices) {
            Some(outcome) => {
                let approved = approved_amount(cast.iter().filter_map(|v| v.amount));
                let status = record_decision(
                    conn,
                    user.id,
                    &row,
                    &cast,
                    outcome,
                    approved,
                    vote_id,
                    policy.version,
                    today,
                )
                .await?;
                (status, decision_of(conn, application_id).await?)
            }
            None => (row.status(), None),
        };
        let vote = cast
            .into_iter()
            .find(|v| v.id == vote_id)
            .ok_or(AppError::NotFound("vote"))?;
        Ok(VoteResult {
            vote,
            decision,
            status,
        })
    })
    .await
}

async fn insert_vote(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    voter: i64,
    new: &NewVote,
    amount: Option<Money>,
) -> AppResult<i64> {
    let id: i64 = diesel::insert_into(votes::table)
        .values((
            votes::application_id.eq(application_id),
            votes::voter_id.eq(voter),
            votes::vote.eq(new.vote.as_str()),
            votes::amount.eq(amount.map(Money::decimal)),
            votes::fund_id.eq(new.fund_id),
            votes::comment.eq(&new.comment),
        ))
        .returning(votes::id)
        .get_result(conn)
        .await?;
    audit::record(
        conn,
        Some(voter),
        "vote",
        "application",
        Some(application_id),
        json!({"vote_id": id, "vote": new.vote, "amount": amount, "fund_id": new.fund_id, "comment": new.comment}),
    )
    .await?;
    Ok(id)
}
