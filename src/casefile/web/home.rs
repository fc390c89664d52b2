//! Each role's home page: what waits for them, and the latest applications.

use axum::extract::State;
use maud::{Markup, html};

use crate::app::AppState;
use crate::applications::ApplicationListItem;
use crate::domain::Role;
use crate::error::AppResult;
use crate::paging::Paging;
use crate::web::Ctx;
use crate::web::layout::page;

/// What the reader's home shows: the dashboard (queues and charts), the funds for an
/// accountant, the latest applications (their read logged).
struct Waiting {
    recent: Vec<ApplicationListItem>,
    dashboard: crate::dashboard::Dashboard,
    funds: Option<(Vec<crate::funds::Fund>, chrono::NaiveDate)>,
}

pub(super) async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Markup> {
    let user = ctx.require_user()?.clone();
    let waiting = waiting(&state, &user).await?;
    Ok(home_view(&ctx, &user, &waiting))
}

/// The recent applications (with the access row their names need) and the dashboard do
/// not depend on each other: each is read on a connection of its own, at once, so the
/// page waits for the longer of the two rather than for both.
async fn waiting(state: &AppState, user: &crate::users::User) -> AppResult<Waiting> {
    let recent = async {
        let mut conn = state.pool.get().await?;
        let recent = crate::applications::list(
            &mut conn,
            user,
            &crate::applications::ListFilter::default(),
            Paging {
                limit: 10,
                after: None,
            },
        )
        .await?;
        let named = recent.items.iter().filter(|a| a.household_name.is_some());
        crate::audit::record_list_access(
            &mut conn,
            user.id,
            "application",
            named.map(|a| a.id),
            crate::audit::Channel::Web,
        )
        .await?;
        AppResult::Ok(recent.items)
    };
    let dashboard = async {
        let mut conn = state.pool.get().await?;
        let dashboard = crate::dashboard::dashboard(&mut conn, user, state.clock.read()).await?;
        let funds = if user.has(Role::Accountant) {
            Some((crate::funds::list(&mut conn).await?, state.clock.today()))
        } else {
            None
        };
        AppResult::Ok((dashboard, funds))
    };
    let (recent, (dashboard, funds)) = futures_util::try_join!(recent, dashboard)?;
    Ok(Waiting {
        recent,
        dashboard,
        funds,
    })
}

fn home_view(ctx: &Ctx, user: &crate::users::User, waiting: &Waiting) -> Markup {
    let Waiting {
        recent,
        dashboard,
        funds,
    } = waiting;
    let body = html! {
        p { (ctx.tr("home-welcome", &[("name", user.name.clone())])) }
        @if user.has(Role::Caseworker) {
            section {
                h2 { (ctx.t("home-caseworker")) }
                (crate::households::web::search_form(ctx, ""))
            }
        }
        @if user.has(Role::BoardMember) {
            section {
                h2 { (ctx.t("home-board")) }
                p { (ctx.t("home-board-text")) }
            }
        }
        @if let Some((funds, today)) = &funds {
            section {
                h2 { (ctx.t("home-accountant")) }
                (crate::funds::web::fund_table(ctx, funds, *today))
                p { a href="/funds" { (ctx.t("home-accountant-text")) } }
            }
        }
        (crate::dashboard::web::dashboard_view(ctx, dashboard))
        @if user.has(Role::Admin) {
            section {
                h2 { (ctx.t("home-admin")) }
                ul {
                    li { a href="/admin/users" { (ctx.t("nav-users")) } }
                    li { a href="/admin/audit" { (ctx.t("nav-audit")) } }
                }
            }
        }
        section {
            h2 { (ctx.t("home-recent")) }
            (list_table(ctx, recent))
        }
    };
    page(ctx, &ctx.t("home-title"), body)
}

/// Applications as a table (the home page and the applications list).
pub fn list_table(ctx: &Ctx, items: &[ApplicationListItem]) -> Markup {
    html! {
        @if items.is_empty() { p { (ctx.t("applications-none")) } } @else {
            (crate::web::table_box(&ctx.t("nav-applications"), html! { table {
                thead { tr {
                    th { (ctx.t("field-number")) } th { (ctx.t("field-household")) } th { (ctx.t("field-site")) }
                    th { (ctx.t("field-program")) } th { (ctx.t("field-status")) } th class="money" { (ctx.t("field-requested")) }
                } }
                tbody {
                    @for a in items {
                        tr {
                            td class="nowrap" { a href={ "/applications/" (a.id) } { (a.number) } }
                            td { (a.household_name.as_deref().unwrap_or("—")) }
                            td { (a.site) }
                            td { (ctx.label("program", a.program)) }
                            td { span class="status" { (ctx.label("status", a.status)) } }
                            td class="money" { (a.requested_amount) }
                        }
                    }
                }
            } }))
        }
    }
}
