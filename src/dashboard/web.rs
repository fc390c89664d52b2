//! The dashboard on the home page: the work queues as links with their counts, and three
//! charts drawn on the server as SVG bars (no script), each with its numbers beside the
//! bars and as a table for screen readers.

use maud::{Markup, html};

use super::Dashboard;
use crate::domain::{Money, Program, Status};
use crate::web::Ctx;

/// A bar made of parts, each a value and the class that colours it.
pub(crate) struct Bar {
    pub label: String,
    pub parts: Vec<(f64, &'static str)>,
    pub value: String,
}

pub(crate) fn program_class(program: Program) -> &'static str {
    match program {
        Program::ImmigrationFee => "part-a",
        Program::Emergency => "part-b",
    }
}

/// A bar's length only (the amount itself is shown as text beside it).
pub(crate) fn amount(money: Money) -> f64 {
    rust_decimal::prelude::ToPrimitive::to_f64(&money.decimal()).unwrap_or(f64::MAX)
}

/// Horizontal bars scaled to the longest, as SVG; the numbers are in the text beside them.
fn bars(bars: &[Bar]) -> Markup {
    let longest = bars
        .iter()
        .map(|b| b.parts.iter().map(|(v, _)| v.max(0.0)).sum::<f64>())
        .fold(0.0_f64, f64::max);
    html! {
        div class="bars" {
            @for bar in bars {
                div class="bar-row" {
                    span class="bar-label" { (bar.label) }
                    svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false" {
                        @for (x, width, class) in segments(&bar.parts, longest) {
                            rect class=(class) x=(format!("{x:.2}")) y="0" width=(format!("{width:.2}")) height="10" {}
                        }
                    }
                    span class="bar-value" { (bar.value) }
                }
            }
        }
    }
}

/// Each part's start and width on a 100-wide bar where `longest` fills it.
fn segments(parts: &[(f64, &'static str)], longest: f64) -> Vec<(f64, f64, &'static str)> {
    let mut x = 0.0;
    parts
        .iter()
        .map(|(value, class)| {
            let width = if longest > 0.0 {
                value.max(0.0) / longest * 100.0
            } else {
                0.0
            };
            let segment = (x, width, *class);
            x += width;
            segment
        })
        .collect()
}

fn legend(items: &[(&'static str, String)]) -> Markup {
    html! {
        ul class="legend" {
            @for (class, label) in items {
                li { svg width="18" height="18" aria-hidden="true" focusable="false" { rect class=(*class) width="18" height="18" {} } " " (label) }
            }
        }
    }
}

pub(crate) fn chart(
    ctx: &Ctx,
    title: &str,
    legend_items: &[(&'static str, String)],
    rows: &[Bar],
    table: Markup,
) -> Markup {
    html! {
        figure class="chart" {
            figcaption { h3 { (title) } }
            @if !legend_items.is_empty() { (legend(legend_items)) }
            (bars(rows))
            details {
                summary { (ctx.t("chart-table")) }
                (crate::web::table_box(title, table))
            }
        }
    }
}

pub(crate) fn program_legend(ctx: &Ctx) -> Vec<(&'static str, String)> {
    Program::ALL
        .iter()
        .map(|p| (program_class(*p), ctx.label("program", p)))
        .collect()
}

/// The queues and the charts.
pub fn dashboard_view(ctx: &Ctx, d: &Dashboard) -> Markup {
    html! {
        section class="dashboard" {
            h2 { (ctx.t("dashboard-queues")) }
            ul class="queues" {
                @for q in &d.queues {
                    li { a href=(q.link) {
                        span class="queue-count" { (q.count) } " "
                        (ctx.t(&crate::i18n::label_key("queue", &q.queue)))
                        @if let Some(votes) = q.votes_needed { " " span class="hint" { (ctx.tr("queue-votes-needed", &[("count", votes.to_string())])) } }
                    } }
                }
            }
            h2 { (ctx.t("dashboard-title")) " " span class="hint" {
                @match &d.site { Some(site) => (ctx.tr("dashboard-site", &[("site", site.clone())])), None => (ctx.t("dashboard-all-sites")) }
            } }
            (applications_chart(ctx, d))
            (granted_chart(ctx, d))
            (funds_chart(ctx, d))
        }
    }
}

fn applications_chart(ctx: &Ctx, d: &Dashboard) -> Markup {
    let count = |status: Status, program: Program| {
        d.applications
            .iter()
            .filter(|c| c.status == status && c.program == program)
            .map(|c| c.count)
            .sum::<i64>()
    };
    let rows: Vec<Bar> = Status::ALL
        .iter()
        .filter(|s| Program::ALL.iter().any(|p| count(**s, *p) > 0))
        .map(|s| Bar {
            label: ctx.label("status", s),
            parts: Program::ALL
                .iter()
                .map(|p| (count(*s, *p) as f64, program_class(*p)))
                .collect(),
            value: Program::ALL
                .iter()
                .map(|p| count(*s, *p))
                .sum::<i64>()
                .to_string(),
        })
        .collect();
    let table = html! { table {
        thead { tr { th { (ctx.t("field-status")) } @for p in Program::ALL { th class="money" { (ctx.label("program", p)) } } } }
        tbody { @for s in Status::ALL { @if Program::ALL.iter().any(|p| count(*s, *p) > 0) {
            tr { td { (ctx.label("status", s)) } @for p in Program::ALL { td class="money" { (count(*s, *p)) } } }
        } } }
    } };
    chart(
        ctx,
        &ctx.t("chart-applications"),
        &program_legend(ctx),
        &rows,
        table,
    )
}

fn granted_chart(ctx: &Ctx, d: &Dashboard) -> Markup {
    let months: Vec<&str> = d.funds.iter().map(|f| f.month.as_str()).collect();
    let sum = |month: &str, program: Program| {
        Money::sum(
            d.granted
                .iter()
                .filter(|g| g.month == month && g.program == program)
                .map(|g| g.amount),
        )
        .unwrap_or(Money::ZERO)
    };
    let rows: Vec<Bar> = months
        .iter()
        .map(|m| Bar {
            label: (*m).to_owned(),
            parts: Program::ALL
                .iter()
                .map(|p| (amount(sum(m, *p)), program_class(*p)))
                .collect(),
            value: Money::sum(Program::ALL.iter().map(|p| sum(m, *p)))
                .unwrap_or(Money::ZERO)
                .display(),
        })
        .collect();
    let table = html! { table {
        thead { tr { th { (ctx.t("chart-month")) } th { (ctx.t("field-program")) } th { (ctx.t("field-site")) } th class="money" { (ctx.t("field-amount")) } } }
        tbody { @for g in &d.granted {
            tr { td class="nowrap" { (g.month) } td { (ctx.label("program", g.program)) } td { (g.site) } td class="money" { (g.amount.display()) } }
        } }
    } };
    chart(
        ctx,
        &ctx.t("chart-granted"),
        &program_legend(ctx),
        &rows,
        table,
    )
}

fn funds_chart(ctx: &Ctx, d: &Dashboard) -> Markup {
    let rows: Vec<Bar> = d
        .funds
        .iter()
        .map(|f| Bar {
            label: f.month.clone(),
            parts: vec![
                (amount(f.available), "part-available"),
                (amount(f.committed), "part-committed"),
            ],
            value: f.cash.display(),
        })
        .collect();
    let legend_items = vec![
        ("part-available", ctx.t("chart-available")),
        ("part-committed", ctx.t("chart-committed")),
    ];
    let table = html! { table {
        thead { tr { th { (ctx.t("chart-month")) } th class="money" { (ctx.t("chart-cash")) } th class="money" { (ctx.t("chart-committed")) } th class="money" { (ctx.t("chart-available")) } } }
        tbody { @for f in &d.funds {
            tr { td class="nowrap" { (f.month) } td class="money" { (f.cash.display()) } td class="money" { (f.committed.display()) } td class="money" { (f.available.display()) } }
        } }
    } };
    chart(ctx, &ctx.t("chart-funds"), &legend_items, &rows, table)
}
