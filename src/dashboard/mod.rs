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
use futures_util::TryFutureExt;
use serde::Serialize;

use crate::clock::Today;
use crate::domain::{Money, Program, Role, Status};
use crate::error::{AppError, AppResult};
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
    // The reads below do not depend on one another: they go out together on the one
    // connection (diesel-async pipelines futures polled at once over `&AsyncPgConnection`),
    // one round trip instead of seven.
    let shared: &AsyncPgConnection = conn;
    let (mut c1, mut c2, mut c3, mut c4, mut c5) = (shared, shared, shared, shared, shared);
    let site = async {
        match user.site_id {
            Some(id) => crate::db::prepared(
                diesel::sql_query("SELECT code FROM sites WHERE id = $1").bind::<BigInt, _>(id),
            )
            .get_result::<SiteCode>(&mut c1)
            .await
            .map(|s| s.code),
            None => Ok(None),
        }
    };
    let first_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .expect("a month eleven months back");
    // Summed from the tallies the applications' triggers append (migration
    // dashboard_tallies): a few rows, not a count of every application.
    let applications = crate::db::prepared(
        diesel::sql_query(
            "SELECT t.status, t.program, sum(t.n)::bigint AS count FROM application_tallies t \
             WHERE $1::bigint IS NULL OR t.site_id = $1 \
             GROUP BY t.status, t.program HAVING sum(t.n) <> 0 ORDER BY t.status, t.program",
        )
        .bind::<Nullable<BigInt>, _>(user.site_id),
    )
    .load::<StatusCount>(&mut c2);
    let granted = crate::db::prepared(
        diesel::sql_query(
            "SELECT to_char(e.entry_date, 'YYYY-MM') AS month, a.program, s.code AS site, \
                SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END) AS amount \
         FROM postings p JOIN journal_entries e ON e.id = p.entry_id \
         JOIN applications a ON e.document_type = 'application' AND a.id = e.document_id \
         JOIN sites s ON s.id = a.site_id \
         WHERE p.account_code IN ('5100', '5200') AND e.entry_date BETWEEN $1 AND $2 \
           AND ($3::bigint IS NULL OR a.site_id = $3) \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        )
        .bind::<Date, _>(first_month)
        .bind::<Date, _>(today)
        .bind::<Nullable<BigInt>, _>(user.site_id),
    )
    .load::<Granted>(&mut c3);
    // Each month's end, walked back from the balances now (fund_balances, kept by the
    // postings trigger): only what was booked after the first month's end is read, however
    // long the ledger (joining every entry to every month read it twelve times).
    let funds = crate::db::prepared(diesel::sql_query(
        "WITH months AS ( \
            SELECT to_char(m, 'YYYY-MM') AS month, \
                   LEAST((m + interval '1 month' - interval '1 day')::date, $2) AS on_day \
            FROM generate_series($1::date, $2::date, interval '1 month') AS m), \
         now AS ( \
            SELECT COALESCE(SUM(cash), 0) AS cash, COALESCE(SUM(committed), 0) AS committed \
            FROM fund_balances), \
         later AS ( \
            SELECT e.entry_date, \
                   SUM(CASE WHEN a.kind = 'asset' THEN \
                       CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END ELSE 0 END) AS cash, \
                   SUM(CASE WHEN a.kind = 'liability' THEN \
                       CASE p.side WHEN 'credit' THEN p.amount ELSE -p.amount END ELSE 0 END) AS committed \
            FROM journal_entries e JOIN postings p ON p.entry_id = e.id \
            JOIN accounts a ON a.code = p.account_code \
            WHERE e.entry_date > (SELECT min(on_day) FROM months) AND a.kind IN ('asset', 'liability') \
            GROUP BY e.entry_date), \
         totals AS ( \
            SELECT m.month, m.on_day, \
                   now.cash - COALESCE(SUM(l.cash), 0) AS cash, \
                   now.committed - COALESCE(SUM(l.committed), 0) AS committed \
            FROM months m CROSS JOIN now LEFT JOIN later l ON l.entry_date > m.on_day \
            GROUP BY m.month, m.on_day, now.cash, now.committed) \
         SELECT month, on_day AS on, cash, committed, cash - committed AS available \
         FROM totals ORDER BY month",
    )
    .bind::<Date, _>(first_month)
    .bind::<Date, _>(today))
    .load::<FundsAt>(&mut c4);
    // Each queue counts open applications through the partial index `applications_open`
    // (few, however many applications there are); a CTE of all the site's applications
    // read every one of them (250 ms at 100,000).
    let counts = crate::db::prepared(diesel::sql_query(
        "SELECT \
           (SELECT count(*) FROM applications a WHERE a.status = 'draft' AND a.created_by = $2 \
              AND ($1::bigint IS NULL OR a.site_id = $1)) AS my_drafts, \
           (SELECT count(*) FROM applications a WHERE a.status = 'draft' \
              AND ($1::bigint IS NULL OR a.site_id = $1) \
              AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.application_id = a.id)) AS waiting_for_documents, \
           (SELECT count(*) FROM applications a WHERE a.status = 'submitted' \
              AND ($1::bigint IS NULL OR a.site_id = $1)) AS waiting_for_check, \
           (SELECT count(*) FROM applications a WHERE a.status IN ('eligible', 'needs_review') \
              AND ($1::bigint IS NULL OR a.site_id = $1)) AS waiting_for_votes, \
           (SELECT COALESCE(SUM(GREATEST(0, \
                CASE WHEN a.requested_amount <= $7 THEN 1 ELSE $3 END - (SELECT count(*) FROM votes v \
                WHERE v.application_id = a.id AND v.vote <> 'recuse'))), 0)::bigint \
              FROM applications a WHERE a.status IN ('eligible', 'needs_review') \
              AND ($1::bigint IS NULL OR a.site_id = $1)) AS votes_needed, \
           (SELECT count(*) FROM applications a JOIN payables py ON py.application_id = a.id \
              WHERE a.status = 'approved' AND ($1::bigint IS NULL OR a.site_id = $1)) AS ready_to_pay, \
           (SELECT count(*) FROM disbursements d JOIN disbursement_states ds ON ds.disbursement_id = d.id \
              JOIN applications a ON a.id = d.application_id \
              WHERE d.method = 'check' AND ds.state = 'issued' AND d.paid_on < $4 - $5::int \
                AND ($1::bigint IS NULL OR a.site_id = $1)) AS checks_outstanding, \
           (SELECT count(*) FROM fee_lines f JOIN applications a ON a.id = f.application_id \
              WHERE a.status IN ('paid', 'closed') AND f.receipt_number_masked IS NULL \
                AND ($1::bigint IS NULL OR a.site_id = $1) \
                AND EXISTS (SELECT 1 FROM disbursements d WHERE d.application_id = a.id \
                            AND d.paid_on < $4 - $6::int)) AS receipt_numbers_missing",
    )
    .bind::<Nullable<BigInt>, _>(user.site_id)
    .bind::<BigInt, _>(user.id)
    .bind::<BigInt, _>(quorum)
    .bind::<Date, _>(today)
    .bind::<diesel::sql_types::Integer, _>(STALE_CHECK_DAYS as i32)
    .bind::<diesel::sql_types::Integer, _>(RECEIPT_NUMBER_DAYS as i32)
    .bind::<Numeric, _>(fast_track_max))
    .get_result::<Counts>(&mut c5);
    let caseworking = user.has(Role::Caseworker) || user.has(Role::Admin);
    let annual = async {
        if caseworking {
            annual::due(shared, today, user.site_id).await
        } else {
            Ok(Vec::new())
        }
    };
    let (site, applications, granted, funds, counts, annual) = futures_util::try_join!(
        site.err_into::<AppError>(),
        applications.err_into(),
        granted.err_into(),
        funds.err_into(),
        counts.err_into(),
        annual
    )?;
    let queue = |queue: &str, count: i64, link: &str| Queue {
        queue: queue.to_owned(),
        count,
        votes_needed: None,
        link: link.to_owned(),
    };
    let mut queues = Vec::new();
    if caseworking {
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

/// Folds the applications' tallies into one row per key when there are more than
/// `at_least` rows; returns how many rows were folded. The service does it every minute.
pub async fn fold_tallies(conn: &mut AsyncPgConnection, at_least: i64) -> AppResult<i64> {
    #[derive(diesel::QueryableByName)]
    struct Folded {
        #[diesel(sql_type = BigInt)]
        folded: i64,
    }
    let folded: Folded = crate::db::prepared(
        diesel::sql_query(
            "SELECT CASE WHEN (SELECT count(*) FROM application_tallies) > $1 \
                    THEN fold_application_tallies() ELSE 0 END AS folded",
        )
        .bind::<BigInt, _>(at_least),
    )
    .get_result(conn)
    .await?;
    Ok(folded.folded)
}
