//! `/api/v1/audit`: the audit trail, for admins.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::{AuditEntry, AuditFilter};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiQuery, Page, Paging};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list))
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    entity_type: Option<String>,
    entity_id: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> AppResult<Json<Page<AuditEntry>>> {
    user.require(&[Role::Admin])?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let entity_id = match query.entity_id.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| AppError::BadRequest("entity_id must be a number".into()))?,
        ),
        None => None,
    };
    let filter = AuditFilter {
        entity_type: query.entity_type.filter(|s| !s.is_empty()),
        entity_id,
    };
    let mut conn = state.pool.get().await?;
    Ok(Json(super::list(&mut conn, &filter, paging).await?))
}
