//! The admin's bank settings: each bank's account number, how its statement reads and the
//! layout of its positive-pay file, edited as a form (each problem beside its field).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde_json::{Value, json};

use super::{Bank, BankInput};
use crate::app::AppState;
use crate::domain::bank::{MoneyOut, PayField};
use crate::domain::{FieldErrors, Role};
use crate::error::{AppError, AppResult};
use crate::extract::WebForm;
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::{Form, Values};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/banks", get(list).post(add))
        .route("/admin/banks/{name}", get(edit).post(change))
}

const MONEY_OUT: [(MoneyOut, &str); 3] = [
    (MoneyOut::Negative, "negative"),
    (MoneyOut::Positive, "positive"),
    (MoneyOut::DebitColumn, "debit_column"),
];

const PAY_FIELDS: [(PayField, &str); 6] = [
    (PayField::Account, "account"),
    (PayField::CheckNumber, "check_number"),
    (PayField::IssueDate, "issue_date"),
    (PayField::Amount, "amount"),
    (PayField::Payee, "payee"),
    (PayField::Action, "action"),
];

fn values_of(bank: &Bank) -> Values {
    let mut v = Values::default();
    let s = &bank.statement;
    v.set("display_name", &bank.display_name);
    v.set("account_number", &bank.account_number);
    v.set("statement.date_column", &s.date_column);
    v.set("statement.date_format", &s.date_format);
    v.set(
        "statement.amount_column",
        s.amount_column.as_deref().unwrap_or(""),
    );
    v.set(
        "statement.debit_column",
        s.debit_column.as_deref().unwrap_or(""),
    );
    v.set(
        "statement.credit_column",
        s.credit_column.as_deref().unwrap_or(""),
    );
    v.set("statement.check_column", &s.check_column);
    v.set("statement.description_column", &s.description_column);
    if let Some((_, text)) = MONEY_OUT.iter().find(|(m, _)| *m == s.money_out) {
        v.set("statement.money_out", text);
    }
    let p = &bank.positive_pay;
    let columns: Vec<&str> = p
        .columns
        .iter()
        .filter_map(|c| PAY_FIELDS.iter().find(|(f, _)| f == c).map(|(_, t)| *t))
        .collect();
    v.set("positive_pay.columns", columns.join(", "));
    v.set("positive_pay.date_format", &p.date_format);
    v.set("positive_pay.issue_code", &p.issue_code);
    v.set("positive_pay.void_code", &p.void_code);
    if p.header {
        v.set("positive_pay.header", "on");
    }
    if p.trailer {
        v.set("positive_pay.trailer", "on");
    }
    v
}

/// The form read back into what the API takes: the templates as JSON documents, so the
/// service names each problem by the same field the form shows.
fn input_from(values: &Values) -> BankInput {
    let opt = |name: &str| values.opt(name).map(Value::String).unwrap_or(Value::Null);
    let columns: Vec<Value> = values
        .get("positive_pay.columns")
        .split([',', ' '])
        .filter(|c| !c.is_empty())
        .map(|c| Value::String(c.trim().to_owned()))
        .collect();
    BankInput {
        name: values.opt("name"),
        display_name: values.opt("display_name"),
        account_number: Some(values.get("account_number").to_owned()),
        statement: Some(json!({
            "date_column": values.get("statement.date_column"),
            "date_format": values.get("statement.date_format"),
            "amount_column": opt("statement.amount_column"),
            "debit_column": opt("statement.debit_column"),
            "credit_column": opt("statement.credit_column"),
            "check_column": values.get("statement.check_column"),
            "description_column": values.get("statement.description_column"),
            "money_out": values.get("statement.money_out"),
        })),
        positive_pay: Some(json!({
            "columns": columns,
            "date_format": values.get("positive_pay.date_format"),
            "issue_code": values.get("positive_pay.issue_code"),
            "void_code": values.get("positive_pay.void_code"),
            "header": values.opt("positive_pay.header").is_some(),
            "trailer": values.opt("positive_pay.trailer").is_some(),
        })),
    }
}

/// A type error inside a template names the document's inner path
/// (`statement.columns[2]`); the form shows it on the field that holds it.
fn on_form(errors: FieldErrors) -> FieldErrors {
    let mut mapped = FieldErrors::new();
    for (field, problem) in errors.iter() {
        let name = match field.split_once('[') {
            Some((head, _)) => head.to_owned(),
            None => field.clone(),
        };
        if mapped.get(&name).is_none() {
            mapped.add(name, problem.clone());
        }
    }
    mapped
}

fn bank_form(ctx: &Ctx, action: &str, new: bool, values: &Values, errors: &FieldErrors) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let money_out: Vec<(String, String)> = MONEY_OUT
        .iter()
        .map(|(_, t)| ((*t).to_owned(), ctx.label("money-out", t)))
        .collect();
    let tick = |name: &str, label: String| {
        html! {
            label class="choice" {
                input type="checkbox" name=(name) value="on" checked[values.opt(name).is_some()];
                " " (label)
            }
        }
    };
    html! {
        (form.summary())
        form method="post" action=(action) {
            (form.csrf())
            @if new { (form.input("name", &ctx.t("field-bank-name"), "text", Some(&ctx.t("bank-name-hint")), true)) }
            div class="row" {
                (form.input("display_name", &ctx.t("field-bank-display-name"), "text", None, true))
                (form.input("account_number", &ctx.t("field-account-number"), "text", Some(&ctx.t("bank-account-hint")), false))
            }
            fieldset {
                legend { (ctx.t("bank-statement-template")) }
                p class="hint" { (ctx.t("bank-statement-template-hint")) }
                div class="row" {
                    (form.input("statement.date_column", &ctx.t("field-date-column"), "text", None, true))
                    (form.input("statement.date_format", &ctx.t("field-date-format"), "text", Some("%m/%d/%Y"), true))
                }
                (form.select("statement.money_out", &ctx.t("field-money-out"), &money_out, None, true))
                div class="row" {
                    (form.input("statement.amount_column", &ctx.t("field-amount-column"), "text", Some(&ctx.t("optional")), false))
                    (form.input("statement.debit_column", &ctx.t("field-debit-column"), "text", Some(&ctx.t("optional")), false))
                    (form.input("statement.credit_column", &ctx.t("field-credit-column"), "text", Some(&ctx.t("optional")), false))
                }
                div class="row" {
                    (form.input("statement.check_column", &ctx.t("field-check-column"), "text", None, true))
                    (form.input("statement.description_column", &ctx.t("field-description-column"), "text", None, true))
                }
            }
            fieldset {
                legend { (ctx.t("bank-positive-pay")) }
                p class="hint" { (ctx.t("bank-layout-hint")) }
                (form.input("positive_pay.columns", &ctx.t("field-pay-columns"), "text", Some("account, check_number, issue_date, amount, payee, action"), true))
                div class="row" {
                    (form.input("positive_pay.date_format", &ctx.t("field-date-format"), "text", Some("%m%d%Y"), true))
                    (form.input("positive_pay.issue_code", &ctx.t("field-issue-code"), "text", None, true))
                    (form.input("positive_pay.void_code", &ctx.t("field-void-code"), "text", None, true))
                }
                div {
                    (tick("positive_pay.header", ctx.t("field-pay-header")))
                    (tick("positive_pay.trailer", ctx.t("field-pay-trailer")))
                }
            }
            div class="actions" { button type="submit" { (ctx.t("save")) } }
        }
    }
}

async fn list(State(state): State<AppState>, ctx: Ctx, user: CurrentUser) -> AppResult<Markup> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let banks = super::banks(&mut conn).await?;
    let blank = Values::default();
    Ok(page(
        &ctx,
        &ctx.t("banks-title"),
        html! {
            p class="hint" { (ctx.t("banks-hint")) }
            ul {
                @for b in &banks {
                    li { a href={ "/admin/banks/" (b.name) } { (b.display_name) } " (" (b.name) ")" }
                }
            }
            h2 { (ctx.t("banks-new")) }
            (bank_form(&ctx, "/admin/banks", true, &blank, &FieldErrors::new()))
        },
    ))
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(name): Path<String>,
) -> AppResult<Markup> {
    user.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let bank = super::bank(&mut conn, &name)
        .await
        .map_err(|_| AppError::NotFound("bank"))?;
    let action = format!("/admin/banks/{}", bank.name);
    Ok(page(
        &ctx,
        &bank.display_name,
        bank_form(&ctx, &action, false, &values_of(&bank), &FieldErrors::new()),
    ))
}

async fn saved(
    state: &AppState,
    ctx: &Ctx,
    user: &CurrentUser,
    existing: Option<&str>,
    pairs: Vec<(String, String)>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    match super::save(&mut conn, user.id, existing, &input_from(&values)).await {
        Ok(bank) => Ok(Redirect::to(&format!("/admin/banks/{}", bank.name)).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let action =
                existing.map_or("/admin/banks".to_owned(), |n| format!("/admin/banks/{n}"));
            let title = ctx.t("banks-title");
            let body = bank_form(ctx, &action, existing.is_none(), &values, &on_form(fields));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(ctx, &title, body)).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    saved(&state, &ctx, &user, None, pairs).await
}

async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Path(name): Path<String>,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    saved(&state, &ctx, &user, Some(&name), pairs).await
}
