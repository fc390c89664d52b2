//! The USCIS fee schedule as data: the regular fees, the H.R. 1 statutory fees beside them,
//! what a fee line pays part by part on a date, and the reading of a schedule file an
//! admin imports. Pure: the service loads the rows and stores what comes out.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use super::application::normalize_form_code;
use super::{FieldErrors, Filing, Money, Problem};

text_enum! {
    #[schema = "FeeComponentKind"]
    /// A part of what a fee line pays: the regular fee, or one of the H.R. 1 statutory fees.
    pub enum ComponentKind {
        Regular = "regular",
        Filing = "filing",
        Annual = "annual",
        Initial = "initial",
        Renewal = "renewal",
        Registration = "registration",
    }
}

impl ComponentKind {
    /// Whether a statutory fee of this kind is paid by a line that renews (an EAD renewal,
    /// the annual asylum fee) or by a first filing.
    fn for_renewal(self) -> bool {
        matches!(self, ComponentKind::Annual | ComponentKind::Renewal)
    }
}

/// A row of the regular USCIS schedule (read from `uscis_fees` in this field order).
#[derive(Debug, Clone, PartialEq, diesel::Queryable)]
pub struct RegularFee {
    pub id: i64,
    pub form: String,
    /// '' for the general filing, else the eligibility category whose fee differs (`c33`).
    pub category: String,
    pub name: String,
    pub name_ko: Option<String>,
    pub filing: Filing,
    pub fee: Money,
    pub effective_from: NaiveDate,
    pub fee_waiver_available: bool,
    pub notes: String,
    pub source: String,
}

/// A row of the H.R. 1 statutory fees: paid beside the regular fee, never waived or
/// reduced (read from `statutory_fees` in this field order).
#[derive(Debug, Clone, PartialEq, diesel::Queryable)]
pub struct StatutoryFee {
    pub id: i64,
    pub form: String,
    /// The categories it applies to (I-765 `c8`, I-360 `SIJ`); empty = every filing of the form.
    pub categories: Vec<String>,
    pub component: ComponentKind,
    pub name: String,
    pub name_ko: Option<String>,
    pub fee: Money,
    pub effective_from: NaiveDate,
    pub waivable: bool,
    pub reducible: bool,
    /// `yearly while pending` for the annual asylum fee.
    pub recurring: Option<String>,
    pub notes: String,
    pub source: String,
}

impl StatutoryFee {
    fn applies_to(&self, category: &str) -> bool {
        self.categories.is_empty()
            || self
                .categories
                .iter()
                .any(|c| c.eq_ignore_ascii_case(category))
    }
}

/// Where a component's amount came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentSource {
    Regular(i64),
    Statutory(i64),
}

/// One part of what a fee line pays.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Component {
    pub kind: ComponentKind,
    pub name: String,
    pub fee: Money,
    /// Set by law (H.R. 1): never waived or reduced.
    pub statutory: bool,
    /// Whether a fee waiver (Form I-912) can apply to this part.
    pub waivable: bool,
    #[serde(skip)]
    #[schema(ignore)]
    pub source: ComponentSource,
}

/// What a line pays on a date under the schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    /// The regular schedule row (its name and Korean name label the line).
    pub regular: RegularFee,
    pub components: Vec<Component>,
}

impl Priced {
    pub fn total(&self) -> Money {
        Money::sum(self.components.iter().map(|c| c.fee)).unwrap_or(Money::ZERO)
    }

    pub fn statutory_total(&self) -> Money {
        statutory_total(&self.components)
    }
}

/// The sum of the statutory parts of a line.
pub fn statutory_total(components: &[Component]) -> Money {
    Money::sum(components.iter().filter(|c| c.statutory).map(|c| c.fee)).unwrap_or(Money::ZERO)
}

/// What a line asks to be priced.
#[derive(Debug, Clone, Copy)]
pub struct LineKey<'a> {
    pub form: &'a str,
    pub category: &'a str,
    pub filing: Filing,
    pub renewal: bool,
}

/// The whole schedule, every effective date included.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    pub regular: Vec<RegularFee>,
    pub statutory: Vec<StatutoryFee>,
}

impl Schedule {
    fn newest<'a, T>(
        rows: impl Iterator<Item = &'a T>,
        date: impl Fn(&T) -> NaiveDate,
        on: NaiveDate,
    ) -> Option<&'a T>
    where
        T: 'a,
    {
        rows.filter(|r| date(r) <= on).max_by_key(|r| date(r))
    }

    /// The regular row in force for a form, category and filing: the category's own row,
    /// else the form's general row.
    fn regular_row(
        &self,
        form: &str,
        category: &str,
        filing: Filing,
        on: NaiveDate,
    ) -> Option<&RegularFee> {
        let of = |cat: &str| {
            Self::newest(
                self.regular.iter().filter(|r| {
                    r.form == form && r.filing == filing && r.category.eq_ignore_ascii_case(cat)
                }),
                |r| r.effective_from,
                on,
            )
        };
        of(category).or_else(|| of(""))
    }

    /// The statutory fees in force on `on` that a line of this form, category and kind
    /// (first filing or renewal) pays: the newest row of each component.
    fn statutory_rows(&self, key: LineKey, on: NaiveDate) -> Vec<&StatutoryFee> {
        let mut rows: Vec<&StatutoryFee> = Vec::new();
        for row in self.statutory.iter().filter(|r| {
            r.form == key.form
                && r.effective_from <= on
                && r.component.for_renewal() == key.renewal
                && r.applies_to(key.category)
        }) {
            match rows.iter_mut().find(|r| r.component == row.component) {
                Some(kept) if kept.effective_from < row.effective_from => *kept = row,
                Some(_) => {}
                None => rows.push(row),
            }
        }
        rows.sort_by_key(|r| r.component);
        rows
    }

    /// Whether `category` means something for `form`: a regular row of its own, or a
    /// statutory fee that names it.
    fn knows_category(&self, form: &str, category: &str) -> bool {
        category.is_empty()
            || self
                .regular
                .iter()
                .any(|r| r.form == form && r.category.eq_ignore_ascii_case(category))
            || self.statutory.iter().any(|r| {
                r.form == form
                    && r.categories
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(category))
            })
    }

    /// What a line pays on `on`, part by part, or which field is wrong: an unknown form,
    /// a category or filing method the form does not have, or nothing to pay.
    pub fn price(&self, key: LineKey, on: NaiveDate) -> Result<Priced, (&'static str, Problem)> {
        if !self
            .regular
            .iter()
            .any(|r| r.form == key.form && r.effective_from <= on)
        {
            return Err((
                "form",
                Problem::new("err-form-unknown").arg("form", key.form),
            ));
        }
        if !self.knows_category(key.form, key.category) {
            return Err((
                "category",
                Problem::new("err-category-unknown").arg("form", key.form),
            ));
        }
        let Some(regular) = self.regular_row(key.form, key.category, key.filing, on) else {
            return Err((
                "filing",
                Problem::new("err-filing-unavailable")
                    .arg("form", key.form)
                    .arg("filing", key.filing),
            ));
        };
        let statutory = self.statutory_rows(key, on);
        let mut components = Vec::new();
        // The annual asylum fee is paid on its own: nothing is filed again.
        if !statutory.iter().any(|s| s.recurring.is_some()) {
            components.push(Component {
                kind: ComponentKind::Regular,
                name: regular.name.clone(),
                fee: regular.fee,
                statutory: false,
                waivable: regular.fee_waiver_available,
                source: ComponentSource::Regular(regular.id),
            });
        }
        components.extend(statutory.into_iter().map(|s| Component {
            kind: s.component,
            name: s.name.clone(),
            fee: s.fee,
            statutory: true,
            waivable: false,
            source: ComponentSource::Statutory(s.id),
        }));
        let priced = Priced {
            regular: regular.clone(),
            components,
        };
        if priced.total().is_zero() {
            return Err((
                if key.renewal { "renewal" } else { "form" },
                Problem::new("err-fee-nothing")
                    .arg("form", key.form)
                    .arg("date", on),
            ));
        }
        Ok(priced)
    }

    /// Every line that can be priced on `on` (of `form`, if given): each form, category
    /// and filing method, as a first filing and, where a statutory fee differs, as a
    /// renewal; sorted by form, category, filing.
    pub fn price_list(&self, on: NaiveDate, form: Option<&str>) -> Vec<PriceListItem> {
        let mut keys: Vec<(String, String, Filing, bool)> = Vec::new();
        for row in self
            .regular
            .iter()
            .filter(|r| r.effective_from <= on && form.is_none_or(|f| f == r.form))
        {
            let mut categories = vec![row.category.clone()];
            if row.category.is_empty() {
                for s in self.statutory.iter().filter(|s| s.form == row.form) {
                    for c in &s.categories {
                        let own = self
                            .regular
                            .iter()
                            .any(|r| r.form == row.form && r.category.eq_ignore_ascii_case(c));
                        if !own && !categories.contains(c) {
                            categories.push(c.clone());
                        }
                    }
                }
            }
            for category in categories {
                for renewal in [false, true] {
                    let key = (row.form.clone(), category.clone(), row.filing, renewal);
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
        }
        keys.sort();
        keys.into_iter()
            .filter_map(|(form, category, filing, renewal)| {
                let key = LineKey {
                    form: &form,
                    category: &category,
                    filing,
                    renewal,
                };
                let priced = self.price(key, on).ok()?;
                // A renewal is listed only where it pays something else than a first filing.
                if renewal && !priced.components.iter().any(|c| c.statutory) {
                    return None;
                }
                Some(PriceListItem {
                    total: priced.total(),
                    form: form.clone(),
                    category: category.clone(),
                    filing,
                    renewal,
                    name: priced.regular.name,
                    name_ko: priced.regular.name_ko,
                    fee_waiver_available: priced.regular.fee_waiver_available,
                    components: priced.components,
                })
            })
            .collect()
    }

    /// The annual statutory fee of `form` in force on `on`, if the form has one.
    pub fn annual_fee(&self, form: &str, on: NaiveDate) -> Option<&StatutoryFee> {
        Self::newest(
            self.statutory
                .iter()
                .filter(|s| s.form == form && s.recurring.is_some()),
            |s| s.effective_from,
            on,
        )
    }

    /// The forms whose statutory fee recurs (I-589).
    pub fn recurring_forms(&self) -> Vec<&str> {
        let mut forms: Vec<&str> = self
            .statutory
            .iter()
            .filter(|s| s.recurring.is_some())
            .map(|s| s.form.as_str())
            .collect();
        forms.sort();
        forms.dedup();
        forms
    }
}

/// A line of the price list (`GET /api/v1/fees`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PriceListItem {
    pub form: String,
    pub category: String,
    pub filing: Filing,
    /// An EAD renewal, or for I-589 the annual asylum fee.
    pub renewal: bool,
    pub name: String,
    pub name_ko: Option<String>,
    pub fee_waiver_available: bool,
    pub total: Money,
    pub components: Vec<Component>,
}

/// The anniversary of `filed_on` in `year` (28 February for a filing on 29 February).
fn anniversary(filed_on: NaiveDate, year: i32) -> NaiveDate {
    filed_on
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .expect("28 February exists every year")
}

/// Days after an anniversary within which an annual fee still pays that anniversary.
pub const ANNUAL_FEE_GRACE_DAYS: i64 = 60;

/// The anniversary an annual-fee line entered on `today` pays: the first anniversary of
/// the filing (one year or more after it) not more than 60 days past.
pub fn annual_due(filed_on: NaiveDate, today: NaiveDate) -> NaiveDate {
    let from = today - Duration::days(ANNUAL_FEE_GRACE_DAYS);
    let mut year = filed_on.year() + 1;
    loop {
        let due = anniversary(filed_on, year);
        if due >= from {
            return due;
        }
        year += 1;
    }
}

/// A row of a schedule file an admin imports, with the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportRow {
    Regular(RegularFee),
    Statutory(StatutoryFee),
}

impl ImportRow {
    /// The row's identity: two rows with the same key must be the same row.
    pub fn key(&self) -> String {
        match self {
            ImportRow::Regular(r) => format!(
                "regular|{}|{}|{}|{}",
                r.form, r.category, r.filing, r.effective_from
            ),
            ImportRow::Statutory(s) => format!(
                "statutory|{}|{}|{}|{}",
                s.form,
                s.categories.join(" "),
                s.component,
                s.effective_from
            ),
        }
    }

    pub fn form(&self) -> &str {
        match self {
            ImportRow::Regular(r) => &r.form,
            ImportRow::Statutory(s) => &s.form,
        }
    }

    /// The first column in which `self` and `other` (with the same key) differ, fee first.
    pub fn differs_from(&self, other: &ImportRow) -> Option<&'static str> {
        match (self, other) {
            (ImportRow::Regular(a), ImportRow::Regular(b)) => [
                ("fee", a.fee == b.fee),
                ("name", a.name == b.name),
                (
                    "fee_waiver_available",
                    a.fee_waiver_available == b.fee_waiver_available,
                ),
                ("notes", a.notes == b.notes),
                ("source", a.source == b.source),
            ]
            .into_iter()
            .find(|(_, same)| !same)
            .map(|(column, _)| column),
            (ImportRow::Statutory(a), ImportRow::Statutory(b)) => [
                ("fee", a.fee == b.fee),
                ("name", a.name == b.name),
                ("waivable", a.waivable == b.waivable),
                ("reducible", a.reducible == b.reducible),
                ("recurring", a.recurring == b.recurring),
                ("notes", a.notes == b.notes),
                ("source", a.source == b.source),
            ]
            .into_iter()
            .find(|(_, same)| !same)
            .map(|(column, _)| column),
            _ => Some("form"),
        }
    }
}

const REGULAR_COLUMNS: &[&str] = &[
    "form",
    "category",
    "name",
    "filing",
    "fee",
    "effective_from",
    "fee_waiver_available",
    "notes",
    "source",
];
const STATUTORY_COLUMNS: &[&str] = &[
    "form",
    "category",
    "component",
    "name",
    "fee",
    "effective_from",
    "waivable",
    "reducible",
    "recurring",
    "notes",
    "source",
];

/// `I-765`, `N-400`, `G-1055`: a USCIS form number (forms of USCIS begin with I, N or G).
pub fn uscis_form(text: &str) -> Option<String> {
    normalize_form_code(text).filter(|code| matches!(code.as_bytes()[0], b'I' | b'N' | b'G'))
}

fn category_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= 10 && token.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Reads a schedule file in the columns of `uscis_fees.csv` (regular fees) or of
/// `hr1_fees.csv` (statutory fees). Every problem is named by its line (the header is
/// line 1) and column; rows with every cell blank are skipped. Two rows with the same
/// key must agree; a repeated identical row is read once.
pub fn read_import(bytes: &[u8]) -> Result<Vec<(usize, ImportRow)>, FieldErrors> {
    let mut e = FieldErrors::new();
    let Some((mut reader, header)) = super::input::csv_with_header(bytes) else {
        e.add("line 1", Problem::new("err-fee-import-csv"));
        return Err(e);
    };
    let columns: Vec<&str> = header.iter().map(String::as_str).collect();
    let statutory = if columns == REGULAR_COLUMNS {
        false
    } else if columns == STATUTORY_COLUMNS {
        true
    } else {
        e.add(
            "line 1",
            Problem::new("err-fee-import-header")
                .arg("regular", REGULAR_COLUMNS.join(","))
                .arg("statutory", STATUTORY_COLUMNS.join(",")),
        );
        return Err(e);
    };
    let mut rows: Vec<(usize, ImportRow)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let Ok(record) = record else {
            e.add(format!("line {line}"), Problem::new("err-fee-import-csv"));
            continue;
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            e.add(
                format!("line {line}"),
                Problem::new("err-fee-import-width")
                    .arg("expected", columns.len())
                    .arg("found", record.len()),
            );
            continue;
        }
        let cell = |name: &str| {
            let at = columns
                .iter()
                .position(|c| *c == name)
                .expect("known header");
            record.get(at).unwrap_or("").trim()
        };
        let field = |name: &str| format!("line {line}, {name}");
        let mut ok = true;
        let mut problem = |name: &str, p: Problem| {
            e.add(field(name), p);
            ok = false;
        };
        let form = uscis_form(cell("form"));
        if form.is_none() {
            problem(
                "form",
                Problem::new("err-fee-import-form").arg("value", cell("form")),
            );
        }
        let name = cell("name").to_owned();
        if name.is_empty() {
            problem("name", Problem::new("err-required"));
        }
        let fee = match Money::parse(cell("fee")) {
            Ok(fee) => Some(fee),
            Err(err) if cell("fee").is_empty() => {
                let _ = err;
                problem("fee", Problem::new("err-required"));
                None
            }
            Err(err) => {
                problem("fee", Problem::new(err.key()).arg("value", cell("fee")));
                None
            }
        };
        let effective_from = match NaiveDate::parse_from_str(cell("effective_from"), "%Y-%m-%d") {
            Ok(d) if cell("effective_from").len() == 10 => Some(d),
            _ => {
                problem(
                    "effective_from",
                    Problem::new("err-fee-import-date").arg("value", cell("effective_from")),
                );
                None
            }
        };
        let source = cell("source").to_owned();
        if source.is_empty() {
            problem("source", Problem::new("err-fee-import-source"));
        }
        let mut yes_no = |name: &str| match cell(name) {
            "yes" => Some(true),
            "no" => Some(false),
            other => {
                problem(
                    name,
                    Problem::new("err-fee-import-yes-no").arg("value", other),
                );
                None
            }
        };
        let row = if statutory {
            let waivable = yes_no("waivable");
            let reducible = yes_no("reducible");
            let categories: Vec<String> = cell("category")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            let component =
                ComponentKind::parse(cell("component")).filter(|c| *c != ComponentKind::Regular);
            if component.is_none() {
                problem(
                    "component",
                    Problem::new("err-fee-import-component").arg("value", cell("component")),
                );
            }
            if !categories.iter().all(|c| category_ok(c)) {
                problem(
                    "category",
                    Problem::new("err-fee-import-category").arg("value", cell("category")),
                );
            }
            if waivable == Some(true) || reducible == Some(true) {
                problem(
                    if waivable == Some(true) {
                        "waivable"
                    } else {
                        "reducible"
                    },
                    Problem::new("err-fee-import-statutory-waivable"),
                );
            }
            let recurring = Some(cell("recurring").to_owned()).filter(|r| !r.is_empty());
            ok.then(|| {
                ImportRow::Statutory(StatutoryFee {
                    id: 0,
                    form: form.clone().unwrap_or_default(),
                    categories,
                    component: component.expect("checked"),
                    name: name.clone(),
                    name_ko: None,
                    fee: fee.expect("checked"),
                    effective_from: effective_from.expect("checked"),
                    waivable: false,
                    reducible: false,
                    recurring,
                    notes: cell("notes").to_owned(),
                    source: source.clone(),
                })
            })
        } else {
            let waiver = yes_no("fee_waiver_available");
            let filing = Filing::parse(cell("filing"));
            if filing.is_none() {
                problem(
                    "filing",
                    Problem::new("err-fee-import-filing").arg("value", cell("filing")),
                );
            }
            let category = cell("category").to_owned();
            if !category.is_empty() && !category_ok(&category) {
                problem(
                    "category",
                    Problem::new("err-fee-import-category").arg("value", &category),
                );
            }
            ok.then(|| {
                ImportRow::Regular(RegularFee {
                    id: 0,
                    form: form.clone().unwrap_or_default(),
                    category,
                    name: name.clone(),
                    name_ko: None,
                    filing: filing.expect("checked"),
                    fee: fee.expect("checked"),
                    effective_from: effective_from.expect("checked"),
                    fee_waiver_available: waiver.expect("checked"),
                    notes: cell("notes").to_owned(),
                    source: source.clone(),
                })
            })
        };
        let Some(row) = row else { continue };
        match seen.get(&row.key()) {
            Some(&first) => {
                let (_, earlier) = rows.iter().find(|(l, _)| *l == first).expect("seen");
                if let Some(column) = row.differs_from(earlier) {
                    e.add(
                        field(column),
                        Problem::new("err-fee-import-duplicate").arg("line", first),
                    );
                }
            }
            None => {
                seen.insert(row.key(), line);
                rows.push((line, row));
            }
        }
    }
    if rows.is_empty() && e.is_empty() {
        e.add("line 2", Problem::new("err-fee-import-empty"));
    }
    e.finish(|| rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn regular(id: i64, form: &str, category: &str, filing: Filing, fee: &str) -> RegularFee {
        RegularFee {
            id,
            form: form.into(),
            category: category.into(),
            name: format!("{form} regular"),
            name_ko: None,
            filing,
            fee: Money::parse(fee).unwrap(),
            effective_from: day("2024-04-01"),
            fee_waiver_available: form == "I-765",
            notes: String::new(),
            source: "s".into(),
        }
    }

    fn statutory(
        id: i64,
        form: &str,
        categories: &str,
        component: ComponentKind,
        fee: &str,
        from: &str,
    ) -> StatutoryFee {
        StatutoryFee {
            id,
            form: form.into(),
            categories: categories.split_whitespace().map(str::to_owned).collect(),
            component,
            name: format!("{form} {component}"),
            name_ko: None,
            fee: Money::parse(fee).unwrap(),
            effective_from: day(from),
            waivable: false,
            reducible: false,
            recurring: (component == ComponentKind::Annual).then(|| "yearly while pending".into()),
            notes: String::new(),
            source: "s".into(),
        }
    }

    fn schedule() -> Schedule {
        use ComponentKind::*;
        Schedule {
            regular: vec![
                regular(1, "I-765", "", crate::domain::Filing::Paper, "520.00"),
                regular(2, "I-765", "c33", crate::domain::Filing::Paper, "520.00"),
                regular(3, "I-589", "", crate::domain::Filing::Paper, "0.00"),
                regular(4, "N-400", "", crate::domain::Filing::Paper, "760.00"),
            ],
            statutory: vec![
                statutory(10, "I-765", "a4 c8", Initial, "550.00", "2025-07-22"),
                statutory(11, "I-765", "a4 c8", Initial, "560.00", "2026-01-01"),
                statutory(12, "I-765", "a4 c8", Renewal, "275.00", "2025-07-22"),
                statutory(13, "I-589", "", Filing, "100.00", "2025-07-22"),
                statutory(14, "I-589", "", Annual, "100.00", "2025-07-22"),
                statutory(15, "I-589", "", Annual, "102.00", "2026-01-01"),
            ],
        }
    }

    fn key<'a>(form: &'a str, category: &'a str, renewal: bool) -> LineKey<'a> {
        LineKey {
            form,
            category,
            filing: Filing::Paper,
            renewal,
        }
    }

    fn fees(p: &Priced) -> Vec<(ComponentKind, String)> {
        p.components
            .iter()
            .map(|c| (c.kind, c.fee.to_string()))
            .collect()
    }

    #[test]
    fn a_line_pays_the_regular_fee_and_each_statutory_component_in_force() {
        use ComponentKind::*;
        let s = schedule();
        let c8 = s
            .price(key("I-765", "c8", false), day("2026-03-01"))
            .unwrap();
        assert_eq!(
            fees(&c8),
            [(Regular, "520.00".into()), (Initial, "560.00".into())]
        );
        assert_eq!(c8.total().to_string(), "1080.00");
        assert_eq!(c8.statutory_total().to_string(), "560.00");
        // The same line in 2025 takes the fee in force then.
        let earlier = s
            .price(key("I-765", "c8", false), day("2025-12-31"))
            .unwrap();
        assert_eq!(earlier.total().to_string(), "1070.00");
        // Before H.R. 1, only the regular fee.
        let before = s
            .price(key("I-765", "c8", false), day("2025-07-21"))
            .unwrap();
        assert_eq!(fees(&before), [(Regular, "520.00".into())]);
        // A renewal takes the renewal fee; another category none.
        let renewal = s
            .price(key("I-765", "C8", true), day("2026-03-01"))
            .unwrap();
        assert_eq!(renewal.total().to_string(), "795.00");
        let general = s.price(key("I-765", "", false), day("2026-03-01")).unwrap();
        assert_eq!(fees(&general), [(Regular, "520.00".into())]);
        assert!(general.components[0].waivable);
        assert!(
            c8.components
                .iter()
                .filter(|c| c.statutory)
                .all(|c| !c.waivable)
        );
        // I-589: nothing regular, 100.00 statutory; the annual fee alone.
        let asylum = s.price(key("I-589", "", false), day("2026-03-01")).unwrap();
        assert_eq!(
            fees(&asylum),
            [(Regular, "0.00".into()), (Filing, "100.00".into())]
        );
        let annual = s.price(key("I-589", "", true), day("2026-03-01")).unwrap();
        assert_eq!(fees(&annual), [(Annual, "102.00".into())]);
    }

    #[test]
    fn pricing_names_the_wrong_field() {
        let s = schedule();
        let on = day("2026-03-01");
        assert_eq!(s.price(key("X-1", "", false), on).unwrap_err().0, "form");
        assert_eq!(
            s.price(key("I-765", "c99", false), on).unwrap_err().0,
            "category"
        );
        let online = LineKey {
            filing: Filing::Online,
            ..key("N-400", "", false)
        };
        assert_eq!(s.price(online, on).unwrap_err().0, "filing");
        // Before the asylum fee existed an I-589 paid nothing: nothing to fund.
        let (field, problem) = s
            .price(key("I-589", "", false), day("2025-01-01"))
            .unwrap_err();
        assert_eq!((field, problem.key), ("form", "err-fee-nothing"));
        assert_eq!(
            s.price(key("N-400", "", true), on)
                .unwrap()
                .total()
                .to_string(),
            "760.00"
        );
    }

    #[test]
    fn the_price_list_shows_every_category_and_renewal_that_differs() {
        let s = schedule();
        let list = s.price_list(day("2026-03-01"), Some("I-765"));
        let keys: Vec<String> = list
            .iter()
            .map(|i| format!("{} {} {} {}", i.form, i.category, i.renewal, i.total))
            .collect();
        assert_eq!(
            keys,
            [
                "I-765  false 520.00",
                "I-765 a4 false 1080.00",
                "I-765 a4 true 795.00",
                "I-765 c33 false 520.00",
                "I-765 c8 false 1080.00",
                "I-765 c8 true 795.00",
            ]
        );
        assert_eq!(s.price_list(day("2026-03-01"), None).len(), 9);
    }

    #[test]
    fn the_annual_fee_falls_due_on_each_anniversary() {
        let filed = day("2024-03-10");
        assert_eq!(annual_due(filed, day("2026-01-20")), day("2026-03-10"));
        // Up to 60 days late it still pays the anniversary just past.
        assert_eq!(annual_due(filed, day("2026-05-09")), day("2026-03-10"));
        assert_eq!(annual_due(filed, day("2026-05-10")), day("2027-03-10"));
        // Never the filing day itself.
        assert_eq!(annual_due(filed, day("2024-03-10")), day("2025-03-10"));
        assert_eq!(
            annual_due(day("2024-02-29"), day("2025-01-01")),
            day("2025-02-28")
        );
    }

    #[test]
    fn a_schedule_file_is_read_or_every_bad_cell_is_named() {
        let good = "form,category,component,name,fee,effective_from,waivable,reducible,recurring,notes,source\n\
                    I-589,,annual,Annual asylum fee,104.00,2027-01-01,no,no,yearly while pending,,https://example.org\n\
                    I-765,a4 c8,initial,EAD initial,570.00,2027-01-01,no,no,,,https://example.org\n\
                    I-765,a4 c8,initial,EAD initial,570.00,2027-01-01,no,no,,,https://example.org\n";
        let rows = read_import(good.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        let bad = "form,category,name,filing,fee,effective_from,fee_waiver_available,notes,source\n\
                   Z-999,,Nothing,paper,10.00,2027-01-01,no,,s\n\
                   N-400,,Naturalization,paper,-5.00,2027-01-01,yes,,s\n\
                   N-400,,Naturalization,paper,700.00,2027-13-01,yes,,s\n\
                   I-90,,Replace card,paper,470.00,2027-01-01,yes,,s\n\
                   I-90,,Replace card,paper,475.00,2027-01-01,yes,,s\n\
                   I-90,,Replace card,fax,475.00,2027-01-01,maybe,,s\n";
        let errors = read_import(bad.as_bytes()).unwrap_err();
        let fields: Vec<(&str, &str)> = errors.iter().map(|(f, p)| (f.as_str(), p.key)).collect();
        assert_eq!(
            fields,
            [
                ("line 2, form", "err-fee-import-form"),
                ("line 3, fee", "err-money-negative"),
                ("line 4, effective_from", "err-fee-import-date"),
                ("line 6, fee", "err-fee-import-duplicate"),
                ("line 7, fee_waiver_available", "err-fee-import-yes-no"),
                ("line 7, filing", "err-fee-import-filing"),
            ]
        );
        // A statutory fee is never waived or reduced, whatever a file says.
        let waived = "form,category,component,name,fee,effective_from,waivable,reducible,recurring,notes,source\n\
                      I-589,,filing,Asylum fee,100.00,2027-01-01,yes,no,,,https://example.org\n";
        let errors = read_import(waived.as_bytes()).unwrap_err();
        assert_eq!(
            errors.get("line 2, waivable").unwrap().key,
            "err-fee-import-statutory-waivable"
        );
        let header = read_import(b"form,fee\nN-400,1.00\n").unwrap_err();
        assert_eq!(header.iter().next().unwrap().1.key, "err-fee-import-header");
        assert!(read_import(b"").is_err());
    }
}
