//! `/api/v1/households`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{DuplicateRef, Household, HouseholdSummary, Match, Probe};
use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::domain::household::HouseholdInput;
use crate::domain::{FieldErrors, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::paging::{Page, Paging};
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search, create))
        .routes(routes!(matches))
        .routes(routes!(show, update))
        .routes(routes!(merge))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of a name (Hangul or Latin) or of a phone number; leave out to list the newest.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub q: Option<String>,
    /// Rows per page: 1 to 500, 50 unless given.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::domain::schema::Cursor>)]
    pub cursor: Option<String>,
}

/// Search households by name (Hangul or Latin) or phone (caseworker, admin).
#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(SearchQuery),
    responses((status = 200, body = Page<HouseholdSummary>), ErrorResponses))]
async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> AppResult<Json<Page<HouseholdSummary>>> {
    user.require(crate::domain::HOUSEHOLD_READERS)?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let results = super::search(&mut conn, query.q.as_deref().unwrap_or(""), paging).await?;
    let shown = results.items.iter().map(|h| h.id);
    audit::record_list_access(&mut conn, user.id, "household", shown, Channel::Api).await?;
    Ok(Json(results))
}

/// A new household, and the households already recorded that may be the same family.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    #[serde(flatten)]
    pub household: Household,
    pub possible_duplicates: Vec<DuplicateRef>,
}

/// Create a household with its members (caseworker). The answer also names the
/// households that may be the same family (`possible_duplicates`).
#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdInput,
    responses((status = 201, body = Created), ErrorResponses))]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<HouseholdInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    let household = super::create(&mut conn, user.id, state.clock.today(), &input).await?;
    let possible_duplicates = super::possible_duplicates(&mut conn, &household).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            household,
            possible_duplicates,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchesQuery {
    /// The romanized name (either order, any case).
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub name: Option<String>,
    /// The Hangul name (spaces ignored).
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub name_ko: Option<String>,
    /// A phone number in any format.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub phone: Option<String>,
    /// The street address (line 1); it matches together with `postal_code`.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub address: Option<String>,
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub postal_code: Option<String>,
    /// A member's name; it matches together with `birth_year`.
    #[param(value_type = Option<crate::domain::schema::QueryText>)]
    pub member_name: Option<String>,
    #[param(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub birth_year: Option<String>,
}

/// Items of the likely-duplicates answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Matches {
    pub items: Vec<Match>,
}

/// Households that may be the family being entered (caseworker, admin): same phone, Hangul
/// name, romanized name, a member's name and birth year, or address and ZIP. A logged read.
#[utoipa::path(get, path = "/api/v1/households/matches", tag = "households", params(MatchesQuery),
    responses((status = 200, body = Matches), ErrorResponses))]
async fn matches(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<MatchesQuery>,
) -> AppResult<Json<Matches>> {
    user.require(crate::domain::HOUSEHOLD_READERS)?;
    let birth_year = match query.birth_year.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse::<i32>() {
            Ok(year) if (1900..=2100).contains(&year) => Some(year),
            _ => {
                let mut problems = FieldErrors::new();
                problems.add(
                    "birth_year",
                    Problem::new("err-int-range")
                        .arg("min", 1900)
                        .arg("max", 2100),
                );
                return Err(AppError::bad_query(&problems));
            }
        },
    };
    let probe = Probe {
        name: query.name,
        name_ko: query.name_ko,
        phone: query.phone,
        address: query.address,
        postal_code: query.postal_code,
        members: query
            .member_name
            .map(|name| vec![(name, birth_year)])
            .unwrap_or_default(),
    };
    let mut conn = state.pool.get().await?;
    let items = super::matches(&mut conn, &probe, None).await?;
    audit::record_list_access(
        &mut conn,
        user.id,
        "household",
        items.iter().map(|m| m.id),
        Channel::Api,
    )
    .await?;
    Ok(Json(Matches { items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MergeInput {
    /// The household that remains.
    #[schema(value_type = i64, minimum = 1)]
    pub into: Option<serde_json::Value>,
}

/// Merge this household into another (admin): its applications and members move there;
/// both histories stay. The household that remains.
#[utoipa::path(post, path = "/api/v1/households/{id}/merge", tag = "households", params(("id" = i64, Path, minimum = 1)),
    request_body = MergeInput, responses((status = 200, body = Household), ErrorResponses))]
async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<MergeInput>,
) -> AppResult<Json<Household>> {
    user.require(&[Role::Admin])?;
    let into = match input.into.as_ref().and_then(serde_json::Value::as_i64) {
        Some(into) if into >= 1 => into,
        _ => {
            return Err(AppError::invalid_field(
                "into",
                Problem::new("err-int-range")
                    .arg("min", 1)
                    .arg("max", i64::MAX),
            ));
        }
    };
    let mut conn = state.pool.get().await?;
    Ok(Json(super::merge(&mut conn, user.id, id, into).await?))
}

/// A household with its members and applications (caseworker, admin). The read is logged.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Household), ErrorResponses))]
async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Json<Household>> {
    user.require(crate::domain::HOUSEHOLD_READERS)?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::view(&mut conn, user.id, id, Channel::Api).await?,
    ))
}

/// Change any subset of the create fields (caseworker). `members`, when sent, is the full
/// list: members left out are marked removed (they may be named on fee lines).
#[utoipa::path(patch, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path, minimum = 1)),
    request_body = crate::domain::household::HouseholdPatch,
    responses((status = 200, body = Household), ErrorResponses))]
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<HouseholdInput>,
) -> AppResult<Json<Household>> {
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    Ok(Json(
        super::update(&mut conn, user.id, id, state.clock.today(), &input).await?,
    ))
}
