//! The annual asylum fee (H.R. 1): each year an asylum application (I-589) stays pending,
//! a fee falls due on the anniversary of its filing. This read side finds the families
//! whose next anniversary is within the coming days and whom no application already
//! covers, with the fee in force on the due date.

use chrono::{Duration, NaiveDate};
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::TryFutureExt;
use serde::Serialize;

use crate::domain::Money;
use crate::domain::application::ASYLUM_FORM;
use crate::domain::fees::annual_due;
use crate::error::{AppError, AppResult};

/// The families listed: anniversaries this many days ahead (and up to the grace period
/// past, while an application can still pay them).
pub const ANNUAL_FEE_DAYS: i64 = 60;

/// A family whose annual asylum fee falls due.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnnualFeeDue {
    pub household_id: i64,
    pub household_name: String,
    pub household_name_ko: Option<String>,
    pub site: String,
    /// The member the asylum application is for, if recorded.
    pub beneficiary_member_id: Option<i64>,
    pub beneficiary: Option<String>,
    /// When the asylum application was filed.
    pub filed_on: NaiveDate,
    /// The anniversary the fee falls due on.
    pub due_on: NaiveDate,
    /// Days from today to the due date (negative when past).
    pub days_left: i64,
    /// The annual fee in force on the due date.
    pub amount: Money,
    /// Where to start the application for it.
    pub new_application: String,
}

#[derive(diesel::QueryableByName)]
struct Case {
    #[diesel(sql_type = BigInt)]
    household_id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    name_ko: Option<String>,
    #[diesel(sql_type = Text)]
    site: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    member_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    member: Option<String>,
    #[diesel(sql_type = Date)]
    filed_on: NaiveDate,
    #[diesel(sql_type = Array<Date>)]
    covered: Vec<NaiveDate>,
}

/// The families whose annual asylum fee falls due within [`ANNUAL_FEE_DAYS`] of `today`
/// (at the site `site_id`, if given: a user's own), soonest first. Each asylum case is a
/// household's I-589 filing date, from any application not withdrawn; an anniversary is
/// covered by an annual-fee line for it in an application that was not withdrawn, denied
/// or found ineligible.
pub async fn due(
    conn: &AsyncPgConnection,
    today: NaiveDate,
    site_id: Option<i64>,
) -> AppResult<Vec<AnnualFeeDue>> {
    let mut c = conn;
    let cases = crate::db::prepared(
        diesel::sql_query(
            "SELECT h.id AS household_id, h.name, h.name_ko, s.code AS site, \
                max(fl.beneficiary_member_id) AS member_id, max(m.name) AS member, fl.filed_on, \
                COALESCE(array_agg(fl.due_on) FILTER (WHERE fl.due_on IS NOT NULL \
                    AND a.status NOT IN ('withdrawn', 'denied', 'ineligible')), '{}') AS covered \
         FROM fee_lines fl \
         JOIN applications a ON a.id = fl.application_id \
         JOIN households h ON h.id = a.household_id \
         JOIN sites s ON s.id = a.site_id \
         LEFT JOIN household_members m ON m.id = fl.beneficiary_member_id \
         WHERE fl.form = $1 AND fl.filed_on IS NOT NULL AND a.status <> 'withdrawn' \
           AND ($2::bigint IS NULL OR a.site_id = $2) \
         GROUP BY h.id, h.name, h.name_ko, s.code, fl.filed_on \
         HAVING max(fl.filed_on) < $3 - $4::int",
        )
        .bind::<Text, _>(ASYLUM_FORM)
        .bind::<Nullable<BigInt>, _>(site_id)
        .bind::<Date, _>(today)
        // An anniversary is at least a year after the filing.
        .bind::<Integer, _>(365 - ANNUAL_FEE_DAYS as i32),
    )
    .load::<Case>(&mut c);
    // Both reads at once on the one connection (pipelined).
    let (cases, schedule) =
        futures_util::try_join!(cases.err_into::<AppError>(), crate::fees::load(conn))?;
    let mut due: Vec<AnnualFeeDue> = cases
        .into_iter()
        .filter_map(|case| {
            let due_on = annual_due(case.filed_on, today);
            if due_on > today + Duration::days(ANNUAL_FEE_DAYS) || case.covered.contains(&due_on)
            {
                return None;
            }
            let fee = schedule.annual_fee(ASYLUM_FORM, due_on)?;
            let mut link = format!(
                "/applications/new?household_id={}&program=immigration_fee&form={ASYLUM_FORM}&renewal=true&filed_on={}",
                case.household_id, case.filed_on
            );
            if let Some(member) = case.member_id {
                link.push_str(&format!("&beneficiary={member}"));
            }
            Some(AnnualFeeDue {
                household_id: case.household_id,
                household_name: case.name,
                household_name_ko: case.name_ko,
                site: case.site,
                beneficiary_member_id: case.member_id,
                beneficiary: case.member,
                filed_on: case.filed_on,
                due_on,
                days_left: (due_on - today).num_days(),
                amount: fee.fee,
                new_application: link,
            })
        })
        .collect();
    due.sort_by_key(|d| (d.due_on, d.household_id));
    Ok(due)
}
