//! `/api/v1/applications/{id}/votes`, the conflict declaration, and the board's queue.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::QueueItem;
use crate::app::AppState;
use crate::audit::Channel;
use crate::casefile::Application;
use crate::domain::Role;
use crate::domain::review::VoteInput;
use crate::error::AppResult;
use crate::extract::{ApiJson, Id};
use crate::idempotency::{IdempotencyKey, Once, Replied, RequestLine};
use crate::paging::Page;
use crate::respond::ErrorResponses;
use crate::session::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(vote))
        .routes(routes!(declare))
        .routes(routes!(queue))
}

/// Vote on an application (board member): `approve` (with `amount` at most the requested
/// amount and the caps, and optionally `fund_id`), `deny`, `abstain` or `recuse`. Votes are
/// final. The answer carries the decision once the votes reach one; a decisive approve
/// commits the money at once (422 and nothing recorded if no fund can cover it). Whoever
/// entered or edited the application gets 403.
#[utoipa::path(post, path = "/api/v1/applications/{id}/votes", tag = "review",
    params(("id" = i64, Path, minimum = 1), crate::idempotency::KeyHeader),
    request_body = VoteInput,
    responses((status = 201, body = super::VoteResult), ErrorResponses))]
async fn vote(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    key: IdempotencyKey,
    line: RequestLine,
    ApiJson(input): ApiJson<VoteInput>,
) -> AppResult<Replied<super::VoteResult>> {
    user.require(&[Role::BoardMember])?;
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    let once = Once::new(user.id, key, &line, &input);
    once.run(
        &mut conn,
        StatusCode::CREATED,
        super::VoteResult::entry_id,
        async |conn| super::vote(conn, &user, id, &clock, &input).await,
    )
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DeclarationInput {
    /// `false`: no conflict of interest (the applicant's name is then shown); `true`: a
    /// conflict, recorded as a `recuse` vote.
    #[schema(value_type = bool, required = true)]
    pub conflict: Option<bool>,
    #[schema(value_type = Option<crate::domain::schema::Note>)]
    pub comment: Option<String>,
}

/// Declare, before seeing who applied, that you have no conflict of interest (board
/// member); the answer is the application with the household's name. With
/// `conflict: true` you recuse instead.
#[utoipa::path(post, path = "/api/v1/applications/{id}/declaration", tag = "review",
    params(("id" = i64, Path, minimum = 1)), request_body = DeclarationInput,
    responses((status = 201, body = Application), ErrorResponses))]
async fn declare(
    State(state): State<AppState>,
    user: CurrentUser,
    Id(id): Id,
    ApiJson(input): ApiJson<DeclarationInput>,
) -> AppResult<(StatusCode, Json<Application>)> {
    let conflict = input.conflict.ok_or_else(|| {
        crate::error::AppError::invalid_field(
            "conflict",
            crate::domain::Problem::new("err-required"),
        )
    })?;
    let mut conn = state.pool.get().await?;
    let clock = state.clock.read();
    super::declare(&mut conn, &user, id, &clock, conflict, input.comment).await?;
    let application = crate::casefile::view(&mut conn, &user, id, Channel::Api).await?;
    Ok((StatusCode::CREATED, Json(application)))
}

/// The board's review queue: eligible and needs-review applications, oldest first, with
/// the eligibility summary, the votes cast, and your own vote and declaration.
#[utoipa::path(get, path = "/api/v1/review/queue", tag = "review", params(crate::paging::PageQuery),
    responses((status = 200, body = Page<QueueItem>), ErrorResponses))]
async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    crate::extract::ApiQuery(query): crate::extract::ApiQuery<crate::paging::PageQuery>,
) -> AppResult<Json<Page<QueueItem>>> {
    user.require(&[Role::BoardMember, Role::Admin])?;
    let paging = query.paging()?;
    let mut conn = state.pool.get().await?;
    Ok(Json(super::queue(&mut conn, &user, paging).await?))
}
