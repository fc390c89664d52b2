//! Paying an approved application: a disbursement and its entry, a reissue of a voided
//! payment, and the references a check or money order uses once.

#[allow(unused_imports)]
use super::*;

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
            .await
            .map_err(|e| e.on_field("date", "paid_on"))?;
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
pub(super) async fn check_reissue(
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

pub(super) fn reference_taken(e: diesel::result::Error) -> AppError {
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
