//! Document numbers: `CEF-2026-00042` for applications, `RCP-…` for receipts, `DSB-…` for
//! disbursements. Each series counts from 1 every year without gaps: the counter row stays
//! locked until the creating transaction ends, and a rollback gives the number back.
//! Applications take theirs last (`assign_application`), money documents as they are made.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::document_counters;
use crate::error::AppResult;

/// Gives application `id` (created in this transaction with its placeholder number) the
/// next number of `year`, and returns it. Call it last, just before commit: the counter
/// row stays locked from here to the end of the transaction, so creations queue on it for
/// one statement and the commit only. The migration `application_number_last` refuses a
/// commit that leaves the placeholder, and any later change of a number.
pub async fn assign_application(
    conn: &mut AsyncPgConnection,
    id: i64,
    year: i32,
) -> AppResult<String> {
    use diesel::sql_types::{BigInt, Integer, Text};
    #[derive(QueryableByName)]
    struct Numbered {
        #[diesel(sql_type = Text)]
        number: String,
    }
    let numbered: Numbered = crate::db::prepared(
        diesel::sql_query(
            "WITH n AS (
                 INSERT INTO application_counters (year, last_seq) VALUES ($1, 1)
                 ON CONFLICT (year) DO UPDATE SET last_seq = application_counters.last_seq + 1
                 RETURNING last_seq::text AS seq)
             UPDATE applications SET number = 'CEF-' || $1 || '-' || lpad(n.seq, greatest(5, length(n.seq)), '0')
             FROM n WHERE applications.id = $2
             RETURNING applications.number",
        )
        .bind::<Integer, _>(year)
        .bind::<BigInt, _>(id),
    )
    .get_result(conn)
    .await?;
    Ok(numbered.number)
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
