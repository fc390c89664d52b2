//! Pages: sign in, sign out, the language switch, the home page of each role, and the
//! admin's users and audit pages.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::{CookieJar, SignedCookieJar};
use maud::{Markup, html};
use serde::Deserialize;

use super::NewUserInput;
use crate::app::AppState;
use crate::auth::middleware::{ClientAddress, SESSION_COOKIE};
use crate::auth::{AuthVia, CurrentUser};
use crate::domain::{FieldErrors, Language, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::{WebForm, WebQuery};
use crate::paging::Paging;
use crate::web::form::{Form, Values, language_options, safe_next};
use crate::web::layout::page;
use crate::web::{Ctx, LANG_COOKIE};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/language", post(language))
        .route("/admin/users", get(users_page).post(create_user))
        .route("/admin/audit", get(audit_page))
        .merge(super::account_web::router())
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
    let attempt = crate::auth::Attempt {
        email: values.get("email"),
        password: values.get("password"),
        client,
        now: state.clock.now(),
    };
    let user = match crate::auth::sign_in(&mut conn, &state.data_key, attempt).await {
        Ok(user) => user,
        Err(e @ (AppError::Unauthorized(_) | AppError::TooManyAttempts { .. })) => {
            return Ok(refused(&ctx, &values, &e));
        }
        Err(e) => return Err(e),
    };
    let ttl = chrono::Duration::hours(state.config.session_ttl_hours);
    let token = crate::auth::start_session(&mut conn, &user, ttl).await?;
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
        crate::auth::end_session(&mut conn, &user, token).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response())
}

/// Switches the language: remembered on the user when signed in, in a cookie otherwise.
async fn language(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let values = Values::from_pairs(pairs);
    let lang = Language::parse(values.get("language"))
        .ok_or_else(|| AppError::BadRequest("language must be ko or en".into()))?;
    if let Some(user) = &ctx.user {
        let mut conn = state.pool.get().await?;
        crate::users::set_language(&mut conn, user, lang).await?;
    }
    let cookie = Cookie::build((LANG_COOKIE, lang.as_str()))
        .path("/")
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    Ok((
        jar.add(cookie),
        Redirect::to(&safe_next(values.opt("next").as_deref())),
    )
        .into_response())
}

/// The roles an HTML form checked (`roles=…` repeated), and the form's values with each
/// checked role marked `roles:<role>` so the form shows them again.
pub(crate) fn checked_roles(pairs: Vec<(String, String)>) -> (Vec<String>, Values) {
    let roles: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| v.clone())
        .collect();
    let mut values = Values::from_pairs(pairs);
    for role in &roles {
        values.set(format!("roles:{role}"), "1");
    }
    (roles, values)
}

fn role_options(ctx: &Ctx) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), ctx.label("role", r)))
        .collect()
}

fn users_view(
    ctx: &Ctx,
    users: &[super::User],
    values: &Values,
    errors: &FieldErrors,
    created: Option<&str>,
) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let languages = language_options();
    page(
        ctx,
        &ctx.t("users-title"),
        html! {
            @if let Some(email) = created { div class="notice" role="status" { (ctx.tr("user-created", &[("email", email.to_owned())])) } }
            table {
                thead { tr { th { (ctx.t("field-name")) } th { (ctx.t("field-email")) } th { (ctx.t("field-roles")) } th { (ctx.t("field-language")) } th { (ctx.t("user-active")) } } }
                tbody {
                    @for u in users {
                        tr {
                            td { a href={ "/admin/users/" (u.id) } { (u.name) } } td { (u.email) }
                            td { (u.roles.iter().map(|r| ctx.label("role", r)).collect::<Vec<_>>().join(", ")) }
                            td { (u.language.as_str()) }
                            td { @if u.active { (ctx.t("yes")) } @else { span class="status closed" { (ctx.t("user-inactive-short")) } } }
                        }
                    }
                }
            }
            h2 { (ctx.t("user-new")) }
            (form.summary())
            form method="post" action="/admin/users" {
                (form.csrf())
                (form.input("name", &ctx.t("field-name"), "text", None, true))
                (form.input("email", &ctx.t("field-email"), "email", None, true))
                fieldset {
                    legend { (ctx.t("field-roles")) }
                    @for (value, label) in role_options(ctx) {
                        label { input type="checkbox" name="roles" value=(value) checked[values.0.contains_key(&format!("roles:{value}"))]; " " (label) }
                    }
                    (form.group_error("roles"))
                }
                (form.select("language", &ctx.t("field-language"), &languages, None, true))
                (form.input("password", &ctx.t("field-password"), "password", Some(&ctx.tr("password-hint", &[("min", super::MIN_PASSWORD_CHARS.to_string())])), true))
                div class="actions" { button type="submit" { (ctx.t("user-create")) } }
            }
        },
    )
}

async fn users_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let users = super::list(&mut conn).await?;
    Ok(users_view(
        &ctx,
        &users,
        &Values::default(),
        &FieldErrors::new(),
        None,
    ))
}

async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Markup> {
    let admin = ctx.require_user()?.clone();
    admin.require(&[Role::Admin])?;
    let (roles, mut values) = checked_roles(pairs);
    let input = NewUserInput {
        email: values.opt("email"),
        name: values.opt("name"),
        roles: Some(roles),
        password: values.opt("password"),
        language: values.opt("language"),
    };
    let mut conn = state.pool.get().await?;
    let result = super::create(&mut conn, Some(admin.id), &input).await;
    let users = super::list(&mut conn).await?;
    match result {
        Ok(user) => Ok(users_view(
            &ctx,
            &users,
            &Values::default(),
            &FieldErrors::new(),
            Some(&user.email),
        )),
        Err(AppError::Invalid { fields, .. }) => {
            values.set("password", "");
            Ok(users_view(&ctx, &users, &values, &fields, None))
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    entity_type: Option<String>,
    entity_id: Option<String>,
    cursor: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<AuditQuery>,
) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Admin])?;
    let paging = Paging::parse(None, query.cursor.as_deref())?;
    let filter = crate::audit::AuditFilter {
        entity_type: query.entity_type.filter(|s| !s.is_empty()),
        entity_id: query.entity_id.and_then(|s| s.parse().ok()),
    };
    let mut conn = state.pool.get().await?;
    let page_rows = crate::audit::list(&mut conn, &filter, paging).await?;
    Ok(page(
        &ctx,
        &ctx.t("audit-title"),
        html! {
            table {
                thead { tr { th { (ctx.t("audit-when")) } th { (ctx.t("audit-who")) } th { (ctx.t("audit-action")) } th { (ctx.t("audit-entity")) } th { (ctx.t("audit-changes")) } } }
                tbody {
                    @for e in &page_rows.items {
                        tr {
                            td { (e.at.format("%Y-%m-%d %H:%M:%S UTC")) }
                            td { (e.actor_id.map(|a| a.to_string()).unwrap_or_else(|| "—".into())) }
                            td { (e.action) }
                            td { (e.entity_type) " " (e.entity_id.map(|i| i.to_string()).unwrap_or_default()) }
                            td { code { (e.changes.to_string()) } }
                        }
                    }
                }
            }
            @if let Some(cursor) = &page_rows.next_cursor {
                p { a href={ "/admin/audit?cursor=" (cursor) } { (ctx.t("next-page")) } }
            }
        },
    ))
}
