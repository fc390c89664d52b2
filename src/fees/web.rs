//! The admin's fee schedule page: the schedule in force on a date, part by part, the
//! statutory fees with every effective date, and the import of a schedule file.

use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::ImportSummary;
use crate::app::AppState;
use crate::domain::fees::Schedule;
use crate::domain::{FieldErrors, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::WebQuery;
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/fees", get(fees_page))
        .route("/admin/fees/import", post(import))
}

#[derive(Debug, Deserialize)]
struct OnQuery {
    on: Option<String>,
}

/// `line 3, fee` in the reader's words.
fn place(ctx: &Ctx, field: &str) -> String {
    let Some(rest) = field.strip_prefix("line ") else {
        return field.to_owned();
    };
    match rest.split_once(", ") {
        Some((line, column)) => ctx.tr(
            "fee-import-at-column",
            &[("line", line.to_owned()), ("column", column.to_owned())],
        ),
        None => ctx.tr("fee-import-at-line", &[("line", rest.to_owned())]),
    }
}

fn fees_view(
    ctx: &Ctx,
    on: NaiveDate,
    schedule: &Schedule,
    done: Option<&ImportSummary>,
    errors: &FieldErrors,
) -> Markup {
    let mut statutory: Vec<_> = schedule.statutory.iter().collect();
    statutory.sort_by(|a, b| {
        (&a.form, a.component, a.effective_from).cmp(&(&b.form, b.component, b.effective_from))
    });
    html! {
        p class="hint" { (ctx.t("fees-hint")) }
        h2 id="import" { (ctx.t("fees-import-title")) }
        @if let Some(done) = done {
            div class="notice" role="status" {
                (ctx.tr("fees-imported", &[("added", done.added.to_string()), ("unchanged", done.unchanged.to_string())]))
            }
        }
        @if !errors.is_empty() {
            div class="error-box error-summary" role="alert" {
                p { strong { (ctx.t("fees-import-refused")) } }
                ul {
                    @for (field, problem) in errors.iter() {
                        li { a href="#fee-file" { (place(ctx, field)) ": " (crate::i18n::problem(ctx.lang, problem)) } }
                    }
                }
            }
        }
        form method="post" action="/admin/fees/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf_token" value=(ctx.csrf());
            div {
                label for="fee-file" { (ctx.t("fees-file")) " " span class="hint" { (ctx.t("fees-file-hint")) } }
                input type="file" id="fee-file" name="schedule" accept=".csv,text/csv" required
                    aria-invalid=(if errors.is_empty() { "false" } else { "true" });
            }
            div class="actions" { button type="submit" { (ctx.t("fees-import")) } }
        }
        h2 id="in-force" { (ctx.tr("fees-in-force", &[("date", on.to_string())])) }
        form method="get" action="/admin/fees#in-force" class="row" {
            div {
                label for="on" { (ctx.t("fees-on")) }
                input type="date" id="on" name="on" value=(on);
            }
            div class="actions" { button type="submit" class="secondary" { (ctx.t("fees-show")) } }
        }
        (crate::web::price_table(ctx, &schedule.price_list(on, None)))
        h2 { (ctx.t("fees-statutory-title")) }
        p class="hint" { (ctx.t("fees-statutory-hint")) }
        (crate::web::table_box(&ctx.t("fees-statutory-title"), html! { table {
            thead { tr {
                th { (ctx.t("field-form")) } th { (ctx.t("fee-components")) } th { (ctx.t("fees-effective")) }
                th class="money" { (ctx.t("field-amount")) } th { (ctx.t("fees-source")) }
            } }
            tbody {
                @for s in statutory {
                    tr {
                        td { (s.form) @for c in &s.categories { " " code { (c) } } }
                        td { (ctx.label("component", s.component)) br; span class="hint" { (statutory_name(ctx, s)) } }
                        td class="nowrap" { (s.effective_from) }
                        td class="money" { (s.fee) }
                        td { a href=(s.source) { (ctx.t("fees-source-link")) } @if !s.notes.is_empty() { br; span class="hint" { (s.notes) } } }
                    }
                }
            }
        } }))
    }
}

/// A statutory fee's name in the reader's language, where the schedule has it.
fn statutory_name<'a>(ctx: &Ctx, s: &'a crate::domain::fees::StatutoryFee) -> &'a str {
    match (ctx.lang, &s.name_ko) {
        (crate::domain::Language::Ko, Some(ko)) => ko,
        _ => &s.name,
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    on: NaiveDate,
    done: Option<&ImportSummary>,
    errors: &FieldErrors,
) -> AppResult<Markup> {
    let conn = state.pool.get().await?;
    let schedule = super::load(&conn).await?;
    Ok(page(
        ctx,
        &ctx.t("fees-title"),
        fees_view(ctx, on, &schedule, done, errors),
    ))
}

async fn fees_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    WebQuery(query): WebQuery<OnQuery>,
) -> AppResult<Markup> {
    user.require(&[Role::Admin])?;
    let on = query
        .on
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .unwrap_or_else(|| state.clock.today());
    render(&state, &ctx, on, None, &FieldErrors::new()).await
}

async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    mut multipart: Multipart,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        if field.name() == Some("schedule") {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
            file = Some(bytes.to_vec());
        }
    }
    let outcome = match file.filter(|f| !f.is_empty()) {
        Some(bytes) => {
            let mut conn = state.pool.get().await?;
            super::import(&mut conn, Some(user.id), &bytes).await
        }
        None => Err(AppError::invalid_field(
            "schedule",
            Problem::new("err-required"),
        )),
    };
    let today = state.clock.today();
    match outcome {
        Ok(summary) => Ok(
            render(&state, &ctx, today, Some(&summary), &FieldErrors::new())
                .await?
                .into_response(),
        ),
        Err(AppError::Invalid { fields, .. }) => {
            let body = render(&state, &ctx, today, None, &fields).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}
