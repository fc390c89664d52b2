//! The case file: the read side that spans capabilities. An application with everything
//! recorded about it (its intake, eligibility checks, votes and decision, payments), the
//! pages that show it (the application page, the family's summary, the decision letter)
//! and each role's home page with its queues.
//!
//! It may read every capability; no capability reads it. The edges (`api.rs`, `web.rs` of
//! each capability) answer with what it assembles.

pub mod web;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;

use crate::applications::{self, Document, Emergency, FeeLine, StatusChange};
use crate::audit::{self, Channel};
use crate::domain::{Money, Program, Status};
use crate::error::AppResult;
use crate::users::User;

/// An application with everything recorded about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    pub number: String,
    pub household_id: i64,
    /// Hidden (null) from board members until the review issue lets them declare no conflict.
    pub household_name: Option<String>,
    pub household_name_ko: Option<String>,
    pub site: String,
    /// The answer to "is the family related to a board member, officer, staff member or
    /// major donor of the fund?", asked at intake; absent for applications entered before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insider_relationship: Option<crate::domain::InsiderRelationship>,
    /// Who and how (hidden, like the names, from an undeclared board member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insider_note: Option<String>,
    pub program: Program,
    pub status: Status,
    pub requested_amount: Money,
    pub emergency: Option<Emergency>,
    pub lines: Vec<FeeLine>,
    pub documents: Vec<Document>,
    pub history: Vec<StatusChange>,
    /// Eligibility checks and overrides, oldest first.
    pub checks: Vec<crate::eligibility::Check>,
    /// Board votes, in the order cast.
    pub votes: Vec<crate::review::Vote>,
    pub decision: Option<crate::review::Decision>,
    /// Payments, oldest first, voided ones included.
    pub disbursements: Vec<crate::payments::Disbursement>,
    /// Once approved: approved, paid, released and unpaid amounts.
    pub payable: Option<crate::payments::Payable>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Whether `user` may see who applied for application `id`: a board member alone sees a
/// name only after declaring no conflict on it.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id, id))]
pub async fn names_visible(conn: &mut AsyncPgConnection, user: &User, id: i64) -> AppResult<bool> {
    if applications::may_see_names(user) {
        return Ok(true);
    }
    Ok(crate::review::declaration(conn, id, user.id).await? == Some(false))
}

/// Application `id` and everything recorded about it; `with_names` false leaves out the
/// family's and the beneficiaries' names (and a family paid directly, as payee).
#[tracing::instrument(level = "debug", skip_all, fields(id, with_names))]
pub async fn load(
    conn: &mut AsyncPgConnection,
    id: i64,
    with_names: bool,
) -> AppResult<Application> {
    // Every part is read at once on the one connection (pipelined): one round trip.
    let conn: &AsyncPgConnection = conn;
    let (record, checks, votes, decision, disbursements, payable) = futures_util::try_join!(
        applications::record(conn, id, with_names),
        crate::eligibility::checks(conn, id),
        crate::review::votes_of(conn, id),
        crate::review::decision_of(conn, id),
        crate::payments::of_application(conn, id),
        crate::payments::payable(conn, id),
    )?;
    let row = record.row;
    Ok(Application {
        id: row.id,
        number: row.number,
        household_id: row.household_id,
        household_name: record.household_name,
        household_name_ko: record.household_name_ko,
        site: record.site,
        insider_relationship: row.insider_relationship,
        insider_note: row.insider_note.filter(|_| with_names),
        program: row.program,
        status: row.status,
        requested_amount: row.requested_amount,
        emergency: record.emergency,
        lines: record.lines,
        documents: record.documents,
        history: record.history,
        checks,
        votes,
        decision,
        disbursements: disbursements
            .into_iter()
            .map(|d| if with_names { d } else { d.without_names() })
            .collect(),
        payable,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
        submitted_at: row.submitted_at,
    })
}

/// A user reads an application: logged like a household read, since it names the family.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id, id))]
pub async fn view(
    conn: &mut AsyncPgConnection,
    user: &User,
    id: i64,
    channel: Channel,
) -> AppResult<Application> {
    let names = names_visible(conn, user, id).await?;
    let application = load(conn, id, names).await?;
    if names {
        audit::record_access(conn, user.id, "application", id, channel).await?;
    }
    Ok(application)
}
