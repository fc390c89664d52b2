//! The page shell every screen shares: header, navigation for the user's roles, the
//! language switch, sign-out, and the error page. Large type and plain forms, so a
//! senior sitting beside a caseworker can read the screen.

use maud::{DOCTYPE, Markup, html};

use super::Ctx;
use crate::domain::{Language, Role};
use crate::respond::ErrorReport;

/// Fills in the schedule fee beside each fee line as the caseworker picks a form and a
/// filing method, from the `fee-schedule` JSON the form embeds. Without it the fee is
/// still taken from the schedule when the application is created.
pub const SCRIPT: &str = r#"
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
  // The household's size follows the people listed: the applicant and each row with a name.
  var household = document.querySelector('[data-household-form]');
  var size = document.getElementById('household-size');
  if (household && size) {
    var count = function () {
      var n = 1;
      household.querySelectorAll('.member-row input[name$=".name"]').forEach(function (input) {
        if (input.value.trim()) n += 1;
      });
      size.textContent = n;
    };
    household.addEventListener('input', count);
  }
  var data = document.getElementById('fee-schedule');
  if (!data) return;
  var fees = JSON.parse(data.textContent);
  document.querySelectorAll('[data-fee-line]').forEach(function (line) {
    var form = line.querySelector('select[name$=".form"]');
    var filing = line.querySelector('select[name$=".filing"]');
    var renewal = line.querySelector('select[name$=".renewal"]');
    var shown = line.querySelector('[data-schedule-fee]');
    var output = shown.querySelector('output');
    function update() {
      var fee = ((fees[form.value] || {})[filing.value] || {})[renewal.value === 'true' ? 'renewal' : 'first'];
      output.textContent = fee || '';
      shown.hidden = !fee;
    }
    form.addEventListener('change', update);
    filing.addEventListener('change', update);
    renewal.addEventListener('change', update);
    update();
  });
});
"#;

pub const CSS: &str = r#"
:root { --ink: #1a1a1a; --muted: #555; --line: #bbb; --accent: #0b5394; --bad: #b00020; --ok: #1e6b30; --bg: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 20px/1.5 "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", "NanumGothic", "Nanum Gothic", system-ui, sans-serif; color: var(--ink); background: var(--bg); }
:lang(ko) { word-break: keep-all; }
body { overflow-wrap: break-word; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: .75rem 1.25rem; border-bottom: 3px solid var(--accent); }
header .brand { font-weight: 700; font-size: 1.2rem; color: var(--accent); text-decoration: none; }
nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a { color: var(--accent); font-weight: 600; }
.tools { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.tools form { display: inline; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.25rem; }
h1 { font-size: 1.6rem; margin-top: .5rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
a { color: var(--accent); }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type="checkbox"], input[type="radio"] { width: 1.5rem; height: 1.5rem; vertical-align: middle; }
.story { white-space: pre-wrap; }
.checklist { list-style: none; padding: 0; }
.checklist .rule { border-left: 6px solid var(--line); padding: .4rem .75rem; margin: .5rem 0; background: #fafafa; }
.checklist .mark { display: inline-block; width: 1.6rem; font-weight: 700; }
.checklist .pass { border-color: var(--ok); } .checklist .pass .mark { color: var(--ok); }
.checklist .fail { border-color: var(--bad); } .checklist .fail .mark { color: var(--bad); }
.checklist .review { border-color: #b26a00; } .checklist .review .mark { color: #b26a00; }
.result { font-size: 1.2rem; font-weight: 700; }
.result.eligible { color: var(--ok); } .result.ineligible { color: var(--bad); } .result.needs_review { color: #b26a00; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
pre { white-space: pre-wrap; font-size: 1.125rem; background: #f4f4f4; padding: .75rem; }
textarea[name="policy"] { min-height: 24rem; font-family: monospace; font-size: 1.125rem; }
.past-check { border-top: 1px solid var(--line); margin-top: 1rem; }
footer { padding: 1rem 1.25rem; border-top: 1px solid var(--line); margin-top: 2rem; }
.components { margin: 0; padding-left: 1.1rem; }
.tag { border: 1px solid var(--muted); border-radius: .3rem; padding: 0 .3rem; white-space: nowrap; }
.suppressed { color: var(--muted); }
.schedule-fee { font-weight: 600; font-size: 1.1em; margin: .25rem 0 0; }
.hint { color: var(--muted); font-size: 1.125rem; font-weight: 400; }
input, select, textarea { font: inherit; width: 100%; max-width: 32rem; padding: .55rem .65rem; border: 2px solid var(--line); border-radius: 6px; background: #fff; }
textarea { min-height: 8rem; }
input:focus, select:focus, textarea:focus, button:focus, a:focus { outline: 3px solid #f3b000; outline-offset: 2px; }
[aria-invalid="true"] { border-color: var(--bad); }
.field-error { color: var(--bad); font-weight: 600; margin: .25rem 0 0; }
button, .button { font: inherit; font-weight: 600; padding: .55rem 1.1rem; border-radius: 6px; border: 2px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button[aria-pressed="true"] { background: var(--ink); border-color: var(--ink); color: #fff; }
.actions { margin-top: 1.5rem; display: flex; gap: .75rem; flex-wrap: wrap; }
.table-box { overflow-x: auto; max-width: 100%; margin: .5rem 0; position: relative; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 1.125rem; color: var(--muted); }
.money { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; background: #e8eef6; font-weight: 600; }
.notice { padding: .75rem 1rem; border-left: 6px solid var(--accent); background: #eef4fb; margin: 1rem 0; }
.error-box { padding: .75rem 1rem; border-left: 6px solid var(--bad); background: #fdecee; margin: 1rem 0; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem 1rem; }
legend { font-weight: 700; padding: 0 .4rem; }
.row { display: flex; flex-wrap: wrap; gap: 0 1rem; }
.row > div { flex: 1 1 12rem; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3rem 1.25rem; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; }
.balances { grid-template-columns: max-content max-content; font-size: 1.15rem; }
table.ledger .entry-head td { border-bottom: none; padding-top: .75rem; }
table.ledger .posting td { font-size: 1.125rem; padding-top: .1rem; }
table.ledger tbody.entry { border-bottom: 2px solid var(--line); }
tfoot th { color: var(--ink); border-top: 2px solid var(--ink); }
.status.closed { background: #f3e5e5; }
td.date, .nowrap { white-space: nowrap; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
label.choice { display: inline-block; margin: .25rem 1.25rem .25rem 0; font-weight: 400; }
.letter { max-width: 40rem; font-size: 1.25rem; }
.letter p { margin: 0 0 1rem; }
.queues { list-style: none; padding: 0; display: grid; gap: .5rem; }
.queues a { display: block; padding: .5rem .75rem; border: 2px solid var(--line); border-radius: 6px; text-decoration: none; }
.queue-count { font-weight: 700; font-size: 1.3rem; }
.chart { margin: 1rem 0 2rem; }
.chart h3 { margin: 0 0 .5rem; font-size: 1.15rem; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: 0 0 .5rem; }
.legend svg { vertical-align: middle; }
.bar-row { display: grid; grid-template-columns: 10rem minmax(4rem, 1fr) max-content; gap: .25rem .75rem; align-items: center; margin: .3rem 0; }
.bar { width: 100%; height: 1.25rem; background: #f1f1f1; }
.bar-value { font-variant-numeric: tabular-nums; text-align: right; }
.part-a { fill: #0b5394; } .part-b { fill: #b26a00; }
.part-available { fill: #1e6b30; } .part-committed { fill: #b26a00; }
@media (max-width: 40rem) {
  .bar-row { grid-template-columns: minmax(0, 1fr) max-content; }
  .bar-row .bar { grid-column: 1 / -1; grid-row: 2; }
  main { padding: 1rem .75rem; }
  header { padding: .5rem .75rem; }
  dl:not(.balances) { grid-template-columns: minmax(0, 1fr); gap: 0; }
  dd { margin-bottom: .6rem; }
  th, td { padding: .4rem .35rem; }
}
@media print { header, .actions, form, .skip, main > h1 { display: none; } body { font-size: 13pt; } main { padding: 0; } }
"#;

fn nav_links(ctx: &Ctx) -> Vec<(&'static str, String)> {
    let Some(user) = &ctx.user else {
        return Vec::new();
    };
    let mut links = vec![("/", ctx.t("nav-home"))];
    if user.has(Role::Caseworker) || user.has(Role::Admin) {
        links.push(("/households", ctx.t("nav-households")));
    }
    links.push(("/applications", ctx.t("nav-applications")));
    if user.has(Role::BoardMember) {
        links.push(("/review", ctx.t("nav-review")));
    }
    if user.has(Role::Accountant) || user.has(Role::Admin) {
        links.push(("/payments", ctx.t("nav-payments")));
        links.push(("/funds", ctx.t("nav-funds")));
        links.push(("/ledger", ctx.t("nav-ledger")));
        links.push(("/bank", ctx.t("nav-bank")));
        links.push(("/periods", ctx.t("nav-periods")));
        links.push(("/exports", ctx.t("nav-exports")));
    }
    if user.has(Role::Admin) {
        links.push(("/admin/users", ctx.t("nav-users")));
        links.push(("/admin/audit", ctx.t("nav-audit")));
        links.push(("/admin/policy", ctx.t("nav-policy")));
        links.push(("/admin/banks", ctx.t("nav-banks")));
        links.push(("/admin/fees", ctx.t("nav-fees")));
    }
    links
}

/// The language switch: a small form per language, so it works without JavaScript.
fn language_switch(ctx: &Ctx) -> Markup {
    html! {
        div class="tools" role="group" aria-label=(ctx.t("language-switch")) {
            @for (lang, label) in [(Language::Ko, "한국어"), (Language::En, "English")] {
                form method="post" action="/language" {
                    input type="hidden" name="csrf_token" value=(ctx.csrf());
                    input type="hidden" name="language" value=(lang.as_str());
                    input type="hidden" name="next" value=(ctx.path);
                    button type="submit" class="secondary" lang=(lang.as_str()) aria-pressed=(if ctx.lang == lang { "true" } else { "false" }) { (label) }
                }
            }
            @if let Some(user) = &ctx.user {
                span { (user.name) }
                form method="post" action="/logout" {
                    input type="hidden" name="csrf_token" value=(ctx.csrf());
                    button type="submit" class="secondary" { (ctx.t("sign-out")) }
                }
            }
        }
    }
}

/// A whole page.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (ctx.t("app-name")) }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a class="skip" href="#main" { (ctx.t("skip-to-content")) }
                header {
                    a class="brand" href="/" { (ctx.t("app-name")) }
                    nav aria-label=(ctx.t("nav-label")) {
                        ul { @for (href, label) in nav_links(ctx) { li { a href=(href) { (label) } } } }
                    }
                    (language_switch(ctx))
                }
                main id="main" {
                    h1 { (title) }
                    (body)
                }
                footer {
                    a href="/impact" { (ctx.t("impact-title")) }
                }
            }
        }
    }
}

pub fn error_page(ctx: &Ctx, report: &ErrorReport) -> Markup {
    let (title_key, text_key) = match report.status.as_u16() {
        403 => ("error-forbidden-title", "error-forbidden-text"),
        429 => ("error-throttled-title", "error-throttled-text"),
        404 => ("error-not-found-title", "error-not-found-text"),
        409 => ("error-conflict-title", "error-conflict-text"),
        413 => ("error-too-large-title", "error-too-large-text"),
        400 | 422 => ("error-bad-request-title", "error-bad-request-text"),
        503 => ("error-unavailable-title", "error-unavailable-text"),
        _ => ("error-internal-title", "error-internal-text"),
    };
    page(
        ctx,
        &ctx.t(title_key),
        html! {
            div class="error-box" role="alert" {
                p { (ctx.t(text_key)) }
                @if let Some(problem) = &report.problem {
                    p class="hint" { (crate::i18n::problem(ctx.lang, problem)) }
                } @else if report.status.is_client_error() {
                    p class="hint" { (report.message) }
                }
            }
            p { a href="/" { (ctx.t("back-home")) } }
        },
    )
}
