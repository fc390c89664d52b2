//! Pages: application list, create (both programs), add a document, submit.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::casefile::web::{PagePost, Slot};
use crate::domain::application::{
    ApplicationInput, DocumentInput, EmergencyInput, FeeLineInput, MAX_FEE_LINES,
};
use crate::domain::{EmergencyCategory, FieldErrors, Filing, Program, Role, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebForm, WebQuery};
use crate::households::MemberRow;
use crate::paging::Paging;
use crate::web::Ctx;
use crate::web::form::{Form, Values, renumber_rows};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications", get(list).post(create))
        .route("/applications/new", get(new_form))
        .route("/applications/{id}/documents", post(add_document))
        .route("/applications/{id}/submit", post(submit))
}

/// Fee line rows the form offers.
const LINE_ROWS: usize = 4;

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<super::api::ListQuery>,
) -> AppResult<Markup> {
    let user = ctx.require_user()?.clone();
    let filter = query.filter()?;
    let paging = Paging::parse(query.limit.as_deref(), query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let page_rows = super::list(&mut conn, &user, &filter, paging).await?;
    let named = page_rows
        .items
        .iter()
        .filter(|a| a.household_name.is_some());
    audit::record_list_access(
        &mut conn,
        user.id,
        "application",
        named.map(|a| a.id),
        Channel::Web,
    )
    .await?;
    let status = query.status.as_deref().unwrap_or("");
    Ok(page(
        &ctx,
        &ctx.t("applications-title"),
        list_view(&ctx, status, &page_rows),
    ))
}

/// The list with its status filter, and the link to the next page keeping it.
fn list_view(
    ctx: &Ctx,
    status: &str,
    page_rows: &crate::paging::Page<super::ApplicationListItem>,
) -> Markup {
    let statuses: Vec<(String, String)> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), ctx.label("status", s)))
        .collect();
    let mut values = Values::default();
    values.set("status", status);
    let form = Form {
        ctx,
        values: &values,
        errors: &FieldErrors::new(),
    };
    html! {
        form method="get" action="/applications" {
            (form.select("status", &ctx.t("field-status"), &statuses, Some(&ctx.t("all")), false))
            div class="actions" { button type="submit" { (ctx.t("filter")) } }
        }
        (crate::casefile::web::list_table(ctx, &page_rows.items))
        @if let Some(cursor) = &page_rows.next_cursor {
            p { a href={ "/applications?status=" (values.get("status")) "&cursor=" (cursor) } { (ctx.t("next-page")) } }
        }
    }
}

#[derive(Debug, Deserialize)]
struct NewQuery {
    household_id: Option<String>,
    program: Option<String>,
}

/// Everything the create form shows besides the values.
struct FormData {
    household: crate::households::Household,
    program: Program,
    fees: Vec<super::fees::ScheduleFee>,
    sites: Vec<crate::sites::Site>,
}

/// The form shows the family's members by name: a read of the household, logged.
async fn form_data(
    state: &AppState,
    user_id: i64,
    household_id: i64,
    program: Program,
) -> AppResult<FormData> {
    let mut conn = state.pool.get().await?;
    let household = crate::households::view(&mut conn, user_id, household_id, Channel::Web).await?;
    let today = state.clock.today();
    let fees = super::fees::schedule(&mut conn, today).await?;
    let sites = crate::sites::all(&mut conn).await?;
    Ok(FormData {
        household,
        program,
        fees,
        sites,
    })
}

fn application_form(ctx: &Ctx, data: &FormData, values: &Values, errors: &FieldErrors) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let sites: Vec<(String, String)> = data
        .sites
        .iter()
        .map(|s| {
            (
                s.code.clone(),
                if ctx.lang.as_str() == "ko" {
                    s.name_ko.clone()
                } else {
                    s.name.clone()
                },
            )
        })
        .collect();
    html! {
        (form.summary())
        p { (ctx.t("field-household")) ": " strong { (data.household.name) @if let Some(ko) = &data.household.name_ko { " (" (ko) ")" } } }
        form method="post" action="/applications" {
            (form.csrf())
            input type="hidden" name="household_id" value=(data.household.id);
            input type="hidden" name="program" value=(data.program.as_str());
            (form.select("site", &ctx.t("field-site"), &sites, Some(""), true))
            @match data.program {
                Program::ImmigrationFee => (fee_lines_fieldset(ctx, &form, data)),
                Program::Emergency => (emergency_fieldset(ctx, &form)),
            }
            div class="actions" { button type="submit" { (ctx.t("application-create")) } }
        }
    }
}

fn fee_lines_fieldset(ctx: &Ctx, form: &Form, data: &FormData) -> Markup {
    // One choice per form and category, labelled with its paper fee so the caseworker sees it.
    let mut forms: Vec<(String, String)> = Vec::new();
    for fee in &data.fees {
        let value = choice_value(fee);
        if !forms.iter().any(|(v, _)| *v == value) {
            let category = if fee.category.is_empty() {
                String::new()
            } else {
                format!(" ({})", fee.category)
            };
            forms.push((value, format!("{}{} — {}", fee.form, category, fee.name)));
        }
    }
    let filings: Vec<(String, String)> = Filing::ALL
        .iter()
        .map(|f| (f.as_str().to_owned(), ctx.label("filing", f)))
        .collect();
    let members: Vec<(String, String)> = data
        .household
        .members
        .iter()
        .map(|m: &MemberRow| (m.id.to_string(), m.name.clone()))
        .collect();
    html! {
        fieldset {
            legend { (ctx.t("application-lines")) }
            p class="hint" { (ctx.t("application-lines-hint")) }
            (form.group_error("lines"))
            (crate::web::table_box(&ctx.t("application-lines"), html! { table {
                thead { tr { th { (ctx.t("field-form")) } th { (ctx.t("field-filing")) } th class="money" { (ctx.t("fee-schedule")) } } }
                tbody {
                    @for fee in &data.fees {
                        tr { td { (fee.form) @if !fee.category.is_empty() { " (" (fee.category) ")" } } td { (ctx.label("filing", fee.filing)) } td class="money" { (fee.fee) } }
                    }
                }
            } }))
            script type="application/json" id="fee-schedule" { (schedule_json(&data.fees)) }
            @for i in 0..LINE_ROWS {
                fieldset data-fee-line {
                    legend { (ctx.tr("application-line", &[("n", (i + 1).to_string())])) }
                    (form.select(&format!("lines[{i}].form"), &ctx.t("field-form"), &forms, Some(""), false))
                    div class="row" {
                        (form.select(&format!("lines[{i}].filing"), &ctx.t("field-filing"), &filings, None, false))
                        (form.select(&format!("lines[{i}].beneficiary"), &ctx.t("field-beneficiary"), &members, Some(""), false))
                    }
                    div class="row" {
                        (form.input(&format!("lines[{i}].amount"), &ctx.t("field-amount"), "text", Some(&ctx.t("field-amount-hint")), false))
                        (form.input(&format!("lines[{i}].override_reason"), &ctx.t("field-override-reason"), "text", Some(&ctx.t("optional")), false))
                    }
                    p class="schedule-fee" data-schedule-fee hidden { (ctx.t("fee-schedule")) ": " output aria-live="polite" {} }
                }
            }
        }
    }
}

/// A fee's value in the form select: `N-400`, or `I-765|c33` where the category matters.
fn choice_value(fee: &super::fees::ScheduleFee) -> String {
    if fee.category.is_empty() {
        fee.form.clone()
    } else {
        format!("{}|{}", fee.form, fee.category)
    }
}

/// `{"N-400": {"paper": "$760.00", ...}, "I-765|c33": {...}}`, keyed like the form choices,
/// for the script that shows each line's fee. `<` is escaped so the JSON cannot end the
/// script element.
fn schedule_json(fees: &[super::fees::ScheduleFee]) -> maud::PreEscaped<String> {
    let mut by_choice = serde_json::Map::new();
    for fee in fees {
        let entry = by_choice
            .entry(choice_value(fee))
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        entry[fee.filing.as_str()] = serde_json::Value::String(fee.fee.display());
    }
    maud::PreEscaped(
        serde_json::Value::Object(by_choice)
            .to_string()
            .replace('<', "\\u003c"),
    )
}

fn emergency_fieldset(ctx: &Ctx, form: &Form) -> Markup {
    let categories: Vec<(String, String)> = EmergencyCategory::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), ctx.label("category", c)))
        .collect();
    html! {
        fieldset {
            legend { (ctx.t("application-emergency")) }
            (form.select("emergency.category", &ctx.t("field-category"), &categories, Some(""), true))
            (form.input("emergency.amount", &ctx.t("field-amount"), "text", Some(&ctx.t("field-money-hint")), true))
            (form.textarea("emergency.story", &ctx.t("field-story"), Some(&ctx.t("field-story-hint")), true))
        }
    }
}

/// The rows of the fee line form that have a form chosen, by row number.
fn filled_rows(values: &Values) -> Vec<usize> {
    (0..MAX_FEE_LINES)
        .filter(|i| values.opt(&format!("lines[{i}].form")).is_some())
        .collect()
}

fn input_from(values: &Values) -> ApplicationInput {
    let lines = filled_rows(values)
        .into_iter()
        .map(|i| {
            let choice = values.get(&format!("lines[{i}].form"));
            let (form, category) = choice.split_once('|').unwrap_or((choice, ""));
            FeeLineInput {
                form: Some(form.to_owned()),
                category: Some(category.to_owned()),
                filing: values.opt(&format!("lines[{i}].filing")),
                beneficiary: values
                    .opt(&format!("lines[{i}].beneficiary"))
                    .and_then(|s| s.parse::<i64>().ok())
                    .map(serde_json::Value::from),
                amount: values
                    .opt(&format!("lines[{i}].amount"))
                    .map(serde_json::Value::String),
                override_reason: values.opt(&format!("lines[{i}].override_reason")),
            }
        })
        .collect();
    ApplicationInput {
        household_id: values.opt("household_id").map(serde_json::Value::String),
        site: values.opt("site"),
        program: values.opt("program"),
        lines: Some(lines),
        emergency: Some(EmergencyInput {
            category: values.opt("emergency.category"),
            amount: values
                .opt("emergency.amount")
                .map(serde_json::Value::String),
            story: values.opt("emergency.story"),
        }),
    }
}

fn title_for(ctx: &Ctx, program: Program) -> String {
    match program {
        Program::ImmigrationFee => ctx.t("application-new-fee"),
        Program::Emergency => ctx.t("application-new-emergency"),
    }
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<NewQuery>,
) -> AppResult<Markup> {
    let user = ctx.require_user()?;
    user.require(&[Role::Caseworker])?;
    let household_id = query
        .household_id
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or(AppError::NotFound("household"))?;
    let program = query
        .program
        .as_deref()
        .and_then(Program::parse)
        .unwrap_or(Program::ImmigrationFee);
    let data = form_data(&state, user.id, household_id, program).await?;
    let mut values = Values::default();
    for i in 0..LINE_ROWS {
        values.set(format!("lines[{i}].filing"), Filing::Paper);
    }
    Ok(page(
        &ctx,
        &title_for(&ctx, program),
        application_form(&ctx, &data, &values, &FieldErrors::new()),
    ))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let values = Values::from_pairs(pairs);
    let input = input_from(&values);
    let mut conn = state.pool.get().await?;
    match super::create(&mut conn, user.id, state.clock.today(), &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/applications/{id}")).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            drop(conn);
            let household_id = values
                .opt("household_id")
                .and_then(|s| s.parse().ok())
                .ok_or(AppError::NotFound("household"))?;
            let program = values
                .opt("program")
                .as_deref()
                .and_then(Program::parse)
                .unwrap_or(Program::ImmigrationFee);
            let data = form_data(&state, user.id, household_id, program).await?;
            let errors = renumber_rows(fields, "lines", &filled_rows(&values));
            let body = application_form(&ctx, &data, &values, &errors);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&ctx, &title_for(&ctx, program), body),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

async fn add_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let values = Values::from_pairs(pairs);
    let input = DocumentInput {
        kind: values.opt("kind"),
        note: values.opt("note"),
    };
    let mut conn = state.pool.get().await?;
    let outcome = super::add_document(&mut conn, user.id, id, &input).await;
    let post = PagePost::new(&state, &ctx, &user, id);
    post.answer(&mut conn, outcome, "", Slot::Documents, values)
        .await
}

async fn submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Redirect> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    super::transition(&mut conn, user.id, id, Transition::Submit, None).await?;
    Ok(Redirect::to(&format!("/applications/{id}")))
}
