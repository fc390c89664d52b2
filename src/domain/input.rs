//! Parsing what people and programs send into domain values, collecting every problem
//! at once with the field it belongs to ("parse, don't validate"). A problem is a
//! catalogue key plus arguments, so the UI shows it in the user's language and the API
//! in English.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(key: &'static str) -> Problem {
        Problem {
            key,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Problem {
        self.args.push((name, value.to_string()));
        self
    }
}

/// Problems by field path (`name`, `address.state`, `members[0].birth_year`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Problem>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    pub fn single(field: impl Into<String>, problem: Problem) -> FieldErrors {
        let mut errors = FieldErrors::new();
        errors.add(field, problem);
        errors
    }

    /// Records a problem; the first one found for a field is kept.
    pub fn add(&mut self, field: impl Into<String>, problem: Problem) {
        self.0.entry(field.into()).or_insert(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.get(field)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Problem)> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was wrong.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// Longest free text we keep in a short field (names, addresses).
pub const SHORT_TEXT: usize = 200;
/// Longest story or note.
pub const LONG_TEXT: usize = 4000;

/// Trims and checks a text; `None` (with an error recorded) if it is unusable.
/// Control characters are refused: PostgreSQL cannot store NUL, and the others only hide text.
fn clean(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    max: usize,
    multiline: bool,
) -> Option<String> {
    let text = text.trim();
    if text.chars().count() > max {
        errors.add(field, Problem::new("err-too-long").arg("max", max));
        return None;
    }
    let bad = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t'));
    if text.chars().any(bad) {
        errors.add(field, Problem::new("err-control-chars"));
        return None;
    }
    Some(text.to_owned())
}

/// A text that must be there and not blank.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => {
            errors.add(field, Problem::new("err-required"));
            None
        }
        Some(text) => clean(errors, field, text, max, max > SHORT_TEXT),
    }
}

/// A text that may be absent; blank counts as absent.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(text) => clean(errors, field, text, max, max > SHORT_TEXT),
    }
}

/// A value from a closed vocabulary, given as its text.
pub fn required_choice<T: Copy>(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Option<T> {
    if value.is_none_or(|v| v.trim().is_empty()) {
        errors.add(field, Problem::new("err-required"));
        return None;
    }
    optional_choice(errors, field, value, parse, all, as_str)
}

/// A value from a closed vocabulary that may be absent; blank counts as absent.
pub fn optional_choice<T: Copy>(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Option<T> {
    let text = value.map(str::trim).filter(|t| !t.is_empty())?;
    parse(text).or_else(|| {
        let allowed: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
        errors.add(
            field,
            Problem::new("err-choice").arg("allowed", allowed.join(", ")),
        );
        None
    })
}

/// The text of a JSON scalar, so `4` and `"4"` (as a form sends it) read the same.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

/// A whole number however it is written: `4`, `"4"`, and `4.0` or `4e0` too (JSON has one
/// kind of number, and JSON Schema counts `4.0` as an integer).
fn whole_number(text: &str) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    text.parse::<i64>().ok().or_else(|| {
        let d = text
            .parse::<rust_decimal::Decimal>()
            .or_else(|_| rust_decimal::Decimal::from_scientific(text))
            .ok()?;
        d.fract().is_zero().then(|| d.to_i64()).flatten()
    })
}

/// A whole number within `min..=max`; `None` if absent (no error) or wrong (error recorded).
pub fn optional_int(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&Value>,
    min: i64,
    max: i64,
) -> Option<i64> {
    if is_blank(value) {
        return None;
    }
    let parsed = value.and_then(scalar_text).and_then(|t| whole_number(&t));
    match parsed {
        Some(n) if (min..=max).contains(&n) => Some(n),
        Some(_) => {
            errors.add(
                field,
                Problem::new("err-int-range")
                    .arg("min", min)
                    .arg("max", max),
            );
            None
        }
        None => {
            errors.add(field, Problem::new("err-int"));
            None
        }
    }
}

/// A record id given as query-string text (`?fund_id=3`); `None` if absent.
pub fn optional_id(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<i64> {
    let value = value.map(|v| Value::String(v.to_owned()));
    optional_int(errors, field, value.as_ref(), 1, i64::MAX)
}

pub fn required_int(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&Value>,
    min: i64,
    max: i64,
) -> Option<i64> {
    if is_blank(value) {
        errors.add(field, Problem::new("err-required"));
        return None;
    }
    optional_int(errors, field, value, min, max)
}

/// An amount of money; `None` if absent (no error) or wrong (error recorded).
pub fn optional_money(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&Value>,
) -> Option<Money> {
    if is_blank(value) {
        return None;
    }
    // API.md: money is a decimal string. A JSON number would pass through a binary float
    // in many clients before it got here, so it is refused rather than guessed at.
    let text = match value {
        Some(Value::String(text)) => text,
        Some(Value::Number(_)) => {
            errors.add(field, Problem::new("err-money-text"));
            return None;
        }
        _ => {
            errors.add(field, Problem::new("err-money-format"));
            return None;
        }
    };
    Money::parse(text)
        .map_err(|e| errors.add(field, Problem::new(e.key())))
        .ok()
}

pub fn required_money(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&Value>,
) -> Option<Money> {
    if is_blank(value) {
        errors.add(field, Problem::new("err-required"));
        return None;
    }
    optional_money(errors, field, value)
}

/// The dates the books can hold (document numbers carry the year, from 2000).
pub const FIRST_DATE: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
pub const LAST_DATE: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();

/// A date written `YYYY-MM-DD`; `None` if absent (no error) or wrong (error recorded).
pub fn optional_date(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
) -> Option<chrono::NaiveDate> {
    let date = filter_date(errors, field, value)?;
    if (FIRST_DATE..=LAST_DATE).contains(&date) {
        Some(date)
    } else {
        errors.add(
            field,
            Problem::new("err-date-range")
                .arg("first", FIRST_DATE)
                .arg("last", LAST_DATE),
        );
        None
    }
}

/// A date that only narrows a list (`?from=`), so any calendar date will do: one outside
/// the books' years simply matches nothing, or everything.
pub fn filter_date(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
) -> Option<chrono::NaiveDate> {
    let text = value.map(str::trim).filter(|t| !t.is_empty())?;
    text.parse::<chrono::NaiveDate>()
        .map_err(|_| errors.add(field, Problem::new("err-date")))
        .ok()
}

pub fn required_date(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
) -> Option<chrono::NaiveDate> {
    if value.is_none_or(|v| v.trim().is_empty()) {
        errors.add(field, Problem::new("err-required"));
        return None;
    }
    optional_date(errors, field, value)
}

/// An uploaded CSV file (a bank statement, a fee schedule): a byte order mark dropped,
/// rows of any width, and its header's cells trimmed; `None` when the header cannot be read.
pub fn csv_with_header(bytes: &[u8]) -> Option<(csv::Reader<&[u8]>, Vec<String>)> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .headers()
        .ok()?
        .iter()
        .map(|c| c.trim().to_owned())
        .collect();
    Some((reader, header))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_are_trimmed_and_blank_is_missing() {
        let mut e = FieldErrors::new();
        assert_eq!(
            required_text(&mut e, "name", Some("  김민준 🙂 "), 50),
            Some("김민준 🙂".into())
        );
        assert_eq!(required_text(&mut e, "a", Some("   "), 50), None);
        assert_eq!(optional_text(&mut e, "b", Some(""), 50), None);
        assert_eq!(required_text(&mut e, "c", Some("x\u{0}y"), 50), None);
        assert_eq!(required_text(&mut e, "d", Some(&"가".repeat(51)), 50), None);
        assert_eq!(e.get("a").unwrap().key, "err-required");
        assert!(e.get("b").is_none());
        assert_eq!(e.get("c").unwrap().key, "err-control-chars");
        assert_eq!(e.get("d").unwrap().key, "err-too-long");
    }

    #[test]
    fn numbers_come_as_json_numbers_or_form_text() {
        let mut e = FieldErrors::new();
        assert_eq!(
            required_int(&mut e, "size", Some(&json!(4)), 1, 30),
            Some(4)
        );
        assert_eq!(
            required_int(&mut e, "size2", Some(&json!("4")), 1, 30),
            Some(4)
        );
        assert_eq!(required_int(&mut e, "zero", Some(&json!(0)), 1, 30), None);
        assert_eq!(required_int(&mut e, "frac", Some(&json!(2.5)), 1, 30), None);
        // JSON Schema's integer: 4.0 and 4e0 are the number 4.
        let whole: Value = serde_json::from_str("[4.0, 4e0, 1e400]").unwrap();
        assert_eq!(required_int(&mut e, "f", Some(&whole[0]), 1, 30), Some(4));
        assert_eq!(required_int(&mut e, "g", Some(&whole[1]), 1, 30), Some(4));
        assert_eq!(required_int(&mut e, "huge", Some(&whole[2]), 1, 30), None);
        assert_eq!(e.get("huge").unwrap().key, "err-int");
        assert_eq!(required_int(&mut e, "missing", None, 1, 30), None);
        assert_eq!(e.get("zero").unwrap().key, "err-int-range");
        assert_eq!(e.get("frac").unwrap().key, "err-int");
        assert_eq!(e.get("missing").unwrap().key, "err-required");
    }

    #[test]
    fn money_fields_report_the_money_problem() {
        let mut e = FieldErrors::new();
        assert_eq!(
            required_money(&mut e, "ok", Some(&json!("48000")))
                .unwrap()
                .to_string(),
            "48000.00"
        );
        assert_eq!(required_money(&mut e, "neg", Some(&json!("-1"))), None);
        assert_eq!(required_money(&mut e, "three", Some(&json!("1.005"))), None);
        assert_eq!(required_money(&mut e, "obj", Some(&json!({"a": 1}))), None);
        assert_eq!(required_money(&mut e, "num", Some(&json!(250.5))), None);
        assert_eq!(e.get("num").unwrap().key, "err-money-text");
        assert_eq!(e.get("neg").unwrap().key, "err-money-negative");
        assert_eq!(e.get("three").unwrap().key, "err-money-precision");
        assert_eq!(e.get("obj").unwrap().key, "err-money-format");
    }
}
