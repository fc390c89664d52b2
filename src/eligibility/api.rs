//! `/api/v1/applications/{id}/eligibility`, `/override`, and `/api/v1/policy-versions`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Check, NewVersionInput, OverrideInput, PolicyVersion};
use crate::app::AppState;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, Id};
use crate::paging::Page;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run_check))
        .routes(routes!(override_result))
        .routes(routes!(list_versions, create_version))
        .routes(routes!(show_version))
}

/// Run the eligibility rules of the policy in force today (caseworker). The check is stored
/// with its policy version, facts and rule outcomes; the application takes its result.
#[utoipa::path(post, path = "/api/v1/applications/{id}/eligibility", tag = "eligibility",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 201, body = Check), ErrorResponses))]
async fn run_check(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<(StatusCode, Json<Check>)> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    let check = super::run_check(&mut conn, user.id, id, state.clock.read()).await?;
    Ok((StatusCode::CREATED, Json(check)))
}

/// Replace the latest result, with a reason (admin). Audited.
#[utoipa::path(post, path = "/api/v1/applications/{id}/override", tag = "eligibility",
    params(("id" = i64, Path, minimum = 1)), request_body = OverrideInput,
    responses((status = 201, body = Check), ErrorResponses))]
async fn override_result(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<OverrideInput>,
) -> AppResult<(StatusCode, Json<Check>)> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let check = super::override_result(&mut conn, user.id, id, state.clock.read(), &input).await?;
    Ok((StatusCode::CREATED, Json(check)))
}

/// Every policy version, newest first (anyone signed in: the rules are not secret).
#[utoipa::path(get, path = "/api/v1/policy-versions", tag = "eligibility",
    responses((status = 200, body = Page<PolicyVersion>), ErrorResponses))]
async fn list_versions(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<Json<Page<PolicyVersion>>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::versions(&mut conn).await?,
        next_cursor: None,
    }))
}

/// One policy version.
#[utoipa::path(get, path = "/api/v1/policy-versions/{version}", tag = "eligibility",
    params(("version" = i32, Path, minimum = 1)),
    responses((status = 200, body = PolicyVersion), ErrorResponses))]
async fn show_version(
    State(state): State<AppState>,
    _user: CurrentUser,
    Id(version): Id,
) -> AppResult<Json<PolicyVersion>> {
    let version = i32::try_from(version).map_err(|_| AppError::NotFound("policy version"))?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::version(&mut conn, version).await?))
}

/// Add a policy version (admin). It takes effect on `effective_from`, which may not be in
/// the past nor on or before an existing version's date; earlier checks keep theirs.
#[utoipa::path(post, path = "/api/v1/policy-versions", tag = "eligibility",
    request_body = NewVersionInput,
    responses((status = 201, body = PolicyVersion), ErrorResponses))]
async fn create_version(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<NewVersionInput>,
) -> AppResult<(StatusCode, Json<PolicyVersion>)> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let created = super::create_version(&mut conn, user.id, today, &input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
