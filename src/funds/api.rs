//! `/api/v1/funds`, their receipts, and `/api/v1/receipts/{id}/reverse`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Fund, FundInput, Receipt, ReverseInput};
use crate::app::AppState;
use crate::domain::BOOKKEEPERS;
use crate::domain::Role;
use crate::domain::ledger::ReceiptInput;
use crate::error::AppResult;
use crate::extract::{ApiJson, Id};
use crate::idempotency::{IdempotencyKey, Once, Replied, RequestLine};
use crate::paging::Page;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update))
        .routes(routes!(fund_receipts, record_receipt))
        .routes(routes!(show_receipt))
        .routes(routes!(reverse_receipt))
}

/// Every fund with its balances (anyone signed in): `cash` in the bank, `committed` to
/// approved applications not yet paid, `available` for new approvals.
#[utoipa::path(get, path = "/api/v1/funds", tag = "funds",
    responses((status = 200, body = Page<Fund>), ErrorResponses))]
async fn list(State(state): State<AppState>, _user: CurrentUser) -> AppResult<Json<Page<Fund>>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::list(&mut conn).await?,
        next_cursor: None,
    }))
}

/// Open a fund (admin, accountant), restricted to a program or not, with an optional
/// expiry date.
#[utoipa::path(post, path = "/api/v1/funds", tag = "funds", request_body = FundInput,
    responses((status = 201, body = Fund), ErrorResponses))]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<FundInput>,
) -> AppResult<(StatusCode, Json<Fund>)> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let fund = super::create(&mut conn, user.id, today, &input).await?;
    Ok((StatusCode::CREATED, Json(fund)))
}

/// One fund with its balances.
#[utoipa::path(get, path = "/api/v1/funds/{id}", tag = "funds", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Fund), ErrorResponses))]
async fn show(
    State(state): State<AppState>,
    _user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Fund>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(super::get(&mut conn, id).await?))
}

/// Rename a fund, change its expiry or note, or close it (`active: false`) (admin,
/// accountant). The restriction cannot change; the general fund cannot close or expire.
#[utoipa::path(patch, path = "/api/v1/funds/{id}", tag = "funds", params(("id" = i64, Path, minimum = 1)),
    request_body = super::FundPatch,
    responses((status = 200, body = Fund), ErrorResponses))]
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<FundInput>,
) -> AppResult<Json<Fund>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    Ok(Json(
        super::update(&mut conn, user.id, id, today, &input).await?,
    ))
}

/// A fund's receipts, newest first (accountant, admin).
#[utoipa::path(get, path = "/api/v1/funds/{id}/receipts", tag = "funds",
    params(("id" = i64, Path, minimum = 1), crate::paging::PageQuery),
    responses((status = 200, body = Page<Receipt>), ErrorResponses))]
async fn fund_receipts(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    crate::extract::ApiQuery(query): crate::extract::ApiQuery<crate::paging::PageQuery>,
) -> AppResult<Json<Page<Receipt>>> {
    user.require(BOOKKEEPERS)?;
    let paging = query.paging()?;
    let mut conn = state.pool.get().await?;
    super::get(&mut conn, id).await?;
    Ok(Json(super::receipts_page(&mut conn, id, paging).await?))
}

/// Record money in (accountant): a donation (Cr 4000) or a grant (Cr 4100), Dr 1000 cash.
/// With an `Idempotency-Key`, a retry returns the first answer and books nothing more.
#[utoipa::path(post, path = "/api/v1/funds/{id}/receipts", tag = "funds",
    params(("id" = i64, Path, minimum = 1), crate::idempotency::KeyHeader),
    request_body = ReceiptInput,
    responses((status = 201, body = Receipt), ErrorResponses))]
async fn record_receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    key: IdempotencyKey,
    line: RequestLine,
    ApiJson(input): ApiJson<ReceiptInput>,
) -> AppResult<Replied<Receipt>> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let once = Once::new(user.id, key, &line, &input);
    once.run(
        &mut conn,
        StatusCode::CREATED,
        |r: &Receipt| Some(r.entry_id),
        async |conn| super::record_receipt(conn, user.id, id, today, &input).await,
    )
    .await
}

/// One receipt (accountant, admin).
#[utoipa::path(get, path = "/api/v1/receipts/{id}", tag = "funds", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Receipt), ErrorResponses))]
async fn show_receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Receipt>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::receipt(&mut conn, id).await?))
}

/// Reverse a receipt booked in error (accountant), with a reason: books the exact reverse
/// of its entry, dated today, linked to it. Refused with 422 if the money is already
/// committed, and 409 if it was already reversed.
#[utoipa::path(post, path = "/api/v1/receipts/{id}/reverse", tag = "funds",
    params(("id" = i64, Path, minimum = 1), crate::idempotency::KeyHeader),
    request_body = ReverseInput,
    responses((status = 200, body = Receipt), ErrorResponses))]
async fn reverse_receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    key: IdempotencyKey,
    line: RequestLine,
    ApiJson(input): ApiJson<ReverseInput>,
) -> AppResult<Replied<Receipt>> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let once = Once::new(user.id, key, &line, &input);
    once.run(
        &mut conn,
        StatusCode::OK,
        |r: &Receipt| r.reversal_entry_id,
        async |conn| super::reverse_receipt(conn, user.id, id, today, &input).await,
    )
    .await
}
