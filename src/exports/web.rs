//! The accountant's export page: pick an export, dates and fund; download.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use maud::{Markup, html};
use serde::Deserialize;

use super::ExportKind;
use super::api::ExportQuery;
use crate::app::AppState;
use crate::domain::BOOKKEEPERS;
use crate::error::{AppError, AppResult};
use crate::extract::WebQuery;
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports", get(exports_page))
        .route("/exports/download", get(download))
}

async fn exports_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> AppResult<Markup> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    let funds = crate::funds::list(&mut conn).await?;
    let sites = crate::sites::all(&mut conn).await?;
    let today = state.clock.today();
    Ok(page(
        &ctx,
        &ctx.t("exports-title"),
        html! {
            p class="hint" { (ctx.t("exports-hint")) }
            form method="get" action="/exports/download" {
                label for="kind" { (ctx.t("exports-kind")) }
                select id="kind" name="kind" required {
                    @for k in ExportKind::ALL { option value=(k.as_str()) { (ctx.label("export", k)) } }
                }
                div class="row" {
                    div { label for="from" { (ctx.t("exports-from")) } input id="from" type="date" name="from"; }
                    div { label for="to" { (ctx.t("exports-to")) } input id="to" type="date" name="to"; }
                    div { label for="as_of" { (ctx.t("exports-as-of")) } input id="as_of" type="date" name="as_of"; }
                    div { label for="year" { (ctx.t("exports-year")) } input id="year" type="number" name="year" min="2000" max="2099" placeholder=(today.year()); }
                }
                label for="fund_id" { (ctx.t("payment-fund")) }
                select id="fund_id" name="fund_id" {
                    option value="" { (ctx.t("all")) }
                    @for f in &funds { option value=(f.id) { (f.name) } }
                }
                label for="site" { (ctx.t("field-site")) " " span class="hint" { (ctx.t("exports-site-hint")) } }
                select id="site" name="site" {
                    option value="" { (ctx.t("all")) }
                    @for s in &sites { option value=(s.code) { (s.code) " — " (if ctx.lang == crate::domain::Language::Ko { &s.name_ko } else { &s.name }) } }
                }
                label class="choice" { input type="checkbox" name="bom" value="1" checked; " " (ctx.t("exports-bom")) }
                div class="actions" { button type="submit" { (ctx.t("exports-download")) } }
            }
            h2 { (ctx.t("exports-columns")) }
            ul { @for k in ExportKind::ALL { li { strong { (ctx.label("export", k)) } " — " (ctx.t(&format!("export-{}-about", k.as_str()))) } } }
        },
    ))
}

#[derive(Debug, Deserialize)]
struct DownloadQuery {
    kind: Option<String>,
    #[serde(flatten)]
    rest: ExportQuery,
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    WebQuery(query): WebQuery<DownloadQuery>,
) -> AppResult<Response> {
    user.require(BOOKKEEPERS)?;
    let kind = query
        .kind
        .as_deref()
        .and_then(ExportKind::parse)
        .ok_or_else(|| {
            AppError::BadRequest("the query string is not valid: unknown kind".into())
        })?;
    let filter = query.rest.filter()?;
    super::api::download(&state, &user, crate::audit::Channel::Web, kind, filter).await
}
