//! `/asylum-fees`: the families whose annual asylum fee falls due, each one click from a
//! new application for it.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};

use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::domain::Role;
use crate::error::AppResult;
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new().route("/asylum-fees", get(due_page))
}

async fn due_page(State(state): State<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<Markup> {
    user.require(&[Role::Caseworker, Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let due = super::annual::due(&conn, today, user.site_id).await?;
    // The list names families: a read of each, logged.
    audit::record_list_access(
        &mut conn,
        user.id,
        "household",
        due.iter().map(|d| d.household_id),
        Channel::Web,
    )
    .await?;
    Ok(page(
        &ctx,
        &ctx.t("annual-fees-title"),
        html! {
            p class="hint" { (ctx.tr("annual-fees-hint", &[("days", super::annual::ANNUAL_FEE_DAYS.to_string())])) }
            @if due.is_empty() {
                p { (ctx.t("annual-fees-none")) }
            } @else {
                (crate::web::table_box(&ctx.t("annual-fees-title"), html! { table {
                    thead { tr {
                        th { (ctx.t("field-household")) } th { (ctx.t("field-filed-on")) } th { (ctx.t("annual-fees-due")) }
                        th class="money" { (ctx.t("field-amount")) } th { span class="visually-hidden" { (ctx.t("annual-fees-start")) } }
                    } }
                    tbody {
                        @for d in &due {
                            tr {
                                td {
                                    a href={ "/households/" (d.household_id) } { (match (ctx.lang, &d.household_name_ko) { (crate::domain::Language::Ko, Some(ko)) => ko, _ => &d.household_name }) }
                                    br; span class="hint" { (d.site) @if let Some(b) = &d.beneficiary { " · " (b) } }
                                }
                                td class="nowrap" { (d.filed_on) }
                                td class="nowrap" {
                                    (d.due_on) br;
                                    span class=(if d.days_left < 0 { "hint bad" } else { "hint" }) {
                                        @if d.days_left < 0 { (ctx.tr("annual-fees-overdue", &[("days", (-d.days_left).to_string())])) }
                                        @else { (ctx.tr("annual-fees-in-days", &[("days", d.days_left.to_string())])) }
                                    }
                                }
                                td class="money" { (d.amount) }
                                td { a class="button" href=(d.new_application) { (ctx.t("annual-fees-start")) } }
                            }
                        }
                    }
                } }))
            }
        },
    ))
}
