//! Eligibility pages: the checklist on the application page (run, history, admin
//! override), the printable summary for the family in its language, and the admin's
//! policy versions.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use super::{NewVersionInput, OverrideInput, PolicyVersion};
use crate::app::AppState;
use crate::casefile::web::{PagePost, Slot};
use crate::domain::{FieldErrors, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebForm};
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::{Form, Values};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications/{id}/eligibility", post(run))
        .route("/applications/{id}/override", post(override_result))
        .route("/admin/policy", get(policy_page).post(create_version))
}

async fn run(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Redirect> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    super::run_check(&mut conn, user.id, id, state.clock.read()).await?;
    Ok(Redirect::to(&format!("/applications/{id}#eligibility")))
}

async fn override_result(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Admin])?;
    let values = Values::from_pairs(pairs);
    let input = OverrideInput {
        result: values.opt("result"),
        reason: values.opt("reason"),
    };
    let mut conn = state.pool.get().await?;
    let outcome = super::override_result(&mut conn, user.id, id, state.clock.read(), &input).await;
    let post = PagePost::new(&state, &ctx, &user, id);
    post.answer(
        &mut conn,
        outcome,
        "#eligibility",
        Slot::EligibilityOverride,
        values,
    )
    .await
}

fn policy_json(policy: &crate::domain::policy::Policy) -> String {
    serde_json::to_string_pretty(policy).unwrap_or_default()
}

fn policy_view(
    ctx: &Ctx,
    versions: &[PolicyVersion],
    today: chrono::NaiveDate,
    values: &Values,
    errors: &FieldErrors,
    preview: Option<&super::Preview>,
) -> Markup {
    let in_force = versions
        .iter()
        .find(|v| v.effective_from <= today)
        .map(|v| v.version);
    let form = Form {
        ctx,
        values,
        errors,
    };
    html! {
        p class="hint" { (ctx.t("policy-hint")) }
        (crate::web::table_box(&ctx.t("policy-title"), html! { table {
            thead { tr { th { (ctx.t("policy-title")) } th { (ctx.t("field-effective-from")) } th { (ctx.t("field-note")) } } }
            tbody {
                @for v in versions {
                    tr {
                        td { (ctx.tr("policy-version", &[("version", v.version.to_string())]))
                            @if Some(v.version) == in_force { " " span class="status" { (ctx.t("policy-in-force")) } } }
                        td { (v.effective_from) }
                        td { (v.note) }
                    }
                }
            }
        } }))
        @for v in versions.iter().take(1) {
            details {
                summary { (ctx.tr("policy-version", &[("version", v.version.to_string())])) }
                pre { (policy_json(&v.policy)) }
            }
        }
        h2 { (ctx.t("policy-new")) }
        @if let Some(p) = preview {
            section class="notice" role="status" aria-labelledby="preview-title" {
                h3 id="preview-title" { (ctx.t("policy-preview-title")) }
                p { (ctx.tr("policy-preview-count", &[("changed", p.changed.len().to_string()), ("open", p.open.to_string())])) }
                @if !p.changed.is_empty() {
                    ul {
                        @for (number, now, then) in &p.changed {
                            li { (number) ": " (ctx.label("status", now)) " → " (ctx.label("status", then)) }
                        }
                    }
                }
            }
        }
        (form.summary())
        form method="post" action="/admin/policy" {
            (form.csrf())
            div class="row" {
                (form.input("effective_from", &ctx.t("field-effective-from"), "date", Some("YYYY-MM-DD"), true))
                (form.input("note", &ctx.t("field-note"), "text", Some(&ctx.t("optional")), false))
            }
            (form.textarea("policy", &ctx.t("field-policy"), Some(&ctx.t("policy-json-hint")), true))
            @for (field, problem) in errors.iter().filter(|(f, _)| f.starts_with("policy.")) {
                p class="field-error" { code { (field) } ": " (crate::i18n::problem(ctx.lang, problem)) }
            }
            div class="actions" {
                button type="submit" name="then" value="preview" class="secondary" { (ctx.t("policy-preview")) }
                button type="submit" name="then" value="save" { (ctx.t("policy-create")) }
            }
        }
    }
}

async fn policy_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let versions = super::versions(&mut conn).await?;
    let today = state.clock.today();
    let mut values = Values::default();
    if let Some(latest) = versions.first() {
        values.set("policy", policy_json(&latest.policy));
    }
    Ok(page(
        &ctx,
        &ctx.t("policy-title"),
        policy_view(&ctx, &versions, today, &values, &FieldErrors::new(), None),
    ))
}

async fn create_version(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let policy = values.opt("policy").map(|text| serde_json::from_str(&text));
    // A preview runs the draft over the open applications and saves nothing.
    if values.get("then") == "preview" {
        let mut errors = FieldErrors::new();
        let draft = match &policy {
            Some(Ok(value)) => super::parse_policy(value, &mut errors),
            Some(Err(e)) => {
                errors.add("policy", Problem::new("err-json").arg("detail", e));
                None
            }
            None => {
                errors.add("policy", Problem::new("err-required"));
                None
            }
        };
        let versions = super::versions(&mut conn).await?;
        let (status, preview) = match draft {
            Some(draft) => (
                StatusCode::OK,
                Some(super::preview(&mut conn, &draft, state.clock.read()).await?),
            ),
            None => (StatusCode::UNPROCESSABLE_ENTITY, None),
        };
        let body = policy_view(&ctx, &versions, today, &values, &errors, preview.as_ref());
        return Ok((status, page(&ctx, &ctx.t("policy-title"), body)).into_response());
    }
    let outcome = match policy {
        Some(Err(e)) => Err(AppError::from(FieldErrors::single(
            "policy",
            Problem::new("err-json").arg("detail", e),
        ))),
        policy => {
            let input = NewVersionInput {
                effective_from: values.opt("effective_from"),
                note: values.opt("note"),
                policy: policy.and_then(Result::ok),
            };
            super::create_version(&mut conn, user.id, today, &input).await
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/admin/policy").into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let versions = super::versions(&mut conn).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(
                    &ctx,
                    &ctx.t("policy-title"),
                    policy_view(&ctx, &versions, today, &values, &fields, None),
                ),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}
