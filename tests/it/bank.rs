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

async fn make_batch(app: &TestApp, user: &TestUser, bank: &str) -> Reply {
    app.post(
        &format!("/api/v1/positive-pay/batches?bank={bank}"),
        user,
        json!({}),
    )
    .await
}

/// SPEC "The accountant's year", positive pay: a batch of every check issued or voided
/// since the last one, in the bank's layout, the same bytes every time; a voided check
/// already sent goes out again as a void; nothing new is a 409; racing requests never send a
/// check twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn positive_pay_sends_each_check_once_and_a_void_again() {
    let (t, checks) = books().await;
    let Team {
        app,
        accountant,
        cw,
        board,
    } = t;
    let (accountant, cw) = (&accountant, &cw);
    let app = Arc::new(app);
    let racers: Vec<_> = (0..3)
        .map(|_| {
            let app = app.clone();
            let token = accountant.token.clone();
            tokio::spawn(async move {
                let user = TestUser {
                    id: 0,
                    email: String::new(),
                    token,
                };
                make_batch(&app, &user, "pacific").await
            })
        })
        .collect();
    let mut made = Vec::new();
    for racer in racers {
        let r = racer.await.unwrap();
        match r.status {
            StatusCode::CREATED => made.push(r.json()),
            StatusCode::CONFLICT => assert_eq!(r.json()["error"]["code"], "conflict"),
            other => panic!("{other}: {}", r.text),
        }
    }
    assert_eq!(
        made.len(),
        1,
        "one batch of three checks, whoever asked first"
    );
    let batch = &made[0];
    assert_eq!(
        (batch["checks"].as_i64(), batch["voids"].as_i64()),
        (Some(3), Some(0))
    );
    assert_eq!(batch["total"], "950.00");
    let path = format!("/api/v1/positive-pay/batches/{}.csv", batch["id"]);
    let file = app.get(&path, accountant).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.text,
        "1003,250.00,08012026,Wilshire Apartments LLC,O,004417829301\r\n\
         1001,400.00,11102026,Wilshire Apartments LLC,O,004417829301\r\n\
         1002,300.00,11122026,Wilshire Apartments LLC,O,004417829301\r\n\
         TRAILER,3,950.00\r\n"
    );
    assert_eq!(
        app.get(&path, accountant).await.text,
        file.text,
        "the same bytes every time"
    );
    assert_eq!(
        make_batch(&app, accountant, "pacific").await.status,
        StatusCode::CONFLICT
    );

    // The stale August check is voided: it goes out again, as a void, once.
    let void = app
        .post(
            &format!("/api/v1/disbursements/{}/void", checks[2]["id"]),
            accountant,
            json!({"reason": "Stale check"}),
        )
        .await;
    assert_eq!(void.status, StatusCode::OK, "{}", void.text);
    // A check written and voided before any file goes out once, as a void.
    let fourth = approved_emergency(&app, cw, &board[0], "120.00").await;
    let written = pay_check(&app, accountant, fourth, "120.00", "1004", "2026-12-14").await;
    app.post(
        &format!("/api/v1/disbursements/{}/void", written["id"]),
        accountant,
        json!({"reason": "Misprinted"}),
    )
    .await;
    let voids = make_batch(&app, accountant, "koreatown").await;
    assert_eq!(voids.status, StatusCode::CREATED, "{}", voids.text);
    let voids = voids.json();
    assert_eq!(
        (
            voids["checks"].as_i64(),
            voids["voids"].as_i64(),
            voids["total"].as_str()
        ),
        (Some(0), Some(2), Some("0.00"))
    );
    let text = app
        .get(
            &format!("/api/v1/positive-pay/batches/{}.csv", voids["id"]),
            accountant,
        )
        .await
        .text;
    assert_eq!(
        text,
        "Account,Check Number,Amount,Issue Date,Payee,Action\r\n\
         7720031455,1003,250.00,20260801,Wilshire Apartments LLC,VOID\r\n\
         7720031455,1004,120.00,20261214,Wilshire Apartments LLC,VOID\r\n\
         TRAILER,2,0.00\r\n"
    );
    assert_eq!(
        make_batch(&app, accountant, "generic").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        make_batch(&app, cw, "generic").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/positive-pay/batches/99.csv", accountant)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("SELECT count(*) FROM positive_pay_items").await,
        5
    );

    // The page makes the file and says when there is nothing new.
    let b = app.browser(accountant).await;
    let page = app.page("/bank", Some(&b.cookie)).await;
    assert!(
        page.text
            .contains(&format!("href=\"/bank/positive-pay/{}.csv\"", batch["id"])),
        "{}",
        page.text
    );
    let again = app
        .form(
            "/bank/positive-pay",
            Some(&b.cookie),
            &format!("csrf_token={}&bank=pacific", b.csrf),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .text
            .contains("No check has been written or voided since the last positive-pay file.")
    );
    let download = app
        .page(
            &format!("/bank/positive-pay/{}.csv", batch["id"]),
            Some(&b.cookie),
        )
        .await;
    assert_eq!(download.text, file.text);
}

/// The banks' settings are an admin's to edit, as a form or over the API, each problem
/// named by its field; the next statement and positive-pay file follow them.
#[tokio::test]
async fn an_admin_edits_a_bank_s_templates_and_account_number() {
    let (t, _) = books().await;
    let Team {
        app, accountant, ..
    } = &t;
    let admin = app.user(&["admin"]).await;
    let b = app.browser(&admin).await;
    let page = app.page("/admin/banks/pacific", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let fields = form_fields(&page.text, "/admin/banks/pacific");
    let bad = with_fields(
        fields.clone(),
        &[
            ("account_number", "12-34"),
            ("statement.date_format", "%Q"),
            ("statement.money_out", "debit_column"),
            ("positive_pay.columns", "amount, amount, payee"),
            ("positive_pay.void_code", "O"),
        ],
        &[],
    );
    let r = app
        .form("/admin/banks/pacific", Some(&b.cookie), &bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for id in [
        "account-number-error",
        "statement-date-format-error",
        "statement-debit-column-error",
        "positive-pay-columns-error",
        "positive-pay-void-code-error",
    ] {
        assert!(r.text.contains(&format!("id=\"{id}\"")), "{id}: {}", r.text);
    }
    let typo = with_fields(
        fields.clone(),
        &[("positive_pay.columns", "account, cheque")],
        &[],
    );
    let r = app
        .form("/admin/banks/pacific", Some(&b.cookie), &typo)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("id=\"positive-pay-columns-error\""),
        "{}",
        r.text
    );
    let good = with_fields(
        fields,
        &[
            ("account_number", "5550001111"),
            (
                "positive_pay.columns",
                "check_number, amount, issue_date, action",
            ),
            ("positive_pay.date_format", "%Y-%m-%d"),
        ],
        &["positive_pay.trailer"],
    );
    let r = app
        .form("/admin/banks/pacific", Some(&b.cookie), &good)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let batch = make_batch(app, accountant, "pacific").await.json();
    let file = app
        .get(
            &format!("/api/v1/positive-pay/batches/{}.csv", batch["id"]),
            accountant,
        )
        .await
        .text;
    assert!(file.starts_with("1003,250.00,2026-08-01,O\r\n"), "{file}");
    assert!(!file.contains("TRAILER"));

    // Over the API: a new bank, its problems named by field.
    let r = app
        .post(
            "/api/v1/banks",
            &admin,
            json!({"name": "Bad Name", "display_name": "", "statement": {"date_column": 5}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields = r.json()["error"]["fields"].clone();
    assert!(
        fields["name"].is_string() && fields["display_name"].is_string(),
        "{fields}"
    );
    assert!(
        fields["statement.date_column"].is_string() && fields["positive_pay"].is_string(),
        "{fields}"
    );
    let generic = app.get("/api/v1/banks", accountant).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "generic")
        .cloned()
        .unwrap();
    let r = app
        .post(
            "/api/v1/banks",
            &admin,
            json!({"name": "hanmi-west", "display_name": "서부 한인은행", "account_number": "42",
                   "statement": generic["statement"], "positive_pay": generic["positive_pay"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(app.post("/api/v1/banks", &admin, json!({"name": "hanmi-west", "display_name": "x", "statement": generic["statement"], "positive_pay": generic["positive_pay"]})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(
            Method::PATCH,
            "/api/v1/banks/hanmi-west",
            Some(&admin.token),
            Some(json!({"account_number": "43"})),
        )
        .await;
    assert_eq!(r.json()["account_number"], "43", "{}", r.text);
    assert_eq!(
        app.post("/api/v1/banks", accountant, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
