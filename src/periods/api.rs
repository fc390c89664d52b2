//! `/api/v1/periods`: the months of the books, closing (accountant) and reopening (admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Period, ReopenInput};
use crate::app::AppState;
use crate::domain::{BOOKKEEPERS, Role};
use crate::error::AppResult;
use crate::extract::{ApiJson, MonthPath};
use crate::paging::Page;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(close))
        .routes(routes!(reopen))
}

/// Every month of the books, newest first, open or closed (accountant, admin).
#[utoipa::path(get, path = "/api/v1/periods", tag = "periods",
    responses((status = 200, body = Page<Period>), ErrorResponses))]
async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Page<Period>>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::list(&mut conn, state.clock.today()).await?,
        next_cursor: None,
    }))
}

/// Close a month (accountant): once it has ended, after every month of the books before
/// it. Nothing can be dated in it afterwards (422 `period_closed`); 409 if already closed.
#[utoipa::path(post, path = "/api/v1/periods/{period}/close", tag = "periods",
    params(("period" = String, Path, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-11")),
    responses((status = 201, body = Period), ErrorResponses))]
async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    MonthPath(month): MonthPath,
) -> AppResult<(StatusCode, Json<Period>)> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let closed = super::close(&mut conn, user.id, state.clock.today(), month).await?;
    Ok((StatusCode::CREATED, Json(closed)))
}

/// Reopen a closed month (admin), with a reason.
#[utoipa::path(post, path = "/api/v1/periods/{period}/reopen", tag = "periods",
    params(("period" = String, Path, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-11")),
    request_body = ReopenInput,
    responses((status = 200, body = Period), ErrorResponses))]
async fn reopen(
    State(state): State<AppState>,
    user: CurrentUser,
    MonthPath(month): MonthPath,
    ApiJson(input): ApiJson<ReopenInput>,
) -> AppResult<Json<Period>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let reopened = super::reopen(&mut conn, user.id, state.clock.today(), month, &input).await?;
    Ok(Json(reopened))
}
