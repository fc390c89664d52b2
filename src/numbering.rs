//! Document numbers: `CEF-2026-00042` for applications, `RCP-…` for receipts, `DSB-…` for
//! disbursements. Each series counts from 1 every year without gaps: the counter row stays
//! locked until the creating transaction ends, and a rollback gives the number back.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{application_counters, document_counters};
use crate::error::AppResult;

/// The next application number of `year`.
pub async fn application(conn: &mut AsyncPgConnection, year: i32) -> AppResult<String> {
    use application_counters::dsl as c;
    let seq: i32 = diesel::insert_into(c::application_counters)
        .values((c::year.eq(year), c::last_seq.eq(1)))
        .on_conflict(c::year)
        .do_update()
        .set(c::last_seq.eq(c::last_seq + 1))
        .returning(c::last_seq)
        .get_result(conn)
        .await?;
    Ok(format!("CEF-{year}-{seq:05}"))
}

/// The next number of a money document series (`RCP`, `DSB`) in `year`.
pub async fn document(conn: &mut AsyncPgConnection, series: &str, year: i32) -> AppResult<String> {
    use document_counters::dsl as c;
    let seq: i32 = diesel::insert_into(c::document_counters)
        .values((c::series.eq(series), c::year.eq(year), c::last_seq.eq(1)))
        .on_conflict((c::series, c::year))
        .do_update()
        .set(c::last_seq.eq(c::last_seq + 1))
        .returning(c::last_seq)
        .get_result(conn)
        .await?;
    Ok(format!("{series}-{year}-{seq:05}"))
}
