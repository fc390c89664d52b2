//! `/api/v1/applications`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApplicationListItem, Document, ListFilter};
use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::casefile::Application;
use crate::domain::application::{ApplicationInput, DocumentInput};
use crate::domain::input::{optional_choice, optional_id};
use crate::domain::{FieldErrors, Program, Role, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::paging::{Page, Paging};
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(add_document))
        .routes(routes!(submit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    #[param(value_type = Option<Program>)]
    pub program: Option<String>,
    /// A site code: `LA`, `CHI`, `NYC`.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub site: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub household_id: Option<String>,
    /// Search: digits and dashes (after `CEF` or not) find any part of an application
    /// number (`2026-00012`, `00012`); anything else finds any part of the family's name in
    /// English or Korean (for the roles that see names).
    /// Up to 100 characters, not blank, no NUL.
    #[param(value_type = Option<String>, max_length = 100, pattern = r"^[^\x00]*[^\s\x00][^\x00]*$")]
    pub q: Option<String>,
    /// Rows per page: 1 to 500, 50 unless given.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::domain::schema::Cursor>)]
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn filter(&self) -> AppResult<ListFilter> {
        let mut e = FieldErrors::new();
        let status = optional_choice(
            &mut e,
            "status",
            self.status.as_deref(),
            Status::parse,
            Status::ALL,
            Status::as_str,
        );
        let program = optional_choice(
            &mut e,
            "program",
            self.program.as_deref(),
            Program::parse,
            Program::ALL,
            Program::as_str,
        );
        let household_id = optional_id(&mut e, "household_id", self.household_id.as_deref());
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if q.is_some_and(|q| q.chars().count() > 100) {
            e.add(
                "q",
                crate::domain::Problem::new("err-too-long").arg("max", 100),
            );
        }
        if !e.is_empty() {
            return Err(AppError::bad_query(&e));
        }
        Ok(ListFilter {
            status,
            program,
            site: self
                .site
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            household_id,
            q: q.map(str::to_owned),
        })
    }
}

/// Applications, newest first. Board members see the review queue only, without names.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery),
    responses((status = 200, body = Page<ApplicationListItem>), ErrorResponses))]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<ApplicationListItem>>> {
    let filter = query.filter()?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let page = super::list(&mut conn, &user, &filter, paging).await?;
    let named = page.items.iter().filter(|a| a.household_name.is_some());
    audit::record_list_access(
        &mut conn,
        user.id,
        "application",
        named.map(|a| a.id),
        Channel::Api,
    )
    .await?;
    Ok(Json(page))
}

/// Create an application in `draft` (caseworker). A fee line without `amount` takes the
/// USCIS schedule's fee in force today; another amount needs `override_reason`.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationInput,
    responses((status = 201, body = Application), ErrorResponses))]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> AppResult<(StatusCode, Json<Application>)> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    let id = super::create(&mut conn, user.id, state.clock.today(), &input).await?;
    let created = crate::casefile::load(&mut conn, id, true).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// An application with its lines, documents and history. The read is logged.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Application), ErrorResponses))]
async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Application>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(
        crate::casefile::view(&mut conn, &user, id, Channel::Api).await?,
    ))
}

/// Record a document the caseworker has seen (caseworker).
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", tag = "applications", params(("id" = i64, Path, minimum = 1)),
    request_body = DocumentInput,
    responses((status = 201, body = Document), ErrorResponses))]
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

/// Submit a draft (caseworker); 409 from any other status.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Application), ErrorResponses))]
async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Application>> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    super::transition(&mut conn, user.id, id, Transition::Submit, None).await?;
    Ok(Json(crate::casefile::load(&mut conn, id, true).await?))
}
