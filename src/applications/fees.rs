//! The USCIS fee schedule: which fee is in force for a form, category and filing method
//! on a date, and the stored fee lines of an application.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;

use super::FeeLine;
use crate::db::schema::{fee_lines, household_members, uscis_fees};
use crate::domain::{Filing, Money, Problem};
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleFee {
    pub id: i64,
    pub form: String,
    pub category: String,
    pub name: String,
    pub filing: Filing,
    pub fee: Money,
    pub effective_from: NaiveDate,
    pub fee_waiver_available: bool,
}

type FeeRow = (
    i64,
    String,
    String,
    String,
    String,
    Decimal,
    NaiveDate,
    bool,
);

fn to_fee(row: FeeRow) -> ScheduleFee {
    let (id, form, category, name, filing, fee, effective_from, fee_waiver_available) = row;
    ScheduleFee {
        id,
        form,
        category,
        name,
        filing: Filing::parse(&filing).unwrap_or(Filing::Paper),
        fee: Money::from_decimal(fee).unwrap_or_default(),
        effective_from,
        fee_waiver_available,
    }
}

const FEE_COLUMNS: (
    uscis_fees::id,
    uscis_fees::form,
    uscis_fees::category,
    uscis_fees::name,
    uscis_fees::filing,
    uscis_fees::fee,
    uscis_fees::effective_from,
    uscis_fees::fee_waiver_available,
) = (
    uscis_fees::id,
    uscis_fees::form,
    uscis_fees::category,
    uscis_fees::name,
    uscis_fees::filing,
    uscis_fees::fee,
    uscis_fees::effective_from,
    uscis_fees::fee_waiver_available,
);

/// The fee in force on `on`, or which field is wrong (unknown form, or a filing method
/// the form does not have).
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    form: &str,
    category: &str,
    filing: Filing,
    on: NaiveDate,
) -> AppResult<Result<ScheduleFee, (&'static str, Problem)>> {
    let row: Option<FeeRow> = uscis_fees::table
        .filter(uscis_fees::form.eq(form))
        .filter(uscis_fees::category.eq(category))
        .filter(uscis_fees::filing.eq(filing.as_str()))
        .filter(uscis_fees::effective_from.le(on))
        .order(uscis_fees::effective_from.desc())
        .select(FEE_COLUMNS)
        .first(conn)
        .await
        .optional()?;
    if let Some(row) = row {
        return Ok(Ok(to_fee(row)));
    }
    let form_known: bool = diesel::select(diesel::dsl::exists(
        uscis_fees::table.filter(uscis_fees::form.eq(form)),
    ))
    .get_result(conn)
    .await?;
    Ok(Err(if !form_known {
        ("form", Problem::new("err-form-unknown").arg("form", form))
    } else if category.is_empty() {
        (
            "filing",
            Problem::new("err-filing-unavailable")
                .arg("form", form)
                .arg("filing", filing),
        )
    } else {
        (
            "category",
            Problem::new("err-category-unknown").arg("form", form),
        )
    }))
}

/// Every fee in force on `on`, for the fee line form's choices.
pub async fn schedule(conn: &mut AsyncPgConnection, on: NaiveDate) -> AppResult<Vec<ScheduleFee>> {
    let rows: Vec<FeeRow> = uscis_fees::table
        .filter(uscis_fees::effective_from.le(on))
        .order((
            uscis_fees::form,
            uscis_fees::category,
            uscis_fees::filing.desc(),
            uscis_fees::effective_from.desc(),
        ))
        .select(FEE_COLUMNS)
        .load(conn)
        .await?;
    let mut fees: Vec<ScheduleFee> = rows.into_iter().map(to_fee).collect();
    // Keep the newest row of each form, category and filing.
    fees.dedup_by(|b, a| a.form == b.form && a.category == b.category && a.filing == b.filing);
    Ok(fees)
}

pub(super) async fn lines_of(
    conn: &mut AsyncPgConnection,
    application_id: i64,
) -> AppResult<Vec<FeeLine>> {
    type Row = (
        i32,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        Decimal,
        Decimal,
        String,
        bool,
        Option<String>,
    );
    let rows: Vec<Row> = fee_lines::table
        .inner_join(uscis_fees::table)
        .left_join(household_members::table)
        .filter(fee_lines::application_id.eq(application_id))
        .order(fee_lines::line_no)
        .select((
            fee_lines::line_no,
            fee_lines::form,
            fee_lines::category,
            fee_lines::filing,
            fee_lines::beneficiary_member_id,
            household_members::name.nullable(),
            fee_lines::amount,
            uscis_fees::fee,
            uscis_fees::name,
            uscis_fees::fee_waiver_available,
            fee_lines::override_reason,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                line_no,
                form,
                category,
                filing,
                member_id,
                member,
                amount,
                fee,
                name,
                waiver,
                reason,
            )| FeeLine {
                line_no,
                form,
                category,
                form_name: name,
                filing: Filing::parse(&filing).unwrap_or(Filing::Paper),
                beneficiary_member_id: member_id,
                beneficiary: member,
                amount: Money::from_decimal(amount).unwrap_or_default(),
                schedule_fee: Money::from_decimal(fee).unwrap_or_default(),
                fee_waiver_available: waiver,
                override_reason: reason,
            },
        )
        .collect())
}
