//! Pages: application list, create (both programs), add a document, submit.

use axum::Router;
use axum::extract::State;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use crate::app::AppState;
use crate::audit::{self, Channel};
use crate::casefile::web::{PagePost, Slot};
use crate::domain::application::DocumentInput;
use crate::domain::{DocumentKind, FieldErrors, Role, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebForm, WebQuery};
use crate::paging::Paging;
use crate::web::Ctx;
use crate::web::form::{Form, Values};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications", get(list))
        .route("/applications/{id}/documents", post(add_document))
        .route("/applications/{id}/submit", post(submit))
}

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
    let q = query.q.as_deref().unwrap_or("");
    Ok(page(
        &ctx,
        &ctx.t("applications-title"),
        list_view(&ctx, status, q, &page_rows),
    ))
}

/// The list with its status filter, and the link to the next page keeping it.
fn list_view(
    ctx: &Ctx,
    status: &str,
    q: &str,
    page_rows: &crate::paging::Page<super::ApplicationListItem>,
) -> Markup {
    let statuses: Vec<(String, String)> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), ctx.label("status", s)))
        .collect();
    let mut values = Values::default();
    values.set("status", status);
    values.set("q", q);
    let form = Form {
        ctx,
        values: &values,
        errors: &FieldErrors::new(),
    };
    html! {
        form method="get" action="/applications" role="search" {
            div class="row" {
                (form.input("q", &ctx.t("field-application-search"), "search", Some(&ctx.t("field-application-search-hint")), false))
                (form.select("status", &ctx.t("field-status"), &statuses, Some(&ctx.t("all")), false))
            }
            div class="actions" { button type="submit" { (ctx.t("filter")) } }
        }
        (crate::casefile::web::list_table(ctx, &page_rows.items))
        @if let Some(cursor) = &page_rows.next_cursor {
            p { a href={ "/applications?status=" (values.get("status")) "&q=" (crate::web::form::url_encode(q)) "&cursor=" (cursor) } { (ctx.t("next-page")) } }
        }
    }
}

/// The application page's checklist: every document ticked is recorded in one post, with
/// the note (if any) on each.
async fn add_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let ticked: Vec<String> = pairs
        .iter()
        .filter(|(name, _)| name == "kind")
        .map(|(_, value)| value.clone())
        .collect();
    let mut values = Values::from_pairs(pairs);
    for kind in &ticked {
        values.set(format!("kind:{kind}"), "1");
    }
    let mut conn = state.pool.get().await?;
    let outcome = match parse_ticked(&ticked, values.opt("note")) {
        Ok((kinds, note)) => {
            super::add_documents(&mut conn, user.id, id, &kinds, note.as_deref()).await
        }
        Err(fields) => Err(AppError::invalid(fields)),
    };
    let post = PagePost::new(&state, &ctx, &user, id);
    post.answer(&mut conn, outcome, "", Slot::Documents, values)
        .await
}

/// The kinds ticked and the note, each checked as the API checks one document.
fn parse_ticked(
    ticked: &[String],
    note: Option<String>,
) -> Result<(Vec<DocumentKind>, Option<String>), FieldErrors> {
    let mut kinds = Vec::new();
    let mut note_kept = None;
    for kind in ticked {
        let input = DocumentInput {
            kind: Some(kind.clone()),
            note: note.clone(),
        };
        let (kind, note) = input.parse()?;
        kinds.push(kind);
        note_kept = note;
    }
    Ok((kinds, note_kept))
}

async fn submit(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Redirect> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker])?;
    let mut conn = state.pool.get().await?;
    super::transition(&mut conn, user.id, id, Transition::Submit, None).await?;
    Ok(Redirect::to(&format!("/applications/{id}")))
}
