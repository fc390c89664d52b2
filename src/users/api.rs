//! `/api/v1/users` (admins) and `/api/v1/sites`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{NewUserInput, User};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::Role;
use crate::error::{AppResult, ErrorResponses};
use crate::extract::{ApiJson, Page};
use crate::sites::{self, Site};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
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
