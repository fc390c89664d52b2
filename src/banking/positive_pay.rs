//! Positive pay: the file the bank uses to refuse forged checks. A batch holds every check
//! issued or voided since the last one (a check once as issued; once more as void if it is
//! voided), written in the bank's layout; its bytes are kept, so it downloads the same
//! every time. One batch is made at a time (an advisory lock), and the database holds each
//! check and action once (primary key), so racing requests never send a check twice.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bytea, Date, Integer, Numeric, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::domain::bank::PayRecord;
use crate::domain::{Money, Problem};
use crate::error::{AppError, AppResult};

/// A batch as made, for the API's answer and the list.
#[derive(Debug, Clone, Serialize, QueryableByName, utoipa::ToSchema)]
pub struct Batch {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub bank: String,
    /// Checks sent as issued.
    #[diesel(sql_type = Integer)]
    pub checks: i32,
    /// Checks sent as void.
    #[diesel(sql_type = Integer)]
    pub voids: i32,
    /// The amount of the checks sent as issued.
    #[diesel(sql_type = Numeric)]
    #[schema(value_type = String, example = "1150.00")]
    pub total: Decimal,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub created_by_name: String,
}

#[derive(QueryableByName)]
struct Pending {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    reference: String,
    #[diesel(sql_type = Date)]
    paid_on: NaiveDate,
    #[diesel(sql_type = Numeric)]
    amount: Decimal,
    #[diesel(sql_type = Text)]
    payee: String,
    #[diesel(sql_type = Text)]
    action: String,
}

const BATCH_SELECT: &str =
    "SELECT b.id, b.bank, b.checks, b.voids, b.total, b.created_at, u.name AS created_by_name
     FROM positive_pay_batches b JOIN users u ON u.id = b.created_by";

/// Makes the batch of every check issued or voided since the last one, for `bank`; a 409
/// when there is nothing new.
#[tracing::instrument(level = "debug", skip_all, fields(actor, bank))]
pub async fn make_batch(
    conn: &mut AsyncPgConnection,
    actor: i64,
    bank_name: &str,
) -> AppResult<Batch> {
    let bank = super::bank(conn, bank_name).await?;
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(727277)")
            .execute(conn)
            .await?;
        let pending: Vec<Pending> = diesel::sql_query(
            "SELECT d.id, d.reference, d.paid_on, d.amount, d.payee,
                    CASE WHEN s.state = 'voided' THEN 'void' ELSE 'issue' END AS action
             FROM disbursements d JOIN disbursement_states s ON s.disbursement_id = d.id
             WHERE d.method = 'check' AND d.reference IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM positive_pay_items i WHERE i.disbursement_id = d.id
                               AND i.action = CASE WHEN s.state = 'voided' THEN 'void' ELSE 'issue' END)
             ORDER BY d.paid_on, d.id",
        )
        .load(conn)
        .await?;
        if pending.is_empty() {
            return Err(AppError::Conflict(Problem::new("err-positive-pay-nothing")));
        }
        let records: Vec<PayRecord> = pending
            .iter()
            .map(|p| {
                Ok(PayRecord {
                    check_number: p.reference.clone(),
                    issue_date: p.paid_on,
                    amount: Money::from_decimal(p.amount)
                        .map_err(|e| AppError::corrupt("disbursement amount", format!("{}: {e:?}", p.id)))?,
                    payee: p.payee.clone(),
                    void: p.action == "void",
                })
            })
            .collect::<AppResult<_>>()?;
        let file = bank.positive_pay.write(&bank.account_number, &records);
        let voids = records.iter().filter(|r| r.void).count() as i32;
        let checks = records.len() as i32 - voids;
        let total: Decimal = records.iter().filter(|r| !r.void).map(|r| r.amount.decimal()).sum();
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let batch: Id = diesel::sql_query(
            "INSERT INTO positive_pay_batches (bank, checks, voids, total, file, created_by)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind::<Text, _>(&bank.name)
        .bind::<Integer, _>(checks)
        .bind::<Integer, _>(voids)
        .bind::<Numeric, _>(total)
        .bind::<Bytea, _>(&file)
        .bind::<BigInt, _>(actor)
        .get_result(conn)
        .await?;
        // Every check of the batch in one statement, not one round trip per check.
        let ids: Vec<i64> = pending.iter().map(|p| p.id).collect();
        let actions: Vec<&str> = pending.iter().map(|p| p.action.as_str()).collect();
        diesel::sql_query(
            "INSERT INTO positive_pay_items (batch_id, disbursement_id, action)
             SELECT $1, item.id, item.action FROM unnest($2::bigint[], $3::text[]) AS item (id, action)",
        )
        .bind::<BigInt, _>(batch.id)
        .bind::<diesel::sql_types::Array<BigInt>, _>(&ids)
        .bind::<diesel::sql_types::Array<Text>, _>(&actions)
        .execute(conn)
        .await?;
        audit::record(
            conn,
            Some(actor),
            "create",
            "positive_pay_batch",
            Some(batch.id),
            json!({"bank": bank.name, "checks": checks, "voids": voids, "total": total}),
        )
        .await?;
        Ok::<_, AppError>(
            diesel::sql_query(format!("{BATCH_SELECT} WHERE b.id = $1"))
                .bind::<BigInt, _>(batch.id)
                .get_result(conn)
                .await?,
        )
    })
    .await
}

/// The batches made, newest first (at most `limit`).
pub async fn batches(conn: &mut AsyncPgConnection, limit: i64) -> AppResult<Vec<Batch>> {
    Ok(
        diesel::sql_query(format!("{BATCH_SELECT} ORDER BY b.id DESC LIMIT $1"))
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await?,
    )
}

/// The file of the batch named `file` (`7.csv`), as it was made, and its download name.
pub async fn batch_file(conn: &mut AsyncPgConnection, file: &str) -> AppResult<(String, Vec<u8>)> {
    let id: i64 = file
        .strip_suffix(".csv")
        .and_then(|id| id.parse().ok())
        .ok_or(AppError::NotFound("positive pay batch"))?;
    #[derive(QueryableByName)]
    struct File {
        #[diesel(sql_type = Text)]
        bank: String,
        #[diesel(sql_type = Bytea)]
        file: Vec<u8>,
    }
    let found: File =
        diesel::sql_query("SELECT bank, file FROM positive_pay_batches WHERE id = $1")
            .bind::<BigInt, _>(id)
            .get_result(conn)
            .await
            .optional()?
            .ok_or(AppError::NotFound("positive pay batch"))?;
    Ok((format!("positive-pay_{}_{id}.csv", found.bank), found.file))
}
