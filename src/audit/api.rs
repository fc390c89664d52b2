//! `/api/v1/audit`: the audit trail, for admins.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AuditFilter, AuditRow};
use crate::app::AppState;
use crate::domain::input::optional_id;
use crate::domain::{FieldErrors, Role};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::paging::{Page, Paging};
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// e.g. `household`, `application`, `user`, `session`.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    entity_type: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    entity_id: Option<String>,
    /// Who: the acting user's id.
    #[param(value_type = Option<i64>, minimum = 1)]
    actor_id: Option<String>,
    /// What: the action, e.g. `create`, `status_change`, `vote`, `sign_in`.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    action: Option<String>,
    /// When: from this day (the fund's time zone), inclusive.
    #[param(value_type = Option<chrono::NaiveDate>)]
    from: Option<String>,
    /// When: up to this day, inclusive.
    #[param(value_type = Option<chrono::NaiveDate>)]
    to: Option<String>,
    /// Rows per page: 1 to 500, 50 unless given.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::domain::schema::Cursor>)]
    cursor: Option<String>,
}

/// The audit trail, newest first (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditRow>), ErrorResponses))]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> AppResult<Json<Page<AuditRow>>> {
    user.require(&[Role::Admin])?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut e = FieldErrors::new();
    let entity_id = optional_id(&mut e, "entity_id", query.entity_id.as_deref());
    let actor_id = optional_id(&mut e, "actor_id", query.actor_id.as_deref());
    let zone = state.clock.timezone();
    let (from, before) = super::days(&mut e, query.from.as_deref(), query.to.as_deref(), zone);
    if !e.is_empty() {
        return Err(AppError::bad_query(&e));
    }
    let filter = AuditFilter {
        entity_type: query.entity_type.filter(|s| !s.is_empty()),
        entity_id,
        actor_id,
        action: query.action.filter(|s| !s.trim().is_empty()),
        from,
        before,
    };
    let mut conn = state.pool.get().await?;
    Ok(Json(super::list(&mut conn, &filter, paging).await?))
}
