//! Table-driven tests of the engine, at the exact edges SPEC.md's numbers make.

use super::*;
use crate::domain::DocumentKind::*;
use crate::domain::fees::{ComponentKind, RegularFee, StatutoryFee};

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn m(text: &str) -> Money {
    Money::parse(text).unwrap()
}

/// The HHS tables of 2025 and 2026 and the USCIS rows the tests use, as the migrations seed them.
fn tables() -> Tables {
    let g = |year, region, first: &str, each: &str, from: &str| Guideline {
        year,
        region,
        first_person: m(first),
        each_additional: m(each),
        effective_from: d(from),
    };
    let fee = |form: &str, category: &str, filing, amount: &str, waiver| RegularFee {
        id: 0,
        form: form.into(),
        category: category.into(),
        name: form.into(),
        name_ko: None,
        filing,
        fee: m(amount),
        effective_from: d("2024-04-01"),
        fee_waiver_available: waiver,
        notes: String::new(),
        source: String::new(),
    };
    let statutory =
        |form: &str, categories: &[&str], component, amount: &str, from: &str| StatutoryFee {
            id: 0,
            form: form.into(),
            categories: categories.iter().map(|c| c.to_string()).collect(),
            component,
            name: format!("{form} H.R. 1"),
            name_ko: None,
            fee: m(amount),
            effective_from: d(from),
            waivable: false,
            reducible: false,
            recurring: (component == ComponentKind::Annual).then(|| "yearly while pending".into()),
            notes: String::new(),
            source: String::new(),
        };
    Tables {
        guidelines: vec![
            g(
                2025,
                Region::Contiguous,
                "15650.00",
                "5500.00",
                "2025-01-15",
            ),
            g(2025, Region::Alaska, "19550.00", "6880.00", "2025-01-15"),
            g(2025, Region::Hawaii, "17990.00", "6330.00", "2025-01-15"),
            g(
                2026,
                Region::Contiguous,
                "15960.00",
                "5680.00",
                "2026-01-13",
            ),
            g(2026, Region::Alaska, "19950.00", "7100.00", "2026-01-13"),
            g(2026, Region::Hawaii, "18360.00", "6530.00", "2026-01-13"),
        ],
        fees: Schedule {
            regular: vec![
                fee("N-400", "", Filing::Paper, "760.00", true),
                fee("N-400", "", Filing::Online, "710.00", false),
                fee("I-130", "", Filing::Paper, "675.00", false),
                fee("I-90", "", Filing::Paper, "465.00", true),
                fee("I-765", "", Filing::Paper, "520.00", true),
                fee("I-765", "c33", Filing::Paper, "520.00", false),
                fee("I-589", "", Filing::Paper, "0.00", false),
            ],
            statutory: vec![
                statutory(
                    "I-765",
                    &["c8"],
                    ComponentKind::Initial,
                    "550.00",
                    "2025-07-22",
                ),
                statutory(
                    "I-765",
                    &["c8"],
                    ComponentKind::Initial,
                    "560.00",
                    "2026-01-01",
                ),
                statutory("I-589", &[], ComponentKind::Filing, "100.00", "2025-07-22"),
                statutory("I-589", &[], ComponentKind::Annual, "100.00", "2025-07-22"),
                statutory("I-589", &[], ComponentKind::Annual, "102.00", "2026-01-01"),
            ],
        },
    }
}

fn line(form: &str, amount: &str) -> LineFacts {
    LineFacts {
        form: form.into(),
        category: String::new(),
        filing: Filing::Paper,
        amount: m(amount),
        override_reason: None,
        renewal: false,
        due_on: None,
        components: Vec::new(),
    }
}

/// An N-400 on paper at $760.00 for a household of 4 in California, checked on 2026-03-01,
/// with every document; income is set per test.
fn n400(income: &str) -> Facts {
    Facts {
        on: d("2026-03-01"),
        program: Program::ImmigrationFee,
        household_size: 4,
        annual_income: m(income),
        state: "CA".into(),
        requested: m("760.00"),
        lines: vec![line("N-400", "760.00")],
        emergency_category: None,
        documents: vec![PhotoId, ProofOfIncome, CompletedForm],
        prior_grants: vec![],
    }
}

fn emergency(amount: &str) -> Facts {
    Facts {
        on: d("2026-03-01"),
        program: Program::Emergency,
        household_size: 2,
        annual_income: m("30000.00"),
        state: "NY".into(),
        requested: m(amount),
        lines: vec![],
        emergency_category: Some(EmergencyCategory::Eviction),
        documents: vec![IdentityDocument, EventEvidence],
        prior_grants: vec![],
    }
}

fn grant(program: Program, amount: &str, on: &str) -> PriorGrant {
    PriorGrant {
        number: "CEF-2025-00007".into(),
        program,
        amount: m(amount),
        approved_on: d(on),
    }
}

fn run(facts: &Facts) -> Evaluation {
    evaluate(facts, &Policy::default_v1(), &tables())
}

fn rule_of(facts: &Facts, rule: Rule) -> RuleOutcome {
    run(facts)
        .rules
        .into_iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("{rule} not run"))
}

fn outcome(facts: &Facts, rule: Rule) -> Outcome {
    rule_of(facts, rule).outcome
}

fn arg(facts: &Facts, rule: Rule, name: &str) -> Arg {
    run(facts)
        .rules
        .into_iter()
        .find(|r| r.rule == rule)
        .unwrap()
        .message
        .args
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{rule} has no {name}"))
        .1
}

#[test]
fn income_limit_edges() {
    use Outcome::*;
    // (state, size, income, date, outcome, the limit shown)
    let cases = [
        // 2026, 4 people: 15,960 + 3 × 5,680 = 33,000; 200 % = 66,000.
        ("CA", 4, "66000.00", "2026-03-01", Pass, "66000.00"),
        ("CA", 4, "66000.01", "2026-03-01", Fail, "66000.00"),
        // 2025, 4 people: 32,150; 200 % = 64,300 (the example).
        ("CA", 4, "64300.00", "2025-06-01", Pass, "64300.00"),
        ("CA", 4, "64300.01", "2025-06-01", Fail, "64300.00"),
        // A household of 9 uses the increment: 15,960 + 8 × 5,680 = 61,400 → 122,800.
        ("IL", 9, "122800.00", "2026-03-01", Pass, "122800.00"),
        ("IL", 9, "122800.01", "2026-03-01", Fail, "122800.00"),
        // Alaska and Hawaii have their own tables.
        ("AK", 1, "39900.00", "2026-03-01", Pass, "39900.00"),
        ("AK", 1, "39900.01", "2026-03-01", Fail, "39900.00"),
        ("HI", 2, "48640.00", "2025-06-01", Pass, "48640.00"),
        ("HI", 2, "48640.01", "2025-06-01", Fail, "48640.00"),
        // January 2026: the 2026 table takes effect on the 13th.
        ("CA", 4, "65000.00", "2026-01-12", Fail, "64300.00"),
        ("CA", 4, "65000.00", "2026-01-13", Pass, "66000.00"),
    ];
    for (state, size, income, on, want, limit) in cases {
        let mut facts = n400(income);
        facts.state = state.into();
        facts.household_size = size;
        facts.on = d(on);
        assert_eq!(
            outcome(&facts, Rule::IncomeLimit),
            want,
            "{state} {size} {income} {on}"
        );
        assert_eq!(
            arg(&facts, Rule::IncomeLimit, "limit"),
            Arg::Money(m(limit)),
            "{state} {size} {on}"
        );
    }
}

#[test]
fn emergency_income_limit_is_300_percent() {
    // 2026, 2 people: 21,640; 300 % = 64,920.
    let mut facts = emergency("1000.00");
    facts.annual_income = m("64920.00");
    assert_eq!(outcome(&facts, Rule::IncomeLimit), Outcome::Pass);
    facts.annual_income = m("64920.01");
    assert_eq!(outcome(&facts, Rule::IncomeLimit), Outcome::Fail);
}

#[test]
fn no_table_in_force_asks_a_person() {
    let mut facts = n400("30000.00");
    facts.on = d("2024-12-31");
    assert_eq!(outcome(&facts, Rule::IncomeLimit), Outcome::Review);
    assert_eq!(outcome(&facts, Rule::FeeWaiver), Outcome::Review);
}

#[test]
fn fee_waiver_first() {
    use Outcome::*;
    // 4 people in 2026: guideline 33,000; 150 % = 49,500; 400 % = 132,000.
    let cases = [
        // (form, amount, income, waiver rule, why)
        (
            "N-400",
            "760.00",
            "49500.00",
            Review,
            "at 150 %: I-912 likely",
        ),
        (
            "N-400",
            "760.00",
            "20000.00",
            Review,
            "well below: I-912 likely",
        ),
        (
            "I-90",
            "465.00",
            "20000.00",
            Review,
            "I-90 can be waived too",
        ),
        (
            "I-130",
            "675.00",
            "20000.00",
            Pass,
            "I-130 cannot be waived",
        ),
        (
            "N-400",
            "760.00",
            "49500.01",
            Review,
            "just above 150 %: reduced fee",
        ),
        ("N-400", "760.00", "66000.00", Review, "200 %: reduced fee"),
        (
            "N-400",
            "380.00",
            "60000.00",
            Pass,
            "already the reduced fee",
        ),
    ];
    for (form, amount, income, want, why) in cases {
        let mut facts = n400(income);
        facts.lines = vec![line(form, amount)];
        facts.requested = m(amount);
        assert_eq!(outcome(&facts, Rule::FeeWaiver), want, "{why}");
    }
    let mut facts = n400("60000.00");
    let waiver = run(&facts);
    let message = &waiver
        .rules
        .iter()
        .find(|r| r.rule == Rule::FeeWaiver)
        .unwrap()
        .message;
    assert_eq!(message.key, "rule-reduced-fee");
    assert!(message.args.contains(&("reduced", Arg::Money(m("380.00")))));
    facts.annual_income = m("40000.00");
    let message = run(&facts).rules[3].message.clone();
    assert_eq!(message.key, "rule-waiver-likely");
    // An N-400 at 400 % and above pays the full fee: nothing to suggest (but income fails).
    let facts = n400("132000.01");
    assert_eq!(outcome(&facts, Rule::FeeWaiver), Pass);
}

#[test]
fn fee_lines_must_match_the_schedule_or_carry_a_reason() {
    let mut facts = n400("60000.00");
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Pass);
    facts.lines[0].amount = m("380.00");
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Fail);
    facts.lines[0].override_reason = Some("reduced fee, income 182 %".into());
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Pass);
    facts.lines[0].override_reason = Some("   ".into());
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Fail);
    // The schedule in force on the check date: none before 2024-04-01.
    let mut early = n400("60000.00");
    early.on = d("2024-03-31");
    assert_eq!(outcome(&early, Rule::FeeSchedule), Outcome::Fail);
    // A category has its own rows.
    let mut daca = n400("30000.00");
    daca.lines = vec![LineFacts {
        category: "c33".into(),
        ..line("I-765", "520.00")
    }];
    assert_eq!(outcome(&daca, Rule::FeeSchedule), Outcome::Pass);
    daca.lines[0].category = "c9".into();
    assert_eq!(outcome(&daca, Rule::FeeSchedule), Outcome::Fail);
    facts.lines.clear();
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Fail);
}

/// An I-765 (c8) line as priced on `on` from the test tables.
fn c8_line(on: &str) -> LineFacts {
    let key = LineKey {
        form: "I-765",
        category: "c8",
        filing: Filing::Paper,
        renewal: false,
    };
    let priced = tables().fees.price(key, d(on)).unwrap();
    LineFacts {
        category: "c8".into(),
        components: priced.components.clone(),
        ..line("I-765", &priced.total().to_string())
    }
}

#[test]
fn each_component_is_compared_with_the_schedule() {
    let mut facts = n400("30000.00");
    facts.lines = vec![c8_line("2026-03-01")];
    facts.requested = m("1080.00");
    let rule = rule_of(&facts, Rule::FeeSchedule);
    assert_eq!(rule.outcome, Outcome::Pass, "{rule:?}");
    // Priced in 2025 (550.00), checked after the January adjustment (560.00): the statutory
    // part no longer matches, and no reason can excuse it.
    facts.lines = vec![c8_line("2025-12-15")];
    facts.lines[0].override_reason = Some("priced last year".into());
    let rule = rule_of(&facts, Rule::FeeSchedule);
    assert_eq!(rule.outcome, Outcome::Fail);
    assert_eq!(rule.message.key, "rule-fee-statutory-mismatch");
    assert!(
        rule.message
            .args
            .contains(&("fee", Arg::Money(m("560.00"))))
    );
    assert!(
        rule.message
            .args
            .contains(&("amount", Arg::Money(m("550.00"))))
    );
    // A reduced regular part with a reason passes; the statutory part stays whole.
    let mut reduced = c8_line("2026-03-01");
    reduced.components[0].fee = m("260.00");
    reduced.amount = m("820.00");
    reduced.override_reason = Some("filed with a pending I-485".into());
    facts.lines = vec![reduced];
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Pass);
    // The annual asylum fee is compared with the fee in force on its due date.
    let annual_key = LineKey {
        form: "I-589",
        category: "",
        filing: Filing::Paper,
        renewal: true,
    };
    let annual = tables().fees.price(annual_key, d("2025-12-20")).unwrap();
    facts.lines = vec![LineFacts {
        renewal: true,
        due_on: Some(d("2025-12-20")),
        components: annual.components,
        ..line("I-589", "100.00")
    }];
    facts.on = d("2026-01-05");
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Pass);
    facts.lines[0].due_on = Some(d("2026-01-20"));
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Fail);
}

#[test]
fn waiver_advice_never_covers_a_statutory_fee_and_says_so() {
    // At 90 % of the guideline an I-765 (c8) is waivable in its regular part only.
    let mut facts = n400("30000.00");
    facts.lines = vec![c8_line("2026-03-01")];
    let rule = rule_of(&facts, Rule::FeeWaiver);
    assert_eq!(rule.outcome, Outcome::Review);
    assert_eq!(rule.message.key, "rule-waiver-likely-statutory");
    assert!(
        rule.message
            .args
            .contains(&("statutory", Arg::Money(m("560.00"))))
    );
    // An I-589 pays only a statutory fee: nothing to waive, and the message says why.
    let key = LineKey {
        form: "I-589",
        category: "",
        filing: Filing::Paper,
        renewal: false,
    };
    let asylum = tables().fees.price(key, d("2026-03-01")).unwrap();
    facts.lines = vec![LineFacts {
        components: asylum.components,
        ..line("I-589", "100.00")
    }];
    let rule = rule_of(&facts, Rule::FeeWaiver);
    assert_eq!(rule.outcome, Outcome::Pass);
    assert_eq!(rule.message.key, "rule-waiver-none-statutory");
    // Without statutory fees, the messages are as before.
    facts.lines = vec![line("N-400", "760.00")];
    assert_eq!(
        rule_of(&facts, Rule::FeeWaiver).message.key,
        "rule-waiver-likely"
    );
}

#[test]
fn an_emptied_application_fails_the_schedule() {
    let mut facts = n400("60000.00");
    facts.lines.clear();
    assert_eq!(outcome(&facts, Rule::FeeSchedule), Outcome::Fail);
}

#[test]
fn caps_per_application_and_per_household_over_a_rolling_year() {
    use Outcome::*;
    let mut facts = n400("60000.00");
    facts.requested = m("2000.00");
    assert_eq!(outcome(&facts, Rule::ApplicationCap), Pass);
    facts.requested = m("2000.01");
    assert_eq!(outcome(&facts, Rule::ApplicationCap), Fail);
    // $2,240 granted 364 days before the check date counts; 365 days before does not.
    let mut facts = n400("60000.00");
    facts.prior_grants = vec![grant(Program::ImmigrationFee, "2240.00", "2025-03-02")];
    assert_eq!(
        outcome(&facts, Rule::HouseholdCap),
        Pass,
        "2240 + 760 = 3000"
    );
    facts.prior_grants[0].amount = m("2240.01");
    assert_eq!(outcome(&facts, Rule::HouseholdCap), Fail);
    facts.prior_grants[0].approved_on = d("2025-03-01");
    assert_eq!(
        outcome(&facts, Rule::HouseholdCap),
        Pass,
        "365 days ago: outside"
    );
    // Both programs count towards the household cap.
    facts.prior_grants = vec![
        grant(Program::Emergency, "1480.00", "2025-12-01"),
        grant(Program::ImmigrationFee, "760.00", "2026-02-01"),
    ];
    assert_eq!(outcome(&facts, Rule::HouseholdCap), Pass);
    facts
        .prior_grants
        .push(grant(Program::ImmigrationFee, "0.01", "2026-02-02"));
    assert_eq!(outcome(&facts, Rule::HouseholdCap), Fail);
}

#[test]
fn one_emergency_grant_a_year_and_at_most_1500() {
    use Outcome::*;
    let mut facts = emergency("1500.00");
    assert_eq!(outcome(&facts, Rule::EmergencyCap), Pass);
    facts.requested = m("1500.01");
    assert_eq!(outcome(&facts, Rule::EmergencyCap), Fail);
    let mut facts = emergency("500.00");
    facts.prior_grants = vec![grant(Program::Emergency, "300.00", "2025-03-02")];
    assert_eq!(outcome(&facts, Rule::OneEmergencyGrant), Fail);
    facts.prior_grants[0].approved_on = d("2025-03-01");
    assert_eq!(outcome(&facts, Rule::OneEmergencyGrant), Pass);
    // An immigration-fee grant is not an emergency grant.
    facts.prior_grants = vec![grant(Program::ImmigrationFee, "760.00", "2026-01-01")];
    assert_eq!(outcome(&facts, Rule::OneEmergencyGrant), Pass);
}

#[test]
fn documents_required_per_program_and_per_form() {
    let mut facts = n400("30000.00");
    facts.documents = vec![PhotoId, CompletedForm];
    assert_eq!(outcome(&facts, Rule::Documents), Outcome::Fail);
    assert_eq!(
        arg(&facts, Rule::Documents, "missing"),
        Arg::Documents(vec![vec![ProofOfIncome]])
    );
    // Either identity document will do for an emergency grant.
    let mut facts = emergency("500.00");
    assert_eq!(outcome(&facts, Rule::Documents), Outcome::Pass);
    facts.documents = vec![PhotoId];
    assert_eq!(outcome(&facts, Rule::Documents), Outcome::Fail);
    // A policy may ask more for one form.
    let mut policy = Policy::default_v1();
    policy
        .documents
        .by_form
        .insert("N-400".into(), vec![vec![Other]]);
    let facts = n400("30000.00");
    let result = evaluate(&facts, &policy, &tables());
    let docs = result
        .rules
        .iter()
        .find(|r| r.rule == Rule::Documents)
        .unwrap();
    assert_eq!(docs.outcome, Outcome::Fail);
}

#[test]
fn service_area_and_categories_come_from_the_policy() {
    let mut policy = Policy::default_v1();
    policy.service_area = vec!["CA".into(), "IL".into(), "NY".into()];
    policy.emergency.categories = vec![EmergencyCategory::Eviction];
    let mut facts = n400("60000.00");
    facts.state = "TX".into();
    let result = evaluate(&facts, &policy, &tables());
    assert_eq!(result.rules[1].outcome, Outcome::Fail);
    let mut facts = emergency("500.00");
    facts.emergency_category = Some(EmergencyCategory::Medical);
    let result = evaluate(&facts, &policy, &tables());
    let rule = result
        .rules
        .iter()
        .find(|r| r.rule == Rule::EmergencyCategoryAllowed)
        .unwrap();
    assert_eq!(rule.outcome, Outcome::Fail);
}

#[test]
fn the_result_follows_the_worst_outcome() {
    // Income above the reduced-fee band's floor: the reduced fee is suggested → review.
    assert_eq!(run(&n400("60000.00")).result, CheckResult::NeedsReview);
    // Over the income limit: a hard failure wins over review.
    assert_eq!(run(&n400("70000.00")).result, CheckResult::Ineligible);
    // Everything passes: the online N-400 has no waiver and no reduced fee... but 60,000
    // is in the reduced band, which is for paper; the suggestion still stands.
    let mut facts = n400("60000.00");
    facts.lines[0] = LineFacts {
        filing: Filing::Online,
        ..line("N-400", "710.00")
    };
    facts.requested = m("710.00");
    assert_eq!(run(&facts).result, CheckResult::NeedsReview);
    // An I-130 (no waiver, no reduced fee) within every limit is eligible.
    let mut facts = n400("60000.00");
    facts.lines = vec![line("I-130", "675.00")];
    facts.requested = m("675.00");
    let result = run(&facts);
    assert_eq!(result.result, CheckResult::Eligible, "{:#?}", result.rules);
    assert_eq!(result.guideline, Some(m("33000.00")));
    assert_eq!(result.percent_of_guideline, Some(Decimal::new(1818, 1)));
    assert_eq!(run(&emergency("1000.00")).result, CheckResult::Eligible);
}

#[test]
fn each_program_gets_one_outcome_per_rule() {
    for facts in [n400("10000.00"), emergency("100.00")] {
        let result = run(&facts);
        let rules: Vec<Rule> = result.rules.iter().map(|r| r.rule).collect();
        assert_eq!(rules, Rule::for_program(facts.program));
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn money() -> impl Strategy<Value = Money> {
        (0i64..=99_999_999_999_999).prop_map(Money::from_cents)
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0i64..4000).prop_map(|n| d("2020-01-01") + Duration::days(n))
    }

    fn kind() -> impl Strategy<Value = DocumentKind> {
        prop::sample::select(DocumentKind::ALL.to_vec())
    }

    prop_compose! {
        fn facts()(
            immigration in any::<bool>(),
            on in date(),
            size in -5i32..100,
            income in money(),
            state in prop::sample::select(vec!["CA", "AK", "HI", "NY", "ZZ", ""]),
            requested in money(),
            lines in prop::collection::vec(
                (prop::sample::select(vec!["N-400", "I-130", "I-90", "X-1", "I-765"]),
                 prop::sample::select(vec!["", "c33"]),
                 any::<bool>(), money(), prop::option::of("[ a-z]{0,3}")),
                0..4),
            category in prop::option::of(prop::sample::select(EmergencyCategory::ALL.to_vec())),
            documents in prop::collection::vec(kind(), 0..6),
            grants in prop::collection::vec((any::<bool>(), money(), date()), 0..5),
        ) -> Facts {
            Facts {
                on,
                program: if immigration { Program::ImmigrationFee } else { Program::Emergency },
                household_size: size,
                annual_income: income,
                state: state.into(),
                requested,
                lines: lines.into_iter().map(|(form, category, paper, amount, reason)| LineFacts {
                    form: form.into(),
                    category: category.into(),
                    filing: if paper { Filing::Paper } else { Filing::Online },
                    amount,
                    override_reason: reason,
                    renewal: false,
                    due_on: None,
                    components: Vec::new(),
                }).collect(),
                emergency_category: category,
                documents,
                prior_grants: grants.into_iter().map(|(emergency, amount, on)| PriorGrant {
                    number: "CEF-2025-00001".into(),
                    program: if emergency { Program::Emergency } else { Program::ImmigrationFee },
                    amount,
                    approved_on: on,
                }).collect(),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_panics_and_answers_every_rule_once(facts in facts()) {
            let result = evaluate(&facts, &Policy::default_v1(), &tables());
            let rules: Vec<Rule> = result.rules.iter().map(|r| r.rule).collect();
            prop_assert_eq!(rules.as_slice(), Rule::for_program(facts.program));
            let worst = if result.rules.iter().any(|r| r.outcome == Outcome::Fail) {
                CheckResult::Ineligible
            } else if result.rules.iter().any(|r| r.outcome == Outcome::Review) {
                CheckResult::NeedsReview
            } else {
                CheckResult::Eligible
            };
            prop_assert_eq!(result.result, worst);
        }
    }
}
