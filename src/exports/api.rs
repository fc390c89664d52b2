//! `GET /api/v1/exports/{kind}.csv`: the audit exports, streamed.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ExportFilter, ExportKind};
use crate::app::AppState;
use crate::domain::BOOKKEEPERS;
use crate::domain::FieldErrors;
use crate::domain::input::{optional_date, optional_id};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// From this date (`YYYY-MM-DD`), inclusive.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// To this date, inclusive.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// Only this fund.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub fund_id: Option<String>,
    /// The trial balance's date; everything if absent.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// Only the applications of this site (`LA`, `CHI`, `NYC`), in every export about
    /// applications (the general ledger keeps the entries of that site's applications;
    /// fund activity and the trial balance cover every site).
    #[param(value_type = Option<String>, pattern = "^[A-Za-z]{2,8}$", example = "LA")]
    pub site: Option<String>,
    /// The calendar year of `schedule-i-part-iii` and `grant-file` (this year unless given).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2099)]
    pub year: Option<String>,
    /// `1` (or `true`, `yes`): begin with a UTF-8 byte order mark (for Excel); `0` (or
    /// `false`, `no`, or left out): without.
    #[param(value_type = Option<String>, pattern = "^(1|0|true|false|yes|no)$")]
    pub bom: Option<String>,
}

impl ExportQuery {
    pub fn filter(&self) -> AppResult<ExportFilter> {
        let mut e = FieldErrors::new();
        let from = optional_date(&mut e, "from", self.from.as_deref());
        let to = optional_date(&mut e, "to", self.to.as_deref());
        let as_of = optional_date(&mut e, "as_of", self.as_of.as_deref());
        let fund_id = optional_id(&mut e, "fund_id", self.fund_id.as_deref());
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                e.add("to", crate::domain::Problem::new("err-date-before-from"));
            }
        }
        let site = match self.site.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code)
                if (2..=8).contains(&code.len())
                    && code.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                Some(code.to_ascii_uppercase())
            }
            Some(_) => {
                e.add("site", crate::domain::Problem::new("err-site-code"));
                None
            }
        };
        let year = crate::domain::input::optional_int(
            &mut e,
            "year",
            self.year
                .as_deref()
                .filter(|y| !y.trim().is_empty())
                .map(|y| serde_json::Value::String(y.to_owned()))
                .as_ref(),
            2000,
            2099,
        )
        .map(|y| y as i32);
        let bom = match self.bom.as_deref().map(str::trim) {
            None | Some("" | "0" | "false" | "no") => false,
            Some("1" | "true" | "yes") => true,
            Some(_) => {
                e.add(
                    "bom",
                    crate::domain::Problem::new("err-choice").arg("allowed", "1, 0"),
                );
                false
            }
        };
        if !e.is_empty() {
            return Err(AppError::bad_query(&e));
        }
        Ok(ExportFilter {
            from,
            to,
            fund_id,
            as_of,
            site,
            year,
            bom,
        })
    }
}

/// The export `kind` as it streams, with its download name, for `user` (over `channel`).
/// A file that names families is logged first as a read of every household in it.
pub async fn download(
    state: &AppState,
    user: &CurrentUser,
    channel: crate::audit::Channel,
    kind: ExportKind,
    mut filter: ExportFilter,
) -> AppResult<Response> {
    use chrono::Datelike;
    if kind.by_year() && filter.year.is_none() {
        filter.year = Some(state.clock.today().year());
    }
    if let Some(code) = &filter.site {
        let mut conn = state.pool.get().await?;
        let sites = crate::sites::all(&mut conn).await?;
        if !sites.iter().any(|s| &s.code == code) {
            let codes: Vec<&str> = sites.iter().map(|s| s.code.as_str()).collect();
            let problem =
                crate::domain::Problem::new("err-choice").arg("allowed", codes.join(", "));
            return Err(AppError::bad_query(&FieldErrors::single("site", problem)));
        }
    }
    if kind.names_families() {
        let mut conn = state.pool.get().await?;
        let households =
            super::households_named(&mut conn, state.clock.timezone().name(), kind, &filter)
                .await?;
        crate::audit::record_list_access(&mut conn, user.id, "household", households, channel)
            .await?;
    }
    let name = filter.file_name(kind);
    let export = super::start(
        &state.request_database_url,
        state.clock.timezone().name(),
        kind,
        filter,
    )
    .await?;
    let mut chunks = export.chunks;
    let stream = futures_util::stream::poll_fn(move |cx| chunks.poll_recv(cx));
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// An audit export as CSV (accountant, admin): `general-ledger`, `disbursement-register`,
/// `trial-balance` (with `as_of`), `fund-activity`, `application-register`,
/// `eligibility-audit` or `board-minutes`, e.g. `/api/v1/exports/general-ledger.csv`.
/// RFC 4180, UTF-8, amounts with two decimals, from one snapshot, streamed; the columns are
/// described in `reports/README.md`. `grant-tracker export` gives the same bytes.
#[utoipa::path(get, path = "/api/v1/exports/{file}", tag = "exports",
    params(("file" = String, Path, description = "The export's name with `.csv`, e.g. `general-ledger.csv`."), ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), ErrorResponses))]
async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(file): axum::extract::Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    user.require(BOOKKEEPERS)?;
    let kind = file
        .strip_suffix(".csv")
        .and_then(ExportKind::parse)
        .ok_or(AppError::NotFound("export"))?;
    download(
        &state,
        &user,
        crate::audit::Channel::Api,
        kind,
        query.filter()?,
    )
    .await
}
