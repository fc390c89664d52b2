//! The eligibility rules of SPEC.md as a pure function:
//! (application facts, prior grants, policy, reference tables, date) → a result and one
//! outcome per rule, each with a message naming its numbers. No IO: the service layer
//! gathers the facts, stores what comes out, and renders messages in both languages from
//! the catalogues (`rule-*` keys).

mod rules;
use rules::*;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::fees::{Component, LineKey, Schedule};
use super::policy::Policy;
use super::status::CheckResult;
use super::{DocumentKind, EmergencyCategory, Filing, Money, Program};

text_enum! {
    /// Each rule of the engine.
    pub enum Rule {
        IncomeLimit = "income_limit",
        ServiceArea = "service_area",
        FeeSchedule = "fee_schedule",
        FeeWaiver = "fee_waiver",
        ApplicationCap = "application_cap",
        EmergencyCategoryAllowed = "emergency_category",
        EmergencyCap = "emergency_cap",
        OneEmergencyGrant = "one_emergency_grant",
        HouseholdCap = "household_cap",
        Documents = "documents",
    }
}

text_enum! {
    #[schema = "RuleOutcome"]
    pub enum Outcome {
        Pass = "pass",
        Fail = "fail",
        Review = "review",
    }
}

text_enum! {
    /// A row of `eligibility_checks`: a run of the rules, or an admin's override of one.
    pub enum CheckKind {
        Check = "check",
        Override = "override",
    }
}

impl Rule {
    /// The rules each program is checked against, in the order they are shown.
    pub fn for_program(program: Program) -> &'static [Rule] {
        use Rule::*;
        match program {
            Program::ImmigrationFee => &[
                IncomeLimit,
                ServiceArea,
                FeeSchedule,
                FeeWaiver,
                ApplicationCap,
                HouseholdCap,
                Documents,
            ],
            Program::Emergency => &[
                IncomeLimit,
                ServiceArea,
                EmergencyCategoryAllowed,
                EmergencyCap,
                OneEmergencyGrant,
                HouseholdCap,
                Documents,
            ],
        }
    }
}

text_enum! {
    /// Which HHS table applies: Alaska and Hawaii have their own.
    pub enum Region {
        Contiguous = "contiguous",
        Alaska = "alaska",
        Hawaii = "hawaii",
    }
}

impl Region {
    pub fn of_state(state: &str) -> Region {
        match state {
            "AK" => Region::Alaska,
            "HI" => Region::Hawaii,
            _ => Region::Contiguous,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Guideline {
    pub year: i32,
    pub region: Region,
    pub first_person: Money,
    pub each_additional: Money,
    pub effective_from: NaiveDate,
}

impl Guideline {
    /// `first + (n - 1) × each_additional`.
    pub fn for_size(&self, size: i32) -> Decimal {
        self.first_person.decimal()
            + Decimal::from(size.max(1) - 1) * self.each_additional.decimal()
    }
}

/// The reference tables, with every effective date; the engine picks what is in force.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub guidelines: Vec<Guideline>,
    pub fees: Schedule,
}

impl Tables {
    pub fn guideline(&self, region: Region, on: NaiveDate) -> Option<&Guideline> {
        self.guidelines
            .iter()
            .filter(|g| g.region == region && g.effective_from <= on)
            .max_by_key(|g| g.effective_from)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineFacts {
    pub form: String,
    pub category: String,
    pub filing: Filing,
    pub amount: Money,
    pub override_reason: Option<String>,
    pub renewal: bool,
    /// For the annual asylum fee: the anniversary it pays (its fee is the one in force then).
    pub due_on: Option<NaiveDate>,
    /// What the line pays, part by part; none recorded means the regular fee alone.
    pub components: Vec<Component>,
}

impl LineFacts {
    /// The regular part of what the line pays.
    fn regular(&self) -> Money {
        if self.components.is_empty() {
            return self.amount;
        }
        Money::sum(
            self.components
                .iter()
                .filter(|c| !c.statutory)
                .map(|c| c.fee),
        )
        .unwrap_or(Money::ZERO)
    }

    fn statutory(&self) -> Money {
        super::fees::statutory_total(&self.components)
    }

    /// Whether a fee waiver could apply to what the line pays.
    fn waivable(&self, schedule_says: bool) -> bool {
        if self.components.is_empty() {
            return schedule_says;
        }
        self.components
            .iter()
            .any(|c| c.waivable && !c.statutory && !c.fee.is_zero())
    }

    /// The date the line's fee is priced on: its due date, else the check date.
    fn priced_on(&self, on: NaiveDate) -> NaiveDate {
        self.due_on.unwrap_or(on)
    }

    fn key(&self) -> LineKey<'_> {
        LineKey {
            form: &self.form,
            category: &self.category,
            filing: self.filing,
            renewal: self.renewal,
        }
    }
}

/// An earlier grant to the same household: approved (or paid) money.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorGrant {
    pub number: String,
    pub program: Program,
    pub amount: Money,
    pub approved_on: NaiveDate,
}

/// Everything the rules look at; stored with the check so it can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    pub on: NaiveDate,
    pub program: Program,
    pub household_size: i32,
    pub annual_income: Money,
    pub state: String,
    pub requested: Money,
    pub lines: Vec<LineFacts>,
    pub emergency_category: Option<EmergencyCategory>,
    pub documents: Vec<DocumentKind>,
    pub prior_grants: Vec<PriorGrant>,
}

/// A value a message shows; each language formats it from the same data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Arg {
    Text(String),
    /// A vocabulary value shown by its label in each language, e.g. `("category", "eviction")`.
    Label {
        prefix: &'static str,
        value: &'static str,
    },
    Money(Money),
    /// A percentage, shown with up to one decimal.
    Percent(Decimal),
    Date(NaiveDate),
    Documents(Vec<Vec<DocumentKind>>),
}

/// A catalogue key and its arguments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    fn arg(mut self, name: &'static str, value: Arg) -> Message {
        self.args.push((name, value));
        self
    }

    fn money(self, name: &'static str, value: Money) -> Message {
        self.arg(name, Arg::Money(value))
    }

    fn text(self, name: &'static str, value: impl Into<String>) -> Message {
        self.arg(name, Arg::Text(value.into()))
    }

    fn label(self, name: &'static str, prefix: &'static str, value: &'static str) -> Message {
        self.arg(name, Arg::Label { prefix, value })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    pub rule: Rule,
    pub outcome: Outcome,
    pub message: Message,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub result: CheckResult,
    pub rules: Vec<RuleOutcome>,
    /// The guideline for the household, and its income as a percent of it, when known.
    pub guideline: Option<Money>,
    pub percent_of_guideline: Option<Decimal>,
}

/// `amount` rounded to cents for showing (limits can have fractions of a cent).
fn shown(amount: Decimal) -> Money {
    Money::from_decimal(amount.round_dp(2)).unwrap_or(Money::ZERO)
}

fn percent_of(income: Money, guideline: Decimal) -> Option<Decimal> {
    (guideline > Decimal::ZERO).then(|| income.decimal() * Decimal::from(100) / guideline)
}

/// Runs every rule of the application's program.
pub fn evaluate(facts: &Facts, policy: &Policy, tables: &Tables) -> Evaluation {
    let region = Region::of_state(&facts.state);
    let guideline = tables
        .guideline(region, facts.on)
        .map(|g| (g, g.for_size(facts.household_size)));
    let percent = guideline.and_then(|(_, amount)| percent_of(facts.annual_income, amount));
    let context = Context {
        facts,
        policy,
        tables,
        guideline,
        percent,
    };
    let rules: Vec<RuleOutcome> = Rule::for_program(facts.program)
        .iter()
        .map(|&rule| {
            let (outcome, message) = context.run(rule);
            RuleOutcome {
                rule,
                outcome,
                message,
            }
        })
        .collect();
    let result = if rules.iter().any(|r| r.outcome == Outcome::Fail) {
        CheckResult::Ineligible
    } else if rules.iter().any(|r| r.outcome == Outcome::Review) {
        CheckResult::NeedsReview
    } else {
        CheckResult::Eligible
    };
    Evaluation {
        result,
        rules,
        guideline: guideline.map(|(_, amount)| shown(amount)),
        percent_of_guideline: percent.map(|p| p.round_dp(1)),
    }
}

#[cfg(test)]
mod tests;
