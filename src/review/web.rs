//! Board pages: the review queue, the declaration and vote forms on the application page,
//! and the printable decision letter for the household in its language.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use crate::app::AppState;
use crate::casefile::web::{PagePost, Slot};
use crate::domain::Role;
use crate::domain::review::VoteInput;
use crate::error::AppResult;
use crate::extract::{Id, WebForm};
use crate::idempotency::{Once, RequestLine};
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::Values;
use crate::web::form::form_key;
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/review", get(queue_page))
        .route("/applications/{id}/declaration", post(declare))
        .route("/applications/{id}/votes", post(vote))
}

#[derive(Debug, Deserialize)]
struct DeclarationForm {
    conflict: String,
}

async fn declare(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    WebForm(form): WebForm<DeclarationForm>,
) -> AppResult<Redirect> {
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    super::declare(&mut conn, &user, id, &clock, form.conflict == "true", None).await?;
    Ok(Redirect::to(&format!("/applications/{id}#review")))
}

async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    line: RequestLine,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::BoardMember])?;
    let values = Values::from_pairs(pairs);
    let input = VoteInput {
        vote: values.opt("vote"),
        amount: values
            .opt("amount")
            .filter(|_| values.get("vote") == "approve")
            .map(Value::String),
        fund_id: values
            .opt("fund_id")
            .filter(|_| values.get("vote") == "approve")
            .map(Value::String),
        comment: values.opt("comment"),
    };
    let once = Once::new(user.id, form_key(&values)?, &line, &input);
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let outcome = once
        .run(
            &mut conn,
            StatusCode::CREATED,
            super::VoteResult::entry_id,
            async |conn| super::vote(conn, &user, id, &clock, &input).await,
        )
        .await;
    let post = PagePost::new(&state, &ctx, &user, id);
    post.answer(&mut conn, outcome, "#review", Slot::Vote, values)
        .await
}

async fn queue_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    crate::extract::WebQuery(query): crate::extract::WebQuery<crate::paging::PageQuery>,
) -> AppResult<Markup> {
    user.require(&[Role::BoardMember, Role::Admin])?;
    let paging = query.paging()?;
    let mut conn = state.pool.get().await?;
    let queue = super::queue(&mut conn, &user, paging).await?;
    Ok(page(
        &ctx,
        &ctx.t("review-queue-title"),
        html! {
            (queue_view(&ctx, &queue.items))
            @if let Some(cursor) = &queue.next_cursor {
                p { a href={ "/review?cursor=" (cursor) } { (ctx.t("next-page")) } }
            }
        },
    ))
}

fn queue_view(ctx: &Ctx, items: &[super::QueueItem]) -> Markup {
    html! {
        p class="hint" { (ctx.t("review-queue-hint")) }
        @if items.is_empty() { p { (ctx.t("review-queue-empty")) } } @else {
            (crate::web::table_box(&ctx.t("review-queue-title"), html! { table {
                thead { tr {
                    th { (ctx.t("field-number")) } th { (ctx.t("field-program")) } th { (ctx.t("field-site")) }
                    th class="money" { (ctx.t("field-requested")) } th { (ctx.t("review-eligibility")) }
                    th { (ctx.t("review-votes-cast")) } th { (ctx.t("review-your-part")) }
                } }
                tbody {
                    @for q in items {
                        tr {
                            td { a class="nowrap" href={ "/applications/" (q.id) } { (q.number) } br;
                                 span class="hint" { (q.submitted_at.map(|t| ctx.date(t)).unwrap_or_default()) } }
                            td { (ctx.label("program", q.program)) }
                            td { (q.site) }
                            td class="money" { (q.requested_amount.display()) }
                            td {
                                @if let Some(r) = &q.eligibility { span class="status" { (ctx.label("status", r)) } }
                                @if let Some(p) = q.percent_of_guideline { br; span class="hint" { (ctx.tr("review-percent", &[("percent", crate::eligibility::percent(p))])) } }
                                @if let Some(f) = &q.flagged_rules { br; span class="hint" { (f.split(", ").map(|r| ctx.label("rulename", r)).collect::<Vec<_>>().join(", ")) } }
                            }
                            td { (q.votes_cast) }
                            td {
                                @if !q.may_vote { (ctx.t("review-part-separated")) }
                                @else if let Some(v) = &q.my_vote { (ctx.tr("review-you-voted", &[("vote", ctx.label("vote", v))])) }
                                @else if q.declared { (ctx.t("review-part-declared")) }
                                @else { strong { (ctx.t("review-part-todo")) } }
                            }
                        }
                    }
                }
            } }))
        }
    }
}
