//! `GET /api/v1/dashboard`.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Dashboard;
use crate::app::AppState;
use crate::error::AppResult;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(dashboard))
        .routes(routes!(asylum_fees))
}

/// The numbers of the reader's home page (every role): applications by status and
/// program, money granted per month by program and site, the funds' cash, committed and
/// available money at each of the last 12 month ends, and the reader's work queues.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "dashboard",
    responses((status = 200, body = Dashboard), ErrorResponses))]
async fn dashboard(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Dashboard>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::dashboard(&mut conn, &user, state.clock.read()).await?,
    ))
}

/// The families whose annual asylum fee falls due.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AnnualFeesDue {
    pub as_of: chrono::NaiveDate,
    pub items: Vec<super::annual::AnnualFeeDue>,
}

/// Families whose annual asylum fee (H.R. 1) falls due within 60 days, or fell due up to
/// 60 days ago, with no application for it yet (caseworker, admin; the caller's site, if
/// they work at one): the fee in force on the due date and the link that starts the
/// application. Names families: a logged read.
#[utoipa::path(get, path = "/api/v1/asylum-fees", tag = "dashboard",
    responses((status = 200, body = AnnualFeesDue), ErrorResponses))]
async fn asylum_fees(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<AnnualFeesDue>> {
    use crate::domain::Role;
    user.require(&[Role::Caseworker, Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let items = super::annual::due(&conn, today, user.site_id).await?;
    crate::audit::record_list_access(
        &mut conn,
        user.id,
        "household",
        items.iter().map(|d| d.household_id),
        crate::audit::Channel::Api,
    )
    .await?;
    Ok(Json(AnnualFeesDue {
        as_of: today,
        items,
    }))
}
