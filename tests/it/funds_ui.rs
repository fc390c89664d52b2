//! The accountant's fund pages over HTTP: open a fund, record receipts (a resent form
//! books once), see balances and the ledger, reverse a receipt, in both languages.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn encode(s: &str) -> String {
    serde_html_form::to_string([("v", s)]).unwrap()[2..].to_owned()
}

#[tokio::test]
async fn an_accountant_opens_a_fund_records_money_and_reads_its_ledger() {
    let app = TestApp::spawn().await;
    let accountant = app.user(&["accountant"]).await;
    let b = app.browser(&accountant).await;

    let funds = app.page("/funds", Some(&b.cookie)).await;
    assert_eq!(funds.status, StatusCode::OK);
    assert!(funds.text.contains("General fund") && funds.text.contains("Open a fund"));

    // Opening a fund: a problem comes back beside its field, the rest kept.
    let bad = app
        .form(
            "/funds",
            Some(&b.cookie),
            &format!(
                "csrf_token={}&name=&restricted_program=emergency&expires_on=2099-12-31",
                b.csrf
            ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("This is required.") && bad.text.contains("2099-12-31"));
    let name = "서울 재단 2026 — emergency";
    let opened = app
        .form(
            "/funds",
            Some(&b.cookie),
            &format!(
                "csrf_token={}&name={}&restricted_program=emergency&expires_on=2099-12-31&note=",
                b.csrf,
                encode(name)
            ),
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text);
    let fund_path = opened.location();
    let fund_id: i64 = fund_path.trim_start_matches("/funds/").parse().unwrap();

    let page = app.page(&fund_path, Some(&b.cookie)).await;
    assert!(page.text.contains(name) && page.text.contains("Only for Emergency grant"));
    assert!(page.text.contains("Record money in") && page.text.contains("No entries yet."));
    let key = page
        .text
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // A receipt with a problem: 422, Korean-free English message beside the amount.
    let receipt = |amount: &str, key: &str| {
        format!(
            "csrf_token={}&idempotency_key={key}&amount={}&received_on=2026-03-02&source=grant&donor={}&memo=",
            b.csrf,
            encode(amount),
            encode("서울 장학재단")
        )
    };
    let refused = app
        .form(
            &format!("{fund_path}/receipts"),
            Some(&b.cookie),
            &receipt("12.345", &key),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("Use at most two decimal places"));

    // The same form sent twice (a double click) books once.
    for _ in 0..2 {
        let recorded = app
            .form(
                &format!("{fund_path}/receipts"),
                Some(&b.cookie),
                &receipt("$1,500.00", &key),
            )
            .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
        let confirmed = app.page(&recorded.location(), Some(&b.cookie)).await;
        assert!(
            confirmed
                .text
                .contains("recorded: $1,500.00 from 서울 장학재단"),
            "{}",
            confirmed.text
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM receipts").await, 1);
    let fund = app
        .get(&format!("/api/v1/funds/{fund_id}"), &accountant)
        .await
        .json();
    assert_eq!(fund["cash"], "1500.00");
    assert_eq!(fund["available"], "1500.00");

    // The ledger shows the entry, its postings and the balance after it.
    let page = app.page(&fund_path, Some(&b.cookie)).await;
    assert!(page.text.contains("4100 Foundation and government grants"));
    assert!(page.text.contains("$1,500.00"));
    assert!(page.text.contains("Reverse this receipt"));

    // Reversal: a reason is required; then the entry is marked reversed and balances drop.
    let receipt_id = app.count("SELECT max(id) FROM receipts").await;
    let reverse_key = auth_key();
    let no_reason = app
        .form(
            &format!("/receipts/{receipt_id}/reverse"),
            Some(&b.cookie),
            &format!(
                "csrf_token={}&idempotency_key={reverse_key}&reason=",
                b.csrf
            ),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reversed = app
        .form(
            &format!("/receipts/{receipt_id}/reverse"),
            Some(&b.cookie),
            &format!(
                "csrf_token={}&idempotency_key={reverse_key}&reason={}",
                b.csrf,
                encode("입력 실수")
            ),
        )
        .await;
    assert_eq!(reversed.status, StatusCode::SEE_OTHER, "{}", reversed.text);
    let page = app.page(&fund_path, Some(&b.cookie)).await;
    assert!(page.text.contains("reversed by #"));
    let fund = app
        .get(&format!("/api/v1/funds/{fund_id}"), &accountant)
        .await
        .json();
    assert_eq!(fund["cash"], "0.00");

    // In Korean.
    app.form(
        "/language",
        Some(&b.cookie),
        &format!("csrf_token={}&language=ko&next=%2Ffunds", b.csrf),
    )
    .await;
    let ko = app.page(&fund_path, Some(&b.cookie)).await;
    assert!(
        ko.text.contains("장부")
            && ko.text.contains("재단 및 정부 보조금 수입")
            && ko.text.contains("차변")
    );
    let home = app.page("/", Some(&b.cookie)).await;
    assert!(home.text.contains("일반 기금") || home.text.contains("General fund"));
    assert!(app.check_ledger().await.clean());
}

fn auth_key() -> String {
    format!("reverse-{}", std::process::id())
}

#[tokio::test]
async fn fund_pages_follow_the_roles() {
    let app = TestApp::spawn().await;
    let accountant = app.user(&["accountant"]).await;
    let fund = app.fund(&accountant, json!({"name": "Visible"})).await;
    app.receipt(&accountant, fund, "10.00").await;

    // A caseworker has no funds page and cannot post a receipt form.
    let cw = app.user(&["caseworker"]).await;
    let b = app.browser(&cw).await;
    let home = app.page("/", Some(&b.cookie)).await;
    assert!(!home.text.contains("href=\"/funds\""));
    let form = app
        .form(
            &format!("/funds/{fund}/receipts"),
            Some(&b.cookie),
            &format!(
                "csrf_token={}&amount=5&received_on=2026-01-01&source=donation&donor=x",
                b.csrf
            ),
        )
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    // A board member sees balances but not the ledger's entries nor the receipt form.
    let board = app.user(&["board_member"]).await;
    let b = app.browser(&board).await;
    let page = app.page(&format!("/funds/{fund}"), Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("$10.00"));
    assert!(!page.text.contains("Record money in") && !page.text.contains("한인 교회"));
    // An admin reads the books but records no money.
    let admin = app.user(&["admin"]).await;
    let b = app.browser(&admin).await;
    let page = app.page(&format!("/funds/{fund}"), Some(&b.cookie)).await;
    assert!(page.text.contains("한인 교회") && !page.text.contains("Record money in"));
    assert_eq!(
        app.get("/api/v1/ledger/entries", &cw).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/ledger/check", &admin).await.json()["invariants"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}
