use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use diesel_async::SimpleAsyncConnection;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn tokens_come_from_the_right_password_only() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let ok = app
        .api(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": cw.email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let token = ok.json()["token"].as_str().unwrap().to_owned();
    let me = app
        .api(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .json();
    assert_eq!(me["roles"], json!(["caseworker"]));
    let wrong = app
        .api(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": cw.email, "password": "wrong-password"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let nobody = app
        .api(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "nobody@example.org", "password": "x"})),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed'")
            .await,
        2
    );
}

#[tokio::test]
async fn no_token_or_a_bad_or_expired_token_is_401() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some("not-a-token"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.owner_conn()
        .await
        .batch_execute("UPDATE api_tokens SET expires_at = now() - interval '1 minute'")
        .await
        .unwrap();
    let expired = app.get("/api/v1/me", &cw).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.json()["error"]["code"], "unauthorized");
}

/// Each role against each endpoint built so far: allowed, or 403 naming the role.
#[tokio::test]
async fn every_endpoint_checks_its_role() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let aid = app.draft_n400(&cw, hid).await;
    let roles = ["caseworker", "board_member", "accountant", "admin"];
    let users = [
        app.user(&["caseworker"]).await,
        app.user(&["board_member"]).await,
        app.user(&["accountant"]).await,
        app.user(&["admin"]).await,
    ];
    // (method, path, body, roles allowed)
    let cases: Vec<(Method, String, Option<serde_json::Value>, Vec<&str>)> = vec![
        (Method::GET, "/api/v1/me".into(), None, roles.to_vec()),
        (Method::GET, "/api/v1/sites".into(), None, roles.to_vec()),
        (Method::GET, "/api/v1/users".into(), None, vec!["admin"]),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"email": "n@example.org", "name": "N", "roles": ["caseworker"], "password": "long-enough-pw"}),
            ),
            vec!["admin"],
        ),
        (
            Method::GET,
            "/api/v1/households?q=kim".into(),
            None,
            vec!["caseworker", "admin"],
        ),
        (
            Method::GET,
            format!("/api/v1/households/{hid}"),
            None,
            vec!["caseworker", "admin"],
        ),
        (
            Method::POST,
            "/api/v1/households".into(),
            Some(household_json()),
            vec!["caseworker"],
        ),
        (
            Method::PATCH,
            format!("/api/v1/households/{hid}"),
            Some(json!({"phone": "213-555-0100"})),
            vec!["caseworker"],
        ),
        (
            Method::GET,
            "/api/v1/applications".into(),
            None,
            roles.to_vec(),
        ),
        (
            Method::GET,
            format!("/api/v1/applications/{aid}"),
            None,
            roles.to_vec(),
        ),
        (
            Method::POST,
            "/api/v1/applications".into(),
            Some(n400(hid)),
            vec!["caseworker"],
        ),
        (
            Method::POST,
            format!("/api/v1/applications/{aid}/documents"),
            Some(json!({"kind": "photo_id"})),
            vec!["caseworker"],
        ),
        (Method::GET, "/api/v1/audit".into(), None, vec!["admin"]),
    ];
    for (method, path, body, allowed) in &cases {
        for (role, user) in roles.iter().zip(&users) {
            let reply = app
                .api(method.clone(), path, Some(&user.token), body.clone())
                .await;
            if allowed.contains(role) {
                assert!(
                    reply.status.is_success(),
                    "{role} {method} {path}: {} {}",
                    reply.status,
                    reply.text
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::FORBIDDEN,
                    "{role} {method} {path}"
                );
                let message = reply.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert!(message.contains(allowed[0]), "{message}");
            }
        }
    }
    // Submit and withdraw change state, so they are checked once each.
    for user in &users[1..3] {
        assert_eq!(
            app.post(
                &format!("/api/v1/applications/{aid}/submit"),
                user,
                json!({})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.post(
            &format!("/api/v1/applications/{aid}/withdraw"),
            &users[2],
            json!({"reason": "x"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/applications/{aid}/submit"),
            &users[0],
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/applications/{aid}/withdraw"),
            &users[3],
            json!({"reason": "admin"})
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_on_unsafe_requests() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let browser = app.browser(&cw).await;
    let body = household_json().to_string();
    let post = |csrf: Option<&str>| {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/households")
            .header(header::COOKIE, &browser.cookie)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(body.clone())).unwrap()
    };
    assert_eq!(app.send(post(None)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(post(Some("forged"))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.send(post(Some(&browser.csrf))).await.status,
        StatusCode::CREATED
    );
    // A form without the field is refused too.
    let form = app.form("/logout", Some(&browser.cookie), "").await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    // Signing out ends the session for good.
    let out = app
        .form(
            "/logout",
            Some(&browser.cookie),
            &format!("csrf_token={}", browser.csrf),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.page("/api/v1/me", Some(&browser.cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn readiness_follows_the_database() {
    let app = TestApp::spawn().await;
    assert_eq!(app.page("/readyz", None).await.status, StatusCode::OK);
    assert_eq!(app.page("/healthz", None).await.status, StatusCode::OK);
    // A service whose database is unreachable answers 503, not a panic or a 500.
    let pool = grant_tracker::db::pool("postgres://postgres@127.0.0.1:1/nowhere", 2).unwrap();
    let state = grant_tracker::app::AppState {
        pool,
        ..app.state.clone()
    };
    let router = grant_tracker::app::router(state);
    let down = tower::ServiceExt::oneshot(
        router.clone(),
        Request::builder()
            .uri("/readyz")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    let api = tower::ServiceExt::oneshot(
        router,
        Request::builder()
            .uri("/api/v1/me")
            .header(header::AUTHORIZATION, "Bearer x")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
}
