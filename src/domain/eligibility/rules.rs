//! The rules one by one: each looks at the facts under the policy in force and says pass,
//! fail or review, with a message in both languages.

#[allow(unused_imports)]
use super::*;
use crate::domain::fees::ComponentKind;

pub(super) struct Context<'a> {
    pub(super) facts: &'a Facts,
    pub(super) policy: &'a Policy,
    pub(super) tables: &'a Tables,
    pub(super) guideline: Option<(&'a Guideline, Decimal)>,
    pub(super) percent: Option<Decimal>,
}

impl Context<'_> {
    pub(super) fn run(&self, rule: Rule) -> (Outcome, Message) {
        match rule {
            Rule::IncomeLimit => self.income_limit(),
            Rule::ServiceArea => self.service_area(),
            Rule::FeeSchedule => self.fee_schedule(),
            Rule::FeeWaiver => self.fee_waiver(),
            Rule::ApplicationCap => self.cap(
                self.policy.caps.per_application,
                "rule-application-cap-pass",
                "rule-application-cap-fail",
            ),
            Rule::EmergencyCategoryAllowed => self.emergency_category(),
            Rule::EmergencyCap => self.cap(
                self.policy.emergency.max_amount,
                "rule-emergency-cap-pass",
                "rule-emergency-cap-fail",
            ),
            Rule::OneEmergencyGrant => self.one_emergency_grant(),
            Rule::HouseholdCap => self.household_cap(),
            Rule::Documents => self.documents(),
        }
    }

    fn limit_percent(&self) -> u32 {
        match self.facts.program {
            Program::ImmigrationFee => self.policy.immigration_fee.income_limit_percent,
            Program::Emergency => self.policy.emergency.income_limit_percent,
        }
    }

    fn income_limit(&self) -> (Outcome, Message) {
        let f = self.facts;
        let Some((table, amount)) = self.guideline else {
            return (
                Outcome::Review,
                Message::new("rule-income-no-table")
                    .arg("date", Arg::Date(f.on))
                    .text("region", Region::of_state(&f.state).as_str()),
            );
        };
        let percent = self.limit_percent();
        let limit = amount * Decimal::from(percent) / Decimal::from(100);
        let pass = f.annual_income.decimal() <= limit;
        let message = Message::new(if pass {
            "rule-income-pass"
        } else {
            "rule-income-fail"
        })
        .money("income", f.annual_income)
        .text("size", f.household_size.to_string())
        .arg("percent", Arg::Percent(Decimal::from(percent)))
        .money("limit", shown(limit))
        .text("year", table.year.to_string());
        (if pass { Outcome::Pass } else { Outcome::Fail }, message)
    }

    fn service_area(&self) -> (Outcome, Message) {
        let state = &self.facts.state;
        if self.policy.service_area.iter().any(|s| s == state) {
            (
                Outcome::Pass,
                Message::new("rule-service-area-pass").text("state", state.clone()),
            )
        } else {
            (
                Outcome::Fail,
                Message::new("rule-service-area-fail").text("state", state.clone()),
            )
        }
    }

    fn fee_schedule(&self) -> (Outcome, Message) {
        let f = self.facts;
        if f.lines.is_empty() {
            return (Outcome::Fail, Message::new("rule-fee-no-lines"));
        }
        let mut overridden = 0;
        for (i, line) in f.lines.iter().enumerate() {
            let n = (i + 1).to_string();
            let on = line.priced_on(f.on);
            let Ok(expected) = self.tables.fees.price(line.key(), on) else {
                return (
                    Outcome::Fail,
                    Message::new("rule-fee-unknown")
                        .text("line", n)
                        .text("form", form_label(line))
                        .arg("date", Arg::Date(on)),
                );
            };
            // Each statutory part must be exactly the law's, whatever the reason given.
            let mut kinds: Vec<ComponentKind> = expected
                .components
                .iter()
                .chain(&line.components)
                .filter(|c| c.statutory)
                .map(|c| c.kind)
                .collect();
            kinds.sort();
            kinds.dedup();
            for kind in kinds {
                let fee_of = |parts: &[Component]| {
                    parts
                        .iter()
                        .find(|c| c.statutory && c.kind == kind)
                        .map(|c| (c.fee, c.name.clone()))
                };
                let want = fee_of(&expected.components);
                let have = fee_of(&line.components);
                if want.as_ref().map(|w| w.0) != have.as_ref().map(|h| h.0) {
                    let name = want.as_ref().or(have.as_ref()).map(|p| p.1.clone());
                    return (
                        Outcome::Fail,
                        Message::new("rule-fee-statutory-mismatch")
                            .text("line", n)
                            .text("form", form_label(line))
                            .text("name", name.unwrap_or_default())
                            .money("amount", have.map_or(Money::ZERO, |h| h.0))
                            .money("fee", want.map_or(Money::ZERO, |w| w.0))
                            .arg("date", Arg::Date(on)),
                    );
                }
            }
            let regular = Money::sum(
                expected
                    .components
                    .iter()
                    .filter(|c| !c.statutory)
                    .map(|c| c.fee),
            )
            .unwrap_or(Money::ZERO);
            if line.regular() == regular {
                continue;
            }
            if line
                .override_reason
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty())
            {
                overridden += 1;
                continue;
            }
            return (
                Outcome::Fail,
                Message::new("rule-fee-mismatch")
                    .text("line", n)
                    .text("form", form_label(line))
                    .money("amount", line.amount)
                    .money("fee", expected.total())
                    .arg("date", Arg::Date(on)),
            );
        }
        let key = if overridden == 0 {
            "rule-fee-pass"
        } else {
            "rule-fee-pass-override"
        };
        (
            Outcome::Pass,
            Message::new(key)
                .text("count", f.lines.len().to_string())
                .text("overridden", overridden.to_string())
                .arg("date", Arg::Date(f.on)),
        )
    }

    /// Fee waiver first: the fund should not pay a fee USCIS would waive or reduce. The
    /// advice is about regular fees only: H.R. 1 fees are never waived or reduced, and
    /// the message says so where the application carries any.
    fn fee_waiver(&self) -> (Outcome, Message) {
        let f = self.facts;
        let rules = &self.policy.immigration_fee;
        let Some(percent) = self.percent else {
            return (Outcome::Review, Message::new("rule-waiver-unknown"));
        };
        let statutory = Money::sum(f.lines.iter().map(LineFacts::statutory)).unwrap_or(Money::ZERO);
        let with_statutory = |key: &'static str, plain: &'static str| {
            if statutory.is_zero() {
                Message::new(plain)
            } else {
                Message::new(key).money("statutory", statutory)
            }
        };
        let shown_percent = Arg::Percent(percent.round_dp(1));
        if percent <= Decimal::from(rules.fee_waiver_percent) {
            let waivable = f.lines.iter().find(|line| {
                let schedule_says = self
                    .tables
                    .fees
                    .price(line.key(), line.priced_on(f.on))
                    .is_ok_and(|p| p.regular.fee_waiver_available);
                line.waivable(schedule_says)
            });
            if let Some(line) = waivable {
                return (
                    Outcome::Review,
                    with_statutory("rule-waiver-likely-statutory", "rule-waiver-likely")
                        .text("form", line.form.clone())
                        .arg("percent", shown_percent)
                        .arg(
                            "limit",
                            Arg::Percent(Decimal::from(rules.fee_waiver_percent)),
                        ),
                );
            }
        }
        for line in &f.lines {
            for reduced in rules.reduced_fees.iter().filter(|r| r.form == line.form) {
                let in_band = percent > Decimal::from(reduced.above_percent)
                    && percent <= Decimal::from(reduced.up_to_percent);
                if in_band && line.regular() > reduced.fee {
                    return (
                        Outcome::Review,
                        with_statutory("rule-reduced-fee-statutory", "rule-reduced-fee")
                            .text("form", line.form.clone())
                            .money("reduced", reduced.fee)
                            .label("filing", "filing", reduced.filing.as_str())
                            .money("amount", line.regular())
                            .arg("percent", shown_percent)
                            .arg("above", Arg::Percent(Decimal::from(reduced.above_percent)))
                            .arg("up_to", Arg::Percent(Decimal::from(reduced.up_to_percent))),
                    );
                }
            }
        }
        (
            Outcome::Pass,
            with_statutory("rule-waiver-none-statutory", "rule-waiver-none")
                .arg("percent", shown_percent),
        )
    }

    fn cap(&self, cap: Money, pass: &'static str, fail: &'static str) -> (Outcome, Message) {
        let requested = self.facts.requested;
        let ok = requested.decimal() <= cap.decimal();
        (
            if ok { Outcome::Pass } else { Outcome::Fail },
            Message::new(if ok { pass } else { fail })
                .money("amount", requested)
                .money("cap", cap),
        )
    }

    fn emergency_category(&self) -> (Outcome, Message) {
        match self.facts.emergency_category {
            Some(c) if self.policy.emergency.categories.contains(&c) => (
                Outcome::Pass,
                Message::new("rule-category-pass").label("category", "category", c.as_str()),
            ),
            Some(c) => (
                Outcome::Fail,
                Message::new("rule-category-fail").label("category", "category", c.as_str()),
            ),
            None => (Outcome::Fail, Message::new("rule-category-missing")),
        }
    }

    /// Grants approved within the rolling window that ends on the check date: a grant
    /// `window_days` or more days before it no longer counts.
    fn in_window(&self) -> impl Iterator<Item = &PriorGrant> {
        let on = self.facts.on;
        let days = i64::from(self.policy.caps.window_days);
        self.facts
            .prior_grants
            .iter()
            .filter(move |g| g.approved_on <= on && on - g.approved_on < Duration::days(days))
    }

    fn one_emergency_grant(&self) -> (Outcome, Message) {
        let earlier: Vec<&PriorGrant> = self
            .in_window()
            .filter(|g| g.program == Program::Emergency)
            .collect();
        let allowed = self.policy.emergency.grants_per_window as usize;
        let days = self.policy.caps.window_days.to_string();
        if earlier.len() < allowed {
            (
                Outcome::Pass,
                Message::new("rule-one-grant-pass").text("days", days),
            )
        } else {
            let last = earlier.iter().max_by_key(|g| g.approved_on).unwrap();
            (
                Outcome::Fail,
                Message::new("rule-one-grant-fail")
                    .text("number", last.number.clone())
                    .arg("date", Arg::Date(last.approved_on))
                    .text("days", days),
            )
        }
    }

    fn household_cap(&self) -> (Outcome, Message) {
        let earlier = Money::sum(self.in_window().map(|g| g.amount)).unwrap_or(Money::ZERO);
        let total = earlier.decimal() + self.facts.requested.decimal();
        let cap = self.policy.caps.per_household;
        let ok = total <= cap.decimal();
        (
            if ok { Outcome::Pass } else { Outcome::Fail },
            Message::new(if ok {
                "rule-household-cap-pass"
            } else {
                "rule-household-cap-fail"
            })
            .money("earlier", earlier)
            .money("amount", self.facts.requested)
            .money("total", shown(total))
            .money("cap", cap)
            .text("days", self.policy.caps.window_days.to_string()),
        )
    }

    fn documents(&self) -> (Outcome, Message) {
        let f = self.facts;
        let rules = &self.policy.documents;
        let mut required: Vec<Vec<DocumentKind>> = match f.program {
            Program::ImmigrationFee => rules.immigration_fee.clone(),
            Program::Emergency => rules.emergency.clone(),
        };
        for line in &f.lines {
            if let Some(extra) = rules.by_form.get(&line.form) {
                for any_of in extra {
                    if !required.contains(any_of) {
                        required.push(any_of.clone());
                    }
                }
            }
        }
        let missing: Vec<Vec<DocumentKind>> = required
            .into_iter()
            .filter(|any_of| !any_of.iter().any(|k| f.documents.contains(k)))
            .collect();
        if missing.is_empty() {
            (Outcome::Pass, Message::new("rule-documents-pass"))
        } else {
            (
                Outcome::Fail,
                Message::new("rule-documents-missing").arg("missing", Arg::Documents(missing)),
            )
        }
    }
}

pub(super) fn form_label(line: &LineFacts) -> String {
    let category = if line.category.is_empty() {
        String::new()
    } else {
        format!(" {}", line.category)
    };
    format!("{}{category} ({})", line.form, line.filing)
}
