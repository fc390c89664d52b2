//! `/api/v1/fees`: the schedule in force on a date, and the import of a schedule file.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ImportSummary;
use crate::app::AppState;
use crate::domain::application::normalize_form_code;
use crate::domain::fees::PriceListItem;
use crate::domain::input::filter_date;
use crate::domain::{FieldErrors, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule))
        .routes(routes!(import))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeesQuery {
    /// The date (YYYY-MM-DD); today in the fund's time zone unless given. Before the
    /// first fee of a form, the form is not listed.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<String>,
    /// One form only (`I-765`); a form the schedule does not have lists nothing.
    #[param(value_type = Option<String>, pattern = "^[A-Za-z]-[0-9A-Za-z]{1,6}$", example = "I-765")]
    pub form: Option<String>,
}

/// The fee schedule in force on a date.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeeSchedule {
    pub on: NaiveDate,
    /// Each form, category and filing method (and renewal, where a statutory fee differs)
    /// with its parts: the regular fee and any H.R. 1 statutory fee.
    pub items: Vec<PriceListItem>,
}

/// The fee schedule in force on a date (signed in): what each form costs, part by part.
#[utoipa::path(get, path = "/api/v1/fees", tag = "fees", params(FeesQuery),
    responses((status = 200, body = FeeSchedule), ErrorResponses))]
async fn schedule(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiQuery(query): ApiQuery<FeesQuery>,
) -> AppResult<Json<FeeSchedule>> {
    let mut e = FieldErrors::new();
    let on = filter_date(&mut e, "on", query.on.as_deref());
    let form = match query.form.as_deref().map(str::trim) {
        None => None,
        Some(text) => match normalize_form_code(text) {
            Some(code) => Some(code),
            None => {
                e.add("form", Problem::new("err-form-unknown").arg("form", text));
                None
            }
        },
    };
    if !e.is_empty() {
        return Err(AppError::bad_query(&e));
    }
    let on = on.unwrap_or_else(|| state.clock.today());
    let mut conn = state.pool.get().await?;
    let items = super::price_list(&mut conn, on, form.as_deref()).await?;
    Ok(Json(FeeSchedule { on, items }))
}

/// Import a schedule file (admin): a CSV in the columns of the USCIS schedule (`form,
/// category, name, filing, fee, effective_from, fee_waiver_available, notes, source`) or of
/// the H.R. 1 fees (`form, category, component, name, fee, effective_from, waivable,
/// reducible, recurring, notes, source`). New rows are added with their effective dates,
/// identical rows are left alone, earlier rows are never changed. A bad row is a 422
/// naming its line and column (`line 3, fee`), and nothing is written.
#[utoipa::path(post, path = "/api/v1/fees/import", tag = "fees",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportSummary), ErrorResponses))]
async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> AppResult<(StatusCode, Json<ImportSummary>)> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let summary = super::import(&mut conn, Some(user.id), &body).await?;
    Ok((StatusCode::CREATED, Json(summary)))
}
