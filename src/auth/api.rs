//! `/api/v1/auth/token`, `/api/v1/me`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Attempt;
use crate::auth::middleware::ClientAddress;
use crate::domain::input::required_text;
use crate::domain::{FieldErrors, Language, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::ApiJson;
use crate::respond::ErrorResponses;
use crate::session::{AuthVia, CurrentUser};
use crate::users::User;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, revoke_token))
        .routes(routes!(me, update_me))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct Credentials {
    #[schema(value_type = crate::domain::schema::Text, required = true)]
    email: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1)]
    password: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TokenResponse {
    token: String,
    expires_at: DateTime<Utc>,
    user: Me,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    id: i64,
    email: String,
    name: String,
    roles: Vec<Role>,
    language: Language,
}

impl From<&User> for Me {
    fn from(u: &User) -> Me {
        Me {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            roles: u.roles.clone(),
            language: u.language,
        }
    }
}

/// Exchange an email and password for a bearer token (anyone). 401 on a wrong pair.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = Credentials,
    security(()),
    responses((status = 201, body = TokenResponse), ErrorResponses))]
async fn create_token(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(credentials): ApiJson<Credentials>,
) -> AppResult<(StatusCode, Json<TokenResponse>)> {
    let mut e = FieldErrors::new();
    let email = required_text(&mut e, "email", credentials.email.as_deref(), 200);
    if credentials.password.as_deref().is_none_or(str::is_empty) {
        e.add("password", Problem::new("err-required"));
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let mut conn = state.pool.get().await?;
    let user = crate::auth::sign_in(
        &mut conn,
        &state.data_key,
        Attempt {
            email: &email.unwrap_or_default(),
            password: credentials.password.as_deref().unwrap_or(""),
            client,
            now: state.clock.now(),
        },
    )
    .await?;
    let ttl = Duration::hours(state.config.token_ttl_hours);
    let (token, expires_at) = crate::auth::issue_token(&mut conn, &user, ttl).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            token,
            expires_at,
            user: Me::from(&user),
        }),
    ))
}

/// Revoke the bearer token this request presents (its holder): it stops working at once.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth",
    responses((status = 204, description = "revoked"), ErrorResponses))]
async fn revoke_token(State(state): State<AppState>, user: CurrentUser) -> AppResult<StatusCode> {
    let AuthVia::Token { id } = user.via else {
        return Err(AppError::BadRequest(
            "this request presents no bearer token: a browser signs out at /logout".into(),
        ));
    };
    let mut conn = state.pool.get().await?;
    crate::auth::revoke_token(&mut conn, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), ErrorResponses))]
async fn me(user: CurrentUser) -> Json<Me> {
    Json(Me::from(&user.user))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct MeChanges {
    language: Option<Language>,
}

/// Change one's own language (`en` or `ko`).
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = MeChanges,
    responses((status = 200, body = Me), ErrorResponses))]
async fn update_me(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(changes): ApiJson<MeChanges>,
) -> AppResult<Json<Me>> {
    let mut conn = state.pool.get().await?;
    if let Some(language) = changes.language {
        crate::users::set_language(&mut conn, &user, language).await?;
    }
    Ok(Json(Me::from(
        &crate::users::find(&mut conn, user.id).await?,
    )))
}
