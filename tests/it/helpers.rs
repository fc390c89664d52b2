//! `TestApp`: a fresh database (from a migrated template) and the service's router.

use std::sync::LazyLock;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use grant_tracker::app::{AppState, router};
use grant_tracker::config::Config;
use grant_tracker::{auth, db, users};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct-horse-battery";

fn server_url() -> String {
    std::env::var("TEST_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn template_name() -> String {
    // A new or changed migration gets a new template: the digest covers every migration's
    // version and text.
    let mut hash = <sha2::Sha256 as sha2::Digest>::new_with_prefix(
        db::known_migrations().join(",").as_bytes(),
    );
    // The migrations applied are those compiled into this binary, the files read below are
    // those on disk now: a file changed after the build would name a template built from
    // the older text. The build's time keeps each build to templates of its own.
    let built = std::env::current_exe()
        .and_then(|exe| exe.metadata())
        .and_then(|m| m.modified())
        .map(|t| format!("{t:?}"))
        .unwrap_or_default();
    sha2::Digest::update(&mut hash, built.as_bytes());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for folder in files {
        for part in ["up.sql", "down.sql"] {
            if let Ok(text) = std::fs::read(folder.join(part)) {
                sha2::Digest::update(&mut hash, &text);
            }
        }
    }
    format!(
        "gt_template_{}",
        &hex::encode(sha2::Digest::finalize(hash))[..12]
    )
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn admin_client() -> tokio_postgres::Client {
    let (client, connection) =
        tokio_postgres::connect(&format!("{}/postgres", server_url()), tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL must be running for the tests (see README)");
    tokio::spawn(connection);
    client
}

async fn template() -> String {
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let client = admin_client().await;
            client
                .execute("SELECT pg_advisory_lock(727274)", &[])
                .await
                .unwrap();
            // Databases of earlier runs (this run has made none yet) would otherwise pile up;
            // those of a run still going (its process alive) are left to it.
            let leftovers = client
                .query(
                    r"SELECT datname FROM pg_database WHERE datname LIKE 'gt\_test\_%'",
                    &[],
                )
                .await
                .unwrap();
            for row in leftovers {
                let stale: String = row.get(0);
                let owner = stale.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
                if owner.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists()) {
                    continue;
                }
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {stale} WITH (FORCE)"))
                    .await
                    .unwrap();
            }
            let exists = client
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
                .await
                .unwrap()
                .is_some();
            if !exists {
                let building = format!("{name}_building");
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {building}"))
                    .await
                    .unwrap();
                client
                    .batch_execute(&format!("CREATE DATABASE {building}"))
                    .await
                    .unwrap();
                db::run_migrations(&format!("{}/{building}", server_url()))
                    .await
                    .expect("migrations apply");
                client
                    .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .await
                    .unwrap();
            }
            client
                .execute("SELECT pg_advisory_unlock(727274)", &[])
                .await
                .unwrap();
            name
        })
        .await
        .clone()
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub database_url: String,
}

pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
}

/// A browser: its session cookie and CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Reply {
    /// Where a redirect points.
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .expect("a redirect")
            .to_str()
            .unwrap()
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }
}

static NEXT_USER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_sized(4).await
    }

    /// With a pool of `size` connections, for tests of real concurrency.
    pub async fn spawn_sized(size: usize) -> TestApp {
        let template = template().await;
        // The test process's id is in the name, so a later run drops only what dead runs left.
        let name = format!(
            "gt_test_{}_{}",
            std::process::id(),
            auth::random_token()[..12].to_lowercase()
        );
        admin_client()
            .await
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .unwrap();
        let database_url = format!("{}/{name}", server_url());
        // Requests log in as the service's role, as in production.
        let pool = db::pool(&db::app_url(&database_url).unwrap(), size).unwrap();
        let config = config_for(&database_url);
        let state = AppState::new(pool, config).await.unwrap();
        TestApp {
            router: router(state.clone()),
            state,
            database_url,
        }
    }

    /// Today by the service's clock (the fund's time zone).
    pub fn today(&self) -> chrono::NaiveDate {
        self.state.clock.today()
    }

    /// Moves the service's clock so that it reads `at` (RFC 3339) now.
    pub fn set_clock(&self, at: &str) {
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("an RFC 3339 time");
        self.state.clock.set(at.to_utc());
    }

    /// A user with `roles` and an API token.
    pub async fn user(&self, roles: &[&str]) -> TestUser {
        let n = NEXT_USER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("user{n}@example.org");
        let mut conn = self.state.pool.get().await.unwrap();
        let input = users::NewUserInput {
            email: Some(email.clone()),
            name: Some(format!("Test User {n}")),
            roles: Some(roles.iter().map(|r| r.to_string()).collect()),
            password: Some(PASSWORD.into()),
            language: Some("en".into()),
        };
        let user = users::create(&mut conn, None, &input).await.unwrap();
        let (token, _) = auth::issue_token(&mut conn, &user, chrono::Duration::hours(1))
            .await
            .unwrap();
        TestUser {
            id: user.id,
            email,
            token,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A JSON API call with a bearer token.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    /// A POST with an `Idempotency-Key`.
    pub async fn post_keyed(&self, path: &str, user: &TestUser, key: &str, body: Value) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", user.token))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    pub async fn get(&self, path: &str, user: &TestUser) -> Reply {
        self.api(Method::GET, path, Some(&user.token), None).await
    }

    pub async fn post(&self, path: &str, user: &TestUser, body: Value) -> Reply {
        self.api(Method::POST, path, Some(&user.token), Some(body))
            .await
    }

    /// Signs in through the sign-in form and reads the CSRF token off the home page.
    pub async fn browser(&self, user: &TestUser) -> Browser {
        let form = format!("email={}&password={PASSWORD}", user.email);
        let reply = self.form("/login", None, &form).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        let cookie = session_cookie(&reply.headers);
        let home = self.page("/", Some(&cookie)).await;
        let csrf = csrf_of(&home.text);
        Browser { cookie, csrf }
    }

    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut builder = Request::builder().uri(path);
        if let Some(c) = cookie {
            builder = builder.header(header::COOKIE, c);
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    pub async fn form(&self, path: &str, cookie: Option<&str>, body: &str) -> Reply {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            builder = builder.header(header::COOKIE, c);
        }
        self.send(builder.body(Body::from(body.to_owned())).unwrap())
            .await
    }

    /// A connection as the database owner (superuser), for planting and inspecting state.
    pub async fn owner_conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.database_url)
            .await
            .unwrap()
    }

    /// A pooled connection, as the service has it (the restricted application role).
    pub async fn app_conn(&self) -> grant_tracker::db::DbConn {
        self.state.pool.get().await.unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let client = {
            let (client, connection) =
                tokio_postgres::connect(&self.database_url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
            tokio::spawn(connection);
            client
        };
        client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
    }

    /// A draft N-400 for household `hid`; its id.
    pub async fn draft_n400(&self, caseworker: &TestUser, hid: i64) -> i64 {
        let reply = self
            .post("/api/v1/applications", caseworker, n400(hid))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()["id"].as_i64().unwrap()
    }

    /// A new fund (through the API, as `user`); its id.
    pub async fn fund(&self, user: &TestUser, body: Value) -> i64 {
        let reply = self.post("/api/v1/funds", user, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()["id"].as_i64().unwrap()
    }

    /// Money in to a fund (as an accountant); the receipt.
    pub async fn receipt(&self, accountant: &TestUser, fund: i64, amount: &str) -> Value {
        let body = json!({"amount": amount, "received_on": "2026-01-15", "source": "donation",
                          "donor": "한인 교회 여선교회"});
        let reply = self
            .post(&format!("/api/v1/funds/{fund}/receipts"), accountant, body)
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()
    }

    /// Runs `grant-tracker check-ledger` over the database as the service would.
    pub async fn check_ledger(&self) -> grant_tracker::ledger::check::Report {
        let mut conn = self.app_conn().await;
        grant_tracker::ledger::check::run(&mut conn).await.unwrap()
    }

    pub async fn household(&self, caseworker: &TestUser) -> Value {
        let reply = self
            .post("/api/v1/households", caseworker, household_json())
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()
    }
}

pub fn config_for(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        app_database_url: None,
        bind: "127.0.0.1:0".parse().unwrap(),
        db_pool_size: 4,
        token_ttl_hours: 1,
        session_ttl_hours: 1,
        cookie_secure: false,
        trust_forwarded_for: false,
        fund_timezone: chrono_tz::America::Los_Angeles,
        // `TEST_CLOCK=2026-12-31T23:30:00-08:00 cargo test` runs the suite on another day.
        test_clock: std::env::var("TEST_CLOCK").ok().map(|t| {
            chrono::DateTime::parse_from_rfc3339(&t)
                .expect("TEST_CLOCK is an RFC 3339 time")
                .to_utc()
        }),
        data_key: None,
    }
}

pub static HOUSEHOLD: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "name": "Kim Minjun", "name_ko": "김민준", "phone": "(213) 555-0147",
        "preferred_language": "ko",
        "address": {"line1": "3700 Wilshire Blvd", "line2": "Apt 5", "city": "Los Angeles", "state": "CA", "postal_code": "90010"},
        "size": 4, "annual_income": "48000.00",
        "members": [
            {"name": "Kim Minjun", "relationship": "self", "birth_year": 1958},
            {"name": "Lee Sooja", "relationship": "spouse", "birth_year": 1961}
        ]
    })
});

pub fn household_json() -> Value {
    HOUSEHOLD.clone()
}

pub fn n400(household_id: i64) -> Value {
    json!({"household_id": household_id, "site": "LA", "program": "immigration_fee",
           "lines": [{"form": "N-400", "filing": "paper", "beneficiary": "Kim Minjun"}]})
}

pub fn emergency(household_id: i64) -> Value {
    json!({"household_id": household_id, "site": "NYC", "program": "emergency",
           "emergency": {"category": "fire_or_disaster", "amount": "1200.00", "story": "아파트 화재로 집을 잃었습니다 🔥"}})
}

/// Puts `user` at the site with code `site` (a user with no site works at every one).
pub async fn place_at_site(app: &TestApp, user: &TestUser, site: &str) {
    exec_owner(
        app,
        &format!(
            "UPDATE users SET site_id = (SELECT id FROM sites WHERE code = '{site}') WHERE id = {}",
            user.id
        ),
    )
    .await
    .unwrap();
}

#[allow(dead_code)]
pub async fn exec_owner(app: &TestApp, sql: &str) -> Result<(), diesel::result::Error> {
    app.owner_conn().await.batch_execute(sql).await
}

/// The CSRF token a page's forms carry.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .expect("a form with a CSRF token")
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// What a browser would send for the page's form posting to `action` as it stands (text
/// fields, ticked boxes, chosen options; no button), read with an HTML parser.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    use scraper::{Html, Selector};
    let page = Html::parse_document(html);
    let form_selector = Selector::parse("form").unwrap();
    let form = page
        .select(&form_selector)
        .find(|f| {
            f.value()
                .attr("action")
                .is_some_and(|a| a.starts_with(action))
        })
        .unwrap_or_else(|| panic!("a form posting to {action}"));
    let fields = Selector::parse("input, select, textarea").unwrap();
    let option = Selector::parse("option").unwrap();
    let mut out = Vec::new();
    for field in form.select(&fields) {
        let element = field.value();
        let Some(name) = element.attr("name") else {
            continue;
        };
        let value = match element.name() {
            "select" => {
                let options: Vec<_> = field.select(&option).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first());
                chosen.map_or(String::new(), |o| {
                    o.value().attr("value").unwrap_or_default().to_owned()
                })
            }
            "textarea" => field.text().collect(),
            _ => match element.attr("type").unwrap_or("text") {
                "submit" | "button" => continue,
                "checkbox" | "radio" if element.attr("checked").is_none() => continue,
                _ => element.attr("value").unwrap_or_default().to_owned(),
            },
        };
        out.push((name.to_owned(), value));
    }
    out
}

/// A form's fields with some set (replaced, or added when the form has no such field) and
/// some removed (an unticked box).
pub fn with_fields(
    mut fields: Vec<(String, String)>,
    set: &[(&str, &str)],
    removed: &[&str],
) -> String {
    fields.retain(|(name, _)| !removed.contains(&name.as_str()));
    for (name, value) in set {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    serde_html_form::to_string(&fields).unwrap()
}

/// A port nothing listens on right now, for a process the test starts.
/// The `name=value` of the cookie a sign-in answer sets (its attributes left off).
pub fn session_cookie(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::SET_COOKIE)
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A process the test started, killed when the test ends however it ends.
pub struct ChildGuard(pub std::process::Child);

impl ChildGuard {
    pub fn still_running(&mut self) -> bool {
        self.0.try_wait().unwrap().is_none()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
