//! `/api/v1/users` (admins) and `/api/v1/sites`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use super::{NewUserInput, User};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::Role;
use crate::error::AppResult;
use crate::extract::{ApiJson, Page};
use crate::sites::{self, Site};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", post(create).get(list))
        .route("/api/v1/sites", get(list_sites))
}

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

async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Page<User>>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::list(&mut conn).await?,
        next_cursor: None,
    }))
}

#[derive(Serialize)]
struct Sites {
    items: Vec<Site>,
}

async fn list_sites(State(state): State<AppState>, _user: CurrentUser) -> AppResult<Json<Sites>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(Sites {
        items: sites::all(&mut conn).await?,
    }))
}
