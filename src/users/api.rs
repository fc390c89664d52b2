//! `/api/v1/users` (admins) and `/api/v1/sites`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::account::UserChanges;
use super::{NewUserInput, User};
use crate::app::AppState;
use crate::domain::Role;
use crate::error::AppResult;
use crate::extract::{ApiJson, Id};
use crate::paging::Page;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;
use crate::sites::{self, Site};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(update))
        .routes(routes!(revoke_tokens))
        .routes(routes!(list_sites))
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserInput,
    responses((status = 201, body = User), ErrorResponses))]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewUserInput>,
) -> AppResult<(StatusCode, Json<User>)> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok((
        StatusCode::CREATED,
        Json(super::create(&mut conn, Some(user.id), &input).await?),
    ))
}

/// Change a user's name, roles, language, site or `active` (admin). `active: false` ends
/// the user's sessions and tokens at once.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserChanges,
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = User), ErrorResponses))]
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(changes): ApiJson<UserChanges>,
) -> AppResult<Json<User>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::account::update(&mut conn, &user, id, &changes).await?,
    ))
}

/// Revoke every API token of a user (admin): each stops working at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/revoke-tokens", tag = "users",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204, description = "revoked"), ErrorResponses))]
async fn revoke_tokens(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<StatusCode> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    super::account::revoke_tokens(&mut conn, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every user (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Page<User>), ErrorResponses))]
async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Page<User>>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::list(&mut conn).await?,
        next_cursor: None,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Sites {
    items: Vec<Site>,
}

/// The fund's sites: `LA`, `CHI`, `NYC`.
#[utoipa::path(get, path = "/api/v1/sites", tag = "users",
    responses((status = 200, body = Sites), ErrorResponses))]
async fn list_sites(State(state): State<AppState>, _user: CurrentUser) -> AppResult<Json<Sites>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(Sites {
        items: sites::all(&mut conn).await?,
    }))
}
