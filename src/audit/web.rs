//! The admin's audit trail as sentences in the reader's language ("Sujin Lee changed
//! household #12"), with what changed under each, filtered by who, what and when, and
//! paged.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::{AuditFilter, AuditRow};
use crate::app::AppState;
use crate::domain::input::optional_id;
use crate::domain::{FieldErrors, Role};
use crate::error::{AppError, AppResult};
use crate::extract::WebQuery;
use crate::paging::Paging;
use crate::web::Ctx;
use crate::web::form::{Form, Values, url_encode};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit_page))
}

#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    entity_type: Option<String>,
    entity_id: Option<String>,
    actor_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

impl AuditQuery {
    /// The filter's part of the query string, to keep it on the next page.
    fn kept(&self) -> String {
        [
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("actor_id", &self.actor_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref()?.trim();
            (!value.is_empty()).then(|| format!("{name}={}&", url_encode(value)))
        })
        .collect()
    }
}

async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<AuditQuery>,
) -> AppResult<Markup> {
    ctx.require_user()?.require(&[Role::Admin])?;
    let paging = Paging::parse(None, query.cursor.as_deref())?;
    let mut e = FieldErrors::new();
    let entity_id = optional_id(&mut e, "entity_id", query.entity_id.as_deref());
    let actor_id = optional_id(&mut e, "actor_id", query.actor_id.as_deref());
    let (from, before) = super::days(
        &mut e,
        query.from.as_deref(),
        query.to.as_deref(),
        state.clock.timezone(),
    );
    if !e.is_empty() {
        return Err(AppError::bad_query(&e));
    }
    let filter = AuditFilter {
        entity_type: query.entity_type.clone().filter(|s| !s.is_empty()),
        entity_id,
        actor_id,
        action: query.action.clone().filter(|s| !s.trim().is_empty()),
        from,
        before,
    };
    let mut conn = state.pool.get().await?;
    let rows = super::list(&mut conn, &filter, paging).await?;
    let actors = super::actors(&mut conn).await?;
    let actions = super::actions(&mut conn).await?;
    Ok(page(
        &ctx,
        &ctx.t("audit-title"),
        html! {
            (filter_form(&ctx, &query, &actors, &actions))
            @if rows.items.is_empty() { p { (ctx.t("audit-none")) } }
            ol class="audit-trail" {
                @for row in &rows.items { li { (sentence(&ctx, row)) } }
            }
            @if let Some(cursor) = &rows.next_cursor {
                p { a href={ "/admin/audit?" (query.kept()) "cursor=" (cursor) } { (ctx.t("next-page")) } }
            }
        },
    ))
}

fn filter_form(
    ctx: &Ctx,
    query: &AuditQuery,
    actors: &[(i64, String)],
    actions: &[String],
) -> Markup {
    let mut values = Values::default();
    values.set("actor_id", query.actor_id.as_deref().unwrap_or(""));
    values.set("action", query.action.as_deref().unwrap_or(""));
    values.set("from", query.from.as_deref().unwrap_or(""));
    values.set("to", query.to.as_deref().unwrap_or(""));
    let form = Form {
        ctx,
        values: &values,
        errors: &FieldErrors::new(),
    };
    let who: Vec<(String, String)> = actors
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect();
    let what: Vec<(String, String)> = actions
        .iter()
        .map(|a| (a.clone(), action_label(ctx, a)))
        .collect();
    html! {
        form method="get" action="/admin/audit" class="filters" {
            @if let Some(t) = query.entity_type.as_deref().filter(|t| !t.is_empty()) { input type="hidden" name="entity_type" value=(t); }
            @if let Some(id) = query.entity_id.as_deref().filter(|t| !t.is_empty()) { input type="hidden" name="entity_id" value=(id); }
            div class="row" {
                (form.select("actor_id", &ctx.t("audit-who"), &who, Some(&ctx.t("all")), false))
                (form.select("action", &ctx.t("audit-action"), &what, Some(&ctx.t("all")), false))
            }
            div class="row" {
                (form.input("from", &ctx.t("audit-from"), "date", None, false))
                (form.input("to", &ctx.t("audit-to"), "date", None, false))
            }
            div class="actions" { button type="submit" { (ctx.t("filter")) } }
        }
    }
}

/// An action's name in the reader's language (the code itself if the catalogue has none).
fn action_label(ctx: &Ctx, action: &str) -> String {
    crate::i18n::lookup(ctx.lang, &crate::i18n::label_key("audit-action", action))
        .unwrap_or_else(|| action.to_owned())
}

/// The record a row is about, as words ("household #12"), and its page where it has one.
fn record(ctx: &Ctx, row: &AuditRow) -> (String, Option<String>) {
    let e = &row.entry;
    let kind = crate::i18n::lookup(ctx.lang, &crate::i18n::label_key("record", &e.entity_type))
        .unwrap_or_else(|| e.entity_type.clone());
    let text = match (e.entity_type.as_str(), e.entity_id) {
        // A month of the books is recorded as its number, 202611: read as 2026-11.
        ("period", Some(month)) => format!("{kind} {}-{:02}", month / 100, month % 100),
        (_, Some(id)) => format!("{kind} #{id}"),
        (_, None) => kind,
    };
    let link = e.entity_id.and_then(|id| match e.entity_type.as_str() {
        "household" => Some(format!("/households/{id}")),
        "application" => Some(format!("/applications/{id}")),
        "fund" => Some(format!("/funds/{id}")),
        "user" => Some(format!("/admin/users/{id}")),
        "period" => Some("/periods".to_owned()),
        _ => None,
    });
    (text, link)
}

/// One row as a sentence: when, who did what to which record; what changed below it.
fn sentence(ctx: &Ctx, row: &AuditRow) -> Markup {
    let e = &row.entry;
    let who = row
        .actor_name
        .clone()
        .unwrap_or_else(|| ctx.t("audit-nobody"));
    let (what, link) = record(ctx, row);
    let args = [
        ("who", who),
        ("what", what.clone()),
        ("action", action_label(ctx, &e.action)),
    ];
    html! {
        p {
            time datetime=(e.at.to_rfc3339()) { (ctx.timestamp(e.at)) } " — "
            (ctx.tr("audit-sentence", &args))
            @if let Some(href) = link { " " a href=(href) { (ctx.t("audit-open")) span class="visually-hidden" { " " (what) } } }
        }
        @if e.changes.as_object().is_some_and(|o| !o.is_empty()) {
            details {
                summary { (ctx.t("audit-changes")) }
                pre { (format!("{:#}", e.changes)) }
            }
        }
    }
}
