//! After a payment: voids, bank clearing, withdrawals and closing, and releasing what an
//! approval will not pay.

#[allow(unused_imports)]
use super::*;

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
