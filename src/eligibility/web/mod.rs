//! Eligibility pages: the checklist on the application page (run, history, admin
//! override), the printable summary for the family in its language, and the admin's
//! policy versions.

mod policy;

use axum::Router;
use axum::extract::State;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};

use super::OverrideInput;
use crate::app::AppState;
use crate::casefile::web::{PagePost, Slot};
use crate::domain::Role;
use crate::error::AppResult;
use crate::extract::{Id, WebForm};
use crate::web::Ctx;
use crate::web::form::Values;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications/{id}/eligibility", post(run))
        .route("/applications/{id}/override", post(override_result))
        .route(
            "/admin/policy",
            get(policy::policy_page).post(policy::create_version),
        )
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
