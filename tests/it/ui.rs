use axum::http::{StatusCode, header};

use crate::helpers::*;

fn encode(s: &str) -> String {
    serde_html_form::to_string([("v", s)]).unwrap()[2..].to_owned()
}

#[tokio::test]
async fn pages_render_in_both_languages() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let b = app.browser(&cw).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let pages = [
        "/".to_owned(),
        "/households?q=kim".to_owned(),
        "/households/new".to_owned(),
        format!("/households/{hid}"),
        format!("/applications/new?household_id={hid}&program=immigration_fee"),
        format!("/applications/new?household_id={hid}&program=emergency"),
        "/applications".to_owned(),
    ];
    for path in &pages {
        let en = app.page(path, Some(&b.cookie)).await;
        assert_eq!(en.status, StatusCode::OK, "{path}");
        assert!(
            en.text.contains("lang=\"en\"") && en.text.contains("Sign out"),
            "{path}"
        );
    }
    // The language switch on every page; Korean is remembered for the user.
    let switch = app
        .form(
            "/language",
            Some(&b.cookie),
            &format!("csrf_token={}&language=ko&next=%2Fhouseholds%2Fnew", b.csrf),
        )
        .await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(
        switch.headers.get(header::LOCATION).unwrap(),
        "/households/new"
    );
    for path in &pages {
        let ko = app.page(path, Some(&b.cookie)).await;
        assert_eq!(ko.status, StatusCode::OK, "{path}");
        assert!(
            ko.text.contains("lang=\"ko\"") && ko.text.contains("로그아웃"),
            "{path}"
        );
        assert!(
            ko.text.contains("action=\"/language\""),
            "{path} has the language switch"
        );
    }
    let me = app.get("/api/v1/me", &cw).await.json();
    assert_eq!(me["language"], "ko");
    // The sign-in page follows the browser's language before anyone signs in.
    let login = app
        .send(
            axum::http::Request::builder()
                .uri("/login")
                .header(header::ACCEPT_LANGUAGE, "ko-KR,ko;q=0.9")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(login.text.contains("로그인"));
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_messages_beside_the_fields_and_values_kept() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let b = app.browser(&cw).await;
    app.form(
        "/language",
        Some(&b.cookie),
        &format!("csrf_token={}&language=ko&next=%2F", b.csrf),
    )
    .await;
    let body = format!(
        "csrf_token={}&name=&name_ko={}&phone=&preferred_language=ko&address.line1=1+Main+St&address.city=LA&address.state=CA&address.postal_code=900&size=0&annual_income=12.345&members%5B0%5D.name={}&members%5B0%5D.relationship=self",
        b.csrf,
        encode("김민준 🙂"),
        encode("김민준")
    );
    let reply = app.form("/households", Some(&b.cookie), &body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = reply.text;
    // Each message sits right after its field and the field points to it.
    assert!(
        html.contains("id=\"name\"") && html.contains("aria-describedby=\"name-error\""),
        "{html}"
    );
    assert!(html.contains("<p class=\"field-error\" id=\"name-error\">꼭 적어야 합니다.</p>"));
    assert!(html.contains(
        "id=\"annual-income-error\">소수점 아래는 두 자리(센트)까지만 쓸 수 있습니다.</p>"
    ));
    assert!(html.contains("id=\"address-postal-code-error\""));
    // What was typed is still there.
    assert!(html.contains("value=\"김민준 🙂\""));
    assert!(html.contains("value=\"12.345\""));
    assert_eq!(app.count("SELECT count(*) FROM households").await, 0);
}

#[tokio::test]
async fn a_caseworker_creates_an_n400_in_the_browser_and_submits_it() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let b = app.browser(&cw).await;
    let body = format!(
        "csrf_token={}&name=Kim+Minjun&name_ko={}&phone=213-555-0147&preferred_language=ko&address.line1=1+Main+St&address.city=Los+Angeles&address.state=CA&address.postal_code=90010&size=2&annual_income=30000&members%5B0%5D.name=Kim+Minjun&members%5B0%5D.relationship=self&members%5B0%5D.birth_year=1958",
        b.csrf,
        encode("김민준")
    );
    let created = app.form("/households", Some(&b.cookie), &body).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let location = created.location();
    let hid: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let household = app.page(&location, Some(&b.cookie)).await;
    assert!(household.text.contains("김민준"));
    let member_id = app
        .get(&format!("/api/v1/households/{hid}"), &cw)
        .await
        .json()["members"][0]["id"]
        .as_i64()
        .unwrap();

    let form = app
        .page(
            &format!("/applications/new?household_id={hid}&program=immigration_fee"),
            Some(&b.cookie),
        )
        .await;
    assert!(
        form.text.contains("760.00"),
        "the form shows the schedule's fee"
    );
    let app_body = format!(
        "csrf_token={}&household_id={hid}&program=immigration_fee&site=LA&lines%5B0%5D.form=N-400&lines%5B0%5D.filing=paper&lines%5B0%5D.beneficiary={member_id}&lines%5B0%5D.amount=&lines%5B1%5D.form=&lines%5B1%5D.filing=paper&insider_relationship=none",
        b.csrf
    );
    let created = app.form("/applications", Some(&b.cookie), &app_body).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let location = created.location();
    let view = app.page(&location, Some(&b.cookie)).await;
    assert!(view.text.contains("$760.00"), "the fee filled in");
    for kind in ["photo_id", "proof_of_income", "completed_form"] {
        let added = app
            .form(
                &format!("{location}/documents"),
                Some(&b.cookie),
                &format!("csrf_token={}&kind={kind}&note=", b.csrf),
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
    }
    let submitted = app
        .form(
            &format!("{location}/submit"),
            Some(&b.cookie),
            &format!("csrf_token={}", b.csrf),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "submitted");
    assert_eq!(a["documents"].as_array().unwrap().len(), 3);
    // Submitting twice shows a friendly page, not JSON.
    let again = app
        .form(
            &format!("{location}/submit"),
            Some(&b.cookie),
            &format!("csrf_token={}", b.csrf),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("<html"));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_wrong_roles_get_a_page() {
    let app = TestApp::spawn().await;
    let anon = app.page("/households", None).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert!(anon.location().starts_with("/login?next="));
    let accountant = app.user(&["accountant"]).await;
    let b = app.browser(&accountant).await;
    let denied = app.page("/households/new", Some(&b.cookie)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(denied.text.contains("<html") && denied.text.contains("needs the Caseworker role"));
    let bad = app
        .form(
            "/login",
            None,
            "email=nobody%40example.org&password=wrong-password",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.text.contains("nobody@example.org"), "the email is kept");
}

#[tokio::test]
async fn pages_are_not_cached_and_load_nothing_from_elsewhere() {
    let app = TestApp::spawn().await;
    let login = app.page("/login", None).await;
    let csp = login.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(login.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(login.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        !login.text.contains(" style=\"") && !login.text.contains("<script>"),
        "no inline styles or scripts for the policy to block"
    );
    let css = app.page("/static/app.css", None).await;
    assert_eq!(css.headers[header::CACHE_CONTROL], "max-age=3600");
    let js = app.page("/static/app.js", None).await;
    assert!(js.text.contains("fee-schedule"));
}

/// A refusal the service reports as a message key reads in the reader's language: the
/// second submit of an application, on a Korean page, names its state in Korean, while the
/// API's message stays the English sentence.
#[tokio::test]
async fn a_refused_step_is_explained_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let aid = app.draft_n400(&cw, hid).await;
    let b = in_korean(&app, &cw).await;
    let submit = format!("/applications/{aid}/submit");
    let body = format!("csrf_token={}", b.csrf);
    let first = app.form(&submit, Some(&b.cookie), &body).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
    let again = app.form(&submit, Some(&b.cookie), &body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .text
            .contains("상태가 '제출됨'인 신청서는 제출할 수 없습니다."),
        "{}",
        again.text
    );
    let api = app
        .post(
            &format!("/api/v1/applications/{aid}/submit"),
            &cw,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        api.json()["error"]["message"],
        "cannot submit an application that is submitted"
    );
}

/// Times on pages are read in the fund's time zone and name it: the application's history
/// shows when it was created as the fund's clock read it, not UTC.
#[tokio::test]
async fn pages_show_times_in_the_funds_time_zone() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let aid = app.draft_n400(&cw, hid).await;
    let b = app.browser(&cw).await;
    let page = app
        .page(&format!("/applications/{aid}"), Some(&b.cookie))
        .await;
    let micros = app
        .count(&format!(
            "SELECT (extract(epoch FROM changed_at) * 1000000)::bigint FROM status_changes \
             WHERE application_id = {aid}"
        ))
        .await;
    let at = chrono::DateTime::from_timestamp_micros(micros).unwrap();
    let zone = app.state.config.fund_timezone;
    let shown = at
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string();
    assert!(page.text.contains(&shown), "{shown} in {}", page.text);
    assert!(!page.text.contains(" UTC<"), "no time is shown in UTC");
}

/// A missing record is said in the reader's language, and the export form is ready for a
/// spreadsheet (the byte order mark ticked, so Excel shows Hangul).
#[tokio::test]
async fn a_missing_record_reads_in_korean_and_exports_default_to_the_spreadsheet_mark() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker", "accountant"]).await;
    let b = in_korean(&app, &cw).await;
    let missing = app.page("/applications/987654", Some(&b.cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.text.contains("이 신청서는 없습니다."),
        "{}",
        missing.text
    );
    assert!(!missing.text.contains("application not found"));
    let exports = app.page("/exports", Some(&b.cookie)).await;
    assert!(
        exports
            .text
            .contains(r#"<input type="checkbox" name="bom" value="1" checked>"#),
        "{}",
        exports.text
    );
}

/// Signs `user` in through the form and switches their pages to Korean.
async fn in_korean(app: &TestApp, user: &TestUser) -> Browser {
    let b = app.browser(user).await;
    app.form(
        "/language",
        Some(&b.cookie),
        &format!("csrf_token={}&language=ko&next=%2F", b.csrf),
    )
    .await;
    b
}

/// The stylesheet keeps Korean words whole (no one-syllable lines), makes tick boxes and
/// radio buttons 24 px, and sets no text below 18 px (1.125rem) in hints, headers or code.
#[tokio::test]
async fn the_stylesheet_keeps_korean_words_whole_and_nothing_small() {
    let app = TestApp::spawn().await;
    let css = app.page("/static/app.css", None).await.text;
    assert!(css.contains(":lang(ko) { word-break: keep-all;"));
    assert!(css.contains(
        r#"input[type="checkbox"], input[type="radio"] { width: 1.5rem; height: 1.5rem;"#
    ));
    for small in [
        "font-size: .8",
        "font-size: .9",
        "font-size: .85",
        "font-size: .95",
    ] {
        assert!(!css.contains(small), "{small}");
    }
}

/// The links of a page's error summary; each must lead to an element of the page.
fn summary_links(html: &str) -> Vec<String> {
    let start = html
        .find("class=\"error-box error-summary\"")
        .unwrap_or_else(|| panic!("no error summary: {html}"));
    let block = &html[start..start + html[start..].find("</div>").unwrap()];
    let links: Vec<String> = block
        .split("href=\"#")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect();
    for id in &links {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "#{id} leads nowhere: {html}"
        );
    }
    links
}

/// SPEC "Working screens": a form with problems comes back with a summary at its top that
/// names each problem's field, in the reader's language, and links to the field (or to a
/// group's message); the message is also beside the field.
#[tokio::test]
async fn every_form_with_errors_starts_with_a_summary_linking_to_each_field() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let b = in_korean(&app, &cw).await;
    // A household: bad ZIP, no size, a member row with a birth year and no name.
    let body = format!(
        "csrf_token={}&name=Kim&name_ko=&phone=&preferred_language=ko&address.line1=1+Main+St&address.city=LA&address.state=CA&address.postal_code=900&size=&annual_income=1000&members%5B0%5D.name=Kim&members%5B0%5D.relationship=self&members%5B1%5D.birth_year=1990",
        b.csrf
    );
    let reply = app.form("/households", Some(&b.cookie), &body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let links = summary_links(&reply.text);
    assert!(
        links.contains(&"address-postal-code".to_owned()),
        "{links:?}"
    );
    assert!(
        links.contains(&"members-1--name".to_owned()),
        "a person with a birth year and no name is reported, not dropped: {links:?}"
    );
    let summary = &reply.text[reply.text.find("error-summary").unwrap()..];
    assert!(
        summary.contains("우편번호 (ZIP): "),
        "the field is named in Korean"
    );
    assert!(
        reply.text.contains("id=\"address-postal-code-error\""),
        "and the message is beside it"
    );

    // Signing in with nothing typed (English, before anyone signs in).
    let login = app.form("/login", None, "email=&password=").await;
    assert_eq!(summary_links(&login.text), vec!["email", "password"]);
    assert!(login.text.contains("Email: "));

    // An admin's new user with a bad email and no role.
    let admin = app.user(&["admin"]).await;
    let ab = app.browser(&admin).await;
    let user = app
        .form(
            "/admin/users",
            Some(&ab.cookie),
            &format!("csrf_token={}&name=Lee&email=lee&language=en", ab.csrf),
        )
        .await;
    assert_eq!(user.status, StatusCode::UNPROCESSABLE_ENTITY);
    let links = summary_links(&user.text);
    assert!(
        links.contains(&"email".to_owned()) && links.contains(&"roles".to_owned()),
        "{links:?}"
    );

    // An accountant's receipt with a three-decimal amount.
    let accountant = app.user(&["accountant"]).await;
    let fb = app.browser(&accountant).await;
    let fund = app.count("SELECT min(id) FROM funds").await;
    let receipt = app
        .form(
            &format!("/funds/{fund}/receipts"),
            Some(&fb.cookie),
            &format!(
                "csrf_token={}&amount=10.005&received_on={}&donor=Lee&method=check&reference=",
                fb.csrf,
                app.today()
            ),
        )
        .await;
    assert_eq!(
        receipt.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        receipt.text
    );
    assert!(summary_links(&receipt.text).contains(&"amount".to_owned()));
}

/// Issue 14 "Paging": every list that grows comes a page at a time, with a link (or a
/// cursor) to the next page and no row twice: payments, receipts, the review queue, the
/// journal and the audit trail, over the demo data.
#[tokio::test]
async fn every_list_that_grows_is_paged() {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let admin = app.user(&["admin", "accountant", "board_member"]).await;
    let b = app.browser(&admin).await;
    for (path, link) in [
        ("/payments", "/payments?cursor="),
        ("/ledger", "/ledger?"),
        ("/admin/audit", "/admin/audit?"),
    ] {
        let first = app.page(path, Some(&b.cookie)).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        let start = first
            .text
            .find(&format!("href=\"{link}"))
            .unwrap_or_else(|| panic!("{path} has no next page"));
        let href = first.text[start + 6..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&");
        let second = app.page(&href, Some(&b.cookie)).await;
        assert_eq!(second.status, StatusCode::OK, "{href}");
        assert_ne!(first.text, second.text, "{href}");
    }
    // The API's lists: a page, then the next from its cursor, never a row twice.
    let fund = app
        .count("SELECT fund_id FROM receipts GROUP BY fund_id ORDER BY count(*) DESC LIMIT 1")
        .await;
    for list in [
        format!("/api/v1/funds/{fund}/receipts"),
        "/api/v1/review/queue".to_owned(),
    ] {
        let first = app.get(&format!("{list}?limit=2"), &admin).await.json();
        let cursor = first["next_cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("{list}: {first}"));
        let second = app
            .get(&format!("{list}?limit=2&cursor={cursor}"), &admin)
            .await
            .json();
        let ids = |page: &serde_json::Value| -> Vec<i64> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(ids(&first).len(), 2, "{list}");
        assert!(
            ids(&second).iter().all(|id| !ids(&first).contains(id)),
            "{list}"
        );
    }
    let queue = app.page("/review", Some(&b.cookie)).await;
    assert_eq!(queue.status, StatusCode::OK);
}

/// Back office: an admin resets a forgotten password on the user's page; the user's open
/// session and tokens end, the new password signs in, and the trail says "reset" without
/// the password.
#[tokio::test]
async fn an_admin_resets_a_password_and_the_old_session_ends() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let old = app.browser(&cw).await;
    let ab = app.browser(&admin).await;
    let page = app
        .page(&format!("/admin/users/{}", cw.id), Some(&ab.cookie))
        .await;
    assert!(page.text.contains("name=\"password\""));
    let short = app
        .form(
            &format!("/admin/users/{}", cw.id),
            Some(&ab.cookie),
            &format!("csrf_token={}&name=Lee&roles=caseworker&language=en&site=&active_shown=1&active=1&password=short", ab.csrf),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reset = app
        .form(
            &format!("/admin/users/{}", cw.id),
            Some(&ab.cookie),
            &format!("csrf_token={}&name=Lee&roles=caseworker&language=en&site=&active_shown=1&active=1&password=a-new-long-password", ab.csrf),
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text);
    assert_eq!(
        app.page("/", Some(&old.cookie)).await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(
        app.get("/api/v1/me", &cw).await.status,
        StatusCode::UNAUTHORIZED
    );
    let signed_in = app
        .form(
            "/login",
            None,
            &format!("email={}&password=a-new-long-password", cw.email),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE changes ->> 'password' = 'reset'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE changes::text LIKE '%a-new-long-password%'"
        )
        .await,
        0
    );
}

/// Back office: a draft policy shows, before it is saved, how many open applications
/// would have another outcome under it; nothing is written by a preview.
#[tokio::test]
async fn a_draft_policy_previews_which_open_applications_would_change() {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let admin = app.user(&["admin"]).await;
    let b = app.browser(&admin).await;
    let versions = app.count("SELECT count(*) FROM policy_versions").await;
    let form = app.page("/admin/policy", Some(&b.cookie)).await;
    let fields = form_fields(&form.text, "/admin/policy");
    let body = |income: &str| {
        with_fields(
            fields.clone(),
            &[
                ("immigration_fee.income_limit_percent", income),
                ("emergency.income_limit_percent", income),
                ("then", "preview"),
            ],
            &[],
        )
    };
    let reply = app.form("/admin/policy", Some(&b.cookie), &body("1")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let open = app
        .count("SELECT count(*) FROM applications WHERE status IN ('submitted', 'eligible', 'ineligible', 'needs_review')")
        .await;
    assert!(
        reply.text.contains("What this draft would change"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains(&format!(
        "of the {open} open applications would have another outcome"
    )));
    assert!(
        !reply.text.contains("Under this draft, 0 of"),
        "an income limit of 1% changes some"
    );
    assert!(reply.text.contains("→ Not eligible"), "{}", reply.text);
    let bad = app.form("/admin/policy", Some(&b.cookie), &body("{")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Enter a whole number"), "{}", bad.text);
    assert_eq!(
        app.count("SELECT count(*) FROM policy_versions").await,
        versions,
        "a preview saves nothing"
    );
}
