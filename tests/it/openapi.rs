//! `/api/openapi.json`: the OpenAPI 3 document of every JSON endpoint.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

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
