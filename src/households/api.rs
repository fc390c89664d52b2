//! `/api/v1/households`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Household, HouseholdSummary};
use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::domain::Role;
use crate::domain::household::HouseholdInput;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::paging::{Page, Paging};
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search, create))
        .routes(routes!(show, update))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of a name (Hangul or Latin) or of a phone number; leave out to list the newest.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub q: Option<String>,
    /// Rows per page: 1 to 500, 50 unless given.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::domain::schema::Cursor>)]
    pub cursor: Option<String>,
}

/// Search households by name (Hangul or Latin) or phone (caseworker, admin).
#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(SearchQuery),
    responses((status = 200, body = Page<HouseholdSummary>), ErrorResponses))]
async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> AppResult<Json<Page<HouseholdSummary>>> {
    user.require(crate::domain::HOUSEHOLD_READERS)?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let results = super::search(&mut conn, query.q.as_deref().unwrap_or(""), paging).await?;
    let shown = results.items.iter().map(|h| h.id);
    audit::record_list_access(&mut conn, user.id, "household", shown, Channel::Api).await?;
    Ok(Json(results))
}

/// Create a household with its members (caseworker).
#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdInput,
    responses((status = 201, body = Household), ErrorResponses))]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<HouseholdInput>,
) -> AppResult<(StatusCode, Json<Household>)> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    Ok((
        StatusCode::CREATED,
        Json(super::create(&mut conn, user.id, state.clock.today(), &input).await?),
    ))
}

/// A household with its members and applications (caseworker, admin). The read is logged.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Household), ErrorResponses))]
async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Household>> {
    user.require(crate::domain::HOUSEHOLD_READERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::view(&mut conn, user.id, id, Channel::Api).await?,
    ))
}

/// Change any subset of the create fields (caseworker). `members`, when sent, is the full
/// list: members left out are marked removed (they may be named on fee lines).
#[utoipa::path(patch, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, minimum = 1)),
    request_body = crate::domain::household::HouseholdPatch,
    responses((status = 200, body = Household), ErrorResponses))]
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<HouseholdInput>,
) -> AppResult<Json<Household>> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::update(&mut conn, user.id, id, state.clock.today(), &input).await?,
    ))
}
