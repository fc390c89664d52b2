//! Payment pages: the accountant's "ready to pay" list and recent payments, and on the
//! application page the payable, the payments with their void and clear forms, the payment
//! form, closing, and USCIS receipt numbers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::Value;

use super::{ClearInput, CloseInput, ReasonInput, ReceiptNumberInput};
use crate::app::AppState;
use crate::audit::Channel;
use crate::casefile::web::{PagePost, Slot};
use crate::domain::Role;
use crate::domain::review::DisbursementInput;
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebForm};
use crate::idempotency::{Once, RequestLine};
use crate::payments::Disbursement;
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::Values;
use crate::web::form::form_key;
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/payments", get(payments_page))
        .route("/applications/{id}/payments", post(pay))
        .route("/disbursements/{id}/void", post(void))
        .route("/disbursements/{id}/clear", post(clear))
        .route("/applications/{id}/close", post(close))
        .route("/applications/{id}/withdraw", post(withdraw))
        .route("/applications/{id}/receipt-number", post(receipt_number))
}

async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    line: RequestLine,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Accountant])?;
    let values = Values::from_pairs(pairs);
    let input = DisbursementInput {
        application_id: Some(Value::from(id)),
        amount: values.opt("amount").map(Value::String),
        payee: values.opt("payee"),
        method: values.opt("method"),
        reference: values.opt("reference"),
        paid_on: values.opt("paid_on"),
        memo: values.opt("memo"),
        reissue_of: values.opt("reissue_of").map(Value::String),
    };
    let once = Once::new(user.id, form_key(&values)?, &line, &input);
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let outcome = once
        .run(
            &mut conn,
            StatusCode::CREATED,
            |d: &Disbursement| Some(d.entry_id),
            async |conn| super::disburse(conn, user.id, &clock, &input).await,
        )
        .await;
    let post = PagePost::new(&state, &ctx, &user, id);
    post.answer(&mut conn, outcome, "#payments", Slot::Payment, values)
        .await
}

async fn void(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    line: RequestLine,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    user.require(&[Role::Accountant])?;
    let values = Values::from_pairs(pairs);
    let input = ReasonInput {
        reason: values.opt("reason"),
    };
    let once = Once::new(user.id, form_key(&values)?, &line, &input);
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let voided = once
        .run(
            &mut conn,
            StatusCode::OK,
            |d: &Disbursement| d.void_entry_id,
            async |conn| super::void(conn, user.id, id, &clock, &input).await,
        )
        .await?;
    let application = voided.value.application_id;
    Ok(Redirect::to(&format!(
        "/applications/{application}#payments"
    )))
}

async fn clear(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    user.require(&[Role::Accountant])?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let d = super::clear(
        &mut conn,
        user.id,
        id,
        &clock,
        &ClearInput {
            cleared_on: values.opt("cleared_on"),
        },
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/applications/{}#payments",
        d.application_id
    )))
}

async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Accountant, Role::Caseworker, Role::Admin])?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let input = CloseInput {
        reason: values.opt("reason"),
    };
    let outcome = super::close(&mut conn, user.id, id, &clock, &input).await;
    let post = PagePost::new(&state, &ctx, &user, id);
    post.answer(&mut conn, outcome, "", Slot::Close, values)
        .await
}

async fn receipt_number(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Caseworker, Role::Accountant])?;
    let values = Values::from_pairs(pairs);
    let line_no: i32 = values
        .get("line_no")
        .parse()
        .map_err(|_| AppError::NotFound("fee line"))?;
    let mut conn = state.pool.get().await?;
    let input = ReceiptNumberInput {
        receipt_number: values.opt("receipt_number"),
    };
    let outcome =
        super::record_receipt_number(&mut conn, &state.data_key, user.id, id, line_no, &input)
            .await;
    let post = PagePost::new(&state, &ctx, &user, id);
    post.answer(&mut conn, outcome, "#payments", Slot::ReceiptNumber, values)
        .await
}

async fn payments_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    crate::extract::WebQuery(query): crate::extract::WebQuery<crate::paging::PageQuery>,
) -> AppResult<Markup> {
    user.require(crate::domain::BOOKKEEPERS)?;
    let paging = query.paging()?;
    let mut conn = state.pool.get().await?;
    let ready = super::ready_for(&mut conn, user.id, Channel::Web).await?;
    let recent = super::list(
        &mut conn,
        user.id,
        Channel::Web,
        &super::ListFilter::default(),
        paging,
    )
    .await?;
    let today = state.clock.today();
    Ok(page(
        &ctx,
        &ctx.t("payments-title"),
        payments_view(&ctx, &ready, &recent, today),
    ))
}

fn payments_view(
    ctx: &Ctx,
    ready: &[super::ReadyItem],
    recent: &crate::paging::Page<super::Disbursement>,
    today: chrono::NaiveDate,
) -> Markup {
    html! {
        h2 { (ctx.t("payments-ready")) }
        @if ready.is_empty() { p { (ctx.t("payments-ready-none")) } } @else {
            (crate::web::table_box(&ctx.t("payments-ready"), html! { table {
                thead { tr {
                    th { (ctx.t("field-number")) } th { (ctx.t("field-household")) } th { (ctx.t("field-program")) }
                    th { (ctx.t("payment-fund")) } th class="money" { (ctx.t("payment-approved")) } th class="money" { (ctx.t("payment-unpaid")) }
                } }
                tbody {
                    @for r in ready {
                        tr {
                            td { a class="nowrap" href={ "/applications/" (r.id) "#payments" } { (r.number) } br;
                                 span class="hint" { (r.site) " · " (ctx.date(r.decided_at)) } }
                            td { (r.household_name) }
                            td { (ctx.label("program", r.program)) }
                            td { (r.fund_name) }
                            td class="money" { (r.approved.0.display()) }
                            td class="money" { strong { (r.unpaid.0.display()) } }
                        }
                    }
                }
            } }))
        }
        h2 id="recent" { (ctx.t("payments-recent")) }
        @if recent.items.is_empty() { p { (ctx.t("payments-none")) } } @else { (crate::casefile::web::payments::payments_table(ctx, &recent.items, false, today)) }
        @if let Some(cursor) = &recent.next_cursor {
            p { a href={ "/payments?cursor=" (cursor) "#recent" } { (ctx.t("next-page")) } }
        }
    }
}

async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker, Role::Admin])?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    super::withdraw(
        &mut conn,
        user.id,
        id,
        &clock,
        values.opt("reason").as_deref(),
    )
    .await?;
    Ok(Redirect::to(&format!("/applications/{id}")))
}
