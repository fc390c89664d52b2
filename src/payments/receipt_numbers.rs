//! USCIS receipt numbers of paid fee lines, kept sealed and shown masked.

#[allow(unused_imports)]
use super::*;

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
pub(super) const RECEIPT_NUMBER: &str = "uscis_receipt_number";
