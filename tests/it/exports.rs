//! Audit exports: every export downloads over HTTP with the same bytes as the command
//! line, byte-identical twice, balanced, consistent with the books while writes go on,
//! closed to other roles; the general ledger, trial balance and fund activity add up.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::*;
use crate::review::{Team, approved_emergency, fund_general, n400_for_review, team, vote};

/// Books with every kind of entry: receipts, approvals, payments, a void and a reissue, a
/// release, a denial, and a restricted fund; kept on 2026-11-25 by the service's clock.
async fn books() -> Team {
    let t = team(4).await;
    t.app.set_clock(BOOKS_DAY);
    let Team {
        app,
        cw,
        board,
        accountant,
    } = &t;
    fund_general(app, accountant, "3000.00").await;
    let foundation = app
        .fund(
            accountant,
            json!({"name": "XYZ 재단 2026 — immigration", "restricted_program": "immigration_fee"}),
        )
        .await;
    app.receipt(accountant, foundation, "2000.00").await;
    let paid = approved_emergency(app, cw, &board[0], "400.00").await;
    let pay = |id: i64, amount: &str, reference: &str| {
        json!({"application_id": id, "amount": amount, "payee": "Landlord, \"Kim\" LLC", "method": "check",
               "reference": reference, "paid_on": "2026-11-20"})
    };
    let first = app
        .post(
            "/api/v1/disbursements",
            accountant,
            pay(paid, "400.00", "501"),
        )
        .await
        .json();
    app.post(
        &format!("/api/v1/disbursements/{}/void", first["id"]),
        accountant,
        json!({"reason": "분실"}),
    )
    .await;
    let mut reissue = pay(paid, "400.00", "502");
    reissue["reissue_of"] = first["id"].clone();
    assert_eq!(
        app.post("/api/v1/disbursements", accountant, reissue)
            .await
            .status,
        StatusCode::CREATED
    );
    let withdrawn = approved_emergency(app, cw, &board[1], "300.00").await;
    app.post(
        &format!("/api/v1/applications/{withdrawn}/withdraw"),
        cw,
        json!({"reason": "다른 지원"}),
    )
    .await;
    let n400 = n400_for_review(app, cw).await;
    for member in &board[..3] {
        vote(app, member, n400, json!({"vote": "approve"})).await;
    }
    let denied = n400_for_review(app, cw).await;
    for member in &board[..3] {
        vote(
            app,
            member,
            denied,
            json!({"vote": "deny", "comment": "소득 서류 부족"}),
        )
        .await;
    }
    t
}

/// The business day of `books()`, whatever day the tests run.
const BOOKS_DAY: &str = "2026-11-25T10:00:00-08:00";

async fn download(app: &TestApp, user: &TestUser, path: &str) -> Vec<u8> {
    let r = app.get(path, user).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
    r.text.into_bytes()
}

fn rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn amount(text: &str) -> Decimal {
    if text.is_empty() {
        Decimal::ZERO
    } else {
        text.parse().unwrap()
    }
}

const KINDS: [&str; 11] = [
    "general-ledger",
    "disbursement-register",
    "trial-balance",
    "fund-activity",
    "application-register",
    "eligibility-audit",
    "board-minutes",
    "general-ledger-quickbooks",
    "general-ledger-xero",
    "schedule-i-part-iii",
    "grant-file",
];

#[tokio::test]
async fn every_export_downloads_the_same_bytes_twice_and_from_the_command_line() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = books().await;
    for kind in KINDS {
        let path = format!("/api/v1/exports/{kind}.csv?from=2026-01-01&to=2099-12-31&year=2026");
        let first = download(&app, &accountant, &path).await;
        let again = download(&app, &accountant, &path).await;
        assert_eq!(first, again, "{kind} is byte-stable");
        assert!(first.ends_with(b"\r\n"), "{kind}: RFC 4180 line ends");
        assert!(
            rows(&first).len() > 1,
            "{kind} has rows:\n{}",
            String::from_utf8_lossy(&first)
        );
        let cli = std::process::Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            .args([
                "export",
                kind,
                "--from",
                "2026-01-01",
                "--to",
                "2099-12-31",
                "--year",
                "2026",
            ])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        assert_eq!(
            cli.stdout, first,
            "{kind}: the command line gives the same bytes"
        );
        assert_eq!(app.get(&path, &cw).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get(&path, &board[0]).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let bom = download(
        &app,
        &accountant,
        "/api/v1/exports/general-ledger.csv?bom=1",
    )
    .await;
    assert!(bom.starts_with("\u{feff}Journal_ID,".as_bytes()));
    assert_eq!(
        app.get("/api/v1/exports/everything.csv", &accountant)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let backwards = app
        .get(
            "/api/v1/exports/general-ledger.csv?from=2026-12-01&to=2026-01-01",
            &accountant,
        )
        .await;
    assert_eq!(
        backwards.status,
        StatusCode::BAD_REQUEST,
        "{}",
        backwards.text
    );
    assert_eq!(
        app.get("/api/v1/exports/general-ledger.csv?fund_id=x", &accountant)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_ledger_exports_add_up_and_agree_with_the_books() {
    let Team {
        app, accountant, ..
    } = books().await;
    let gl = rows(&download(&app, &accountant, "/api/v1/exports/general-ledger.csv").await);
    assert_eq!(
        gl.len() as i64,
        app.count("SELECT count(*) FROM postings").await
    );
    // Debits equal credits for every entry and fund; an unused side is blank, not 0.
    let mut per_entry: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for r in &gl {
        assert!(
            r["Amount_Debit"].is_empty() != r["Amount_Credit"].is_empty(),
            "{r:?}"
        );
        *per_entry
            .entry((r["Journal_ID"].clone(), r["Fund_ID"].clone()))
            .or_default() += amount(&r["Amount_Debit"]) - amount(&r["Amount_Credit"]);
    }
    assert!(per_entry.values().all(Decimal::is_zero));
    assert!(
        gl.iter()
            .any(|r| r["JE_Header_Description"].contains("한인 교회 여선교회")),
        "Hangul intact"
    );
    assert!(
        gl.iter()
            .any(|r| r["Entry_Kind"] == "void" && !r["Reverses_Journal_ID"].is_empty())
    );
    assert!(
        gl.iter()
            .any(|r| r["Entry_Kind"] == "commitment" && r["Approved_By"].contains('@'))
    );
    assert!(
        gl.iter()
            .all(|r| r["Amount_Debit"].is_empty() || r["Amount_Debit"].contains('.'))
    );

    // The trial balance nets to zero and its cash per fund is the fund's cash.
    let tb = rows(
        &download(
            &app,
            &accountant,
            "/api/v1/exports/trial-balance.csv?as_of=2099-12-31",
        )
        .await,
    );
    assert!(
        tb.iter()
            .map(|r| amount(&r["Balance"]))
            .sum::<Decimal>()
            .is_zero()
    );
    let funds = app.get("/api/v1/funds", &accountant).await.json();
    for f in funds["items"].as_array().unwrap() {
        let cash: Decimal = tb
            .iter()
            .filter(|r| {
                r["Fund_ID"] == f["id"].as_i64().unwrap().to_string().as_str()
                    && r["GL_Account_Number"] == "1000"
            })
            .map(|r| amount(&r["Balance"]))
            .sum();
        assert_eq!(
            cash,
            amount(f["cash"].as_str().unwrap()),
            "fund {}",
            f["name"]
        );
    }

    // Fund activity: opening + movements = closing, and closing equals the fund's balances.
    let fa = rows(
        &download(
            &app,
            &accountant,
            "/api/v1/exports/fund-activity.csv?from=2026-11-01",
        )
        .await,
    );
    for r in &fa {
        assert_eq!(
            amount(&r["Opening_Cash"]) + amount(&r["Receipts"]) - amount(&r["Disbursements"]),
            amount(&r["Closing_Cash"]),
            "{r:?}"
        );
        assert_eq!(
            amount(&r["Opening_Committed"]) + amount(&r["Approvals"])
                - amount(&r["Releases"])
                - amount(&r["Disbursements"]),
            amount(&r["Closing_Committed"]),
            "{r:?}"
        );
        let f = funds["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["id"].as_i64().map(|id| id.to_string()).as_deref() == Some(r["Fund_ID"].as_str())
            })
            .unwrap();
        assert_eq!(
            amount(&r["Closing_Available"]),
            amount(f["available"].as_str().unwrap())
        );
    }

    // The registers: a voided payment and its reissue; decisions and votes; no family names.
    let dr = rows(
        &download(
            &app,
            &accountant,
            "/api/v1/exports/disbursement-register.csv",
        )
        .await,
    );
    assert_eq!(dr.iter().filter(|r| r["Status"] == "voided").count(), 1);
    assert!(
        dr.iter()
            .any(|r| !r["Reissue_Of"].is_empty() && r["Payee"] == "Landlord, \"Kim\" LLC")
    );
    let minutes = rows(&download(&app, &accountant, "/api/v1/exports/board-minutes.csv").await);
    assert!(
        minutes
            .iter()
            .any(|r| r["Outcome"] == "denied" && r["Comment"] == "소득 서류 부족")
    );
    for kind in [
        "application-register",
        "eligibility-audit",
        "board-minutes",
        "disbursement-register",
    ] {
        let text = String::from_utf8(
            download(&app, &accountant, &format!("/api/v1/exports/{kind}.csv")).await,
        )
        .unwrap();
        assert!(
            !text.contains("Kim Minjun") && !text.contains("김민준"),
            "{kind} names no family"
        );
    }
    // The accounting-package presets carry the same postings, balanced per journal.
    let qb = rows(
        &download(
            &app,
            &accountant,
            "/api/v1/exports/general-ledger-quickbooks.csv",
        )
        .await,
    );
    assert_eq!(qb.len(), gl.len());
    let mut per_journal: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in &qb {
        *per_journal.entry(r["Journal No"].clone()).or_default() +=
            amount(&r["Debits"]) - amount(&r["Credits"]);
        assert!(
            r["Journal Date"].len() == 10 && r["Journal Date"].as_bytes()[2] == b'/',
            "{r:?}"
        );
    }
    assert!(per_journal.values().all(Decimal::is_zero));
    let xero = rows(&download(&app, &accountant, "/api/v1/exports/general-ledger-xero.csv").await);
    assert_eq!(xero.len(), gl.len());
    let mut per_narration: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in &xero {
        *per_narration.entry(r["*Narration"].clone()).or_default() += amount(&r["*Amount"]);
    }
    assert!(per_narration.values().all(Decimal::is_zero));
    assert!(
        xero.iter()
            .any(|r| r["TrackingOption1"] == "XYZ 재단 2026 — immigration")
    );

    // A fund filter keeps the fund's postings only, still balanced.
    let only = rows(
        &download(
            &app,
            &accountant,
            "/api/v1/exports/general-ledger.csv?fund_id=1",
        )
        .await,
    );
    assert!(!only.is_empty() && only.iter().all(|r| r["Fund_ID"] == "1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exports_taken_while_money_moves_still_balance() {
    let Team {
        app, accountant, ..
    } = books().await;
    let (app, accountant) = (Arc::new(app), Arc::new(accountant));
    let closed_range = "/api/v1/exports/general-ledger.csv?from=2026-01-01&to=2026-06-30";
    let before = download(&app, &accountant, closed_range).await;
    assert!(rows(&before).len() >= 4);
    // Money keeps arriving, dated today (after the closed range) and in the range's books.
    let writer = {
        let (app, accountant) = (app.clone(), accountant.clone());
        tokio::spawn(async move {
            let today = app.today();
            for i in 0..40 {
                let body = json!({"amount": format!("{}.25", 10 + i), "received_on": today.to_string(),
                                  "source": "donation", "donor": "동네 교회"});
                let r = app
                    .post("/api/v1/funds/1/receipts", &accountant, body)
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            }
        })
    };
    for _ in 0..8 {
        let tb = rows(&download(&app, &accountant, "/api/v1/exports/trial-balance.csv").await);
        assert!(
            tb.iter()
                .map(|r| amount(&r["Balance"]))
                .sum::<Decimal>()
                .is_zero()
        );
        let gl = rows(&download(&app, &accountant, "/api/v1/exports/general-ledger.csv").await);
        let net: Decimal = gl
            .iter()
            .map(|r| amount(&r["Amount_Debit"]) - amount(&r["Amount_Credit"]))
            .sum();
        assert!(net.is_zero(), "every snapshot balances");
        assert_eq!(
            download(&app, &accountant, closed_range).await,
            before,
            "a past range is byte-identical while writes go on"
        );
    }
    writer.await.unwrap();
}

#[tokio::test]
async fn the_accountant_downloads_from_the_export_page() {
    let Team {
        app,
        accountant,
        cw,
        ..
    } = books().await;
    let b = app.browser(&accountant).await;
    let page = app.page("/exports", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("General ledger") && page.text.contains("Board minutes"));
    let file = app
        .page(
            "/exports/download?kind=fund-activity&from=2026-01-01&to=&as_of=&fund_id=1",
            Some(&b.cookie),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.text);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("fund-activity_2026-01-01_fund-1.csv")
    );
    let api = download(
        &app,
        &accountant,
        "/api/v1/exports/fund-activity.csv?from=2026-01-01&fund_id=1",
    )
    .await;
    assert_eq!(file.text.as_bytes(), api.as_slice());
    let c = app.browser(&cw).await;
    assert_eq!(
        app.page("/exports", Some(&c.cookie)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Whether Debian's hledger is here (`.ci/run` installs it; CI fails without it).
fn hledger_present() -> bool {
    if std::path::Path::new("/usr/bin/hledger").exists() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must install hledger");
    eprintln!("skipped: install hledger to run the cross-check");
    false
}

/// The general ledger read by hledger, an independent double-entry tool, through the
/// rules file `reports/` ships: every journal entry balances (its clearing account nets to
/// zero), hledger's balance of each account and fund is the trial balance's, and the cash
/// of each fund is what the API says.
async fn hledger_agrees(app: &TestApp, accountant: &TestUser) {
    let gl = download(app, accountant, "/api/v1/exports/general-ledger.csv").await;
    let dir = std::env::temp_dir().join(format!(
        "gt-hledger-{}",
        grant_tracker::auth::random_token()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("general-ledger.csv");
    std::fs::write(&file, &gl).unwrap();
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/general-ledger.hledger.rules");
    let out = std::process::Command::new("/usr/bin/hledger")
        .arg("-f")
        .arg(&file)
        .arg("--rules-file")
        .arg(&rules)
        .args(["bal", "--flat", "-E", "-O", "csv"])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let balances: BTreeMap<String, Decimal> = csv::Reader::from_reader(out.stdout.as_slice())
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), amount(&r[1]))
        })
        .filter(|(account, _)| account != "total")
        .collect();
    let entries = app.count("SELECT count(*) FROM journal_entries").await as usize;
    let clearing: Vec<_> = balances
        .iter()
        .filter(|(a, _)| a.starts_with("clearing:"))
        .collect();
    assert_eq!(clearing.len(), entries, "one clearing account per entry");
    assert!(
        clearing.iter().all(|(_, b)| b.is_zero()),
        "every entry balances: {clearing:?}"
    );
    let tb = rows(&download(app, accountant, "/api/v1/exports/trial-balance.csv").await);
    let ours: BTreeMap<String, Decimal> = tb
        .iter()
        .map(|r| {
            (
                format!("gl:{}:fund{}", r["GL_Account_Number"], r["Fund_ID"]),
                amount(&r["Balance"]),
            )
        })
        .collect();
    let theirs: BTreeMap<String, Decimal> = balances
        .into_iter()
        .filter(|(a, _)| a.starts_with("gl:"))
        .collect();
    assert_eq!(theirs, ours, "hledger's balances are the trial balance");
    let funds = app.get("/api/v1/funds", accountant).await.json();
    for f in funds["items"].as_array().unwrap() {
        let cash = theirs
            .get(&format!("gl:1000:fund{}", f["id"]))
            .copied()
            .unwrap_or_default();
        assert_eq!(
            cash,
            amount(f["cash"].as_str().unwrap()),
            "fund {}",
            f["name"]
        );
    }
}

#[tokio::test]
async fn hledger_agrees_with_the_trial_balance_and_the_fund_balances() {
    if !hledger_present() {
        return;
    }
    let Team {
        app, accountant, ..
    } = books().await;
    hledger_agrees(&app, &accountant).await;
}

/// `grant-tracker demo` through the service functions: every status occurs, loading twice
/// adds nothing, the books pass check-ledger, and hledger agrees on this realistic set.
#[tokio::test]
async fn the_demo_loads_once_obeys_every_rule_and_hledger_agrees() {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    let loaded = grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    assert_eq!((loaded.households, loaded.applications), (200, 302));
    assert!(!loaded.already);
    let again = grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    assert!(again.already);
    assert_eq!(app.count("SELECT count(*) FROM applications").await, 302);
    assert_eq!(
        app.count("SELECT count(DISTINCT status) FROM applications")
            .await,
        10,
        "every status occurs"
    );
    assert!(app.count("SELECT count(*) FROM disbursement_voids").await >= 1);
    assert!(
        app.count("SELECT count(*) FROM disbursements WHERE reissue_of IS NOT NULL")
            .await
            >= 1
    );
    assert!(
        app.count("SELECT count(DISTINCT site_id) FROM applications")
            .await
            == 3
    );
    assert!(
        app.count("SELECT count(*) FROM households WHERE name_ko IS NOT NULL")
            .await
            == 200
    );
    assert!(
        loaded.closed_months >= 1,
        "the demo's books have a closed month"
    );
    let last_month = grant_tracker::domain::period::Month::of(app.today()).previous();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM periods WHERE status = 'closed' AND period >= '{}'",
            last_month.first_day()
        ))
        .await,
        0,
        "last month waits for its close"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM bank_statement_lines WHERE disbursement_id IS NULL AND receipt_id IS NULL"
        )
        .await,
        1,
        "a reconciled statement with one line the books do not have"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM positive_pay_batches WHERE voids >= 1")
            .await,
        1,
        "a positive-pay file with a void"
    );
    let report = app.check_ledger().await;
    assert!(report.clean(), "{report}");
    if hledger_present() {
        let accountant = app.user(&["accountant"]).await;
        hledger_agrees(&app, &accountant).await;
    }
}

/// A download the client abandons ends the export's query: the task stops fetching and
/// drops its connection, instead of reading the rest of the books for nobody.
#[tokio::test]
async fn an_abandoned_download_ends_its_query() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    // One pooled connection: a download streams on a connection of its own (the pool's
    // size, DB_POOL_SIZE, counts on it), so requests go on while it runs.
    let app = TestApp::spawn_sized(1).await;
    let accountant = app.user(&["accountant"]).await;
    // 40,000 postings, booked straight into the journal by the owner.
    exec_owner(
        &app,
        &format!(
            "SET session_replication_role = replica;
             INSERT INTO journal_entries (entry_date, kind, memo, created_by)
             SELECT date '2026-01-01' + (g % 300), 'receipt', 'bulk ' || g, {} FROM generate_series(1, 20000) g;
             INSERT INTO postings (entry_id, line_no, account_code, fund_id, side, amount)
             SELECT e.id, l, CASE l WHEN 1 THEN '1000' ELSE '4000' END, 1,
                    CASE l WHEN 1 THEN 'debit' ELSE 'credit' END, 1.25
             FROM journal_entries e CROSS JOIN generate_series(1, 2) l;
             SET session_replication_role = origin;",
            accountant.id
        ),
    )
    .await
    .unwrap();
    let running = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                   AND query LIKE '%Journal_ID%' AND pid <> pg_backend_pid()";
    let request = axum::http::Request::builder()
        .uri("/api/v1/exports/general-ledger.csv")
        .header("authorization", format!("Bearer {}", accountant.token))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(first.starts_with(b"Journal_ID,"));
    assert_eq!(
        app.count(running).await,
        1,
        "the export holds its snapshot while the client reads"
    );
    let meanwhile = app.get("/api/v1/sites", &accountant).await;
    assert_eq!(
        meanwhile.status,
        StatusCode::OK,
        "a download takes no pooled connection: {}",
        meanwhile.text
    );
    drop(body);
    for _ in 0..50 {
        if app.count(running).await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the export's query outlived its client");
}

/// Each export of the fixed books of `books()` against its checked-in file under
/// `tests/golden/`. What depends on the day and the run is replaced first: the date rows
/// were recorded on (`<today>`), times of day (`<time>`), and each test user's email and name (by role).
/// After an intended change of an export, `UPDATE_GOLDEN=1 cargo test golden` rewrites them.
#[tokio::test]
async fn every_export_matches_its_golden_file() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = books().await;
    let mut people: Vec<(i64, String)> = Vec::new();
    let label = |u: &TestUser| {
        u.email
            .trim_start_matches("user")
            .trim_end_matches("@example.org")
            .parse::<i64>()
            .unwrap()
    };
    people.push((label(&cw), "caseworker".into()));
    people.push((label(&accountant), "accountant".into()));
    for (i, m) in board.iter().enumerate() {
        people.push((label(m), format!("board{}", i + 1)));
    }
    people.sort_by_key(|(n, _)| -n);
    // Business dates follow the service's clock, pinned by `books()`; the instants rows were
    // recorded at are PostgreSQL's `now()`. Their days, in the fund's zone and in UTC, are
    // read from the rows themselves (a run across midnight has two), never from a clock.
    let recorded_days: Vec<chrono::NaiveDate> = {
        let (client, connection) =
            tokio_postgres::connect(&app.database_url, tokio_postgres::NoTls)
                .await
                .unwrap();
        tokio::spawn(connection);
        client
            .query(
                "SELECT DISTINCT (at AT TIME ZONE zone)::date FROM audit_log,
                        unnest(ARRAY['America/Los_Angeles', 'UTC']) AS zone",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect()
    };
    let normalize = |text: &str| {
        let mut out = text.to_owned();
        for (n, role) in &people {
            out = out.replace(&format!("user{n}@example.org"), &format!("<{role}>"));
            out = out.replace(&format!("Test User {n}"), &format!("<{role}>"));
        }
        for day in &recorded_days {
            out = out.replace(&day.to_string(), "<today>");
            out = out.replace(&day.format("%m/%d/%Y").to_string(), "<today>");
            out = out.replace(&day.format("%d/%m/%Y").to_string(), "<today>");
        }
        let mut normal = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find("<today>T") {
            normal.push_str(&rest[..i + 8]);
            normal.push_str("<time>");
            rest = &rest[(i + 16).min(rest.len())..];
        }
        normal.push_str(rest);
        normal
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for kind in KINDS {
        let query = if kind == "trial-balance" {
            "as_of=2099-12-31"
        } else {
            "from=2026-01-01&to=2099-12-31&year=2026"
        };
        let bytes = download(
            &app,
            &accountant,
            &format!("/api/v1/exports/{kind}.csv?{query}"),
        )
        .await;
        let text = normalize(&String::from_utf8(bytes).unwrap());
        let file = dir.join(format!("{kind}.csv"));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &text).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&file).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run UPDATE_GOLDEN=1 cargo test golden",
                file.display()
            )
        });
        assert_eq!(
            text,
            golden,
            "{kind} differs from {}; if intended, UPDATE_GOLDEN=1 cargo test golden",
            file.display()
        );
    }
}

/// SPEC "The accountant's year", sites: every export about applications ends with a `Site`
/// column and keeps one office with `site=` (API, page and command line alike); fund
/// activity and the trial balance are the fund's own totals, the same with or without.
#[tokio::test]
async fn every_application_export_carries_its_site_and_filters_by_it() {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let accountant = app.user(&["accountant"]).await;
    for kind in KINDS {
        let all = download(&app, &accountant, &format!("/api/v1/exports/{kind}.csv")).await;
        let chicago = download(
            &app,
            &accountant,
            &format!("/api/v1/exports/{kind}.csv?site=chi"),
        )
        .await;
        if matches!(kind, "trial-balance" | "fund-activity") {
            assert_eq!(all, chicago, "{kind} covers every site");
            continue;
        }
        let all_rows = rows(&all);
        let chicago_rows = rows(&chicago);
        let site_of = |row: &BTreeMap<String, String>| {
            let column = if kind == "general-ledger-quickbooks" {
                "Location"
            } else {
                "Site"
            };
            row.get(column).cloned()
        };
        // Schedule I is the form's own columns, (a) to (f): one office's totals with `site`.
        if !matches!(kind, "general-ledger-xero" | "schedule-i-part-iii") {
            let header = String::from_utf8_lossy(&all)
                .lines()
                .next()
                .unwrap()
                .to_owned();
            assert!(
                header.ends_with(",Site")
                    || kind == "general-ledger-quickbooks"
                    || matches!(
                        kind,
                        "application-register" | "grant-file" | "disbursement-register"
                    ),
                "{kind}: {header}"
            );
            let sites: std::collections::BTreeSet<String> =
                all_rows.iter().filter_map(site_of).collect();
            assert!(
                sites.contains("LA") && sites.contains("CHI") && sites.contains("NYC"),
                "{kind}: {sites:?}"
            );
            assert!(
                chicago_rows
                    .iter()
                    .all(|r| site_of(r).as_deref() == Some("CHI")),
                "{kind}"
            );
            assert_eq!(
                chicago_rows.len(),
                all_rows
                    .iter()
                    .filter(|r| site_of(r).as_deref() == Some("CHI"))
                    .count(),
                "{kind}: the filter keeps every Chicago row"
            );
        }
        assert!(!chicago_rows.is_empty() && chicago != all, "{kind}");
        let cli = std::process::Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            .args(["export", kind, "--site", "CHI"])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        assert_eq!(
            cli.stdout, chicago,
            "{kind}: the command line gives the same bytes"
        );
    }
    // Whole entries only: the Chicago general ledger still balances, entry by entry.
    let gl = rows(
        &download(
            &app,
            &accountant,
            "/api/v1/exports/general-ledger.csv?site=CHI",
        )
        .await,
    );
    let mut by_entry: BTreeMap<String, rust_decimal::Decimal> = BTreeMap::new();
    for row in &gl {
        let amount = |k: &str| row[k].parse::<rust_decimal::Decimal>().unwrap_or_default();
        *by_entry.entry(row["Journal_ID"].clone()).or_default() +=
            amount("Amount_Debit") - amount("Amount_Credit");
    }
    assert!(by_entry.values().all(|d| d.is_zero()));
    for bad in ["site=XX", "site=L%20A", "site=%F0%9F%99%82"] {
        let r = app
            .get(
                &format!("/api/v1/exports/application-register.csv?{bad}"),
                &accountant,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("site"),
            "{}",
            r.text
        );
    }
    // The page offers the offices and downloads the same bytes.
    let b = app.browser(&accountant).await;
    let page = app.page("/exports", Some(&b.cookie)).await;
    assert!(
        page.text.contains("<option value=\"NYC\">"),
        "{}",
        page.text
    );
    let reply = app
        .page(
            "/exports/download?kind=board-minutes&from=&to=&as_of=&fund_id=&site=NYC",
            Some(&b.cookie),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.text.as_bytes(),
        download(
            &app,
            &accountant,
            "/api/v1/exports/board-minutes.csv?site=NYC"
        )
        .await
    );
}

/// SPEC "The accountant's year", tax year: Schedule I Part III's cash column is the year's
/// grant expense in the general ledger, its recipients are households; the grant file has a
/// row per grant decided or paid in the year and each download is logged as a read of every
/// household it names.
#[tokio::test]
async fn the_tax_year_exports_tie_to_the_books_and_the_grant_file_is_logged() {
    use rust_decimal::Decimal;
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let accountant = app.user(&["accountant"]).await;
    let year = chrono::Datelike::year(&app.today());
    let money = |s: &str| s.parse::<Decimal>().unwrap_or_default();
    for site in ["", "&site=NYC"] {
        let schedule = rows(
            &download(
                &app,
                &accountant,
                &format!("/api/v1/exports/schedule-i-part-iii.csv?year={year}{site}"),
            )
            .await,
        );
        assert!(!schedule.is_empty(), "{schedule:?}");
        assert_eq!(
            schedule[0]["(a) Type of grant or assistance"],
            "Immigration application fee assistance"
        );
        let cash: Decimal = schedule
            .iter()
            .map(|r| money(&r["(c) Amount of cash grant"]))
            .sum();
        let gl = rows(
            &download(
                &app,
                &accountant,
                &format!(
                    "/api/v1/exports/general-ledger.csv?from={year}-01-01&to={year}-12-31{site}"
                ),
            )
            .await,
        );
        let expense: Decimal = gl
            .iter()
            .filter(|r| r["GL_Account_Number"].starts_with('5'))
            .map(|r| money(&r["Amount_Debit"]) - money(&r["Amount_Credit"]))
            .sum();
        assert_eq!(
            cash, expense,
            "Schedule I ties to the grant expense of {year}{site}"
        );
        assert!(
            schedule
                .iter()
                .all(|r| r["(d) Amount of noncash assistance"] == "0.00")
        );

        let grants = rows(
            &download(
                &app,
                &accountant,
                &format!("/api/v1/exports/grant-file.csv?year={year}{site}"),
            )
            .await,
        );
        assert!(!grants.is_empty());
        let households: std::collections::BTreeSet<&str> =
            grants.iter().map(|r| r["Household_ID"].as_str()).collect();
        assert_eq!(
            app.count(&format!(
                "SELECT cardinality(entity_ids)::bigint FROM access_log
                 WHERE entity_type = 'household' AND user_id = {} ORDER BY id DESC LIMIT 1",
                accountant.id
            ))
            .await,
            households.len() as i64,
            "the download is logged as a read of every household it names"
        );
        for g in &grants {
            assert!(
                !g["Household_Name"].is_empty() && !g["Votes"].is_empty(),
                "{g:?}"
            );
            assert!(
                ["none", "board", "officer", "staff", "major_donor"]
                    .contains(&g["Insider_Relationship"].as_str()),
                "{g:?}"
            );
            assert!(g["Rule_Results"].contains("income_limit: "), "{g:?}");
            if !site.is_empty() {
                assert_eq!(g["Site"], "NYC");
            }
        }
        // Recipients are households: never more than the grants of that program.
        let fee_recipients: usize = schedule[0]["(b) Number of recipients"].parse().unwrap();
        assert!(
            fee_recipients
                <= grants
                    .iter()
                    .filter(|g| g["Program"] == "immigration_fee")
                    .count()
        );
    }
    let grants = rows(
        &download(
            &app,
            &accountant,
            "/api/v1/exports/grant-file.csv?year=2001",
        )
        .await,
    );
    assert!(grants.is_empty(), "nothing was granted in 2001");
    assert_eq!(
        app.get("/api/v1/exports/grant-file.csv?year=1999", &accountant)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
