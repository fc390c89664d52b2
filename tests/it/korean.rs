//! SPEC "Working screens", everything in the user's language: every page each demo role
//! reaches (following links from home, plus one application in every state), and the
//! errors a form shows, read in Korean, carry no English sentence that is not the data
//! itself (names, addresses, stories and memos the people typed). A sentence is English
//! when it has two or more common English words; proper nouns, form codes and amounts
//! have none.

use std::collections::{BTreeSet, HashSet, VecDeque};

use axum::http::{StatusCode, header};
use diesel_async::RunQueryDsl;

use crate::helpers::*;
use crate::screens::{kind, worth_visiting};

/// Words that make a run of Latin letters an English sentence.
const ENGLISH: &[&str] = &[
    "the", "and", "not", "must", "is", "are", "of", "to", "for", "with", "this", "that", "was",
    "be", "has", "no", "or", "in", "on", "a", "an", "by", "it", "can", "your", "you",
];

/// The visible text of a page: its text nodes, outside scripts and styles.
fn texts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if skip_until.is_none() && !text.trim().is_empty() {
            out.push(
                text.replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .trim()
                    .to_owned(),
            );
        }
        let gt = rest[lt..]
            .find('>')
            .map(|i| lt + i + 1)
            .unwrap_or(rest.len());
        let tag = &rest[lt..gt];
        if let Some(end) = skip_until {
            if tag.starts_with(end) {
                skip_until = None;
            }
        } else if tag.starts_with("<script") {
            skip_until = Some("</script");
        } else if tag.starts_with("<style") {
            skip_until = Some("</style");
        } else if tag.starts_with("<pre") {
            // The audit trail's recorded changes: data, as stored.
            skip_until = Some("</pre");
        } else if tag.starts_with("<textarea") {
            // What a form holds as typed (the policy document is JSON).
            skip_until = Some("</textarea");
        }
        rest = &rest[gt..];
    }
    out
}

fn is_english(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words
        .iter()
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .count()
        >= 2
}

/// Every text the people entered, which a page shows as it was typed.
async fn data(app: &TestApp) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = app.owner_conn().await;
    diesel::sql_query(
        "SELECT emergency_story AS text FROM applications WHERE emergency_story IS NOT NULL \
         UNION SELECT memo FROM journal_entries \
         UNION SELECT note FROM documents WHERE note IS NOT NULL \
         UNION SELECT comment FROM votes WHERE comment IS NOT NULL \
         UNION SELECT reason FROM status_changes WHERE reason IS NOT NULL \
         UNION SELECT override_reason FROM fee_lines WHERE override_reason IS NOT NULL \
         UNION SELECT name FROM funds UNION SELECT note FROM funds WHERE note IS NOT NULL \
         UNION SELECT donor FROM receipts UNION SELECT memo FROM receipts WHERE memo IS NOT NULL \
         UNION SELECT payee FROM disbursements UNION SELECT memo FROM disbursements WHERE memo IS NOT NULL \
         UNION SELECT reason FROM disbursement_voids \
         UNION SELECT reason FROM eligibility_checks WHERE reason IS NOT NULL \
         UNION SELECT note FROM policy_versions \
         UNION SELECT insider_note FROM applications WHERE insider_note IS NOT NULL \
         UNION SELECT reopen_reason FROM periods WHERE reopen_reason IS NOT NULL \
         UNION SELECT notes FROM uscis_fees UNION SELECT notes FROM statutory_fees",
    )
    .load::<Text>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|t| t.text)
    .collect()
}

async fn sign_in_korean(app: &TestApp, email: &str) -> String {
    let reply = app
        .form(
            "/login",
            None,
            &format!("email={email}&password={}", grant_tracker::demo::PASSWORD),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{email}");
    let cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let home = app.page("/", Some(&cookie)).await;
    let csrf = csrf_of(&home.text);
    app.form(
        "/language",
        Some(&cookie),
        &format!("csrf_token={csrf}&language=ko&next=%2F"),
    )
    .await;
    cookie
}

fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .map(|h| h.split('#').next().unwrap().to_owned())
        .filter(|h| worth_visiting(h))
        .collect()
}

#[tokio::test]
async fn every_page_of_the_demo_reads_in_korean() {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let data = data(&app).await;
    let seeds: Vec<i64> = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let mut owner = app.owner_conn().await;
        diesel::sql_query("SELECT DISTINCT ON (status) id FROM applications ORDER BY status, id")
            .load::<Id>(&mut owner)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    let mut found = BTreeSet::new();
    let mut pages = 0;
    for who in ["caseworker.la", "board1", "accountant", "admin"] {
        let cookie = sign_in_korean(&app, &format!("demo.{who}@example.org")).await;
        let mut queue: VecDeque<(String, bool)> = VecDeque::from(vec![("/".to_owned(), false)]);
        for id in &seeds {
            queue.push_back((format!("/applications/{id}"), true));
        }
        let mut kinds = HashSet::new();
        while let Some((path, always)) = queue.pop_front() {
            if !kinds.insert(kind(&path)) && !always {
                continue;
            }
            let page = app.page(&path, Some(&cookie)).await;
            pages += 1;
            // A decision letter asked for in the family's other language is that language.
            if path.contains("lang=en") {
                assert!(page.text.contains("<html lang=\"en\">"), "{who} {path}");
                continue;
            }
            assert!(page.text.contains("<html lang=\"ko\">"), "{who} {path}");
            for text in texts(&page.text) {
                if is_english(&text)
                    && !data
                        .iter()
                        .any(|d| d.contains(&text) || text.contains(d.as_str()) && d.len() > 3)
                {
                    found.insert(format!("{who} {}: {text}", kind(&path)));
                }
            }
            for link in links(&page.text) {
                if !kinds.contains(&kind(&link)) {
                    queue.push_back((link, false));
                }
            }
        }
    }
    // The errors forms and refusals show, in Korean too.
    let cookie = sign_in_korean(&app, "demo.caseworker.la@example.org").await;
    let home = app.page("/", Some(&cookie)).await;
    let csrf = home
        .text
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let household = app.count("SELECT min(id) FROM households").await;
    let draft = app
        .count("SELECT min(id) FROM applications WHERE status = 'paid'")
        .await;
    let mut posts: Vec<(&str, String, String)> = [
        (
            "/households".to_owned(),
            format!(
                "csrf_token={csrf}&name=&address.postal_code=9&annual_income=-1&members%5B1%5D.birth_year=1800"
            ),
        ),
        (
            "/applications".to_owned(),
            format!(
                "csrf_token={csrf}&household_id={household}&program=emergency&site=LA&emergency.category=eviction&emergency.amount=99999&emergency.story=x&then=check"
            ),
        ),
        (
            "/applications".to_owned(),
            format!(
                "csrf_token={csrf}&household_id={household}&program=immigration_fee&site=LA&lines%5B0%5D.form=X-1&lines%5B0%5D.filing=paper&then=draft"
            ),
        ),
        (
            format!("/applications/{draft}/submit"),
            format!("csrf_token={csrf}"),
        ),
        (
            format!("/applications/{draft}/documents"),
            format!("csrf_token={csrf}&kind=photo_id"),
        ),
        (
            "/applications/999999/submit".to_owned(),
            format!("csrf_token={csrf}"),
        ),
    ]
    .into_iter()
    .map(|(path, body)| (cookie.as_str(), path, body))
    .collect();
    // The admin's policy form, every field of it wrong in its own way.
    let admin = sign_in_korean(&app, "demo.admin@example.org").await;
    let policy_page = app.page("/admin/policy", Some(&admin)).await;
    let fields = form_fields(&policy_page.text, "/admin/policy");
    let wrong = [
        ("effective_from", "2020-01-01"),
        ("immigration_fee.income_limit_percent", "abc"),
        ("emergency.max_amount", "-1"),
        ("caps.window_days", "0"),
        ("review.quorum", "9999"),
        ("reduced_fees[0].form", "X"),
        ("reduced_fees[0].up_to_percent", "100"),
        ("reduced_fees[1].fee", "1.00"),
        ("documents[0].form", "N400!"),
        ("documents[9].program", "emergency"),
        ("then", "save"),
    ];
    let unticked: Vec<&str> = fields
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| {
            name.starts_with("emergency.categories.") || name.starts_with("service_area.")
        })
        .collect();
    posts.push((
        admin.as_str(),
        "/admin/policy".to_owned(),
        with_fields(fields.clone(), &wrong, &unticked),
    ));
    for (cookie, path, body) in posts {
        let reply = app.form(&path, Some(cookie), &body).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        pages += 1;
        for text in texts(&reply.text) {
            if is_english(&text) && !data.iter().any(|d| d.contains(&text)) {
                found.insert(format!("error of {path}: {text}"));
            }
        }
    }
    eprintln!("{pages} pages read in Korean");
    assert!(
        found.is_empty(),
        "{} English texts:\n{}",
        found.len(),
        found.into_iter().collect::<Vec<_>>().join("\n")
    );
}
