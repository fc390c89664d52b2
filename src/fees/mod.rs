//! The fee schedule as data: the regular USCIS fees and the H.R. 1 statutory fees, loaded
//! whole (a few dozen rows) for pricing, the price list in force on a date, and the
//! import of a schedule file, which only ever adds rows (SPEC "Fees: the schedule as
//! data").

pub mod api;
pub mod web;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::db::schema::{statutory_fees, uscis_fees};
use crate::domain::fees::{
    ImportRow, PriceListItem, RegularFee, Schedule, StatutoryFee, read_import,
};
use crate::domain::{FieldErrors, Problem};
use crate::error::{AppError, AppResult};

/// The whole schedule, every effective date included.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn load(conn: &AsyncPgConnection) -> AppResult<Schedule> {
    let (mut c1, mut c2) = (conn, conn);
    let regular = uscis_fees::table
        .order(uscis_fees::id)
        .select((
            uscis_fees::id,
            uscis_fees::form,
            uscis_fees::category,
            uscis_fees::name,
            uscis_fees::name_ko,
            uscis_fees::filing,
            uscis_fees::fee,
            uscis_fees::effective_from,
            uscis_fees::fee_waiver_available,
            uscis_fees::notes,
            uscis_fees::source,
        ))
        .load::<RegularFee>(&mut c1);
    let statutory = statutory_fees::table
        .order(statutory_fees::id)
        .select((
            statutory_fees::id,
            statutory_fees::form,
            statutory_fees::categories,
            statutory_fees::component,
            statutory_fees::name,
            statutory_fees::name_ko,
            statutory_fees::fee,
            statutory_fees::effective_from,
            statutory_fees::waivable,
            statutory_fees::reducible,
            statutory_fees::recurring,
            statutory_fees::notes,
            statutory_fees::source,
        ))
        .load::<StatutoryFee>(&mut c2);
    // Both at once on the one connection (pipelined).
    let (regular, statutory) = futures_util::try_join!(regular, statutory)?;
    Ok(Schedule { regular, statutory })
}

/// The price list in force on `on` (of one form, if given).
pub async fn price_list(
    conn: &mut AsyncPgConnection,
    on: NaiveDate,
    form: Option<&str>,
) -> AppResult<Vec<PriceListItem>> {
    Ok(load(conn).await?.price_list(on, form))
}

/// What an import did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// Rows new to the schedule.
    pub added: usize,
    /// Rows the schedule already had, left as they were.
    pub unchanged: usize,
}

/// Adds the rows of a schedule file (the columns of `uscis_fees.csv` or `hr1_fees.csv`)
/// that the schedule does not have. A row with the key of an earlier row must be that
/// row: earlier rows are never changed. A statutory fee needs its form's regular fee
/// (in the schedule or in the file). Any bad row: nothing is written, every problem named
/// by its line and column.
#[tracing::instrument(level = "debug", skip_all, fields(actor))]
pub async fn import(
    conn: &mut AsyncPgConnection,
    actor: Option<i64>,
    bytes: &[u8],
) -> AppResult<ImportSummary> {
    let rows = read_import(bytes).map_err(AppError::invalid)?;
    conn.transaction(async |conn| {
        // One import at a time: two racing imports never add a row twice.
        diesel::sql_query("SELECT pg_advisory_xact_lock(727277)")
            .execute(conn)
            .await?;
        let schedule = load(conn).await?;
        let existing: Vec<ImportRow> = schedule
            .regular
            .iter()
            .cloned()
            .map(ImportRow::Regular)
            .chain(schedule.statutory.iter().cloned().map(ImportRow::Statutory))
            .collect();
        let mut errors = FieldErrors::new();
        let mut new_rows = Vec::new();
        let mut unchanged = 0;
        for (line, row) in &rows {
            match existing.iter().find(|e| e.key() == row.key()) {
                Some(earlier) => match row.differs_from(earlier) {
                    Some(column) => errors.add(
                        format!("line {line}, {column}"),
                        Problem::new("err-fee-import-changed"),
                    ),
                    None => unchanged += 1,
                },
                None => new_rows.push((*line, row)),
            }
            if let ImportRow::Statutory(s) = row {
                let has_regular = schedule.regular.iter().any(|r| r.form == s.form)
                    || rows
                        .iter()
                        .any(|(_, r)| matches!(r, ImportRow::Regular(r) if r.form == s.form));
                if !has_regular {
                    errors.add(
                        format!("line {line}, form"),
                        Problem::new("err-fee-import-no-regular").arg("form", &s.form),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::invalid(errors));
        }
        for (_, row) in &new_rows {
            match row {
                ImportRow::Regular(r) => {
                    // A form already known keeps its Korean name.
                    let name_ko = schedule
                        .regular
                        .iter()
                        .rev()
                        .find(|e| e.form == r.form && e.category == r.category && e.name == r.name)
                        .and_then(|e| e.name_ko.clone());
                    diesel::insert_into(uscis_fees::table)
                        .values((
                            uscis_fees::form.eq(&r.form),
                            uscis_fees::category.eq(&r.category),
                            uscis_fees::name.eq(&r.name),
                            uscis_fees::name_ko.eq(name_ko),
                            uscis_fees::filing.eq(r.filing.as_str()),
                            uscis_fees::fee.eq(r.fee.decimal()),
                            uscis_fees::effective_from.eq(r.effective_from),
                            uscis_fees::fee_waiver_available.eq(r.fee_waiver_available),
                            uscis_fees::notes.eq(&r.notes),
                            uscis_fees::source.eq(&r.source),
                        ))
                        .execute(conn)
                        .await?;
                }
                ImportRow::Statutory(s) => {
                    // The same fee in a new year keeps its Korean name.
                    let name_ko = schedule
                        .statutory
                        .iter()
                        .rev()
                        .find(|e| {
                            e.form == s.form
                                && e.component == s.component
                                && e.categories == s.categories
                        })
                        .and_then(|e| e.name_ko.clone());
                    diesel::insert_into(statutory_fees::table)
                        .values((
                            statutory_fees::name_ko.eq(name_ko),
                            statutory_fees::form.eq(&s.form),
                            statutory_fees::categories.eq(&s.categories),
                            statutory_fees::component.eq(s.component.as_str()),
                            statutory_fees::name.eq(&s.name),
                            statutory_fees::fee.eq(s.fee.decimal()),
                            statutory_fees::effective_from.eq(s.effective_from),
                            statutory_fees::waivable.eq(s.waivable),
                            statutory_fees::reducible.eq(s.reducible),
                            statutory_fees::recurring.eq(&s.recurring),
                            statutory_fees::notes.eq(&s.notes),
                            statutory_fees::source.eq(&s.source),
                        ))
                        .execute(conn)
                        .await?;
                }
            }
        }
        let summary = ImportSummary {
            added: new_rows.len(),
            unchanged,
        };
        if summary.added > 0 {
            let added: Vec<String> = new_rows.iter().map(|(_, r)| r.key()).collect();
            audit::record(
                conn,
                actor,
                "import",
                "fee_schedule",
                None,
                json!({"added": added, "unchanged": unchanged}),
            )
            .await?;
        }
        Ok(summary)
    })
    .await
}
