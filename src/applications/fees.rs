//! The fee lines of an application, with what each pays part by part.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryFutureExt;

use super::FeeLine;
use crate::db::schema::{fee_line_components, fee_lines, household_members, uscis_fees};
use crate::domain::fees::{Component, ComponentKind, ComponentSource};
use crate::domain::{Filing, Money};
use crate::error::{AppError, AppResult};

/// The parts of each line of application `application_id`, by line id, in order.
async fn components_of(
    mut conn: &AsyncPgConnection,
    application_id: i64,
) -> AppResult<Vec<(i64, Component)>> {
    type Row = (
        i64,
        ComponentKind,
        String,
        Money,
        bool,
        bool,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = fee_line_components::table
        .inner_join(fee_lines::table)
        .filter(fee_lines::application_id.eq(application_id))
        .order((fee_line_components::fee_line_id, fee_line_components::seq))
        .select((
            fee_line_components::fee_line_id,
            fee_line_components::kind,
            fee_line_components::name,
            fee_line_components::fee,
            fee_line_components::statutory,
            fee_line_components::waivable,
            fee_line_components::uscis_fee_id,
            fee_line_components::statutory_fee_id,
        ))
        .load(&mut conn)
        .await?;
    rows.into_iter()
        .map(
            |(line, kind, name, fee, statutory, waivable, regular_id, statutory_id)| {
                let source = match (regular_id, statutory_id) {
                    (Some(id), None) => ComponentSource::Regular(id),
                    (None, Some(id)) => ComponentSource::Statutory(id),
                    _ => return Err(AppError::corrupt("fee line component", line)),
                };
                Ok((
                    line,
                    Component {
                        kind,
                        name,
                        fee,
                        statutory,
                        waivable,
                        source,
                    },
                ))
            },
        )
        .collect()
}

#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn lines_of(conn: &AsyncPgConnection, application_id: i64) -> AppResult<Vec<FeeLine>> {
    type Row = (
        (
            i64,
            i32,
            String,
            String,
            Filing,
            Option<i64>,
            Option<String>,
        ),
        (Money, Money, String, Option<String>, bool, Option<String>),
        (Option<String>, bool, Option<NaiveDate>, Option<NaiveDate>),
    );
    let mut c = conn;
    let rows = fee_lines::table
        .inner_join(uscis_fees::table)
        .left_join(household_members::table)
        .filter(fee_lines::application_id.eq(application_id))
        .order(fee_lines::line_no)
        .select((
            (
                fee_lines::id,
                fee_lines::line_no,
                fee_lines::form,
                fee_lines::category,
                fee_lines::filing,
                fee_lines::beneficiary_member_id,
                household_members::name.nullable(),
            ),
            (
                fee_lines::amount,
                uscis_fees::fee,
                uscis_fees::name,
                uscis_fees::name_ko,
                uscis_fees::fee_waiver_available,
                fee_lines::override_reason,
            ),
            (
                fee_lines::receipt_number_masked,
                fee_lines::renewal,
                fee_lines::filed_on,
                fee_lines::due_on,
            ),
        ))
        .load::<Row>(&mut c);
    // One round trip for both (pipelined on the connection).
    let (rows, parts) = futures_util::try_join!(
        rows.err_into::<AppError>(),
        components_of(conn, application_id)
    )?;
    Ok(rows
        .into_iter()
        .map(
            |(
                (id, line_no, form, category, filing, member_id, member),
                (amount, fee, name, name_ko, waiver, reason),
                (receipt_number, renewal, filed_on, due_on),
            )| {
                let components: Vec<Component> = parts
                    .iter()
                    .filter(|(line, _)| *line == id)
                    .map(|(_, c)| c.clone())
                    .collect();
                // What the schedule asked when the line was priced: the regular row's fee
                // (where the line pays one) and each statutory part.
                let regular = components.iter().any(|c| !c.statutory).then_some(fee);
                let schedule_fee = Money::sum(
                    regular
                        .into_iter()
                        .chain(components.iter().filter(|c| c.statutory).map(|c| c.fee)),
                )
                .unwrap_or(amount);
                FeeLine {
                    line_no,
                    form,
                    category,
                    form_name: name,
                    form_name_ko: name_ko,
                    filing,
                    beneficiary_member_id: member_id,
                    beneficiary: member,
                    amount,
                    schedule_fee,
                    fee_waiver_available: waiver,
                    override_reason: reason,
                    uscis_receipt_number: receipt_number,
                    renewal,
                    filed_on,
                    due_on,
                    components,
                }
            },
        )
        .collect())
}

/// Stores the parts of the lines just written, in one statement.
pub(super) async fn store_components(
    conn: &mut AsyncPgConnection,
    lines: &[(i64, &[Component])],
) -> AppResult<()> {
    let rows: Vec<_> = lines
        .iter()
        .flat_map(|(line_id, components)| {
            components
                .iter()
                .enumerate()
                .map(move |(i, c)| (*line_id, i, c))
        })
        .map(|(line_id, i, c)| {
            let (regular, statutory) = match c.source {
                ComponentSource::Regular(id) => (Some(id), None),
                ComponentSource::Statutory(id) => (None, Some(id)),
            };
            (
                fee_line_components::fee_line_id.eq(line_id),
                fee_line_components::seq.eq(i as i16 + 1),
                fee_line_components::kind.eq(c.kind.as_str()),
                fee_line_components::name.eq(&c.name),
                fee_line_components::fee.eq(c.fee.decimal()),
                fee_line_components::statutory.eq(c.statutory),
                fee_line_components::waivable.eq(c.waivable),
                fee_line_components::uscis_fee_id.eq(regular),
                fee_line_components::statutory_fee_id.eq(statutory),
            )
        })
        .collect();
    // Prepared once per number of parts (diesel caches no multi-row insert).
    crate::db::prepared(diesel::insert_into(fee_line_components::table).values(rows))
        .execute(conn)
        .await?;
    Ok(())
}
