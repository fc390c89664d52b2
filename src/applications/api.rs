//! `/api/v1/applications`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::{Application, ApplicationListItem, Document, ListFilter};
use crate::app::AppState;
use crate::audit::Channel;
use crate::auth::CurrentUser;
use crate::domain::application::{ApplicationInput, DocumentInput};
use crate::domain::{Program, Role, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiQuery, Id, Page, Paging};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/applications", get(list).post(create))
        .route("/api/v1/applications/{id}", get(show))
        .route("/api/v1/applications/{id}/documents", post(add_document))
        .route("/api/v1/applications/{id}/submit", post(submit))
        .route("/api/v1/applications/{id}/withdraw", post(withdraw))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub program: Option<String>,
    pub site: Option<String>,
    pub household_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn filter(&self) -> AppResult<ListFilter> {
        let bad = |name: &str| {
            AppError::BadRequest(format!("the query string is not valid: unknown {name}"))
        };
        let nonempty = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(ListFilter {
            status: nonempty(&self.status)
                .map(|s| Status::parse(&s).ok_or_else(|| bad("status")))
                .transpose()?,
            program: nonempty(&self.program)
                .map(|s| Program::parse(&s).ok_or_else(|| bad("program")))
                .transpose()?,
            site: nonempty(&self.site),
            household_id: nonempty(&self.household_id)
                .map(|s| s.parse::<i64>().map_err(|_| bad("household_id")))
                .transpose()?,
        })
    }
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<ApplicationListItem>>> {
    let filter = query.filter()?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::list(&mut conn, &user, &filter, paging).await?))
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> AppResult<(StatusCode, Json<Application>)> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    let created = super::create(&mut conn, user.id, &state.config.fund_timezone, &input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Application>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(super::view(&mut conn, &user, id, Channel::Api).await?))
}

async fn add_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<DocumentInput>,
) -> AppResult<(StatusCode, Json<Document>)> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    Ok((
        StatusCode::CREATED,
        Json(super::add_document(&mut conn, user.id, id, &input).await?),
    ))
}

async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Application>> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::transition(&mut conn, user.id, id, Transition::Submit, None).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonInput {
    pub reason: Option<String>,
}

async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ReasonInput>,
) -> AppResult<Json<Application>> {
    user.require(&[Role::Caseworker, Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::withdraw(&mut conn, user.id, id, input.reason.as_deref()).await?,
    ))
}
