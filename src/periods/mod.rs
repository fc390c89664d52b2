//! The accountant's periods (SPEC "The accountant's year"): an accountant closes a month
//! once every entry in it is final, months in order; an admin may reopen one with a
//! reason. The database decides (the `close_period` and `reopen_period` functions and the
//! journal's `journal_entries_period_open` trigger, under one lock on `periods`); this
//! service calls them, names their refusals, and reads the months back.

pub mod api;
pub mod web;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Date, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::db::schema::{period_events, periods, users};
use crate::domain::period::Month;
use crate::domain::{FieldErrors, PeriodStatus, Problem};
use crate::error::{AppError, AppResult};

/// A month of the books and whether it takes entries.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// `YYYY-MM`.
    #[schema(value_type = String, example = "2026-11")]
    #[serde(serialize_with = "month_text")]
    pub period: Month,
    pub status: PeriodStatus,
    /// The last close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_by_name: Option<String>,
    /// The last reopening, with its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reopened_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reopened_by: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reopen_reason: Option<String>,
}

fn month_text<S: serde::Serializer>(month: &Month, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(month)
}

/// What an admin sends to reopen a month.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReopenInput {
    /// Why the month must take entries again (kept with the month and in the audit trail).
    #[schema(value_type = String, required = true, example = "A bank fee of November was missed")]
    pub reason: Option<String>,
}

type Row = (
    NaiveDate,
    String,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<String>,
);

fn to_period(row: Row) -> AppResult<Period> {
    let (period, status, closed_at, closed_by, closed_by_name, reopened_at, reopened_by, reason) =
        row;
    Ok(Period {
        period: Month::of(period),
        status: PeriodStatus::parse(&status)
            .ok_or_else(|| AppError::corrupt("period status", &status))?,
        closed_at,
        closed_by,
        closed_by_name,
        reopened_at,
        reopened_by,
        reopen_reason: reason,
    })
}

/// Every month of the books, newest first: from the first month with an entry (or the
/// first closed) to the current month, each open unless closed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(conn: &mut AsyncPgConnection, today: NaiveDate) -> AppResult<Vec<Period>> {
    let rows: Vec<Row> = periods::table
        .left_join(users::table.on(users::id.nullable().eq(periods::closed_by)))
        .order(periods::period.desc())
        .select((
            periods::period,
            periods::status,
            periods::closed_at,
            periods::closed_by,
            users::name.nullable(),
            periods::reopened_at,
            periods::reopened_by,
            periods::reopen_reason,
        ))
        .load(conn)
        .await?;
    let mut stored: Vec<Period> = rows.into_iter().map(to_period).collect::<AppResult<_>>()?;
    let current = Month::of(today);
    let Some(first) = stored
        .iter()
        .map(|p| p.period)
        .min()
        .map(|m| m.min(current))
    else {
        return Ok(vec![open(current)]);
    };
    let last = stored
        .iter()
        .map(|p| p.period)
        .max()
        .map_or(current, |m| m.max(current));
    let mut all = Vec::new();
    let mut month = last;
    while month >= first {
        match stored.iter().position(|p| p.period == month) {
            Some(i) => all.push(stored.swap_remove(i)),
            None => all.push(open(month)),
        }
        month = month.previous();
    }
    Ok(all)
}

fn open(month: Month) -> Period {
    Period {
        period: month,
        status: PeriodStatus::Open,
        closed_at: None,
        closed_by: None,
        closed_by_name: None,
        reopened_at: None,
        reopened_by: None,
        reopen_reason: None,
    }
}

/// One month as [`list`] shows it.
async fn one(conn: &mut AsyncPgConnection, today: NaiveDate, month: Month) -> AppResult<Period> {
    let all = list(conn, today).await?;
    all.into_iter()
        .find(|p| p.period == month)
        .ok_or(AppError::NotFound("period"))
}

/// A refusal of the period functions, or of a booking into a closed month, as the problem
/// it names: the rule is the constraint, the month concerned the detail.
pub fn refusal(e: DieselError) -> AppError {
    let DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, info) = &e else {
        return e.into();
    };
    let month = info.details().unwrap_or_default().to_owned();
    let problem = |key| Problem::new(key).arg("period", &month);
    match info.constraint_name() {
        Some("period_not_ended") => {
            AppError::invalid_field("period", problem("err-period-not-ended"))
        }
        Some("period_before_books") => {
            AppError::invalid_field("period", problem("err-period-before-books"))
        }
        Some("period_order") => AppError::invalid_field("period", problem("err-period-order")),
        Some("period_already_closed") => AppError::Conflict(problem("err-period-already-closed")),
        Some("period_not_closed") => AppError::Conflict(problem("err-period-not-closed")),
        Some("period_events_reason") => {
            AppError::invalid_field("reason", Problem::new("err-required"))
        }
        _ => e.into(),
    }
}

#[derive(QueryableByName)]
struct At {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    at: DateTime<Utc>,
}

/// Closes `month` (it must have ended, be open, and follow closed months only).
#[tracing::instrument(level = "debug", skip_all, fields(actor, %month))]
pub async fn close(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    month: Month,
) -> AppResult<Period> {
    conn.transaction(async |conn| {
        let done: At = diesel::sql_query("SELECT close_period($1, $2, $3) AS at")
            .bind::<Date, _>(month.first_day())
            .bind::<Date, _>(today)
            .bind::<BigInt, _>(actor)
            .get_result(conn)
            .await
            .map_err(refusal)?;
        audit::record(
            conn,
            Some(actor),
            "close",
            "period",
            Some(month.number()),
            json!({"period": month.to_string(), "at": done.at}),
        )
        .await?;
        one(conn, today, month).await
    })
    .await
}

/// Reopens a closed `month`, for a reason.
#[tracing::instrument(level = "debug", skip_all, fields(actor, %month))]
pub async fn reopen(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    month: Month,
    input: &ReopenInput,
) -> AppResult<Period> {
    let mut e = FieldErrors::new();
    let reason = crate::domain::input::required_text(
        &mut e,
        "reason",
        input.reason.as_deref(),
        crate::domain::input::LONG_TEXT,
    );
    let Some(reason) = reason else {
        return Err(e.into());
    };
    conn.transaction(async |conn| {
        let done: At = diesel::sql_query("SELECT reopen_period($1, $2, $3) AS at")
            .bind::<Date, _>(month.first_day())
            .bind::<BigInt, _>(actor)
            .bind::<Text, _>(&reason)
            .get_result(conn)
            .await
            .map_err(refusal)?;
        audit::record(
            conn,
            Some(actor),
            "reopen",
            "period",
            Some(month.number()),
            json!({"period": month.to_string(), "reason": reason, "at": done.at}),
        )
        .await?;
        one(conn, today, month).await
    })
    .await
}

/// A close or reopening of a month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodEvent {
    #[schema(value_type = String, example = "2026-11")]
    #[serde(serialize_with = "month_text")]
    pub period: Month,
    /// `close` or `reopen`.
    pub action: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
    pub actor: i64,
    pub actor_name: String,
}

/// Every close and reopening, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn history(conn: &mut AsyncPgConnection) -> AppResult<Vec<PeriodEvent>> {
    let rows: Vec<(
        NaiveDate,
        String,
        Option<String>,
        DateTime<Utc>,
        i64,
        String,
    )> = period_events::table
        .inner_join(users::table.on(users::id.eq(period_events::actor)))
        .order(period_events::id.desc())
        .select((
            period_events::period,
            period_events::action,
            period_events::reason,
            period_events::at,
            period_events::actor,
            users::name,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(period, action, reason, at, actor, actor_name)| PeriodEvent {
                period: Month::of(period),
                action,
                reason,
                at,
                actor,
                actor_name,
            },
        )
        .collect())
}
