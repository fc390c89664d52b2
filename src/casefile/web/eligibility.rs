//! The eligibility part of the application page, and the family's one-page summary.

use axum::extract::State;
use maud::{Markup, html};

use super::Application;
use crate::app::AppState;
use crate::audit::Channel;
use crate::domain::eligibility::CheckKind;
use crate::domain::eligibility::Outcome;
use crate::domain::status::CheckResult;
use crate::domain::{FieldErrors, Language, Role, Status};
use crate::eligibility::Check;
use crate::error::{AppError, AppResult};
use crate::extract::Id;
use crate::web::Ctx;
use crate::web::form::{Form, Values};
use crate::web::layout::page;

fn may_check(status: Status) -> bool {
    status
        .apply(crate::domain::Transition::Check(CheckResult::Eligible))
        .is_ok()
}

fn outcome_mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✓",
        Outcome::Fail => "✗",
        Outcome::Review => "!",
    }
}

fn result_label(ctx: &Ctx, result: CheckResult) -> String {
    ctx.label("status", result)
}

/// One check as a checklist: each rule green, red or amber, in the reader's language.
fn checklist(lang: Language, ctx: &Ctx, check: &Check) -> Markup {
    html! {
        ul class="checklist" {
            @for r in &check.rules {
                li class={ "rule " (r.outcome.as_str()) } {
                    span class="mark" aria-hidden="true" { (outcome_mark(r.outcome)) }
                    span class="visually-hidden" { (ctx.label("outcome", r.outcome)) ": " }
                    strong { (ctx.label("rulename", r.rule)) } br;
                    span { (r.message(lang)) }
                }
            }
        }
    }
}

fn check_heading(ctx: &Ctx, check: &Check) -> Markup {
    html! {
        p class={ "result " (check.result.as_str()) } {
            (ctx.tr("eligibility-result", &[("result", result_label(ctx, check.result))]))
        }
        @if check.kind == CheckKind::Override {
            p { (ctx.tr("eligibility-overridden", &[
                ("name", check.created_by_name.clone()),
                ("result", result_label(ctx, check.result)),
                ("date", check.checked_on.to_string()),
                ("reason", check.reason.clone().unwrap_or_default()),
            ])) }
        } @else {
            p class="hint" { (ctx.tr("eligibility-checked", &[
                ("date", check.checked_on.to_string()),
                ("name", check.created_by_name.clone()),
                ("version", check.policy_version.unwrap_or_default().to_string()),
            ])) }
            @if let (Some(g), Some(p)) = (check.guideline, check.percent_of_guideline) {
                p { (ctx.tr("eligibility-guideline", &[
                    ("size", check.facts["household_size"].to_string()),
                    ("guideline", g.display()),
                    ("percent", crate::eligibility::percent(p)),
                ])) }
            }
        }
    }
}

/// The eligibility part of the application page.
pub(super) fn section(ctx: &Ctx, a: &Application, form: &(Values, FieldErrors)) -> Markup {
    let user = ctx.user.as_ref();
    let is_caseworker = user.is_some_and(|u| u.has(Role::Caseworker));
    let is_admin = user.is_some_and(|u| u.has(Role::Admin));
    let latest_rules = a.checks.iter().rev().find(|c| c.kind == CheckKind::Check);
    let latest = a.checks.last();
    let override_form = Form {
        ctx,
        values: &form.0,
        errors: &form.1,
    };
    let results: Vec<(String, String)> = CheckResult::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), result_label(ctx, *r)))
        .collect();
    let may_override = is_admin
        && latest.is_some()
        && a.status
            .apply(crate::domain::Transition::Override(CheckResult::Eligible))
            .is_ok();
    html! {
        h2 id="eligibility" { (ctx.t("eligibility-title")) }
        @match (latest, latest_rules) {
            (Some(last), Some(rules)) => {
                (check_heading(ctx, last))
                @if last.kind == CheckKind::Override { (check_heading(ctx, rules)) }
                (checklist(ctx.lang, ctx, rules))
                @if ctx.user.as_ref().is_some_and(|u| u.has(Role::Caseworker) || u.has(Role::Admin)) {
                    p { a href={ "/applications/" (a.id) "/summary" } { (ctx.t("eligibility-print")) } }
                }
            }
            _ => { p { (ctx.t("eligibility-none")) } }
        }
        @if is_caseworker && may_check(a.status) {
            form method="post" action={ "/applications/" (a.id) "/eligibility" } {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                div class="actions" { button type="submit" {
                    (if a.checks.is_empty() { ctx.t("eligibility-run") } else { ctx.t("eligibility-rerun") })
                } }
            }
        }
        @if may_override {
            details open[!form.1.is_empty()] {
                summary { (ctx.t("eligibility-override")) }
                p class="hint" { (ctx.t("eligibility-override-hint")) }
                (override_form.summary())
                form method="post" action={ "/applications/" (a.id) "/override" } {
                    (override_form.csrf())
                    (override_form.select("result", &ctx.t("field-result"), &results, Some(""), true))
                    (override_form.input("reason", &ctx.t("field-reason"), "text", None, true))
                    div class="actions" { button type="submit" class="secondary" { (ctx.t("eligibility-override")) } }
                }
            }
        }
        @if a.checks.len() > 1 {
            details {
                summary { (ctx.t("eligibility-history")) " (" (a.checks.len()) ")" }
                @for c in a.checks.iter().rev() {
                    div class="past-check" {
                        (check_heading(ctx, c))
                        @if c.kind == CheckKind::Check { (checklist(ctx.lang, ctx, c)) }
                    }
                }
            }
        }
    }
}

/// A one-page summary for the family, in the household's preferred language, to print.
pub(super) async fn summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Markup> {
    let user = ctx.require_user()?.clone();
    user.require(&[Role::Caseworker, Role::Admin])?;
    let mut conn = state.pool.get().await?;
    let a = crate::casefile::view(&mut conn, &user, id, Channel::Web).await?;
    let household =
        crate::households::view(&mut conn, user.id, a.household_id, Channel::Web).await?;
    let Some(check) = a.checks.iter().rev().find(|c| c.kind == CheckKind::Check) else {
        return Err(AppError::Conflict(crate::domain::Problem::new(
            "err-no-check",
        )));
    };
    Ok(summary_view(&ctx, &a, &household, check))
}

/// The one-page summary in the family's language (the way back in the reader's).
fn summary_view(
    ctx: &Ctx,
    a: &Application,
    household: &crate::households::Household,
    check: &Check,
) -> Markup {
    let lang = household.preferred_language;
    let family = Ctx {
        lang,
        ..ctx.clone()
    };
    let result = a.checks.last().map_or(check.result, |c| c.result);
    let next = match result {
        CheckResult::Eligible => "eligibility-next-eligible",
        CheckResult::Ineligible => "eligibility-next-ineligible",
        CheckResult::NeedsReview => "eligibility-next-needs-review",
    };
    let name = household.name_in(lang);
    page(
        &family,
        &family.t("eligibility-summary-title"),
        html! {
            div class="summary" lang=(lang.as_str()) {
                p { strong { (a.number) } " · " (name) " · " (family.label("program", a.program)) " · " (a.requested_amount) }
                p class={ "result " (result.as_str()) } {
                    (family.tr("eligibility-result", &[("result", result_label(&family, result))]))
                }
                (check_heading(&family, check))
                (checklist(lang, &family, check))
                h2 { (family.t("eligibility-summary-next")) }
                p { (family.t(next)) }
                div class="actions" {
                    a class="button secondary" href={ "/applications/" (a.id) } { (ctx.t("back-to-application")) }
                }
            }
        },
    )
}
