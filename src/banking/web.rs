//! The bank page (accountant, admin): upload a statement, see each statement's lines with
//! what they matched and what on the books is left, and the checks outstanding for more
//! than 90 days, each with "void and reissue".

use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use super::{Bank, Statement, StatementItem};
use crate::app::AppState;
use crate::domain::money::display_amount;
use crate::domain::{BOOKKEEPERS, FieldErrors, Problem, Role};
use crate::error::{AppError, AppResult};
use crate::extract::Id;
use crate::payments::Disbursement;
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::fresh_once_key_field;
use crate::web::layout::page;

/// A check not cashed this many days after it was issued is stale.
pub const STALE_DAYS: i64 = 90;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bank", get(bank_page))
        .route("/bank/statements", post(upload))
        .route("/bank/statements/{id}", get(statement_page))
        .route("/bank/positive-pay", post(make_batch))
        .route("/bank/positive-pay/{file}", get(batch_file))
}

fn positive_pay_section(
    ctx: &Ctx,
    user: &CurrentUser,
    banks: &[Bank],
    batches: &[super::Batch],
    refused: Option<&Problem>,
) -> Markup {
    html! {
        h2 id="positive-pay" { (ctx.t("bank-positive-pay")) }
        p class="hint" { (ctx.t("bank-positive-pay-hint")) }
        @if let Some(problem) = refused {
            div class="error-box" role="alert" { p { (crate::i18n::problem(ctx.lang, problem)) } }
        }
        @if user.has(Role::Accountant) {
            form method="post" action="/bank/positive-pay" {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                div class="row" {
                    div {
                        label for="pp-bank" { (ctx.t("bank-bank")) }
                        select id="pp-bank" name="bank" required {
                            @for b in banks { option value=(b.name) { (b.display_name) } }
                        }
                    }
                }
                div class="actions" { button type="submit" { (ctx.t("bank-positive-pay-make")) } }
            }
        }
        @if batches.is_empty() {
            p { (ctx.t("bank-positive-pay-none")) }
        } @else {
            (crate::web::table_box(&ctx.t("bank-positive-pay"), html! { table {
                thead { tr {
                    th { (ctx.t("bank-batch")) } th { (ctx.t("bank-bank")) } th class="money" { (ctx.t("bank-checks")) }
                    th class="money" { (ctx.t("bank-voids")) } th class="money" { (ctx.t("field-amount")) } th { (ctx.t("bank-uploaded")) }
                } }
                tbody {
                    @for b in batches {
                        tr {
                            td { a href={ "/bank/positive-pay/" (b.id) ".csv" } { "#" (b.id) " (CSV)" } }
                            td { (b.bank) }
                            td class="money" { (b.checks) }
                            td class="money" { (b.voids) }
                            td class="money nowrap" { (display_amount(b.total)) }
                            td { (ctx.timestamp(b.created_at)) br; span class="hint" { (b.created_by_name) } }
                        }
                    }
                }
            } }))
        }
    }
}

async fn make_batch(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    crate::extract::WebForm(pairs): crate::extract::WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Accountant])?;
    let values = crate::web::form::Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let outcome = super::make_batch(&mut conn, user.id, values.get("bank").trim()).await;
    drop(conn);
    match outcome {
        Ok(_) => Ok(Redirect::to("/bank#positive-pay").into_response()),
        Err(AppError::Conflict(problem)) => {
            let body =
                render_bank_with(&state, &ctx, &user, &FieldErrors::new(), Some(&problem)).await?;
            Ok((StatusCode::CONFLICT, body).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn batch_file(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> AppResult<Response> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    let (name, bytes) = super::batch_file(&mut conn, &file).await?;
    Ok(super::api::csv_download(&name, bytes))
}

fn stale_checks_table(ctx: &Ctx, user: &CurrentUser, stale: &[Disbursement]) -> Markup {
    html! {
        h2 id="stale" { (ctx.tr("bank-stale-title", &[("days", STALE_DAYS.to_string())])) }
        @if stale.is_empty() {
            p { (ctx.t("bank-stale-none")) }
        } @else {
            p class="hint" { (ctx.t("bank-stale-hint")) }
            (crate::web::table_box(&ctx.t("bank-stale-title"), html! { table {
                thead { tr {
                    th { (ctx.t("payment-number")) } th { (ctx.t("payment-paid-on")) } th { (ctx.t("payment-reference")) }
                    th { (ctx.t("payment-payee")) } th class="money" { (ctx.t("field-amount")) }
                    @if user.has(Role::Accountant) { th { (ctx.t("bank-action")) } }
                } }
                tbody {
                    @for d in stale {
                        tr {
                            td class="nowrap" { a href={ "/applications/" (d.application_id) "#payments" } { (d.number) } }
                            td class="nowrap" { (d.paid_on) }
                            td { (d.reference.as_deref().unwrap_or("")) }
                            td { (d.payee.as_deref().unwrap_or("—")) }
                            td class="money" { (d.amount.0) }
                            @if user.has(Role::Accountant) {
                                td {
                                    form method="post" action={ "/disbursements/" (d.id) "/void" } {
                                        input type="hidden" name="csrf_token" value=(ctx.csrf());
                                        (fresh_once_key_field())
                                        label for={ "reason-" (d.id) } { (ctx.t("field-reason")) }
                                        input type="text" id={ "reason-" (d.id) } name="reason" required value=(ctx.t("bank-stale-reason"));
                                        button type="submit" { (ctx.t("bank-void-reissue")) }
                                    }
                                }
                            }
                        }
                    }
                }
            } }))
        }
    }
}

struct BankView<'a> {
    banks: &'a [Bank],
    statements: &'a [StatementItem],
    stale: &'a [Disbursement],
    batches: &'a [super::Batch],
    refused: Option<&'a Problem>,
}

fn bank_view(ctx: &Ctx, user: &CurrentUser, v: &BankView<'_>, errors: &FieldErrors) -> Markup {
    html! {
        p class="hint" { (ctx.t("bank-hint")) }
        @if user.has(Role::Accountant) {
            h2 { (ctx.t("bank-upload-title")) }
            (crate::web::form::error_summary(ctx, errors, |_| "statement-file".to_owned()))
            form method="post" action="/bank/statements" enctype="multipart/form-data" {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                div class="row" {
                    div {
                        label for="bank" { (ctx.t("bank-bank")) }
                        select id="bank" name="bank" required {
                            @for b in v.banks { option value=(b.name) { (b.display_name) } }
                        }
                    }
                    div {
                        label for="statement-file" { (ctx.t("bank-file")) " " span class="hint" { (ctx.t("bank-file-hint")) } }
                        input type="file" id="statement-file" name="statement" accept=".csv,text/csv" required;
                    }
                }
                div class="actions" { button type="submit" { (ctx.t("bank-upload")) } }
            }
        }
        h2 { (ctx.t("bank-statements")) }
        @if v.statements.is_empty() {
            p { (ctx.t("bank-statements-none")) }
        } @else {
            (crate::web::table_box(&ctx.t("bank-statements"), html! { table {
                thead { tr {
                    th { (ctx.t("bank-statement")) } th { (ctx.t("bank-bank")) } th { (ctx.t("bank-dates")) }
                    th class="money" { (ctx.t("bank-lines")) } th class="money" { (ctx.t("bank-matched")) } th { (ctx.t("bank-uploaded")) }
                } }
                tbody {
                    @for s in v.statements {
                        tr {
                            td { a href={ "/bank/statements/" (s.id) } { "#" (s.id) } }
                            td { (s.bank) }
                            td class="nowrap" { @if let (Some(a), Some(b)) = (s.first_date, s.last_date) { (a) " – " (b) } }
                            td class="money" { (s.lines) }
                            td class="money" { (s.matched) }
                            td { (ctx.timestamp(s.uploaded_at)) br; span class="hint" { (s.uploaded_by_name) } }
                        }
                    }
                }
            } }))
        }
        (stale_checks_table(ctx, user, v.stale))
        (positive_pay_section(ctx, user, v.banks, v.batches, v.refused))
    }
}

async fn render_bank(
    state: &AppState,
    ctx: &Ctx,
    user: &CurrentUser,
    errors: &FieldErrors,
) -> AppResult<Markup> {
    render_bank_with(state, ctx, user, errors, None).await
}

async fn render_bank_with(
    state: &AppState,
    ctx: &Ctx,
    user: &CurrentUser,
    errors: &FieldErrors,
    refused: Option<&Problem>,
) -> AppResult<Markup> {
    let mut conn = state.pool.get().await?;
    let banks = super::banks(&mut conn).await?;
    let statements = super::statements(&mut conn, 50).await?;
    let stale = stale_checks(state, &mut conn, user).await?;
    let batches = super::batches(&mut conn, 50).await?;
    let v = BankView {
        banks: &banks,
        statements: &statements,
        stale: &stale,
        batches: &batches,
        refused,
    };
    Ok(page(
        ctx,
        &ctx.t("bank-title"),
        bank_view(ctx, user, &v, errors),
    ))
}

/// Checks issued and not cleared for [`STALE_DAYS`] days or more, oldest first.
async fn stale_checks(
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    user: &CurrentUser,
) -> AppResult<Vec<Disbursement>> {
    let filter = crate::payments::ListFilter {
        from: None,
        to: Some(state.clock.today() - chrono::Duration::days(STALE_DAYS)),
        application_id: None,
        state: None,
        outstanding: true,
    };
    let paging = crate::paging::Paging::parse(Some("500"), None)?;
    let mut page =
        crate::payments::list(conn, user.id, crate::audit::Channel::Web, &filter, paging).await?;
    page.items.reverse();
    Ok(page.items)
}

async fn bank_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> AppResult<Markup> {
    user.require(BOOKKEEPERS)?;
    render_bank(&state, &ctx, &user, &FieldErrors::new()).await
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    mut multipart: Multipart,
) -> AppResult<Response> {
    user.require(&[Role::Accountant])?;
    let mut bank = String::from("generic");
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        match field.name() {
            Some("bank") => bank = field.text().await.unwrap_or_default(),
            Some("statement") => {
                let bytes = field.bytes().await.map_err(|e| {
                    AppError::BadRequest(format!("the upload could not be read: {e}"))
                })?;
                file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    let outcome = match file.filter(|f| !f.is_empty()) {
        Some(bytes) => {
            let mut conn = state.pool.get().await?;
            super::import(&mut conn, user.id, state.clock.read(), bank.trim(), &bytes).await
        }
        None => Err(AppError::invalid_field(
            "statement",
            Problem::new("err-required"),
        )),
    };
    match outcome {
        Ok(summary) => {
            Ok(Redirect::to(&format!("/bank/statements/{}", summary.id)).into_response())
        }
        Err(AppError::Invalid { fields, .. }) => {
            let body = render_bank(&state, &ctx, &user, &fields).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}

fn signed(amount: rust_decimal::Decimal) -> String {
    if amount.is_sign_negative() {
        format!("−{}", display_amount(-amount))
    } else {
        display_amount(amount)
    }
}

fn statement_view(ctx: &Ctx, s: &Statement) -> Markup {
    html! {
        p { (ctx.tr("bank-statement-of", &[("bank", s.bank.clone())])) " "
            @if let (Some(a), Some(b)) = (s.first_date, s.last_date) { (a) " – " (b) } }
        (crate::web::table_box(&ctx.t("bank-lines"), html! { table {
            thead { tr {
                th { "#" } th { (ctx.t("bank-posted")) } th { (ctx.t("bank-description")) } th { (ctx.t("payment-reference")) }
                th class="money" { (ctx.t("field-amount")) } th { (ctx.t("bank-matched")) }
            } }
            tbody {
                @for l in &s.lines {
                    tr {
                        td { (l.line_no) }
                        td class="nowrap" { (l.posted_on) }
                        td { (l.description) }
                        td { (l.check_number.as_deref().unwrap_or("")) }
                        td class="money nowrap" { (signed(l.amount)) }
                        td { @match &l.document {
                            Some(number) => { span class="status paid" { (ctx.label("bank-match", &l.matched)) } " " (number) }
                            None => { span class="status denied" { (ctx.t("bank-unmatched")) } }
                        } }
                    }
                }
            }
        } }))
        h2 { (ctx.t("bank-books-unmatched")) }
        @if s.unmatched_on_books.is_empty() {
            p { (ctx.t("bank-books-all-matched")) }
        } @else {
            p class="hint" { (ctx.t("bank-books-unmatched-hint")) }
            (crate::web::table_box(&ctx.t("bank-books-unmatched"), html! { table {
                thead { tr { th { (ctx.t("bank-kind")) } th { (ctx.t("payment-number")) } th { (ctx.t("bank-posted")) } th { (ctx.t("payment-reference")) } th class="money" { (ctx.t("field-amount")) } } }
                tbody {
                    @for b in &s.unmatched_on_books {
                        tr {
                            td { (ctx.label("bank-match", &b.kind)) }
                            td class="nowrap" { (b.number) }
                            td class="nowrap" { (b.date) }
                            td { (b.reference.as_deref().unwrap_or("")) }
                            td class="money nowrap" { (display_amount(b.amount)) }
                        }
                    }
                }
            } }))
        }
        p { a href="/bank" { (ctx.t("bank-back")) } }
    }
}

async fn statement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
) -> AppResult<Markup> {
    user.require(BOOKKEEPERS)?;
    let mut conn = state.pool.get().await?;
    let s = super::statement(&mut conn, id).await?;
    Ok(page(
        &ctx,
        &ctx.tr("bank-statement-title", &[("id", id.to_string())]),
        statement_view(&ctx, &s),
    ))
}
