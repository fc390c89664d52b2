//! `/api/openapi.json`: the OpenAPI 3 document of every JSON endpoint.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn refs(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        found.insert(r.clone());
                    }
                    _ => refs(v, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_lists_every_endpoint_and_every_schema_it_names() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(
            axum::http::Request::builder()
                .uri("/api/openapi.json")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "anyone may read it");
    let doc = reply.json();
    if let Ok(path) = std::env::var("OPENAPI_OUT") {
        std::fs::write(path, &reply.text).unwrap();
    }
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let operations: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    for expected in [
        "POST /api/v1/auth/token",
        "GET /api/v1/me",
        "PATCH /api/v1/me",
        "POST /api/v1/users",
        "GET /api/v1/users",
        "GET /api/v1/sites",
        "POST /api/v1/households",
        "GET /api/v1/households",
        "GET /api/v1/households/{id}",
        "PATCH /api/v1/households/{id}",
        "POST /api/v1/applications",
        "GET /api/v1/applications",
        "GET /api/v1/applications/{id}",
        "POST /api/v1/applications/{id}/documents",
        "POST /api/v1/applications/{id}/submit",
        "POST /api/v1/applications/{id}/withdraw",
        "GET /api/v1/audit",
        "GET /api/v1/funds",
        "POST /api/v1/funds",
        "GET /api/v1/funds/{id}",
        "PATCH /api/v1/funds/{id}",
        "POST /api/v1/funds/{id}/receipts",
        "GET /api/v1/funds/{id}/receipts",
        "POST /api/v1/receipts/{id}/reverse",
        "GET /api/v1/ledger/entries",
        "GET /api/v1/ledger/check",
        "GET /api/v1/accounts",
        "POST /api/v1/applications/{id}/votes",
        "POST /api/v1/applications/{id}/declaration",
        "GET /api/v1/review/queue",
        "POST /api/v1/disbursements",
        "GET /api/v1/disbursements",
        "GET /api/v1/disbursements/ready",
        "GET /api/v1/disbursements/{id}",
        "POST /api/v1/disbursements/{id}/void",
        "POST /api/v1/disbursements/{id}/clear",
        "POST /api/v1/applications/{id}/close",
        "POST /api/v1/applications/{id}/lines/{line_no}/receipt-number",
    ] {
        assert!(operations.contains(expected), "{expected} is missing");
    }
    // Every operation answers in the error shape, and every schema it names is defined.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut named = BTreeSet::new();
    refs(&doc["paths"], &mut named);
    refs(&doc["components"], &mut named);
    for r in &named {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(schemas.contains_key(name), "{r} is not defined");
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"]["4XX"]["content"]["application/json"].is_object(),
                "{method} {path} documents its errors"
            );
        }
    }
    // Money-moving requests document their Idempotency-Key.
    let receipt = &doc["paths"]["/api/v1/funds/{id}/receipts"]["post"]["parameters"];
    assert!(
        receipt
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
        "{receipt}"
    );
    // Money is a two-decimal string; vocabularies list their values.
    assert_eq!(schemas["Money"]["type"], "string");
    let statuses = schemas["Status"]["enum"].as_array().unwrap();
    assert!(statuses.iter().any(|s| s == "needs_review"));
    assert!(
        doc["paths"]["/api/v1/auth/token"]["post"]["security"]
            .as_array()
            .is_some_and(|s| s
                .iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()))),
        "getting a token needs no token"
    );
}

/// What schemathesis found the document and the service disagreeing on: the service
/// answers as the document says, both ways (issue 12).
#[tokio::test]
async fn the_service_takes_what_its_document_allows_and_refuses_the_rest() {
    use axum::http::Method;
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let accountant = app.user(&["accountant"]).await;

    // A blank query parameter is not "no filter": leave it out.
    for path in [
        "/api/v1/ledger/entries?to=",
        "/api/v1/ledger/entries?fund_id=%20",
        "/api/v1/disbursements?from=",
    ] {
        let r = app.get(path, &accountant).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text);
        assert!(r.text.contains("blank"), "{}", r.text);
    }
    // Ids are from 1; a cursor is digits as `next_cursor` gave them; `bom` is a yes or no.
    for (path, user) in [
        ("/api/v1/applications?household_id=0", &cw),
        ("/api/v1/households?cursor=-1", &cw),
        ("/api/v1/households?cursor=%2B5", &cw),
        ("/api/v1/ledger/entries?fund_id=0", &accountant),
        ("/api/v1/exports/general-ledger.csv?bom=maybe", &accountant),
    ] {
        let r = app.get(path, user).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text);
    }
    // A date in a filter only narrows the list: any calendar date will do.
    for path in [
        "/api/v1/ledger/entries?from=1087-01-01&to=6482-09-17",
        "/api/v1/disbursements?from=2376-09-27",
    ] {
        let r = app.get(path, &accountant).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }

    // JSON Schema's integer: a member's id written 12.0 is the id 12.
    let household = app.household(&cw).await;
    let hid = household["id"].as_i64().unwrap();
    let member = &household["members"][0];
    let body = format!(
        r#"{{"members": [{{"id": {}.0, "name": "Kim Minjun", "relationship": "self"}}]}}"#,
        member["id"].as_i64().unwrap()
    );
    let patch = app
        .send(
            axum::http::Request::builder()
                .method(Method::PATCH)
                .uri(format!("/api/v1/households/{hid}"))
                .header("authorization", format!("Bearer {}", cw.token))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(patch.status, StatusCode::OK, "{}", patch.text);
    assert_eq!(patch.json()["members"][0]["id"], member["id"]);

    // Money is a decimal string, never a JSON number; nothing is written.
    let receipt = |amount: Value| json!({"amount": amount, "received_on": app.today().to_string(), "source": "donation", "donor": "교회"});
    let number = app
        .post(
            "/api/v1/funds/1/receipts",
            &accountant,
            receipt(json!(250.5)),
        )
        .await;
    assert_eq!(
        number.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        number.text
    );
    assert!(
        number.json()["error"]["fields"]["amount"]
            .as_str()
            .unwrap()
            .contains("\"760.00\""),
        "{}",
        number.text
    );
    assert_eq!(app.count("SELECT count(*) FROM receipts").await, 0);

    // The Idempotency-Key is 1 to 200 printable ASCII characters.
    for key in ["é", &"k".repeat(201)] {
        let r = app
            .post_keyed(
                "/api/v1/funds/1/receipts",
                &accountant,
                key,
                receipt(json!("5.00")),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{key}: {}", r.text);
    }
    let ok = app
        .post_keyed(
            "/api/v1/funds/1/receipts",
            &accountant,
            &"k".repeat(200),
            receipt(json!("5.00")),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}
