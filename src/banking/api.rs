//! `/api/v1/bank-statements` and `/api/v1/banks`: statements in, matched against the books.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Bank, ImportSummary, Statement, StatementItem};
use crate::app::AppState;
use crate::domain::{BOOKKEEPERS, Role};
use crate::error::AppResult;
use crate::extract::{ApiQuery, Id};
use crate::paging::Page;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(show))
        .routes(routes!(banks, add_bank))
        .routes(routes!(change_bank))
        .routes(routes!(batches, make_batch))
        .routes(routes!(batch_file))
}

/// Add a bank (admin): its name, account number, statement template and positive-pay
/// layout. Each problem is named by its field (`statement.date_format`).
#[utoipa::path(post, path = "/api/v1/banks", tag = "bank", request_body = super::BankInput,
    responses((status = 201, body = Bank), ErrorResponses))]
async fn add_bank(
    State(state): State<AppState>,
    user: CurrentUser,
    crate::extract::ApiJson(input): crate::extract::ApiJson<super::BankInput>,
) -> AppResult<(StatusCode, Json<Bank>)> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let bank = super::save(&mut conn, user.id, None, &input).await?;
    Ok((StatusCode::CREATED, Json(bank)))
}

/// Change a bank's settings (admin): what is sent replaces what was there.
#[utoipa::path(patch, path = "/api/v1/banks/{name}", tag = "bank",
    params(("name" = String, Path, pattern = "^[a-z][a-z0-9_-]{1,30}$")),
    request_body = super::BankInput,
    responses((status = 200, body = Bank), ErrorResponses))]
async fn change_bank(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(name): axum::extract::Path<String>,
    crate::extract::ApiJson(input): crate::extract::ApiJson<super::BankInput>,
) -> AppResult<Json<Bank>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::save(&mut conn, user.id, Some(&name), &input).await?,
    ))
}

/// Make the positive-pay file (accountant): every check issued or voided since the last
/// batch, in the bank's layout (`bank` defaults to `generic`); a voided check already sent
/// goes out again as a void. 409 when there is nothing new.
#[utoipa::path(post, path = "/api/v1/positive-pay/batches", tag = "bank", params(BankQuery),
    responses((status = 201, body = super::Batch), ErrorResponses))]
async fn make_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<BankQuery>,
) -> AppResult<(StatusCode, Json<super::Batch>)> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let batch = super::make_batch(&mut conn, user.id, query.name()).await?;
    Ok((StatusCode::CREATED, Json(batch)))
}

/// The positive-pay batches made, newest first (accountant, admin).
#[utoipa::path(get, path = "/api/v1/positive-pay/batches", tag = "bank",
    responses((status = 200, body = Page<super::Batch>), ErrorResponses))]
async fn batches(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Page<super::Batch>>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::batches(&mut conn, 200).await?,
        next_cursor: None,
    }))
}

/// A batch's file, `/api/v1/positive-pay/batches/7.csv`: the same bytes every time
/// (accountant, admin).
#[utoipa::path(get, path = "/api/v1/positive-pay/batches/{file}", tag = "bank",
    params(("file" = String, Path, description = "The batch's id with `.csv`, e.g. `7.csv`.")),
    responses((status = 200, content_type = "text/csv", body = String), ErrorResponses))]
async fn batch_file(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> AppResult<axum::response::Response> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    let (name, bytes) = super::batch_file(&mut conn, &file).await?;
    Ok(csv_download(&name, bytes))
}

/// A CSV file to download under `name`.
pub fn csv_download(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BankQuery {
    /// The bank whose template reads the file: `generic` (the default), `pacific`,
    /// `koreatown`, or another an admin added.
    #[param(value_type = Option<String>, pattern = "^[a-z][a-z0-9_-]{1,30}$")]
    pub bank: Option<String>,
}

impl BankQuery {
    pub fn name(&self) -> &str {
        self.bank
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .unwrap_or("generic")
    }
}

/// Upload a bank statement (accountant): the bank's own CSV, read by its template.
/// Checks are matched by number and amount and become `cleared` with the line's date;
/// deposits match receipts of the same amount within three days. A line already matched
/// by an earlier statement matches nothing again. A file that cannot be read is a 422
/// naming each bad line and column, and nothing is written.
#[utoipa::path(post, path = "/api/v1/bank-statements", tag = "bank", params(BankQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportSummary), ErrorResponses))]
async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<BankQuery>,
    body: Bytes,
) -> AppResult<(StatusCode, Json<ImportSummary>)> {
    user.require(&[Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let summary =
        super::import(&mut conn, user.id, state.clock.read(), query.name(), &body).await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// The statements uploaded, newest first (accountant, admin).
#[utoipa::path(get, path = "/api/v1/bank-statements", tag = "bank",
    responses((status = 200, body = Page<StatementItem>), ErrorResponses))]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Page<StatementItem>>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::statements(&mut conn, 200).await?,
        next_cursor: None,
    }))
}

/// One statement: each line with what it matched (`disbursement`, `receipt`) or
/// `unmatched`, and what on the books its dates cover that no line matched.
#[utoipa::path(get, path = "/api/v1/bank-statements/{id}", tag = "bank",
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Statement), ErrorResponses))]
async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Statement>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::statement(&mut conn, id).await?))
}

/// The banks the fund uses, with their statement templates and positive-pay layouts
/// (accountant, admin).
#[utoipa::path(get, path = "/api/v1/banks", tag = "bank",
    responses((status = 200, body = Page<Bank>), ErrorResponses))]
async fn banks(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Page<Bank>>> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(Page {
        items: super::banks(&mut conn).await?,
        next_cursor: None,
    }))
}
