//! SPEC "Working screens", the dashboard: `GET /api/v1/dashboard` and each role's home
//! page give the same numbers, and they agree with the application register, the ledger,
//! the review queue and the ready-to-pay list, over the demo data.

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::*;

fn money(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

fn queue<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == name)
        .unwrap_or_else(|| panic!("no {name} in {d}"))
}

#[tokio::test]
async fn the_dashboard_agrees_with_the_register_and_the_ledger() {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let everyone = app
        .user(&["caseworker", "board_member", "accountant", "admin"])
        .await;
    let reply = app.get("/api/v1/dashboard", &everyone).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let d = reply.json();

    // Applications by status and program: the register's counts.
    let register = app.count("SELECT count(*) FROM applications").await;
    let counted: i64 = d["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, register);
    for c in d["applications"].as_array().unwrap() {
        let listed = app
            .get(
                &format!(
                    "/api/v1/applications?status={}&program={}&limit=500",
                    c["status"].as_str().unwrap(),
                    c["program"].as_str().unwrap()
                ),
                &everyone,
            )
            .await
            .json();
        assert_eq!(
            listed["items"].as_array().unwrap().len() as i64,
            c["count"].as_i64().unwrap(),
            "{c}"
        );
    }

    // Twelve month ends; the last is today, and its cash and committed money are the
    // funds' balances now (GET /api/v1/funds, from the ledger).
    let months = d["funds"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let now = months.last().unwrap();
    assert_eq!(now["on"], app.today().to_string());
    let funds = app.get("/api/v1/funds", &everyone).await.json();
    let total = |field: &str| -> Decimal {
        funds["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| money(&f[field]))
            .sum()
    };
    assert_eq!(money(&now["cash"]), total("cash"));
    assert_eq!(money(&now["committed"]), total("committed"));
    assert_eq!(
        money(&now["available"]),
        money(&now["cash"]) - money(&now["committed"])
    );
    // Every earlier month end is walked back from the balances now: it must be what the
    // postings dated up to that day add up to.
    let mut owner = app.owner_conn().await;
    for month in months {
        #[derive(diesel::QueryableByName)]
        struct AtDay {
            #[diesel(sql_type = diesel::sql_types::Numeric)]
            cash: Decimal,
            #[diesel(sql_type = diesel::sql_types::Numeric)]
            committed: Decimal,
        }
        let on = month["on"].as_str().unwrap();
        let at: AtDay = {
            use diesel_async::RunQueryDsl;
            diesel::sql_query(format!(
                "SELECT COALESCE(SUM(CASE WHEN p.account_code = '1000' THEN \
                            CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END END), 0) AS cash, \
                        COALESCE(SUM(CASE WHEN p.account_code = '2100' THEN \
                            CASE p.side WHEN 'credit' THEN p.amount ELSE -p.amount END END), 0) AS committed \
                 FROM postings p JOIN journal_entries e ON e.id = p.entry_id WHERE e.entry_date <= '{on}'"
            ))
            .get_result(&mut owner)
            .await
            .unwrap()
        };
        assert_eq!(money(&month["cash"]), at.cash, "{month}");
        assert_eq!(money(&month["committed"]), at.committed, "{month}");
    }

    // Money granted in the twelve months: the grant expense accounts' postings in them.
    let first = format!("{}-01", months[0]["month"].as_str().unwrap());
    let expensed: Decimal = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Sum {
            #[diesel(sql_type = diesel::sql_types::Numeric)]
            total: Decimal,
        }
        diesel::sql_query(format!(
            "SELECT COALESCE(SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END), 0) AS total \
             FROM postings p JOIN journal_entries e ON e.id = p.entry_id \
             WHERE p.account_code IN ('5100', '5200') AND e.entry_date >= '{first}' AND e.entry_date <= '{}'",
            app.today()
        ))
        .get_result::<Sum>(&mut owner)
        .await
        .unwrap()
        .total
    };
    let granted: Decimal = d["granted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| money(&g["amount"]))
        .sum();
    assert_eq!(granted, expensed);
    assert!(granted > Decimal::ZERO, "the demo granted money this year");

    // The queues: the lists they link to.
    let ready = app
        .get("/api/v1/disbursements/ready", &everyone)
        .await
        .json();
    assert_eq!(
        queue(&d, "ready_to_pay")["count"].as_i64().unwrap(),
        ready["items"].as_array().unwrap().len() as i64
    );
    let review = app
        .get("/api/v1/review/queue?limit=500", &everyone)
        .await
        .json();
    assert_eq!(
        queue(&d, "waiting_for_votes")["count"].as_i64().unwrap(),
        review["items"].as_array().unwrap().len() as i64
    );
    assert!(
        queue(&d, "waiting_for_votes")["votes_needed"]
            .as_i64()
            .unwrap()
            >= 1
    );
    assert_eq!(
        queue(&d, "waiting_for_check")["count"].as_i64().unwrap(),
        app.count("SELECT count(*) FROM applications WHERE status = 'submitted'")
            .await
    );

    // A caseworker at a site sees that site's applications and only their own queues.
    place_at_site(&app, &everyone, "NYC").await;
    let cw = app.user(&["caseworker"]).await;
    place_at_site(&app, &cw, "NYC").await;
    let site = app.get("/api/v1/dashboard", &cw).await.json();
    assert_eq!(site["site"], "NYC");
    let at_nyc: i64 = site["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(
        at_nyc,
        app.count("SELECT count(*) FROM applications a JOIN sites s ON s.id = a.site_id WHERE s.code = 'NYC'").await
    );
    let names: Vec<&str> = site["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"ready_to_pay") && names.contains(&"my_drafts"),
        "{names:?}"
    );

    // The home page draws the same numbers: SVG bars, the table, in Korean too.
    let b = app.browser(&cw).await;
    let home = app.page("/", Some(&b.cookie)).await;
    assert!(home.text.contains("<svg class=\"bar\""));
    app.form(
        "/language",
        Some(&b.cookie),
        &format!("csrf_token={}&language=ko&next=%2F", b.csrf),
    )
    .await;
    let ko = app.page("/", Some(&b.cookie)).await;
    assert!(ko.text.contains("상태와 프로그램별 신청서") && ko.text.contains("숫자를 표로 보기"));
}

/// The counts by status, program and site come from tallies the applications' triggers
/// append (issue 17): they equal a count of the applications through creations,
/// transitions, racing folds and folds, and the service's role cannot write them.
#[tokio::test]
async fn the_status_counts_are_tallied_exactly_through_changes_and_folds() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let cw = std::sync::Arc::new(app.user(&["caseworker"]).await);
    let admin = app.user(&["admin"]).await;
    async fn agrees(app: &TestApp, admin: &TestUser, when: &str) {
        let d = app.get("/api/v1/dashboard", admin).await.json();
        let mut shown: Vec<(String, String, i64)> = d["applications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["status"].as_str().unwrap().to_owned(),
                    c["program"].as_str().unwrap().to_owned(),
                    c["count"].as_i64().unwrap(),
                )
            })
            .collect();
        shown.sort();
        let mut counted = Vec::new();
        for status in ["draft", "submitted", "withdrawn"] {
            for program in ["immigration_fee", "emergency"] {
                let n = app
                    .count(&format!(
                        "SELECT count(*) FROM applications WHERE status = '{status}' AND program = '{program}'"
                    ))
                    .await;
                if n > 0 {
                    counted.push((status.to_owned(), program.to_owned(), n));
                }
            }
        }
        counted.sort();
        assert_eq!(shown, counted, "{when}");
    }
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.draft_n400(&cw, hid).await);
    }
    let reply = app.post("/api/v1/applications", &cw, emergency(hid)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    agrees(&app, &admin, "after creations").await;
    let reply = app
        .post(
            &format!("/api/v1/applications/{}/submit", ids[0]),
            &cw,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = app
        .post(
            &format!("/api/v1/applications/{}/withdraw", ids[1]),
            &cw,
            serde_json::json!({"reason": "the family moved away"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    agrees(&app, &admin, "after a submission and a withdrawal").await;

    // Creations racing two folds: every count still lands exactly once.
    let mut racing = Vec::new();
    for i in 0..8 {
        let app = app.clone();
        let cw = cw.clone();
        racing.push(tokio::spawn(async move {
            if i % 4 == 0 {
                let mut conn = app.app_conn().await;
                grant_tracker::dashboard::fold_tallies(&mut conn, 0)
                    .await
                    .unwrap();
            } else {
                app.draft_n400(&cw, hid).await;
            }
        }));
    }
    for task in racing {
        task.await.unwrap();
    }
    agrees(&app, &admin, "after racing folds").await;
    let mut conn = app.app_conn().await;
    let folded = grant_tracker::dashboard::fold_tallies(&mut conn, 0)
        .await
        .unwrap();
    assert!(folded > 0);
    assert!(
        app.count("SELECT count(*) FROM application_tallies").await <= 6,
        "one row per key once folded"
    );
    agrees(&app, &admin, "after a fold").await;
    // Nobody writes a tally by hand: the service's role may only read them.
    use diesel_async::SimpleAsyncConnection;
    let refused = conn
        .batch_execute("INSERT INTO application_tallies VALUES (1, 'draft', 'emergency', 100)")
        .await;
    assert!(refused.is_err(), "the service's role wrote a tally");
}
