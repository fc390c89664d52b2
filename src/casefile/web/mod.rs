//! The application page: what the applications, eligibility, review and payments
//! capabilities recorded about one application, with the forms each role may use on it
//! (their handlers live with their capability and answer through [`PagePost`]); the
//! family's summary and the decision letter; and each role's home page.

mod eligibility;
mod home;
pub mod payments;
mod review;

pub use home::list_table;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};

use super::Application;
use crate::app::AppState;
use crate::audit::Channel;
use crate::domain::{DocumentKind, FieldErrors, Role, Status, Transition};
use crate::error::{AppError, AppResult};
use crate::extract::Id;
use crate::web::Ctx;
use crate::web::form::{Form, Values};
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/applications/{id}", get(show))
        .route("/applications/{id}/summary", get(eligibility::summary))
        .route("/applications/{id}/letter", get(review::letter))
}

/// What the forms on the application page show: typed values and errors of the one
/// that was just posted, if any.
#[derive(Default)]
pub struct PageForms {
    pub documents: (Values, FieldErrors),
    pub eligibility_override: (Values, FieldErrors),
    pub vote: (Values, FieldErrors),
    pub payment: (Values, FieldErrors),
    pub receipt_number: (Values, FieldErrors),
    pub close: (Values, FieldErrors),
}

/// Which form of the application page was posted.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    Documents,
    EligibilityOverride,
    Vote,
    Payment,
    ReceiptNumber,
    Close,
}

impl PageForms {
    /// The page's forms with `slot` showing what was typed and what is wrong with it.
    pub fn with(slot: Slot, values: Values, errors: FieldErrors) -> PageForms {
        let mut forms = PageForms::default();
        let form = match slot {
            Slot::Documents => &mut forms.documents,
            Slot::EligibilityOverride => &mut forms.eligibility_override,
            Slot::Vote => &mut forms.vote,
            Slot::Payment => &mut forms.payment,
            Slot::ReceiptNumber => &mut forms.receipt_number,
            Slot::Close => &mut forms.close,
        };
        *form = (values, errors);
        forms
    }
}

/// A form posted from application `id`'s page, by `user`.
pub struct PagePost<'a> {
    pub state: &'a AppState,
    pub ctx: &'a Ctx,
    pub user: &'a crate::users::User,
    pub id: i64,
}

impl<'a> PagePost<'a> {
    pub fn new(
        state: &'a AppState,
        ctx: &'a Ctx,
        user: &'a crate::users::User,
        id: i64,
    ) -> PagePost<'a> {
        PagePost {
            state,
            ctx,
            user,
            id,
        }
    }

    /// Back to the page at `anchor` when the work was done; the page again (422) with the
    /// form's values and problems in `slot` when the input was refused; any other error as is.
    pub async fn answer<T>(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        outcome: AppResult<T>,
        anchor: &str,
        slot: Slot,
        values: Values,
    ) -> AppResult<Response> {
        match outcome {
            Ok(_) => {
                Ok(Redirect::to(&format!("/applications/{}{anchor}", self.id)).into_response())
            }
            Err(AppError::Invalid { fields, .. }) => {
                let forms = PageForms::with(slot, values, fields);
                rejected(conn, self.state, self.ctx, self.user, self.id, &forms).await
            }
            Err(e) => Err(e),
        }
    }
}

/// What the page needs to know about its reader beyond the application: their standing in
/// the review, the funds a vote may name, whether they may pay it, and the fund's day.
pub struct Viewer {
    /// `Some(conflict)` once the reader declared on this application (looked up only for a
    /// board member while the application awaits the board, as are `separated` and `funds`).
    pub declared: Option<bool>,
    /// Why separation of duties keeps the reader from voting, if it does.
    pub separated: Option<crate::domain::Problem>,
    /// Funds an approve vote may name for this application's program.
    pub funds: Vec<crate::funds::Fund>,
    /// The reader voted to approve, so cannot pay.
    pub approver: bool,
    pub today: chrono::NaiveDate,
}

impl Viewer {
    pub async fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        state: &AppState,
        user: &crate::users::User,
        a: &Application,
    ) -> AppResult<Viewer> {
        // Only a board member who may still vote needs their standing and the funds.
        let reviewing = user.has(Role::BoardMember)
            && matches!(a.status, Status::Eligible | Status::NeedsReview)
            && a.decision.is_none();
        let (declared, separated, funds) = if reviewing {
            let funds = crate::funds::list(conn)
                .await?
                .into_iter()
                .filter(|f| f.active && f.restricted_program.is_none_or(|p| p == a.program))
                .collect();
            (
                crate::review::declaration(conn, a.id, user.id).await?,
                crate::review::separation(conn, a.id, user.id).await?,
                funds,
            )
        } else {
            (None, None, Vec::new())
        };
        Ok(Viewer {
            declared,
            separated,
            funds,
            approver: a.votes.iter().any(|v| {
                v.voter_id == user.id && v.vote == crate::domain::review::VoteChoice::Approve
            }),
            today: state.clock.today(),
        })
    }
}

pub fn application_view(ctx: &Ctx, a: &Application, viewer: &Viewer, forms: &PageForms) -> Markup {
    let (doc_values, doc_errors) = (&forms.documents.0, &forms.documents.1);
    let is_caseworker = ctx.user.as_ref().is_some_and(|u| u.has(Role::Caseworker));
    let may_withdraw = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.has(Role::Caseworker) || u.has(Role::Admin));
    let doc_form = Form {
        ctx,
        values: doc_values,
        errors: doc_errors,
    };
    // The kinds not seen yet, to tick.
    let kinds: Vec<(String, String)> = DocumentKind::ALL
        .iter()
        .filter(|k| !a.documents.iter().any(|d| d.kind == **k))
        .map(|k| (k.as_str().to_owned(), ctx.label("document", k)))
        .collect();
    let accepts_documents = matches!(
        a.status,
        Status::Draft
            | Status::Submitted
            | Status::Eligible
            | Status::Ineligible
            | Status::NeedsReview
    );
    html! {
        dl {
            dt { (ctx.t("field-status")) } dd { span class="status" { (ctx.label("status", a.status)) } }
            dt { (ctx.t("field-household")) } dd {
                @if let Some(name) = &a.household_name {
                    a href={ "/households/" (a.household_id) } { (name) @if let Some(ko) = &a.household_name_ko { " (" (ko) ")" } }
                } @else { "—" }
            }
            dt { (ctx.t("field-site")) } dd { (a.site) }
            dt { (ctx.t("field-program")) } dd { (ctx.label("program", a.program)) }
            dt { (ctx.t("field-requested")) } dd { strong { (a.requested_amount) } }
            @if let Some(insider) = a.insider_relationship {
                dt { (ctx.t("intake-insider")) }
                dd { (ctx.label("insider", insider)) @if let Some(note) = &a.insider_note { br; span class="hint" { (note) } } }
            }
        }
        @if let Some(e) = &a.emergency {
            h2 { (ctx.t("application-emergency")) }
            dl {
                dt { (ctx.t("field-category")) } dd { (ctx.label("category", e.category)) }
                dt { (ctx.t("field-amount")) } dd { (e.amount) }
                dt { (ctx.t("field-story")) } dd { p class="story" { (e.story) } }
            }
        }
        @if !a.lines.is_empty() {
            h2 { (ctx.t("application-lines")) }
            (crate::web::table_box(&ctx.t("application-lines"), html! { table {
                thead { tr { th { (ctx.t("field-form")) } th { (ctx.t("field-filing")) } th { (ctx.t("field-beneficiary")) } th { (ctx.t("fee-components")) } th class="money" { (ctx.t("field-amount")) } } }
                tbody {
                    @for l in &a.lines {
                        tr {
                            td {
                                (l.form) @if !l.category.is_empty() { " (" (l.category) ")" } br; span class="hint" { (match (ctx.lang, &l.form_name_ko) { (crate::domain::Language::Ko, Some(ko)) => ko, _ => &l.form_name }) }
                                @if l.renewal { br; span class="hint" { (ctx.t("fee-line-renewal")) } }
                                @if let Some(filed) = l.filed_on { br; span class="hint" { (ctx.t("field-filed-on")) ": " (filed) } }
                                @if let Some(due) = l.due_on { br; span class="hint" { (ctx.tr("fee-due-on", &[("date", due.to_string())])) } }
                            }
                            td { (ctx.label("filing", l.filing)) }
                            td { (l.beneficiary.as_deref().unwrap_or("—")) }
                            td { (crate::web::fee_components(ctx, &l.components)) @if l.amount != l.schedule_fee { span class="hint" { (ctx.t("fee-schedule")) ": " (l.schedule_fee) } } }
                            td class="money" { strong { (l.amount) } @if let Some(r) = &l.override_reason { br; span class="hint" { (r) } } }
                        }
                    }
                }
            } }))
        }
        h2 { (ctx.t("application-documents")) }
        @if a.documents.is_empty() { p { (ctx.t("documents-none")) } } @else {
            ul {
                @for d in &a.documents {
                    li { (ctx.label("document", d.kind)) @if let Some(n) = &d.note { " — " (n) } " " span class="hint" { (ctx.tr("document-verified", &[("name", d.verified_by_name.clone()), ("date", ctx.date(d.verified_at))])) } }
                }
            }
        }
        @if is_caseworker && accepts_documents {
            (doc_form.summary())
            form method="post" action={ "/applications/" (a.id) "/documents" } {
                (doc_form.csrf())
                fieldset {
                    legend { (ctx.t("field-document-kind")) }
                    p class="hint" { (ctx.t("documents-tick-hint")) }
                    (doc_form.group_error("kind"))
                    @for (value, label) in &kinds {
                        label class="choice" {
                            input type="checkbox" name="kind" value=(value)
                                checked[doc_values.0.contains_key(&format!("kind:{value}"))];
                            " " (label)
                        }
                    }
                }
                (doc_form.input("note", &ctx.t("field-note"), "text", Some(&ctx.t("optional")), false))
                div class="actions" { button type="submit" class="secondary" { (ctx.t("document-add")) } }
            }
        }
        @if is_caseworker && a.status == Status::Draft {
            h2 { (ctx.t("application-submit-title")) }
            p { (ctx.t("application-submit-text")) }
            form method="post" action={ "/applications/" (a.id) "/submit" } {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                div class="actions" { button type="submit" { (ctx.t("application-submit")) } }
            }
        }
        (eligibility::section(ctx, a, &forms.eligibility_override))
        (review::section(ctx, a, viewer, forms))
        (payments::section(ctx, a, viewer, forms))
        @if may_withdraw && a.status.apply(Transition::Withdraw { disbursed: a.payable.is_some_and(|p| !p.paid.0.is_zero()) }).is_ok() {
            h2 { (ctx.t("application-withdraw-title")) }
            form method="post" action={ "/applications/" (a.id) "/withdraw" } {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                label for="reason" { (ctx.t("field-reason")) }
                input id="reason" type="text" name="reason" required;
                div class="actions" { button type="submit" class="secondary" { (ctx.t("application-withdraw")) } }
            }
        }
        h2 { (ctx.t("application-history")) }
        (crate::web::table_box(&ctx.t("application-history"), html! { table {
            thead { tr { th { (ctx.t("audit-when")) } th { (ctx.t("audit-who")) } th { (ctx.t("field-status")) } th { (ctx.t("field-reason")) } } }
            tbody {
                @for h in &a.history {
                    tr {
                        td { (ctx.time(h.at)) }
                        td { (h.by_name) }
                        td { @if let Some(f) = h.from { (ctx.label("status", f)) " → " } (ctx.label("status", h.to)) }
                        td { (h.reason.as_deref().unwrap_or("")) }
                    }
                }
            }
        } }))
    }
}

async fn show(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Markup> {
    let user = ctx.require_user()?.clone();
    let mut conn = state.pool.get().await?;
    let a = super::view(&mut conn, &user, id, Channel::Web).await?;
    let viewer = Viewer::load(&mut conn, &state, &user, &a).await?;
    Ok(page(
        &ctx,
        &a.number,
        application_view(&ctx, &a, &viewer, &PageForms::default()),
    ))
}

/// The application page again (422) with a form's typed values and its errors.
async fn rejected(
    conn: &mut diesel_async::AsyncPgConnection,
    state: &AppState,
    ctx: &Ctx,
    user: &crate::users::User,
    id: i64,
    forms: &PageForms,
) -> AppResult<Response> {
    let a = super::view(conn, user, id, Channel::Web).await?;
    let viewer = Viewer::load(conn, state, user, &a).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        page(ctx, &a.number, application_view(ctx, &a, &viewer, forms)),
    )
        .into_response())
}
