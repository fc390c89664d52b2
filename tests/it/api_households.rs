use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn create_search_edit_a_household_with_hangul_names() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let h = app.household(&cw).await;
    let id = h["id"].as_i64().unwrap();
    assert_eq!(h["name_ko"], "김민준");
    assert_eq!(h["annual_income"], "48000.00");
    assert_eq!(h["members"].as_array().unwrap().len(), 2);

    for q in [
        "%EA%B9%80%EB%AF%BC",
        "kim",
        "MINJUN",
        "555-0147",
        "2135550147",
    ] {
        let found = app
            .get(&format!("/api/v1/households?q={q}"), &cw)
            .await
            .json();
        assert_eq!(found["items"][0]["id"], id, "search {q}");
    }
    let none = app.get("/api/v1/households?q=Park", &cw).await.json();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

    let changed = app
        .api(
            Method::PATCH,
            &format!("/api/v1/households/{id}"),
            Some(&cw.token),
            Some(json!({"name_ko": "김민준 할아버지", "size": 3})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let changed = changed.json();
    assert_eq!(changed["name_ko"], "김민준 할아버지");
    assert_eq!(changed["size"], 3);
    assert_eq!(changed["name"], "Kim Minjun", "fields not sent stay");

    let shown = app
        .get(&format!("/api/v1/households/{id}"), &cw)
        .await
        .json();
    assert_eq!(shown["name_ko"], "김민준 할아버지");
}

#[tokio::test]
async fn members_can_be_changed_added_and_removed() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let h = app.household(&cw).await;
    let id = h["id"].as_i64().unwrap();
    let first = h["members"][0]["id"].as_i64().unwrap();
    let members = json!({"members": [
        {"id": first, "name": "Kim Min-jun", "relationship": "self"},
        {"name": "Kim Ha-eun", "relationship": "grandchild", "birth_year": 2015}
    ]});
    let reply = app
        .api(
            Method::PATCH,
            &format!("/api/v1/households/{id}"),
            Some(&cw.token),
            Some(members),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let names: Vec<String> = reply.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, vec!["Kim Min-jun", "Kim Ha-eun"]);

    let unknown = json!({"members": [{"id": 999999, "name": "X", "relationship": "self"}]});
    let reply = app
        .api(
            Method::PATCH,
            &format!("/api/v1/households/{id}"),
            Some(&cw.token),
            Some(unknown),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["error"]["fields"]["members[0].id"].is_string());
}

#[tokio::test]
async fn paging_follows_the_cursor() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    for _ in 0..3 {
        app.household(&cw).await;
    }
    let first = app.get("/api/v1/households?limit=2", &cw).await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/households?limit=2&cursor={cursor}"), &cw)
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null());
    assert_eq!(
        app.get("/api/v1/households?limit=abc", &cw).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/households?limit=501", &cw).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn unknown_household_is_404() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let reply = app.get("/api/v1/households/424242", &cw).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"]["code"], "not_found");
    assert_eq!(
        app.get("/api/v1/households/abc", &cw).await.status,
        StatusCode::NOT_FOUND
    );
}
