//! The review part of the application page (votes, the decision, the declaration and the
//! vote form), and the decision letter.

use axum::extract::State;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Application, PageForms, Viewer};
use crate::app::AppState;
use crate::audit::Channel;
use crate::domain::review::{Outcome, VoteChoice};
use crate::domain::{Language, Program, Role, Status};
use crate::error::{AppError, AppResult};
use crate::extract::{Id, WebQuery};
use crate::session::CurrentUser;
use crate::web::Ctx;
use crate::web::form::{Form, Values, once_key_field};
use crate::web::layout::page;

fn is_board(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.has(Role::BoardMember))
}

/// The review part of the application page: votes, the decision, and for a board member
/// the declaration, then the vote form.
pub(super) fn section(ctx: &Ctx, a: &Application, viewer: &Viewer, forms: &PageForms) -> Markup {
    let reviewable = matches!(a.status, Status::Eligible | Status::NeedsReview);
    if !reviewable && a.votes.is_empty() && a.decision.is_none() {
        return html! {};
    }
    let my_vote = ctx
        .user
        .as_ref()
        .and_then(|u| a.votes.iter().find(|v| v.voter_id == u.id));
    html! {
        section id="review" {
            h2 { (ctx.t("review-title")) }
            @if let Some(d) = &a.decision {
                div class="notice" role="status" {
                    p class={ "result " (if d.outcome == Outcome::Approved { "eligible" } else { "ineligible" }) } {
                        (ctx.label("decision", d.outcome))
                        @if let Some(amount) = d.amount { " · " (amount.display()) }
                    }
                    @if let Some(fund) = &d.fund_name { p { (ctx.tr("review-committed-from", &[("fund", fund.clone())])) } }
                    p class="hint" { (ctx.tr("review-decided-on", &[("date", ctx.date(d.decided_at)),
                        ("version", d.policy_version.to_string())])) }
                    @if ctx.user.as_ref().is_some_and(|u| u.has(Role::Caseworker) || u.has(Role::Admin) || u.has(Role::Accountant)) {
                        p { a href={ "/applications/" (a.id) "/letter" } { (ctx.t("letter-link")) } }
                    }
                }
            }
            @if a.votes.is_empty() { p { (ctx.t("review-no-votes")) } } @else {
                (crate::web::table_box(&ctx.t("review-votes-cast"), html! { table {
                    thead { tr { th { (ctx.t("review-member")) } th { (ctx.t("review-vote")) } th class="money" { (ctx.t("field-amount")) } th { (ctx.t("review-comment")) } th { (ctx.t("audit-when")) } } }
                    tbody {
                        @for v in &a.votes {
                            tr {
                                td { (v.voter_name) }
                                td { strong { (ctx.label("vote", v.vote)) } }
                                td class="money" { @if let Some(m) = v.amount { (m.display()) } }
                                td { (v.comment.as_deref().unwrap_or("")) }
                                td class="date" { (ctx.time(v.cast_at)) }
                            }
                        }
                    }
                } }))
            }
            @if is_board(ctx) && reviewable && a.decision.is_none() {
                @if let Some(why) = &viewer.separated {
                    p class="error-box" { (ctx.t("review-separated")) br; span class="hint" { (crate::i18n::problem(ctx.lang, why)) } }
                } @else if let Some(v) = my_vote {
                    p class="notice" { (ctx.tr("review-you-voted", &[("vote", ctx.label("vote", v.vote))])) }
                } @else if viewer.declared.is_none() {
                    (declaration_form(ctx, a))
                } @else {
                    (vote_form(ctx, a, viewer, &forms.vote.0, &forms.vote.1))
                }
            }
        }
    }
}

fn declaration_form(ctx: &Ctx, a: &Application) -> Markup {
    html! {
        div class="notice" {
            p { strong { (ctx.t("declare-title")) } }
            p { (ctx.t("declare-text")) }
        }
        div class="actions" {
            form method="post" action={ "/applications/" (a.id) "/declaration" } {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                input type="hidden" name="conflict" value="false";
                button type="submit" { (ctx.t("declare-no-conflict")) }
            }
            form method="post" action={ "/applications/" (a.id) "/declaration" } {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                input type="hidden" name="conflict" value="true";
                button type="submit" class="secondary" { (ctx.t("declare-conflict")) }
            }
        }
    }
}

fn vote_form(
    ctx: &Ctx,
    a: &Application,
    viewer: &Viewer,
    values: &Values,
    errors: &crate::domain::FieldErrors,
) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    let choices: Vec<(String, String)> = VoteChoice::ALL
        .iter()
        .map(|v| (v.as_str().to_owned(), ctx.label("vote", v)))
        .collect();
    let funds: Vec<(String, String)> = viewer
        .funds
        .iter()
        .map(|f| {
            (
                f.id.to_string(),
                format!(
                    "{} — {} {}",
                    f.name,
                    f.available.display(),
                    ctx.t("fund-available")
                ),
            )
        })
        .collect();
    let amount_hint = ctx.tr(
        "vote-amount-hint",
        &[("requested", a.requested_amount.display())],
    );
    html! {
        (form.summary())
        form method="post" action={ "/applications/" (a.id) "/votes" } {
            (form.csrf())
            (once_key_field(values))
            fieldset {
                legend { (ctx.t("vote-title")) }
                (form.group_error("vote"))
                @for (value, label) in &choices {
                    label class="choice" {
                        input type="radio" name="vote" value=(value) checked[values.get("vote") == value] required;
                        " " (label)
                    }
                }
            }
            (form.input("amount", &ctx.t("field-amount"), "text", Some(&amount_hint), false))
            (form.select("fund_id", &ctx.t("vote-fund"), &funds, Some(&ctx.t("vote-fund-auto")), false))
            (form.textarea("comment", &ctx.t("review-comment"), Some(&ctx.t("optional")), false))
            div class="actions" { button type="submit" { (ctx.t("vote-submit")) } }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct LetterQuery {
    lang: Option<String>,
}

/// The decision letter for the household, in its preferred language (or `?lang=`), to
/// print and mail or hand over.
pub(super) async fn letter(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Id(id): Id,
    WebQuery(query): WebQuery<LetterQuery>,
) -> AppResult<Markup> {
    user.require(&[Role::Caseworker, Role::Admin, Role::Accountant])?;
    let mut conn = state.pool.get().await?;
    let a = crate::casefile::view(&mut conn, &user, id, Channel::Web).await?;
    // The letter shows the family's name and address: a read of the household, logged.
    let household =
        crate::households::view(&mut conn, user.id, a.household_id, Channel::Web).await?;
    let today = state.clock.today();
    let site = crate::sites::all(&mut conn)
        .await?
        .into_iter()
        .find(|s| s.code == a.site);
    if a.decision.is_none() {
        return Err(AppError::Conflict(crate::domain::Problem::new(
            "err-not-decided",
        )));
    }
    let lang = query
        .lang
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(household.preferred_language);
    let site_name = match (&site, lang) {
        (Some(s), Language::Ko) => s.name_ko.clone(),
        (Some(s), Language::En) => s.name.clone(),
        (None, _) => a.site.clone(),
    };
    Ok(letter_view(&ctx, &a, &household, lang, site_name, today))
}

/// The decision letter in `lang`, with the way back and to the other language in the
/// reader's own.
fn letter_view(
    ctx: &Ctx,
    a: &Application,
    household: &crate::households::Household,
    lang: Language,
    site: String,
    today: chrono::NaiveDate,
) -> Markup {
    let Some(decision) = &a.decision else {
        return html! {};
    };
    let family = Ctx {
        lang,
        ..ctx.clone()
    };
    let name = household.name_in(lang);
    let program = family.label("program", a.program);
    let live: Vec<_> = a
        .disbursements
        .iter()
        .filter(|d| d.state() != crate::domain::review::PaymentState::Voided)
        .collect();
    let addr = &household.address;
    let other = match lang {
        Language::Ko => Language::En,
        Language::En => Language::Ko,
    };
    page(
        &family,
        &family.t("letter-title"),
        html! {
            div class="letter" lang=(lang.as_str()) {
                p { (family.t("app-name")) br; (today) }
                p {
                    (name) br;
                    (addr.line1) @if let Some(l2) = &addr.line2 { ", " (l2) } br;
                    (addr.city) ", " (addr.state) " " (addr.postal_code)
                }
                p { strong { (family.tr("letter-re", &[("number", a.number.clone()), ("program", program.clone())])) } }
                p { (family.tr("letter-dear", &[("name", name.clone())])) }
                @match (decision.outcome, decision.amount) {
                    (Outcome::Approved, Some(amount)) => {
                        p { (family.tr("letter-approved", &[("amount", amount.display()), ("program", program.clone()),
                            ("date", family.date(decision.decided_at))])) }
                        @if a.program == Program::ImmigrationFee {
                            p { (family.t("letter-approved-fee")) }
                            (crate::web::table_box(&family.t("application-lines"), html! { table {
                                thead { tr { th { (family.t("field-form")) } th { (family.t("fee-components")) } th class="money" { (family.t("field-amount")) } } }
                                tbody { @for l in &a.lines { tr {
                                    td { (l.form) @if !l.category.is_empty() { " (" (l.category) ")" } }
                                    td { (crate::web::fee_components(&family, &l.components)) }
                                    td class="money" { (l.amount) }
                                } } }
                            } }))
                            @if a.lines.iter().any(|l| l.components.iter().any(|c| c.statutory)) {
                                p { (family.t("letter-statutory")) }
                            }
                        } @else {
                            p { (family.t("letter-approved-emergency")) }
                        }
                        @if !live.is_empty() {
                            (crate::web::table_box(&family.t("payment-title"), html! { table {
                                thead { tr { th { (family.t("payment-paid-on")) } th { (family.t("payment-payee")) } th class="money" { (family.t("field-amount")) } } }
                                tbody { @for d in &live { tr { td { (d.paid_on) } td { (d.payee.as_deref().unwrap_or("—")) } td class="money" { (d.amount.0.display()) } } } }
                            } }))
                        }
                    }
                    _ => {
                        p { (family.t("letter-denied")) }
                        p { (family.t("letter-denied-next")) }
                    }
                }
                p { (family.tr("letter-questions", &[("site", site)])) }
                p { (family.t("letter-closing")) br; (family.t("letter-signature")) }
            }
            div class="actions" {
                button type="button" data-print { (ctx.t("letter-print")) }
                a class="button secondary" href={ "/applications/" (a.id) "/letter?lang=" (other.as_str()) } { (ctx.t(&format!("letter-in-{}", other.as_str()))) }
                a class="button secondary" href={ "/applications/" (a.id) } { (ctx.t("back-to-application")) }
            }
        },
    )
}
