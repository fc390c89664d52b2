//! `/api/v1/households`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::{Household, HouseholdSummary};
use crate::app::AppState;
use crate::audit::Channel;
use crate::auth::CurrentUser;
use crate::domain::Role;
use crate::domain::household::HouseholdInput;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery, Id, Page, Paging};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/households", get(search).post(create))
        .route("/api/v1/households/{id}", get(show).patch(update))
}

/// Who may read households: the people who work with families.
pub const READERS: &[Role] = &[Role::Caseworker, Role::Admin];

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> AppResult<Json<Page<HouseholdSummary>>> {
    user.require(READERS)?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::search(&mut conn, query.q.as_deref().unwrap_or(""), paging).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<HouseholdInput>,
) -> AppResult<(StatusCode, Json<Household>)> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    Ok((
        StatusCode::CREATED,
        Json(super::create(&mut conn, user.id, &input).await?),
    ))
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Household>> {
    user.require(READERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::view(&mut conn, user.id, id, Channel::Api).await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<HouseholdInput>,
) -> AppResult<Json<Household>> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::update(&mut conn, user.id, id, &input).await?))
}
