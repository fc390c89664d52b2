//! The fund's public impact (SPEC "Public impact page"): families helped and money granted
//! by program, site and month, and fees paid to USCIS by form, for anyone to see. A read
//! side of its own: one aggregate query over the decisions, the ledger and the payments;
//! nothing that names or singles out a family leaves it. Counts from 1 to 10 and enough
//! of their neighbours are hidden (`domain::impact`) so that no hidden figure can be
//! worked out from what is published. Answers are cached for a minute.

pub mod api;
pub mod web;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Integer, Nullable, Numeric, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use crate::domain::impact::{Figure, Grid, suppress};
use crate::domain::{Money, Program};
use crate::error::AppResult;

/// A figure as published: the count and the money, or neither when hidden.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Shown {
    /// Families helped; null when hidden.
    pub families: Option<u64>,
    /// Dollars; null when hidden.
    #[schema(value_type = Option<crate::domain::Money>)]
    pub granted: Option<Money>,
    /// Hidden: a count from 1 to 10, or a figure hidden with one so that it cannot be
    /// worked out from the totals. Which of the two is never told: that too would narrow
    /// the hidden numbers down.
    pub suppressed: bool,
}

/// Families helped and dollars granted by one program at one site in one month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub program: Program,
    pub site: String,
    /// `2026-11`.
    pub month: String,
    #[serde(flatten)]
    pub shown: Shown,
}

/// A total of the cells: a program's year at a site (`month` null), a program's month at
/// every site shown (`site` null), or the program's year (both null).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Total {
    pub program: Program,
    pub site: Option<String>,
    pub month: Option<String>,
    #[serde(flatten)]
    pub shown: Shown,
}

/// Fees paid to USCIS for one form (`form` null: all forms).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormFees {
    pub form: Option<String>,
    #[serde(flatten)]
    pub shown: Shown,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Impact {
    pub year: i32,
    /// The one site shown, or null for every site.
    pub site: Option<String>,
    pub sites: Vec<String>,
    pub months: Vec<String>,
    pub cells: Vec<Cell>,
    pub totals: Vec<Total>,
    /// Fees paid to USCIS by form, and their total (`form` null).
    pub fees: Vec<FormFees>,
    /// Counts under this are never shown.
    pub smallest_shown: u64,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    program: Option<Program>,
    #[diesel(sql_type = Nullable<Text>)]
    site: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    month: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    form: Option<String>,
    #[diesel(sql_type = BigInt)]
    families: i64,
    #[diesel(sql_type = Numeric)]
    amount: Money,
}

/// One query: grants by program, site and month of the decision (the amount that stays
/// granted: the commitment less any release, from the grant expense accounts; a grant
/// released in full is no grant), and fee lines by form of the applications whose first
/// live payment falls in the year.
const AGGREGATE: &str = "\
WITH granted AS (
    SELECT a.program, s.code AS site, a.household_id, to_char(ce.entry_date, 'YYYY-MM') AS month,
           (SELECT COALESCE(SUM(CASE p.side WHEN 'debit' THEN p.amount ELSE -p.amount END), 0)
            FROM journal_entries e JOIN postings p ON p.entry_id = e.id
            WHERE e.document_type = 'application' AND e.document_id = a.id
              AND p.account_code IN ('5100', '5200')) AS amount
    FROM decisions dc
    JOIN journal_entries ce ON ce.id = dc.commitment_entry_id
    JOIN applications a ON a.id = dc.application_id
    JOIN sites s ON s.id = a.site_id
    WHERE dc.outcome = 'approved'
      AND ce.entry_date >= make_date($1, 1, 1) AND ce.entry_date < make_date($1 + 1, 1, 1)
      AND ($2::text IS NULL OR s.code = $2)
),
paid AS (
    SELECT fl.form, a.household_id, fl.amount
    FROM fee_lines fl
    JOIN applications a ON a.id = fl.application_id
    JOIN sites s ON s.id = a.site_id
    JOIN LATERAL (
        SELECT min(d.paid_on) AS first_paid FROM disbursements d
        JOIN disbursement_states ds ON ds.disbursement_id = d.id
        WHERE d.application_id = a.id AND ds.state <> 'voided'
    ) f ON true
    WHERE f.first_paid >= make_date($1, 1, 1) AND f.first_paid < make_date($1 + 1, 1, 1)
      AND ($2::text IS NULL OR s.code = $2)
)
SELECT 'grant' AS kind, program, site, month, NULL::text AS form,
       count(DISTINCT household_id) AS families, SUM(amount) AS amount
FROM granted WHERE amount > 0 GROUP BY program, site, month
UNION ALL
SELECT 'fee', NULL, NULL, NULL, form, count(DISTINCT household_id), SUM(amount)
FROM paid GROUP BY form";

fn figure(rows: &[&Row]) -> Figure {
    Figure {
        families: rows.iter().map(|r| r.families.max(0) as u64).sum(),
        amount: Money::sum(rows.iter().map(|r| r.amount)).unwrap_or(Money::ZERO),
    }
}

fn shown(grid: &Grid, hidden: &[bool], i: usize) -> Shown {
    let f = grid.figures[i];
    Shown {
        families: (!hidden[i]).then_some(f.families),
        granted: (!hidden[i]).then_some(f.amount),
        suppressed: hidden[i],
    }
}

/// The year's impact (at `site`, if given), suppressed.
pub async fn impact(
    conn: &mut AsyncPgConnection,
    year: i32,
    site: Option<&str>,
) -> AppResult<Impact> {
    let rows: Vec<Row> = diesel::sql_query(AGGREGATE)
        .bind::<Integer, _>(year)
        .bind::<Nullable<Text>, _>(site)
        .load(conn)
        .await?;
    let sites: Vec<String> = match site {
        Some(code) => vec![code.to_owned()],
        None => crate::sites::all(conn)
            .await?
            .into_iter()
            .map(|s| s.code)
            .collect(),
    };
    let months: Vec<String> = (1..=12).map(|m| format!("{year}-{m:02}")).collect();
    let mut grid = Grid::default();
    let mut tables = Vec::new();
    for &program in Program::ALL {
        let index = grid.add_table(sites.len(), months.len(), |r, c| {
            let matching: Vec<&Row> = rows
                .iter()
                .filter(|row| {
                    row.kind == "grant"
                        && row.program == Some(program)
                        && row.site.as_deref() == Some(sites[r].as_str())
                        && row.month.as_deref() == Some(months[c].as_str())
                })
                .collect();
            figure(&matching)
        });
        tables.push((program, index));
    }
    let mut forms: Vec<String> = rows.iter().filter_map(|r| r.form.clone()).collect();
    forms.sort();
    forms.dedup();
    let fee_index = (!forms.is_empty()).then(|| {
        grid.add_table(forms.len(), 1, |r, _| {
            let matching: Vec<&Row> = rows
                .iter()
                .filter(|row| row.kind == "fee" && row.form.as_deref() == Some(forms[r].as_str()))
                .collect();
            figure(&matching)
        })
    });
    let hidden = suppress(&grid);
    let mut cells = Vec::new();
    let mut totals = Vec::new();
    for (program, index) in &tables {
        for (r, site) in sites.iter().enumerate() {
            for (c, month) in months.iter().enumerate() {
                cells.push(Cell {
                    program: *program,
                    site: site.clone(),
                    month: month.clone(),
                    shown: shown(&grid, &hidden, index.cell(r, c)),
                });
            }
            totals.push(Total {
                program: *program,
                site: Some(site.clone()),
                month: None,
                shown: shown(&grid, &hidden, index.row_totals[r]),
            });
        }
        for (c, month) in months.iter().enumerate() {
            totals.push(Total {
                program: *program,
                site: None,
                month: Some(month.clone()),
                shown: shown(&grid, &hidden, index.col_totals[c]),
            });
        }
        totals.push(Total {
            program: *program,
            site: None,
            month: None,
            shown: shown(&grid, &hidden, index.grand),
        });
    }
    let mut fees = Vec::new();
    if let Some(index) = fee_index {
        for (r, form) in forms.iter().enumerate() {
            fees.push(FormFees {
                form: Some(form.clone()),
                shown: shown(&grid, &hidden, index.cell(r, 0)),
            });
        }
        fees.push(FormFees {
            form: None,
            shown: shown(&grid, &hidden, index.grand),
        });
    }
    Ok(Impact {
        year,
        site: site.map(str::to_owned),
        sites,
        months,
        cells,
        totals,
        fees,
        smallest_shown: crate::domain::impact::MIN_SHOWN,
    })
}

/// How long an answer is kept: the page is public, and one aggregate a minute is plenty.
pub const CACHE_FOR: Duration = Duration::from_secs(60);

/// The answers of the last minute, by year and site.
#[derive(Default)]
pub struct Cache(Mutex<HashMap<(i32, Option<String>), (Instant, Arc<Impact>)>>);

impl Cache {
    /// The cached answer, else a fresh one (kept for [`CACHE_FOR`]).
    pub async fn get(
        &self,
        conn: &mut AsyncPgConnection,
        year: i32,
        site: Option<&str>,
    ) -> AppResult<Arc<Impact>> {
        let key = (year, site.map(str::to_owned));
        if let Some((at, kept)) = self.0.lock().expect("impact cache").get(&key)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(kept.clone());
        }
        let fresh = Arc::new(impact(conn, year, site).await?);
        let mut map = self.0.lock().expect("impact cache");
        map.retain(|_, (at, _)| at.elapsed() < CACHE_FOR);
        map.insert(key, (Instant::now(), fresh.clone()));
        Ok(fresh)
    }
}
