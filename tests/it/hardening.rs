//! Issue 12: what an auditor of a system holding immigrant families' data probed, each
//! request as it was seen, now answered safely.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::review::{Team, eligible_emergency, fund_general, team, vote};

async fn token_request(app: &TestApp, email: &str, password: &str, client: Option<&str>) -> Reply {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": email, "password": password}).to_string(),
        ))
        .unwrap();
    if let Some(ip) = client {
        // The address the server would see on the connection; no traffic goes there.
        let peer: SocketAddr = format!("{ip}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    app.send(request).await
}

/// Point 3: a caseworker who is also on the board changes the income of a household that
/// someone else entered, then tries to declare and vote on its application.
#[tokio::test]
async fn whoever_changed_the_household_cannot_vote_on_its_applications() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "2000.00").await;
    let both = app.user(&["caseworker", "board_member"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let id = eligible_emergency(&app, &cw, hid, "400.00").await;
    let patched = app
        .api(
            Method::PATCH,
            &format!("/api/v1/households/{hid}"),
            Some(&both.token),
            Some(json!({"annual_income": "12000.00"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);

    let declared = app
        .post(
            &format!("/api/v1/applications/{id}/declaration"),
            &both,
            json!({"conflict": false}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::FORBIDDEN, "{}", declared.text);
    let voted = vote(&app, &both, id, json!({"vote": "approve"})).await;
    assert_eq!(voted.status, StatusCode::FORBIDDEN, "{}", voted.text);
    let error = &voted.json()["error"];
    assert_eq!(error["code"], "separation_of_duties");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("changed this family's record"),
        "{error}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM votes WHERE application_id = {id}"
        ))
        .await,
        0
    );
    // The database says the same to SQL that skips the service.
    let raw = diesel_async::SimpleAsyncConnection::batch_execute(
        &mut *app.app_conn().await,
        &format!(
            "INSERT INTO votes (application_id, voter_id, vote, amount) VALUES ({id}, {}, 'approve', 400)",
            both.id
        ),
    )
    .await
    .unwrap_err();
    assert!(raw.to_string().contains("cannot vote"), "{raw}");

    // In Korean on the page, for a member who reads Korean.
    app.api(
        Method::PATCH,
        "/api/v1/me",
        Some(&both.token),
        Some(json!({"language": "ko"})),
    )
    .await;
    let browser = app.browser(&both).await;
    let page = app
        .page(&format!("/applications/{id}"), Some(&browser.cookie))
        .await;
    assert!(page.text.contains("이 가정의 기록"), "{}", page.text);

    // A member who never touched the family decides it.
    let decided = vote(&app, &board[0], id, json!({"vote": "approve"})).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text);

    // Creating the family's record bars as much as changing it.
    let created = app.household(&both).await["id"].as_i64().unwrap();
    let theirs = eligible_emergency(&app, &cw, created, "300.00").await;
    let barred = vote(&app, &both, theirs, json!({"vote": "approve"})).await;
    assert_eq!(barred.status, StatusCode::FORBIDDEN, "{}", barred.text);
    assert_eq!(barred.json()["error"]["code"], "separation_of_duties");
}

/// Point 4: `next` after sign-in or a language switch is only ever a path on this site,
/// and never a 500.
#[tokio::test]
async fn next_is_only_ever_a_path_on_this_site() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let page = app.page("/login?next=/%09/evil.example", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains(r#"name="next" value="/""#),
        "{}",
        page.text
    );
    for next in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/%0D%0ASet-Cookie:%20x=1",
        "/%7F",
    ] {
        let signed_in = app
            .form(
                "/login",
                None,
                &format!("email={}&password={PASSWORD}&next={next}", cw.email),
            )
            .await;
        assert_eq!(
            signed_in.status,
            StatusCode::SEE_OTHER,
            "{next}: {}",
            signed_in.text
        );
        assert_eq!(signed_in.location(), "/", "{next}");
        let switched = app
            .form("/language", None, &format!("language=ko&next={next}"))
            .await;
        assert_eq!(
            switched.status,
            StatusCode::SEE_OTHER,
            "{next}: {}",
            switched.text
        );
        assert_eq!(switched.location(), "/", "{next}");
    }
    // A NUL anywhere in a form is a malformed request (PostgreSQL cannot hold it): 400.
    let nul = app
        .form(
            "/login",
            None,
            &format!("email={}&password={PASSWORD}&next=/%00", cw.email),
        )
        .await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    assert!(nul.text.contains("next contains a NUL character"));
    let kept = app
        .form("/language", None, "language=ko&next=/households%3Fq%3Dkim")
        .await;
    assert_eq!(kept.location(), "/households?q=kim");
}

/// Point 5: five failures for one email in 15 minutes, or thirty from one address, and
/// sign-in is refused with 429 and `Retry-After`, even with the right password, in the
/// API and on the sign-in page; failures are audited without what was typed.
#[tokio::test]
async fn sign_in_is_throttled_per_email_and_per_address() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    for _ in 0..5 {
        let wrong = token_request(&app, &cw.email, "wrong-password", None).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let refused = token_request(&app, &cw.email, PASSWORD, None).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    assert_eq!(refused.json()["error"]["code"], "too_many_attempts");
    let retry: u64 = refused.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // The same email in other case and spacing is the same email.
    let shouted = token_request(
        &app,
        &format!(" {} ", cw.email.to_uppercase()),
        PASSWORD,
        None,
    )
    .await;
    assert_eq!(shouted.status, StatusCode::TOO_MANY_REQUESTS);
    // The sign-in page says so in the reader's language.
    let page = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, "gt_lang=ko")
                .body(Body::from(format!(
                    "email={}&password={PASSWORD}",
                    cw.email
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers.contains_key(header::RETRY_AFTER));
    assert!(
        page.text.contains("로그인 실패가 너무 많습니다"),
        "{}",
        page.text
    );
    assert!(!page.headers.contains_key(header::SET_COOKIE));
    // Refusals are not failures: only the five were counted and audited.
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed'")
            .await,
        5
    );
    // When the window has passed, the right password works again.
    app.state
        .clock
        .set(app.state.clock.now() + chrono::Duration::minutes(16));
    let again = token_request(&app, &cw.email, PASSWORD, None).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);

    // A password typed into the email box is not kept; a known user's email is.
    let typed = token_request(&app, "correct-horse-typed-in-the-wrong-box", "x", None).await;
    assert_eq!(typed.status, StatusCode::UNAUTHORIZED);
    let audit = app
        .get(
            "/api/v1/audit?entity_type=user",
            &app.user(&["admin"]).await,
        )
        .await
        .text;
    assert!(!audit.contains("correct-horse-typed"), "{audit}");
    assert!(audit.contains(&cw.email));
    assert_eq!(
        app.count("SELECT count(*) FROM sign_in_failures WHERE encode(email_index, 'escape') LIKE '%correct-horse%'")
            .await,
        0
    );

    // Thirty failures from one address, each for another email: that address is refused,
    // even for a right pair; another address is not.
    let client = Some("203.0.113.7");
    for i in 0..30 {
        let r = token_request(&app, &format!("guess{i}@example.org"), "x", client).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let other = app.user(&["accountant"]).await;
    let blocked = token_request(&app, &other.email, PASSWORD, client).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers.contains_key(header::RETRY_AFTER));
    let elsewhere = token_request(&app, &other.email, PASSWORD, Some("203.0.113.8")).await;
    assert_eq!(elsewhere.status, StatusCode::CREATED);
}

/// Racing guesses for one email cannot slip under the limit.
#[tokio::test]
async fn racing_wrong_passwords_count_five_failures_at_most() {
    let app = std::sync::Arc::new(TestApp::spawn_sized(8).await);
    let cw = app.user(&["caseworker"]).await;
    let mut racers = Vec::new();
    for _ in 0..16 {
        let (app, email) = (app.clone(), cw.email.clone());
        racers.push(tokio::spawn(async move {
            token_request(&app, &email, "wrong-password", None)
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for r in racers {
        statuses.push(r.await.unwrap());
    }
    let failed = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((failed, refused), (5, 11), "{statuses:?}");
}

/// Point 6: unsafe requests from another site's page are refused, the sign-in form
/// included; the same site's and programs' requests pass.
#[tokio::test]
async fn unsafe_requests_from_another_origin_are_refused() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let login = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::HOST, "grants.example.org")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            builder = builder.header(header::ORIGIN, o);
        }
        if let Some(s) = fetch_site {
            builder = builder.header("sec-fetch-site", s);
        }
        builder
            .body(Body::from(format!(
                "email={}&password={PASSWORD}",
                cw.email
            )))
            .unwrap()
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (Some("https://grants.example.org.evil.example"), None),
        (None, Some("cross-site")),
    ] {
        let refused = app.send(login(origin, site)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(!refused.headers.contains_key(header::SET_COOKIE));
    }
    for (origin, site) in [
        (Some("https://grants.example.org"), Some("same-origin")),
        (None, None),
    ] {
        let ok = app.send(login(origin, site)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{origin:?} {site:?}");
    }
    let api = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/households")
                .header(header::HOST, "grants.example.org")
                .header(header::ORIGIN, "https://evil.example")
                .header(header::AUTHORIZATION, format!("Bearer {}", cw.token))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(household_json().to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(api.json()["error"]["code"], "forbidden");
    assert_eq!(app.count("SELECT count(*) FROM households").await, 0);
    let _: Value = app.household(&cw).await;
}

/// Access rows of lists: `(entity_type, ids, channel)`, oldest first.
async fn list_reads(app: &TestApp) -> Vec<(String, Vec<i64>, String)> {
    let mut conn = app.owner_conn().await;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        entity_type: String,
        #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Int8>)]
        entity_ids: Vec<i64>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        channel: String,
    }
    let rows: Vec<Row> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT entity_type, entity_ids, channel FROM access_log WHERE entity_ids IS NOT NULL ORDER BY id",
        ),
        &mut conn,
    )
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| (r.entity_type, r.entity_ids, r.channel))
        .collect()
}

/// Point 7: every list or search response that shows family names is one access row
/// naming the ids it showed.
#[tokio::test]
async fn lists_and_searches_that_show_families_are_logged() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let mut households = Vec::new();
    for _ in 0..3 {
        households.push(app.household(&cw).await["id"].as_i64().unwrap());
    }
    let application = app
        .post("/api/v1/applications", &cw, n400(households[0]))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    assert!(list_reads(&app).await.is_empty());

    let all = app.get("/api/v1/households?limit=500", &cw).await;
    assert_eq!(all.json()["items"].as_array().unwrap().len(), 3);
    let mut shown = list_reads(&app).await;
    assert_eq!(shown.len(), 1);
    let (kind, mut ids, channel) = shown.remove(0);
    ids.sort();
    assert_eq!(
        (kind.as_str(), ids, channel.as_str()),
        ("household", households.clone(), "api")
    );

    app.get("/api/v1/households?q=%EA%B9%80%EB%AF%BC%EC%A4%80", &cw)
        .await; // 김민준
    app.get("/api/v1/households?q=nobody-by-this-name", &cw)
        .await; // shows no one: no row
    app.get("/api/v1/applications", &cw).await;
    let browser = app.browser(&cw).await;
    app.page("/households?q=Kim", Some(&browser.cookie)).await;
    app.page("/applications", Some(&browser.cookie)).await;
    app.page("/", Some(&browser.cookie)).await;
    let reads = list_reads(&app).await;
    let kinds: Vec<(&str, usize, &str)> = reads
        .iter()
        .map(|(k, ids, c)| (k.as_str(), ids.len(), c.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("household", 3, "api"),
            ("household", 3, "api"),
            ("application", 1, "api"),
            // the browser's sign-in lands on the home page, whose recent list names families
            ("application", 1, "web"),
            ("household", 3, "web"),
            ("application", 1, "web"),
            ("application", 1, "web"),
        ]
    );
    assert_eq!(reads[2].1, vec![application]);
}

/// Point 8: text cells that a spreadsheet would run as formulas are written with a
/// leading `'`; numbers are untouched.
#[tokio::test]
async fn exported_text_never_runs_as_a_formula() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "3000.00").await;
    let admin = app.user(&["admin"]).await;
    let paid = crate::review::approved_emergency(&app, &cw, &board[0], "400.00").await;
    let payee = r#"=HYPERLINK("http://evil.example","click")"#;
    let payment = app
        .post(
            "/api/v1/disbursements",
            &accountant,
            json!({"application_id": paid, "amount": "400.00", "payee": payee, "method": "check",
                   "reference": "+1+1", "paid_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(payment.status, StatusCode::CREATED, "{}", payment.text);
    let reviewed = crate::review::n400_for_review(&app, &cw).await;
    let overridden = app
        .post(
            &format!("/api/v1/applications/{reviewed}/override"),
            &admin,
            json!({"result": "eligible", "reason": "=cmd|'/C calc'!A0"}),
        )
        .await;
    assert_eq!(
        overridden.status,
        StatusCode::CREATED,
        "{}",
        overridden.text
    );

    let csv = |kind: &'static str| {
        let (app, accountant) = (&app, &accountant);
        async move {
            let r = app
                .get(&format!("/api/v1/exports/{kind}.csv"), accountant)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            csv::ReaderBuilder::new()
                .from_reader(r.text.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        }
    };
    let register = csv("disbursement-register").await;
    assert_eq!(register[0][4], format!("'{payee}"));
    assert_eq!(register[0][6], "'+1+1");
    assert_eq!(register[0][7], "400.00");
    let audit = csv("eligibility-audit").await;
    assert!(
        audit.iter().any(|row| row[11] == "'=cmd|'/C calc'!A0"),
        "{audit:?}"
    );
    // Xero's credits are negative numbers, and stay numbers.
    let xero = csv("general-ledger-xero").await;
    assert!(xero.iter().any(|row| row[5] == "-400.00"), "{xero:?}");
    assert!(xero.iter().all(|row| !row[5].starts_with('\'')));
}

/// Point 9: a board member who has not declared does not see the payee, which may be the
/// family itself.
#[tokio::test]
async fn an_undeclared_board_member_does_not_see_the_payee() {
    let Team {
        app,
        cw,
        board,
        accountant,
    } = team(4).await;
    fund_general(&app, &accountant, "3000.00").await;
    let paid = crate::review::approved_emergency(&app, &cw, &board[0], "400.00").await;
    let payment = app
        .post(
            "/api/v1/disbursements",
            &accountant,
            json!({"application_id": paid, "amount": "400.00", "payee": "Kim Minjun", "method": "ach",
                   "memo": "to Kim Minjun's account", "paid_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(payment.status, StatusCode::CREATED, "{}", payment.text);
    let seen = app
        .get(&format!("/api/v1/applications/{paid}"), &board[1])
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.text.contains("Kim Minjun"), "{}", seen.text);
    let payments = &seen.json()["disbursements"];
    assert_eq!(payments[0]["payee"], Value::Null);
    assert_eq!(payments[0]["amount"], "400.00");
    let browser = app.browser(&board[1]).await;
    let page = app
        .page(&format!("/applications/{paid}"), Some(&browser.cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("Kim Minjun"), "{}", page.text);
    // The accountant, and the member who declared and voted, see it.
    for who in [&accountant, &board[0]] {
        let a = app.get(&format!("/api/v1/applications/{paid}"), who).await;
        assert_eq!(a.json()["disbursements"][0]["payee"], "Kim Minjun");
    }
}

/// Point 10: NUL bytes, dates the books cannot hold and sums past what they hold are a
/// 400 or 422 naming the field, never a 500, and nothing is written.
#[tokio::test]
async fn bad_input_that_made_500s_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let accountant = app.user(&["accountant"]).await;
    for (path, user, field) in [
        ("/api/v1/households?q=%00", &cw, "q"),
        ("/api/v1/applications?site=%00", &cw, "site"),
        ("/api/v1/audit?entity_type=%00", &admin, "entity_type"),
    ] {
        let r = app.get(path, user).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text);
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{}",
            r.text
        );
    }
    let browser = app.browser(&cw).await;
    for path in [
        "/households?q=%00",
        "/applications?site=%00",
        "/applications?status=%00",
    ] {
        let r = app.page(path, Some(&browser.cookie)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
    }
    let receipt = |amount: &str, received_on: &str| json!({"amount": amount, "received_on": received_on, "source": "donation", "donor": "교회"});
    for day in ["1999-12-31", "0000-01-01", "2100-01-01"] {
        let r = app
            .post(
                "/api/v1/funds/1/receipts",
                &accountant,
                receipt("10.00", day),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{day}: {}",
            r.text
        );
        assert!(
            r.json()["error"]["fields"]["received_on"].is_string(),
            "{}",
            r.text
        );
    }
    let first = app
        .post(
            "/api/v1/funds/1/receipts",
            &accountant,
            receipt("999999999999.99", "2026-01-15"),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = app
        .post(
            "/api/v1/funds/1/receipts",
            &accountant,
            receipt("999999999999.99", "2026-01-15"),
        )
        .await;
    assert_eq!(
        second.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        second.text
    );
    assert!(second.json()["error"]["fields"]["amount"].is_string());
    assert_eq!(app.count("SELECT count(*) FROM receipts").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM journal_entries").await, 1);
}

/// Point 11: requests run as a login role that is not a superuser, owns nothing, cannot
/// `RESET ROLE` into more, cannot switch triggers off, and cannot change history.
#[tokio::test]
async fn requests_run_as_a_role_that_cannot_leave_it_or_change_history() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    app.household(&cw).await;
    let mut conn = app.app_conn().await;
    conn.batch_execute("RESET ROLE").await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Who {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        superuser: bool,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        owned: i64,
    }
    let who: Who = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT current_user::text AS name, rolsuper AS superuser,
                    (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) AS owned
             FROM pg_roles r WHERE rolname = current_user",
        ),
        &mut *conn,
    )
    .await
    .unwrap();
    assert_eq!(
        (who.name.as_str(), who.superuser, who.owned),
        ("grant_tracker_app", false, 0)
    );
    for refused in [
        "SET session_replication_role = replica",
        "SET ROLE postgres",
        "UPDATE audit_log SET action = 'erased'",
        "DELETE FROM audit_log",
        "DELETE FROM access_log",
        "UPDATE status_changes SET reason = 'x'",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    ] {
        let e = conn.batch_execute(refused).await.unwrap_err();
        assert!(
            e.to_string().contains("permission denied")
                || e.to_string().contains("must be owner")
                || e.to_string().contains("append-only"),
            "{refused}: {e}"
        );
    }
    assert!(app.count("SELECT count(*) FROM audit_log").await > 0);
}

/// Point 12: `doctor` names what needs fixing and exits 1; with the key apart from the
/// data and Secure cookies it is content. HSTS comes with COOKIE_SECURE.
#[tokio::test]
async fn doctor_reports_the_posture_and_secure_cookies_bring_hsts() {
    let app = TestApp::spawn().await;
    let doctor = |secure: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_grant-tracker"));
        command
            .args(["doctor"])
            .env("DATABASE_URL", &app.database_url)
            .env_remove("TEST_CLOCK")
            .env_remove("DATA_KEY")
            .env_remove("APP_DATABASE_URL")
            .env("COOKIE_SECURE", if secure { "true" } else { "false" })
            .env("RUST_LOG", "error");
        if secure {
            command.env("DATA_KEY", "11".repeat(32));
        }
        command.output().unwrap()
    };
    let worried = doctor(false);
    let said = String::from_utf8_lossy(&worried.stdout);
    assert_eq!(worried.status.code(), Some(1), "{said}");
    assert!(
        said.contains("FIX Session cookies are sent without Secure"),
        "{said}"
    );
    assert!(
        said.contains("FIX The key that seals USCIS receipt numbers is kept in the database"),
        "{said}"
    );
    assert!(
        said.contains("ok  Requests run as grant_tracker_app"),
        "{said}"
    );
    assert!(said.contains("Last backup: unknown"), "{said}");
    let content = doctor(true);
    let said = String::from_utf8_lossy(&content.stdout);
    assert_eq!(content.status.code(), Some(0), "{said}");
    assert!(!said.contains("FIX"), "{said}");

    let plain = app.page("/login", None).await;
    assert!(
        !plain
            .headers
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    let mut config = (*app.state.config).clone();
    config.cookie_secure = true;
    let secure = grant_tracker::app::router(grant_tracker::app::AppState {
        config: std::sync::Arc::new(config),
        ..app.state.clone()
    });
    let cw = app.user(&["caseworker"]).await;
    let response = tower::ServiceExt::oneshot(
        secure,
        Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "email={}&password={PASSWORD}",
                cw.email
            )))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

/// Point 11, accounts: a holder revokes their token; an admin edits a user, revokes all
/// their tokens, and deactivates them, whose open session and tokens stop at once.
#[tokio::test]
async fn tokens_are_revoked_and_a_deactivated_user_is_out_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.user(&["admin"]).await;
    let cw = app.user(&["caseworker"]).await;
    let me = |token: String| {
        let app = &app;
        async move {
            app.api(Method::GET, "/api/v1/me", Some(&token), None)
                .await
                .status
        }
    };
    let issue = |email: String| {
        let app = &app;
        async move {
            token_request(app, &email, PASSWORD, None).await.json()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // The holder revokes the token presented; another of theirs keeps working.
    let (first, second) = (issue(cw.email.clone()).await, issue(cw.email.clone()).await);
    let revoked = app
        .api(Method::DELETE, "/api/v1/auth/token", Some(&first), None)
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(me(first.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(second.clone()).await, StatusCode::OK);
    // An admin revokes all of them.
    let patch_path = format!("/api/v1/users/{}", cw.id);
    let by_cw = app
        .post(
            &format!("/api/v1/users/{}/revoke-tokens", cw.id),
            &cw,
            json!({}),
        )
        .await;
    assert_eq!(by_cw.status, StatusCode::FORBIDDEN);
    let all = app
        .post(
            &format!("/api/v1/users/{}/revoke-tokens", cw.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    assert_eq!(me(second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(cw.token.clone()).await, StatusCode::UNAUTHORIZED);

    // Edits: roles, language, site; bad values name their field.
    let edited = app
        .api(
            Method::PATCH,
            &patch_path,
            Some(&admin.token),
            Some(json!({"roles": ["caseworker", "board_member"], "language": "ko", "site": "CHI", "name": "김 사회복지사"})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let user = edited.json();
    assert_eq!(user["roles"], json!(["caseworker", "board_member"]));
    assert_eq!(
        (user["language"].as_str(), user["name"].as_str()),
        (Some("ko"), Some("김 사회복지사"))
    );
    assert!(user["site_id"].as_i64().is_some());
    for (body, field) in [
        (json!({"roles": []}), "roles"),
        (json!({"roles": ["janitor"]}), "roles"),
        (json!({"language": "fr"}), "language"),
        (json!({"site": "XYZ"}), "site"),
        (json!({"name": ""}), "name"),
    ] {
        let bad = app
            .api(
                Method::PATCH,
                &patch_path,
                Some(&admin.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            bad.text
        );
        assert!(
            bad.json()["error"]["fields"][field].is_string(),
            "{body}: {}",
            bad.text
        );
    }
    let unknown = app
        .api(
            Method::PATCH,
            &patch_path,
            Some(&admin.token),
            Some(json!({"password": "x"})),
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.text
    );
    let myself = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{}", admin.id),
            Some(&admin.token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(myself.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Deactivation: the open browser session and a fresh token stop on their next request.
    let browser = app.browser(&cw).await;
    let token = issue(cw.email.clone()).await;
    assert_eq!(
        app.page("/", Some(&browser.cookie)).await.status,
        StatusCode::OK
    );
    let off = app
        .api(
            Method::PATCH,
            &patch_path,
            Some(&admin.token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(off.json()["active"], false);
    assert_eq!(me(token).await, StatusCode::UNAUTHORIZED);
    let page = app.page("/", Some(&browser.cookie)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/login"));
    assert_eq!(
        token_request(&app, &cw.email, PASSWORD, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM sessions WHERE user_id = {}",
            cw.id
        ))
        .await,
        0
    );

    // The admin's page does the same: reactivate, then revoke tokens.
    let admin_browser = app.browser(&admin).await;
    let page = app
        .page(
            &format!("/admin/users/{}", cw.id),
            Some(&admin_browser.cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("revoke-tokens"), "{}", page.text);
    let saved = app
        .form(
            &format!("/admin/users/{}", cw.id),
            Some(&admin_browser.cookie),
            &format!(
                "csrf_token={}&name=Kim&roles=caseworker&language=en&site=LA&active_shown=1&active=1",
                admin_browser.csrf
            ),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(
        token_request(&app, &cw.email, PASSWORD, None).await.status,
        StatusCode::CREATED
    );
    let revoked = app
        .form(
            &format!("/admin/users/{}/revoke-tokens", cw.id),
            Some(&admin_browser.cookie),
            &format!("csrf_token={}", admin_browser.csrf),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(
        revoked.text.contains("1 token(s) revoked"),
        "{}",
        revoked.text
    );
    let refused = app
        .form(
            &format!("/admin/users/{}", cw.id),
            Some(&admin_browser.cookie),
            &format!(
                "csrf_token={}&name=Kim&language=en&active_shown=1&active=1",
                admin_browser.csrf
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}
