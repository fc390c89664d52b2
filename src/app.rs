//! The application state and the router that assembles every capability.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::cookie::Key;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::DbPool;
use crate::db::schema::app_secrets;
use crate::error::{AppError, AppResult};
use crate::sealed::DataKey;
use crate::{applications, audit, auth, households, users, web};

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<Config>,
    /// Signs the session cookie.
    pub cookie_key: Key,
    /// Seals sensitive identifiers at rest.
    pub data_key: DataKey,
    /// How exports open a connection of their own: as the service's role.
    pub request_database_url: String,
    /// Decides "now" and "today" for every rule.
    pub clock: Clock,
    /// The public impact figures of the last minute.
    pub impact: Arc<crate::impact::Cache>,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.cookie_key.clone()
    }
}

impl AppState {
    /// Builds the state. The cookie key (and the data key, unless `DATA_KEY` is set) is
    /// generated on first start and kept in the database, so sessions and sealed values
    /// survive a restart.
    pub async fn new(pool: DbPool, config: Config) -> anyhow::Result<AppState> {
        let mut conn = pool.get().await?;
        let stored = kept_secret(&mut conn, "cookie_key", Key::generate().master()).await?;
        let cookie_key = Key::try_from(stored.as_slice())?;
        let data_key = match &config.data_key {
            Some(hex) => {
                DataKey::from_hex(hex).map_err(|e| anyhow::anyhow!("DATA_KEY is not valid: {e}"))?
            }
            None => DataKey::from_bytes(
                &kept_secret(&mut conn, "data_key", DataKey::generate().bytes()).await?,
            )?,
        };
        Ok(AppState {
            pool,
            clock: config.clock(),
            request_database_url: config.request_database_url()?,
            config: Arc::new(config),
            cookie_key,
            data_key,
            impact: Default::default(),
        })
    }
}

/// The secret stored under `name`, storing `fresh` first if there is none.
async fn kept_secret(
    conn: &mut diesel_async::AsyncPgConnection,
    name: &str,
    fresh: &[u8],
) -> anyhow::Result<Vec<u8>> {
    diesel::insert_into(app_secrets::table)
        .values((app_secrets::name.eq(name), app_secrets::value.eq(fresh)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first(conn)
        .await?)
}

pub fn router(state: AppState) -> Router {
    // Behind HTTPS (COOKIE_SECURE), browsers are told to come back over HTTPS only.
    let hsts = state.config.cookie_secure.then(|| {
        default_header(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        )
    });
    let (api, document) = OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(auth::api::router())
        .merge(users::api::router())
        .merge(households::api::router())
        .merge(applications::api::router())
        .merge(crate::eligibility::api::router())
        .merge(crate::funds::api::router())
        .merge(crate::ledger::api::router())
        .merge(crate::review::api::router())
        .merge(crate::payments::api::router())
        .merge(crate::periods::api::router())
        .merge(crate::banking::api::router())
        .merge(crate::fees::api::router())
        .merge(crate::exports::api::router())
        .merge(crate::dashboard::api::router())
        .merge(crate::impact::api::router())
        .merge(audit::api::router())
        .split_for_parts();
    let document: Arc<str> = document
        .to_json()
        .expect("the OpenAPI document serializes")
        .into();
    let pages = Router::new()
        .merge(crate::casefile::web::router())
        .merge(auth::web::router())
        .merge(users::web::router())
        .merge(crate::audit::web::router())
        .merge(households::web::router())
        .merge(applications::web::router())
        .merge(crate::intake::web::router())
        .merge(crate::eligibility::web::router())
        .merge(crate::funds::web::router())
        .merge(crate::ledger::web::router())
        .merge(crate::review::web::router())
        .merge(crate::payments::web::router())
        .merge(crate::periods::web::router())
        .merge(crate::banking::web::router())
        .merge(crate::banking::settings_web::router())
        .merge(crate::fees::web::router())
        .merge(crate::dashboard::annual_web::router())
        .merge(crate::impact::web::router())
        .merge(crate::exports::web::router())
        .merge(web::assets());
    api.merge(pages)
        .route(
            "/api/openapi.json",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    document.to_string(),
                )
            }),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        // Inner: error pages need the user that `authenticate` (outer) resolved.
        .layer(from_fn(web::render_errors))
        .layer(from_fn_with_state(
            state.clone(),
            auth::middleware::authenticate,
        ))
        .layer(from_fn(auth::middleware::refuse_cross_origin))
        // Pages show every time in the fund's time zone (web::Ctx reads it from here).
        .layer(axum::Extension(state.config.fund_timezone))
        // Pages hold personal and immigration data: nothing is cached (shared computers at
        // the sites) unless a handler says so, as the static assets do; scripts, styles and
        // form targets are this origin only.
        .layer(default_header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
        .layer(default_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(default_header(header::REFERRER_POLICY, "same-origin"))
        .layer(default_header(header::CACHE_CONTROL, "no-store"))
        .layer(tower::util::option_layer(hsts))
        .layer(TraceLayer::new_for_http())
        .layer(from_fn(server_timing))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
        }))
        .with_state(state)
}

/// `Server-Timing: app;dur=1.23`: the milliseconds the service took until the response's
/// head (a download streams on after it), so a browser's network panel or
/// `benches/reads.sh` can tell the service's time from the network's.
async fn server_timing(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={millis:.2}")) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("server-timing"), value);
    }
    response
}

/// A header every response carries unless its handler set it.
fn default_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

async fn not_found() -> AppError {
    AppError::NotFound("page")
}

async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the database answers and every migration this binary carries is applied.
async fn readyz(State(state): State<AppState>) -> Response {
    match check_ready(&state).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            let reason = match e {
                AppError::Conflict(_) => e.to_string(),
                _ => "database unreachable".to_owned(),
            };
            (StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
        }
    }
}

async fn check_ready(state: &AppState) -> AppResult<()> {
    let mut conn = state.pool.get().await?;
    let applied: Vec<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<MigrationVersion>(&mut conn)
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let missing: Vec<String> = crate::db::known_migrations()
        .into_iter()
        .filter(|v| !applied.contains(v))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict(
            crate::domain::Problem::new("err-migrations-missing")
                .arg("versions", missing.join(", ")),
        ))
    }
}

#[derive(QueryableByName)]
struct MigrationVersion {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}
