//! An application as entered: the raw input and its parsed form, and the pricing of a
//! fee line against the USCIS schedule.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use super::fees::{Component, Priced};
use super::input::*;
use super::money::Money;
use super::vocab::{DocumentKind, EmergencyCategory, Filing, Program};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub household_id: Option<Value>,
    /// The site's code: `LA`, `CHI` or `NYC`.
    #[schema(value_type = String, required = true, example = "LA", pattern = r"^\s*[A-Za-z]{1,10}\s*$")]
    pub site: Option<String>,
    #[schema(value_type = crate::domain::Program, required = true)]
    pub program: Option<String>,
    pub lines: Option<Vec<FeeLineInput>>,
    pub emergency: Option<EmergencyInput>,
    /// Whether the family is related to a board member, officer, staff member or major
    /// donor of the fund (asked at intake; the IRS grant file reports it).
    #[schema(value_type = Option<crate::domain::InsiderRelationship>)]
    pub insider_relationship: Option<String>,
    /// Who, and how, when there is a relationship.
    #[schema(value_type = Option<super::schema::OptionalText>)]
    pub insider_note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FeeLineInput {
    #[schema(value_type = String, required = true, example = "N-400")]
    pub form: Option<String>,
    /// The eligibility category where the fee differs by it (`c33` for DACA); usually absent.
    pub category: Option<String>,
    #[schema(value_type = Option<crate::domain::Filing>)]
    pub filing: Option<String>,
    /// The household member the form is for: their id, or their name as recorded.
    #[schema(value_type = Option<i64>)]
    pub beneficiary: Option<Value>,
    /// Leave out to take the fee from the USCIS schedule.
    #[schema(value_type = Option<super::Money>)]
    pub amount: Option<Value>,
    /// Required when `amount` differs from the schedule (e.g. the N-400 reduced fee).
    #[schema(value_type = Option<super::schema::OptionalText>)]
    pub override_reason: Option<String>,
    /// A renewal: an EAD renewal, or for I-589 the annual asylum fee.
    #[schema(value_type = Option<bool>)]
    pub renewal: Option<Value>,
    /// For I-589: the date the asylum application was (or will be) filed; required for
    /// the annual fee, which falls due on each anniversary.
    #[schema(value_type = Option<String>, format = Date, example = "2025-03-10")]
    pub filed_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EmergencyInput {
    #[schema(value_type = crate::domain::EmergencyCategory, required = true)]
    pub category: Option<String>,
    #[schema(value_type = super::Money, required = true, example = "1200.00")]
    pub amount: Option<Value>,
    #[schema(value_type = super::schema::LongText, required = true)]
    pub story: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Beneficiary {
    MemberId(i64),
    Name(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeeLineRequest {
    pub form: String,
    pub category: String,
    pub filing: Filing,
    pub beneficiary: Option<Beneficiary>,
    pub amount: Option<Money>,
    pub override_reason: Option<String>,
    pub renewal: bool,
    pub filed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProgramDetails {
    ImmigrationFee(Vec<FeeLineRequest>),
    Emergency {
        category: EmergencyCategory,
        amount: Money,
        story: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    pub household_id: i64,
    pub site: String,
    pub details: ProgramDetails,
    /// The answer to the insider question, if it was asked, with its note.
    pub insider: Option<super::InsiderRelationship>,
    pub insider_note: Option<String>,
}

impl NewApplication {
    pub fn program(&self) -> Program {
        match self.details {
            ProgramDetails::ImmigrationFee(_) => Program::ImmigrationFee,
            ProgramDetails::Emergency { .. } => Program::Emergency,
        }
    }
}

pub const MAX_FEE_LINES: usize = 10;

/// `n-400 ` → `N-400`; `None` if it cannot be a USCIS form code.
pub fn normalize_form_code(text: &str) -> Option<String> {
    let code = text.trim().to_ascii_uppercase();
    let (letter, rest) = code.split_once('-')?;
    let ok = letter.len() == 1
        && letter.chars().all(|c| c.is_ascii_uppercase())
        && !rest.is_empty()
        && rest.len() <= 6
        && rest.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then_some(code)
}

fn parse_line(e: &mut FieldErrors, i: usize, line: &FeeLineInput) -> Option<FeeLineRequest> {
    let field = |name: &str| format!("lines[{i}].{name}");
    let form = match line.form.as_deref().map(str::trim) {
        None | Some("") => {
            e.add(field("form"), Problem::new("err-required"));
            None
        }
        Some(text) => normalize_form_code(text).or_else(|| {
            e.add(
                field("form"),
                Problem::new("err-form-unknown").arg("form", text),
            );
            None
        }),
    };
    let category =
        optional_text(e, &field("category"), line.category.as_deref(), 10).unwrap_or_default();
    let filing = required_choice(
        e,
        &field("filing"),
        line.filing.as_deref(),
        Filing::parse,
        Filing::ALL,
        Filing::as_str,
    );
    let beneficiary = match &line.beneficiary {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(id) => Some(Beneficiary::MemberId(id)),
            None => {
                e.add(field("beneficiary"), Problem::new("err-beneficiary"));
                None
            }
        },
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => {
            optional_text(e, &field("beneficiary"), Some(s), SHORT_TEXT).map(Beneficiary::Name)
        }
        Some(_) => {
            e.add(field("beneficiary"), Problem::new("err-beneficiary"));
            None
        }
    };
    let amount = optional_money(e, &field("amount"), line.amount.as_ref());
    if amount.is_some_and(Money::is_zero) {
        e.add(field("amount"), Problem::new("err-amount-positive"));
    }
    let override_reason = optional_text(
        e,
        &field("override_reason"),
        line.override_reason.as_deref(),
        SHORT_TEXT,
    );
    let renewal = match &line.renewal {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => {
            e.add(field("renewal"), Problem::new("err-boolean"));
            false
        }
    };
    let filed_on = optional_date(e, &field("filed_on"), line.filed_on.as_deref());
    if renewal && filed_on.is_none() && form.as_deref() == Some(ASYLUM_FORM) {
        e.add(field("filed_on"), Problem::new("err-filed-on-required"));
    }
    if filed_on.is_some() && form.as_deref().is_some_and(|f| f != ASYLUM_FORM) {
        e.add(field("filed_on"), Problem::new("err-filed-on-asylum"));
    }
    Some(FeeLineRequest {
        form: form?,
        category,
        filing: filing?,
        beneficiary,
        amount,
        override_reason,
        renewal,
        filed_on,
    })
}

fn parse_emergency(e: &mut FieldErrors, input: Option<&EmergencyInput>) -> Option<ProgramDetails> {
    let Some(input) = input else {
        e.add("emergency", Problem::new("err-required"));
        return None;
    };
    let category = required_choice(
        e,
        "emergency.category",
        input.category.as_deref(),
        EmergencyCategory::parse,
        EmergencyCategory::ALL,
        EmergencyCategory::as_str,
    );
    let amount = required_money(e, "emergency.amount", input.amount.as_ref());
    if amount.is_some_and(Money::is_zero) {
        e.add("emergency.amount", Problem::new("err-amount-positive"));
    }
    let story = required_text(e, "emergency.story", input.story.as_deref(), LONG_TEXT);
    Some(ProgramDetails::Emergency {
        category: category?,
        amount: amount?,
        story: story?,
    })
}

impl ApplicationInput {
    pub fn parse(&self) -> Result<NewApplication, FieldErrors> {
        let mut e = FieldErrors::new();
        let household_id = required_int(
            &mut e,
            "household_id",
            self.household_id.as_ref(),
            1,
            i64::MAX,
        );
        let site =
            required_text(&mut e, "site", self.site.as_deref(), 10).map(|s| s.to_ascii_uppercase());
        let program = required_choice(
            &mut e,
            "program",
            self.program.as_deref(),
            Program::parse,
            Program::ALL,
            Program::as_str,
        );
        let details = match program {
            Some(Program::ImmigrationFee) => {
                let lines = self.lines.as_deref().unwrap_or_default();
                if lines.is_empty() {
                    e.add("lines", Problem::new("err-lines-required"));
                } else if lines.len() > MAX_FEE_LINES {
                    e.add(
                        "lines",
                        Problem::new("err-too-many").arg("max", MAX_FEE_LINES),
                    );
                }
                let parsed: Vec<_> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| parse_line(&mut e, i, l))
                    .collect();
                parsed
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(ProgramDetails::ImmigrationFee)
            }
            Some(Program::Emergency) => parse_emergency(&mut e, self.emergency.as_ref()),
            None => None,
        };
        let insider = optional_choice(
            &mut e,
            "insider_relationship",
            self.insider_relationship.as_deref(),
            super::InsiderRelationship::parse,
            super::InsiderRelationship::ALL,
            super::InsiderRelationship::as_str,
        );
        let insider_note = optional_text(
            &mut e,
            "insider_note",
            self.insider_note.as_deref(),
            LONG_TEXT,
        );
        e.finish(|| NewApplication {
            household_id: household_id.unwrap_or_default(),
            site: site.unwrap_or_default(),
            details: details.expect("checked"),
            insider,
            insider_note,
        })
    }
}

/// The form whose filing date a line records: the asylum application, whose annual
/// statutory fee falls due on each anniversary of its filing.
pub const ASYLUM_FORM: &str = "I-589";

/// What a line will pay, part by part, given what the schedule prices it at: the
/// schedule's own parts when no amount is given. A different amount needs a reason and
/// changes the regular fee only: statutory fees are never reduced.
pub fn price_fee_line(line: &FeeLineRequest, priced: &Priced) -> Result<Vec<Component>, Problem> {
    let total = priced.total();
    match line.amount {
        None => Ok(priced.components.clone()),
        Some(amount) if amount == total => Ok(priced.components.clone()),
        Some(amount) if line.override_reason.is_some() => {
            let statutory = priced.statutory_total();
            let regular = Money::from_decimal(amount.decimal() - statutory.decimal())
                .ok()
                .filter(|_| priced.components.iter().any(|c| !c.statutory))
                .ok_or_else(|| {
                    Problem::new("err-fee-statutory").arg("statutory", statutory.display())
                })?;
            Ok(priced
                .components
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    if !c.statutory {
                        c.fee = regular;
                    }
                    c
                })
                .collect())
        }
        Some(_) => Err(Problem::new("err-fee-differs").arg("fee", total.display())),
    }
}

/// A document a caseworker saw.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DocumentInput {
    #[schema(value_type = crate::domain::DocumentKind, required = true)]
    pub kind: Option<String>,
    #[schema(value_type = Option<super::schema::Note>)]
    pub note: Option<String>,
}

impl DocumentInput {
    pub fn parse(&self) -> Result<(DocumentKind, Option<String>), FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = required_choice(
            &mut e,
            "kind",
            self.kind.as_deref(),
            DocumentKind::parse,
            DocumentKind::ALL,
            DocumentKind::as_str,
        );
        let note = optional_text(&mut e, "note", self.note.as_deref(), LONG_TEXT);
        e.finish(|| (kind.expect("checked"), note))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<NewApplication, FieldErrors> {
        serde_json::from_value::<ApplicationInput>(v)
            .unwrap()
            .parse()
    }

    #[test]
    fn form_codes_are_normalized() {
        assert_eq!(normalize_form_code(" n-400 ").as_deref(), Some("N-400"));
        assert_eq!(normalize_form_code("I-821D").as_deref(), Some("I-821D"));
        assert_eq!(normalize_form_code("N400"), None);
        assert_eq!(normalize_form_code("NN-400"), None);
        assert_eq!(normalize_form_code("N-"), None);
    }

    #[test]
    fn an_immigration_fee_application_parses() {
        let app = parse(json!({
            "household_id": 7, "site": "la", "program": "immigration_fee",
            "lines": [{"form": "N-400", "filing": "paper", "beneficiary": "Kim Minjun"}]
        }))
        .unwrap();
        assert_eq!(app.site, "LA");
        let ProgramDetails::ImmigrationFee(lines) = app.details else {
            panic!()
        };
        assert_eq!(lines[0].form, "N-400");
        assert_eq!(lines[0].amount, None);
        assert_eq!(
            lines[0].beneficiary,
            Some(Beneficiary::Name("Kim Minjun".into()))
        );
    }

    #[test]
    fn an_emergency_application_needs_its_details() {
        let e = parse(json!({"household_id": 7, "site": "LA", "program": "emergency", "emergency": {"category": "flood", "amount": "0"}}))
            .unwrap_err();
        assert_eq!(e.get("emergency.category").unwrap().key, "err-choice");
        assert_eq!(
            e.get("emergency.amount").unwrap().key,
            "err-amount-positive"
        );
        assert_eq!(e.get("emergency.story").unwrap().key, "err-required");
        let e = parse(json!({"household_id": 7, "site": "LA", "program": "loan"})).unwrap_err();
        assert_eq!(e.get("program").unwrap().key, "err-choice");
    }

    #[test]
    fn fee_lines_need_a_known_shape() {
        let e = parse(
            json!({"household_id": 7, "site": "LA", "program": "immigration_fee", "lines": []}),
        )
        .unwrap_err();
        assert_eq!(e.get("lines").unwrap().key, "err-lines-required");
        let e = parse(
            json!({"household_id": 7, "site": "LA", "program": "immigration_fee",
            "lines": [{"form": "Form 400", "filing": "fax", "amount": "12.345"}]}),
        )
        .unwrap_err();
        assert_eq!(e.get("lines[0].form").unwrap().key, "err-form-unknown");
        assert_eq!(e.get("lines[0].filing").unwrap().key, "err-choice");
        assert_eq!(e.get("lines[0].amount").unwrap().key, "err-money-precision");
    }

    fn priced(parts: &[(&str, bool)]) -> Priced {
        use super::super::fees::{ComponentKind, ComponentSource, RegularFee};
        let regular = RegularFee {
            id: 1,
            form: "I-765".into(),
            category: String::new(),
            name: "I-765".into(),
            name_ko: None,
            filing: Filing::Paper,
            fee: Money::parse(parts[0].0).unwrap(),
            effective_from: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            fee_waiver_available: true,
            notes: String::new(),
            source: String::new(),
        };
        Priced {
            regular,
            components: parts
                .iter()
                .map(|(fee, statutory)| Component {
                    kind: if *statutory {
                        ComponentKind::Initial
                    } else {
                        ComponentKind::Regular
                    },
                    name: String::new(),
                    fee: Money::parse(fee).unwrap(),
                    statutory: *statutory,
                    waivable: !statutory,
                    source: ComponentSource::Regular(1),
                })
                .collect(),
        }
    }

    fn total(parts: &[Component]) -> String {
        parts
            .iter()
            .map(|c| c.fee.to_string())
            .collect::<Vec<_>>()
            .join("+")
    }

    #[test]
    fn pricing_takes_the_schedule_or_a_reasoned_override() {
        let n400 = priced(&[("760", false)]);
        let mut line = FeeLineRequest {
            form: "N-400".into(),
            category: String::new(),
            filing: Filing::Paper,
            beneficiary: None,
            amount: None,
            override_reason: None,
            renewal: false,
            filed_on: None,
        };
        assert_eq!(total(&price_fee_line(&line, &n400).unwrap()), "760.00");
        line.amount = Some(Money::parse("380").unwrap());
        assert_eq!(
            price_fee_line(&line, &n400).unwrap_err().key,
            "err-fee-differs"
        );
        line.override_reason = Some("reduced fee".into());
        assert_eq!(total(&price_fee_line(&line, &n400).unwrap()), "380.00");
        // With a statutory part, a reduction reduces the regular fee only, never below it.
        let c8 = priced(&[("520.00", false), ("560.00", true)]);
        line.amount = Some(Money::parse("820").unwrap());
        assert_eq!(total(&price_fee_line(&line, &c8).unwrap()), "260.00+560.00");
        line.amount = Some(Money::parse("500").unwrap());
        assert_eq!(
            price_fee_line(&line, &c8).unwrap_err().key,
            "err-fee-statutory"
        );
        let annual = priced(&[("102.00", true)]);
        line.amount = Some(Money::parse("150").unwrap());
        assert_eq!(
            price_fee_line(&line, &annual).unwrap_err().key,
            "err-fee-statutory"
        );
    }

    #[test]
    fn an_asylum_renewal_needs_its_filing_date() {
        let e = parse(json!({"household_id": 7, "site": "LA", "program": "immigration_fee",
            "lines": [{"form": "I-589", "filing": "paper", "renewal": true},
                      {"form": "N-400", "filing": "paper", "filed_on": "2025-01-01", "renewal": "yes"}]}))
        .unwrap_err();
        assert_eq!(
            e.get("lines[0].filed_on").unwrap().key,
            "err-filed-on-required"
        );
        assert_eq!(
            e.get("lines[1].filed_on").unwrap().key,
            "err-filed-on-asylum"
        );
        assert_eq!(e.get("lines[1].renewal").unwrap().key, "err-boolean");
    }
}
