//! SPEC "The accountant's year", bank reconciliation: a bank's own CSV, read by its
//! template (one signed amount column, or withdrawals and deposits), matched against the
//! books: checks by number and amount (cleared with the line's date), deposits with
//! receipts of the same amount within three days; nothing matched twice, even when the same
//! statement comes again or two uploads race; stale checks listed for void and reissue.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::review::{Team, approved_emergency, fund_general, team};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/bank")
            .join(name),
    )
    .unwrap()
}

async fn upload(app: &TestApp, user: &TestUser, bank: &str, bytes: Vec<u8>) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/bank-statements?bank={bank}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", user.token))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(bytes))
        .unwrap();
    app.send(request).await
}

async fn pay_check(
    app: &TestApp,
    accountant: &TestUser,
    id: i64,
    amount: &str,
    number: &str,
    on: &str,
) -> Value {
    let r = app
        .post(
            "/api/v1/disbursements",
            accountant,
            json!({"application_id": id, "amount": amount, "payee": "Wilshire Apartments LLC",
                   "method": "check", "reference": number, "paid_on": on}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

/// Three checks (1003 issued in August, 1001 and 1002 in November) and two receipts in
/// November; the clock ends in mid-December.
async fn books() -> (Team, Vec<Value>) {
    let t = team(8).await;
    let Team {
        app,
        cw,
        board,
        accountant,
    } = &t;
    app.set_clock("2026-08-01T10:00:00-07:00");
    fund_general(app, accountant, "5000.00").await;
    let apps = [
        approved_emergency(app, cw, &board[0], "400.00").await,
        approved_emergency(app, cw, &board[1], "300.00").await,
        approved_emergency(app, cw, &board[2], "250.00").await,
    ];
    let stale = pay_check(app, accountant, apps[2], "250.00", "1003", "2026-08-01").await;
    app.set_clock("2026-11-19T10:00:00-08:00");
    let first = pay_check(app, accountant, apps[0], "400.00", "1001", "2026-11-10").await;
    let second = pay_check(app, accountant, apps[1], "300.00", "1002", "2026-11-12").await;
    for (amount, on) in [("250.00", "2026-11-18"), ("1000.00", "2026-11-19")] {
        let r = app
            .post(
                "/api/v1/funds/1/receipts",
                accountant,
                json!({"amount": amount, "received_on": on, "source": "donation", "donor": "한인 교회"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    app.set_clock("2026-12-15T10:00:00-08:00");
    (t, vec![first, second, stale])
}

#[tokio::test]
async fn statements_match_checks_and_deposits_once_and_list_what_is_left() {
    let (t, checks) = books().await;
    let Team {
        app,
        accountant,
        cw,
        ..
    } = &t;
    let r = upload(app, accountant, "pacific", sample("pacific-2026-11.csv")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let summary = r.json();
    assert_eq!(
        (
            summary["lines"].as_i64(),
            summary["matched"].as_i64(),
            summary["unmatched"].as_i64()
        ),
        (Some(4), Some(3), Some(1))
    );
    let first = app
        .get(
            &format!("/api/v1/disbursements/{}", checks[0]["id"]),
            accountant,
        )
        .await
        .json();
    assert_eq!(first["state"], "cleared");
    assert_eq!(
        first["cleared_on"], "2026-11-14",
        "cleared with the statement line's date"
    );

    // The same statement again matches nothing: nothing is cleared or confirmed twice.
    let clearings = app
        .count("SELECT count(*) FROM disbursement_clearings")
        .await;
    let again = upload(app, accountant, "pacific", sample("pacific-2026-11.csv"))
        .await
        .json();
    assert_eq!(
        (again["matched"].as_i64(), again["unmatched"].as_i64()),
        (Some(0), Some(4))
    );
    assert_eq!(
        app.count("SELECT count(*) FROM disbursement_clearings")
            .await,
        clearings
    );

    // The other template: withdrawals and deposits apart, two-digit years.
    let other = upload(
        app,
        accountant,
        "koreatown",
        sample("koreatown-2026-11.csv"),
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let other = other.json();
    assert_eq!(
        (other["matched"].as_i64(), other["unmatched"].as_i64()),
        (Some(1), Some(1))
    );
    let shown = app
        .get(
            &format!("/api/v1/bank-statements/{}", other["id"]),
            accountant,
        )
        .await
        .json();
    let lines = shown["lines"].as_array().unwrap();
    assert_eq!(lines[0]["matched"], "receipt");
    assert_eq!(lines[0]["amount"], "1000.00");
    assert_eq!(lines[1]["matched"], "unmatched");
    assert_eq!(lines[1]["amount"], "-75.00");
    let books_side: Vec<&str> = shown["unmatched_on_books"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        books_side,
        [checks[2]["number"].as_str().unwrap()],
        "the August check is still out"
    );

    // Stale checks: issued, not cleared, 90 days or more.
    let stale = app
        .get(
            "/api/v1/disbursements?state=outstanding&older_than_days=90",
            accountant,
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK, "{}", stale.text);
    let stale: Vec<Value> = stale.json()["items"].as_array().unwrap().clone();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["reference"], "1003");
    assert_eq!(
        app.get(
            "/api/v1/disbursements?state=outstanding&older_than_days=-1",
            accountant
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/bank-statements", cw).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(
            app,
            cw,
            "generic",
            b"date,amount,check_number,description\n".to_vec()
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let report = app.check_ledger().await;
    assert!(report.clean(), "{report}");
}

#[tokio::test]
async fn a_statement_that_cannot_be_read_is_refused_whole_by_line_and_column() {
    let (t, _) = books().await;
    let Team {
        app, accountant, ..
    } = &t;
    let statements = app.count("SELECT count(*) FROM bank_statements").await;
    // The wrong bank: its columns are not there.
    let r = upload(app, accountant, "pacific", sample("koreatown-2026-11.csv")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["error"]["fields"]["statement"]
            .as_str()
            .unwrap()
            .contains("no column “Amount”"),
        "{}",
        r.text
    );
    // A bad cell among good ones: nothing of the file is kept, not even the good lines.
    let bad = "date,amount,check_number,description\n2026-11-14,-400.00,1001,CHECK\n2026-11-15,12.345,,three decimals\n2026-13-01,5.00,,no such month\n";
    let r = upload(app, accountant, "generic", bad.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields = r.json()["error"]["fields"].clone();
    assert!(
        fields["line 3, amount"].is_string() && fields["line 4, date"].is_string(),
        "{fields}"
    );
    let future = "date,amount,check_number,description\n2027-01-05,5.00,,later\n";
    assert_eq!(
        upload(app, accountant, "generic", future.as_bytes().to_vec())
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        upload(app, accountant, "nosuchbank", bad.as_bytes().to_vec())
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        upload(app, accountant, "generic", vec![0xff, 0xfe, 0x00])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.count("SELECT count(*) FROM bank_statements").await,
        statements
    );
    assert_eq!(
        app.count("SELECT count(*) FROM disbursement_clearings")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_statement_uploaded_twice_at_once_matches_each_check_once() {
    let (t, _) = books().await;
    let app = Arc::new(t.app);
    let accountant = Arc::new(t.accountant);
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let (app, accountant) = (app.clone(), accountant.clone());
            tokio::spawn(async move {
                upload(&app, &accountant, "pacific", sample("pacific-2026-11.csv")).await
            })
        })
        .collect();
    let mut matched = 0;
    for racer in racers {
        let r = racer.await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        matched += r.json()["matched"].as_i64().unwrap();
    }
    assert_eq!(matched, 3);
    assert_eq!(
        app.count("SELECT count(*) FROM disbursement_clearings")
            .await,
        2
    );
}

#[tokio::test]
async fn the_bank_page_uploads_a_file_and_offers_void_and_reissue_for_stale_checks() {
    let (t, checks) = books().await;
    let Team {
        app, accountant, ..
    } = &t;
    let b = app.browser(accountant).await;
    let page = app.page("/bank", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("enctype=\"multipart/form-data\""));
    assert!(
        page.text.contains(&format!(
            "action=\"/disbursements/{}/void\"",
            checks[2]["id"]
        )),
        "the stale check can be voided"
    );
    assert!(page.text.contains("Void and reissue"));
    let boundary = "gt-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in [("csrf_token", b.csrf.as_str()), ("bank", "pacific")] {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"statement\"; filename=\"stmt.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
    body.extend(sample("pacific-2026-11.csv"));
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let send = |body: Vec<u8>| {
        Request::builder()
            .method(Method::POST)
            .uri("/bank/statements")
            .header(header::COOKIE, &b.cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let forged = String::from_utf8_lossy(&body).replace(&b.csrf, "forged");
    assert_eq!(
        app.send(send(forged.into_bytes())).await.status,
        StatusCode::FORBIDDEN,
        "the token is checked in a file upload too"
    );
    let r = app.send(send(body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let statement = app.page(&r.location(), Some(&b.cookie)).await;
    assert!(
        statement.text.contains("Check cleared") && statement.text.contains("Not matched"),
        "{}",
        statement.text
    );
    assert!(statement.text.contains("MONTHLY SERVICE FEE"));
}
