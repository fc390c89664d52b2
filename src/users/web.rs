//! Pages: the language switch, and the admin's users and audit pages.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::{Markup, html};

use super::NewUserInput;
use crate::app::AppState;
use crate::domain::{FieldErrors, Language, Role};
use crate::error::{AppError, AppResult};
use crate::extract::WebForm;
use crate::web::form::{Form, Values, language_options, safe_next};
use crate::web::layout::page;
use crate::web::{Ctx, LANG_COOKIE};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/language", post(language))
        .route("/admin/users", get(users_page).post(create_user))
        .merge(super::account_web::router())
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
            (crate::web::table_box(&ctx.t("users-title"), html! { table {
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
            } }))
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
) -> AppResult<Response> {
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
        )
        .into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            values.set("password", "");
            let page = users_view(&ctx, &users, &values, &fields, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
