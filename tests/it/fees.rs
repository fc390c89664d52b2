//! Fees as data (issue 16): schedule imports that only add rows, the H.R. 1 statutory
//! components of a fee line from intake to the exports, and the annual asylum fee queue.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::review::{checked, fund_general, team, vote};

const USCIS: &str = include_str!("../fees/uscis_fees.csv");
const HR1: &str = include_str!("../fees/hr1_fees.csv");
const BAD: &str = include_str!("../fees/bad_fees.csv");

async fn import(app: &TestApp, user: &TestUser, csv: &str) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/fees/import")
        .header(header::AUTHORIZATION, format!("Bearer {}", user.token))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv.to_owned()))
        .unwrap();
    app.send(request).await
}

async fn schedule_rows(app: &TestApp) -> i64 {
    app.count("SELECT (SELECT count(*) FROM uscis_fees) + (SELECT count(*) FROM statutory_fees)")
        .await
}

/// The price list item of a form, category and kind on a date.
async fn price(
    app: &TestApp,
    user: &TestUser,
    on: chrono::NaiveDate,
    form: &str,
    category: &str,
    renewal: bool,
) -> Value {
    let reply = app
        .get(&format!("/api/v1/fees?on={on}&form={form}"), user)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["category"] == category && i["renewal"] == renewal && i["filing"] == "paper")
        .unwrap_or_else(|| panic!("{form} {category} {renewal} on {on}: {}", reply.text))
        .clone()
}

#[tokio::test]
async fn a_schedule_file_adds_rows_and_never_changes_earlier_ones() {
    let app = TestApp::spawn().await;
    let admin = app.user(&["admin"]).await;
    let cw = app.user(&["caseworker"]).await;
    let before = schedule_rows(&app).await;
    // The reference files are already the schedule: nothing new, nothing changed.
    let reply = import(&app, &admin, USCIS).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json(), json!({"added": 0, "unchanged": 20}));
    let reply = import(&app, &admin, HR1).await;
    assert_eq!(reply.json(), json!({"added": 0, "unchanged": 10}));
    assert_eq!(schedule_rows(&app).await, before);

    // Next January's notice: computed from the clock, so the test holds on any day.
    let next = chrono::Datelike::year(&app.today()) + 1;
    let notice = format!(
        "form,category,component,name,fee,effective_from,waivable,reducible,recurring,notes,source\n\
         I-589,,annual,Annual asylum fee (H.R. 1),105.00,{next}-01-01,no,no,yearly while pending,\"Inflation adjustment\",https://example.org/notice\n\
         I-765,a4 a12 c8 c11 c19 c34,initial,EAD for asylum applicants / parolees / TPS: initial (H.R. 1),575.00,{next}-01-01,no,no,,,https://example.org/notice\n"
    );
    let reply = import(&app, &admin, &notice).await;
    assert_eq!(
        reply.json(),
        json!({"added": 2, "unchanged": 0}),
        "{}",
        reply.text
    );
    // The same file again changes nothing.
    assert_eq!(
        import(&app, &admin, &notice).await.json(),
        json!({"added": 0, "unchanged": 2})
    );
    let eve = chrono::NaiveDate::from_ymd_opt(next - 1, 12, 31).unwrap();
    let new_year = chrono::NaiveDate::from_ymd_opt(next, 1, 1).unwrap();
    assert_eq!(
        price(&app, &cw, new_year, "I-589", "", true).await["total"],
        "105.00"
    );
    assert_eq!(
        price(&app, &cw, new_year, "I-765", "c8", false).await["total"],
        "1095.00"
    );
    let before_notice = price(&app, &cw, eve, "I-765", "c8", false).await;
    assert_ne!(before_notice["total"], "1095.00");
    // Each item names its parts: the regular fee, and the statutory fee never waived.
    let parts = &before_notice["components"];
    assert_eq!(parts[0]["kind"], "regular");
    assert_eq!(parts[0]["statutory"], false);
    assert_eq!(parts[1]["kind"], "initial");
    assert_eq!(parts[1]["statutory"], true);
    assert_eq!(parts[1]["waivable"], false);

    // An earlier row is never changed: the same key with another fee is refused, by line.
    let changed = format!(
        "{}\n",
        HR1.lines()
            .take(2)
            .collect::<Vec<_>>()
            .join("\n")
            .replace(",100.00,2025-07-22", ",120.00,2025-07-22")
    );
    let reply = import(&app, &admin, &changed).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(
        reply.json()["error"]["fields"]["line 2, fee"].is_string(),
        "{}",
        reply.text
    );

    // The hand-made bad file: every bad row named by line and column, nothing written.
    let rows = schedule_rows(&app).await;
    let reply = import(&app, &admin, BAD).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    let fields = reply.json()["error"]["fields"].clone();
    for field in [
        "line 2, form",
        "line 3, effective_from",
        "line 4, fee",
        "line 6, fee",
    ] {
        assert!(fields[field].is_string(), "{field}: {fields}");
    }
    assert_eq!(fields.as_object().unwrap().len(), 4, "{fields}");
    assert!(
        fields["line 4, fee"].as_str().unwrap().contains("negative")
            || fields["line 4, fee"].as_str().unwrap().contains("-"),
        "{fields}"
    );
    assert_eq!(
        schedule_rows(&app).await,
        rows,
        "the good rows of a bad file are not written"
    );
    // Not CSV, or not an admin.
    assert_eq!(
        import(&app, &admin, "hello").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(import(&app, &cw, USCIS).await.status, StatusCode::FORBIDDEN);
    let bad_query = app.get("/api/v1/fees?on=2026-02-30", &cw).await;
    assert_eq!(
        bad_query.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_query.text
    );
    // One audit row for the import that added rows.
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'import' AND entity_type = 'fee_schedule'").await,
        1
    );

    // The command line reads a file the same way.
    let dir = std::env::temp_dir().join(format!("gt-fees-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (good, bad) = (dir.join("good.csv"), dir.join("bad.csv"));
    std::fs::write(
        &good,
        notice.replace(&format!("{next}-01-01"), &format!("{next}-07-01")),
    )
    .unwrap();
    std::fs::write(&bad, BAD).unwrap();
    let cli = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            .args(["fees", "import"])
            .arg(file)
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = cli(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 row(s) added"));
    let out = cli(&bad);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2, form"));

    // The admin page shows the schedule and takes the file.
    let browser = app.browser(&admin).await;
    let page = app.page("/admin/fees", Some(&browser.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("H.R. 1"), "{}", page.text);
}

/// A household at 90 % of the guideline (a fee waiver is likely for regular fees).
fn low_income() -> Value {
    let mut h = household_json();
    h["annual_income"] = json!("30000.00");
    h
}

#[tokio::test]
async fn a_c8_line_pays_the_regular_and_the_statutory_fee_from_intake_to_the_exports() {
    let team = team(4).await;
    let (app, cw) = (&team.app, &team.cw);
    let today = app.today();
    let expected = price(app, cw, today, "I-765", "c8", false).await;
    let total = expected["total"].as_str().unwrap().to_owned();
    let statutory = expected["components"][1]["fee"]
        .as_str()
        .unwrap()
        .to_owned();
    let hid = app
        .post("/api/v1/households", cw, low_income())
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let line =
        json!({"form": "I-765", "category": "c8", "filing": "paper", "beneficiary": "Kim Minjun"});
    // Less than the statutory fee, even with a reason: refused, named, nothing written.
    let mut short = line.clone();
    short["amount"] = json!("100.00");
    short["override_reason"] = json!("waiver expected");
    let reply = app
        .post("/api/v1/applications", cw, json!({"household_id": hid, "site": "LA", "program": "immigration_fee", "lines": [short]}))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(
        reply.json()["error"]["fields"]["lines[0].amount"]
            .as_str()
            .unwrap()
            .contains(&statutory)
    );
    assert_eq!(app.count("SELECT count(*) FROM applications").await, 0);

    let body =
        json!({"household_id": hid, "site": "LA", "program": "immigration_fee", "lines": [line]});
    let (id, result) = checked(
        app,
        cw,
        body,
        &["photo_id", "proof_of_income", "completed_form"],
    )
    .await;
    assert_eq!(result, "needs_review");
    let shown = app
        .get(&format!("/api/v1/applications/{id}"), cw)
        .await
        .json();
    assert_eq!(shown["requested_amount"], total.as_str());
    let parts = &shown["lines"][0]["components"];
    assert_eq!(parts.as_array().unwrap().len(), 2, "{shown}");
    assert_eq!(parts[1]["statutory"], true);
    assert_eq!(parts[1]["fee"], statutory.as_str());
    // The check's advice: a waiver for the regular fee only, and it says so in both languages.
    let check = app
        .post(
            &format!("/api/v1/applications/{id}/eligibility"),
            cw,
            json!({}),
        )
        .await
        .json();
    let waiver = check["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "fee_waiver")
        .unwrap()
        .clone();
    assert!(
        waiver["message_en"]
            .as_str()
            .unwrap()
            .contains("can never be waived"),
        "{waiver}"
    );
    assert!(
        waiver["message_ko"]
            .as_str()
            .unwrap()
            .contains("면제가 절대 안"),
        "{waiver}"
    );
    assert!(waiver["message_en"].as_str().unwrap().contains(&statutory));
    let schedule_rule = check["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "fee_schedule")
        .unwrap()
        .clone();
    assert_eq!(schedule_rule["outcome"], "pass", "{schedule_rule}");

    // Approved by three, paid in full: the books hold the total, the exports the parts.
    fund_general(app, &team.accountant, "5000.00").await;
    for member in &team.board[..3] {
        let r = vote(app, member, id, json!({"vote": "approve"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let pay = json!({"application_id": id, "amount": total, "payee": "U.S. Department of Homeland Security",
                     "method": "check", "reference": "7001", "paid_on": today.to_string()});
    let r = app
        .post("/api/v1/disbursements", &team.accountant, pay)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let parts_text = format!(
        "I-765 c8: regular {} + statutory initial {statutory}",
        expected["components"][0]["fee"].as_str().unwrap()
    );
    let register = app
        .get(
            &format!("/api/v1/exports/disbursement-register.csv?from={today}&to={today}"),
            &team.accountant,
        )
        .await;
    assert!(register.text.contains(&parts_text), "{}", register.text);
    let year = chrono::Datelike::year(&today);
    let grants = app
        .get(
            &format!("/api/v1/exports/grant-file.csv?year={year}"),
            &team.accountant,
        )
        .await;
    assert!(grants.text.contains(&parts_text), "{}", grants.text);
    assert!(team.app.check_ledger().await.clean());

    // The application page and the letter show each part.
    let browser = app.browser(cw).await;
    let page = app
        .page(&format!("/applications/{id}"), Some(&browser.cookie))
        .await;
    assert!(
        page.text.contains("H.R. 1 initial EAD fee"),
        "{}",
        page.text
    );
    let letter = app
        .page(
            &format!("/applications/{id}/letter?lang=ko"),
            Some(&browser.cookie),
        )
        .await;
    assert!(
        letter.text.contains("H.R. 1 첫 노동 허가 수수료"),
        "{}",
        letter.text
    );
    assert!(
        letter.text.contains("면제하거나 감액하지 않으므로"),
        "{}",
        letter.text
    );
}

/// The count of the dashboard's annual asylum fee queue, as `user` sees it.
async fn annual_fees_due(app: &TestApp, user: &TestUser) -> i64 {
    let dashboard = app.get("/api/v1/dashboard", user).await.json();
    dashboard["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == "annual_fees_due")
        .unwrap()["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_annual_asylum_fee_queue_lists_families_due_and_one_click_starts_the_application() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let today = app.today();
    // Filed eleven months ago: the first anniversary is about 30 days ahead.
    let filed = today - chrono::Duration::days(335);
    let due = grant_tracker::domain::fees::annual_due(filed, today);
    assert!(due > today && due <= today + chrono::Duration::days(60));
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let first = json!({"household_id": hid, "site": "LA", "program": "immigration_fee",
        "lines": [{"form": "I-589", "filing": "paper", "filed_on": filed.to_string(), "beneficiary": "Kim Minjun"}]});
    let reply = app.post("/api/v1/applications", &cw, first).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let line = &reply.json()["lines"][0];
    assert_eq!(line["filed_on"], filed.to_string());
    // A family filed three months ago is not due.
    let other = app.household(&cw).await["id"].as_i64().unwrap();
    let recent = json!({"household_id": other, "site": "LA", "program": "immigration_fee",
        "lines": [{"form": "I-589", "filing": "paper", "filed_on": (today - chrono::Duration::days(90)).to_string()}]});
    assert_eq!(
        app.post("/api/v1/applications", &cw, recent).await.status,
        StatusCode::CREATED
    );

    let queue = app.get("/api/v1/asylum-fees", &cw).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    let items = queue.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["household_id"], hid);
    assert_eq!(items[0]["due_on"], due.to_string());
    // The amount in force on the due date.
    let fee = price(&app, &cw, due, "I-589", "", true).await;
    assert_eq!(items[0]["amount"], fee["total"]);
    // The dashboard counts it; the page lists it with the one-click link.
    assert_eq!(annual_fees_due(&app, &cw).await, 1);
    // A caseworker at the family's site sees it; one at another site sees none of it.
    for (site, listed) in [("LA", 1), ("CHI", 0)] {
        let there = app.user(&["caseworker"]).await;
        place_at_site(&app, &there, site).await;
        let queue = app.get("/api/v1/asylum-fees", &there).await.json();
        assert_eq!(
            queue["items"].as_array().unwrap().len(),
            listed,
            "{site}: {queue}"
        );
        assert_eq!(
            annual_fees_due(&app, &there).await as usize,
            listed,
            "{site}"
        );
    }
    let browser = app.browser(&cw).await;
    let page = app.page("/asylum-fees", Some(&browser.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let link = items[0]["new_application"].as_str().unwrap().to_owned();
    assert!(
        page.text.contains(&link.replace('&', "&amp;")),
        "{}",
        page.text
    );
    let form = app.page(&link, Some(&browser.cookie)).await;
    assert_eq!(form.status, StatusCode::OK);
    let fields = form_fields(&form.text, "/applications");
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(value("lines[0].form"), "I-589");
    assert_eq!(value("lines[0].renewal"), "true");
    assert_eq!(value("lines[0].filed_on"), filed.to_string());
    // Submitting that form makes the application for the annual fee alone.
    let answers = [
        ("site", "LA"),
        ("insider_relationship", "none"),
        ("then", "draft"),
    ];
    let reply = app
        .form(
            "/applications",
            Some(&browser.cookie),
            &with_fields(fields, &answers, &[]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let annual: Value = app.count("SELECT max(id) FROM applications").await.into();
    let shown = app
        .get(&format!("/api/v1/applications/{annual}"), &cw)
        .await
        .json();
    assert_eq!(shown["lines"][0]["due_on"], due.to_string(), "{shown}");
    assert_eq!(shown["lines"][0]["components"].as_array().unwrap().len(), 1);
    assert_eq!(shown["requested_amount"], fee["total"]);
    // Covered: the queue is empty.
    let after = app.get("/api/v1/asylum-fees", &cw).await.json();
    assert_eq!(after["items"].as_array().unwrap().len(), 0, "{after}");
    // The annual fee needs the filing date.
    let bare = json!({"household_id": hid, "site": "LA", "program": "immigration_fee",
        "lines": [{"form": "I-589", "filing": "paper", "renewal": true}]});
    let reply = app.post("/api/v1/applications", &cw, bare).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["error"]["fields"]["lines[0].filed_on"].is_string());
}
