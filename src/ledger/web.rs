//! Ledger pages for the accountant and the admin: the journal of every fund (filtered by
//! dates and fund) and the invariant check, the same as `check-ledger`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};

use super::api::EntryQuery;
use super::{Entry, Posting};
use crate::app::AppState;
use crate::domain::BOOKKEEPERS;
use crate::domain::Language;
use crate::domain::ledger::Side;
use crate::domain::money::display_amount;
use crate::error::AppResult;
use crate::extract::WebQuery;
use crate::paging::Paging;
use crate::web::Ctx;
use crate::web::form::url_encode;
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ledger", get(journal))
        .route("/ledger/check", get(check))
}

fn account_name<'a>(ctx: &Ctx, posting: &'a Posting) -> &'a str {
    match ctx.lang {
        Language::Ko => &posting.account_name_ko,
        Language::En => &posting.account_name,
    }
}

fn side_amount(posting: &Posting, side: Side) -> Markup {
    html! { @if posting.side == side { (posting.amount) } }
}

/// Entries with their postings. With `fund`, only that fund's postings and its balances
/// after each entry; without, every posting with its fund. `below` adds a row under an
/// entry (say, a form to reverse it).
pub fn entries_table(
    ctx: &Ctx,
    entries: &[Entry],
    fund: Option<i64>,
    below: &dyn Fn(&Entry) -> Option<Markup>,
) -> Markup {
    let columns = if fund.is_some() { 7 } else { 6 };
    html! {
        (crate::web::table_box(&ctx.t("nav-ledger"), html! { table class="ledger" {
            thead { tr {
                th { (ctx.t("ledger-date")) } th { (ctx.t("ledger-entry")) } th { (ctx.t("ledger-account")) }
                @if fund.is_none() { th { (ctx.t("fund-name")) } }
                th class="money" { (ctx.t("ledger-debit")) } th class="money" { (ctx.t("ledger-credit")) }
                @if fund.is_some() { th class="money" { (ctx.t("fund-cash")) } th class="money" { (ctx.t("fund-available")) } }
            } }
            @for e in entries {
                tbody class={ "entry " (e.kind.as_str()) } {
                    tr class="entry-head" {
                        td class="date" { (e.entry_date) }
                        td colspan=(if fund.is_some() { 4 } else { 5 }) {
                            strong { "#" (e.id) " " (ctx.label("entrykind", e.kind)) }
                            " — " (e.memo)
                            br;
                            span class="hint" { (ctx.tr("ledger-by", &[("name", e.created_by_name.clone())])) }
                            @if let Some(of) = e.reverses { " " span class="status" { (ctx.tr("ledger-reverses", &[("id", of.to_string())])) } }
                            @if let Some(by) = e.reversed_by { " " span class="status closed" { (ctx.tr("ledger-reversed-by", &[("id", by.to_string())])) } }
                        }
                        @if fund.is_some() {
                            @let after = e.fund_balance_after.unwrap_or_default();
                            td class="money" { (display_amount(after.cash)) }
                            td class="money" { strong { (display_amount(after.available)) } }
                        }
                    }
                    @for posting in e.postings.iter().filter(|p| fund.is_none_or(|f| p.fund_id == f)) {
                        tr class="posting" {
                            td {} td {}
                            td { (posting.account) " " (account_name(ctx, posting)) }
                            @if fund.is_none() { td { a href={ "/funds/" (posting.fund_id) } { (posting.fund_name) } } }
                            td class="money" { (side_amount(posting, Side::Debit)) }
                            td class="money" { (side_amount(posting, Side::Credit)) }
                            @if fund.is_some() { td {} td {} }
                        }
                    }
                    @if let Some(row) = below(e) {
                        tr { td {} td colspan=(columns - 1) { (row) } }
                    }
                }
            }
        } }))
    }
}

async fn journal(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<EntryQuery>,
) -> AppResult<Markup> {
    ctx.require_user()?.require(BOOKKEEPERS)?;
    let filter = query.filter()?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let entries = super::entries(&mut conn, &filter, paging).await?;
    let funds = super::fund_names(&mut conn).await?;
    Ok(page(
        &ctx,
        &ctx.t("journal-title"),
        journal_view(&ctx, &filter, &entries, &funds),
    ))
}

/// The journal with its filters, and the link to the next page keeping them.
fn journal_view(
    ctx: &Ctx,
    filter: &super::EntryFilter,
    entries: &crate::paging::Page<super::Entry>,
    funds: &[(i64, String)],
) -> Markup {
    let kept = |name: &str, value: Option<String>| {
        value
            .map(|v| format!("&{name}={}", url_encode(&v)))
            .unwrap_or_default()
    };
    let next_query = format!(
        "{}{}{}",
        kept("from", filter.from.map(|d| d.to_string())),
        kept("to", filter.to.map(|d| d.to_string())),
        kept("fund_id", filter.fund_id.map(|f| f.to_string())),
    );
    html! {
        p { a href="/ledger/check" { (ctx.t("check-title")) } }
        form method="get" action="/ledger" class="filters" {
            div class="row" {
                div { label for="from" { (ctx.t("ledger-from")) }
                      input type="date" id="from" name="from" value=[filter.from.map(|d| d.to_string())]; }
                div { label for="to" { (ctx.t("ledger-to")) }
                      input type="date" id="to" name="to" value=[filter.to.map(|d| d.to_string())]; }
                div { label for="fund_id" { (ctx.t("fund-name")) }
                      select id="fund_id" name="fund_id" {
                          option value="" { (ctx.t("fund-total")) }
                          @for (id, name) in funds {
                              option value=(id) selected[filter.fund_id == Some(*id)] { (name) }
                          }
                      } }
            }
            div class="actions" { button type="submit" class="secondary" { (ctx.t("ledger-filter")) } }
        }
        @if entries.items.is_empty() {
            p { (ctx.t("ledger-empty")) }
        } @else {
            (entries_table(ctx, &entries.items, filter.fund_id, &|_| None))
        }
        @if let Some(next) = &entries.next_cursor {
            p { a href={ "/ledger?cursor=" (next) (next_query) } { (ctx.t("ledger-next")) } }
        }
    }
}

async fn check(State(state): State<AppState>, ctx: Ctx) -> AppResult<Markup> {
    ctx.require_user()?.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    let report = super::check::run(&mut conn).await?;
    let body = html! {
        p class="hint" { (ctx.tr("check-counts", &[
            ("entries", report.entries.to_string()),
            ("postings", report.postings.to_string()),
            ("funds", report.funds.to_string()),
        ])) }
        @if report.clean() {
            div class="notice" role="status" { (ctx.t("check-clean")) }
        } @else {
            div class="error-box" role="alert" { (ctx.t("check-breached")) }
        }
        ul class="checklist" {
            @for inv in &report.invariants {
                li class={ "rule " (if inv.holds() { "pass" } else { "fail" }) } {
                    span class="mark" aria-hidden="true" { (if inv.holds() { "✓" } else { "✗" }) }
                    strong { (ctx.t(&format!("check-invariant-{}", inv.number))) }
                    @for breach in &inv.breaches { br; code { (breach) } }
                }
            }
        }
        h2 { (ctx.t("check-accounts")) }
        (crate::web::table_box(&ctx.t("check-accounts"), html! { table {
            thead { tr { th { (ctx.t("ledger-account")) } th class="money" { (ctx.t("ledger-debit")) } th class="money" { (ctx.t("ledger-credit")) } } }
            tbody {
                @for a in &report.accounts {
                    tr { td { (a.code) " " (a.name) } td class="money" { (display_amount(a.debits)) } td class="money" { (display_amount(a.credits)) } }
                }
            }
        } }))
    };
    Ok(page(&ctx, &ctx.t("check-title"), body))
}
