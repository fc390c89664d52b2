//! The admin's policy page: the versions, and a new version edited as a form (every number,
//! tick and list of the policy a field of its own, each problem beside its field), with a
//! preview of what the draft would change before it is saved.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde_json::Value;

use super::super::{NewVersionInput, PolicyVersion, Preview};
use crate::app::AppState;
use crate::domain::input::{required_choice, required_int, required_money};
use crate::domain::policy::{
    Caps, DocumentRules, EmergencyRules, ImmigrationRules, MAX_PERCENT, MAX_QUORUM,
    MAX_WINDOW_DAYS, Policy, ReducedFee, ReviewRules,
};
use crate::domain::{
    DocumentKind, EmergencyCategory, FieldErrors, Filing, Problem, Program, Role, US_STATES,
};
use crate::error::{AppError, AppResult};
use crate::extract::WebForm;
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::{Form, Values, renumber_rows};
use crate::web::layout::page;

/// Empty rows offered for adding a reduced fee or a document requirement (twice as many
/// after "more rows").
const BLANK_ROWS: usize = 2;
/// The most rows a list on the form can have.
const MAX_ROWS: usize = 60;

const TICKED: &str = "on";

fn policy_json(policy: &Policy) -> String {
    serde_json::to_string_pretty(policy).unwrap_or_default()
}

/// The form's fields for a policy, so that a new version starts as a copy of one.
fn values_of(policy: &Policy) -> Values {
    let mut v = Values::default();
    let im = &policy.immigration_fee;
    v.set(
        "immigration_fee.income_limit_percent",
        im.income_limit_percent,
    );
    v.set("immigration_fee.fee_waiver_percent", im.fee_waiver_percent);
    for (i, r) in im.reduced_fees.iter().enumerate() {
        v.set(format!("reduced_fees[{i}].form"), &r.form);
        v.set(format!("reduced_fees[{i}].filing"), r.filing.as_str());
        v.set(format!("reduced_fees[{i}].fee"), r.fee);
        v.set(format!("reduced_fees[{i}].above_percent"), r.above_percent);
        v.set(format!("reduced_fees[{i}].up_to_percent"), r.up_to_percent);
    }
    let em = &policy.emergency;
    v.set("emergency.income_limit_percent", em.income_limit_percent);
    v.set("emergency.max_amount", em.max_amount);
    v.set("emergency.grants_per_window", em.grants_per_window);
    for c in &em.categories {
        v.set(format!("emergency.categories.{}", c.as_str()), TICKED);
    }
    v.set("caps.per_application", policy.caps.per_application);
    v.set("caps.per_household", policy.caps.per_household);
    v.set("caps.window_days", policy.caps.window_days);
    for state in &policy.service_area {
        v.set(format!("service_area.{state}"), TICKED);
    }
    for (i, (program, form, any_of)) in requirements(&policy.documents).enumerate() {
        v.set(format!("documents[{i}].program"), program.as_str());
        v.set(format!("documents[{i}].form"), form.unwrap_or(""));
        for kind in any_of {
            v.set(format!("documents[{i}].kinds.{}", kind.as_str()), TICKED);
        }
    }
    v.set("review.fast_track_max", policy.review.fast_track_max);
    v.set("review.quorum", policy.review.quorum);
    v
}

/// Each document requirement as a row of the form: the program, the form it is only for
/// (if any), and the kinds any one of which satisfies it.
fn requirements(
    documents: &DocumentRules,
) -> impl Iterator<Item = (Program, Option<&str>, &Vec<DocumentKind>)> {
    let fees = documents.immigration_fee.iter();
    let emergency = documents.emergency.iter();
    fees.map(|any_of| (Program::ImmigrationFee, None, any_of))
        .chain(emergency.map(|any_of| (Program::Emergency, None, any_of)))
        .chain(documents.by_form.iter().flat_map(|(form, list)| {
            list.iter()
                .map(move |any_of| (Program::ImmigrationFee, Some(form.as_str()), any_of))
        }))
}

/// The rows of a list (`reduced_fees[i]`, `documents[i]`) that hold anything.
fn filled_rows(values: &Values, list: &str) -> Vec<usize> {
    (0..MAX_ROWS)
        .filter(|i| {
            let prefix = format!("{list}[{i}].");
            values
                .0
                .iter()
                .any(|(k, v)| k.starts_with(&prefix) && !v.trim().is_empty())
        })
        .collect()
}

/// How many rows of a list the form shows: through the last filled one, then blank ones.
fn rows_shown(values: &Values, list: &str, more: bool) -> usize {
    let filled = filled_rows(values, list).last().map_or(0, |last| last + 1);
    let blank = if more { 2 * BLANK_ROWS } else { BLANK_ROWS };
    (filled + blank).min(MAX_ROWS)
}

fn ticked<'a, T: Copy>(
    values: &Values,
    prefix: &str,
    all: &'a [T],
    text: fn(&T) -> &str,
) -> Vec<T> {
    all.iter()
        .filter(|item| values.opt(&format!("{prefix}.{}", text(item))).is_some())
        .copied()
        .collect()
}

/// Where each of the policy's own paths is on the form, for the problems found in the
/// whole policy (`documents.emergency[1]` is on the form's 5th requirement row).
#[derive(Default)]
struct Places {
    reduced_fee_rows: Vec<usize>,
    documents: Vec<(String, String)>,
}

impl Places {
    fn form_field(&self, path: &str) -> String {
        let path = path.strip_prefix("policy.").unwrap_or(path);
        if let Some((_, field)) = self.documents.iter().find(|(p, _)| p == path) {
            return field.clone();
        }
        if path.starts_with("documents.") {
            return "documents".to_owned();
        }
        if path.starts_with("service_area") {
            return "service_area".to_owned();
        }
        match path.strip_prefix("immigration_fee.reduced_fees[") {
            Some(rest) => {
                let single = FieldErrors::single(format!("reduced_fees[{rest}"), Problem::new(""));
                renumber_rows(single, "reduced_fees", &self.reduced_fee_rows)
                    .iter()
                    .next()
                    .map(|(field, _)| field.clone())
                    .unwrap_or_else(|| "reduced_fees".to_owned())
            }
            None => path.to_owned(),
        }
    }

    fn put_back(&self, errors: &FieldErrors) -> FieldErrors {
        let mut mapped = FieldErrors::new();
        for (path, problem) in errors.iter() {
            let field = self.form_field(path);
            if mapped.get(&field).is_none() {
                mapped.add(field, problem.clone());
            }
        }
        mapped
    }
}

/// Reads the form into a policy. Every problem is named by the form's own field: first
/// what cannot be read (a word for a number, a row half filled), then what the policy's
/// rules refuse (`Policy::problems`).
fn read(values: &Values) -> Result<Policy, FieldErrors> {
    let mut e = FieldErrors::new();
    let text = |name: &str| Some(Value::String(values.get(name).to_owned()));
    let number = |e: &mut FieldErrors, name: &str, min: u32, max: u32| {
        required_int(e, name, text(name).as_ref(), min.into(), max.into())
            .and_then(|n| u32::try_from(n).ok())
    };
    let money = |e: &mut FieldErrors, name: &str| required_money(e, name, text(name).as_ref());
    let form_code = |e: &mut FieldErrors, name: &str| {
        let code = values.opt(name)?;
        let normal = crate::domain::application::normalize_form_code(&code);
        if normal.is_none() {
            e.add(name, Problem::new("err-form-code"));
        }
        normal
    };
    let mut places = Places::default();

    let income = number(
        &mut e,
        "immigration_fee.income_limit_percent",
        1,
        MAX_PERCENT,
    );
    let waiver = number(&mut e, "immigration_fee.fee_waiver_percent", 1, MAX_PERCENT);
    let mut reduced_fees = Vec::new();
    for i in filled_rows(values, "reduced_fees") {
        let field = |name: &str| format!("reduced_fees[{i}].{name}");
        let form = form_code(&mut e, &field("form"));
        if values.opt(&field("form")).is_none() {
            e.add(field("form"), Problem::new("err-required"));
        }
        let filing = required_choice(
            &mut e,
            &field("filing"),
            values.opt(&field("filing")).as_deref(),
            Filing::parse,
            Filing::ALL,
            Filing::as_str,
        );
        let fee = money(&mut e, &field("fee"));
        let above = number(&mut e, &field("above_percent"), 0, MAX_PERCENT);
        let up_to = number(&mut e, &field("up_to_percent"), 1, MAX_PERCENT);
        places.reduced_fee_rows.push(i);
        if let (Some(form), Some(filing), Some(fee), Some(above_percent), Some(up_to_percent)) =
            (form, filing, fee, above, up_to)
        {
            reduced_fees.push(ReducedFee {
                form,
                filing,
                fee,
                above_percent,
                up_to_percent,
            });
        }
    }

    let emergency_income = number(&mut e, "emergency.income_limit_percent", 1, MAX_PERCENT);
    let max_amount = money(&mut e, "emergency.max_amount");
    let grants = number(&mut e, "emergency.grants_per_window", 0, MAX_QUORUM);
    let categories = ticked(
        values,
        "emergency.categories",
        EmergencyCategory::ALL,
        |c| c.as_str(),
    );

    let per_application = money(&mut e, "caps.per_application");
    let per_household = money(&mut e, "caps.per_household");
    let window_days = number(&mut e, "caps.window_days", 1, MAX_WINDOW_DAYS);
    let service_area: Vec<String> = ticked(values, "service_area", US_STATES, |s| s)
        .into_iter()
        .map(str::to_owned)
        .collect();

    let mut documents = DocumentRules {
        immigration_fee: Vec::new(),
        emergency: Vec::new(),
        by_form: Default::default(),
    };
    for i in filled_rows(values, "documents") {
        let field = |name: &str| format!("documents[{i}].{name}");
        let program = required_choice(
            &mut e,
            &field("program"),
            values.opt(&field("program")).as_deref(),
            Program::parse,
            Program::ALL,
            Program::as_str,
        );
        let form = form_code(&mut e, &field("form"));
        if form.is_some() && program == Some(Program::Emergency) {
            e.add(field("form"), Problem::new("err-form-for-fees-only"));
        }
        let kinds = ticked(values, &field("kinds"), DocumentKind::ALL, |k| k.as_str());
        if kinds.is_empty() {
            e.add(field("kinds"), Problem::new("err-kinds-required"));
        }
        let list = match (program, &form) {
            (Some(Program::ImmigrationFee), Some(form)) => (
                format!("by_form.{form}"),
                documents.by_form.entry(form.clone()).or_default(),
            ),
            (Some(Program::ImmigrationFee), None) => {
                ("immigration_fee".to_owned(), &mut documents.immigration_fee)
            }
            (Some(Program::Emergency), _) => ("emergency".to_owned(), &mut documents.emergency),
            (None, _) => continue,
        };
        let (name, list) = list;
        places
            .documents
            .push((format!("documents.{name}[{}]", list.len()), field("kinds")));
        list.push(kinds);
    }

    let fast_track_max = money(&mut e, "review.fast_track_max");
    let quorum = number(&mut e, "review.quorum", 1, MAX_QUORUM);

    let (
        Some(income_limit_percent),
        Some(fee_waiver_percent),
        Some(emergency_income),
        Some(max_amount),
        Some(grants_per_window),
        Some(per_application),
        Some(per_household),
        Some(window_days),
        Some(fast_track_max),
        Some(quorum),
    ) = (
        income,
        waiver,
        emergency_income,
        max_amount,
        grants,
        per_application,
        per_household,
        window_days,
        fast_track_max,
        quorum,
    )
    else {
        return Err(e);
    };
    let policy = Policy {
        immigration_fee: ImmigrationRules {
            income_limit_percent,
            fee_waiver_percent,
            reduced_fees,
        },
        emergency: EmergencyRules {
            income_limit_percent: emergency_income,
            max_amount,
            grants_per_window,
            categories,
        },
        caps: Caps {
            per_application,
            per_household,
            window_days,
        },
        service_area,
        documents,
        review: ReviewRules {
            fast_track_max,
            quorum,
        },
    };
    for (path, problem) in policy.problems() {
        let field = places.form_field(&path);
        if e.get(&field).is_none() {
            e.add(field, problem);
        }
    }
    e.finish(|| policy)
}

/// Which list asked for more rows, if any.
#[derive(Clone, Copy, Default)]
struct More {
    reduced_fees: bool,
    documents: bool,
}

fn policy_view(
    ctx: &Ctx,
    versions: &[PolicyVersion],
    today: NaiveDate,
    values: &Values,
    errors: &FieldErrors,
    preview: Option<&Preview>,
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
    let more = More {
        reduced_fees: values.get("then") == "more_reduced_fees",
        documents: values.get("then") == "more_documents",
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
                summary { (ctx.tr("policy-version", &[("version", v.version.to_string())])) " (JSON)" }
                pre { (policy_json(&v.policy)) }
            }
        }
        h2 id="new-version" { (ctx.t("policy-new")) }
        p class="hint" { (ctx.t("policy-form-hint")) }
        @if let Some(p) = preview { (preview_box(ctx, p)) }
        (form.summary())
        form method="post" action="/admin/policy#new-version" {
            (form.csrf())
            div class="row" {
                (form.input("effective_from", &ctx.t("field-effective-from"), "date", Some("YYYY-MM-DD"), true))
                (form.input("note", &ctx.t("field-note"), "text", Some(&ctx.t("optional")), false))
            }
            (immigration_fields(&form, more.reduced_fees))
            (emergency_fields(&form))
            fieldset {
                legend { (ctx.t("policy-caps")) }
                div class="row" {
                    (form.input("caps.per_application", &ctx.t("field-caps-per-application"), "text", Some(&ctx.t("field-money-hint")), true))
                    (form.input("caps.per_household", &ctx.t("field-caps-per-household"), "text", Some(&ctx.t("field-money-hint")), true))
                    (form.input("caps.window_days", &ctx.t("field-caps-window-days"), "number", None, true))
                }
            }
            (ticks(&form, "service_area", &ctx.t("field-service-area"), US_STATES.iter().map(|s| (s.to_string(), s.to_string()))))
            (document_fields(&form, more.documents))
            fieldset {
                legend { (ctx.t("policy-review")) }
                div class="row" {
                    (form.input("review.fast_track_max", &ctx.t("field-review-fast-track-max"), "text", Some(&ctx.t("field-money-hint")), true))
                    (form.input("review.quorum", &ctx.t("field-review-quorum"), "number", None, true))
                }
            }
            div class="actions" {
                button type="submit" name="then" value="preview" class="secondary" { (ctx.t("policy-preview")) }
                button type="submit" name="then" value="save" { (ctx.t("policy-create")) }
            }
        }
    }
}

fn preview_box(ctx: &Ctx, p: &Preview) -> Markup {
    html! {
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
}

/// A group of tick boxes named `{name}.{value}`, with the group's problem (if any).
fn ticks(
    form: &Form<'_>,
    name: &str,
    legend: &str,
    choices: impl Iterator<Item = (String, String)>,
) -> Markup {
    html! {
        fieldset {
            legend { (legend) }
            (form.group_error(name))
            div {
                @for (value, label) in choices {
                    @let field = format!("{name}.{value}");
                    label class="choice" {
                        input type="checkbox" name=(field) value=(TICKED) checked[form.values.opt(&field).is_some()];
                        " " (label)
                    }
                }
            }
        }
    }
}

fn more_button(ctx: &Ctx, list: &str) -> Markup {
    html! {
        div class="actions" {
            button type="submit" name="then" value={ "more_" (list) } class="secondary" formnovalidate { (ctx.t("policy-more-rows")) }
        }
    }
}

fn immigration_fields(form: &Form<'_>, more: bool) -> Markup {
    let ctx = form.ctx;
    let filings: Vec<(String, String)> = Filing::ALL
        .iter()
        .map(|f| (f.as_str().to_owned(), ctx.label("filing", f)))
        .collect();
    html! {
        fieldset {
            legend { (ctx.label("program", Program::ImmigrationFee)) }
            div class="row" {
                (form.input("immigration_fee.income_limit_percent", &ctx.t("field-income-limit-percent"), "number", None, true))
                (form.input("immigration_fee.fee_waiver_percent", &ctx.t("field-fee-waiver-percent"), "number", None, true))
            }
            fieldset {
                legend { (ctx.t("policy-reduced-fees")) }
                p class="hint" { (ctx.t("policy-reduced-fees-hint")) }
                @for i in 0..rows_shown(form.values, "reduced_fees", more) {
                    div class="row" {
                        (form.input(&format!("reduced_fees[{i}].form"), &ctx.tr("form-row-reduced_fees", &[("n", (i + 1).to_string())]), "text", Some("N-400"), false))
                        (form.select(&format!("reduced_fees[{i}].filing"), &ctx.t("field-filing"), &filings, Some(""), false))
                        (form.input(&format!("reduced_fees[{i}].fee"), &ctx.t("field-fee"), "text", None, false))
                        (form.input(&format!("reduced_fees[{i}].above_percent"), &ctx.t("field-above-percent"), "number", None, false))
                        (form.input(&format!("reduced_fees[{i}].up_to_percent"), &ctx.t("field-up-to-percent"), "number", None, false))
                    }
                }
                (more_button(ctx, "reduced_fees"))
            }
        }
    }
}

fn emergency_fields(form: &Form<'_>) -> Markup {
    let ctx = form.ctx;
    let categories = EmergencyCategory::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), ctx.label("category", c)));
    html! {
        fieldset {
            legend { (ctx.label("program", Program::Emergency)) }
            div class="row" {
                (form.input("emergency.income_limit_percent", &ctx.t("field-income-limit-percent"), "number", None, true))
                (form.input("emergency.max_amount", &ctx.t("field-emergency-max-amount"), "text", Some(&ctx.t("field-money-hint")), true))
                (form.input("emergency.grants_per_window", &ctx.t("field-emergency-grants-per-window"), "number", None, true))
            }
            (ticks(form, "emergency.categories", &ctx.t("field-emergency-categories"), categories))
        }
    }
}

fn document_fields(form: &Form<'_>, more: bool) -> Markup {
    let ctx = form.ctx;
    let programs: Vec<(String, String)> = Program::ALL
        .iter()
        .map(|p| (p.as_str().to_owned(), ctx.label("program", p)))
        .collect();
    html! {
        fieldset {
            legend { (ctx.t("policy-documents")) }
            p class="hint" { (ctx.t("policy-documents-hint")) }
            (form.group_error("documents"))
            @for i in 0..rows_shown(form.values, "documents", more) {
                @let field = |name: &str| format!("documents[{i}].{name}");
                fieldset {
                    legend { (ctx.tr("form-row-documents", &[("n", (i + 1).to_string())])) }
                    div class="row" {
                        (form.select(&field("program"), &ctx.t("field-program"), &programs, Some(""), false))
                        (form.input(&field("form"), &ctx.t("field-only-for-form"), "text", Some(&ctx.t("optional")), false))
                    }
                    (ticks(form, &field("kinds"), &ctx.t("field-kinds"), DocumentKind::ALL.iter().map(|k| (k.as_str().to_owned(), ctx.label("document", k)))))
                }
            }
            (more_button(ctx, "documents"))
        }
    }
}

fn policy_page_body(
    ctx: &Ctx,
    versions: &[PolicyVersion],
    today: NaiveDate,
    values: &Values,
    errors: &FieldErrors,
    preview: Option<&Preview>,
) -> Markup {
    page(
        ctx,
        &ctx.t("policy-title"),
        policy_view(ctx, versions, today, values, errors, preview),
    )
}

pub(super) async fn policy_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let versions = super::super::versions(&mut conn).await?;
    let values = versions
        .first()
        .map(|latest| values_of(&latest.policy))
        .unwrap_or_default();
    Ok(policy_page_body(
        &ctx,
        &versions,
        state.clock.today(),
        &values,
        &FieldErrors::new(),
        None,
    ))
}

/// The form posted: more rows, a preview (nothing saved), or a new version.
pub(super) async fn create_version(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let values = Values::from_pairs(pairs);
    let mut conn = state.pool.get().await?;
    let today = state.clock.today();
    let then = values.get("then").to_owned();
    let shown = async |conn: &mut _, status, errors: &FieldErrors, preview: Option<&Preview>| {
        let versions = super::super::versions(conn).await?;
        let body = policy_page_body(&ctx, &versions, today, &values, errors, preview);
        AppResult::Ok((status, body).into_response())
    };
    if then.starts_with("more_") {
        return shown(&mut conn, StatusCode::OK, &FieldErrors::new(), None).await;
    }
    let draft = read(&values);
    if then == "preview" {
        return match draft {
            Ok(draft) => {
                let preview = super::super::preview(&mut conn, &draft, state.clock.read()).await?;
                shown(
                    &mut conn,
                    StatusCode::OK,
                    &FieldErrors::new(),
                    Some(&preview),
                )
                .await
            }
            Err(errors) => shown(&mut conn, StatusCode::UNPROCESSABLE_ENTITY, &errors, None).await,
        };
    }
    let mut input = NewVersionInput {
        effective_from: values.opt("effective_from"),
        note: values.opt("note"),
        policy: None,
    };
    let errors = match draft {
        Err(mut errors) => {
            let mut header = FieldErrors::new();
            super::super::read_header(&mut header, today, &input);
            for (field, problem) in header.iter() {
                errors.add(field.clone(), problem.clone());
            }
            errors
        }
        Ok(policy) => {
            input.policy =
                Some(serde_json::to_value(&policy).map_err(|e| AppError::Internal(e.into()))?);
            match super::super::create_version(&mut conn, user.id, today, &input).await {
                Ok(_) => return Ok(Redirect::to("/admin/policy").into_response()),
                Err(AppError::Invalid { fields, .. }) => Places::default().put_back(&fields),
                Err(e) => return Err(e),
            }
        }
    };
    shown(&mut conn, StatusCode::UNPROCESSABLE_ENTITY, &errors, None).await
}
