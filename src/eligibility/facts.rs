//! What the rules look at: the HHS guidelines and the USCIS schedule, the household, the
//! application, and the household's earlier grants.

#[allow(unused_imports)]
use super::*;

/// The HHS guidelines and the USCIS schedule, every effective date included.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn tables(conn: &mut AsyncPgConnection) -> AppResult<Tables> {
    let rows: Vec<(i32, Region, Money, Money, NaiveDate)> = poverty_guidelines::table
        .order(poverty_guidelines::id)
        .select((
            poverty_guidelines::year,
            poverty_guidelines::region,
            poverty_guidelines::first_person,
            poverty_guidelines::each_additional,
            poverty_guidelines::effective_from,
        ))
        .load(conn)
        .await?;
    let guidelines = rows
        .into_iter()
        .map(
            |(year, region, first_person, each_additional, effective_from)| Guideline {
                year,
                region,
                first_person,
                each_additional,
                effective_from,
            },
        )
        .collect();
    let fees = crate::fees::load(conn).await?;
    Ok(Tables { guidelines, fees })
}

#[derive(QueryableByName)]
pub(super) struct GrantRow {
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = Text)]
    program: Program,
    #[diesel(sql_type = Numeric)]
    amount: Money,
    #[diesel(sql_type = Date)]
    approved_on: NaiveDate,
}

/// The household's other applications that were granted money, dated by their decision
/// in the fund's time zone: the amount is what stays granted, the commitment less any
/// release (a withdrawal, or closing with less paid), from the ledger's expense postings.
#[tracing::instrument(level = "debug", skip_all, fields(household_id, except))]
pub(crate) async fn prior_grants(
    conn: &mut AsyncPgConnection,
    household_id: i64,
    except: i64,
    timezone: &str,
) -> AppResult<Vec<PriorGrant>> {
    let rows: Vec<GrantRow> = diesel::sql_query(
        "SELECT a.number, a.program, \
                SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END) AS amount, \
                (d.decided_at AT TIME ZONE $3)::date AS approved_on \
         FROM applications a \
         JOIN decisions d ON d.application_id = a.id AND d.outcome = 'approved' \
         JOIN journal_entries e ON e.document_type = 'application' AND e.document_id = a.id \
         JOIN postings p ON p.entry_id = e.id AND p.account_code IN ('5100', '5200') \
         WHERE a.household_id = $1 AND a.id <> $2 \
         GROUP BY a.id, d.decided_at \
         HAVING SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END) > 0 \
         ORDER BY a.id",
    )
    .bind::<BigInt, _>(household_id)
    .bind::<BigInt, _>(except)
    .bind::<Text, _>(timezone)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PriorGrant {
            number: r.number,
            program: r.program,
            amount: r.amount,
            approved_on: r.approved_on,
        })
        .collect())
}

/// Gathers what the rules look at, as of `on`.
pub(super) async fn facts(
    conn: &mut AsyncPgConnection,
    row: &ApplicationRow,
    on: NaiveDate,
    timezone: &str,
) -> AppResult<Facts> {
    let (size, income, state): (i32, Money, String) = households::table
        .find(row.household_id)
        .select((
            households::size,
            households::annual_income,
            households::state,
        ))
        .first(conn)
        .await?;
    let lines = applications::fees::lines_of(conn, row.id)
        .await?
        .into_iter()
        .map(|l| LineFacts {
            form: l.form,
            category: l.category,
            filing: l.filing,
            amount: l.amount,
            override_reason: l.override_reason,
            renewal: l.renewal,
            due_on: l.due_on,
            components: l.components,
        })
        .collect();
    let kinds: Vec<DocumentKind> = documents::table
        .filter(documents::application_id.eq(row.id))
        .select(documents::kind)
        .load(conn)
        .await?;
    Ok(Facts {
        on,
        program: row.program(),
        household_size: size,
        annual_income: income,
        state,
        requested: row.requested_amount,
        lines,
        emergency_category: row.emergency_category,
        documents: kinds,
        prior_grants: prior_grants(conn, row.household_id, row.id, timezone).await?,
    })
}
