//! What the votes decide, and committing an approval's money from the first fund that can
//! cover it.

#[allow(unused_imports)]
use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) async fn record_decision(
    conn: &mut AsyncPgConnection,
    actor: i64,
    row: &ApplicationRow,
    cast: &[Vote],
    outcome: Outcome,
    approved: Option<Money>,
    deciding_vote: i64,
    policy_version: i32,
    today: NaiveDate,
) -> AppResult<Status> {
    let (amount, fund_id, entry_id) = match (outcome, approved) {
        (Outcome::Approved, Some(amount)) => {
            // The deciding vote's fund, else the latest approve vote that named one.
            let named = cast
                .iter()
                .rev()
                .filter(|v| v.vote == VoteChoice::Approve)
                .find_map(|v| v.fund_id);
            let (fund, entry) = commit(conn, actor, row, amount, named, today).await?;
            (Some(amount), Some(fund), Some(entry))
        }
        _ => (None, None, None),
    };
    diesel::insert_into(decisions::table)
        .values((
            decisions::application_id.eq(row.id),
            decisions::outcome.eq(outcome.as_str()),
            decisions::amount.eq(amount.map(Money::decimal)),
            decisions::fund_id.eq(fund_id),
            decisions::commitment_entry_id.eq(entry_id),
            decisions::policy_version.eq(policy_version),
            decisions::deciding_vote_id.eq(deciding_vote),
        ))
        .execute(conn)
        .await?;
    let transition = match outcome {
        Outcome::Approved => Transition::Approve,
        Outcome::Denied => Transition::Deny,
    };
    applications::apply_transition(
        conn,
        actor,
        row,
        transition,
        None,
        json!({"decision": {"outcome": outcome, "amount": amount, "fund_id": fund_id,
                            "commitment_entry_id": entry_id, "policy_version": policy_version}}),
    )
    .await
}

/// Funds that may pay for `program` on `today` and hold at least `amount`: restricted funds
/// for the program, the one expiring first first, then the general fund.
pub(super) async fn candidate_funds(
    conn: &mut AsyncPgConnection,
    program: Program,
    amount: Money,
    today: NaiveDate,
) -> AppResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Candidate {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Candidate> = diesel::sql_query(
        "SELECT f.id FROM funds f JOIN fund_balances b ON b.fund_id = f.id
         WHERE f.active AND b.available >= $2
           AND ((f.restricted_program = $1 AND (f.expires_on IS NULL OR f.expires_on >= $3)) OR f.is_general)
         ORDER BY f.is_general, f.expires_on NULLS LAST, f.id",
    )
    .bind::<Text, _>(program.as_str())
    .bind::<Numeric, _>(amount.decimal())
    .bind::<Date, _>(today)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|c| c.id).collect())
}

/// Books the commitment from the named fund, or from the first candidate that can still
/// cover it once locked; the fund and the entry.
pub(super) async fn commit(
    conn: &mut AsyncPgConnection,
    actor: i64,
    row: &ApplicationRow,
    amount: Money,
    named: Option<i64>,
    today: NaiveDate,
) -> AppResult<(i64, i64)> {
    let program = row.program();
    let candidates = match named {
        Some(id) => vec![id],
        None => candidate_funds(conn, program, amount, today).await?,
    };
    for fund in candidates {
        let entry = NewEntry {
            date: today,
            kind: EntryKind::Commitment,
            memo: format!("{} approved: {}", row.number, amount.display()),
            document: Some((DocumentType::Application, row.id)),
            program: Some(program),
            reverses: None,
            lines: commitment_lines(fund, program, amount),
        };
        // post_entry runs in a savepoint: a fund that lost a race is left untouched.
        match ledger::post_entry(conn, actor, entry).await {
            Ok(id) => return Ok((fund, id)),
            Err(AppError::Invalid { message, fields }) if named.is_some() => {
                // The member named the fund: say so on the field they chose.
                let problem = fields.iter().map(|(_, p)| p.clone()).next();
                return Err(match problem {
                    Some(p) => AppError::Invalid {
                        message,
                        fields: crate::domain::FieldErrors::single("fund_id", p),
                    },
                    None => AppError::Invalid { message, fields },
                });
            }
            Err(AppError::Invalid { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(AppError::rule(
        "amount",
        Problem::new("err-no-fund").arg("amount", amount.display()),
    ))
}
