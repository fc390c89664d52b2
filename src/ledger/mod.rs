//! The ledger: the one place that writes journal entries and postings.
//!
//! Every money event (receipt, approval commitment, disbursement, void, release) is
//! booked through [`post_entry`], which checks the entry balances per fund, locks the
//! funds it touches in id order, refuses an overdraft or a charge outside a fund's
//! restriction with a 422 naming the fund, and writes the audit row. PostgreSQL checks
//! the same invariants again (see the ledger migration), so no path around this module
//! can break them either.

pub mod api;
pub mod check;
mod entries;
pub mod web;
pub use entries::*;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::db::schema::{accounts, fund_balances, funds, journal_entries, postings, users};
use crate::domain::ledger::{
    AccountKind, Balances, DocumentType, EntryError, EntryKind, Line, Side, check_balanced, mirror,
};
use crate::domain::money::display_amount;
use crate::domain::{Money, Problem, Program};
use crate::error::{AppError, AppResult};
use crate::paging::{Page, Paging};

/// An entry to book.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub memo: String,
    pub document: Option<(DocumentType, i64)>,
    /// The program the money is for (approvals and payments).
    pub program: Option<Program>,
    /// For voids and reversals: the entry undone.
    pub reverses: Option<i64>,
    pub lines: Vec<Line>,
}

/// One line of a booked entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Posting {
    pub line_no: i32,
    /// Account code, e.g. `1000`.
    pub account: String,
    pub account_name: String,
    pub account_name_ko: String,
    pub fund_id: i64,
    pub fund_name: String,
    pub side: Side,
    pub amount: Money,
}

/// A booked journal entry with its postings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub entry_date: NaiveDate,
    pub kind: EntryKind,
    pub memo: String,
    pub document_type: Option<DocumentType>,
    pub document_id: Option<i64>,
    pub program: Option<Program>,
    /// The entry this one undoes.
    pub reverses: Option<i64>,
    /// The entry that undid this one, if any.
    pub reversed_by: Option<i64>,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub postings: Vec<Posting>,
    /// With `?fund_id=`: that fund's balances once this entry was booked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fund_balance_after: Option<Balances>,
}

/// Amounts from the database as the two-decimal `Money` people read; balances that the
/// database keeps non-negative.
/// Refuses an entry the rules do not allow, naming the problem on its amount.
fn rule(problem: Problem) -> AppError {
    AppError::rule("amount", problem)
}

#[derive(Queryable)]
struct LockedFund {
    id: i64,
    name: String,
    restricted_program: Option<Program>,
    expires_on: Option<NaiveDate>,
    active: bool,
}

/// Books `entry` for `actor`; its id. Runs in its own transaction, or as part of the
/// caller's. [`load`] reads it back when a caller needs more than the id.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn post_entry(
    conn: &mut AsyncPgConnection,
    actor: i64,
    entry: NewEntry,
) -> AppResult<i64> {
    check_balanced(&entry.lines).map_err(|e| match e {
        EntryError::ZeroAmount => rule(Problem::new("err-amount-positive")),
        other => AppError::Internal(anyhow::anyhow!("the service built a bad entry: {other}")),
    })?;
    conn.transaction(async |conn| {
        let mut fund_ids: Vec<i64> = entry.lines.iter().map(|l| l.fund_id).collect();
        fund_ids.sort_unstable();
        fund_ids.dedup();
        // The lock every poster to these funds queues on, always taken in id order.
        let locked: Vec<LockedFund> = funds::table
            .filter(funds::id.eq_any(&fund_ids))
            .order(funds::id)
            .select((
                funds::id,
                funds::name,
                funds::restricted_program,
                funds::expires_on,
                funds::active,
            ))
            .for_no_key_update()
            .load(conn)
            .await?;
        if locked.len() != fund_ids.len() {
            return Err(AppError::invalid_field(
                "fund_id",
                Problem::new("err-fund-unknown"),
            ));
        }
        let kinds = account_kinds(conn).await?;
        let before = balances_of(conn, &fund_ids).await?;
        let mut after = before.clone();
        for line in &entry.lines {
            let kind = *kinds.get(&line.account).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("unknown account {}", line.account))
            })?;
            let fund = locked
                .iter()
                .find(|f| f.id == line.fund_id)
                .expect("locked");
            if kind == AccountKind::Expense && line.side == Side::Debit {
                check_restriction(fund, entry.program, entry.date)?;
            }
            after
                .entry(line.fund_id)
                .or_default()
                .add(kind, line.side, line.amount.decimal());
        }
        for fund in &locked {
            let was = before[&fund.id];
            let now = after[&fund.id];
            if now.available < Decimal::ZERO && now.available < was.available {
                return Err(rule(
                    Problem::new("err-fund-overdrawn")
                        .arg("fund", &fund.name)
                        .arg("available", display_amount(was.available)),
                ));
            }
            if now.committed < Decimal::ZERO {
                return Err(rule(
                    Problem::new("err-fund-overpaid").arg("fund", &fund.name),
                ));
            }
        }
        let inactive = locked.iter().find(|f| !f.active);
        if let (true, Some(fund)) = (entry.kind.opens_new(), inactive) {
            return Err(rule(
                Problem::new("err-fund-inactive").arg("fund", &fund.name),
            ));
        }
        let id: i64 = diesel::insert_into(journal_entries::table)
            .values((
                journal_entries::entry_date.eq(entry.date),
                journal_entries::kind.eq(entry.kind.as_str()),
                journal_entries::memo.eq(&entry.memo),
                journal_entries::document_type.eq(entry.document.map(|(t, _)| t.as_str())),
                journal_entries::document_id.eq(entry.document.map(|(_, id)| id)),
                journal_entries::program.eq(entry.program.map(Program::as_str)),
                journal_entries::reverses.eq(entry.reverses),
                journal_entries::created_by.eq(actor),
            ))
            .returning(journal_entries::id)
            .get_result(conn)
            .await
            .map_err(already_reversed)?;
        let rows: Vec<_> = entry
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    postings::entry_id.eq(id),
                    postings::line_no.eq(i as i32 + 1),
                    postings::account_code.eq(&l.account),
                    postings::fund_id.eq(l.fund_id),
                    postings::side.eq(l.side.as_str()),
                    postings::amount.eq(l.amount.decimal()),
                )
            })
            .collect();
        diesel::insert_into(postings::table)
            .values(rows)
            .execute(conn)
            .await?;
        let lines: Vec<_> = entry
            .lines
            .iter()
            .map(|l| json!([l.account, l.fund_id, l.side, l.amount]))
            .collect();
        audit::record(
            conn,
            Some(actor),
            "post",
            "journal_entry",
            Some(id),
            json!({"kind": entry.kind, "date": entry.date, "reverses": entry.reverses,
                       "document": entry.document.map(|(t, id)| json!([t, id])), "lines": lines}),
        )
        .await?;
        Ok::<_, AppError>(id)
    })
    .await
}

fn check_restriction(
    fund: &LockedFund,
    program: Option<Program>,
    date: NaiveDate,
) -> AppResult<()> {
    if let Some(restricted) = fund.restricted_program.filter(|r| program != Some(*r)) {
        return Err(rule(
            Problem::new("err-fund-restricted")
                .arg("fund", &fund.name)
                .arg("program", restricted),
        ));
    }
    if let Some(expires_on) = fund.expires_on.filter(|e| date > *e) {
        return Err(rule(
            Problem::new("err-fund-expired")
                .arg("fund", &fund.name)
                .arg("date", expires_on),
        ));
    }
    Ok(())
}

/// A second reversal of one entry loses the race on the unique `reverses` column.
fn already_reversed(e: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("journal_entries_reverses_key") =>
        {
            AppError::Conflict(Problem::new("err-entry-reversed"))
        }
        _ => e.into(),
    }
}

/// Books the exact reverse of entry `original`, linked to it; the new entry's id. Refused
/// (409) if it was already reversed or is itself a reversal.
#[tracing::instrument(level = "debug", skip_all, fields(actor, original))]
pub async fn reverse(
    conn: &mut AsyncPgConnection,
    actor: i64,
    original: i64,
    kind: EntryKind,
    date: NaiveDate,
    memo: String,
) -> AppResult<i64> {
    let entry = load(conn, original).await?;
    if entry.reverses.is_some() {
        return Err(AppError::Conflict(Problem::new("err-entry-is-reversal")));
    }
    if entry.reversed_by.is_some() {
        return Err(AppError::Conflict(Problem::new("err-entry-reversed")));
    }
    let lines: Vec<Line> = entry
        .postings
        .iter()
        .map(|p| Line {
            account: p.account.clone(),
            fund_id: p.fund_id,
            side: p.side,
            amount: p.amount,
        })
        .collect();
    post_entry(
        conn,
        actor,
        NewEntry {
            date,
            kind,
            memo,
            document: entry.document_type.zip(entry.document_id),
            program: entry.program,
            reverses: Some(original),
            lines: mirror(&lines),
        },
    )
    .await
}

async fn account_kinds(conn: &mut AsyncPgConnection) -> AppResult<BTreeMap<String, AccountKind>> {
    let rows: Vec<(String, AccountKind)> = accounts::table
        .select((accounts::code, accounts::kind))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Every fund's id and name, in id order: the sub-ledgers the journal can be read by.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn fund_names(conn: &mut AsyncPgConnection) -> AppResult<Vec<(i64, String)>> {
    Ok(funds::table
        .order(funds::id)
        .select((funds::id, funds::name))
        .load(conn)
        .await?)
}

/// The stored balances of these funds.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn balances_of(
    conn: &mut AsyncPgConnection,
    fund_ids: &[i64],
) -> AppResult<BTreeMap<i64, Balances>> {
    let rows: Vec<(i64, Money, Money, Money)> = fund_balances::table
        .filter(fund_balances::fund_id.eq_any(fund_ids))
        .select((
            fund_balances::fund_id,
            fund_balances::cash,
            fund_balances::committed,
            fund_balances::available,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, cash, committed, available)| {
            (
                id,
                Balances {
                    cash: cash.decimal(),
                    committed: committed.decimal(),
                    available: available.decimal(),
                },
            )
        })
        .collect())
}

/// An account of the chart.
#[derive(Debug, Clone, Serialize, Queryable, utoipa::ToSchema)]
pub struct Account {
    pub code: String,
    pub name: String,
    pub name_ko: String,
    #[schema(value_type = AccountKind)]
    pub kind: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn chart(conn: &mut AsyncPgConnection) -> AppResult<Vec<Account>> {
    Ok(accounts::table
        .order(accounts::code)
        .select((
            accounts::code,
            accounts::name,
            accounts::name_ko,
            accounts::kind,
        ))
        .load(conn)
        .await?)
}
