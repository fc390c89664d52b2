use axum::http::{Method, StatusCode};
use diesel_async::SimpleAsyncConnection;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn each_write_leaves_exactly_one_audit_row() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let audit_rows = || app.count("SELECT count(*) FROM audit_log");
    let before = audit_rows().await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    assert_eq!(audit_rows().await, before + 1, "create household");
    app.api(
        Method::PATCH,
        &format!("/api/v1/households/{hid}"),
        Some(&cw.token),
        Some(json!({"size": 5})),
    )
    .await;
    assert_eq!(audit_rows().await, before + 2, "update household");
    let aid = app.draft_n400(&cw, hid).await;
    assert_eq!(audit_rows().await, before + 3, "create application");
    app.post(
        &format!("/api/v1/applications/{aid}/documents"),
        &cw,
        json!({"kind": "photo_id"}),
    )
    .await;
    assert_eq!(audit_rows().await, before + 4, "add document");
    app.post(
        &format!("/api/v1/applications/{aid}/submit"),
        &cw,
        json!({}),
    )
    .await;
    assert_eq!(audit_rows().await, before + 5, "submit");
    // A refused write leaves none.
    app.post(
        &format!("/api/v1/applications/{aid}/submit"),
        &cw,
        json!({}),
    )
    .await;
    assert_eq!(audit_rows().await, before + 5, "refused submit");

    let changes = app.count(&format!(
        "SELECT count(*) FROM audit_log WHERE entity_type = 'household' AND entity_id = {hid} AND action = 'update' \
         AND changes -> 'size' = '{{\"from\": 4, \"to\": 5}}'::jsonb AND actor_id = {}", cw.id)).await;
    assert_eq!(
        changes, 1,
        "the update row says what changed and who changed it"
    );
    let admin = app.user(&["admin"]).await;
    let trail = app
        .get(
            &format!("/api/v1/audit?entity_type=application&entity_id={aid}"),
            &admin,
        )
        .await
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["status_change", "add_document", "create"]);
}

#[tokio::test]
async fn reading_a_household_is_logged() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    assert_eq!(app.count("SELECT count(*) FROM access_log").await, 0);
    app.get(&format!("/api/v1/households/{hid}"), &cw).await;
    let logged = app.count(&format!(
        "SELECT count(*) FROM access_log WHERE user_id = {} AND entity_type = 'household' AND entity_id = {hid} AND channel = 'api'", cw.id)).await;
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn the_app_role_cannot_change_history() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    app.household(&cw).await;
    let mut conn = app.app_conn().await;
    for sql in [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE access_log SET user_id = 1",
        "DELETE FROM status_changes",
    ] {
        let err = conn.batch_execute(sql).await.expect_err(sql);
        assert!(
            err.to_string().contains("permission denied")
                || err.to_string().contains("append-only"),
            "{sql}: {err}"
        );
    }
    // Even the owner, who holds every privilege, is stopped by the triggers.
    let mut owner = app.owner_conn().await;
    let err = owner
        .batch_execute("UPDATE audit_log SET action = 'forged'")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = owner
        .batch_execute("DELETE FROM audit_log")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'forged'")
            .await,
        0
    );
}

/// SPEC "Privacy": every read of a household's record is logged, from the web too, and
/// an application (which names the family) counts as such a read.
#[tokio::test]
async fn reads_in_the_browser_and_of_applications_are_logged() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let aid = app.draft_n400(&cw, hid).await;
    let b = app.browser(&cw).await;
    assert_eq!(
        app.page(&format!("/households/{hid}"), Some(&b.cookie))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.page(&format!("/applications/{aid}"), Some(&b.cookie))
            .await
            .status,
        StatusCode::OK
    );
    app.get(&format!("/api/v1/applications/{aid}"), &cw).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM access_log WHERE entity_type = 'household' AND entity_id = {hid} AND channel = 'web' AND user_id = {}", cw.id)).await, 1);
    assert_eq!(app.count(&format!("SELECT count(*) FROM access_log WHERE entity_type = 'application' AND entity_id = {aid} AND channel = 'web'")).await, 1);
    assert_eq!(app.count(&format!("SELECT count(*) FROM access_log WHERE entity_type = 'application' AND entity_id = {aid} AND channel = 'api'")).await, 1);
}

/// SPEC "Application life cycle": every transition is done by a named user and recorded.
#[tokio::test]
async fn every_transition_names_its_user() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let aid = app.draft_n400(&cw, hid).await;
    app.post(
        &format!("/api/v1/applications/{aid}/submit"),
        &cw,
        json!({}),
    )
    .await;
    let a = app
        .post(
            &format!("/api/v1/applications/{aid}/withdraw"),
            &admin,
            json!({"reason": "duplicate"}),
        )
        .await
        .json();
    let history = a["history"].as_array().unwrap();
    let steps: Vec<(Option<&str>, &str, i64)> = history
        .iter()
        .map(|h| {
            (
                h["from"].as_str(),
                h["to"].as_str().unwrap(),
                h["by"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            (None, "draft", cw.id),
            (Some("draft"), "submitted", cw.id),
            (Some("submitted"), "withdrawn", admin.id)
        ]
    );
    assert_eq!(history[2]["reason"], "duplicate");
    let audited = app
        .count(&format!("SELECT count(*) FROM audit_log WHERE entity_type = 'application' AND entity_id = {aid} AND action = 'status_change'"))
        .await;
    assert_eq!(audited, 2);
}

/// The view every payment's state is read from (SPEC "the database role": least
/// privilege) is only readable by the service's role: it cannot write through it.
#[tokio::test]
async fn the_service_role_only_reads_the_payment_state_view() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    conn.batch_execute("SELECT count(*) FROM disbursement_states")
        .await
        .unwrap();
    for sql in [
        "DELETE FROM disbursement_states",
        "UPDATE disbursement_states SET state = 'cleared'",
        "TRUNCATE disbursement_states",
    ] {
        assert!(conn.batch_execute(sql).await.is_err(), "{sql}");
    }
}

/// SPEC "Working screens", back office: the trail reads as sentences in the reader's
/// language, with who did it by name, filtered by who, what and when (the fund's days),
/// and paged with the filter kept; the API takes the same filters.
#[tokio::test]
async fn the_trail_reads_as_sentences_filtered_by_who_what_and_when() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let name = app.get("/api/v1/me", &cw).await.json()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = app.browser(&admin).await;
    // The day the row was written, in the fund's time zone (rows carry the database's
    // time, which a test's clock does not move).
    let days = app
        .count(&format!(
            "SELECT to_char((at AT TIME ZONE 'America/Los_Angeles')::date, 'YYYYMMDD')::bigint \
             FROM audit_log WHERE action = 'create' AND entity_type = 'household' AND entity_id = {hid}"
        ))
        .await;
    let today = chrono::NaiveDate::parse_from_str(&days.to_string(), "%Y%m%d").unwrap();
    let page = app
        .page(
            &format!(
                "/admin/audit?actor_id={}&action=create&from={today}&to={today}",
                cw.id
            ),
            Some(&b.cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text
            .contains(&format!("{name} created household #{hid}.")),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!("href=\"/households/{hid}\"")));
    let trail = &page.text[page.text.find("class=\"audit-trail\"").unwrap()..];
    assert!(!trail.contains("signed in as"), "only what was asked for");
    let tomorrow = today.succ_opt().unwrap();
    let none = app
        .page(&format!("/admin/audit?from={tomorrow}"), Some(&b.cookie))
        .await;
    assert!(none.text.contains("Nothing in the trail matches."));
    let bad = app
        .page("/admin/audit?from=yesterday", Some(&b.cookie))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    app.form(
        "/language",
        Some(&b.cookie),
        &format!("csrf_token={}&language=ko&next=%2F", b.csrf),
    )
    .await;
    let ko = app
        .page(
            &format!("/admin/audit?actor_id={}&action=create", cw.id),
            Some(&b.cookie),
        )
        .await;
    assert!(
        ko.text.contains(&format!("{name}: 가정 #{hid} 생성.")),
        "{}",
        ko.text
    );

    let api = app
        .get(
            &format!(
                "/api/v1/audit?actor_id={}&action=create&from={today}&to={today}",
                cw.id
            ),
            &admin,
        )
        .await
        .json();
    let items = api["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert_eq!(item["action"], "create");
        assert_eq!(item["actor_name"], name.as_str());
    }
}
