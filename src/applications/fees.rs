//! The USCIS fee schedule: which fee is in force for a form, category and filing method
//! on a date, and the stored fee lines of an application.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
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
    /// The form's name in Korean, where the schedule has it.
    pub name_ko: Option<String>,
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
    Option<String>,
    Filing,
    Money,
    NaiveDate,
    bool,
);

fn to_fee(row: FeeRow) -> ScheduleFee {
    let (id, form, category, name, name_ko, filing, fee, effective_from, fee_waiver_available) =
        row;
    ScheduleFee {
        id,
        form,
        category,
        name,
        name_ko,
        filing,
        fee,
        effective_from,
        fee_waiver_available,
    }
}

const FEE_COLUMNS: (
    uscis_fees::id,
    uscis_fees::form,
    uscis_fees::category,
    uscis_fees::name,
    uscis_fees::name_ko,
    uscis_fees::filing,
    uscis_fees::fee,
    uscis_fees::effective_from,
    uscis_fees::fee_waiver_available,
) = (
    uscis_fees::id,
    uscis_fees::form,
    uscis_fees::category,
    uscis_fees::name,
    uscis_fees::name_ko,
    uscis_fees::filing,
    uscis_fees::fee,
    uscis_fees::effective_from,
    uscis_fees::fee_waiver_available,
);

/// The fee for a form, category and filing method in `schedule` (as `schedule()` loads
/// it for a date), or which field is wrong: an unknown form, or a filing method or
/// category the form does not have.
pub fn find<'a>(
    schedule: &'a [ScheduleFee],
    form: &str,
    category: &str,
    filing: Filing,
) -> Result<&'a ScheduleFee, (&'static str, Problem)> {
    if let Some(fee) = schedule
        .iter()
        .find(|f| f.form == form && f.category == category && f.filing == filing)
    {
        return Ok(fee);
    }
    Err(if !schedule.iter().any(|f| f.form == form) {
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
    })
}

/// Every fee in force on `on`, for the fee line form's choices.
#[tracing::instrument(level = "debug", skip_all)]
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

#[tracing::instrument(level = "debug", skip_all, fields(application_id))]
pub async fn lines_of(
    conn: &mut AsyncPgConnection,
    application_id: i64,
) -> AppResult<Vec<FeeLine>> {
    type Row = (
        i32,
        String,
        String,
        Filing,
        Option<i64>,
        Option<String>,
        Money,
        Money,
        String,
        Option<String>,
        bool,
        Option<String>,
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
            uscis_fees::name_ko,
            uscis_fees::fee_waiver_available,
            fee_lines::override_reason,
            fee_lines::receipt_number_masked,
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
                name_ko,
                waiver,
                reason,
                receipt_number,
            )| FeeLine {
                line_no,
                form,
                category,
                form_name: name,
                form_name_ko: name_ko,
                filing,
                beneficiary_member_id: member_id,
                beneficiary: member,
                amount,
                schedule_fee: fee,
                fee_waiver_available: waiver,
                override_reason: reason,
                uscis_receipt_number: receipt_number,
            },
        )
        .collect())
}

/// Every row of the schedule with its effective date, for the eligibility engine.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all_rows(conn: &mut AsyncPgConnection) -> AppResult<Vec<ScheduleFee>> {
    let rows: Vec<FeeRow> = uscis_fees::table
        .order(uscis_fees::id)
        .select(FEE_COLUMNS)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(to_fee).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fee(form: &str, category: &str, filing: Filing, cents: i64) -> ScheduleFee {
        ScheduleFee {
            id: cents,
            form: form.into(),
            category: category.into(),
            name: String::new(),
            name_ko: None,
            filing,
            fee: Money::from_cents(cents),
            effective_from: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            fee_waiver_available: false,
        }
    }

    #[test]
    fn find_names_the_wrong_field() {
        let schedule = [
            fee("N-400", "", Filing::Paper, 76000),
            fee("I-131", "", Filing::Paper, 63000),
            fee("I-765", "c33", Filing::Paper, 52000),
        ];
        assert_eq!(
            find(&schedule, "N-400", "", Filing::Paper)
                .unwrap()
                .fee
                .to_string(),
            "760.00"
        );
        assert_eq!(
            find(&schedule, "X-1", "", Filing::Paper).unwrap_err().0,
            "form"
        );
        assert_eq!(
            find(&schedule, "I-131", "", Filing::Online).unwrap_err().0,
            "filing"
        );
        assert_eq!(
            find(&schedule, "I-765", "c99", Filing::Paper)
                .unwrap_err()
                .0,
            "category"
        );
    }
}
