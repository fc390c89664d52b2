//! Each role's overview (SPEC "Working screens", dashboard): applications by status and
//! program, money granted per month by program and site, the funds' cash, committed and
//! available money at the end of each of the last 12 months, and the work queues with
//! their counts. A read side of its own: it reads applications, the ledger and payments
//! together, in one place, for the home page and `GET /api/v1/dashboard` alike.
//! A user who works at a site sees that site's applications and grants; the funds are
//! the whole fund's.

pub mod annual;
pub mod annual_web;
pub mod api;
pub mod web;

use chrono::{Datelike, Months, NaiveDate};
use diesel::sql_types::{BigInt, Date, Nullable, Numeric, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use crate::clock::Today;
use crate::domain::{Money, Program, Role, Status};
use crate::error::AppResult;
use crate::users::User;

/// Applications of one status and program.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, diesel::QueryableByName)]
pub struct StatusCount {
    #[diesel(sql_type = Text)]
    pub status: Status,
    #[diesel(sql_type = Text)]
    pub program: Program,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Money granted in a month (`2026-11`) to one program at one site: commitments less
/// releases, from the ledger's grant expense accounts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, diesel::QueryableByName)]
pub struct Granted {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = Text)]
    pub program: Program,
    #[diesel(sql_type = Text)]
    pub site: String,
    #[diesel(sql_type = Numeric)]
    pub amount: Money,
}

/// All funds together at the end of a month (today for the current one).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, diesel::QueryableByName)]
pub struct FundsAt {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = Date)]
    pub on: NaiveDate,
    #[diesel(sql_type = Numeric)]
    pub cash: Money,
    #[diesel(sql_type = Numeric)]
    pub committed: Money,
    #[diesel(sql_type = Numeric)]
    pub available: Money,
}

/// A work queue: what waits, how many, and where to do it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Queue {
    /// `my_drafts`, `waiting_for_documents`, `waiting_for_check`, `waiting_for_votes`,
    /// `ready_to_pay`, `checks_outstanding`, `receipt_numbers_missing`, `annual_fees_due`.
    pub queue: String,
    pub count: i64,
    /// For `waiting_for_votes`: the votes still needed to decide them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes_needed: Option<i64>,
    pub link: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// The site the applications and grants are counted for; none for every site.
    pub site: Option<String>,
    pub as_of: NaiveDate,
    pub applications: Vec<StatusCount>,
    pub granted: Vec<Granted>,
    pub funds: Vec<FundsAt>,
    pub queues: Vec<Queue>,
}

#[derive(diesel::QueryableByName)]
struct Counts {
    #[diesel(sql_type = BigInt)]
    my_drafts: i64,
    #[diesel(sql_type = BigInt)]
    waiting_for_documents: i64,
    #[diesel(sql_type = BigInt)]
    waiting_for_check: i64,
    #[diesel(sql_type = BigInt)]
    waiting_for_votes: i64,
    #[diesel(sql_type = BigInt)]
    votes_needed: i64,
    #[diesel(sql_type = BigInt)]
    ready_to_pay: i64,
    #[diesel(sql_type = BigInt)]
    checks_outstanding: i64,
    #[diesel(sql_type = BigInt)]
    receipt_numbers_missing: i64,
}

#[derive(diesel::QueryableByName)]
struct SiteCode {
    #[diesel(sql_type = Nullable<Text>)]
    code: Option<String>,
}

/// Checks outstanding this many days are listed as stale.
pub const STALE_CHECK_DAYS: i64 = 90;
/// Paid fee lines without a USCIS receipt number this many days after payment.
pub const RECEIPT_NUMBER_DAYS: i64 = 60;

/// The overview `user` sees, as of the fund's today.
#[tracing::instrument(level = "debug", skip_all, fields(user = user.id))]
pub async fn dashboard(
    conn: &mut AsyncPgConnection,
    user: &User,
    clock: Today,
) -> AppResult<Dashboard> {
    let today = clock.today;
    // Votes still needed: one approve on the fast track, else the quorum.
    let review = crate::eligibility::in_force(conn, today)
        .await?
        .policy
        .review;
    let (quorum, fast_track_max) = (i64::from(review.quorum), review.fast_track_max);
    let site: Option<String> = match user.site_id {
        Some(id) => {
            diesel::sql_query("SELECT code FROM sites WHERE id = $1")
                .bind::<BigInt, _>(id)
                .get_result::<SiteCode>(conn)
                .await?
                .code
        }
        None => None,
    };
    let first_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .expect("a month eleven months back");
    let applications: Vec<StatusCount> = diesel::sql_query(
        "SELECT a.status, a.program, count(*) AS count FROM applications a \
         JOIN sites s ON s.id = a.site_id \
         WHERE $1::text IS NULL OR s.code = $1 \
         GROUP BY a.status, a.program ORDER BY a.status, a.program",
    )
    .bind::<Nullable<Text>, _>(&site)
    .load(conn)
    .await?;
    let granted: Vec<Granted> = diesel::sql_query(
        "SELECT to_char(e.entry_date, 'YYYY-MM') AS month, a.program, s.code AS site, \
                SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END) AS amount \
         FROM postings p JOIN journal_entries e ON e.id = p.entry_id \
         JOIN applications a ON e.document_type = 'application' AND a.id = e.document_id \
         JOIN sites s ON s.id = a.site_id \
         WHERE p.account_code IN ('5100', '5200') AND e.entry_date BETWEEN $1 AND $2 \
           AND ($3::text IS NULL OR s.code = $3) \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .bind::<Date, _>(first_month)
    .bind::<Date, _>(today)
    .bind::<Nullable<Text>, _>(&site)
    .load(conn)
    .await?;
    let funds: Vec<FundsAt> = diesel::sql_query(
        "WITH months AS ( \
            SELECT to_char(m, 'YYYY-MM') AS month, \
                   LEAST((m + interval '1 month' - interval '1 day')::date, $2) AS on_day \
            FROM generate_series($1::date, $2::date, interval '1 month') AS m), \
         totals AS ( \
            SELECT months.month, months.on_day, \
                   COALESCE(SUM(CASE WHEN p.account_code = '1000' THEN \
                       CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END END), 0) AS cash, \
                   COALESCE(SUM(CASE WHEN p.account_code = '2100' THEN \
                       CASE p.side WHEN 'credit' THEN p.amount ELSE -p.amount END END), 0) AS committed \
            FROM months LEFT JOIN journal_entries e ON e.entry_date <= months.on_day \
            LEFT JOIN postings p ON p.entry_id = e.id \
            GROUP BY months.month, months.on_day) \
         SELECT month, on_day AS on, cash, committed, cash - committed AS available \
         FROM totals ORDER BY month",
    )
    .bind::<Date, _>(first_month)
    .bind::<Date, _>(today)
    .load(conn)
    .await?;
    let counts: Counts = diesel::sql_query(
        "WITH mine AS (SELECT a.* FROM applications a JOIN sites s ON s.id = a.site_id \
                       WHERE $1::text IS NULL OR s.code = $1) \
         SELECT \
           (SELECT count(*) FROM mine WHERE status = 'draft' AND created_by = $2) AS my_drafts, \
           (SELECT count(*) FROM mine WHERE status = 'draft' \
              AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.application_id = mine.id)) AS waiting_for_documents, \
           (SELECT count(*) FROM mine WHERE status = 'submitted') AS waiting_for_check, \
           (SELECT count(*) FROM mine WHERE status IN ('eligible', 'needs_review')) AS waiting_for_votes, \
           (SELECT COALESCE(SUM(GREATEST(0, \
                CASE WHEN mine.requested_amount <= $7 THEN 1 ELSE $3 END - (SELECT count(*) FROM votes v \
                WHERE v.application_id = mine.id AND v.vote <> 'recuse'))), 0)::bigint \
              FROM mine WHERE status IN ('eligible', 'needs_review')) AS votes_needed, \
           (SELECT count(*) FROM payables py JOIN mine ON mine.id = py.application_id \
              WHERE mine.status = 'approved') AS ready_to_pay, \
           (SELECT count(*) FROM disbursements d JOIN disbursement_states ds ON ds.disbursement_id = d.id \
              JOIN mine ON mine.id = d.application_id \
              WHERE d.method = 'check' AND ds.state = 'issued' AND d.paid_on < $4 - $5::int) AS checks_outstanding, \
           (SELECT count(*) FROM fee_lines f JOIN mine ON mine.id = f.application_id \
              WHERE mine.status IN ('paid', 'closed') AND f.receipt_number_masked IS NULL \
                AND EXISTS (SELECT 1 FROM disbursements d WHERE d.application_id = mine.id \
                            AND d.paid_on < $4 - $6::int)) AS receipt_numbers_missing",
    )
    .bind::<Nullable<Text>, _>(&site)
    .bind::<BigInt, _>(user.id)
    .bind::<BigInt, _>(quorum)
    .bind::<Date, _>(today)
    .bind::<diesel::sql_types::Integer, _>(STALE_CHECK_DAYS as i32)
    .bind::<diesel::sql_types::Integer, _>(RECEIPT_NUMBER_DAYS as i32)
    .bind::<Numeric, _>(fast_track_max)
    .get_result(conn)
    .await?;
    let queue = |queue: &str, count: i64, link: &str| Queue {
        queue: queue.to_owned(),
        count,
        votes_needed: None,
        link: link.to_owned(),
    };
    let mut queues = Vec::new();
    if user.has(Role::Caseworker) || user.has(Role::Admin) {
        queues.push(queue(
            "my_drafts",
            counts.my_drafts,
            "/applications?status=draft",
        ));
        queues.push(queue(
            "waiting_for_documents",
            counts.waiting_for_documents,
            "/applications?status=draft",
        ));
        queues.push(queue(
            "waiting_for_check",
            counts.waiting_for_check,
            "/applications?status=submitted",
        ));
        queues.push(queue(
            "receipt_numbers_missing",
            counts.receipt_numbers_missing,
            "/applications?status=paid",
        ));
        let annual = annual::due(conn, today, site.as_deref()).await?;
        queues.push(queue(
            "annual_fees_due",
            annual.len() as i64,
            "/asylum-fees",
        ));
    }
    if user.has(Role::BoardMember) || user.has(Role::Admin) {
        queues.push(Queue {
            votes_needed: Some(counts.votes_needed),
            ..queue("waiting_for_votes", counts.waiting_for_votes, "/review")
        });
    }
    if user.has(Role::Accountant) || user.has(Role::Admin) {
        queues.push(queue("ready_to_pay", counts.ready_to_pay, "/payments"));
        queues.push(queue(
            "checks_outstanding",
            counts.checks_outstanding,
            "/payments#recent",
        ));
    }
    Ok(Dashboard {
        site,
        as_of: today,
        applications,
        granted,
        funds,
        queues,
    })
}
