//! The public impact page (issue 16): no sign-in, both languages, figures from the books
//! with every count under 11 hidden and enough beside it that subtraction from the
//! published totals gives nothing away.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;

async fn impact(app: &TestApp, query: &str) -> crate::helpers::Reply {
    app.api(Method::GET, &format!("/api/v1/impact{query}"), None, None)
        .await
}

/// The attack by subtraction over the published figures: for each program, each site's
/// row of months with its year total, each month's column of sites with its total, and
/// the totals with the program's year. Any equation with exactly one hidden figure gives
/// it away. Returns such figures.
fn recoverable(d: &Value) -> Vec<String> {
    let sites: Vec<String> = serde_json::from_value(d["sites"].clone()).unwrap();
    let months: Vec<String> = serde_json::from_value(d["months"].clone()).unwrap();
    let hidden = |v: &Value| v["suppressed"].as_bool().unwrap();
    let mut found = Vec::new();
    for program in ["immigration_fee", "emergency"] {
        let cell = |site: &str, month: &str| {
            d["cells"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["program"] == program && c["site"] == site && c["month"] == month)
                .unwrap()
                .clone()
        };
        let total = |site: Option<&str>, month: Option<&str>| {
            d["totals"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| {
                    t["program"] == program
                        && t["site"].as_str() == site
                        && t["month"].as_str() == month
                })
                .unwrap()
                .clone()
        };
        let mut equations: Vec<(String, Vec<Value>)> = Vec::new();
        for site in &sites {
            let mut members: Vec<Value> = months.iter().map(|m| cell(site, m)).collect();
            members.push(total(Some(site), None));
            equations.push((format!("{program} {site}"), members));
        }
        for month in &months {
            let mut members: Vec<Value> = sites.iter().map(|s| cell(s, month)).collect();
            members.push(total(None, Some(month)));
            equations.push((format!("{program} {month}"), members));
        }
        let mut by_site: Vec<Value> = sites.iter().map(|s| total(Some(s), None)).collect();
        by_site.push(total(None, None));
        equations.push((format!("{program} by site"), by_site));
        let mut by_month: Vec<Value> = months.iter().map(|m| total(None, Some(m))).collect();
        by_month.push(total(None, None));
        equations.push((format!("{program} by month"), by_month));
        for (name, members) in equations {
            if members.iter().filter(|m| hidden(m)).count() == 1 {
                found.push(name.clone());
            }
            // What is shown adds up: a shown total is the sum of its shown parts when
            // nothing in it is hidden.
            if members.iter().all(|m| !hidden(m)) {
                let (parts, total) = members.split_at(members.len() - 1);
                let sum: u64 = parts.iter().map(|p| p["families"].as_u64().unwrap()).sum();
                assert_eq!(sum, total[0]["families"].as_u64().unwrap(), "{name}");
            }
        }
    }
    let fees = d["fees"].as_array().unwrap();
    if fees.iter().filter(|f| hidden(f)).count() == 1 {
        found.push("fees by form".into());
    }
    found
}

#[tokio::test]
async fn anyone_sees_the_impact_with_small_cells_hidden_and_nothing_to_recover() {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let year = chrono::Datelike::year(&app.today());
    let reply = impact(&app, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let d = reply.json();
    assert_eq!(d["year"], year);
    // The demo's grants, this year and last (its history reaches five months back), show
    // both: figures shown and figures hidden.
    let last = impact(&app, &format!("?year={}", year - 1)).await.json();
    assert_eq!(d["cells"].as_array().unwrap().len(), 2 * 3 * 12);
    let cells: Vec<&Value> = d["cells"]
        .as_array()
        .unwrap()
        .iter()
        .chain(last["cells"].as_array().unwrap())
        .collect();
    let shown = cells
        .iter()
        .filter(|c| !c["suppressed"].as_bool().unwrap() && c["families"].as_u64().unwrap() > 0)
        .count();
    let hidden = cells
        .iter()
        .filter(|c| c["suppressed"].as_bool().unwrap())
        .count();
    assert!(shown > 0 && hidden > 0, "{d}");
    for year in [&d, &last] {
        let all = year["cells"]
            .as_array()
            .unwrap()
            .iter()
            .chain(year["totals"].as_array().unwrap())
            .chain(year["fees"].as_array().unwrap());
        for c in all {
            if c["suppressed"].as_bool().unwrap() {
                assert!(c["families"].is_null() && c["granted"].is_null(), "{c}");
            } else {
                let n = c["families"].as_u64().unwrap();
                assert!(n == 0 || n >= 11, "a count under 11 is shown: {c}");
            }
        }
        assert!(recoverable(year).is_empty(), "{:?}", recoverable(year));
    }
    assert!(!d["fees"].as_array().unwrap().is_empty());
    // One site: its cells only; bad questions are refused by name.
    let la = impact(&app, &format!("?year={year}&site=la")).await.json();
    assert_eq!(la["site"], "LA");
    assert!(
        la["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["site"] == "LA")
    );
    assert!(recoverable(&la).is_empty());
    assert_eq!(impact(&app, "?site=XX").await.status, StatusCode::NOT_FOUND);
    for bad in ["?year=1999", "?year=abc", "?site="] {
        let r = impact(&app, bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
    }
    // The page, with no sign-in, in both languages, names nobody.
    let names: Vec<String> = {
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let mut owner = app.owner_conn().await;
        diesel_async::RunQueryDsl::load::<Name>(
            diesel::sql_query("SELECT name FROM households"),
            &mut owner,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
    };
    for (query, words) in [
        ("", "How these numbers are made"),
        ("?lang=ko", "이 숫자를 만드는 방법"),
    ] {
        let page = app.page(&format!("/impact{query}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains(words), "{}", page.text);
        assert!(page.text.contains("<svg"), "a chart drawn on the server");
        for name in &names {
            assert!(
                !page.text.contains(name.as_str()),
                "{name} on the public page"
            );
        }
    }
    assert!(!reply.text.contains(&names[0]));
}
