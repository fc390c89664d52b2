//! Payments: disbursements of approved applications to the payee, voids and reissues,
//! bank clearing, releases of unpaid commitments, closing, and USCIS receipt numbers.
//!
//! Each money step runs in one transaction that holds the application's row lock and books
//! its entry through `ledger::post_entry` or `ledger::reverse`. The database checks again
//! that live payments stay within the approval and that each payment has its entry.

pub mod api;
mod pay;
mod receipt_numbers;
mod settle;
pub mod web;
pub use pay::*;
pub use receipt_numbers::*;
pub use settle::*;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::applications::{self, ApplicationRow};
use crate::audit::{self, Channel};
use crate::clock::Today;
use crate::db::schema::{
    disbursement_clearings, disbursement_voids, disbursements, fee_lines, votes,
};
use crate::domain::input::{SHORT_TEXT, optional_text};
use crate::domain::ledger::{
    DocumentType, EntryKind, commitment_lines, disbursement_lines, mirror,
};
use crate::domain::review::{
    DHS_PAYEE, DisbursementInput, PayMethod, PaymentState, cleared_on, receipt_number,
    required_reason,
};
use crate::domain::{FieldErrors, Money, Problem, Program, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::ledger::{self, NewEntry};
use crate::paging::{Page, Paging};
use crate::sealed::{DataKey, mask_receipt_number};

/// Money paid out for an application.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema, QueryableByName)]
pub struct Disbursement {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// `DSB-2026-00001`.
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = BigInt)]
    pub application_id: i64,
    #[diesel(sql_type = Text)]
    pub application_number: String,
    #[diesel(sql_type = BigInt)]
    pub fund_id: i64,
    #[diesel(sql_type = Text)]
    pub fund_name: String,
    #[diesel(sql_type = Numeric, deserialize_as = Money)]
    #[schema(value_type = String, example = "760.00")]
    pub amount: MoneyCol,
    /// `null` for a board member who has not declared on the application: a payee may be
    /// the family itself (SPEC "Privacy").
    #[diesel(sql_type = Nullable<Text>)]
    pub payee: Option<String>,
    #[diesel(sql_type = Text)]
    pub method: PayMethod,
    #[diesel(sql_type = Nullable<Text>)]
    pub reference: Option<String>,
    #[diesel(sql_type = Date)]
    pub paid_on: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub memo: Option<String>,
    /// The voided disbursement this one replaces.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub reissue_of: Option<i64>,
    /// The disbursement that replaced this one after its void.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub reissued_by: Option<i64>,
    /// The journal entry Dr 2100 / Cr 1000.
    #[diesel(sql_type = BigInt)]
    pub entry_id: i64,
    #[diesel(sql_type = Text)]
    pub state: PaymentState,
    #[diesel(sql_type = Nullable<Date>)]
    pub cleared_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub void_reason: Option<String>,
    /// The journal entry that reversed this payment.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub void_entry_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub voided_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub created_by: i64,
    #[diesel(sql_type = Text)]
    pub created_by_name: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

impl Disbursement {
    /// What a board member who has not declared may see: no payee, no memo (either may
    /// name the family).
    pub fn without_names(self) -> Disbursement {
        Disbursement {
            payee: None,
            memo: None,
            ..self
        }
    }
}

/// A money column read from NUMERIC and shown with two decimals.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MoneyCol(pub Money);

impl From<Money> for MoneyCol {
    fn from(m: Money) -> MoneyCol {
        MoneyCol(m)
    }
}

impl Disbursement {
    pub fn state(&self) -> PaymentState {
        self.state
    }

    pub fn method(&self) -> PayMethod {
        self.method
    }
}

const SELECT: &str = "
    SELECT d.id, d.number, d.application_id, a.number AS application_number, d.fund_id,
           f.name AS fund_name, d.amount, d.payee, d.method, d.reference, d.paid_on, d.memo,
           d.reissue_of, r.id AS reissued_by, s.entry_id, s.state, s.cleared_on,
           s.void_reason, s.void_entry_id, s.voided_at,
           d.created_by, u.name AS created_by_name, d.created_at
    FROM disbursements d
    JOIN disbursement_states s ON s.disbursement_id = d.id
    JOIN applications a ON a.id = d.application_id
    JOIN funds f ON f.id = d.fund_id
    JOIN users u ON u.id = d.created_by
    LEFT JOIN disbursements r ON r.reissue_of = d.id";

#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Disbursement> {
    diesel::sql_query(format!("{SELECT} WHERE d.id = $1"))
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()?
        .ok_or(AppError::NotFound("disbursement"))
}

/// The payments of an application, oldest first.
#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn of_application(
    mut conn: &AsyncPgConnection,
    application_id: i64,
) -> AppResult<Vec<Disbursement>> {
    Ok(crate::db::prepared(
        diesel::sql_query(format!(
            "{SELECT} WHERE d.application_id = $1 ORDER BY d.id"
        ))
        .bind::<BigInt, _>(application_id),
    )
    .load(&mut conn)
    .await?)
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub application_id: Option<i64>,
    /// Only payments in this state.
    pub state: Option<PaymentState>,
    /// Only checks issued and not cleared (nor voided): the outstanding ones.
    pub outstanding: bool,
}

/// Payments by date paid, newest first.
/// Payments as `reader` is shown them: the one access row the response needs (a payee may be
/// the family itself) is written with it.
#[tracing::instrument(level = "debug", skip_all, fields(reader))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    reader: i64,
    channel: Channel,
    filter: &ListFilter,
    paging: Paging,
) -> AppResult<Page<Disbursement>> {
    let rows: Vec<Disbursement> = diesel::sql_query(format!(
        "{SELECT} WHERE ($1::date IS NULL OR d.paid_on >= $1) AND ($2::date IS NULL OR d.paid_on <= $2)
           AND ($3::bigint IS NULL OR d.application_id = $3) AND ($4::bigint IS NULL OR d.id < $4)
           AND ($6::text IS NULL OR s.state = $6)
           AND (NOT $7 OR (s.state = 'issued' AND d.method = 'check'))
         ORDER BY d.id DESC LIMIT $5"
    ))
    .bind::<Nullable<Date>, _>(filter.from)
    .bind::<Nullable<Date>, _>(filter.to)
    .bind::<Nullable<BigInt>, _>(filter.application_id)
    .bind::<Nullable<BigInt>, _>(paging.after)
    .bind::<BigInt, _>(paging.limit + 1)
    .bind::<Nullable<Text>, _>(filter.state.map(PaymentState::as_str))
    .bind::<diesel::sql_types::Bool, _>(filter.outstanding)
    .load(conn)
    .await?;
    let page = Page::from_rows(rows, paging.limit, |d| d.id);
    audit::record_list_access(
        conn,
        reader,
        "disbursement",
        page.items.iter().map(|d| d.id),
        channel,
    )
    .await?;
    Ok(page)
}

/// An approval's money: approved, paid (not voided), released, and what is left to pay.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema, QueryableByName)]
pub struct Payable {
    #[diesel(sql_type = Numeric, deserialize_as = Money)]
    #[schema(value_type = String)]
    pub approved: MoneyCol,
    #[diesel(sql_type = Numeric, deserialize_as = Money)]
    #[schema(value_type = String)]
    pub paid: MoneyCol,
    #[diesel(sql_type = Numeric, deserialize_as = Money)]
    #[schema(value_type = String)]
    pub released: MoneyCol,
    #[diesel(sql_type = Numeric, deserialize_as = Money)]
    #[schema(value_type = String)]
    pub unpaid: MoneyCol,
    #[diesel(sql_type = BigInt)]
    pub fund_id: i64,
}

/// What an approval owes, from the `payables` view (the one definition of paid, released
/// and unpaid, which the payment trigger reads too).
const OWED_COLUMNS: &str = "p.approved, p.paid, p.released, p.unpaid, p.fund_id";

/// The money of an approved application (None before an approval).
#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn payable(
    mut conn: &AsyncPgConnection,
    application_id: i64,
) -> AppResult<Option<Payable>> {
    Ok(crate::db::prepared(
        diesel::sql_query(format!(
            "SELECT {OWED_COLUMNS} FROM payables p WHERE p.application_id = $1"
        ))
        .bind::<BigInt, _>(application_id),
    )
    .get_result(&mut conn)
    .await
    .optional()?)
}

pub use crate::domain::review::{CloseInput, ReasonInput};

/// An approved application with money left to pay.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, QueryableByName)]
pub struct ReadyItem {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Text)]
    pub household_name: String,
    #[diesel(sql_type = Text)]
    pub program: Program,
    #[diesel(sql_type = Text)]
    pub site: String,
    #[diesel(sql_type = Numeric, deserialize_as = Money)]
    #[schema(value_type = String)]
    pub approved: MoneyCol,
    #[diesel(sql_type = Numeric, deserialize_as = Money)]
    #[schema(value_type = String)]
    pub unpaid: MoneyCol,
    #[diesel(sql_type = BigInt)]
    pub fund_id: i64,
    #[diesel(sql_type = Text)]
    pub fund_name: String,
    #[diesel(sql_type = Timestamptz)]
    pub decided_at: DateTime<Utc>,
}

/// The ready list as `reader` is shown it, with its access row (it names the families).
#[tracing::instrument(level = "debug", skip_all, fields(reader))]
pub async fn ready_for(
    conn: &mut AsyncPgConnection,
    reader: i64,
    channel: Channel,
) -> AppResult<Vec<ReadyItem>> {
    let ready = ready(conn).await?;
    let named = ready.iter().map(|r| r.id);
    audit::record_list_access(conn, reader, "application", named, channel).await?;
    Ok(ready)
}

/// Approved applications with an unpaid amount, the oldest decision first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn ready(conn: &mut AsyncPgConnection) -> AppResult<Vec<ReadyItem>> {
    Ok(diesel::sql_query(format!(
        "SELECT a.id, a.number, h.name AS household_name, a.program, s.code AS site, {OWED_COLUMNS},
                f.name AS fund_name, d.decided_at
         FROM payables p
         JOIN decisions d ON d.application_id = p.application_id
         JOIN applications a ON a.id = d.application_id
         JOIN households h ON h.id = a.household_id
         JOIN sites s ON s.id = a.site_id
         JOIN funds f ON f.id = d.fund_id
         WHERE a.status = 'approved'
         ORDER BY d.decided_at, a.id
         LIMIT 500"
    ))
    .load(conn)
    .await?)
}
