//! Payments: disbursements of approved applications to the payee, voids and reissues,
//! bank clearing, releases of unpaid commitments, closing, and USCIS receipt numbers.
//!
//! Each money step runs in one transaction that holds the application's row lock and books
//! its entry through `ledger::post_entry` or `ledger::reverse`. The database checks again
//! that live payments stay within the approval and that each payment has its entry.

pub mod api;
pub mod web;

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
    conn: &mut AsyncPgConnection,
    application_id: i64,
) -> AppResult<Vec<Disbursement>> {
    Ok(diesel::sql_query(format!(
        "{SELECT} WHERE d.application_id = $1 ORDER BY d.id"
    ))
    .bind::<BigInt, _>(application_id)
    .load(conn)
    .await?)
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub application_id: Option<i64>,
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
         ORDER BY d.id DESC LIMIT $5"
    ))
    .bind::<Nullable<Date>, _>(filter.from)
    .bind::<Nullable<Date>, _>(filter.to)
    .bind::<Nullable<BigInt>, _>(filter.application_id)
    .bind::<Nullable<BigInt>, _>(paging.after)
    .bind::<BigInt, _>(paging.limit + 1)
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
    conn: &mut AsyncPgConnection,
    application_id: i64,
) -> AppResult<Option<Payable>> {
    Ok(diesel::sql_query(format!(
        "SELECT {OWED_COLUMNS} FROM payables p WHERE p.application_id = $1"
    ))
    .bind::<BigInt, _>(application_id)
    .get_result(conn)
    .await
    .optional()?)
}

/// Pays (part of) an approved application to its payee: Dr 2100 / Cr 1000 from the fund
/// the approval committed. Whoever voted to approve it cannot pay it.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn disburse(
    conn: &mut AsyncPgConnection,
    actor: i64,
    clock: &Today,
    input: &DisbursementInput,
) -> AppResult<Disbursement> {
    let new = input.parse(clock.today)?;
    let id = conn
        .transaction(async |conn| {
            let row = applications::lock(conn, new.application_id).await.map_err(|e| match e {
                AppError::NotFound(_) => AppError::invalid_field("application_id", Problem::new("err-not-found")),
                other => other,
            })?;
            if row.status() != Status::Approved {
                return Err(AppError::Conflict(Problem::new("err-disburse-status").arg("status", row.status())));
            }
            let approver: bool = diesel::select(diesel::dsl::exists(
                votes::table
                    .filter(votes::application_id.eq(row.id))
                    .filter(votes::voter_id.eq(actor))
                    .filter(votes::vote.eq("approve")),
            ))
            .get_result(conn)
            .await?;
            if approver {
                return Err(AppError::Forbidden(Problem::new("err-approver-pays")));
            }
            let owed = payable(conn, row.id).await?.ok_or_else(|| AppError::Conflict(Problem::new("err-no-approval")))?;
            if new.amount.decimal() > owed.unpaid.0.decimal() {
                return Err(AppError::rule("amount", Problem::new("err-disbursement-over").arg("unpaid", owed.unpaid.0.display())));
            }
            if let Some(voided) = new.reissue_of {
                check_reissue(conn, row.id, voided).await?;
            }
            let payee = match (&new.payee, row.program()) {
                (Some(p), _) => p.clone(),
                (None, Program::ImmigrationFee) => DHS_PAYEE.to_owned(),
                (None, Program::Emergency) => return Err(AppError::rule("payee", Problem::new("err-required"))),
            };
            use chrono::Datelike;
            let number = crate::numbering::document(conn, "DSB", new.paid_on.year()).await?;
            let id: i64 = diesel::insert_into(disbursements::table)
                .values((
                    disbursements::number.eq(&number),
                    disbursements::application_id.eq(row.id),
                    disbursements::fund_id.eq(owed.fund_id),
                    disbursements::amount.eq(new.amount.decimal()),
                    disbursements::payee.eq(&payee),
                    disbursements::method.eq(new.method.as_str()),
                    disbursements::reference.eq(&new.reference),
                    disbursements::paid_on.eq(new.paid_on),
                    disbursements::memo.eq(&new.memo),
                    disbursements::reissue_of.eq(new.reissue_of),
                    disbursements::created_by.eq(actor),
                ))
                .returning(disbursements::id)
                .get_result(conn)
                .await
                .map_err(reference_taken)?;
            let reference = new.reference.as_deref().map(|r| format!(" #{r}")).unwrap_or_default();
            ledger::post_entry(
                conn,
                actor,
                NewEntry {
                    date: new.paid_on,
                    kind: EntryKind::Disbursement,
                    memo: format!("{number} {} to {payee}, {}{reference}", row.number, new.method),
                    document: Some((DocumentType::Disbursement, id)),
                    program: Some(row.program()),
                    reverses: None,
                    lines: disbursement_lines(owed.fund_id, new.amount),
                },
            )
            .await?;
            audit::record(
                conn,
                Some(actor),
                "create",
                "disbursement",
                Some(id),
                json!({"number": number, "application_id": row.id, "fund_id": owed.fund_id, "amount": new.amount,
                       "payee": payee, "method": new.method, "reference": new.reference, "paid_on": new.paid_on,
                       "reissue_of": new.reissue_of}),
            )
            .await?;
            if new.amount == owed.unpaid.0 {
                applications::apply_transition(conn, actor, &row, Transition::PayInFull, None, json!({"disbursement_id": id})).await?;
            }
            Ok::<_, AppError>(id)
        })
        .await?;
    get(conn, id).await
}

/// A reissue replaces a voided payment of the same application, once.
async fn check_reissue(
    conn: &mut AsyncPgConnection,
    application_id: i64,
    voided: i64,
) -> AppResult<()> {
    let original = get(conn, voided)
        .await
        .map_err(|_| AppError::invalid_field("reissue_of", Problem::new("err-not-found")))?;
    if original.application_id != application_id || original.state() != PaymentState::Voided {
        return Err(AppError::invalid_field(
            "reissue_of",
            Problem::new("err-reissue-not-voided"),
        ));
    }
    if original.reissued_by.is_some() {
        return Err(AppError::Conflict(
            Problem::new("err-reissued-already").arg("number", &original.number),
        ));
    }
    Ok(())
}

fn reference_taken(e: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("disbursements_reference_key") =>
        {
            AppError::rule("reference", Problem::new("err-reference-taken"))
        }
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("disbursements_reissue_of_key") =>
        {
            AppError::Conflict(Problem::new("err-payment-reissued-already"))
        }
        _ => e.into(),
    }
}

pub use crate::domain::review::{CloseInput, ReasonInput};

/// Voids a payment that did not reach the payee: the exact reverse of its entry, linked to
/// it, dated today. The amount becomes payable again (a reissue names the voided payment).
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn void(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    clock: &Today,
    input: &ReasonInput,
) -> AppResult<Disbursement> {
    let reason = required_reason(input.reason.as_deref())?;
    let before = get(conn, id).await?;
    conn.transaction(async |conn| {
        let row = applications::lock(conn, before.application_id).await?;
        if row.status() == Status::Closed {
            return Err(AppError::Conflict(Problem::new("err-void-closed")));
        }
        match get(conn, id).await?.state() {
            PaymentState::Voided => {
                return Err(AppError::Conflict(
                    Problem::new("err-voided-already").arg("number", &before.number),
                ));
            }
            PaymentState::Cleared => {
                return Err(AppError::Conflict(
                    Problem::new("err-void-cleared").arg("number", &before.number),
                ));
            }
            PaymentState::Issued => {}
        }
        let entry_id = ledger::reverse(
            conn,
            actor,
            before.entry_id,
            EntryKind::Void,
            clock.today,
            format!("Void of {}: {reason}", before.number),
        )
        .await?;
        diesel::insert_into(disbursement_voids::table)
            .values((
                disbursement_voids::disbursement_id.eq(id),
                disbursement_voids::entry_id.eq(entry_id),
                disbursement_voids::reason.eq(&reason),
                disbursement_voids::voided_by.eq(actor),
            ))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            Some(actor),
            "void",
            "disbursement",
            Some(id),
            json!({"reason": reason, "entry_id": entry_id}),
        )
        .await?;
        if row.status() == Status::Paid {
            applications::apply_transition(
                conn,
                actor,
                &row,
                Transition::VoidPayment,
                Some(&reason),
                json!({"disbursement_id": id}),
            )
            .await?;
        }
        Ok::<_, AppError>(())
    })
    .await?;
    get(conn, id).await
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ClearInput {
    /// The day the bank paid it (`YYYY-MM-DD`).
    #[schema(value_type = String, format = Date, required = true, example = "2026-11-28")]
    pub cleared_on: Option<String>,
}

/// Marks a payment cleared by the bank.
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn clear(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    clock: &Today,
    input: &ClearInput,
) -> AppResult<Disbursement> {
    let before = get(conn, id).await?;
    let on = cleared_on(input.cleared_on.as_deref(), before.paid_on, clock.today)?;
    conn.transaction(async |conn| {
        applications::lock(conn, before.application_id).await?;
        match get(conn, id).await?.state() {
            PaymentState::Voided => {
                return Err(AppError::Conflict(
                    Problem::new("err-clear-voided").arg("number", &before.number),
                ));
            }
            PaymentState::Cleared => {
                return Err(AppError::Conflict(
                    Problem::new("err-cleared-already").arg("number", &before.number),
                ));
            }
            PaymentState::Issued => {}
        }
        diesel::insert_into(disbursement_clearings::table)
            .values((
                disbursement_clearings::disbursement_id.eq(id),
                disbursement_clearings::cleared_on.eq(on),
                disbursement_clearings::recorded_by.eq(actor),
            ))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            Some(actor),
            "clear",
            "disbursement",
            Some(id),
            json!({"cleared_on": on}),
        )
        .await
    })
    .await?;
    get(conn, id).await
}

/// Inside the caller's transaction, holding the application's lock: books the reverse of
/// the unpaid part of its commitment (kind `release`); the entry, if anything was unpaid.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub(crate) async fn release_unpaid(
    conn: &mut AsyncPgConnection,
    actor: i64,
    row: &ApplicationRow,
    today: NaiveDate,
    why: &str,
) -> AppResult<Option<i64>> {
    let Some(owed) = payable(conn, row.id).await? else {
        return Ok(None);
    };
    if owed.unpaid.0.decimal() <= Decimal::ZERO {
        return Ok(None);
    }
    let program = row.program();
    let id = ledger::post_entry(
        conn,
        actor,
        NewEntry {
            date: today,
            kind: EntryKind::Release,
            memo: format!(
                "{} release of unpaid {}: {why}",
                row.number,
                owed.unpaid.0.display()
            ),
            document: Some((DocumentType::Application, row.id)),
            program: Some(program),
            reverses: None,
            lines: mirror(&commitment_lines(owed.fund_id, program, owed.unpaid.0)),
        },
    )
    .await?;
    Ok(Some(id))
}

/// Whether money went out for the application (payments not voided).
#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub(crate) async fn disbursed(
    conn: &mut AsyncPgConnection,
    application_id: i64,
) -> AppResult<bool> {
    Ok(payable(conn, application_id)
        .await?
        .is_some_and(|p| p.paid.0.decimal() > Decimal::ZERO))
}

/// Withdraws an application before any money went out, with a reason; an approval's
/// commitment is released in the same transaction (so withdrawing lives with the money).
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    clock: &Today,
    reason: Option<&str>,
) -> AppResult<()> {
    let reason = required_reason(reason)?;
    conn.transaction(async |conn| {
        let row = applications::lock(conn, id).await?;
        let disbursed = disbursed(conn, id).await?;
        // The state machine refuses first, so nothing is released for a refused withdrawal.
        row.status().apply(Transition::Withdraw { disbursed })?;
        let release = release_unpaid(conn, actor, &row, clock.today, &reason).await?;
        applications::apply_transition(
            conn,
            actor,
            &row,
            Transition::Withdraw { disbursed },
            Some(&reason),
            json!({"release_entry_id": release}),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await
}

/// Closes an application: a paid one, or an approved one paid in part, whose unpaid rest
/// is released (the reason is required then).
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn close(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    clock: &Today,
    input: &CloseInput,
) -> AppResult<()> {
    let mut e = FieldErrors::new();
    let given = optional_text(&mut e, "reason", input.reason.as_deref(), SHORT_TEXT);
    if !e.is_empty() {
        return Err(e.into());
    }
    conn.transaction(async |conn| {
        let row = applications::lock(conn, id).await?;
        match row.status() {
            Status::Approved => {
                if !disbursed(conn, id).await? {
                    return Err(AppError::Conflict(Problem::new("err-close-unpaid")));
                }
                let reason = required_reason(input.reason.as_deref())?;
                let entry = release_unpaid(conn, actor, &row, clock.today, &reason).await?;
                applications::apply_transition(
                    conn,
                    actor,
                    &row,
                    Transition::Settle,
                    Some(&reason),
                    json!({"release_entry_id": entry}),
                )
                .await?;
            }
            _ => {
                applications::apply_transition(
                    conn,
                    actor,
                    &row,
                    Transition::Close,
                    given.as_deref(),
                    json!({}),
                )
                .await?;
            }
        }
        Ok::<_, AppError>(())
    })
    .await
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReceiptNumberInput {
    /// Three letters and ten digits, from the USCIS receipt notice (Form I-797C).
    #[schema(value_type = crate::domain::schema::ReceiptNumber, required = true)]
    pub receipt_number: Option<String>,
}

/// Records the USCIS receipt number of a paid fee line: sealed, indexed and masked (the
/// audit row holds only the masked form).
#[tracing::instrument(level = "debug", skip_all, fields(actor, id, line_no))]
pub async fn record_receipt_number(
    conn: &mut AsyncPgConnection,
    key: &DataKey,
    actor: i64,
    id: i64,
    line_no: i32,
    input: &ReceiptNumberInput,
) -> AppResult<()> {
    let number = receipt_number(input.receipt_number.as_deref())?;
    let masked = mask_receipt_number(&number);
    conn.transaction(async |conn| {
        let row = applications::lock(conn, id).await?;
        if !matches!(row.status(), Status::Paid | Status::Closed) {
            return Err(AppError::Conflict(
                Problem::new("err-receipt-number-status").arg("status", row.status()),
            ));
        }
        let line = fee_lines::table
            .filter(fee_lines::application_id.eq(id))
            .filter(fee_lines::line_no.eq(line_no));
        let before: Option<Option<String>> = line
            .select(fee_lines::receipt_number_masked)
            .first(conn)
            .await
            .optional()?;
        let Some(before) = before else {
            return Err(AppError::NotFound("fee line"));
        };
        diesel::update(line)
            .set((
                fee_lines::receipt_number_sealed.eq(key.seal(&number)),
                fee_lines::receipt_number_index.eq(key.index(RECEIPT_NUMBER, &number)),
                fee_lines::receipt_number_masked.eq(&masked),
                fee_lines::receipt_recorded_by.eq(actor),
                fee_lines::receipt_recorded_at.eq(Utc::now()),
            ))
            .execute(conn)
            .await
            .map_err(|e| match &e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => AppError::rule("receipt_number", Problem::new("err-receipt-number-taken")),
                _ => e.into(),
            })?;
        audit::record(
            conn,
            Some(actor),
            "receipt_number",
            "application",
            Some(id),
            json!({"line_no": line_no, "from": before, "to": masked}),
        )
        .await
    })
    .await
}

/// The purpose the receipt number's blind index is computed for.
const RECEIPT_NUMBER: &str = "uscis_receipt_number";

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
