//! Fund pages: every fund with its balances (and opening one), a fund's page with the
//! receipt form and its ledger (entries, postings, running balances), reversing a
//! receipt booked in error, and changing a fund.
//!
//! Money forms carry a one-time `idempotency_key`, so a double click or a resent form
//! books the receipt once.

mod receipts;
use receipts::*;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::{Fund, FundInput, Receipt, ReverseInput};
use crate::app::AppState;
use crate::domain::BOOKKEEPERS;
use crate::domain::ledger::{DocumentType, EntryKind, ReceiptInput, ReceiptSource};
use crate::domain::{FieldErrors, Money, Program, Role};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebForm, WebQuery};
use crate::idempotency::{Once, RequestLine};
use crate::ledger::web::entries_table;
use crate::ledger::{Entry, EntryFilter};
use crate::paging::{Page, Paging};
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::{Form, Values, form_key, once_key_field};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/funds", get(funds_page).post(create_fund))
        .route("/funds/{id}", get(fund_page).post(update_fund))
        .route("/funds/{id}/receipts", post(record_receipt))
        .route("/receipts/{id}/reverse", post(reverse_receipt))
}

/// Whether the one looking may read the books (accountant, admin).
pub(crate) fn keeps_books(ctx: &Ctx) -> bool {
    ctx.user
        .as_ref()
        .is_some_and(|u| u.require(BOOKKEEPERS).is_ok())
}

/// Entries per page of a fund's ledger.
const LEDGER_PAGE: i64 = 100;

fn restriction(ctx: &Ctx, fund: &Fund) -> String {
    match fund.restricted_program {
        Some(p) => ctx.tr(
            "fund-restricted-to",
            &[("program", ctx.label("program", p))],
        ),
        None => ctx.t("fund-unrestricted"),
    }
}

/// The badges after a fund's name: general, closed, expired.
fn fund_badges(ctx: &Ctx, fund: &Fund, today: NaiveDate) -> Markup {
    html! {
        @if fund.is_general { " " span class="status" { (ctx.t("fund-general")) } }
        @if !fund.active { " " span class="status closed" { (ctx.t("fund-closed")) } }
        @if fund.expires_on.is_some_and(|e| e < today) { " " span class="status closed" { (ctx.t("fund-expired")) } }
    }
}

/// Funds with their balances and a total row; used on the funds page and the home page.
pub fn fund_table(ctx: &Ctx, funds: &[Fund], today: NaiveDate) -> Markup {
    let total = |pick: fn(&Fund) -> Money| Money::sum(funds.iter().map(pick)).unwrap_or_default();
    html! {
        (crate::web::table_box(&ctx.t("nav-funds"), html! { table class="funds" {
            thead { tr {
                th { (ctx.t("fund-name")) } th { (ctx.t("fund-restriction")) } th { (ctx.t("fund-expires")) }
                th class="money" { (ctx.t("fund-cash")) } th class="money" { (ctx.t("fund-committed")) }
                th class="money" { (ctx.t("fund-available")) }
            } }
            tbody {
                @for f in funds {
                    tr {
                        td { a href={ "/funds/" (f.id) } { (f.name) } (fund_badges(ctx, f, today)) }
                        td { (restriction(ctx, f)) }
                        td class="date" { @match f.expires_on { Some(d) => (d), None => (ctx.t("fund-no-expiry")) } }
                        td class="money" { (f.cash) }
                        td class="money" { (f.committed) }
                        td class="money" { strong { (f.available) } }
                    }
                }
            }
            tfoot { tr {
                th colspan="3" { (ctx.t("fund-total")) }
                th class="money" { (total(|f| f.cash)) }
                th class="money" { (total(|f| f.committed)) }
                th class="money" { strong { (total(|f| f.available)) } }
            } }
        } }))
    }
}

fn program_options(ctx: &Ctx) -> Vec<(String, String)> {
    let mut options = vec![("none".to_owned(), ctx.t("fund-unrestricted"))];
    options.extend(Program::ALL.iter().map(|p| {
        (
            p.as_str().to_owned(),
            ctx.tr(
                "fund-restricted-to",
                &[("program", ctx.label("program", p))],
            ),
        )
    }));
    options
}

fn funds_view(
    ctx: &Ctx,
    funds: &[Fund],
    today: NaiveDate,
    values: &Values,
    errors: &FieldErrors,
) -> Markup {
    let may_open = keeps_books(ctx);
    let form = Form {
        ctx,
        values,
        errors,
    };
    html! {
        p class="hint" { (ctx.t("funds-hint")) }
        (fund_table(ctx, funds, today))
        @if may_open {
            h2 id="open" { (ctx.t("fund-open")) }
            (form.summary())
            form method="post" action="/funds" {
                (form.csrf())
                (form.input("name", &ctx.t("fund-name"), "text", None, true))
                div class="row" {
                    (form.select("restricted_program", &ctx.t("fund-restriction"), &program_options(ctx), None, false))
                    (form.input("expires_on", &ctx.t("fund-expires"), "date", Some(&ctx.t("optional")), false))
                }
                (form.input("note", &ctx.t("field-note"), "text", Some(&ctx.t("optional")), false))
                div class="actions" { button type="submit" { (ctx.t("fund-open-button")) } }
            }
        }
    }
}

async fn funds_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Markup> {
    ctx.require_user()?;
    let mut conn = state.pool.get().await?;
    let funds = super::list(&mut conn).await?;
    let today = state.clock.today();
    Ok(page(
        &ctx,
        &ctx.t("funds-title"),
        funds_view(&ctx, &funds, today, &Values::default(), &FieldErrors::new()),
    ))
}

fn fund_input(values: &Values) -> FundInput {
    FundInput {
        name: values.0.get("name").cloned(),
        // The form's "unrestricted" choice is the API's null.
        restricted_program: values
            .0
            .get("restricted_program")
            .filter(|p| p.as_str() != "none")
            .cloned(),
        expires_on: values.0.get("expires_on").cloned(),
        active: values
            .0
            .get("active_shown")
            .map(|_| values.0.contains_key("active")),
        note: values.0.get("note").cloned(),
    }
}

async fn create_fund(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(BOOKKEEPERS)?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    match super::create(&mut conn, user.id, today, &fund_input(&values)).await {
        Ok(fund) => Ok(Redirect::to(&format!("/funds/{}", fund.id)).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let funds = super::list(&mut conn).await?;
            let body = funds_view(&ctx, &funds, today, &values, &fields);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&ctx, &ctx.t("funds-title"), body),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct FundPageQuery {
    cursor: Option<String>,
    /// A receipt just recorded, to confirm.
    receipt: Option<String>,
}

/// The forms of a fund's page, with what was typed and what was wrong.
#[derive(Default)]
struct FundForms {
    receipt: (Values, FieldErrors),
    edit: (Values, FieldErrors),
    /// The receipt whose reversal form failed.
    reverse: Option<(i64, Values, FieldErrors)>,
}

struct FundPage<'a> {
    fund: &'a Fund,
    ledger: &'a Page<Entry>,
    today: NaiveDate,
    recorded: Option<Receipt>,
    forms: FundForms,
}

fn balance_cards(ctx: &Ctx, fund: &Fund) -> Markup {
    html! {
        dl class="balances" {
            dt { (ctx.t("fund-cash")) } dd class="money" { (fund.cash) }
            dt { (ctx.t("fund-committed")) } dd class="money" { (fund.committed) }
            dt { (ctx.t("fund-available")) } dd class="money" { strong { (fund.available) } }
        }
        p class="hint" { (ctx.t("fund-balances-hint")) }
    }
}

fn edit_form(ctx: &Ctx, fund: &Fund, values: &Values, errors: &FieldErrors) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    html! {
        details open[!errors.is_empty()] {
            summary { (ctx.t("fund-edit")) }
            (form.summary())
            form method="post" action={ "/funds/" (fund.id) } {
                (form.csrf())
                (form.input("name", &ctx.t("fund-name"), "text", None, true))
                @if !fund.is_general {
                    (form.input("expires_on", &ctx.t("fund-expires"), "date", Some(&ctx.t("optional")), false))
                    input type="hidden" name="active_shown" value="1";
                    label { input type="checkbox" name="active" value="1" checked[values.get("active") == "1"]; " " (ctx.t("fund-active")) }
                    (form.group_error("active"))
                }
                (form.input("note", &ctx.t("field-note"), "text", Some(&ctx.t("optional")), false))
                div class="actions" { button type="submit" { (ctx.t("fund-save")) } }
            }
        }
    }
}

/// Values of the change form for the fund as it is.
fn edit_values(fund: &Fund) -> Values {
    let mut v = Values::default();
    v.set("name", &fund.name);
    v.set(
        "expires_on",
        fund.expires_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    v.set("note", fund.note.clone().unwrap_or_default());
    if fund.active {
        v.set("active", "1");
    }
    v
}

/// The fund's entries with their postings and the balances after each.
fn ledger_table(ctx: &Ctx, p: &FundPage) -> Markup {
    let may_reverse = ctx.user.as_ref().is_some_and(|u| u.has(Role::Accountant));
    let reverse = |e: &Entry| match (
        may_reverse,
        e.kind,
        e.reversed_by,
        e.document_type,
        e.document_id,
    ) {
        (true, EntryKind::Receipt, None, Some(DocumentType::Receipt), Some(receipt_id)) => {
            Some(reverse_form(ctx, receipt_id, p.forms.reverse.as_ref()))
        }
        _ => None,
    };
    html! {
        h2 id="ledger" { (ctx.t("ledger-title")) }
        @if p.ledger.items.is_empty() {
            p { (ctx.t("ledger-empty")) }
        } @else {
            (entries_table(ctx, &p.ledger.items, Some(p.fund.id), &reverse))
            @if let Some(next) = &p.ledger.next_cursor {
                p { a href={ "/funds/" (p.fund.id) "?cursor=" (next) "#ledger" } { (ctx.t("ledger-next")) } }
            }
        }
    }
}

fn fund_view(ctx: &Ctx, p: &FundPage) -> Markup {
    let user = ctx.user.as_ref();
    let is_accountant = user.is_some_and(|u| u.has(Role::Accountant));
    let may_edit = keeps_books(ctx);
    let fund = p.fund;
    html! {
        p { a href="/funds" { "← " (ctx.t("funds-title")) } }
        @if let Some(r) = &p.recorded {
            div class="notice" role="status" {
                (ctx.tr("receipt-recorded", &[("number", r.number.clone()), ("amount", r.amount.display()), ("donor", r.donor.clone())]))
            }
        }
        p { (restriction(ctx, fund)) " · "
            @match fund.expires_on { Some(d) => (ctx.tr("fund-expires-on", &[("date", d.to_string())])), None => (ctx.t("fund-no-expiry")) }
            (fund_badges(ctx, fund, p.today)) }
        @if let Some(note) = &fund.note { p class="hint" { (note) } }
        (balance_cards(ctx, fund))
        @if may_edit { (edit_form(ctx, fund, &p.forms.edit.0, &p.forms.edit.1)) }
        @if is_accountant && fund.active { (receipt_form(ctx, fund, &p.forms.receipt.0, &p.forms.receipt.1)) }
        @if may_edit { (ledger_table(ctx, p)) }
    }
}

/// Renders a fund's page; `status` is 200, or 422 when a form comes back with problems.
async fn render_fund(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    cursor: Option<&str>,
    recorded: Option<Receipt>,
    forms: Option<FundForms>,
) -> AppResult<Response> {
    let mut conn = state.pool.get().await?;
    let fund = super::get(&mut conn, id).await?;
    let today = state.clock.today();
    let may_read_books = keeps_books(ctx);
    let ledger = if may_read_books {
        let paging = Paging::parse(Some(&LEDGER_PAGE.to_string()), cursor)?;
        let filter = EntryFilter {
            fund_id: Some(id),
            ..EntryFilter::default()
        };
        crate::ledger::entries(&mut conn, &filter, paging).await?
    } else {
        Page {
            items: Vec::new(),
            next_cursor: None,
        }
    };
    let status = if forms.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut forms = forms.unwrap_or_default();
    if forms.edit.0.0.is_empty() {
        forms.edit.0 = edit_values(&fund);
    }
    if forms.receipt.0.get("received_on").is_empty() {
        forms.receipt.0.set("received_on", today);
    }
    let view = FundPage {
        fund: &fund,
        ledger: &ledger,
        today,
        recorded,
        forms,
    };
    Ok((status, page(ctx, &fund.name, fund_view(ctx, &view))).into_response())
}

async fn fund_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebQuery(query): WebQuery<FundPageQuery>,
) -> AppResult<Response> {
    ctx.require_user()?;
    let recorded = match query.receipt.as_deref().and_then(|r| r.parse::<i64>().ok()) {
        Some(receipt_id) if keeps_books(&ctx) => {
            let mut conn = state.pool.get().await?;
            super::receipt(&mut conn, receipt_id)
                .await
                .ok()
                .filter(|r| r.fund_id == id)
        }
        _ => None,
    };
    render_fund(&state, &ctx, id, query.cursor.as_deref(), recorded, None).await
}

async fn update_fund(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(BOOKKEEPERS)?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    match super::update(&mut conn, user.id, id, today, &fund_input(&values)).await {
        Ok(_) => Ok(Redirect::to(&format!("/funds/{id}")).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let forms = FundForms {
                edit: (values, fields),
                ..FundForms::default()
            };
            render_fund(&state, &ctx, id, None, None, Some(forms)).await
        }
        Err(e) => Err(e),
    }
}
