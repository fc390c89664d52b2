//! Pages of the intake: a new application for a family, with its fee lines or emergency,
//! the program's document checklist ticked in one go, and "submit and check" as one step.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::Intake;
use crate::app::AppState;
use crate::audit::Channel;
use crate::domain::application::{ApplicationInput, EmergencyInput, FeeLineInput, MAX_FEE_LINES};
use crate::domain::fees::PriceListItem;
use crate::domain::{
    DocumentKind, EmergencyCategory, FieldErrors, Filing, Problem, Program, Relationship, Role,
};
use crate::error::{AppError, AppResult};
use crate::extract::{WebForm, WebQuery};
use crate::households::MemberRow;
use crate::web::Ctx;
use crate::web::form::{Form, Values, renumber_rows};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications", axum::routing::post(create))
        .route("/applications/new", get(new_form))
}

/// Fee line rows the form offers.
const LINE_ROWS: usize = 3;

#[derive(Debug, Deserialize)]
struct NewQuery {
    household_id: Option<String>,
    program: Option<String>,
    /// A first fee line to fill in (the annual-fee queue's one click): its form (with
    /// `|category`), whether it renews, the filing date and the member it is for.
    form: Option<String>,
    renewal: Option<String>,
    filed_on: Option<String>,
    beneficiary: Option<String>,
}

/// Everything the create form shows besides the values.
struct FormData {
    household: crate::households::Household,
    program: Program,
    fees: Vec<PriceListItem>,
    sites: Vec<crate::sites::Site>,
    /// The documents the program's policy in force asks for, in its order.
    required: Vec<DocumentKind>,
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
    let fees = crate::fees::price_list(&mut conn, today, None).await?;
    let sites = crate::sites::all(&mut conn).await?;
    let policy = crate::eligibility::in_force(&mut conn, today).await?.policy;
    let groups = match program {
        Program::ImmigrationFee => policy.documents.immigration_fee,
        Program::Emergency => policy.documents.emergency,
    };
    let mut required: Vec<DocumentKind> = Vec::new();
    for kind in groups.into_iter().flatten() {
        if !required.contains(&kind) {
            required.push(kind);
        }
    }
    Ok(FormData {
        household,
        program,
        fees,
        sites,
        required,
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
            (documents_fieldset(ctx, &form, data))
            (insider_fieldset(ctx, &form))
            div class="actions" {
                button type="submit" name="then" value="check" { (ctx.t("intake-submit-and-check")) }
                button type="submit" name="then" value="draft" class="secondary" { (ctx.t("intake-save-draft")) }
            }
            p class="hint" { (ctx.t("intake-buttons-hint")) }
        }
    }
}

/// The insider question the IRS's grant file reports: asked of every family, answered
/// "no" or with the relationship (and who, in the note).
fn insider_fieldset(ctx: &Ctx, form: &Form) -> Markup {
    let answers: Vec<(String, String)> = crate::domain::InsiderRelationship::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), ctx.label("insider", r)))
        .collect();
    html! {
        fieldset {
            legend { (ctx.t("intake-insider")) }
            div class="row" {
                (form.select("insider_relationship", &ctx.t("field-insider-relationship"), &answers, Some(""), true))
                (form.input("insider_note", &ctx.t("field-insider-note"), "text", Some(&ctx.t("optional")), false))
            }
        }
    }
}

/// The program's document checklist, ticked in one go: what the policy asks for first,
/// then any other document seen.
fn documents_fieldset(ctx: &Ctx, form: &Form, data: &FormData) -> Markup {
    let others: Vec<DocumentKind> = DocumentKind::ALL
        .iter()
        .copied()
        .filter(|k| !data.required.contains(k))
        .collect();
    let tick = |kind: &DocumentKind| {
        html! {
            label class="choice" {
                input type="checkbox" name="documents" value=(kind.as_str())
                    checked[form.values.0.contains_key(&format!("documents:{}", kind.as_str()))];
                " " (ctx.label("document", kind))
            }
        }
    };
    html! {
        fieldset {
            legend { (ctx.t("intake-documents")) }
            p class="hint" { (ctx.t("intake-documents-hint")) }
            (form.group_error("documents"))
            div { @for kind in &data.required { (tick(kind)) } }
            @if !others.is_empty() {
                p { strong { (ctx.t("intake-documents-other")) } }
                div { @for kind in &others { (tick(kind)) } }
            }
        }
    }
}

fn fee_lines_fieldset(ctx: &Ctx, form: &Form, data: &FormData) -> Markup {
    // One choice per form and category, named in the user's language.
    let mut forms: Vec<(String, String)> = Vec::new();
    for fee in &data.fees {
        let value = choice_value(fee);
        if !forms.iter().any(|(v, _)| *v == value) {
            let category = if fee.category.is_empty() {
                String::new()
            } else {
                format!(" ({})", fee.category)
            };
            forms.push((
                value,
                format!(
                    "{}{} — {}",
                    fee.form,
                    category,
                    crate::web::form_name(ctx, fee)
                ),
            ));
        }
    }
    let filings: Vec<(String, String)> = Filing::ALL
        .iter()
        .map(|f| (f.as_str().to_owned(), ctx.label("filing", f)))
        .collect();
    let kinds: Vec<(String, String)> = vec![
        (String::new(), ctx.t("fee-line-first")),
        ("true".to_owned(), ctx.t("fee-line-renewal")),
    ];
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
            details {
                summary { (ctx.t("fee-schedule-all")) }
                (crate::web::price_table(ctx, &data.fees))
            }
            script type="application/json" id="fee-schedule" { (schedule_json(ctx, &data.fees)) }
            @for i in 0..LINE_ROWS {
                fieldset data-fee-line {
                    legend { (ctx.tr("application-line", &[("n", (i + 1).to_string())])) }
                    (form.select(&format!("lines[{i}].form"), &ctx.t("field-form"), &forms, Some(""), false))
                    div class="row" {
                        (form.select(&format!("lines[{i}].filing"), &ctx.t("field-filing"), &filings, None, false))
                        (form.select(&format!("lines[{i}].renewal"), &ctx.t("field-fee-line-kind"), &kinds, None, false))
                        (form.select(&format!("lines[{i}].beneficiary"), &ctx.t("field-beneficiary"), &members, Some(""), false))
                    }
                    div class="row" {
                        (form.input(&format!("lines[{i}].filed_on"), &ctx.t("field-filed-on"), "date", Some(&ctx.t("field-filed-on-hint")), false))
                        (form.input(&format!("lines[{i}].amount"), &ctx.t("field-amount"), "text", Some(&ctx.t("field-amount-hint")), false))
                        (form.input(&format!("lines[{i}].override_reason"), &ctx.t("field-override-reason"), "text", Some(&ctx.t("optional")), false))
                    }
                    p class="schedule-fee" data-schedule-fee hidden { (ctx.t("fee-schedule")) ": " output aria-live="polite" {} }
                }
            }
        }
    }
}

/// A fee's value in the form select: `N-400`, or `I-765|c8` where the category matters.
fn choice_value(fee: &PriceListItem) -> String {
    if fee.category.is_empty() {
        fee.form.clone()
    } else {
        format!("{}|{}", fee.form, fee.category)
    }
}

/// `{"I-765|c8": {"paper": {"first": "$1,080.00 (…)", "renewal": "…"}}}`, keyed like the
/// form choices, for the script that shows each line's fee. `<` is escaped so the JSON
/// cannot end the script element.
fn schedule_json(ctx: &Ctx, fees: &[PriceListItem]) -> maud::PreEscaped<String> {
    let mut by_choice = serde_json::Map::new();
    for fee in fees {
        let entry = by_choice
            .entry(choice_value(fee))
            .or_insert_with(|| serde_json::json!({}));
        let parts: Vec<String> = fee
            .components
            .iter()
            .map(|c| format!("{} {}", ctx.label("component", c.kind), c.fee.display()))
            .collect();
        let shown = if fee.components.len() > 1 {
            format!("{} ({})", fee.total.display(), parts.join(" + "))
        } else {
            fee.total.display()
        };
        let kind = if fee.renewal { "renewal" } else { "first" };
        if entry.get(fee.filing.as_str()).is_none() {
            entry[fee.filing.as_str()] = serde_json::json!({});
        }
        entry[fee.filing.as_str()][kind] = serde_json::Value::String(shown);
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
                renewal: values
                    .opt(&format!("lines[{i}].renewal"))
                    .map(|v| serde_json::Value::Bool(v == "true")),
                filed_on: values.opt(&format!("lines[{i}].filed_on")),
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
        insider_relationship: values.opt("insider_relationship"),
        insider_note: values.opt("insider_note"),
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
    // The caseworker's site, and the first form for the applicant.
    if let Some(site) = data.sites.iter().find(|s| Some(s.id) == user.site_id) {
        values.set("site", &site.code);
    }
    if let Some(applicant) = data
        .household
        .members
        .iter()
        .find(|m| m.relationship == Relationship::SelfMember)
    {
        values.set("lines[0].beneficiary", applicant.id);
    }
    // A line asked for by the link that opened the form (the annual-fee queue).
    if let Some(form) = query
        .form
        .as_deref()
        .filter(|f| data.fees.iter().any(|fee| choice_value(fee) == *f))
    {
        values.set("lines[0].form", form);
        if query.renewal.as_deref() == Some("true") {
            values.set("lines[0].renewal", "true");
        }
        if let Some(date) = query
            .filed_on
            .as_deref()
            .filter(|d| d.parse::<chrono::NaiveDate>().is_ok())
        {
            values.set("lines[0].filed_on", date);
        }
        if let Some(member) = query.beneficiary.as_deref().filter(|b| {
            data.household
                .members
                .iter()
                .any(|m| m.id.to_string() == *b)
        }) {
            values.set("lines[0].beneficiary", member);
        }
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
    let (documents, values) = documents_ticked(pairs);
    let input = input_from(&values);
    let mut conn = state.pool.get().await?;
    let outcome = match documents {
        Ok(documents) => {
            let intake = Intake {
                input: &input,
                documents: &documents,
                submit_and_check: values.get("then") == "check",
            };
            super::intake(&mut conn, user.id, state.clock.read(), intake).await
        }
        Err(problem) => Err(AppError::invalid_field("documents", problem)),
    };
    match outcome {
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

/// The documents ticked (a form sends `documents` once per tick), and the form's other
/// values, with each tick kept as `documents:KIND` to show it again.
fn documents_ticked(pairs: Vec<(String, String)>) -> (Result<Vec<DocumentKind>, Problem>, Values) {
    let mut kinds = Vec::new();
    let mut unknown = None;
    let mut rest = Vec::new();
    for (name, value) in pairs {
        if name == "documents" {
            match DocumentKind::parse(&value) {
                Some(kind) => kinds.push(kind),
                None => {
                    unknown = Some(
                        Problem::new("err-choice").arg(
                            "allowed",
                            DocumentKind::ALL
                                .iter()
                                .map(|k| k.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    )
                }
            }
            rest.push((format!("documents:{value}"), "1".to_owned()));
        } else {
            rest.push((name, value));
        }
    }
    let values = Values::from_pairs(rest);
    (unknown.map_or(Ok(kinds), Err), values)
}
