//! Pages: household search, create, edit and view.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::Household;
use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::domain::household::{AddressInput, HouseholdInput, MemberInput};
use crate::domain::{FieldErrors, Relationship, Role, US_STATES};
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
}

/// Blank member rows offered for adding people.
const BLANK_MEMBER_ROWS: usize = 3;

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
                a class="button secondary" href="/households/new" { (ctx.t("household-new")) }
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

/// The form's values for an existing household.
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
    v.set("size", h.size);
    v.set("annual_income", h.annual_income);
    for (i, m) in h.members.iter().enumerate() {
        v.set(format!("members[{i}].id"), m.id);
        v.set(format!("members[{i}].name"), &m.name);
        v.set(format!("members[{i}].relationship"), m.relationship);
        v.set(
            format!("members[{i}].birth_year"),
            m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        );
    }
    v
}

/// How many member rows the form shows: those entered plus blank ones.
fn member_rows(values: &Values) -> usize {
    let filled = (0..crate::domain::household::MAX_MEMBERS)
        .take_while(|i| {
            values
                .0
                .keys()
                .any(|k| k.starts_with(&format!("members[{i}].")))
        })
        .count();
    (filled + BLANK_MEMBER_ROWS).min(crate::domain::household::MAX_MEMBERS)
}

/// Reads the form back into the same input the API takes.
/// The member rows of the form that hold someone (blank rows are left out).
fn filled_member_rows(values: &Values) -> Vec<usize> {
    (0..member_rows(values))
        .filter(|i| {
            values.opt(&format!("members[{i}].name")).is_some()
                || values.opt(&format!("members[{i}].id")).is_some()
        })
        .collect()
}

fn input_from(values: &Values) -> HouseholdInput {
    let members = filled_member_rows(values)
        .into_iter()
        .map(|i| MemberInput {
            id: values
                .opt(&format!("members[{i}].id"))
                .map(serde_json::Value::String),
            name: values.opt(&format!("members[{i}].name")),
            relationship: values.opt(&format!("members[{i}].relationship")),
            birth_year: values
                .opt(&format!("members[{i}].birth_year"))
                .map(serde_json::Value::String),
        })
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
        size: values.opt("size").map(serde_json::Value::String),
        annual_income: values.opt("annual_income").map(serde_json::Value::String),
        members: Some(members),
    }
}

fn household_form(
    ctx: &Ctx,
    action: &str,
    values: &Values,
    errors: &FieldErrors,
    submit_key: &str,
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
        .map(|r| (r.as_str().to_owned(), ctx.label("relationship", r)))
        .collect();
    html! {
        (form.summary())
        form method="post" action=(action) {
            (form.csrf())
            fieldset {
                legend { (ctx.t("household-who")) }
                (form.input("name", &ctx.t("field-name"), "text", Some(&ctx.t("field-name-hint")), true))
                (form.input("name_ko", &ctx.t("field-name-ko"), "text", Some(&ctx.t("optional")), false))
                (form.input("phone", &ctx.t("field-phone"), "tel", Some(&ctx.t("optional")), false))
                (form.select("preferred_language", &ctx.t("field-preferred-language"), &languages, Some(""), true))
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
                legend { (ctx.t("household-money")) }
                div class="row" {
                    (form.input("size", &ctx.t("field-size"), "number", Some(&ctx.t("field-size-hint")), true))
                    (form.input("annual_income", &ctx.t("field-annual-income"), "text", Some(&ctx.t("field-money-hint")), true))
                }
            }
            fieldset {
                legend { (ctx.t("household-members")) }
                (form.group_error("members"))
                @for i in 0..member_rows(values) {
                    div class="row" {
                        @if let Some(id) = values.opt(&format!("members[{i}].id")) { input type="hidden" name={ "members[" (i) "].id" } value=(id); }
                        (form.input(&format!("members[{i}].name"), &ctx.tr("field-member-name", &[("n", (i + 1).to_string())]), "text", None, false))
                        (form.select(&format!("members[{i}].relationship"), &ctx.t("field-relationship"), &relationships, Some(""), false))
                        (form.input(&format!("members[{i}].birth_year"), &ctx.t("field-birth-year"), "number", Some(&ctx.t("optional")), false))
                    }
                }
            }
            div class="actions" { button type="submit" { (ctx.t(submit_key)) } }
        }
    }
}

async fn new_form(ctx: Ctx) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Caseworker])?;
    let mut values = Values::default();
    values.set("preferred_language", ctx.lang);
    Ok(page(
        &ctx,
        &ctx.t("household-new"),
        household_form(
            &ctx,
            "/households",
            &values,
            &FieldErrors::new(),
            "household-create",
        ),
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
    let mut conn = state.pool.get().await?;
    match super::create(
        &mut conn,
        user.id,
        state.clock.today(),
        &input_from(&values),
    )
    .await
    {
        Ok(h) => Ok(Redirect::to(&format!("/households/{}", h.id)).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let errors = renumber_rows(fields, "members", &filled_member_rows(&values));
            let body = household_form(&ctx, "/households", &values, &errors, "household-create");
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&ctx, &ctx.t("household-new"), body),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
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
            "save",
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
        Err(AppError::Invalid { fields, .. }) => {
            let errors = renumber_rows(fields, "members", &filled_member_rows(&values));
            let body = household_form(
                &ctx,
                &format!("/households/{id}/edit"),
                &values,
                &errors,
                "save",
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&ctx, &ctx.t("household-edit"), body),
            )
                .into_response())
        }
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
