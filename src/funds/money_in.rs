//! Money in: receipts of donations and grants, each booked with its entry, and their
//! reversal when booked in error.

#[allow(unused_imports)]
use super::*;
use crate::paging::{Page, Paging};

/// Money in, as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    pub id: i64,
    /// `RCP-2026-00001`.
    pub number: String,
    pub fund_id: i64,
    pub fund_name: String,
    pub amount: Money,
    pub received_on: NaiveDate,
    pub source: ReceiptSource,
    /// The revenue account credited: 4000 (donation) or 4100 (grant).
    pub account: String,
    pub donor: String,
    pub memo: Option<String>,
    /// The journal entry that booked it.
    pub entry_id: i64,
    /// The entry that reversed it, if it was booked in error.
    pub reversal_entry_id: Option<i64>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// Books money in to a fund: the receipt and its entry, Dr 1000 / Cr 4000 or 4100.
#[tracing::instrument(level = "debug", skip_all, fields(actor, fund_id))]
pub async fn record_receipt(
    conn: &mut AsyncPgConnection,
    actor: i64,
    fund_id: i64,
    today: NaiveDate,
    input: &ReceiptInput,
) -> AppResult<Receipt> {
    let fund = get(conn, fund_id).await?;
    let new = input.parse(today)?;
    if !fund.active {
        return Err(AppError::invalid_field(
            "fund_id",
            Problem::new("err-fund-inactive").arg("fund", &fund.name),
        ));
    }
    let id = conn
        .transaction(async |conn| {
            use chrono::Datelike;
            let number = crate::numbering::document(conn, "RCP", new.received_on.year()).await?;
            let id: i64 = diesel::insert_into(receipts::table)
                .values((
                    receipts::number.eq(&number),
                    receipts::fund_id.eq(fund_id),
                    receipts::amount.eq(new.amount.decimal()),
                    receipts::received_on.eq(new.received_on),
                    receipts::source.eq(new.source.as_str()),
                    receipts::donor.eq(&new.donor),
                    receipts::memo.eq(&new.memo),
                    receipts::created_by.eq(actor),
                ))
                .returning(receipts::id)
                .get_result(conn)
                .await?;
            let memo = match &new.memo {
                Some(memo) => format!("{number} {} — {memo}", new.donor),
                None => format!("{number} {}", new.donor),
            };
            ledger::post_entry(
                conn,
                actor,
                NewEntry {
                    date: new.received_on,
                    kind: EntryKind::Receipt,
                    memo,
                    document: Some((DocumentType::Receipt, id)),
                    program: None,
                    reverses: None,
                    lines: receipt_lines(fund_id, new.source, new.amount),
                },
            )
            .await
            .map_err(|e| e.on_field("date", "received_on"))?;
            audit::record(
                conn,
                Some(actor),
                "create",
                "receipt",
                Some(id),
                json!({"number": number, "fund_id": fund_id, "amount": new.amount,
                       "received_on": new.received_on, "source": new.source, "donor": new.donor,
                       "memo": new.memo}),
            )
            .await?;
            Ok::<_, AppError>(id)
        })
        .await?;
    receipt(conn, id).await
}

/// Why a receipt is reversed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReverseInput {
    #[schema(
        value_type = crate::domain::schema::Text,
        required = true,
        example = "Entered twice; the check was deposited once."
    )]
    pub reason: Option<String>,
}

/// Reverses a receipt booked in error with the exact reverse of its entry, dated today.
/// Refused if the money is already committed (the fund would be overdrawn).
#[tracing::instrument(level = "debug", skip_all, fields(actor, id))]
pub async fn reverse_receipt(
    conn: &mut AsyncPgConnection,
    actor: i64,
    id: i64,
    today: NaiveDate,
    input: &ReverseInput,
) -> AppResult<Receipt> {
    let mut e = FieldErrors::new();
    let reason = required_text(&mut e, "reason", input.reason.as_deref(), SHORT_TEXT);
    let before = receipt(conn, id).await?;
    if !e.is_empty() {
        return Err(e.into());
    }
    let reason = reason.unwrap_or_default();
    conn.transaction(async |conn| {
        let reversal_id = ledger::reverse(
            conn,
            actor,
            before.entry_id,
            EntryKind::Reversal,
            today,
            format!("Reversal of {}: {reason}", before.number),
        )
        .await?;
        audit::record(
            conn,
            Some(actor),
            "reverse",
            "receipt",
            Some(id),
            json!({"reason": reason, "entry_id": reversal_id}),
        )
        .await?;
        Ok::<_, AppError>(())
    })
    .await?;
    receipt(conn, id).await
}

pub(super) type ReceiptRow = (
    i64,
    String,
    i64,
    String,
    Money,
    NaiveDate,
    ReceiptSource,
    String,
    Option<String>,
    i64,
    DateTime<Utc>,
);

/// A page of a fund's receipts, newest first.
#[tracing::instrument(level = "debug", skip_all, fields(fund_id))]
pub async fn receipts_page(
    conn: &mut AsyncPgConnection,
    fund_id: i64,
    paging: Paging,
) -> AppResult<Page<Receipt>> {
    let rows = receipts(conn, Some(fund_id), None, Some(paging)).await?;
    Ok(Page::from_rows(rows, paging.limit, |r| r.id))
}

/// Receipts of a fund (or all, or these), newest first; with `paging`, one more than a
/// page below its cursor.
#[tracing::instrument(level = "debug", skip_all, fields(fund_id = ?fund_id))]
async fn receipts(
    conn: &mut AsyncPgConnection,
    fund_id: Option<i64>,
    ids: Option<&[i64]>,
    paging: Option<Paging>,
) -> AppResult<Vec<Receipt>> {
    let mut query = receipts::table
        .inner_join(funds::table)
        .select((
            receipts::id,
            receipts::number,
            receipts::fund_id,
            funds::name,
            receipts::amount,
            receipts::received_on,
            receipts::source,
            receipts::donor,
            receipts::memo,
            receipts::created_by,
            receipts::created_at,
        ))
        .into_boxed();
    if let Some(fund_id) = fund_id {
        query = query.filter(receipts::fund_id.eq(fund_id));
    }
    if let Some(ids) = ids {
        query = query.filter(receipts::id.eq_any(ids));
    }
    if let Some(paging) = paging {
        if let Some(after) = paging.after {
            query = query.filter(receipts::id.lt(after));
        }
        query = query.limit(paging.limit + 1);
    }
    let rows: Vec<ReceiptRow> = query.order(receipts::id.desc()).load(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    // Each receipt's own entry, and the entry reversing it.
    let mut booked_by: BTreeMap<i64, i64> = BTreeMap::new();
    let mut reversed_by: BTreeMap<i64, i64> = BTreeMap::new();
    let entries: Vec<(i64, i64, Option<i64>)> = journal_entries::table
        .filter(journal_entries::document_type.eq(DocumentType::Receipt.as_str()))
        .filter(journal_entries::document_id.eq_any(&ids))
        .select((
            journal_entries::document_id.assume_not_null(),
            journal_entries::id,
            journal_entries::reverses,
        ))
        .load(conn)
        .await?;
    for (receipt_id, entry_id, reverses) in entries {
        match reverses {
            None => booked_by.insert(receipt_id, entry_id),
            Some(original) => reversed_by.insert(original, entry_id),
        };
    }
    rows.into_iter()
        .map(|r| {
            let (id, number, fund_id, fund_name, amount, received_on, source, donor, memo, by, at) =
                r;
            let entry_id = *booked_by
                .get(&id)
                .ok_or_else(|| AppError::corrupt("receipt", format!("{number} has no entry")))?;
            let reversal_entry_id = reversed_by.get(&entry_id).copied();
            Ok(Receipt {
                id,
                number,
                fund_id,
                fund_name,
                amount,
                received_on,
                source,
                account: crate::domain::ledger::revenue_account(source).to_owned(),
                donor,
                memo,
                entry_id,
                reversal_entry_id,
                created_by: by,
                created_at: at,
            })
        })
        .collect()
}

#[tracing::instrument(level = "debug", skip_all, fields(id))]
pub async fn receipt(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Receipt> {
    receipts(conn, None, Some(&[id]), None)
        .await?
        .pop()
        .ok_or(AppError::NotFound("receipt"))
}
