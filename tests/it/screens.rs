//! SPEC "Working screens" in a real browser, over the demo data: every page each role can
//! reach (found by following the links from the home page, plus one application in every
//! state), in both languages, at 390 px (a phone) and 1280 px (a laptop), must
//! - not scroll sideways, except inside a table's own scroll box;
//! - show no text smaller than 18 px, and no tick box or radio button under 24 px;
//! - pass axe-core with 0 violations (`.ci/run` installs axe-core from npm into
//!   `target/axe`; `AXE_CORE` names another copy of `axe.min.js`).
//!
//! Each role's home page is left in `target/screenshots/` at both widths. A page that
//! breaks a rule is reported with what broke it; all of them are listed before the test
//! fails.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use fantoccini::Client;

use crate::browser::{css, serve, sign_in_as, start_browser};
use crate::helpers::*;

const WIDTHS: [u32; 2] = [390, 1280];
/// Enough to reach every kind of page; a page kind is its path with ids taken out.
const MAX_PAGES: usize = 45;

/// What the page breaks, measured in the browser. Text is "visible" when it has a box
/// on screen; a table's scroll box is an element whose `overflow-x` scrolls.
const MEASURE: &str = r#"
const de = document.documentElement;
const width = de.clientWidth;
const out = { width: width, scroll: de.scrollWidth, wide: [], small: [], boxes: [] };
function scroller(el) {
  for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
    const x = getComputedStyle(e).overflowX;
    if (x === 'auto' || x === 'scroll') return true;
  }
  return false;
}
function name(el) {
  return el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '')
    + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
}
if (de.scrollWidth > width) {
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1 && !scroller(el) && out.wide.length < 4) out.wide.push(name(el) + ' right=' + Math.round(r.right));
  }
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
while (walker.nextNode()) {
  const node = walker.currentNode;
  const el = node.parentElement;
  if (!node.textContent.trim() || seen.has(el)) continue;
  seen.add(el);
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  if (r.width < 2 || r.height < 2 || style.visibility === 'hidden') continue;
  if (parseFloat(style.fontSize) < 17.95 && out.small.length < 4) out.small.push(name(el) + ' ' + style.fontSize);
}
for (const el of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
  const r = el.getBoundingClientRect();
  if ((r.width < 23.95 || r.height < 23.95) && out.boxes.length < 4) out.boxes.push((el.name || '?') + ' ' + r.width + 'x' + r.height);
}
return out;
"#;

fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install axe-core ({} is missing)",
                path.display()
            );
            eprintln!("skipped: `npm install --prefix target/axe axe-core@4.11` to run axe-core");
            None
        }
    }
}

/// The kind of page a path is: ids become `#`, and only the query's names count.
pub(crate) fn kind(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let path: Vec<&str> = path
        .split('/')
        .map(|s| if s.parse::<i64>().is_ok() { "#" } else { s })
        .collect();
    let names: BTreeSet<&str> = query
        .split('&')
        .filter_map(|p| p.split('=').next())
        .filter(|n| !n.is_empty())
        .collect();
    format!(
        "{}?{}",
        path.join("/"),
        names.into_iter().collect::<Vec<_>>().join("&")
    )
}

/// Links on the page worth visiting: this site's pages, not files or fragments.
async fn links(client: &Client, base: &str) -> Vec<String> {
    let hrefs = client
        .execute(
            "return [...document.querySelectorAll('a[href]')].map(a => a.href)",
            vec![],
        )
        .await
        .unwrap();
    hrefs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str()?.strip_prefix(base).map(str::to_owned))
        .map(|h| h.split('#').next().unwrap().to_owned())
        .filter(|h| worth_visiting(h))
        .collect()
}

/// A link to a page of this site (not a file, an asset or the API), for the crawlers.
pub(crate) fn worth_visiting(href: &str) -> bool {
    href.starts_with('/')
        && !href.starts_with("/exports/download")
        // Files to download (positive pay), not pages.
        && !href.split(['?', '#']).next().unwrap_or(href).ends_with(".csv")
        && !href.starts_with("/static/")
        && !href.starts_with("/api/")
}

/// Makes the page's viewport `width` wide (the window's frame is added).
async fn viewport(client: &Client, width: u32) {
    client.set_window_size(width, 900).await.unwrap();
    let inner = client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap() as u32;
    if inner != width {
        client
            .set_window_size(width + (width - inner.min(width)), 900)
            .await
            .unwrap();
    }
}

/// Makes the window as tall as the page, for a screenshot of all of it.
pub(crate) async fn whole_page(client: &Client, width: u32) {
    viewport(client, width).await;
    let height = client
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap() as u32;
    let (outer, _) = client.get_window_size().await.unwrap();
    client
        .set_window_size(outer as u32, height.min(6000) + 100)
        .await
        .unwrap();
}

async fn axe(client: &Client, source: &str) -> Vec<String> {
    client
        .execute(&format!("{source}\nreturn true;"), vec![])
        .await
        .unwrap();
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(
               r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))));",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// Checks the page at both widths; what it breaks, one line each.
async fn inspect(client: &Client, axe_source: Option<&str>) -> Vec<String> {
    let mut broken = Vec::new();
    for width in WIDTHS {
        viewport(client, width).await;
        let measured = client.execute(MEASURE, vec![]).await.unwrap();
        let list = |key: &str| -> Vec<String> {
            measured[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        if measured["scroll"].as_u64() > measured["width"].as_u64() {
            broken.push(format!(
                "{width}px: scrolls sideways ({} px wide): {:?}",
                measured["scroll"],
                list("wide")
            ));
        }
        for small in list("small") {
            broken.push(format!("{width}px: text under 18 px: {small}"));
        }
        for small in list("boxes") {
            broken.push(format!("{width}px: tick box under 24 px: {small}"));
        }
        if let Some(source) = axe_source {
            for violation in axe(client, source).await {
                broken.push(format!("{width}px: axe {violation}"));
            }
        }
    }
    broken
}

/// Visits every page `email` can reach from home, in `lang`, and checks each.
async fn tour(app: &TestApp, email: &str, lang: &str) -> Vec<String> {
    let Some((_driver, client)) = start_browser().await else {
        return Vec::new();
    };
    let axe_source = axe_source();
    let base = serve(app).await;
    sign_in_as(&client, &base, email, grant_tracker::demo::PASSWORD).await;
    css(
        &client,
        &format!("form[action=\"/language\"] button[lang=\"{lang}\"]"),
    )
    .await
    .click()
    .await
    .unwrap();
    css(&client, &format!("html[lang=\"{lang}\"]")).await;

    // (path, whether it is visited even when a page of its kind was)
    let mut queue: VecDeque<(String, bool)> = VecDeque::from(vec![("/".to_owned(), false)]);
    let mut conn = app.owner_conn().await;
    for id in one_application_per_status(&mut conn).await {
        queue.push_back((format!("/applications/{id}"), true));
    }
    let mut kinds = HashSet::new();
    let mut visited = 0;
    let mut broken = Vec::new();
    let who = email.trim_start_matches("demo.").split('@').next().unwrap();
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    while let Some((path, always)) = queue.pop_front() {
        if (!kinds.insert(kind(&path)) && !always) || visited >= MAX_PAGES {
            continue;
        }
        visited += 1;
        client.goto(&format!("{base}{path}")).await.unwrap();
        for problem in inspect(&client, axe_source.as_deref()).await {
            broken.push(format!("{who} {lang} {path}: {problem}"));
        }
        if path == "/" {
            for width in WIDTHS {
                whole_page(&client, width).await;
                let png = client.screenshot().await.unwrap();
                std::fs::write(shots.join(format!("home-{who}-{lang}-{width}.png")), png).unwrap();
            }
        }
        for link in links(&client, &base).await {
            if !kinds.contains(&kind(&link)) {
                queue.push_back((link, false));
            }
        }
    }
    let mut kinds: Vec<String> = kinds.into_iter().collect();
    kinds.sort();
    eprintln!(
        "{who} {lang}: {visited} pages at {WIDTHS:?} px: {}",
        kinds.join(" ")
    );
    assert!(visited >= 5, "{who} {lang} reached only {visited} pages");
    client.close().await.unwrap();
    broken
}

async fn one_application_per_status(conn: &mut diesel_async::AsyncPgConnection) -> Vec<i64> {
    use diesel::sql_types::BigInt;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    diesel::sql_query("SELECT DISTINCT ON (status) id FROM applications ORDER BY status, id")
        .load::<Row>(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

async fn with_demo() -> TestApp {
    let app = TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    app
}

async fn every_page_of(email: &str) {
    let app = with_demo().await;
    let mut broken = Vec::new();
    for lang in ["en", "ko"] {
        broken.extend(tour(&app, email, lang).await);
    }
    assert!(
        broken.is_empty(),
        "{} problems:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_a_caseworker_reaches_fits_a_phone_and_passes_axe() {
    every_page_of("demo.caseworker.la@example.org").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_a_board_member_reaches_fits_a_phone_and_passes_axe() {
    every_page_of("demo.board1@example.org").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_an_accountant_reaches_fits_a_phone_and_passes_axe() {
    every_page_of("demo.accountant@example.org").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_an_admin_reaches_fits_a_phone_and_passes_axe() {
    every_page_of("demo.admin@example.org").await;
}
