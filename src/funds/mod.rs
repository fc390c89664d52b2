//! Funds (pots of money with a donor restriction or none) and receipts (money in).
//! Every amount moves through the ledger module; this module keeps the business documents.

pub mod api;
mod money_in;
pub mod web;
pub use money_in::*;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::db::schema::{accounts, fund_balances, funds, journal_entries, postings, receipts};
use crate::domain::input::{LONG_TEXT, SHORT_TEXT, optional_date, optional_text, required_text};
use crate::domain::ledger::{DocumentType, EntryKind, ReceiptInput, ReceiptSource, receipt_lines};
use crate::domain::{FieldErrors, Money, Problem, Program};
use crate::error::{AppError, AppResult};
use crate::ledger::{self, NewEntry};

/// A fund with its balances, as `GET /api/v1/funds` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Fund {
    pub id: i64,
    pub name: String,
    /// `null`: unrestricted.
    pub restricted_program: Option<Program>,
    pub expires_on: Option<NaiveDate>,
    /// Approvals fall back to the general fund.
    pub is_general: bool,
    pub active: bool,
    pub note: Option<String>,
    /// Money in the bank for the fund.
    pub cash: Money,
    /// Approved, not yet paid.
    pub committed: Money,
    /// What new approvals may use: cash − committed.
    pub available: Money,
    pub created_at: DateTime<Utc>,
}

type FundRow = (
    i64,
    String,
    Option<Program>,
    Option<NaiveDate>,
    bool,
    bool,
    Option<String>,
    DateTime<Utc>,
    Money,
    Money,
    Money,
);

fn fund_from(row: FundRow) -> Fund {
    let (
        id,
        name,
        restricted,
        expires_on,
        is_general,
        active,
        note,
        created_at,
        cash,
        committed,
        available,
    ) = row;
    Fund {
        id,
        name,
        restricted_program: restricted,
        expires_on,
        is_general,
        active,
        note,
        cash,
        committed,
        available,
        created_at,
    }
}

macro_rules! fund_query {
    () => {
        funds::table.inner_join(fund_balances::table).select((
            funds::id,
            funds::name,
            funds::restricted_program,
            funds::expires_on,
            funds::is_general,
            funds::active,
            funds::note,
            funds::created_at,
            fund_balances::cash,
            fund_balances::committed,
            fund_balances::available,
        ))
    };
}

/// Every fund: the general fund first, then active before closed, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(conn: &mut AsyncPgConnection) -> AppResult<Vec<Fund>> {
    let rows: Vec<FundRow> = fund_query!()
        .order((funds::is_general.desc(), funds::active.desc(), funds::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(fund_from).collect())
}

#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Fund> {
    let row: FundRow = fund_query!()
        .filter(funds::id.eq(id))
        .first(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound("fund"))?;
    Ok(fund_from(row))
}

/// A new fund, or changes to one (every field optional on a change).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct FundInput {
    #[schema(value_type = crate::domain::schema::Text, required = true, example = "XYZ Foundation 2026 — immigration fees")]
    pub name: Option<String>,
    /// `immigration_fee`, `emergency`, or null for unrestricted. Fixed once the fund exists.
    #[schema(value_type = Option<Program>)]
    pub restricted_program: Option<String>,
    /// No expense is charged to the fund after this date (`YYYY-MM-DD`).
    #[schema(value_type = Option<crate::domain::schema::OptionalDate>)]
    pub expires_on: Option<String>,
    /// On a change: `false` closes the fund to new receipts and approvals.
    pub active: Option<bool>,
    #[schema(value_type = Option<crate::domain::schema::Note>)]
    pub note: Option<String>,
}

crate::domain::schema::schema_only! {
    /// The OpenAPI body of `PATCH /api/v1/funds/{id}`, which reads a [`FundInput`].
    FundPatch => crate::domain::schema::changes_to(
        <FundInput as utoipa::PartialSchema>::schema(),
        "Any of a fund's fields; one left out or null stays as it is. A blank \
         `expires_on` or `note` clears it.",
    )
}

fn parse_program(e: &mut FieldErrors, value: Option<&str>) -> Option<Program> {
    match value.map(str::trim) {
        None => None,
        Some(text) => Program::parse(text).or_else(|| {
            e.add(
                "restricted_program",
                Problem::new("err-choice").arg("allowed", "immigration_fee, emergency, null"),
            );
            None
        }),
    }
}

fn check_expiry(e: &mut FieldErrors, expires_on: Option<NaiveDate>, today: NaiveDate) {
    if expires_on.is_some_and(|d| d < today) {
        e.add(
            "expires_on",
            Problem::new("err-date-past").arg("today", today),
        );
    }
}

#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: i64,
    today: NaiveDate,
    input: &FundInput,
) -> AppResult<Fund> {
    let mut e = FieldErrors::new();
    let name = required_text(&mut e, "name", input.name.as_deref(), SHORT_TEXT);
    let program = parse_program(&mut e, input.restricted_program.as_deref());
    let expires_on = optional_date(&mut e, "expires_on", input.expires_on.as_deref());
    check_expiry(&mut e, expires_on, today);
    let note = optional_text(&mut e, "note", input.note.as_deref(), LONG_TEXT);
    if !e.is_empty() {
        return Err(e.into());
    }
    let id = conn
        .transaction(async |conn| {
            let id: i64 = diesel::insert_into(funds::table)
                .values((
                    funds::name.eq(name.as_deref().unwrap_or_default()),
                    funds::restricted_program.eq(program.map(Program::as_str)),
                    funds::expires_on.eq(expires_on),
                    funds::note.eq(&note),
                    funds::created_by.eq(actor),
                ))
                .returning(funds::id)
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                Some(actor),
                "create",
                "fund",
                Some(id),
                json!({"name": name, "restricted_program": program, "expires_on": expires_on, "note": note}),
            )
            .await?;
            Ok::<_, AppError>(id)
        })
        .await?;
    get(conn, id).await
}

/// Renames, extends or closes a fund. Its restriction never changes, and its expiry may
/// not move before an expense already charged to it.
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    today: NaiveDate,
    input: &FundInput,
) -> AppResult<Fund> {
    let before = get(conn, id).await?;
    let mut e = FieldErrors::new();
    let name = match &input.name {
        Some(_) => required_text(&mut e, "name", input.name.as_deref(), SHORT_TEXT),
        None => Some(before.name.clone()),
    };
    if input.restricted_program.is_some()
        && parse_program(&mut e, input.restricted_program.as_deref()) != before.restricted_program
    {
        e.add(
            "restricted_program",
            Problem::new("err-fund-restriction-fixed"),
        );
    }
    let expires_on = match &input.expires_on {
        Some(text) => optional_date(&mut e, "expires_on", Some(text)),
        None => before.expires_on,
    };
    if expires_on != before.expires_on {
        check_expiry(&mut e, expires_on, today);
    }
    let note = match &input.note {
        Some(text) => optional_text(&mut e, "note", Some(text), LONG_TEXT),
        None => before.note.clone(),
    };
    let active = input.active.unwrap_or(before.active);
    if before.is_general && (expires_on.is_some() || !active) {
        e.add("active", Problem::new("err-fund-general"));
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    conn.transaction(async |conn| {
        let locked: i64 = funds::table
            .find(id)
            .select(funds::id)
            .for_no_key_update()
            .first(conn)
            .await?;
        if let Some(expires_on) = expires_on {
            let last_charge: Option<NaiveDate> = postings::table
                .inner_join(journal_entries::table)
                .inner_join(accounts::table)
                .filter(postings::fund_id.eq(locked))
                .filter(accounts::kind.eq("expense"))
                .filter(postings::side.eq("debit"))
                .select(diesel::dsl::max(journal_entries::entry_date))
                .first(conn)
                .await?;
            if let Some(last) = last_charge.filter(|last| *last > expires_on) {
                return Err(AppError::invalid_field(
                    "expires_on",
                    Problem::new("err-fund-expiry-before-charges").arg("date", last),
                ));
            }
        }
        diesel::update(funds::table.find(id))
            .set((
                funds::name.eq(name.as_deref().unwrap_or_default()),
                funds::expires_on.eq(expires_on),
                funds::active.eq(active),
                funds::note.eq(&note),
                funds::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let changes = audit::diff(
            &json!({"name": before.name, "expires_on": before.expires_on, "active": before.active, "note": before.note}),
            &json!({"name": name, "expires_on": expires_on, "active": active, "note": note}),
        );
        audit::record(conn, Some(actor), "update", "fund", Some(id), changes).await?;
        Ok::<_, AppError>(())
    })
    .await?;
    get(conn, id).await
}
