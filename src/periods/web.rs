//! The periods page (accountant, admin): every month of the books, closing the next one in
//! order (accountant), reopening a closed one with a reason (admin), and the history of both.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use super::{Period, PeriodEvent, ReopenInput};
use crate::app::AppState;
use crate::domain::period::Month;
use crate::domain::{BOOKKEEPERS, FieldErrors, PeriodStatus, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::{MonthPath, WebForm};
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::{Form, Values};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/periods", get(periods_page))
        .route("/periods/{period}/close", post(close))
        .route("/periods/reopen", post(reopen))
}

/// The month an accountant may close next: the earliest open month of the books that has
/// ended, once every month before it is closed.
fn next_to_close(periods: &[Period], current: Month) -> Option<Month> {
    periods
        .iter()
        .rev()
        .find(|p| p.status == PeriodStatus::Open)
        .map(|p| p.period)
        .filter(|m| *m < current)
}

struct View<'a> {
    periods: &'a [Period],
    history: &'a [PeriodEvent],
    current: Month,
    /// A refusal of the last request, shown at the top.
    refused: Option<Problem>,
}

fn view(
    ctx: &Ctx,
    user: &CurrentUser,
    v: &View<'_>,
    values: &Values,
    errors: &FieldErrors,
) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let closed: Vec<(String, String)> = v
        .periods
        .iter()
        .filter(|p| p.status == PeriodStatus::Closed)
        .map(|p| (p.period.to_string(), p.period.to_string()))
        .collect();
    let next = next_to_close(v.periods, v.current);
    html! {
        p class="hint" { (ctx.t("periods-hint")) }
        @if let Some(problem) = &v.refused {
            div class="error-box" role="alert" { p { (crate::i18n::problem(ctx.lang, problem)) } }
        }
        @if user.has(Role::Accountant) {
            @match next {
                Some(month) => {
                    form method="post" action={ "/periods/" (month) "/close" } {
                        (form.csrf())
                        p { (ctx.tr("periods-close-next", &[("period", month.to_string())])) }
                        div class="actions" { button type="submit" { (ctx.tr("periods-close", &[("period", month.to_string())])) } }
                    }
                }
                None => { p { (ctx.t("periods-nothing-to-close")) } }
            }
        }
        (crate::web::table_box(&ctx.t("periods-title"), html! { table {
            thead { tr {
                th { (ctx.t("periods-month")) } th { (ctx.t("periods-status")) }
                th { (ctx.t("periods-closed")) } th { (ctx.t("periods-reopened")) }
            } }
            tbody {
                @for p in v.periods {
                    tr {
                        td class="nowrap" { (p.period) }
                        td { span class={ "status " (p.status.as_str()) } { (ctx.label("period", p.status)) } }
                        td { @if let (Some(at), Some(name)) = (p.closed_at, &p.closed_by_name) {
                            (ctx.timestamp(at)) br; span class="hint" { (name) } } }
                        td { @if let Some(at) = p.reopened_at {
                            (ctx.timestamp(at)) @if let Some(reason) = &p.reopen_reason { br; span class="hint" { (reason) } } } }
                    }
                }
            }
        } }))
        @if user.has(Role::Admin) && !closed.is_empty() {
            h2 id="reopen" { (ctx.t("periods-reopen-title")) }
            p class="hint" { (ctx.t("periods-reopen-hint")) }
            (form.summary())
            form method="post" action="/periods/reopen" {
                (form.csrf())
                div class="row" {
                    (form.select("period", &ctx.t("periods-month"), &closed, None, true))
                    (form.input("reason", &ctx.t("field-reason"), "text", None, true))
                }
                div class="actions" { button type="submit" { (ctx.t("periods-reopen")) } }
            }
        }
        @if !v.history.is_empty() {
            h2 { (ctx.t("periods-history")) }
            ul {
                @for e in v.history {
                    li {
                        (ctx.timestamp(e.at)) ": "
                        (ctx.tr(&format!("periods-event-{}", e.action), &[("period", e.period.to_string()), ("name", e.actor_name.clone())]))
                        @if let Some(reason) = &e.reason { " — " (reason) }
                    }
                }
            }
        }
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    user: &CurrentUser,
    refused: Option<Problem>,
    values: &Values,
    errors: &FieldErrors,
) -> AppResult<Markup> {
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let periods = super::list(&mut conn, today).await?;
    let history = super::history(&mut conn).await?;
    let v = View {
        periods: &periods,
        history: &history,
        current: Month::of(today),
        refused,
    };
    Ok(page(
        ctx,
        &ctx.t("periods-title"),
        view(ctx, user, &v, values, errors),
    ))
}

async fn periods_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> AppResult<Markup> {
    user.require(BOOKKEEPERS)?;
    render(
        &state,
        &ctx,
        &user,
        None,
        &Values::default(),
        &FieldErrors::new(),
    )
    .await
}

/// A refusal the page shows at its top (a month out of order, already closed…), with the
/// status the API would answer.
fn shown_refusal(e: AppError) -> Result<(StatusCode, Problem, FieldErrors), AppError> {
    let status = e.status();
    match e {
        AppError::Conflict(problem) => Ok((status, problem, FieldErrors::new())),
        AppError::Invalid { fields, .. } => {
            let problem = fields.iter().next().map(|(_, p)| p.clone());
            problem
                .map(|p| (status, p, fields.clone()))
                .ok_or(AppError::invalid(fields))
        }
        other => Err(other),
    }
}

async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    MonthPath(month): MonthPath,
) -> AppResult<Response> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let outcome = super::close(&mut conn, user.id, state.clock.today(), month).await;
    drop(conn);
    match outcome {
        Ok(_) => Ok(Redirect::to("/periods").into_response()),
        Err(e) => {
            let (status, problem, _) = shown_refusal(e)?;
            let body = render(
                &state,
                &ctx,
                &user,
                Some(problem),
                &Values::default(),
                &FieldErrors::new(),
            )
            .await?;
            Ok((status, body).into_response())
        }
    }
}

async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let values = Values::from_pairs(pairs);
    let Some(month) = Month::parse(values.get("period")) else {
        let errors = FieldErrors::single("period", Problem::new("err-required"));
        let body = render(&state, &ctx, &user, None, &values, &errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    let input = ReopenInput {
        reason: values.opt("reason"),
    };
    let mut conn = state.pool.get().await?;
    let outcome = super::reopen(&mut conn, user.id, state.clock.today(), month, &input).await;
    drop(conn);
    match outcome {
        Ok(_) => Ok(Redirect::to("/periods").into_response()),
        Err(e) => {
            let (status, problem, errors) = shown_refusal(e)?;
            let refused = errors.is_empty().then_some(problem);
            let body = render(&state, &ctx, &user, refused, &values, &errors).await?;
            Ok((status, body).into_response())
        }
    }
}
