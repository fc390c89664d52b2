//! Pages: household search, create, edit and view.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Datelike;
use maud::{Markup, html};
use serde::Deserialize;

use super::Household;
use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::domain::household::MAX_MEMBERS;
use crate::domain::household::{AddressInput, HouseholdInput, MemberInput};
use crate::domain::{FieldErrors, Program, Relationship, Role, US_STATES};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebForm, WebQuery};
use crate::paging::Paging;
use crate::web::Ctx;
use crate::web::form::{Form, Values, language_options, renumber_rows};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(search).post(create))
        .route("/households/new", get(new_form))
        .route("/households/{id}", get(show))
        .route("/households/{id}/edit", get(edit_form).post(update))
        .route("/households/{id}/merge", axum::routing::post(merge))
}

/// Blank rows offered for adding people (twice as many after "more people").
const BLANK_MEMBER_ROWS: usize = 2;

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
    cursor: Option<String>,
}

/// Find a family by name or phone, or add one: on the search page and a caseworker's home.
pub fn search_form(ctx: &Ctx, q: &str) -> Markup {
    html! {
        form method="get" action="/households" role="search" {
            label for="q" { (ctx.t("household-search-label")) }
            input id="q" type="search" name="q" value=(q) placeholder=(ctx.t("household-search-placeholder"));
            div class="actions" {
                button type="submit" { (ctx.t("search")) }
                @if q.trim().is_empty() {
                    a class="button secondary" href="/households/new" { (ctx.t("household-new")) }
                } @else {
                    a class="button secondary" href={ "/households/new?q=" (crate::web::form::url_encode(q.trim())) } { (ctx.t("household-new")) }
                }
            }
        }
    }
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<SearchQuery>,
) -> AppResult<Markup> {
    ctx.require_user()?
        .require(crate::domain::HOUSEHOLD_READERS)?;
    let q = query.q.unwrap_or_default();
    let paging = Paging::parse(None, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let results = super::search(&mut conn, &q, paging).await?;
    let shown = results.items.iter().map(|h| h.id);
    audit::record_list_access(
        &mut conn,
        ctx.require_user()?.id,
        "household",
        shown,
        Channel::Web,
    )
    .await?;
    Ok(page(
        &ctx,
        &ctx.t("households-title"),
        search_view(&ctx, &q, &results),
    ))
}

fn search_view(
    ctx: &Ctx,
    q: &str,
    results: &crate::paging::Page<super::HouseholdSummary>,
) -> Markup {
    html! {
        (search_form(ctx, q))
        @if results.items.is_empty() {
            p { (ctx.t("households-none")) }
        } @else {
            (crate::web::table_box(&ctx.t("nav-households"), html! { table {
                thead { tr { th { (ctx.t("field-name")) } th { (ctx.t("field-name-ko")) } th { (ctx.t("field-phone")) } th { (ctx.t("field-city")) } th { (ctx.t("field-size")) } } }
                tbody {
                    @for h in &results.items {
                        tr {
                            td { a href={ "/households/" (h.id) } { (h.name) } }
                            td lang="ko" { (h.name_ko.as_deref().unwrap_or("")) }
                            td { (h.phone.as_deref().unwrap_or("")) }
                            td { (h.city) ", " (h.state) }
                            td { (h.size) }
                        }
                    }
                }
            } }))
            @if let Some(cursor) = &results.next_cursor {
                p { a href={ "/households?q=" (crate::web::form::url_encode(q)) "&cursor=" (cursor) } { (ctx.t("next-page")) } }
            }
        }
    }
}

/// The form's values for an existing household: the applicant (the member who is `self`)
/// is person 1, typed with the household's name; the others follow.
fn values_of(h: &Household) -> Values {
    let mut v = Values::default();
    v.set("name", &h.name);
    v.set("name_ko", h.name_ko.as_deref().unwrap_or(""));
    v.set("phone", h.phone.as_deref().unwrap_or(""));
    v.set("preferred_language", h.preferred_language);
    v.set("address.line1", &h.address.line1);
    v.set("address.line2", h.address.line2.as_deref().unwrap_or(""));
    v.set("address.city", &h.address.city);
    v.set("address.state", &h.address.state);
    v.set("address.postal_code", &h.address.postal_code);
    v.set("annual_income", h.annual_income);
    let applicant = h
        .members
        .iter()
        .position(|m| m.relationship == Relationship::SelfMember);
    if let Some(m) = applicant.map(|i| &h.members[i]) {
        v.set("members[0].id", m.id);
        v.set("members[0].birth_year", year_text(m.birth_year));
    }
    let others = h
        .members
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != applicant)
        .map(|(_, m)| m);
    for (i, m) in (1..).zip(others) {
        v.set(format!("members[{i}].id"), m.id);
        v.set(format!("members[{i}].name"), &m.name);
        v.set(format!("members[{i}].relationship"), m.relationship);
        v.set(format!("members[{i}].birth_year"), year_text(m.birth_year));
    }
    v
}

fn year_text(year: Option<i32>) -> String {
    year.map(|y| y.to_string()).unwrap_or_default()
}

/// The form's rows for people other than the applicant (1, 2, …): those the form came
/// with, plus blank ones to add people (more when the caseworker asked for more).
fn member_rows(values: &Values, more: bool) -> usize {
    let last = (1..MAX_MEMBERS)
        .filter(|i| {
            let prefix = format!("members[{i}].");
            values.0.keys().any(|k| k.starts_with(&prefix))
        })
        .max()
        .unwrap_or(0);
    let blank = if more {
        2 * BLANK_MEMBER_ROWS
    } else {
        BLANK_MEMBER_ROWS
    };
    (last + blank).min(MAX_MEMBERS - 1)
}

/// The rows of people other than the applicant that hold anything: a row with only a
/// birth year is kept, so its missing name is reported rather than the row dropped.
fn filled_member_rows(values: &Values) -> Vec<usize> {
    (1..MAX_MEMBERS)
        .filter(|i| {
            ["id", "name", "relationship", "birth_year"]
                .iter()
                .any(|field| values.opt(&format!("members[{i}].{field}")).is_some())
        })
        .collect()
}

/// The form's rows in the order of the members sent to the service: the applicant first.
fn rows_sent(values: &Values) -> Vec<usize> {
    std::iter::once(0)
        .chain(filled_member_rows(values))
        .collect()
}

/// Reads the form back into the same input the API takes: the applicant is member 1
/// (named by the household's name, relationship `self`), and the household's size is the
/// number of people listed.
fn input_from(values: &Values) -> HouseholdInput {
    let member = |i: usize, name: Option<String>, relationship: Option<String>| MemberInput {
        id: values
            .opt(&format!("members[{i}].id"))
            .map(serde_json::Value::String),
        name,
        relationship,
        birth_year: values
            .opt(&format!("members[{i}].birth_year"))
            .map(serde_json::Value::String),
    };
    let applicant = member(
        0,
        values.opt("name"),
        Some(Relationship::SelfMember.as_str().to_owned()),
    );
    let members: Vec<MemberInput> = std::iter::once(applicant)
        .chain(filled_member_rows(values).into_iter().map(|i| {
            member(
                i,
                values.opt(&format!("members[{i}].name")),
                values.opt(&format!("members[{i}].relationship")),
            )
        }))
        .collect();
    HouseholdInput {
        name: values.opt("name"),
        name_ko: Some(values.get("name_ko").to_owned()),
        phone: Some(values.get("phone").to_owned()),
        preferred_language: values.opt("preferred_language"),
        address: Some(AddressInput {
            line1: values.opt("address.line1"),
            line2: Some(values.get("address.line2").to_owned()),
            city: values.opt("address.city"),
            state: values.opt("address.state"),
            postal_code: values.opt("address.postal_code"),
        }),
        size: Some(serde_json::Value::from(members.len())),
        annual_income: values.opt("annual_income").map(serde_json::Value::String),
        members: Some(members),
    }
}

/// The service's problems put back on the form's fields: member problems on their rows,
/// the applicant's name on the household's name, the size on the list of people.
fn form_errors(fields: FieldErrors, values: &Values) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (field, problem) in renumber_rows(fields, "members", &rows_sent(values)).iter() {
        let field = match field.as_str() {
            "members[0].name" | "members[0].relationship" => "name",
            "size" => "members",
            other => other,
        };
        if errors.get(field).is_none() {
            errors.add(field.to_owned(), problem.clone());
        }
    }
    errors
}

/// Where the household form goes after saving: the new application it asked for, or
/// the household's page.
fn after_saving(values: &Values, household_id: i64) -> String {
    match values.opt("then").as_deref().and_then(Program::parse) {
        Some(program) => format!(
            "/applications/new?household_id={household_id}&program={}",
            program.as_str()
        ),
        None => format!("/households/{household_id}"),
    }
}

/// The household form: the applicant first (typed once: the household is named after
/// them), the address (its state starts at the caseworker's site), income, and the other
/// people; the size is counted from the people, not typed.
fn household_form(
    ctx: &Ctx,
    action: &str,
    values: &Values,
    errors: &FieldErrors,
    more: bool,
    new: bool,
    matches: &[super::Match],
) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let languages = language_options();
    let states: Vec<(String, String)> = US_STATES
        .iter()
        .map(|s| (s.to_string(), s.to_string()))
        .collect();
    let relationships: Vec<(String, String)> = Relationship::ALL
        .iter()
        .filter(|r| **r != Relationship::SelfMember)
        .map(|r| (r.as_str().to_owned(), ctx.label("relationship", r)))
        .collect();
    let size = rows_sent(values).len();
    html! {
        (form.summary())
        @if !matches.is_empty() { (matches_box(ctx, matches)) }
        form method="post" action=(action) data-household-form {
            (form.csrf())
            @if !matches.is_empty() {
                input type="hidden" name="different_from" value=(matches.iter().map(|m| m.id.to_string()).collect::<Vec<_>>().join(","));
            } @else if let Some(seen) = values.opt("different_from") {
                input type="hidden" name="different_from" value=(seen);
            }
            fieldset {
                legend { (ctx.t("household-applicant")) }
                @if let Some(id) = values.opt("members[0].id") { input type="hidden" name="members[0].id" value=(id); }
                (form.input("name", &ctx.t("field-name"), "text", Some(&ctx.t("field-name-hint")), true))
                div class="row" {
                    (form.input("name_ko", &ctx.t("field-name-ko"), "text", Some(&ctx.t("optional")), false))
                    (form.input("members[0].birth_year", &ctx.t("field-birth-year"), "number", Some(&ctx.t("optional")), false))
                }
                div class="row" {
                    (form.input("phone", &ctx.t("field-phone"), "tel", Some(&ctx.t("optional")), false))
                    (form.select("preferred_language", &ctx.t("field-preferred-language"), &languages, Some(""), true))
                }
            }
            fieldset {
                legend { (ctx.t("field-address")) }
                (form.input("address.line1", &ctx.t("field-address-line1"), "text", None, true))
                (form.input("address.line2", &ctx.t("field-address-line2"), "text", Some(&ctx.t("optional")), false))
                div class="row" {
                    (form.input("address.city", &ctx.t("field-city"), "text", None, true))
                    (form.select("address.state", &ctx.t("field-state"), &states, Some(""), true))
                    (form.input("address.postal_code", &ctx.t("field-postal-code"), "text", None, true))
                }
            }
            fieldset {
                legend { (ctx.t("household-others")) }
                p class="hint" { (ctx.t("household-others-hint")) }
                (form.group_error("members"))
                @for i in 1..=member_rows(values, more) {
                    div class="row member-row" {
                        @if let Some(id) = values.opt(&format!("members[{i}].id")) { input type="hidden" name={ "members[" (i) "].id" } value=(id); }
                        (form.input(&format!("members[{i}].name"), &ctx.tr("field-member-name", &[("n", (i + 1).to_string())]), "text", None, false))
                        (form.select(&format!("members[{i}].relationship"), &ctx.t("field-relationship"), &relationships, Some(""), false))
                        (form.input(&format!("members[{i}].birth_year"), &ctx.t("field-birth-year"), "number", Some(&ctx.t("optional")), false))
                    }
                }
                div class="actions" { button type="submit" name="then" value="more" class="secondary" formnovalidate { (ctx.t("household-more-people")) } }
            }
            fieldset {
                legend { (ctx.t("household-money")) }
                p { (ctx.t("field-size")) ": " strong { output id="household-size" aria-live="polite" { (size) } } " " span class="hint" { (ctx.t("household-size-counted")) } }
                (form.input("annual_income", &ctx.t("field-annual-income"), "text", Some(&ctx.t("field-money-hint")), true))
            }
            div class="actions" {
                @if !matches.is_empty() {
                    button type="submit" name="then" value=(values.get("then")) { (ctx.t("household-different")) }
                } @else if new {
                    button type="submit" name="then" value=(Program::ImmigrationFee.as_str()) { (ctx.t("household-save-then-fee")) }
                    button type="submit" name="then" value=(Program::Emergency.as_str()) { (ctx.t("household-save-then-emergency")) }
                    button type="submit" name="then" value="" class="secondary" { (ctx.t("household-create")) }
                } @else {
                    button type="submit" name="then" value="" { (ctx.t("save")) }
                }
            }
        }
    }
}

/// The families already recorded that may be this one, before it is saved.
fn matches_box(ctx: &Ctx, matches: &[super::Match]) -> Markup {
    html! {
        section class="notice matches" role="alert" aria-labelledby="matches-title" {
            h2 id="matches-title" { (ctx.t("household-matches-title")) }
            p { (ctx.t("household-matches-text")) }
            ul {
                @for m in matches {
                    li {
                        strong { (m.name) @if let Some(ko) = &m.name_ko { " (" (ko) ")" } } ", " (m.city) br;
                        span class="hint" { (m.reasons.iter().map(|r| ctx.label("match-reason", r)).collect::<Vec<_>>().join(" · ")) } br;
                        a href={ "/households/" (m.id) } { (ctx.t("household-match-open")) }
                    }
                }
            }
        }
    }
}

/// What the form says of the family, to look for it among those recorded.
fn probe_from(values: &Values) -> super::Probe {
    let year = |i: usize| {
        values
            .opt(&format!("members[{i}].birth_year"))
            .and_then(|y| y.parse::<i32>().ok())
    };
    let mut members: Vec<(String, Option<i32>)> = Vec::new();
    if let Some(name) = values.opt("name") {
        members.push((name, year(0)));
    }
    for i in filled_member_rows(values) {
        if let Some(name) = values.opt(&format!("members[{i}].name")) {
            members.push((name, year(i)));
        }
    }
    super::Probe {
        name: values.opt("name"),
        name_ko: values.opt("name_ko"),
        phone: values.opt("phone"),
        address: values.opt("address.line1"),
        postal_code: values.opt("address.postal_code"),
        members,
    }
}

/// The households the caseworker was shown and said this family is not.
fn seen_matches(values: &Values) -> Vec<i64> {
    values
        .get("different_from")
        .split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

/// A new family's form: the language the caseworker is working in, and the state of
/// their site.
async fn new_values(state: &AppState, ctx: &Ctx) -> AppResult<Values> {
    let mut values = Values::default();
    values.set("preferred_language", ctx.lang);
    if let Some(site_id) = ctx.require_user()?.site_id {
        let mut conn = state.pool.get().await?;
        if let Some(site) = crate::sites::find(&mut conn, site_id).await? {
            values.set("address.state", site.state);
        }
    }
    Ok(values)
}

#[derive(Debug, Deserialize)]
struct NewQuery {
    /// What the caseworker searched for before adding the family.
    q: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<NewQuery>,
) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Caseworker])?;
    let mut values = new_values(&state, &ctx).await?;
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        values.set(searched_field(q), q);
    }
    Ok(page(
        &ctx,
        &ctx.t("household-new"),
        household_form(
            &ctx,
            "/households",
            &values,
            &FieldErrors::new(),
            false,
            true,
            &[],
        ),
    ))
}

/// Which field a search starts: a name in Hangul, a phone number, or a name.
fn searched_field(q: &str) -> &'static str {
    if q.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)) {
        "name_ko"
    } else if q.chars().filter(char::is_ascii_digit).count() >= 7
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        "phone"
    } else {
        "name"
    }
}

/// The form again, unsaved: with more rows for people, with its problems (422), or with
/// the families it may be.
fn form_again(
    ctx: &Ctx,
    id: Option<i64>,
    values: &Values,
    errors: &FieldErrors,
    matches: &[super::Match],
) -> Response {
    let more = values.get("then") == "more";
    let (action, title) = match id {
        Some(id) => (format!("/households/{id}/edit"), ctx.t("household-edit")),
        None => ("/households".to_owned(), ctx.t("household-new")),
    };
    let body = household_form(ctx, &action, values, errors, more, id.is_none(), matches);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page(ctx, &title, body)).into_response()
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let values = Values::from_pairs(pairs);
    if values.get("then") == "more" {
        return Ok(form_again(&ctx, None, &values, &FieldErrors::new(), &[]));
    }
    let input = input_from(&values);
    let mut conn = state.pool.get().await?;
    let seen = seen_matches(&values);
    // Likely matches are shown before saving, once: saving again says it is another family.
    if seen.is_empty() && input.parse_new(state.clock.today().year()).is_ok() {
        let found = super::matches(&mut conn, &probe_from(&values), None).await?;
        if !found.is_empty() {
            audit::record_list_access(
                &mut conn,
                user.id,
                "household",
                found.iter().map(|m| m.id),
                Channel::Web,
            )
            .await?;
            return Ok(form_again(&ctx, None, &values, &FieldErrors::new(), &found));
        }
    }
    let today = state.clock.today();
    let created = if seen.is_empty() {
        super::create(&mut conn, user.id, today, &input).await
    } else {
        super::create_distinct(&mut conn, user.id, today, &input, &seen).await
    };
    match created {
        Ok(h) => Ok(Redirect::to(&after_saving(&values, h.id)).into_response()),
        Err(AppError::Invalid { fields, .. }) => Ok(form_again(
            &ctx,
            None,
            &values,
            &form_errors(fields, &values),
            &[],
        )),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
struct MergeForm {
    into: String,
}

/// An admin merges this household into another record of the same family.
async fn merge(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebForm(form): WebForm<MergeForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Admin])?;
    let into: i64 = form
        .into
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| {
            AppError::invalid_field(
                "into",
                crate::domain::Problem::new("err-int-range")
                    .arg("min", 1)
                    .arg("max", i64::MAX),
            )
        })?;
    let mut conn = state.pool.get().await?;
    let merged = super::merge(&mut conn, user.id, id, into).await?;
    Ok(Redirect::to(&format!("/households/{}", merged.id)).into_response())
}

async fn edit_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Markup> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    let household = super::view(&mut conn, user.id, id, Channel::Web).await?;
    let action = format!("/households/{id}/edit");
    Ok(page(
        &ctx,
        &ctx.t("household-edit"),
        household_form(
            &ctx,
            &action,
            &values_of(&household),
            &FieldErrors::new(),
            false,
            false,
            &[],
        ),
    ))
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let values = Values::from_pairs(pairs);
    if values.get("then") == "more" {
        return Ok(form_again(
            &ctx,
            Some(id),
            &values,
            &FieldErrors::new(),
            &[],
        ));
    }
    let mut conn = state.pool.get().await?;
    match super::update(
        &mut conn,
        user.id,
        id,
        state.clock.today(),
        &input_from(&values),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(AppError::Invalid { fields, .. }) => Ok(form_again(
            &ctx,
            Some(id),
            &values,
            &form_errors(fields, &values),
            &[],
        )),
        Err(e) => Err(e),
    }
}

async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Markup> {
    let user = ctx.require_user()?.clone();
    user.require(crate::domain::HOUSEHOLD_READERS)?;
    let mut conn = state.pool.get().await?;
    let h = super::view(&mut conn, user.id, id, Channel::Web).await?;
    let title = match &h.name_ko {
        Some(ko) => format!("{} ({ko})", h.name),
        None => h.name.clone(),
    };
    Ok(page(&ctx, &title, household_view(&ctx, &h, &user)))
}

fn household_view(ctx: &Ctx, h: &super::Household, user: &crate::users::User) -> Markup {
    html! {
        @if let Some(into) = h.merged_into {
            div class="notice" role="status" {
                p { (ctx.t("household-merged-into")) " " a href={ "/households/" (into) } { "#" (into) } }
            }
        }
        dl {
            dt { (ctx.t("field-phone")) } dd { (h.phone.as_deref().unwrap_or("—")) }
            dt { (ctx.t("field-preferred-language")) } dd { (if h.preferred_language.as_str() == "ko" { "한국어" } else { "English" }) }
            dt { (ctx.t("field-address")) } dd {
                (h.address.line1) @if let Some(l2) = &h.address.line2 { ", " (l2) } br;
                (h.address.city) ", " (h.address.state) " " (h.address.postal_code)
            }
            dt { (ctx.t("field-size")) } dd { (h.size) }
            dt { (ctx.t("field-annual-income")) } dd { (h.annual_income) }
        }
        @if user.has(Role::Caseworker) {
            div class="actions" {
                a class="button secondary" href={ "/households/" (h.id) "/edit" } { (ctx.t("household-edit")) }
                a class="button" href={ "/applications/new?household_id=" (h.id) "&program=immigration_fee" } { (ctx.t("application-new-fee")) }
                a class="button" href={ "/applications/new?household_id=" (h.id) "&program=emergency" } { (ctx.t("application-new-emergency")) }
            }
        }
        @if user.has(Role::Admin) && h.merged_into.is_none() {
            details {
                summary { (ctx.t("household-merge")) }
                form method="post" action={ "/households/" (h.id) "/merge" } {
                    input type="hidden" name="csrf_token" value=(ctx.csrf());
                    label for="into" { (ctx.t("household-merge")) " " span class="hint" { (ctx.t("household-merge-hint")) } }
                    input id="into" type="text" name="into" inputmode="numeric" required;
                    div class="actions" { button type="submit" class="secondary" { (ctx.t("household-merge-button")) } }
                }
            }
        }
        h2 { (ctx.t("household-members")) }
        @if h.members.is_empty() { p { (ctx.t("members-none")) } } @else {
            (crate::web::table_box(&ctx.t("household-members"), html! { table {
                thead { tr { th { (ctx.t("field-name")) } th { (ctx.t("field-relationship")) } th { (ctx.t("field-birth-year")) } } }
                tbody { @for m in &h.members { tr { td { (m.name) } td { (ctx.label("relationship", m.relationship())) } td { (m.birth_year.map(|y| y.to_string()).unwrap_or_default()) } } } }
            } }))
        }
        h2 { (ctx.t("household-applications")) }
        @if h.applications.is_empty() { p { (ctx.t("applications-none")) } } @else {
            (crate::web::table_box(&ctx.t("household-applications"), html! { table {
                thead { tr { th { (ctx.t("field-number")) } th { (ctx.t("field-program")) } th { (ctx.t("field-status")) } th class="money" { (ctx.t("field-requested")) } } }
                tbody {
                    @for a in &h.applications {
                        tr {
                            td class="nowrap" { a href={ "/applications/" (a.id) } { (a.number) } }
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
