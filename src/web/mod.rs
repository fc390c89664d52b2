//! The bilingual web UI: server-rendered with maud, no JavaScript needed. Each
//! capability's `web.rs` holds its pages; this module holds what they share: the page
//! context (user, language, CSRF token), the layout, form fields, and error pages.

pub mod form;
pub mod layout;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use crate::app::AppState;
use crate::domain::Language;
use crate::error::AppError;
use crate::respond::ErrorReport;
use crate::session::CurrentUser;

/// Cookie remembering the language of someone not signed in.
pub const LANG_COOKIE: &str = "gt_lang";

/// The stylesheet and the script every page loads (the pages themselves are routed by
/// their capabilities, assembled in `app`).
pub fn assets() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", axum::routing::get(stylesheet))
        .route("/static/app.js", axum::routing::get(script))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", layout::CSS)
}

/// Progressive enhancement only: every page works without it.
async fn script() -> Response {
    asset("text/javascript; charset=utf-8", layout::SCRIPT)
}

/// What every page needs: who is looking, in which language, and where they are.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Language,
    pub user: Option<CurrentUser>,
    pub path: String,
    /// The fund's time zone: every time a page shows is read in it.
    pub zone: chrono_tz::Tz,
}

impl Ctx {
    /// The day `at` fell on in the fund's time zone (`2026-12-02`).
    pub fn date(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.zone).format("%Y-%m-%d").to_string()
    }

    /// `at` to the minute in the fund's time zone, with the zone (`2026-12-02 16:05 PST`).
    pub fn time(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.zone)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// `at` to the second in the fund's time zone, with the zone, for the audit trail.
    pub fn timestamp(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.zone)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    }

    pub fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang, key)
    }

    pub fn tr(&self, key: &str, args: &[(&str, String)]) -> String {
        crate::i18n::tr(self.lang, key, args)
    }

    /// The label of a vocabulary value, e.g. `label("status", "needs_review")`.
    pub fn label(&self, prefix: &str, value: impl std::fmt::Display) -> String {
        self.t(&crate::i18n::label_key(prefix, value))
    }

    pub fn csrf(&self) -> &str {
        self.user.as_ref().and_then(|u| u.csrf()).unwrap_or("")
    }

    /// The signed-in user, or a redirect to the sign-in page.
    pub fn require_user(&self) -> Result<&CurrentUser, AppError> {
        self.user
            .as_ref()
            .ok_or(AppError::Unauthorized("sign in first"))
    }
}

fn language_from(parts: &Parts, user: Option<&CurrentUser>) -> Language {
    if let Some(u) = user {
        return u.language;
    }
    let jar = CookieJar::from_headers(&parts.headers);
    if let Some(lang) = jar
        .get(LANG_COOKIE)
        .and_then(|c| Language::parse(c.value()))
    {
        return lang;
    }
    let accept = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.trim_start().starts_with("ko") {
        Language::Ko
    } else {
        Language::En
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let lang = language_from(parts, user.as_ref());
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        Ok(Ctx {
            lang,
            user,
            path,
            zone: zone_of(parts),
        })
    }
}

/// The fund's time zone, which `app` puts on every request (a time shown always names its
/// zone, so a request without it shows UTC, said as such).
fn zone_of(parts: &Parts) -> chrono_tz::Tz {
    parts
        .extensions
        .get::<chrono_tz::Tz>()
        .copied()
        .unwrap_or(chrono_tz::UTC)
}

/// Turns errors from page handlers into pages: 401 goes to the sign-in page, the rest
/// become a friendly page in the user's language. API responses stay JSON.
pub async fn render_errors(request: Request, next: Next) -> Response {
    if is_api(request.uri().path()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let ctx = match Ctx::from_request_parts(&mut parts, &()).await {
        Ok(ctx) => ctx,
        Err(never) => match never {},
    };
    let response = next.run(Request::from_parts(parts, body)).await;
    match response.extensions().get::<ErrorReport>().cloned() {
        Some(report) => error_page(&ctx, &report),
        None => response,
    }
}

/// A table in its own box that scrolls sideways, so a wide table never makes the page
/// scroll on a phone. The box is named for screen readers and takes the keyboard's focus,
/// so it can be scrolled without a mouse.
pub fn table_box(label: &str, table: maud::Markup) -> maud::Markup {
    maud::html! {
        div class="table-box" role="region" aria-label=(label) tabindex="0" { (table) }
    }
}

pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}

/// The page for an error (or the sign-in page, for 401).
pub fn error_page(ctx: &Ctx, report: &ErrorReport) -> Response {
    if report.status == StatusCode::UNAUTHORIZED {
        return Redirect::to(&format!("/login?next={}", form::url_encode(&ctx.path)))
            .into_response();
    }
    let mut response = (report.status, layout::error_page(ctx, report)).into_response();
    report.headers(&mut response);
    response
}

/// For errors raised before a handler runs (a refused CSRF token): a page unless it is the API.
pub fn error_response(parts: &mut Parts, error: AppError) -> Response {
    if is_api(parts.uri.path()) {
        return error.into_response();
    }
    let report = ErrorReport::of(&error);
    let user = parts.extensions.get::<CurrentUser>().cloned();
    let lang = language_from(parts, user.as_ref());
    let ctx = Ctx {
        lang,
        user,
        path: parts.uri.path().to_owned(),
        zone: zone_of(parts),
    };
    error_page(&ctx, &report)
}

/// A line's parts, each marked when it is a statutory (H.R. 1) fee.
pub fn fee_components(ctx: &Ctx, components: &[crate::domain::fees::Component]) -> maud::Markup {
    maud::html! {
        ul class="components" {
            @for c in components {
                li {
                    (ctx.label("component", c.kind)) " " span class="money" { (c.fee) }
                    @if c.statutory { " " span class="tag" { (ctx.t("fee-statutory")) } }
                }
            }
        }
    }
}

/// The form's name in the user's language.
pub fn form_name<'a>(ctx: &Ctx, fee: &'a crate::domain::fees::PriceListItem) -> &'a str {
    match (ctx.lang, &fee.name_ko) {
        (crate::domain::Language::Ko, Some(ko)) => ko,
        _ => &fee.name,
    }
}

/// The price list in force: each form, category, filing and kind with its parts.
pub fn price_table(ctx: &Ctx, fees: &[crate::domain::fees::PriceListItem]) -> maud::Markup {
    crate::web::table_box(
        &ctx.t("fee-schedule-all"),
        maud::html! { table {
            thead { tr {
                th { (ctx.t("field-form")) } th { (ctx.t("field-filing")) } th { (ctx.t("field-fee-line-kind")) }
                th { (ctx.t("fee-components")) } th class="money" { (ctx.t("fee-schedule")) }
            } }
            tbody {
                @for fee in fees {
                    tr {
                        td { (fee.form) @if !fee.category.is_empty() { " (" (fee.category) ")" } br; span class="hint" { (form_name(ctx, fee)) } }
                        td { (ctx.label("filing", fee.filing)) }
                        td { (ctx.t(if fee.renewal { "fee-line-renewal" } else { "fee-line-first" })) }
                        td { (crate::web::fee_components(ctx, &fee.components)) }
                        td class="money" { (fee.total) }
                    }
                }
            }
        } },
    )
}
