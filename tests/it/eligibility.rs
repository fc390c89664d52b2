//! Eligibility over the API: checks stored with their policy version, new versions change
//! future checks only, overrides, roles.

use axum::http::StatusCode;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};

use crate::helpers::*;

/// A submitted N-400 for the standard household (4 people, $48,000, CA).
async fn submitted_n400(app: &TestApp, cw: &TestUser) -> i64 {
    let hid = app.household(cw).await["id"].as_i64().unwrap();
    submitted_n400_for(app, cw, hid).await
}

async fn submitted_n400_for(app: &TestApp, cw: &TestUser, hid: i64) -> i64 {
    let id = app.draft_n400(cw, hid).await;
    let submitted = app
        .post(&format!("/api/v1/applications/{id}/submit"), cw, json!({}))
        .await;
    assert_eq!(submitted.status, StatusCode::OK);
    id
}

async fn documents(app: &TestApp, cw: &TestUser, id: i64, kinds: &[&str]) {
    for kind in kinds {
        let r = app
            .post(
                &format!("/api/v1/applications/{id}/documents"),
                cw,
                json!({"kind": kind}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
}

async fn check(app: &TestApp, cw: &TestUser, id: i64) -> Value {
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/eligibility"),
            cw,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn rule<'a>(check: &'a Value, name: &str) -> &'a Value {
    check["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == name)
        .unwrap_or_else(|| panic!("no {name} in {check}"))
}

#[tokio::test]
async fn a_check_is_stored_with_its_policy_and_the_application_takes_its_result() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let id = submitted_n400(&app, &cw).await;

    // Without documents: a hard failure.
    let first = check(&app, &cw, id).await;
    assert_eq!(first["result"], "ineligible");
    assert_eq!(first["policy_version"], 1);
    assert_eq!(rule(&first, "documents")["outcome"], "fail");
    assert!(
        rule(&first, "documents")["message_ko"]
            .as_str()
            .unwrap()
            .contains("소득 증명")
    );
    let income = rule(&first, "income_limit");
    assert_eq!(income["outcome"], "pass");
    assert_eq!(
        income["message_ko"],
        "연소득 $48,000.00은(는) 4인 가구 기준 2026년 빈곤선의 200%($66,000.00) 이하입니다."
    );
    assert_eq!(first["facts"]["annual_income"], "48000.00");
    assert_eq!(first["facts"]["household_size"], 4);
    assert_eq!(first["guideline"], "33000.00");

    // With documents: income is 145.5 % of the guideline, so a fee waiver comes first.
    documents(
        &app,
        &cw,
        id,
        &["photo_id", "proof_of_income", "completed_form"],
    )
    .await;
    let second = check(&app, &cw, id).await;
    assert_eq!(second["result"], "needs_review");
    let waiver = rule(&second, "fee_waiver");
    assert_eq!(waiver["outcome"], "review");
    assert!(waiver["message_en"].as_str().unwrap().contains("I-912"));
    assert!(waiver["message_ko"].as_str().unwrap().contains("I-912"));

    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "needs_review");
    let checks = a["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "the first check stays");
    assert_eq!(checks[0]["result"], "ineligible");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE entity_type = 'application' AND entity_id = {id} AND action = 'status_change'"
        ))
        .await,
        3,
        "submit and two checks"
    );
}

#[tokio::test]
async fn a_new_policy_version_changes_future_checks_only() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let id = submitted_n400(&app, &cw).await;
    documents(
        &app,
        &cw,
        id,
        &["photo_id", "proof_of_income", "completed_form"],
    )
    .await;
    let before = check(&app, &cw, id).await;

    let mut policy = app.get("/api/v1/policy-versions/1", &admin).await.json()["policy"].clone();
    policy["immigration_fee"]["income_limit_percent"] = json!(100);
    let today = app.today().to_string();
    let body = json!({"effective_from": today, "note": "tighter income limit", "policy": policy});
    let denied = app.post("/api/v1/policy-versions", &cw, body.clone()).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let created = app
        .post("/api/v1/policy-versions", &admin, body.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["version"], 2);
    // The same date again would rewrite what version 2 says.
    let again = app.post("/api/v1/policy-versions", &admin, body).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.json()["error"]["fields"]["effective_from"].is_string());

    let after = check(&app, &cw, id).await;
    assert_eq!(after["policy_version"], 2);
    assert_eq!(after["result"], "ineligible");
    assert_eq!(rule(&after, "income_limit")["outcome"], "fail");
    // The earlier check is untouched.
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["checks"][0], before);
    let versions = app.get("/api/v1/policy-versions", &cw).await.json();
    assert_eq!(versions["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn policy_versions_refuse_the_past_and_bad_policies_with_the_field_named() {
    let app = TestApp::spawn().await;
    let admin = app.user(&["admin"]).await;
    let policy = app.get("/api/v1/policy-versions/1", &admin).await.json()["policy"].clone();
    let past = app
        .post(
            "/api/v1/policy-versions",
            &admin,
            json!({"effective_from": "2025-01-01", "policy": policy}),
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.json()["error"]["fields"]["effective_from"].is_string());

    let mut bad = policy.clone();
    bad["caps"]["window_days"] = json!(0);
    bad["service_area"] = json!(["CA", "XX"]);
    let r = app
        .post(
            "/api/v1/policy-versions",
            &admin,
            json!({"effective_from": "2099-01-01", "policy": bad}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &r.json()["error"]["fields"];
    assert!(fields["policy.caps.window_days"].is_string(), "{fields}");
    assert!(fields["policy.service_area[1]"].is_string(), "{fields}");

    let mut typo = policy.clone();
    typo["caps"]["per_application"] = json!("20.001");
    let r = app
        .post(
            "/api/v1/policy-versions",
            &admin,
            json!({"effective_from": "2099-01-01", "policy": typo}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["policy.caps.per_application"].is_string());
    assert_eq!(app.count("SELECT count(*) FROM policy_versions").await, 1);
    // Versions cannot be edited, even by the owner.
    let edit = exec_owner(&app, "UPDATE policy_versions SET note = 'x'").await;
    assert!(edit.is_err());
}

#[tokio::test]
async fn overrides_need_an_admin_and_a_reason() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let id = submitted_n400(&app, &cw).await;
    let path = format!("/api/v1/applications/{id}/override");
    // Nothing to override before a check.
    let early = app
        .post(&path, &admin, json!({"result": "eligible", "reason": "x"}))
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    let first = check(&app, &cw, id).await;
    let by_cw = app
        .post(&path, &cw, json!({"result": "eligible", "reason": "x"}))
        .await;
    assert_eq!(by_cw.status, StatusCode::FORBIDDEN);
    assert!(by_cw.text.contains("admin"));
    let no_reason = app
        .post(&path, &admin, json!({"result": "eligible", "reason": "  "}))
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_result = app
        .post(&path, &admin, json!({"result": "approved", "reason": "x"}))
        .await;
    assert_eq!(bad_result.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post(
            &path,
            &admin,
            json!({"result": "needs_review", "reason": "서류는 사무실에서 직접 확인함"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let o = ok.json();
    assert_eq!(o["kind"], "override");
    assert_eq!(o["overrides_check_id"], first["id"]);
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "needs_review");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE entity_id = {id} AND changes ? 'eligibility_override'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn only_caseworkers_run_checks_and_only_on_submitted_applications() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let draft = app.draft_n400(&cw, hid).await;
    let path = format!("/api/v1/applications/{draft}/eligibility");
    let r = app.post(&path, &cw, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("draft")
    );
    for roles in [&["board_member"][..], &["accountant"], &["admin"]] {
        let other = app.user(roles).await;
        let r = app.post(&path, &other, json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{roles:?}");
    }
    let missing = app
        .post("/api/v1/applications/999999/eligibility", &cw, json!({}))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT count(*) FROM eligibility_checks").await,
        0
    );
}

#[tokio::test]
async fn checks_cannot_be_changed_through_the_apps_connection() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let id = submitted_n400(&app, &cw).await;
    check(&app, &cw, id).await;
    let mut conn = app.app_conn().await;
    for sql in [
        "UPDATE eligibility_checks SET result = 'eligible'",
        "DELETE FROM eligibility_checks",
        "TRUNCATE eligibility_checks",
    ] {
        assert!(conn.batch_execute(sql).await.is_err(), "{sql}");
    }
}

#[tokio::test]
async fn the_seeded_policy_is_specs_default() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let v1 = app.get("/api/v1/policy-versions/1", &cw).await.json();
    let seeded: grant_tracker::domain::policy::Policy =
        serde_json::from_value(v1["policy"].clone()).unwrap();
    assert_eq!(seeded, grant_tracker::domain::policy::Policy::default_v1());
    assert_eq!(
        app.count("SELECT count(*) FROM poverty_guidelines").await,
        6
    );
}

#[tokio::test]
async fn the_admin_policy_page_shows_errors_beside_the_form_and_keeps_the_text() {
    let app = TestApp::spawn().await;
    let admin = app.user(&["admin"]).await;
    let b = app.browser(&admin).await;
    let page = app.page("/admin/policy", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let fields = form_fields(&page.text, "/admin/policy");
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no field {name}"))
    };
    assert_eq!(
        value("immigration_fee.income_limit_percent"),
        "200",
        "prefilled with version 1"
    );
    assert_eq!(value("caps.per_household"), "3000.00");
    assert_eq!(value("reduced_fees[0].form"), "N-400");
    assert_eq!(value("service_area.CA"), "on");
    assert_eq!(value("documents[3].kinds.identity_document"), "on");
    assert!(!page.text.contains("<textarea"), "no raw JSON to edit");

    let wrong = [
        ("effective_from", "2020-01-01"),
        ("note", "한글 메모 🙂"),
        ("caps.window_days", "abc"),
        ("emergency.max_amount", "0.00"),
        ("review.fast_track_max", "1.234"),
        ("reduced_fees[0].up_to_percent", "100"),
        ("reduced_fees[1].fee", "12.00"),
        ("documents[2].program", ""),
        ("then", "save"),
    ];
    let unticked = [
        "documents[0].kinds.photo_id",
        "emergency.categories.eviction",
        "emergency.categories.utility_shutoff",
        "emergency.categories.medical",
        "emergency.categories.fire_or_disaster",
        "emergency.categories.job_loss",
        "emergency.categories.death_in_family",
        "emergency.categories.other",
    ];
    let r = app
        .form(
            "/admin/policy",
            Some(&b.cookie),
            &with_fields(fields.clone(), &wrong, &unticked),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for (id, message) in [
        ("effective-from-error", "cannot take effect before today"),
        ("caps-window-days-error", "Enter a whole number"),
        ("review-fast-track-max-error", "at most two decimal places"),
        // A row with only a fee names what is missing, beside each field.
        ("reduced-fees-1--form-error", "This is required."),
        ("reduced-fees-1--filing-error", "This is required."),
        ("reduced-fees-1--up-to-percent-error", "This is required."),
        ("documents-0--kinds", "Tick at least one kind of document."),
        ("documents-2--program-error", "This is required."),
    ] {
        assert_beside(&r.text, id, message);
    }
    assert!(
        r.text.contains("href=\"#reduced-fees-1--form\""),
        "the summary links to the field"
    );
    assert!(
        r.text
            .contains("Reduced fee 2: USCIS form: This is required.")
    );
    assert!(r.text.contains("한글 메모 🙂"), "the note is kept");
    assert!(r.text.contains("value=\"abc\""), "what was typed is kept");
    // The rules of the whole policy come after every field reads.
    let r = app
        .form(
            "/admin/policy",
            Some(&b.cookie),
            &with_fields(
                fields.clone(),
                &[
                    ("emergency.max_amount", "0.00"),
                    ("reduced_fees[0].up_to_percent", "100"),
                    ("then", "save"),
                ],
                &unticked,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for (id, message) in [
        ("emergency-max-amount-error", "must be more than zero"),
        (
            "reduced-fees-0--up-to-percent-error",
            "Must be above the lower bound (150 %)",
        ),
        ("emergency-categories", "Tick at least one event."),
        ("documents-0--kinds", "Tick at least one kind of document."),
    ] {
        assert_beside(&r.text, id, message);
    }
    assert_eq!(app.count("SELECT count(*) FROM policy_versions").await, 1);

    // More rows, then a sound version: the form's changes are the new version's.
    let more = app
        .form(
            "/admin/policy",
            Some(&b.cookie),
            &with_fields(fields.clone(), &[("then", "more_reduced_fees")], &[]),
        )
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(
        more.text.contains("name=\"reduced_fees[4].form\""),
        "four blank rows after one filled"
    );
    let tomorrow = app.today().succ_opt().unwrap().to_string();
    let good = with_fields(
        form_fields(&more.text, "/admin/policy"),
        &[
            ("effective_from", &tomorrow),
            ("note", "Board minutes 2026-11 (이사회)"),
            ("emergency.max_amount", "1200.00"),
            ("caps.window_days", "730"),
            ("reduced_fees[3].form", "i-765"),
            ("reduced_fees[3].filing", "online"),
            ("reduced_fees[3].fee", "200.00"),
            ("reduced_fees[3].above_percent", "150"),
            ("reduced_fees[3].up_to_percent", "300"),
            ("documents[5].program", "immigration_fee"),
            ("documents[5].form", "n-400"),
            ("documents[5].kinds.other", "on"),
            ("then", "save"),
        ],
        &["service_area.WY", "emergency.categories.other"],
    );
    let saved = app.form("/admin/policy", Some(&b.cookie), &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let v2 = app.get("/api/v1/policy-versions/2", &admin).await.json();
    let mut expected =
        serde_json::to_value(grant_tracker::domain::policy::Policy::default_v1()).unwrap();
    expected["emergency"]["max_amount"] = json!("1200.00");
    expected["caps"]["window_days"] = json!(730);
    expected["immigration_fee"]["reduced_fees"]
        .as_array_mut()
        .unwrap()
        .push(json!({"form": "I-765", "filing": "online", "fee": "200.00", "above_percent": 150, "up_to_percent": 300}));
    expected["documents"]["by_form"] = json!({"N-400": [["other"]]});
    expected["service_area"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s != "WY");
    expected["emergency"]["categories"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c != "other");
    assert_eq!(v2["policy"], expected);
    assert_eq!(v2["note"], "Board minutes 2026-11 (이사회)");

    let cw = app.user(&["caseworker"]).await;
    let cwb = app.browser(&cw).await;
    assert_eq!(
        app.page("/admin/policy", Some(&cwb.cookie)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_override_form_needs_a_reason_and_says_so_beside_the_field() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let id = submitted_n400(&app, &cw).await;
    check(&app, &cw, id).await;
    let b = app.browser(&admin).await;
    let view = app
        .page(&format!("/applications/{id}"), Some(&b.cookie))
        .await;
    assert!(
        view.text
            .contains(&format!("action=\"/applications/{id}/override\""))
    );
    let r = app
        .form(
            &format!("/applications/{id}/override"),
            Some(&b.cookie),
            &format!("csrf_token={}&result=eligible&reason=", b.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"reason-error\""));
    let ok = app
        .form(
            &format!("/applications/{id}/override"),
            Some(&b.cookie),
            &format!(
                "csrf_token={}&result=eligible&reason=seen+in+person",
                b.csrf
            ),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "eligible");
}

/// Plants an earlier grant: the application approved for its requested amount `days_ago`
/// (its decision and commitment entry), and now `status`. The past cannot be reached
/// through the service, so the owner writes it with the triggers off.
async fn plant_grant(app: &TestApp, by: &TestUser, id: i64, status: &str, days_ago: i32) {
    let by = by.id;
    // Dated by the service's clock, never by the database's.
    let (today, now) = (app.today(), app.state.clock.now().to_rfc3339());
    exec_owner(
        app,
        &format!(
            "SET session_replication_role = replica;
             UPDATE applications SET status = '{status}' WHERE id = {id};
             WITH a AS (SELECT id, program, requested_amount FROM applications WHERE id = {id}),
             v AS (INSERT INTO votes (application_id, voter_id, vote, amount)
                   SELECT id, {by}, 'approve', requested_amount FROM a RETURNING id),
             e AS (INSERT INTO journal_entries (entry_date, kind, memo, document_type, document_id, program, created_by)
                   SELECT '{today}', 'commitment', 'planted grant', 'application', id, program, {by} FROM a
                   RETURNING id),
             p AS (INSERT INTO postings (entry_id, line_no, account_code, fund_id, side, amount)
                   SELECT e.id, 1, CASE a.program WHEN 'emergency' THEN '5200' ELSE '5100' END, 1, 'debit',
                          a.requested_amount FROM e, a
                   UNION ALL SELECT e.id, 2, '2100', 1, 'credit', a.requested_amount FROM e, a
                   RETURNING 1)
             INSERT INTO decisions (application_id, outcome, amount, fund_id, commitment_entry_id,
                                    policy_version, deciding_vote_id, decided_at)
             SELECT a.id, 'approved', a.requested_amount, 1, e.id, 1, v.id, '{now}'::timestamptz - interval '{days_ago} days'
             FROM a, e, v;
             SET session_replication_role = origin;"
        ),
    )
    .await
    .unwrap();
}

/// SPEC "Eligibility": the household caps count the approved and paid amounts of the
/// household's earlier applications in the rolling 365 days, whatever their program; one
/// emergency grant per 365 days. Denied or withdrawn applications count for nothing.
#[tokio::test]
async fn earlier_grants_of_the_household_count_towards_its_caps() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let create = |body: Value| {
        let app = &app;
        let cw = &cw;
        async move {
            let r = app.post("/api/v1/applications", cw, body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.json()["id"].as_i64().unwrap()
        }
    };
    // $1,200 emergency grant paid 30 days ago; $1,500 approved 400 days ago (outside the
    // window); $1,500 denied.
    let paid = create(emergency(hid)).await;
    plant_grant(&app, &cw, paid, "paid", 30).await;
    let old = create(
        json!({"household_id": hid, "site": "LA", "program": "emergency",
        "emergency": {"category": "medical", "amount": "1500.00", "story": "병원비"}}),
    )
    .await;
    plant_grant(&app, &cw, old, "closed", 400).await;
    let denied = create(
        json!({"household_id": hid, "site": "LA", "program": "emergency",
        "emergency": {"category": "medical", "amount": "1500.00", "story": "병원비"}}),
    )
    .await;
    exec_owner(
        &app,
        &format!("UPDATE applications SET status = 'denied' WHERE id = {denied}"),
    )
    .await
    .unwrap();

    // A second emergency request: the paid grant 30 days ago blocks it.
    let again = create(emergency(hid)).await;
    app.post(
        &format!("/api/v1/applications/{again}/submit"),
        &cw,
        json!({}),
    )
    .await;
    documents(&app, &cw, again, &["photo_id", "event_evidence"]).await;
    let result = check(&app, &cw, again).await;
    assert_eq!(rule(&result, "one_emergency_grant")["outcome"], "fail");
    assert!(
        rule(&result, "one_emergency_grant")["message_en"]
            .as_str()
            .unwrap()
            .contains("CEF-")
    );
    assert_eq!(
        rule(&result, "household_cap")["outcome"],
        "pass",
        "1,200 + 1,200"
    );
    assert_eq!(result["facts"]["prior_grants"].as_array().unwrap().len(), 2);

    // An N-400 now: 1,200 + 760 is within $3,000; with a further $1,100 approved, it is not.
    let n400_id = submitted_n400_for(&app, &cw, hid).await;
    let first = check(&app, &cw, n400_id).await;
    assert_eq!(rule(&first, "household_cap")["outcome"], "pass");
    let more = create(
        json!({"household_id": hid, "site": "LA", "program": "emergency",
        "emergency": {"category": "eviction", "amount": "1100.00", "story": "퇴거"}}),
    )
    .await;
    plant_grant(&app, &cw, more, "approved", 1).await;
    let second = check(&app, &cw, n400_id).await;
    let cap = rule(&second, "household_cap");
    assert_eq!(cap["outcome"], "fail");
    assert!(
        cap["message_en"].as_str().unwrap().contains("$3,060.00"),
        "{cap}"
    );
}

/// The element `id` of a page (a field's message, a group's) says `message`.
fn assert_beside(page: &str, id: &str, message: &str) {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {page}"));
    let near = &page[at..(at + 300).min(page.len())];
    assert!(near.contains(message), "{id}: {near}");
}
