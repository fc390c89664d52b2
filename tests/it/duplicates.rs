//! SPEC "Duplicate households": likely matches on phone (any format), Hangul name (spaces
//! ignored), romanized name (either order, any case), a member's name with birth year,
//! and address with ZIP; near misses that are not the same family are not matches; search
//! finds every variant; the intake page warns before saving and records "a different
//! family"; an admin merges two records keeping every application and both histories.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn encode(s: &str) -> String {
    serde_html_form::to_string([("v", s)]).unwrap()[2..].to_owned()
}

/// The ids and reasons `GET /households/matches?query` answers.
async fn matches(app: &TestApp, user: &TestUser, query: &str) -> Vec<(i64, Vec<String>)> {
    let reply = app
        .get(&format!("/api/v1/households/matches?{query}"), user)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let reasons = m["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect();
            (m["id"].as_i64().unwrap(), reasons)
        })
        .collect()
}

/// Two families with one surname: the Kims of the helpers (Kim Minjun, 김민준,
/// (213) 555-0147, 3700 Wilshire Blvd 90010, with Lee Sooja born 1961) and Kim Jisoo.
async fn two_kims(app: &TestApp, cw: &TestUser) -> (i64, i64) {
    let minjun = app.household(cw).await["id"].as_i64().unwrap();
    let jisoo = app
        .post(
            "/api/v1/households",
            cw,
            json!({
                "name": "Kim Jisoo", "name_ko": "김지수", "phone": "312-555-0199",
                "preferred_language": "ko",
                "address": {"line1": "5000 N Kedzie Ave", "city": "Chicago", "state": "IL", "postal_code": "60625"},
                "size": 1, "annual_income": "21000.00",
                "members": [{"name": "Kim Jisoo", "relationship": "self", "birth_year": 1970}]
            }),
        )
        .await;
    assert_eq!(jisoo.status, StatusCode::CREATED, "{}", jisoo.text);
    let body = jisoo.json();
    assert_eq!(
        body["possible_duplicates"],
        json!([]),
        "a shared surname is not a match"
    );
    (minjun, body["id"].as_i64().unwrap())
}

#[tokio::test]
async fn near_misses_match_by_phone_name_member_and_address_and_no_more() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let (minjun, jisoo) = two_kims(&app, &cw).await;
    let cases: Vec<(String, Option<(i64, &str)>)> = vec![
        (
            "phone=%2B1%20213-555-0147".to_owned(),
            Some((minjun, "phone")),
        ),
        ("phone=2135550147".to_owned(), Some((minjun, "phone"))),
        ("phone=555-0147".to_owned(), None),
        (
            format!("name_ko={}", encode("김 민준")),
            Some((minjun, "name_ko")),
        ),
        ("name=MINJUN%20KIM".to_owned(), Some((minjun, "name"))),
        ("name=kim%20min-jun".to_owned(), Some((minjun, "name"))),
        ("name=Kim".to_owned(), None),
        (
            "member_name=Sooja%20Lee&birth_year=1961".to_owned(),
            Some((minjun, "member")),
        ),
        ("member_name=Lee%20Sooja&birth_year=1962".to_owned(), None),
        (
            "address=3700%20Wilshire%20Boulevard&postal_code=90010".to_owned(),
            Some((minjun, "address")),
        ),
        (
            "address=3700%20Wilshire%20Blvd&postal_code=90011".to_owned(),
            None,
        ),
        (
            format!("name_ko={}", encode("김지수")),
            Some((jisoo, "name_ko")),
        ),
        (
            "name=Jisoo%20Kim&phone=(312)%20555%200199".to_owned(),
            Some((jisoo, "phone")),
        ),
    ];
    for (query, expected) in cases {
        let found = matches(&app, &cw, &query).await;
        match expected {
            Some((id, reason)) => {
                assert_eq!(found.len(), 1, "{query}: {found:?}");
                assert_eq!(found[0].0, id, "{query}");
                assert!(
                    found[0].1.contains(&reason.to_owned()),
                    "{query}: {found:?}"
                );
            }
            None => assert!(found.is_empty(), "{query}: {found:?}"),
        }
    }
    // Every reason at once, the most reasons first.
    let all = matches(
        &app,
        &cw,
        "name=Minjun%20Kim&phone=213.555.0147&address=3700%20wilshire%20blvd&postal_code=90010",
    )
    .await;
    assert_eq!(all[0].0, minjun);
    assert_eq!(all[0].1, vec!["phone", "name", "address"]);
    // The read is logged; a board member may not ask; a bad birth year is named.
    assert!(
        app.count(&format!(
            "SELECT count(*) FROM access_log WHERE user_id = {} AND {minjun} = ANY(entity_ids)",
            cw.id
        ))
        .await
            >= 1
    );
    let board = app.user(&["board_member"]).await;
    assert_eq!(
        app.get("/api/v1/households/matches?name=Kim", &board)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = app
        .get(
            "/api/v1/households/matches?member_name=Lee&birth_year=19x1",
            &cw,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("birth_year"), "{}", bad.text);

    // Creating the same family again names the first as a possible duplicate.
    let mut again = household_json();
    again["phone"] = json!("+1 213 555 0147");
    again["name"] = json!("MINJUN KIM");
    let reply = app.post("/api/v1/households", &cw, again).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let dupes = &reply.json()["possible_duplicates"];
    assert_eq!(dupes[0]["id"], minjun, "{dupes}");
}

#[tokio::test]
async fn search_finds_every_variant() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let (minjun, jisoo) = two_kims(&app, &cw).await;
    for q in [
        "Minjun Kim",
        "minjun",
        "김 민준",
        "민준",
        "+1 213 555 0147",
        "(213) 555-0147",
        "Sooja",
        "Lee Sooja",
        "Wilshire",
        "90010",
    ] {
        let reply = app
            .get(&format!("/api/v1/households?q={}", encode(q)), &cw)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{q}");
        let ids: Vec<i64> = reply.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![minjun], "{q}");
    }
    let kims = app.get("/api/v1/households?q=Kim", &cw).await.json();
    assert_eq!(kims["items"].as_array().unwrap().len(), 2);
    let jisoos = app
        .get(&format!("/api/v1/households?q={}", encode("김지수")), &cw)
        .await
        .json();
    assert_eq!(jisoos["items"][0]["id"], jisoo);
}

#[tokio::test]
async fn the_intake_page_warns_before_saving_and_records_a_different_family() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let (minjun, _) = two_kims(&app, &cw).await;
    let b = app.browser(&cw).await;
    let body = format!(
        "csrf_token={}&name=Kim+Minjun&name_ko={}&members%5B0%5D.birth_year=1958&phone=213-555-0147&preferred_language=ko&address.line1=12+Other+St&address.line2=&address.city=Los+Angeles&address.state=CA&address.postal_code=90020&annual_income=30000&then=immigration_fee",
        b.csrf,
        encode("김민준")
    );
    let warned = app.form("/households", Some(&b.cookie), &body).await;
    assert_eq!(warned.status, StatusCode::OK);
    assert!(
        warned
            .text
            .contains(&format!("href=\"/households/{minjun}\"")),
        "open this family"
    );
    assert!(warned.text.contains("same phone number"), "{}", warned.text);
    assert!(
        warned
            .text
            .contains(&format!("name=\"different_from\" value=\"{minjun}\""))
    );
    assert_eq!(
        app.count("SELECT count(*) FROM households").await,
        2,
        "nothing saved yet"
    );

    // "This is a different family": saved, the answer kept in the audit trail.
    let saved = app
        .form(
            "/households",
            Some(&b.cookie),
            &format!("{body}&different_from={minjun}"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(app.count("SELECT count(*) FROM households").await, 3);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'not_duplicate' \
             AND changes -> 'different_from' = '[{minjun}]'::jsonb"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn an_admin_merges_two_records_keeping_applications_and_both_histories() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let admin = app.user(&["admin"]).await;
    let first = app.household(&cw).await["id"].as_i64().unwrap();
    let mut again = household_json();
    again["members"][1]["name"] = json!("Lee Sooja");
    again["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "Kim Yuna", "relationship": "child", "birth_year": 2010}));
    again["size"] = json!(4);
    let second = app.post("/api/v1/households", &cw, again).await.json()["id"]
        .as_i64()
        .unwrap();
    let a1 = app
        .post("/api/v1/applications", &cw, n400(first))
        .await
        .json()["id"]
        .clone();
    let a2 = app
        .post("/api/v1/applications", &cw, n400(second))
        .await
        .json()["id"]
        .clone();

    // Not a caseworker's to do; not into itself.
    let merge = |into: Value| json!({ "into": into });
    assert_eq!(
        app.post(
            &format!("/api/v1/households/{second}/merge"),
            &cw,
            merge(json!(first))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/households/{second}/merge"),
            &admin,
            merge(json!(second))
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let merged = app
        .post(
            &format!("/api/v1/households/{second}/merge"),
            &admin,
            merge(json!(first)),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    let h = merged.json();
    assert_eq!(h["id"], first);
    let apps: Vec<&Value> = h["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert!(apps.contains(&&a1) && apps.contains(&&a2), "{apps:?}");
    // The same two people are kept once; the child joins; the size counts them.
    let names: Vec<&str> = h["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"Kim Yuna"));
    assert_eq!(h["size"], 4);
    // Both histories stay; the merged record points at the one that remains and is no
    // longer found by search or as a match.
    for id in [first, second] {
        assert!(
            app.count(&format!(
                "SELECT count(*) FROM audit_log WHERE entity_type = 'household' AND entity_id = {id} AND action IN ('create', 'merge')"
            ))
            .await
                >= 2,
            "{id}"
        );
    }
    let old = app
        .get(&format!("/api/v1/households/{second}"), &admin)
        .await
        .json();
    assert_eq!(old["merged_into"], first);
    let found = app.get("/api/v1/households?q=Kim", &cw).await.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.post(
            &format!("/api/v1/households/{second}/merge"),
            &admin,
            merge(json!(first))
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    // The admin's page offers the merge.
    let ab = app.browser(&admin).await;
    let page = app
        .page(&format!("/households/{first}"), Some(&ab.cookie))
        .await;
    assert!(
        page.text
            .contains(&format!("action=\"/households/{first}/merge\""))
    );
}
