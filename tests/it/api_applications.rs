use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_n400_takes_its_fee_from_the_schedule_and_goes_through_submit() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let reply = app.post("/api/v1/applications", &cw, n400(hid)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let a = reply.json();
    assert_eq!(a["status"], "draft");
    assert_eq!(a["requested_amount"], "760.00");
    assert_eq!(a["lines"][0]["amount"], "760.00");
    assert_eq!(a["lines"][0]["beneficiary"], "Kim Minjun");
    let number = a["number"].as_str().unwrap();
    assert!(
        number.starts_with("CEF-20") && number.ends_with("-00001"),
        "{number}"
    );
    let id = a["id"].as_i64().unwrap();

    for kind in ["photo_id", "proof_of_income", "completed_form"] {
        let doc = app
            .post(
                &format!("/api/v1/applications/{id}/documents"),
                &cw,
                json!({"kind": kind, "note": "원본 확인"}),
            )
            .await;
        assert_eq!(doc.status, StatusCode::CREATED, "{}", doc.text);
    }
    let submitted = app
        .post(&format!("/api/v1/applications/{id}/submit"), &cw, json!({}))
        .await;
    assert_eq!(submitted.status, StatusCode::OK);
    let submitted = submitted.json();
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["documents"].as_array().unwrap().len(), 3);
    assert_eq!(submitted["history"].as_array().unwrap().len(), 2);

    let again = app
        .post(&format!("/api/v1/applications/{id}/submit"), &cw, json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("submitted")
    );
}

#[tokio::test]
async fn numbers_are_gapless_and_emergency_applications_keep_their_story() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let first = app
        .post("/api/v1/applications", &cw, n400(hid))
        .await
        .json();
    // A refused application does not use up a number.
    let bad = app.post("/api/v1/applications", &cw, json!({"household_id": hid, "site": "LA", "program": "immigration_fee", "lines": [{"form": "N-400", "filing": "paper", "amount": "500.00"}]})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.json()["error"]["fields"]["lines[0].amount"]
            .as_str()
            .unwrap()
            .contains("$760.00")
    );
    let second = app.post("/api/v1/applications", &cw, emergency(hid)).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    let second = second.json();
    let n1: u32 = first["number"]
        .as_str()
        .unwrap()
        .rsplit('-')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let n2: u32 = second["number"]
        .as_str()
        .unwrap()
        .rsplit('-')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(n2, n1 + 1);
    assert_eq!(second["emergency"]["category"], "fire_or_disaster");
    assert_eq!(
        second["emergency"]["story"],
        "아파트 화재로 집을 잃었습니다 🔥"
    );
    assert_eq!(second["requested_amount"], "1200.00");
    assert_eq!(second["site"], "NYC");
}

#[tokio::test]
async fn an_override_needs_a_reason_and_online_filing_has_its_own_fee() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let body = json!({"household_id": hid, "site": "CHI", "program": "immigration_fee", "lines": [
        {"form": "N-400", "filing": "paper", "amount": "380.00", "override_reason": "reduced fee: income under 400%"},
        {"form": "i-765", "filing": "online"},
        {"form": "I-765", "category": "c33", "filing": "paper"}
    ]});
    let reply = app.post("/api/v1/applications", &cw, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let a = reply.json();
    assert_eq!(a["lines"][0]["amount"], "380.00");
    assert_eq!(a["lines"][1]["amount"], "470.00");
    assert_eq!(a["lines"][2]["amount"], "520.00");
    assert_eq!(a["requested_amount"], "1370.00");
    let online_only = json!({"household_id": hid, "site": "LA", "program": "immigration_fee", "lines": [{"form": "I-131", "filing": "online"}]});
    let reply = app.post("/api/v1/applications", &cw, online_only).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["error"]["fields"]["lines[0].filing"].is_string());
}

#[tokio::test]
async fn withdrawal_needs_a_reason_and_ends_the_life_cycle() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let id = app.draft_n400(&cw, hid).await;
    let no_reason = app
        .post(
            &format!("/api/v1/applications/{id}/withdraw"),
            &cw,
            json!({}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = app
        .post(
            &format!("/api/v1/applications/{id}/withdraw"),
            &cw,
            json!({"reason": "가족이 취소를 원함"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.json()["status"], "withdrawn");
    assert_eq!(
        app.post(&format!("/api/v1/applications/{id}/submit"), &cw, json!({}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let doc = app
        .post(
            &format!("/api/v1/applications/{id}/documents"),
            &cw,
            json!({"kind": "photo_id"}),
        )
        .await;
    assert_eq!(doc.status, StatusCode::CONFLICT);
    assert_eq!(
        app.post(
            &format!("/api/v1/applications/{id}/withdraw"),
            &cw,
            json!({"reason": "again"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn lists_filter_and_board_members_see_no_names() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let board = app.user(&["board_member"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    app.post("/api/v1/applications", &cw, n400(hid)).await;
    app.post("/api/v1/applications", &cw, emergency(hid)).await;
    let all = app.get("/api/v1/applications", &cw).await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let only = app
        .get("/api/v1/applications?program=emergency", &cw)
        .await
        .json();
    assert_eq!(only["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/applications?status=nonsense", &cw)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let queue = app.get("/api/v1/applications", &board).await.json();
    assert_eq!(
        queue["items"].as_array().unwrap().len(),
        0,
        "drafts are not in the board's queue"
    );
    let id = all["items"][0]["id"].as_i64().unwrap();
    let seen = app
        .get(&format!("/api/v1/applications/{id}"), &board)
        .await
        .json();
    assert!(seen["household_name"].is_null());
}

/// Application numbers stay gapless and unique when caseworkers save at the same moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_get_consecutive_numbers() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let cw = std::sync::Arc::new(app.user(&["caseworker"]).await);
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (app, cw) = (app.clone(), cw.clone());
            tokio::spawn(async move {
                // Every fourth request is refused, and must not use up a number.
                let body = if i % 4 == 3 {
                    json!({"household_id": hid, "site": "LA", "program": "immigration_fee", "lines": [{"form": "N-400", "filing": "paper", "amount": "1.00"}]})
                } else {
                    n400(hid)
                };
                app.post("/api/v1/applications", &cw, body).await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        if reply.status == StatusCode::CREATED {
            let number = reply.json()["number"].as_str().unwrap().to_owned();
            numbers.push(number.rsplit('-').next().unwrap().parse::<u32>().unwrap());
        } else {
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    numbers.sort();
    assert_eq!(numbers, (1..=9).collect::<Vec<u32>>());
}

/// `q=` finds applications by any part of the number or of the family's name, in English
/// or Korean; a role that does not see names finds by number only; `%` is a character.
#[tokio::test]
async fn applications_are_found_by_number_and_family_name() {
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let board = app.user(&["board_member"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let id = app.draft_n400(&cw, hid).await;
    let mut other = household_json();
    other["name"] = json!("Park Jisoo");
    other["name_ko"] = json!("박지수");
    other["members"][0]["name"] = json!("Park Jisoo");
    let other_hid = app.post("/api/v1/households", &cw, other).await.json()["id"]
        .as_i64()
        .unwrap();
    let mut other_n400 = n400(other_hid);
    other_n400["lines"][0]["beneficiary"] = json!("Park Jisoo");
    let reply = app.post("/api/v1/applications", &cw, other_n400).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let number = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    async fn search(app: &TestApp, user: &TestUser, q: &str) -> Vec<i64> {
        let reply = app.get(&format!("/api/v1/applications?q={q}"), user).await;
        assert_eq!(reply.status, StatusCode::OK, "{q}: {}", reply.text);
        reply.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    }
    let none: Vec<i64> = Vec::new();
    assert_eq!(search(&app, &cw, &number[number.len() - 5..]).await, [id]);
    assert_eq!(search(&app, &cw, "minjun").await, [id]);
    assert_eq!(search(&app, &cw, "%EB%AF%BC%EC%A4%80").await, [id]);
    assert_eq!(search(&app, &cw, "%25").await, none);
    assert_eq!(search(&app, &cw, "nobody").await, none);
    // A board member never finds a family by its name.
    assert_eq!(search(&app, &board, "minjun").await, none);
    let long = "a".repeat(101);
    let reply = app
        .get(&format!("/api/v1/applications?q={long}"), &cw)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // The list page searches the same way.
    let browser = app.browser(&cw).await;
    let page = app
        .page("/applications?q=jisoo", Some(&browser.cookie))
        .await;
    assert!(page.text.contains("Park Jisoo"), "{}", page.text);
    assert!(!page.text.contains("Kim Minjun"), "{}", page.text);
}

/// An application takes its number last, in the creating transaction (issue 17): the
/// database refuses to commit one still holding its placeholder, and a number once given
/// never changes. The number is `CEF-<the service's year>-<five digits>`.
#[tokio::test]
async fn a_number_is_given_once_in_the_creating_transaction_and_kept() {
    use chrono::Datelike;
    let app = TestApp::spawn().await;
    let cw = app.user(&["caseworker"]).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let id = app.draft_n400(&cw, hid).await;
    let number = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(number, format!("CEF-{}-00001", app.today().year()));

    let unnumbered = exec_owner(
        &app,
        &format!(
            "INSERT INTO applications (household_id, site_id, program, requested_amount, \
             emergency_category, emergency_story, created_by) \
             SELECT {hid}, id, 'emergency', 100.00, 'eviction', 'story', {} FROM sites LIMIT 1",
            cw.id
        ),
    )
    .await;
    assert!(
        unnumbered.unwrap_err().to_string().contains("no number"),
        "an application without its number was committed"
    );
    let renumbered = exec_owner(
        &app,
        &format!("UPDATE applications SET number = 'CEF-2000-00001' WHERE id = {id}"),
    )
    .await;
    assert!(
        renumbered
            .unwrap_err()
            .to_string()
            .contains("keeps its number"),
        "a number was changed"
    );
    assert_eq!(app.count("SELECT count(*) FROM applications").await, 1);
}
