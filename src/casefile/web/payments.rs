//! The payment part of the application page, and the payments table the accountant's
//! list shares.

use maud::{Markup, html};

use super::{Application, PageForms, Viewer};
use crate::domain::review::{DHS_PAYEE, PayMethod, PaymentState};
use crate::domain::{FieldErrors, Program, Role, Status};
use crate::payments::Disbursement;
use crate::web::Ctx;
use crate::web::form::{Form, Values, once_key_field};

fn has(ctx: &Ctx, role: Role) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.has(role))
}

fn state_label(ctx: &Ctx, d: &Disbursement) -> Markup {
    html! {
        span class={ "status" @if d.state() == PaymentState::Voided { " closed" } } { (ctx.label("payment-state", d.state())) }
        @if let Some(on) = d.cleared_on { br; span class="hint" { (on) } }
        @if let Some(reason) = &d.void_reason { br; span class="hint" { (reason) } }
    }
}

/// Payments as a table; `actions` adds the accountant's forms to each row.
pub fn payments_table(
    ctx: &Ctx,
    items: &[Disbursement],
    actions: bool,
    today: chrono::NaiveDate,
) -> Markup {
    html! {
        (crate::web::table_box(&ctx.t("payment-title"), html! { table {
            thead { tr {
                th { (ctx.t("payment-number")) } th { (ctx.t("payment-paid-on")) } th { (ctx.t("payment-payee")) }
                th { (ctx.t("payment-method")) } th class="money" { (ctx.t("field-amount")) } th { (ctx.t("field-status")) }
            } }
            tbody {
                @for d in items {
                    tr {
                        td { (d.number) br; a class="hint" href={ "/applications/" (d.application_id) } { (d.application_number) }
                             @if let Some(of) = d.reissue_of { br; span class="hint" { (ctx.tr("payment-reissue-of", &[("id", of.to_string())])) } } }
                        td class="date" { (d.paid_on) }
                        td { (d.payee.clone().unwrap_or_else(|| ctx.t("payee-hidden"))) }
                        td { (ctx.label("method", d.method())) @if let Some(r) = &d.reference { " #" (r) } }
                        td class="money" { (d.amount.0.display()) }
                        td { (state_label(ctx, d)) }
                    }
                    @if actions && d.state() == PaymentState::Issued {
                        tr {
                            td colspan="6" {
                                div class="row" {
                                    form method="post" action={ "/disbursements/" (d.id) "/clear" } {
                                        input type="hidden" name="csrf_token" value=(ctx.csrf());
                                        label for={ "cleared-" (d.id) } { (ctx.tr("payment-clear-label", &[("number", d.number.clone())])) }
                                        input id={ "cleared-" (d.id) } type="date" name="cleared_on" value=(today) required;
                                        div class="actions" { button type="submit" class="secondary" { (ctx.t("payment-clear")) } }
                                    }
                                    form method="post" action={ "/disbursements/" (d.id) "/void" } {
                                        input type="hidden" name="csrf_token" value=(ctx.csrf());
                                        (crate::web::form::fresh_once_key_field())
                                        label for={ "void-" (d.id) } { (ctx.tr("payment-void-label", &[("number", d.number.clone())])) }
                                        input id={ "void-" (d.id) } type="text" name="reason" required;
                                        div class="actions" { button type="submit" class="secondary" { (ctx.t("payment-void")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } }))
    }
}

/// The payment part of the application page, once approved.
pub(super) fn section(ctx: &Ctx, a: &Application, viewer: &Viewer, forms: &PageForms) -> Markup {
    let Some(owed) = a.payable else {
        return html! {};
    };
    let accountant = has(ctx, Role::Accountant);
    let may_pay = accountant && a.status == Status::Approved && !owed.unpaid.0.is_zero();
    let may_close =
        has(ctx, Role::Accountant) || has(ctx, Role::Caseworker) || has(ctx, Role::Admin);
    html! {
        section id="payments" {
            h2 { (ctx.t("payment-title")) }
            dl class="balances" {
                dt { (ctx.t("payment-approved")) } dd class="money" { (owed.approved.0.display()) }
                dt { (ctx.t("payment-paid")) } dd class="money" { (owed.paid.0.display()) }
                @if !owed.released.0.is_zero() { dt { (ctx.t("payment-released")) } dd class="money" { (owed.released.0.display()) } }
                dt { (ctx.t("payment-unpaid")) } dd class="money" { strong { (owed.unpaid.0.display()) } }
            }
            @if !a.disbursements.is_empty() { (payments_table(ctx, &a.disbursements, accountant, viewer.today)) }
            @if may_pay {
                @if viewer.approver {
                    p class="error-box" { (ctx.t("payment-approver")) }
                } @else {
                    (payment_form(ctx, a, viewer, &forms.payment.0, &forms.payment.1))
                }
            }
            @if may_close && a.status == Status::Paid {
                form method="post" action={ "/applications/" (a.id) "/close" } {
                    input type="hidden" name="csrf_token" value=(ctx.csrf());
                    div class="actions" { button type="submit" class="secondary" { (ctx.t("close-paid")) } }
                }
            }
            @if (accountant || has(ctx, Role::Admin)) && a.status == Status::Approved && !owed.paid.0.is_zero() {
                (close_short_form(ctx, a, &forms.close.0, &forms.close.1))
            }
            @if a.program == Program::ImmigrationFee && matches!(a.status, Status::Paid | Status::Closed)
                && (accountant || has(ctx, Role::Caseworker)) {
                (receipt_numbers(ctx, a, &forms.receipt_number.0, &forms.receipt_number.1))
            }
        }
    }
}

fn payment_form(
    ctx: &Ctx,
    a: &Application,
    viewer: &Viewer,
    values: &Values,
    errors: &FieldErrors,
) -> Markup {
    let mut values = values.clone();
    if values.0.is_empty() {
        values.set(
            "amount",
            a.payable
                .map(|p| p.unpaid.0.to_string())
                .unwrap_or_default(),
        );
        values.set("paid_on", viewer.today);
        values.set("method", PayMethod::Check);
        if a.program == Program::ImmigrationFee {
            values.set("payee", DHS_PAYEE);
        }
    }
    let form = Form {
        ctx,
        values: &values,
        errors,
    };
    let methods: Vec<(String, String)> = PayMethod::ALL
        .iter()
        .map(|m| (m.as_str().to_owned(), ctx.label("method", m)))
        .collect();
    let voided: Vec<(String, String)> = a
        .disbursements
        .iter()
        .filter(|d| d.state() == PaymentState::Voided && d.reissued_by.is_none())
        .map(|d| {
            (
                d.id.to_string(),
                format!(
                    "{} — {} ({})",
                    d.number,
                    d.amount.0.display(),
                    d.payee.as_deref().unwrap_or("—")
                ),
            )
        })
        .collect();
    html! {
        h3 { (ctx.t("payment-form-title")) }
        (form.summary())
        form method="post" action={ "/applications/" (a.id) "/payments" } {
            (form.csrf())
            (once_key_field(&values))
            div class="row" {
                (form.input("amount", &ctx.t("field-amount"), "text", Some(&ctx.t("field-money-hint")), true))
                (form.input("paid_on", &ctx.t("payment-paid-on"), "date", None, true))
            }
            (form.input("payee", &ctx.t("payment-payee"), "text", Some(&ctx.t("payment-payee-hint")), a.program == Program::Emergency))
            div class="row" {
                (form.select("method", &ctx.t("payment-method"), &methods, None, true))
                (form.input("reference", &ctx.t("payment-reference"), "text", Some(&ctx.t("payment-reference-hint")), false))
            }
            @if !voided.is_empty() {
                (form.select("reissue_of", &ctx.t("payment-reissue"), &voided, Some(&ctx.t("payment-reissue-none")), false))
            }
            (form.input("memo", &ctx.t("field-note"), "text", Some(&ctx.t("optional")), false))
            div class="actions" { button type="submit" { (ctx.t("payment-submit")) } }
        }
    }
}

fn close_short_form(ctx: &Ctx, a: &Application, values: &Values, errors: &FieldErrors) -> Markup {
    let form = Form {
        ctx,
        values,
        errors,
    };
    html! {
        h3 { (ctx.t("close-short-title")) }
        p class="hint" { (ctx.t("close-short-text")) }
        (form.summary())
        form method="post" action={ "/applications/" (a.id) "/close" } {
            (form.csrf())
            (form.input("reason", &ctx.t("field-reason"), "text", None, true))
            div class="actions" { button type="submit" class="secondary" { (ctx.t("close-short")) } }
        }
    }
}

fn receipt_numbers(ctx: &Ctx, a: &Application, values: &Values, errors: &FieldErrors) -> Markup {
    let failed_line = values.get("line_no");
    html! {
        h3 { (ctx.t("receipt-number-title")) }
        p class="hint" { (ctx.t("receipt-number-hint")) }
        (crate::web::form::error_summary(ctx, errors, |_| format!("receipt-{failed_line}")))
        @for l in &a.lines {
            form method="post" action={ "/applications/" (a.id) "/receipt-number" } {
                input type="hidden" name="csrf_token" value=(ctx.csrf());
                input type="hidden" name="line_no" value=(l.line_no);
                @let id = format!("receipt-{}", l.line_no);
                @let error = if failed_line == l.line_no.to_string() { errors.get("receipt_number") } else { None };
                label for=(id) { (l.form) " · " (l.beneficiary.as_deref().unwrap_or(""))
                    @if let Some(masked) = &l.uscis_receipt_number { " " span class="hint" { (ctx.tr("receipt-number-recorded", &[("number", masked.clone())])) } } }
                input id=(id) type="text" name="receipt_number" autocomplete="off" placeholder="IOE0912345678"
                    value=(if error.is_some() { values.get("receipt_number") } else { "" })
                    aria-invalid=(if error.is_some() { "true" } else { "false" })
                    aria-describedby=[error.map(|_| format!("{id}-error"))];
                @if let Some(p) = error { p class="field-error" id={ (id) "-error" } { (crate::i18n::problem(ctx.lang, p)) } }
                div class="actions" { button type="submit" class="secondary" { (ctx.t("receipt-number-save")) } }
            }
        }
    }
}
