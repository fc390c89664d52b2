//! SPEC "The accountant's year", period close: months close in order once they have ended;
//! nothing can be dated in a closed month (API, forms and raw SQL alike); an admin reopens
//! with a reason; `check-ledger` invariant 7 sees an entry booked while its month was closed;
//! a close racing bookings never lets both win.

use std::sync::Arc;

use axum::http::StatusCode;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};

use crate::helpers::*;

/// The middle of December 2026 in Los Angeles: November has ended, December has not.
const MID_DECEMBER: &str = "2026-12-15T10:00:00-08:00";

fn receipt_on(date: &str) -> Value {
    json!({"amount": "100.00", "received_on": date, "source": "donation", "donor": "서울 장로교회"})
}

async fn receipt_reply(app: &TestApp, accountant: &TestUser, fund: i64, date: &str) -> Reply {
    app.post(
        &format!("/api/v1/funds/{fund}/receipts"),
        accountant,
        receipt_on(date),
    )
    .await
}

fn statuses(list: &Value) -> Vec<(String, String)> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["period"].as_str().unwrap().to_owned(),
                p["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn months_close_in_order_and_a_closed_month_takes_nothing() {
    let app = TestApp::spawn().await;
    app.set_clock(MID_DECEMBER);
    let accountant = app.user(&["accountant"]).await;
    let admin = app.user(&["admin"]).await;
    let fund = app
        .fund(&accountant, json!({"name": "Year-end appeal"}))
        .await;
    for date in ["2026-10-05", "2026-11-20"] {
        let r = receipt_reply(&app, &accountant, fund, date).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let list = app.get("/api/v1/periods", &accountant).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        statuses(&list.json()),
        [
            ("2026-12", "open"),
            ("2026-11", "open"),
            ("2026-10", "open")
        ]
        .map(|(p, s)| (p.to_owned(), s.to_owned()))
    );

    let close = |month: &'static str| {
        let (app, accountant) = (&app, &accountant);
        async move {
            app.post(
                &format!("/api/v1/periods/{month}/close"),
                accountant,
                json!({}),
            )
            .await
        }
    };
    let r = close("2026-12").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the month has not ended: {}",
        r.text
    );
    assert!(
        r.json()["error"]["fields"]["period"]
            .as_str()
            .unwrap()
            .contains("2026-12")
    );
    let r = close("2026-11").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        r.json()["error"]["fields"]["period"],
        "2026-10 is still open: months close in order, so close it first."
    );
    let r = close("2026-09").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before the books: {}",
        r.text
    );
    assert_eq!(
        app.post("/api/v1/periods/2026-13/close", &accountant, json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post("/api/v1/periods/2026-10/close", &admin, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = close("2026-10").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["status"], "closed");
    assert_eq!(r.json()["closed_by"], accountant.id);
    assert_eq!(close("2026-10").await.status, StatusCode::CONFLICT);

    // Nothing dated in October now: the API says which month, and writes nothing.
    let receipts = app.count("SELECT count(*) FROM receipts").await;
    let entries = app.count("SELECT count(*) FROM journal_entries").await;
    let r = receipt_reply(&app, &accountant, fund, "2026-10-15").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let error = &r.json()["error"];
    assert_eq!(error["code"], "period_closed");
    assert!(
        error["fields"]["received_on"]
            .as_str()
            .unwrap()
            .contains("2026-10"),
        "{error}"
    );
    // A month before the books began counts as closed too.
    let r = receipt_reply(&app, &accountant, fund, "2026-09-30").await;
    assert_eq!(r.json()["error"]["code"], "period_closed", "{}", r.text);
    // The form says it beside the date, in Korean too.
    let b = app.browser(&accountant).await;
    let form = format!(
        "csrf_token={}&amount=100.00&received_on=2026-10-15&source=donation&donor=x&idempotency_key=period-form-1",
        b.csrf
    );
    let page = app
        .form(&format!("/funds/{fund}/receipts"), Some(&b.cookie), &form)
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    assert!(
        page.text.contains("id=\"received-on-error\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("The books of 2026-10 are closed"));
    // And the database itself refuses, whoever writes.
    let mut raw = app.app_conn().await;
    let refused = raw
        .batch_execute(&format!(
            "INSERT INTO journal_entries (entry_date, kind, created_by) VALUES ('2026-10-31', 'receipt', {})",
            accountant.id
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("the books of 2026-10 are closed"),
        "{refused}"
    );
    let refused = raw
        .batch_execute("UPDATE periods SET status = 'open'")
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("permission denied"), "{refused}");
    assert_eq!(app.count("SELECT count(*) FROM receipts").await, receipts);
    assert_eq!(
        app.count("SELECT count(*) FROM journal_entries").await,
        entries
    );
    // A correction of a closed month is dated in the open one and names what it corrects.
    let october = app
        .count("SELECT id FROM receipts WHERE received_on = '2026-10-05'")
        .await;
    let reversed = app
        .post(
            &format!("/api/v1/receipts/{october}/reverse"),
            &accountant,
            json!({"reason": "booked to the wrong fund"}),
        )
        .await;
    assert_eq!(reversed.status, StatusCode::OK, "{}", reversed.text);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM journal_entries r JOIN journal_entries o ON o.id = r.reverses
             WHERE r.kind = 'reversal' AND r.entry_date = '{}' AND o.document_type = 'receipt'
               AND o.document_id = {october} AND o.entry_date = '2026-10-05'",
            app.today()
        ))
        .await,
        1,
        "the reversal is dated today and reverses the October entry"
    );

    // November closes after October; an admin reopens October with a reason.
    assert_eq!(close("2026-11").await.status, StatusCode::CREATED);
    let reopen = "/api/v1/periods/2026-10/reopen";
    assert_eq!(
        app.post(reopen, &accountant, json!({"reason": "x"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app.post(reopen, &admin, json!({"reason": "  "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["error"]["fields"]["reason"].is_string());
    let r = app
        .post(
            reopen,
            &admin,
            json!({"reason": "은행 수수료 누락 — a bank fee was missed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "open");
    assert_eq!(
        r.json()["reopen_reason"],
        "은행 수수료 누락 — a bank fee was missed"
    );
    assert_eq!(
        app.post(
            "/api/v1/periods/2026-12/reopen",
            &admin,
            json!({"reason": "x"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let r = receipt_reply(&app, &accountant, fund, "2026-10-31").await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "a reopened month takes entries: {}",
        r.text
    );
    // November is still closed; October closes again, in order.
    assert_eq!(
        receipt_reply(&app, &accountant, fund, "2026-11-02")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(close("2026-10").await.status, StatusCode::CREATED);
    assert_eq!(
        statuses(&app.get("/api/v1/periods", &admin).await.json()),
        [
            ("2026-12", "open"),
            ("2026-11", "closed"),
            ("2026-10", "closed")
        ]
        .map(|(p, s)| (p.to_owned(), s.to_owned()))
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE entity_type = 'period' AND action IN ('close', 'reopen')").await,
        4
    );
    let report = app.check_ledger().await;
    assert!(report.clean(), "{report}");
    assert!(report.invariants.iter().any(|i| i.number == 7 && i.holds()));

    // The page: the next month to close, the history, and the reopen form for an admin.
    let page = app.page("/periods", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("No month is waiting to be closed"),
        "{}",
        page.text
    );
    assert!(page.text.contains("reopened 2026-10"));
    let admin_b = app.browser(&admin).await;
    let page = app.page("/periods", Some(&admin_b.cookie)).await;
    assert!(page.text.contains("action=\"/periods/reopen\""));
    let r = app
        .form(
            "/periods/reopen",
            Some(&admin_b.cookie),
            &format!("csrf_token={}&period=2026-10&reason=", admin_b.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"reason-error\""), "{}", r.text);

    // Planted with the trigger off (a superuser's doing): invariant 7 finds it.
    exec_owner(
        &app,
        &format!(
            "ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_period_open;
             BEGIN;
             WITH e AS (INSERT INTO journal_entries (entry_date, kind, created_by)
                        VALUES ('2026-11-03', 'receipt', {id}) RETURNING id)
             INSERT INTO postings (entry_id, line_no, account_code, fund_id, side, amount)
             SELECT e.id, n, a, {fund}, s, 5.00 FROM e,
                    (VALUES (1, '1000', 'debit'), (2, '4000', 'credit')) AS l (n, a, s);
             COMMIT;
             ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_period_open;",
            id = accountant.id
        ),
    )
    .await
    .unwrap();
    let report = app.check_ledger().await;
    let seventh = report.invariants.iter().find(|i| i.number == 7).unwrap();
    assert_eq!(seventh.breaches.len(), 1, "{report}");
    assert!(
        seventh.breaches[0].contains("while 2026-11 was closed"),
        "{report}"
    );
}

#[tokio::test]
async fn the_closing_page_closes_the_next_month_and_says_why_not_in_korean() {
    let app = TestApp::spawn().await;
    app.set_clock(MID_DECEMBER);
    let accountant = app.user(&["accountant"]).await;
    let fund = app.fund(&accountant, json!({"name": "Fire relief"})).await;
    assert_eq!(
        receipt_reply(&app, &accountant, fund, "2026-11-02")
            .await
            .status,
        StatusCode::CREATED
    );
    let b = app.browser(&accountant).await;
    let page = app.page("/periods", Some(&b.cookie)).await;
    assert!(
        page.text.contains("action=\"/periods/2026-11/close\""),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("action=\"/periods/reopen\""),
        "only an admin reopens"
    );
    let closed = app
        .form(
            "/periods/2026-11/close",
            Some(&b.cookie),
            &format!("csrf_token={}", b.csrf),
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
    app.form(
        "/language",
        Some(&b.cookie),
        &format!("csrf_token={}&language=ko&next=%2F", b.csrf),
    )
    .await;
    let again = app
        .form(
            "/periods/2026-11/close",
            Some(&b.cookie),
            &format!("csrf_token={}", b.csrf),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text.contains("2026-11은(는) 이미 마감되었습니다."),
        "{}",
        again.text
    );
    let early = app
        .form(
            "/periods/2026-12/close",
            Some(&b.cookie),
            &format!("csrf_token={}", b.csrf),
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early.text.contains("아직 끝나지 않았습니다"),
        "{}",
        early.text
    );
}

/// Twenty receipts dated in November race a close of November: each is booked whole
/// (before the close took hold) or refused whole with `period_closed`; the books balance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_bookings_racing_a_close_are_all_or_nothing() {
    let app = TestApp::spawn_sized(24).await;
    app.set_clock(MID_DECEMBER);
    let accountant = app.user(&["accountant"]).await;
    let fund = app
        .fund(&accountant, json!({"name": "Racing November"}))
        .await;
    assert_eq!(
        receipt_reply(&app, &accountant, fund, "2026-11-01")
            .await
            .status,
        StatusCode::CREATED
    );
    let (app, accountant) = (Arc::new(app), Arc::new(accountant));
    let barrier = Arc::new(tokio::sync::Barrier::new(21));
    let mut racers = Vec::new();
    for i in 0..20 {
        let (app, accountant, barrier) = (app.clone(), accountant.clone(), barrier.clone());
        racers.push(tokio::spawn(async move {
            barrier.wait().await;
            // Spread over the close: some before it, some after.
            tokio::time::sleep(std::time::Duration::from_millis(5 * i)).await;
            let date = format!("2026-11-{:02}", i + 2);
            app.post_keyed(
                &format!("/api/v1/funds/{fund}/receipts"),
                &accountant,
                &format!("race-{i}"),
                receipt_on(&date),
            )
            .await
        }));
    }
    let closer = {
        let (app, accountant, barrier) = (app.clone(), accountant.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            app.post("/api/v1/periods/2026-11/close", &accountant, json!({}))
                .await
        })
    };
    let mut booked = 0;
    let mut refused = 0;
    for racer in racers {
        let reply = racer.await.unwrap();
        match reply.status {
            StatusCode::CREATED => booked += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(
                    reply.json()["error"]["code"],
                    "period_closed",
                    "{}",
                    reply.text
                );
                refused += 1;
            }
            other => panic!("{other}: {}", reply.text),
        }
    }
    let close = closer.await.unwrap();
    assert_eq!(close.status, StatusCode::CREATED, "{}", close.text);
    assert_eq!(booked + refused, 20);
    eprintln!("{booked} booked before the close, {refused} refused after it");
    assert_eq!(app.count("SELECT count(*) FROM receipts").await, 1 + booked);
    assert_eq!(
        app.count("SELECT count(*) FROM journal_entries").await,
        1 + booked
    );
    // Every entry of November was booked before the close took hold.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM journal_entries e, period_events c
             WHERE c.period = '2026-11-01' AND c.action = 'close' AND e.booked_at >= c.at"
        )
        .await,
        0
    );
    let fund_now = app
        .get(&format!("/api/v1/funds/{fund}"), &accountant)
        .await
        .json();
    assert_eq!(
        fund_now["cash"].as_str().unwrap(),
        format!("{}.00", 100 * (1 + booked)),
        "{fund_now}"
    );
    let report = app.check_ledger().await;
    assert!(report.clean(), "{report}");
}
