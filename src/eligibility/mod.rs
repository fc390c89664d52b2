//! Eligibility: policy versions, the reference tables, and running the rules engine
//! (`domain::eligibility`) over an application. A check is stored with the policy version,
//! the facts it used and each rule's outcome in both languages; the application takes the
//! result as its status in the same transaction. Admins may override a result with a reason.

pub mod api;
pub mod web;

pub use crate::clock::Today;
use crate::domain::eligibility::CheckKind;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Numeric, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::applications::{self, ApplicationRow};
use crate::audit;
use crate::db::schema::{
    documents, eligibility_checks, households, policy_versions, poverty_guidelines, users,
};
use crate::domain::eligibility::{
    Arg, Evaluation, Facts, Guideline, LineFacts, Message, Outcome, PriorGrant, Region, Rule,
    ScheduleRow, Tables, evaluate,
};
use crate::domain::policy::Policy;
use crate::domain::status::CheckResult;
use crate::domain::{DocumentKind, FieldErrors, Language, Money, Problem, Program, Transition};
use crate::error::{AppError, AppResult};
use crate::i18n;

/// A policy version as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyVersion {
    pub id: i64,
    pub version: i32,
    pub effective_from: NaiveDate,
    pub policy: Policy,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

type VersionRow = (
    i64,
    i32,
    NaiveDate,
    Value,
    String,
    Option<i64>,
    DateTime<Utc>,
);

const VERSION_COLUMNS: (
    policy_versions::id,
    policy_versions::version,
    policy_versions::effective_from,
    policy_versions::policy,
    policy_versions::note,
    policy_versions::created_by,
    policy_versions::created_at,
) = (
    policy_versions::id,
    policy_versions::version,
    policy_versions::effective_from,
    policy_versions::policy,
    policy_versions::note,
    policy_versions::created_by,
    policy_versions::created_at,
);

fn to_version(row: VersionRow) -> AppResult<PolicyVersion> {
    let (id, version, effective_from, policy, note, created_by, created_at) = row;
    let policy: Policy = serde_json::from_value(policy).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "policy version {version} is not readable: {e}"
        ))
    })?;
    Ok(PolicyVersion {
        id,
        version,
        effective_from,
        policy,
        note,
        created_by,
        created_at,
    })
}

/// Every version, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn versions(conn: &mut AsyncPgConnection) -> AppResult<Vec<PolicyVersion>> {
    let rows: Vec<VersionRow> = policy_versions::table
        .order(policy_versions::version.desc())
        .select(VERSION_COLUMNS)
        .load(conn)
        .await?;
    rows.into_iter().map(to_version).collect()
}

#[tracing::instrument(level = "debug", skip_all, fields(version))]
pub async fn version(conn: &mut AsyncPgConnection, version: i32) -> AppResult<PolicyVersion> {
    let row: VersionRow = policy_versions::table
        .filter(policy_versions::version.eq(version))
        .select(VERSION_COLUMNS)
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound("policy version"))?;
    to_version(row)
}

/// The version in force on `on`: the latest that took effect on or before it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn in_force(conn: &mut AsyncPgConnection, on: NaiveDate) -> AppResult<PolicyVersion> {
    let row: VersionRow = policy_versions::table
        .filter(policy_versions::effective_from.le(on))
        .order(policy_versions::effective_from.desc())
        .select(VERSION_COLUMNS)
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::Conflict(Problem::new("err-no-policy").arg("date", on)))?;
    to_version(row)
}

/// What an admin sends to add a policy version.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewVersionInput {
    /// `YYYY-MM-DD`: today or later, and after every existing version's date.
    #[schema(value_type = Option<String>, example = "2027-01-01", required = true)]
    pub effective_from: Option<String>,
    pub note: Option<String>,
    /// The whole policy, as `GET /api/v1/policy-versions/{version}` shows it.
    #[schema(value_type = Option<Policy>, required = true)]
    pub policy: Option<Value>,
}

/// Reads a policy document, naming the field of the first type error and then every rule
/// it breaks.
pub fn parse_policy(value: &Value, errors: &mut FieldErrors) -> Option<Policy> {
    let policy: Policy = match serde_path_to_error::deserialize(value) {
        Ok(p) => p,
        Err(e) => {
            let path = e.path().to_string();
            let field = if path == "." {
                "policy".to_owned()
            } else {
                format!("policy.{path}")
            };
            errors.add(
                field,
                Problem::new("err-policy-field").arg("detail", e.into_inner()),
            );
            return None;
        }
    };
    let problems = policy.problems();
    for (path, problem) in &problems {
        errors.add(
            format!("policy.{path}"),
            Problem::new("err-policy-field").arg("detail", problem),
        );
    }
    problems.is_empty().then_some(policy)
}

/// Adds a policy version. It may not take effect before today (that would change what
/// past checks should have found) nor before an existing version.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn create_version(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    input: &NewVersionInput,
) -> AppResult<PolicyVersion> {
    let mut e = FieldErrors::new();
    let effective_from = crate::domain::input::required_date(
        &mut e,
        "effective_from",
        input.effective_from.as_deref(),
    )
    .filter(|date| {
        let future = *date >= today;
        if !future {
            e.add(
                "effective_from",
                Problem::new("err-policy-past").arg("today", today),
            );
        }
        future
    });
    let note = crate::domain::input::optional_text(
        &mut e,
        "note",
        input.note.as_deref(),
        crate::domain::input::LONG_TEXT,
    );
    let policy = match &input.policy {
        None | Some(Value::Null) => {
            e.add("policy", Problem::new("err-required"));
            None
        }
        Some(value) => parse_policy(value, &mut e),
    };
    let (Some(effective_from), Some(policy)) = (effective_from, policy) else {
        return Err(e.into());
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let body = serde_json::to_value(&policy).map_err(|e| AppError::Internal(e.into()))?;
    let id = conn
        .transaction(async move |conn| {
            // One writer at a time, so the order check below cannot race.
            diesel::sql_query("SELECT pg_advisory_xact_lock(727275)")
                .execute(conn)
                .await?;
            let latest: Option<(i32, NaiveDate)> = policy_versions::table
                .order(policy_versions::version.desc())
                .select((policy_versions::version, policy_versions::effective_from))
                .first(conn)
                .await
                .optional()?;
            if let Some((_, last)) = latest.filter(|(_, last)| effective_from <= *last) {
                return Err(AppError::invalid_field(
                    "effective_from",
                    Problem::new("err-policy-order").arg("date", last),
                ));
            }
            let version = latest.map_or(1, |(v, _)| v + 1);
            let id: i64 = diesel::insert_into(policy_versions::table)
                .values((
                    policy_versions::version.eq(version),
                    policy_versions::effective_from.eq(effective_from),
                    policy_versions::policy.eq(&body),
                    policy_versions::note.eq(note.as_deref().unwrap_or("")),
                    policy_versions::created_by.eq(actor),
                ))
                .returning(policy_versions::id)
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                Some(actor),
                "create",
                "policy_version",
                Some(id),
                json!({"version": version, "effective_from": effective_from, "policy": body}),
            )
            .await?;
            Ok::<_, AppError>(id)
        })
        .await?;
    let row: VersionRow = policy_versions::table
        .find(id)
        .select(VERSION_COLUMNS)
        .first(conn)
        .await?;
    to_version(row)
}

/// The HHS guidelines and the USCIS schedule, every effective date included.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn tables(conn: &mut AsyncPgConnection) -> AppResult<Tables> {
    let rows: Vec<(i32, Region, Money, Money, NaiveDate)> = poverty_guidelines::table
        .order(poverty_guidelines::id)
        .select((
            poverty_guidelines::year,
            poverty_guidelines::region,
            poverty_guidelines::first_person,
            poverty_guidelines::each_additional,
            poverty_guidelines::effective_from,
        ))
        .load(conn)
        .await?;
    let guidelines = rows
        .into_iter()
        .map(
            |(year, region, first_person, each_additional, effective_from)| Guideline {
                year,
                region,
                first_person,
                each_additional,
                effective_from,
            },
        )
        .collect();
    let fees = applications::fees::all_rows(conn)
        .await?
        .into_iter()
        .map(|f| ScheduleRow {
            form: f.form,
            category: f.category,
            filing: f.filing,
            fee: f.fee,
            effective_from: f.effective_from,
            fee_waiver_available: f.fee_waiver_available,
        })
        .collect();
    Ok(Tables { guidelines, fees })
}

#[derive(QueryableByName)]
struct GrantRow {
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = Text)]
    program: Program,
    #[diesel(sql_type = Numeric)]
    amount: Money,
    #[diesel(sql_type = Date)]
    approved_on: NaiveDate,
}

/// The household's other applications that were granted money, dated by their decision
/// in the fund's time zone: the amount is what stays granted, the commitment less any
/// release (a withdrawal, or closing with less paid), from the ledger's expense postings.
#[tracing::instrument(level = "debug", skip_all, fields(household_id, except))]
pub(crate) async fn prior_grants(
    conn: &mut AsyncPgConnection,
    household_id: i64,
    except: i64,
    timezone: &str,
) -> AppResult<Vec<PriorGrant>> {
    let rows: Vec<GrantRow> = diesel::sql_query(
        "SELECT a.number, a.program, \
                SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END) AS amount, \
                (d.decided_at AT TIME ZONE $3)::date AS approved_on \
         FROM applications a \
         JOIN decisions d ON d.application_id = a.id AND d.outcome = 'approved' \
         JOIN journal_entries e ON e.document_type = 'application' AND e.document_id = a.id \
         JOIN postings p ON p.entry_id = e.id AND p.account_code IN ('5100', '5200') \
         WHERE a.household_id = $1 AND a.id <> $2 \
         GROUP BY a.id, d.decided_at \
         HAVING SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END) > 0 \
         ORDER BY a.id",
    )
    .bind::<BigInt, _>(household_id)
    .bind::<BigInt, _>(except)
    .bind::<Text, _>(timezone)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PriorGrant {
            number: r.number,
            program: r.program,
            amount: r.amount,
            approved_on: r.approved_on,
        })
        .collect())
}

/// Gathers what the rules look at, as of `on`.
async fn facts(
    conn: &mut AsyncPgConnection,
    row: &ApplicationRow,
    on: NaiveDate,
    timezone: &str,
) -> AppResult<Facts> {
    let (size, income, state): (i32, Money, String) = households::table
        .find(row.household_id)
        .select((
            households::size,
            households::annual_income,
            households::state,
        ))
        .first(conn)
        .await?;
    let lines = applications::fees::lines_of(conn, row.id)
        .await?
        .into_iter()
        .map(|l| LineFacts {
            form: l.form,
            category: l.category,
            filing: l.filing,
            amount: l.amount,
            override_reason: l.override_reason,
        })
        .collect();
    let kinds: Vec<DocumentKind> = documents::table
        .filter(documents::application_id.eq(row.id))
        .select(documents::kind)
        .load(conn)
        .await?;
    Ok(Facts {
        on,
        program: row.program(),
        household_size: size,
        annual_income: income,
        state,
        requested: row.requested_amount,
        lines,
        emergency_category: row.emergency_category,
        documents: kinds,
        prior_grants: prior_grants(conn, row.household_id, row.id, timezone).await?,
    })
}

/// `181.8%`: a percentage as messages and pages show it.
pub fn percent(value: Decimal) -> String {
    format!("{}%", value.normalize())
}

/// A message in `lang`, its arguments formatted for that language.
pub fn render(lang: Language, message: &Message) -> String {
    let args: Vec<(&str, String)> = message
        .args
        .iter()
        .map(|(name, arg)| {
            let text = match arg {
                Arg::Money(m) => m.display(),
                Arg::Percent(p) => percent(*p),
                Arg::Date(d) => d.to_string(),
                Arg::Label { prefix, value } => i18n::t(lang, &i18n::label_key(prefix, value)),
                Arg::Text(t) => t.clone(),
                Arg::Documents(groups) => groups
                    .iter()
                    .map(|any_of| {
                        any_of
                            .iter()
                            .map(|k| i18n::t(lang, &i18n::label_key("document", k)))
                            .collect::<Vec<_>>()
                            .join(&i18n::t(lang, "or"))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            (*name, text)
        })
        .collect();
    i18n::tr(lang, message.key, &args)
}

/// One rule's outcome as stored and shown.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleView {
    pub rule: Rule,
    pub outcome: Outcome,
    pub message_en: String,
    pub message_ko: String,
}

impl RuleView {
    pub fn message(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.message_en,
            Language::Ko => &self.message_ko,
        }
    }
}

/// A stored check or override.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Check {
    pub id: i64,
    pub application_id: i64,
    pub kind: CheckKind,
    pub result: CheckResult,
    /// The policy version the rules came from (null for an override).
    pub policy_version: Option<i32>,
    pub checked_on: NaiveDate,
    pub rules: Vec<RuleView>,
    /// What the rules looked at: income, size, state, amounts, documents, earlier grants.
    #[schema(value_type = Object)]
    pub facts: Value,
    pub guideline: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub percent_of_guideline: Option<Decimal>,
    pub reason: Option<String>,
    pub overrides_check_id: Option<i64>,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

type CheckRow = (
    i64,
    i64,
    CheckKind,
    CheckResult,
    Option<i32>,
    NaiveDate,
    Value,
    Value,
    Option<Money>,
    Option<Decimal>,
    Option<String>,
    Option<i64>,
    i64,
    String,
    DateTime<Utc>,
);

/// Every check and override of an application, oldest first.
#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn checks(conn: &mut AsyncPgConnection, application_id: i64) -> AppResult<Vec<Check>> {
    load_checks(conn, application_id, None).await
}

/// The checks of an application, or only the one with id `only`.
async fn load_checks(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    only: Option<i64>,
) -> AppResult<Vec<Check>> {
    let mut query = eligibility_checks::table
        .inner_join(users::table)
        .left_join(policy_versions::table)
        .filter(eligibility_checks::application_id.eq(application_id))
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(eligibility_checks::id.eq(id));
    }
    let rows: Vec<CheckRow> = query
        .order(eligibility_checks::id)
        .select((
            eligibility_checks::id,
            eligibility_checks::application_id,
            eligibility_checks::kind,
            eligibility_checks::result,
            policy_versions::version.nullable(),
            eligibility_checks::checked_on,
            eligibility_checks::facts,
            eligibility_checks::rules,
            eligibility_checks::guideline,
            eligibility_checks::percent_of_guideline,
            eligibility_checks::reason,
            eligibility_checks::overrides_check_id,
            eligibility_checks::created_by,
            users::name,
            eligibility_checks::created_at,
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(
            |(
                id,
                application_id,
                kind,
                result,
                policy_version,
                checked_on,
                facts,
                rules,
                guideline,
                percent,
                reason,
                overrides_check_id,
                created_by,
                created_by_name,
                created_at,
            )| {
                Ok(Check {
                    id,
                    application_id,
                    kind,
                    result,
                    policy_version,
                    checked_on,
                    rules: serde_json::from_value(rules)
                        .map_err(|e| AppError::corrupt("check's rules", e))?,
                    facts,
                    guideline,
                    percent_of_guideline: percent,
                    reason,
                    overrides_check_id,
                    created_by,
                    created_by_name,
                    created_at,
                })
            },
        )
        .collect()
}

async fn check(conn: &mut AsyncPgConnection, application_id: i64, id: i64) -> AppResult<Check> {
    load_checks(conn, application_id, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound("eligibility check"))
}

/// Runs the rules of the policy in force today over the application, stores the check and
/// moves the application to the result, all in one transaction.
#[tracing::instrument(level = "debug", skip_all, fields(actor, application_id))]
pub async fn run_check(
    conn: &mut AsyncPgConnection,
    actor: i64,
    application_id: i64,
    clock: Today,
) -> AppResult<Check> {
    let id = conn
        .transaction(async move |conn| {
            let row = applications::lock(conn, application_id).await?;
            // Refuse early, before any work, when the status does not allow a check.
            row.status()
                .apply(Transition::Check(CheckResult::Eligible))?;
            let on = clock.today;
            let policy = in_force(conn, on).await?;
            let tables = tables(conn).await?;
            let facts = facts(conn, &row, on, clock.timezone).await?;
            let evaluation: Evaluation = evaluate(&facts, &policy.policy, &tables);
            let rules: Vec<RuleView> = evaluation
                .rules
                .iter()
                .map(|r| RuleView {
                    rule: r.rule,
                    outcome: r.outcome,
                    message_en: render(Language::En, &r.message),
                    message_ko: render(Language::Ko, &r.message),
                })
                .collect();
            let rules_json =
                serde_json::to_value(&rules).map_err(|e| AppError::Internal(e.into()))?;
            let facts_json =
                serde_json::to_value(&facts).map_err(|e| AppError::Internal(e.into()))?;
            let id: i64 = diesel::insert_into(eligibility_checks::table)
                .values((
                    eligibility_checks::application_id.eq(application_id),
                    eligibility_checks::kind.eq(CheckKind::Check.as_str()),
                    eligibility_checks::result.eq(evaluation.result.as_str()),
                    eligibility_checks::policy_version_id.eq(policy.id),
                    eligibility_checks::checked_on.eq(on),
                    eligibility_checks::facts.eq(&facts_json),
                    eligibility_checks::rules.eq(&rules_json),
                    eligibility_checks::guideline.eq(evaluation.guideline.map(Money::decimal)),
                    eligibility_checks::percent_of_guideline.eq(evaluation.percent_of_guideline),
                    eligibility_checks::created_by.eq(actor),
                ))
                .returning(eligibility_checks::id)
                .get_result(conn)
                .await?;
            applications::apply_transition(
                conn,
                actor,
                &row,
                Transition::Check(evaluation.result),
                None,
                json!({"eligibility_check": id, "policy_version": policy.version}),
            )
            .await?;
            Ok::<_, AppError>(id)
        })
        .await?;
    check(conn, application_id, id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OverrideInput {
    #[schema(value_type = CheckResult, required = true)]
    pub result: Option<String>,
    #[schema(value_type = crate::domain::schema::LongText, required = true)]
    pub reason: Option<String>,
}

/// An admin replaces the latest check's result, with a reason; audited like every status change.
#[tracing::instrument(level = "debug", skip_all, fields(actor, application_id))]
pub async fn override_result(
    conn: &mut AsyncPgConnection,
    actor: i64,
    application_id: i64,
    clock: Today,
    input: &OverrideInput,
) -> AppResult<Check> {
    let mut e = FieldErrors::new();
    let result = crate::domain::input::required_choice(
        &mut e,
        "result",
        input.result.as_deref(),
        CheckResult::parse,
        CheckResult::ALL,
        CheckResult::as_str,
    );
    let reason = crate::domain::input::required_text(
        &mut e,
        "reason",
        input.reason.as_deref(),
        crate::domain::input::LONG_TEXT,
    );
    let (Some(result), Some(reason)) = (result, reason) else {
        return Err(e.into());
    };
    let id = conn
        .transaction(async move |conn| {
            let row = applications::lock(conn, application_id).await?;
            row.status().apply(Transition::Override(result))?;
            let latest: Option<i64> = eligibility_checks::table
                .filter(eligibility_checks::application_id.eq(application_id))
                .order(eligibility_checks::id.desc())
                .select(eligibility_checks::id)
                .first(conn)
                .await
                .optional()?;
            let on = clock.today;
            let id: i64 = diesel::insert_into(eligibility_checks::table)
                .values((
                    eligibility_checks::application_id.eq(application_id),
                    eligibility_checks::kind.eq(CheckKind::Override.as_str()),
                    eligibility_checks::result.eq(result.as_str()),
                    eligibility_checks::checked_on.eq(on),
                    eligibility_checks::reason.eq(&reason),
                    eligibility_checks::overrides_check_id.eq(latest),
                    eligibility_checks::created_by.eq(actor),
                ))
                .returning(eligibility_checks::id)
                .get_result(conn)
                .await?;
            applications::apply_transition(
                conn,
                actor,
                &row,
                Transition::Override(result),
                Some(&reason),
                json!({"eligibility_override": id, "overrides_check": latest}),
            )
            .await?;
            Ok::<_, AppError>(id)
        })
        .await?;
    check(conn, application_id, id).await
}
