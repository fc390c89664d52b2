//! Eligibility: policy versions, the reference tables, and running the rules engine
//! (`domain::eligibility`) over an application. A check is stored with the policy version,
//! the facts it used and each rule's outcome in both languages; the application takes the
//! result as its status in the same transaction. Admins may override a result with a reason.

pub mod api;
mod facts;
mod limits;
mod policy;
pub mod web;
pub use facts::*;
pub use limits::{Preview, limits_broken, preview};
pub use policy::*;

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
    Tables, evaluate,
};
use crate::domain::policy::Policy;
use crate::domain::status::CheckResult;
use crate::domain::{DocumentKind, FieldErrors, Language, Money, Problem, Program, Transition};
use crate::error::{AppError, AppResult};
use crate::i18n;

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
pub async fn checks(conn: &AsyncPgConnection, application_id: i64) -> AppResult<Vec<Check>> {
    load_checks(conn, application_id, None).await
}

/// The checks of an application, or only the one with id `only`.
async fn load_checks(
    mut conn: &AsyncPgConnection,
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
        .load(&mut conn)
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
