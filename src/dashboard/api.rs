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
    OpenApiRouter::new().routes(routes!(dashboard))
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
