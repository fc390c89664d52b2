//! `GET /api/v1/impact`: the public impact figures, for anyone.

use axum::Json;
use axum::extract::State;
use chrono::Datelike;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Impact;
use crate::app::AppState;
use crate::domain::FieldErrors;
use crate::domain::input::optional_int;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::respond::ErrorResponses;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(impact))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImpactQuery {
    /// The calendar year; this year unless given.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2099)]
    pub year: Option<String>,
    /// One site only: `LA`, `CHI` or `NYC` (404 for a site the fund does not have).
    #[param(value_type = Option<String>, pattern = "^[A-Za-z]{2,8}$", example = "LA")]
    pub site: Option<String>,
}

impl ImpactQuery {
    /// The year and site asked for, checked: a year from 2000 to 2099, a known site.
    pub async fn read(
        &self,
        state: &AppState,
        conn: &mut diesel_async::AsyncPgConnection,
    ) -> AppResult<(i32, Option<String>)> {
        let today = state.clock.today();
        let mut e = FieldErrors::new();
        let asked = self
            .year
            .as_ref()
            .map(|y| serde_json::Value::String(y.clone()));
        let year = optional_int(&mut e, "year", asked.as_ref(), 2000, 2099)
            .map(|y| y as i32)
            .unwrap_or(today.year());
        let site = match self.site.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => {
                let code = code.to_ascii_uppercase();
                if !crate::sites::all(conn)
                    .await?
                    .iter()
                    .any(|s| s.code == code)
                {
                    return Err(AppError::NotFound("site"));
                }
                Some(code)
            }
        };
        if !e.is_empty() {
            return Err(AppError::bad_query(&e));
        }
        Ok((year, site))
    }
}

/// The fund's impact in a year, for anyone (no sign-in): families helped and dollars
/// granted by program, site and month, their totals, and fees paid to USCIS by form.
/// A count from 1 to 10 is never shown, and enough other figures are hidden with it
/// (`suppressed: true`, `families` and `granted` null) that no hidden figure can be worked
/// out from the published totals. Cached for a minute.
#[utoipa::path(get, path = "/api/v1/impact", tag = "impact", params(ImpactQuery),
    security(()),
    responses((status = 200, body = Impact), ErrorResponses))]
async fn impact(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ImpactQuery>,
) -> AppResult<Json<Impact>> {
    let mut conn = state.pool.get().await?;
    let (year, site) = query.read(&state, &mut conn).await?;
    let figures = state.impact.get(&mut conn, year, site.as_deref()).await?;
    Ok(Json((*figures).clone()))
}
