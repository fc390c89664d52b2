//! `/api/v1/disbursements`, voids and clearings, closing an application, and USCIS
//! receipt numbers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ClearInput, CloseInput, Disbursement, ListFilter, ReadyItem, ReasonInput, ReceiptNumberInput,
};
use crate::app::AppState;
use crate::audit::Channel;
use crate::casefile::Application;
use crate::domain::BOOKKEEPERS;
use crate::domain::input::{filter_date, optional_id};
use crate::domain::review::DisbursementInput;
use crate::domain::{FieldErrors, Role};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiQuery, Id, Ids};
use crate::idempotency::{IdempotencyKey, Once, Replied, RequestLine};
use crate::paging::{Page, Paging};
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(withdraw))
        .routes(routes!(list, disburse))
        .routes(routes!(ready))
        .routes(routes!(show))
        .routes(routes!(void))
        .routes(routes!(clear))
        .routes(routes!(close))
        .routes(routes!(receipt_number))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Paid on or after (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Paid on or before.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub application_id: Option<String>,
    /// `issued`, `cleared`, `voided`, or `outstanding`: checks issued and not yet cleared
    /// by the bank (nor voided).
    #[param(value_type = Option<String>, pattern = "^(issued|cleared|voided|outstanding)$")]
    pub state: Option<String>,
    /// With `state=outstanding`: only those paid at least this many days ago (stale
    /// checks are 90), by the fund's date.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 3660)]
    pub older_than_days: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::domain::schema::Cursor>)]
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The filter, `today` being the fund's date (for `older_than_days`).
    pub fn filter(&self, today: chrono::NaiveDate) -> AppResult<ListFilter> {
        let mut e = FieldErrors::new();
        let from = filter_date(&mut e, "from", self.from.as_deref());
        let mut to = filter_date(&mut e, "to", self.to.as_deref());
        let (state, outstanding) = match self.state.as_deref().map(str::trim) {
            None | Some("") => (None, false),
            Some("outstanding") => (None, true),
            Some(other) => match super::PaymentState::parse(other) {
                Some(state) => (Some(state), false),
                None => {
                    e.add(
                        "state",
                        crate::domain::Problem::new("err-choice")
                            .arg("allowed", "issued, cleared, voided, outstanding"),
                    );
                    (None, false)
                }
            },
        };
        let days = self
            .older_than_days
            .as_deref()
            .map(|d| serde_json::Value::String(d.to_owned()));
        if let Some(days) =
            crate::domain::input::optional_int(&mut e, "older_than_days", days.as_ref(), 0, 3660)
        {
            let before = today - chrono::Duration::days(days);
            to = Some(to.map_or(before, |t| t.min(before)));
        }
        let application_id = optional_id(&mut e, "application_id", self.application_id.as_deref());
        if !e.is_empty() {
            return Err(AppError::bad_query(&e));
        }
        Ok(ListFilter {
            from,
            to,
            application_id,
            state,
            outstanding,
        })
    }
}

/// Payments, newest first (accountant, admin), by the date paid.
#[utoipa::path(get, path = "/api/v1/disbursements", tag = "payments", params(ListQuery),
    responses((status = 200, body = Page<Disbursement>), ErrorResponses))]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> AppResult<Json<Page<Disbursement>>> {
    user.require(BOOKKEEPERS)?;
    let filter = query.filter(state.clock.today())?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::list(&mut conn, user.id, Channel::Api, &filter, paging).await?,
    ))
}

/// Pay an approved application (accountant): up to its unpaid approved amount, from the
/// fund its approval committed, Dr 2100 / Cr 1000. The payee defaults to "U.S. Department
/// of Homeland Security" for immigration fees. A check or money order needs its number,
/// used once per method. When the approved amount is fully paid the application is `paid`.
/// Whoever voted to approve it gets 403.
#[utoipa::path(post, path = "/api/v1/disbursements", tag = "payments",
    params(crate::idempotency::KeyHeader),
    request_body = DisbursementInput,
    responses((status = 201, body = Disbursement), ErrorResponses))]
async fn disburse(
    State(state): State<AppState>,
    user: CurrentUser,
    key: IdempotencyKey,
    line: RequestLine,
    ApiJson(input): ApiJson<DisbursementInput>,
) -> AppResult<Replied<Disbursement>> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let once = Once::new(user.id, key, &line, &input);
    once.run(
        &mut conn,
        StatusCode::CREATED,
        |d: &Disbursement| Some(d.entry_id),
        async |conn| super::disburse(conn, user.id, &clock, &input).await,
    )
    .await
}

/// Approved applications with money left to pay, oldest decision first (accountant, admin).
#[utoipa::path(get, path = "/api/v1/disbursements/ready", tag = "payments",
    responses((status = 200, body = Page<ReadyItem>), ErrorResponses))]
async fn ready(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Page<ReadyItem>>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::ready_for(&mut conn, user.id, Channel::Api).await?,
        next_cursor: None,
    }))
}

/// One payment (accountant, admin).
#[utoipa::path(get, path = "/api/v1/disbursements/{id}", tag = "payments", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Disbursement), ErrorResponses))]
async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Disbursement>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::get(&mut conn, id).await?))
}

/// Void a payment that did not reach the payee (accountant), with a reason: books the
/// exact reverse of its entry, linked to it; the amount is payable again (a reissue names
/// the voided payment in `reissue_of`). 409 if already voided or cleared.
#[utoipa::path(post, path = "/api/v1/disbursements/{id}/void", tag = "payments",
    params(("id" = i64, Path, minimum = 1), crate::idempotency::KeyHeader),
    request_body = ReasonInput,
    responses((status = 200, body = Disbursement), ErrorResponses))]
async fn void(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    key: IdempotencyKey,
    line: RequestLine,
    ApiJson(input): ApiJson<ReasonInput>,
) -> AppResult<Replied<Disbursement>> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let once = Once::new(user.id, key, &line, &input);
    once.run(
        &mut conn,
        StatusCode::OK,
        |d: &Disbursement| d.void_entry_id,
        async |conn| super::void(conn, user.id, id, &clock, &input).await,
    )
    .await
}

/// Mark a payment cleared by the bank on `cleared_on` (accountant).
#[utoipa::path(post, path = "/api/v1/disbursements/{id}/clear", tag = "payments",
    params(("id" = i64, Path, minimum = 1)), request_body = ClearInput,
    responses((status = 200, body = Disbursement), ErrorResponses))]
async fn clear(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ClearInput>,
) -> AppResult<Json<Disbursement>> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    Ok(Json(
        super::clear(&mut conn, user.id, id, &clock, &input).await?,
    ))
}

/// Close an application (accountant, caseworker, admin): a paid one; or an approved one
/// paid in part, with a reason, which releases the unpaid rest of its commitment.
#[utoipa::path(post, path = "/api/v1/applications/{id}/close", tag = "payments",
    params(("id" = i64, Path, minimum = 1)), request_body = CloseInput,
    responses((status = 200, body = Application), ErrorResponses))]
async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<CloseInput>,
) -> AppResult<Json<Application>> {
    user.require(&[Role::Accountant, Role::Caseworker, Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    super::close(&mut conn, user.id, id, &clock, &input).await?;
    Ok(Json(
        crate::casefile::view(&mut conn, &user, id, Channel::Api).await?,
    ))
}

/// Record the USCIS receipt number of a paid fee line (caseworker, accountant): three
/// letters and ten digits, e.g. `IOE0912345678`.
#[utoipa::path(post, path = "/api/v1/applications/{id}/lines/{line_no}/receipt-number", tag = "payments",
    params(("id" = i64, Path, minimum = 1), ("line_no" = i32, Path, minimum = 1)), request_body = ReceiptNumberInput,
    responses((status = 200, body = Application), ErrorResponses))]
async fn receipt_number(
    State(state): State<AppState>,
    user: CurrentUser,
    Ids(id, line_no): Ids,
    ApiJson(input): ApiJson<ReceiptNumberInput>,
) -> AppResult<Json<Application>> {
    user.require(&[Role::Caseworker, Role::Accountant])?;
    let line_no = i32::try_from(line_no).map_err(|_| AppError::NotFound("fee line"))?;
    let mut conn = state.pool.get().await?;
    super::record_receipt_number(&mut conn, &state.data_key, user.id, id, line_no, &input).await?;
    Ok(Json(
        crate::casefile::view(&mut conn, &user, id, Channel::Api).await?,
    ))
}

/// Withdraw an application before any money moved (caseworker, admin), with a reason.
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications", params(("id" = i64, Path, minimum = 1)),
    request_body = ReasonInput,
    responses((status = 200, body = Application), ErrorResponses))]
async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ReasonInput>,
) -> AppResult<Json<Application>> {
    user.require(&[Role::Caseworker, Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    super::withdraw(&mut conn, user.id, id, &clock, input.reason.as_deref()).await?;
    Ok(Json(crate::casefile::load(&mut conn, id, true).await?))
}
