//! Pages: signing in (throttled, the email kept on a refusal) and signing out.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::routing::post;
use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::{Markup, html};
use serde::Deserialize;

use super::middleware::{ClientAddress, SESSION_COOKIE};
use crate::app::AppState;
use crate::domain::{FieldErrors, Problem};
use crate::error::{AppError, AppResult};
use crate::extract::{WebForm, WebQuery};
use crate::session::{AuthVia, CurrentUser};
use crate::web::Ctx;
use crate::web::form::{Form, Values, safe_next};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The sign-in page; `failed` says why the last attempt did not sign in.
fn login_form(ctx: &Ctx, values: &Values, errors: &FieldErrors, failed: Option<Problem>) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    page(
        ctx,
        &ctx.t("sign-in"),
        html! {
            @if let Some(problem) = &failed {
                div class="error-box" role="alert" { p { (crate::i18n::problem(ctx.lang, problem)) } }
            }
            (form.summary())
            form method="post" action="/login" {
                input type="hidden" name="next" value=(values.get("next"));
                (form.input("email", &ctx.t("field-email"), "email", None, true))
                (form.input("password", &ctx.t("field-password"), "password", None, true))
                div class="actions" { button type="submit" { (ctx.t("sign-in")) } }
            }
        },
    )
}

async fn login_page(ctx: Ctx, WebQuery(query): WebQuery<NextQuery>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to("/").into_response();
    }
    let mut values = Values::default();
    values.set("next", safe_next(query.next.as_deref()));
    login_form(&ctx, &values, &FieldErrors::new(), None).into_response()
}

/// The sign-in form again, with the email kept and why it was refused (a wrong password,
/// or throttling with its `Retry-After`).
fn refused(ctx: &Ctx, values: &Values, error: &AppError) -> Response {
    let mut kept = values.clone();
    kept.set("password", "");
    let report = crate::respond::ErrorReport::of(error);
    let problem = report
        .problem
        .clone()
        .unwrap_or(Problem::new("sign-in-failed"));
    let form = login_form(ctx, &kept, &FieldErrors::new(), Some(problem));
    let mut response = (report.status, form).into_response();
    report.headers(&mut response);
    response
}

/// The session cookie: HTTP only, same site, Secure behind HTTPS, as long as the session.
fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.cookie_secure)
        .max_age(time::Duration::hours(state.config.session_ttl_hours))
        .build()
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(client): ClientAddress,
    jar: SignedCookieJar,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let values = Values::from_pairs(pairs);
    let mut errors = FieldErrors::new();
    for field in ["email", "password"] {
        if values.opt(field).is_none() {
            errors.add(field, Problem::new("err-required"));
        }
    }
    if !errors.is_empty() {
        return Ok(login_form(&ctx, &values, &errors, None).into_response());
    }
    let mut conn = state.pool.get().await?;
    let attempt = super::Attempt {
        email: values.get("email"),
        password: values.get("password"),
        client,
        now: state.clock.now(),
    };
    let user = match super::sign_in(&mut conn, &state.data_key, attempt).await {
        Ok(user) => user,
        Err(e @ (AppError::Unauthorized(_) | AppError::TooManyAttempts { .. })) => {
            return Ok(refused(&ctx, &values, &e));
        }
        Err(e) => return Err(e),
    };
    let ttl = chrono::Duration::hours(state.config.session_ttl_hours);
    let token = super::start_session(&mut conn, &user, ttl).await?;
    let cookie = session_cookie(&state, token);
    Ok((
        jar.add(cookie),
        Redirect::to(&safe_next(values.opt("next").as_deref())),
    )
        .into_response())
}

async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: SignedCookieJar,
) -> AppResult<Response> {
    if let AuthVia::Session { token, .. } = &user.via {
        let mut conn = state.pool.get().await?;
        super::end_session(&mut conn, &user, token).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response())
}
