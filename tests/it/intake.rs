//! SPEC "Working screens", intake in one flow, over HTTP: the applicant is person 1 and
//! typed once, the size follows the people listed (any number of them), the caseworker's
//! site and state are preset, a half-filled row is an error, the checklist is ticked in
//! one post, "submit and check" is one step, and a cap is refused before anything is saved,
//! naming the rule. (The browser test `browser::intake` counts the reference intake's page
//! loads and fields.)

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn encode(s: &str) -> String {
    serde_html_form::to_string([("v", s)]).unwrap()[2..].to_owned()
}

/// A caseworker at the LA site, signed in through the form.
async fn caseworker_at_la(app: &TestApp) -> (TestUser, Browser) {
    let cw = app.user(&["caseworker"]).await;
    place_at_site(app, &cw, "LA").await;
    let b = app.browser(&cw).await;
    (cw, b)
}

/// The household form's fields for the Parks, with `people` other than the applicant.
fn household_form(csrf: &str, people: &[(&str, &str, &str)], then: &str) -> String {
    let mut body = format!(
        "csrf_token={csrf}&name=Park+Jiyeon&name_ko={}&members%5B0%5D.birth_year=1960&phone=&preferred_language=ko&address.line1=1+Main+St&address.line2=&address.city=Los+Angeles&address.state=CA&address.postal_code=90010&annual_income=20000&then={then}",
        encode("박지연")
    );
    for (i, (name, relationship, year)) in people.iter().enumerate() {
        let n = i + 1;
        body.push_str(&format!(
            "&members%5B{n}%5D.name={}&members%5B{n}%5D.relationship={relationship}&members%5B{n}%5D.birth_year={year}",
            encode(name)
        ));
    }
    body
}

#[tokio::test]
async fn the_applicant_is_person_one_and_the_size_follows_the_people() {
    let app = TestApp::spawn().await;
    let (cw, b) = caseworker_at_la(&app).await;

    // A new family's form: the state of the caseworker's site, the name searched for.
    let form = app
        .page(
            &format!("/households/new?q={}", encode("박지연")),
            Some(&b.cookie),
        )
        .await;
    assert!(
        form.text.contains("<option value=\"CA\" selected>"),
        "the site's state"
    );
    assert!(
        form.text.contains("value=\"박지연\""),
        "the Hangul name searched for"
    );
    assert!(
        !form.text.contains("name=\"size\""),
        "the size is not typed"
    );

    // Six other people: "more rows" shows more, without saving.
    let many: Vec<(String, &str, &str)> = (1..=6)
        .map(|i| (format!("Park Child{i}"), "child", "2010"))
        .collect();
    let people: Vec<(&str, &str, &str)> =
        many.iter().map(|(n, r, y)| (n.as_str(), *r, *y)).collect();
    let more = app
        .form(
            "/households",
            Some(&b.cookie),
            &household_form(&b.csrf, &people[..2], "more"),
        )
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(
        more.text.contains("name=\"members[6].name\""),
        "more rows: {}",
        more.text
    );
    assert_eq!(app.count("SELECT count(*) FROM households").await, 0);

    let saved = app
        .form(
            "/households",
            Some(&b.cookie),
            &household_form(&b.csrf, &people, "immigration_fee"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let next = saved.location();
    assert!(
        next.starts_with("/applications/new?household_id="),
        "{next}"
    );
    let hid: i64 = next
        .split("household_id=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let h = app
        .get(&format!("/api/v1/households/{hid}"), &cw)
        .await
        .json();
    assert_eq!(h["size"], 7, "the applicant and six others");
    assert_eq!(h["members"][0]["name"], "Park Jiyeon");
    assert_eq!(h["members"][0]["relationship"], "self");
    assert_eq!(h["members"][0]["birth_year"], 1960);
    assert_eq!(h["members"].as_array().unwrap().len(), 7);

    // The application form: the caseworker's site and the applicant are preset.
    let form = app.page(&next, Some(&b.cookie)).await;
    assert!(
        form.text.contains("<option value=\"LA\" selected>"),
        "the site is preset"
    );
    let applicant = h["members"][0]["id"].as_i64().unwrap();
    assert!(
        form.text
            .contains(&format!("<option value=\"{applicant}\" selected>"))
    );

    // Editing keeps the applicant first; dropping a person lowers the size.
    let edit = app
        .page(&format!("/households/{hid}/edit"), Some(&b.cookie))
        .await;
    assert!(edit.text.contains("name=\"members[0].id\""));
    let mut body = household_form(&b.csrf, &people[..5], "");
    body.push_str(&format!("&members%5B0%5D.id={applicant}"));
    for (i, m) in h["members"].as_array().unwrap()[1..6].iter().enumerate() {
        body.push_str(&format!("&members%5B{}%5D.id={}", i + 1, m["id"]));
    }
    let updated = app
        .form(&format!("/households/{hid}/edit"), Some(&b.cookie), &body)
        .await;
    assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.text);
    let h = app
        .get(&format!("/api/v1/households/{hid}"), &cw)
        .await
        .json();
    assert_eq!(h["size"], 6);
}

#[tokio::test]
async fn a_half_filled_row_is_an_error_never_dropped() {
    let app = TestApp::spawn().await;
    let (_cw, b) = caseworker_at_la(&app).await;
    let body = household_form(
        &b.csrf,
        &[("Park Minho", "spouse", "1961"), ("", "", "1999")],
        "",
    );
    let reply = app.form("/households", Some(&b.cookie), &body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text.contains("id=\"members-2--name-error\""),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("value=\"1999\""),
        "the row is kept as typed"
    );
    assert_eq!(app.count("SELECT count(*) FROM households").await, 0);
}

#[tokio::test]
async fn submit_and_check_is_one_step_and_the_checklist_one_post() {
    let app = TestApp::spawn().await;
    let (cw, b) = caseworker_at_la(&app).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let body = format!(
        "csrf_token={}&household_id={hid}&program=immigration_fee&site=LA&lines%5B0%5D.form=N-400&lines%5B0%5D.filing=paper&lines%5B0%5D.beneficiary=&lines%5B0%5D.amount=&lines%5B0%5D.override_reason=&documents=photo_id&documents=proof_of_income&documents=completed_form&insider_relationship=none&then=check",
        b.csrf
    );
    let reply = app.form("/applications", Some(&b.cookie), &body).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let id: i64 = reply
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_ne!(a["status"], "draft");
    assert_ne!(a["status"], "submitted");
    assert_eq!(a["checks"].as_array().unwrap().len(), 1, "checked");
    assert_eq!(a["documents"].as_array().unwrap().len(), 3);

    // Saved as a draft: nothing submitted; then the page's checklist takes two in one post.
    let draft = body.replace("then=check", "then=draft").replace(
        "&documents=photo_id&documents=proof_of_income&documents=completed_form",
        "",
    );
    let reply = app.form("/applications", Some(&b.cookie), &draft).await;
    let id: i64 = reply
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["status"], "draft");
    let ticked = app
        .form(
            &format!("/applications/{id}/documents"),
            Some(&b.cookie),
            &format!(
                "csrf_token={}&kind=photo_id&kind=proof_of_income&note=",
                b.csrf
            ),
        )
        .await;
    assert_eq!(ticked.status, StatusCode::SEE_OTHER, "{}", ticked.text);
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["documents"].as_array().unwrap().len(), 2);
    let none = app
        .form(
            &format!("/applications/{id}/documents"),
            Some(&b.cookie),
            &format!("csrf_token={}&note=", b.csrf),
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .form(
            &format!("/applications/{id}/documents"),
            Some(&b.cookie),
            &format!("csrf_token={}&kind=passport%F0%9F%99%82&note=", b.csrf),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM documents WHERE application_id = {id}"
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn a_request_over_a_cap_is_refused_before_saving_with_the_rule_named() {
    let app = TestApp::spawn().await;
    let (cw, b) = caseworker_at_la(&app).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let form = |amount: &str| {
        format!(
            "csrf_token={}&household_id={hid}&program=emergency&site=LA&emergency.category=eviction&emergency.amount={amount}&emergency.story={}&documents=photo_id&insider_relationship=staff&insider_note=x&then=check",
            b.csrf,
            encode("집세가 밀렸습니다 🏠")
        )
    };
    let before = app.count("SELECT count(*) FROM audit_log").await;
    let reply = app
        .form("/applications", Some(&b.cookie), &form("5000"))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text.contains(
            "Emergency grant limit: $5,000.00 is more than the emergency grant limit of $1,500.00."
        ),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("id=\"emergency-amount-error\""));
    assert!(
        reply.text.contains("집세가 밀렸습니다 🏠"),
        "what was typed is kept"
    );
    for table in ["applications", "documents", "status_changes"] {
        assert_eq!(
            app.count(&format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM audit_log").await, before);

    // Within the cap it is saved, and its number is the year's first: the refusal used none.
    let reply = app
        .form("/applications", Some(&b.cookie), &form("1500"))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let id: i64 = reply
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a: Value = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert!(
        a["number"].as_str().unwrap().ends_with("-00001"),
        "{}",
        a["number"]
    );

    // In Korean the rule is named in Korean.
    app.form(
        "/language",
        Some(&b.cookie),
        &format!("csrf_token={}&language=ko&next=%2F", b.csrf),
    )
    .await;
    let reply = app
        .form("/applications", Some(&b.cookie), &form("99999"))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let label = grant_tracker::i18n::t(
        grant_tracker::domain::Language::Ko,
        "rulename-emergency-cap",
    );
    assert!(reply.text.contains(&format!("{label}: ")), "{}", reply.text);
}

/// SPEC "The accountant's year": the insider question is asked at intake (the form will
/// not save without an answer) and is an optional field of the API, checked like any other.
#[tokio::test]
async fn the_insider_question_is_asked_at_intake_and_recorded() {
    let app = TestApp::spawn().await;
    let (cw, b) = caseworker_at_la(&app).await;
    let hid = app.household(&cw).await["id"].as_i64().unwrap();
    let body = |insider: &str| {
        format!(
            "csrf_token={}&household_id={hid}&program=immigration_fee&site=LA&lines%5B0%5D.form=N-400&lines%5B0%5D.filing=paper{insider}&then=draft",
            b.csrf
        )
    };
    let unanswered = app.form("/applications", Some(&b.cookie), &body("")).await;
    assert_eq!(unanswered.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unanswered
            .text
            .contains("id=\"insider-relationship-error\""),
        "{}",
        unanswered.text
    );
    assert!(
        unanswered.text.contains("href=\"#insider-relationship\""),
        "in the summary"
    );
    assert_eq!(app.count("SELECT count(*) FROM applications").await, 0);
    let answered = app
        .form(
            "/applications",
            Some(&b.cookie),
            &body(&format!(
                "&insider_relationship=board&insider_note={}",
                encode("이사 박 씨의 사촌")
            )),
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.text);
    let id: i64 = answered
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let a = app
        .get(&format!("/api/v1/applications/{id}"), &cw)
        .await
        .json();
    assert_eq!(a["insider_relationship"], "board");
    assert_eq!(a["insider_note"], "이사 박 씨의 사촌");
    let page = app
        .page(&format!("/applications/{id}"), Some(&b.cookie))
        .await;
    assert!(
        page.text.contains("Relationship to the fund") && page.text.contains("Yes: a board member")
    );

    // The API: optional, and a wrong answer is named.
    let mut input = n400(hid);
    input["insider_relationship"] = json!("cousin");
    let r = app.post("/api/v1/applications", &cw, input).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["error"]["fields"]["insider_relationship"].is_string(),
        "{}",
        r.text
    );
    let r = app.post("/api/v1/applications", &cw, n400(hid)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(
        r.json().get("insider_relationship").is_none(),
        "not asked: absent"
    );
}
