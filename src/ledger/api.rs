//! `/api/v1/ledger/entries`, `/api/v1/ledger/check` and `/api/v1/accounts`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::check::Report;
use super::{Account, Entry, EntryFilter};
use crate::app::AppState;
use crate::domain::input::{filter_date, optional_id};
use crate::domain::{BOOKKEEPERS, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiQuery, Id};
use crate::paging::{Page, Paging};
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_entries))
        .routes(routes!(show_entry))
        .routes(routes!(check_ledger))
        .routes(routes!(chart))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// Entries dated on or after (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Entries dated on or before.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// Only entries with a posting to this fund; each then carries the fund's balances after it.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub fund_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::domain::schema::Cursor>)]
    pub cursor: Option<String>,
}

impl EntryQuery {
    pub fn filter(&self) -> AppResult<EntryFilter> {
        let mut e = FieldErrors::new();
        let from = filter_date(&mut e, "from", self.from.as_deref());
        let to = filter_date(&mut e, "to", self.to.as_deref());
        let fund_id = optional_id(&mut e, "fund_id", self.fund_id.as_deref());
        if !e.is_empty() {
            return Err(AppError::bad_query(&e));
        }
        Ok(EntryFilter { from, to, fund_id })
    }
}

/// Journal entries with their postings, oldest first (accountant, admin).
#[utoipa::path(get, path = "/api/v1/ledger/entries", tag = "ledger", params(EntryQuery),
    responses((status = 200, body = Page<Entry>), ErrorResponses))]
async fn list_entries(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<EntryQuery>,
) -> AppResult<Json<Page<Entry>>> {
    user.require(BOOKKEEPERS)?;
    let filter = query.filter()?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::entries(&mut conn, &filter, paging).await?))
}

/// One journal entry with its postings (accountant, admin).
#[utoipa::path(get, path = "/api/v1/ledger/entries/{id}", tag = "ledger",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Entry), ErrorResponses))]
async fn show_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Entry>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::load(&mut conn, id).await?))
}

/// Recompute every balance and check the seven ledger invariants, as
/// `grant-tracker check-ledger` does (accountant, admin).
#[utoipa::path(get, path = "/api/v1/ledger/check", tag = "ledger",
    responses((status = 200, body = Report), ErrorResponses))]
async fn check_ledger(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Report>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::check::run(&mut conn).await?))
}

/// The chart of accounts (anyone signed in).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "ledger",
    responses((status = 200, body = Page<Account>), ErrorResponses))]
async fn chart(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<Json<Page<Account>>> {
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::chart(&mut conn).await?,
        next_cursor: None,
    }))
}
