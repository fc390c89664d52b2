//! The admin's page for one account: name, roles, language, site, active, and revoking
//! its API tokens. The same service functions as `PATCH /api/v1/users/{id}` and
//! `POST /api/v1/users/{id}/revoke-tokens`.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use super::User;
use super::account::UserChanges;
use crate::app::AppState;
use crate::domain::{FieldErrors, Language, Role};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebForm, WebQuery};
use crate::sites::Site;
use crate::web::Ctx;
use crate::web::form::{Form, Values, language_options};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{id}", get(account_page).post(save))
        .route("/admin/users/{id}/revoke-tokens", post(revoke_tokens))
}

fn values_of(user: &User, sites: &[Site]) -> Values {
    let mut values = Values::default();
    values.set("name", &user.name);
    values.set("language", user.language.as_str());
    let site = sites.iter().find(|s| Some(s.id) == user.site_id);
    values.set("site", site.map_or("", |s| s.code.as_str()));
    for role in &user.roles {
        values.set(format!("roles:{}", role.as_str()), "1");
    }
    if user.active {
        values.set("active", "1");
    }
    values
}

fn account_view(
    ctx: &Ctx,
    user: &User,
    sites: &[Site],
    values: &Values,
    errors: &FieldErrors,
    notice: Option<String>,
) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let site_options: Vec<(String, String)> = sites
        .iter()
        .map(|s| {
            let name = if ctx.lang == Language::Ko {
                &s.name_ko
            } else {
                &s.name
            };
            (s.code.clone(), name.clone())
        })
        .collect();
    page(
        ctx,
        &user.email,
        html! {
            @if let Some(text) = notice { div class="notice" role="status" { (text) } }
            @if !user.active { p class="error-box" { (ctx.t("user-inactive")) } }
            (form.summary())
            form method="post" action={ "/admin/users/" (user.id) } {
                (form.csrf())
                (form.input("name", &ctx.t("field-name"), "text", None, true))
                fieldset {
                    legend { (ctx.t("field-roles")) }
                    @for role in Role::ALL {
                        label {
                            input type="checkbox" name="roles" value=(role.as_str())
                                checked[values.0.contains_key(&format!("roles:{}", role.as_str()))];
                            " " (ctx.label("role", role))
                        }
                    }
                    (form.group_error("roles"))
                }
                (form.select("language", &ctx.t("field-language"), &language_options(), None, true))
                (form.select("site", &ctx.t("field-site"), &site_options, Some(&ctx.t("user-no-site")), false))
                input type="hidden" name="active_shown" value="1";
                label {
                    input type="checkbox" name="active" value="1" checked[values.0.contains_key("active")];
                    " " (ctx.t("user-active"))
                }
                p class="hint" { (ctx.t("user-active-hint")) }
                (form.group_error("active"))
                (form.input("password", &ctx.t("user-new-password"), "password", Some(&ctx.t("user-new-password-hint")), false))
                div class="actions" { button type="submit" { (ctx.t("save")) } }
            }
            h2 { (ctx.t("user-tokens")) }
            p { (ctx.t("user-tokens-hint")) }
            form method="post" action={ "/admin/users/" (user.id) "/revoke-tokens" } {
                (form.csrf())
                div class="actions" { button type="submit" class="secondary" { (ctx.t("user-revoke-tokens")) } }
            }
            p { a href="/admin/users" { (ctx.t("users-title")) } }
        },
    )
}

#[derive(Debug, serde::Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebQuery(query): WebQuery<Saved>,
) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let user = super::find(&mut conn, id).await?;
    let sites = crate::sites::all(&mut conn).await?;
    let values = values_of(&user, &sites);
    let notice = query.saved.map(|_| ctx.t("user-saved"));
    Ok(account_view(
        &ctx,
        &user,
        &sites,
        &values,
        &FieldErrors::new(),
        notice,
    ))
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let admin = ctx.require_user()?.clone();
    admin.require(&[Role::Admin])?;
    let (roles, values) = super::web::checked_roles(pairs);
    let changes = UserChanges {
        name: Some(values.get("name").to_owned()),
        roles: Some(roles),
        language: values.opt("language"),
        site: Some(values.get("site").to_owned()),
        active: values
            .opt("active_shown")
            .map(|_| values.opt("active").is_some()),
        password: values.opt("password"),
    };
    let mut values = values;
    values.set("password", "");
    let mut conn = state.pool.get().await?;
    match super::account::update(&mut conn, &admin, id, &changes).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let user = super::find(&mut conn, id).await?;
            let sites = crate::sites::all(&mut conn).await?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                account_view(&ctx, &user, &sites, &values, &fields, None),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

async fn revoke_tokens(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Markup> {
    let admin = ctx.require_user()?.clone();
    admin.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let revoked = super::account::revoke_tokens(&mut conn, admin.id, id).await?;
    let user = super::find(&mut conn, id).await?;
    let sites = crate::sites::all(&mut conn).await?;
    let values = values_of(&user, &sites);
    let notice = ctx.tr("user-tokens-revoked", &[("count", revoked.to_string())]);
    Ok(account_view(
        &ctx,
        &user,
        &sites,
        &values,
        &FieldErrors::new(),
        Some(notice),
    ))
}
