//! `/impact`: the public impact page, in Korean and English, for anyone. The charts are
//! drawn on the server (SVG bars, no script) and every number is also in a table.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Impact, Shown};
use crate::app::AppState;
use crate::dashboard::web::{Bar, amount, chart, program_class, program_legend};
use crate::domain::{Language, Money, Program};
use crate::error::AppResult;
use crate::extract::WebQuery;
use crate::web::Ctx;
use crate::web::layout::page;

pub fn router() -> Router<AppState> {
    Router::new().route("/impact", get(impact_page))
}

#[derive(Debug, Deserialize)]
struct ImpactPageQuery {
    year: Option<String>,
    site: Option<String>,
    lang: Option<String>,
}

/// A published figure in words: the count and the dollars, or "not shown".
fn figure(ctx: &Ctx, s: &Shown) -> Markup {
    match (s.families, s.granted) {
        (Some(families), Some(granted)) => html! {
            (ctx.tr("impact-families", &[("count", families.to_string())])) br;
            span class="hint" { (granted.display()) }
        },
        _ => html! { span class="suppressed" { (ctx.t("impact-not-shown")) "*" } },
    }
}

fn program_table(ctx: &Ctx, d: &Impact, program: Program) -> Markup {
    let cell = |site: &str, month: &str| {
        d.cells
            .iter()
            .find(|c| c.program == program && c.site == site && c.month == month)
            .map(|c| &c.shown)
    };
    let total = |site: Option<&str>, month: Option<&str>| {
        d.totals
            .iter()
            .find(|t| {
                t.program == program && t.site.as_deref() == site && t.month.as_deref() == month
            })
            .map(|t| &t.shown)
    };
    let show = |s: Option<&Shown>| html! { @if let Some(s) = s { (figure(ctx, s)) } };
    html! { table {
        thead { tr {
            th { (ctx.t("chart-month")) }
            @for site in &d.sites { th class="money" { (site) } }
            @if d.sites.len() > 1 { th class="money" { (ctx.t("impact-all-sites")) } }
        } }
        tbody {
            @for month in &d.months {
                tr {
                    th scope="row" class="nowrap" { (month) }
                    @for site in &d.sites { td class="money" { (show(cell(site, month))) } }
                    @if d.sites.len() > 1 { td class="money" { (show(total(None, Some(month)))) } }
                }
            }
            tr class="total" {
                th scope="row" { (ctx.t("impact-year-total")) }
                @for site in &d.sites { td class="money" { (show(total(Some(site), None))) } }
                @if d.sites.len() > 1 { td class="money" { (show(total(None, None))) } }
            }
        }
    } }
}

fn granted_by_month(ctx: &Ctx, d: &Impact) -> Markup {
    let month_total = |program: Program, month: &str| {
        d.totals
            .iter()
            .find(|t| t.program == program && t.site.is_none() && t.month.as_deref() == Some(month))
            .and_then(|t| t.shown.granted)
    };
    let rows: Vec<Bar> = d
        .months
        .iter()
        .map(|m| {
            let parts: Vec<Option<Money>> =
                Program::ALL.iter().map(|p| month_total(*p, m)).collect();
            Bar {
                label: m.clone(),
                parts: Program::ALL
                    .iter()
                    .zip(&parts)
                    .map(|(p, a)| (a.map_or(0.0, amount), program_class(*p)))
                    .collect(),
                value: if parts.iter().all(Option::is_some) {
                    Money::sum(parts.iter().flatten().copied())
                        .unwrap_or(Money::ZERO)
                        .display()
                } else {
                    format!("{}*", ctx.t("impact-not-shown"))
                },
            }
        })
        .collect();
    let table = html! { table {
        thead { tr { th { (ctx.t("chart-month")) } @for p in Program::ALL { th class="money" { (ctx.label("program", p)) } } } }
        tbody { @for m in &d.months { tr {
            th scope="row" class="nowrap" { (m) }
            @for p in Program::ALL { td class="money" { @match month_total(*p, m) { Some(a) => (a.display()), None => { (ctx.t("impact-not-shown")) "*" } } } }
        } } }
    } };
    chart(
        ctx,
        &ctx.t("impact-chart-granted"),
        &program_legend(ctx),
        &rows,
        table,
    )
}

fn fees_by_form(ctx: &Ctx, d: &Impact) -> Markup {
    let rows: Vec<Bar> = d
        .fees
        .iter()
        .filter_map(|f| {
            let form = f.form.as_ref()?;
            Some(Bar {
                label: form.clone(),
                parts: vec![(f.shown.granted.map_or(0.0, amount), "part-a")],
                value: match f.shown.granted {
                    Some(a) => a.display(),
                    None => format!("{}*", ctx.t("impact-not-shown")),
                },
            })
        })
        .collect();
    let table = html! { table {
        thead { tr { th { (ctx.t("field-form")) } th class="money" { (ctx.t("impact-fees-paid")) } } }
        tbody { @for f in &d.fees { tr {
            th scope="row" { @match &f.form { Some(form) => (form), None => (ctx.t("impact-all-forms")) } }
            td class="money" { (figure(ctx, &f.shown)) }
        } } }
    } };
    chart(ctx, &ctx.t("impact-chart-fees"), &[], &rows, table)
}

fn impact_view(ctx: &Ctx, d: &Impact, sites: &[crate::sites::Site], this_year: i32) -> Markup {
    html! {
        p class="lead" { (ctx.t("impact-intro")) }
        form method="get" action="/impact" class="row" {
            div {
                label for="year" { (ctx.t("impact-year")) }
                select id="year" name="year" {
                    @for y in (this_year - 4..=this_year).rev() { option value=(y) selected[y == d.year] { (y) } }
                }
            }
            div {
                label for="site" { (ctx.t("field-site")) }
                select id="site" name="site" {
                    option value="" { (ctx.t("impact-all-sites")) }
                    @for s in sites {
                        option value=(s.code) selected[d.site.as_deref() == Some(s.code.as_str())] {
                            (match ctx.lang { Language::Ko => &s.name_ko, Language::En => &s.name })
                        }
                    }
                }
            }
            div class="actions" { button type="submit" class="secondary" { (ctx.t("impact-show")) } }
        }
        section {
            h2 { (ctx.tr("impact-year-title", &[("year", d.year.to_string())])) }
            ul class="impact-summary" {
                @for p in Program::ALL {
                    @if let Some(t) = d.totals.iter().find(|t| t.program == *p && t.site.is_none() && t.month.is_none()) {
                        li { strong { (ctx.label("program", p)) } ": " (figure(ctx, &t.shown)) }
                    }
                }
            }
            (granted_by_month(ctx, d))
            @for p in Program::ALL {
                h3 { (ctx.label("program", p)) }
                (crate::web::table_box(&ctx.label("program", p), program_table(ctx, d, *p)))
            }
            @if !d.fees.is_empty() {
                h3 { (ctx.t("impact-fees-title")) }
                (fees_by_form(ctx, d))
            }
            p class="hint" { "* " (ctx.t("impact-not-shown-note")) }
        }
        section {
            h2 { (ctx.t("impact-how-title")) }
            ul {
                li { (ctx.t("impact-how-families")) }
                li { (ctx.t("impact-how-granted")) }
                li { (ctx.t("impact-how-fees")) }
                li { (ctx.tr("impact-how-small", &[("max", (d.smallest_shown - 1).to_string())])) }
                li { (ctx.t("impact-how-private")) }
            }
        }
    }
}

async fn impact_page(
    State(state): State<AppState>,
    ctx: Ctx,
    WebQuery(query): WebQuery<ImpactPageQuery>,
) -> AppResult<Markup> {
    let ctx = match query.lang.as_deref().and_then(Language::parse) {
        Some(lang) => Ctx { lang, ..ctx },
        None => ctx,
    };
    let mut conn = state.pool.get().await?;
    let asked = super::api::ImpactQuery {
        year: query.year.clone(),
        site: query.site.clone(),
    };
    let (year, site) = asked.read(&state, &mut conn).await?;
    let figures = state.impact.get(&mut conn, year, site.as_deref()).await?;
    let sites = crate::sites::all(&mut conn).await?;
    use chrono::Datelike;
    let this_year = state.clock.today().year();
    Ok(page(
        &ctx,
        &ctx.t("impact-title"),
        impact_view(&ctx, &figures, &sites, this_year),
    ))
}
