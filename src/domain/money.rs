//! `Money`: a non-negative amount of US dollars with at most two decimal places.
//!
//! Parsed exactly from a decimal string (`"760.00"`) or an exact JSON number (the
//! service enables serde_json's `arbitrary_precision`, so `760.005` is seen as written,
//! never rounded through a float). Sent as a string with two decimals.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest amount a `NUMERIC(14,2)` column holds.
const MAX_CENTS: i64 = 99_999_999_999_999;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Numeric)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be an amount in dollars, like 760.00")]
    NotANumber,
    #[error("must not be negative")]
    Negative,
    #[error("must have at most two decimal places")]
    TooPrecise,
    #[error("is too large")]
    TooLarge,
}

impl MoneyError {
    /// The catalogue key of this problem, for messages in the user's language.
    pub fn key(&self) -> &'static str {
        match self {
            MoneyError::NotANumber => "err-money-format",
            MoneyError::Negative => "err-money-negative",
            MoneyError::TooPrecise => "err-money-precision",
            MoneyError::TooLarge => "err-money-too-large",
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses what a person or a program typed. Accepts `1234.5`, `1,234.50`, `$1,234.50`.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let cleaned: String = text
            .trim()
            .trim_start_matches('$')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        if cleaned.is_empty()
            || !cleaned
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
        {
            // Rejects exponents (`1e400`), spaces, letters and the like.
            return Err(MoneyError::NotANumber);
        }
        let digits = cleaned.trim_start_matches(['-', '+']).replace('.', "");
        if digits.trim_start_matches('0').len() > 20 {
            return Err(MoneyError::TooLarge);
        }
        let value = Decimal::from_str_exact(&cleaned).map_err(|_| MoneyError::NotANumber)?;
        Money::from_decimal(value)
    }

    pub fn from_decimal(value: Decimal) -> Result<Money, MoneyError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        if value.scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        if value > Decimal::new(MAX_CENTS, 2) {
            return Err(MoneyError::TooLarge);
        }
        let mut value = value.abs();
        value.rescale(2);
        Ok(Money(value))
    }

    pub fn from_cents(cents: i64) -> Money {
        Money(Decimal::new(cents, 2))
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Sums amounts; `None` if the total would not fit the database column.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Option<Money> {
        let mut total = Decimal::ZERO;
        for item in items {
            total = total.checked_add(item.0)?;
        }
        Money::from_decimal(total).ok()
    }

    /// `$1,234.50`, as people read amounts in both languages.
    pub fn display(self) -> String {
        display_amount(self.0)
    }
}

/// `$1,234.50`, or `−$20.00` below zero: a computed amount (a running balance, a sum) as
/// people read it. Stored amounts are [`Money`] and use [`Money::display`].
pub fn display_amount(amount: Decimal) -> String {
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "−"
    } else {
        ""
    };
    let text = format!("{:.2}", amount.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}${grouped}.{cents}")
}

/// The plain two-decimal form used in JSON, CSV and form fields: `1234.50`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through `Value` so a JSON number arrives with its exact digits.
        let text = match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(serde::de::Error::custom(MoneyError::NotANumber)),
        };
        Money::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// In JSON, money is a decimal string with two places (`"760.00"`); requests may also send
/// a JSON number, which is read exactly.
/// A stored amount that is not money (negative, or more than two places) is an error
/// when read, never another amount.
impl diesel::deserialize::FromSql<diesel::sql_types::Numeric, diesel::pg::Pg> for Money {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let d = <Decimal as diesel::deserialize::FromSql<
            diesel::sql_types::Numeric,
            diesel::pg::Pg,
        >>::from_sql(value)?;
        Money::from_decimal(d).map_err(|e| format!("a stored amount {d} {e}").into())
    }
}

impl diesel::serialize::ToSql<diesel::sql_types::Numeric, diesel::pg::Pg> for Money {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        <Decimal as diesel::serialize::ToSql<diesel::sql_types::Numeric, diesel::pg::Pg>>::to_sql(
            &self.0, out,
        )
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^\d{1,12}\.\d{2}$"))
            .examples(["760.00"])
            .into()
    }
}

impl utoipa::ToSchema for Money {}

impl maud::Render for Money {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&self.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_amounts() {
        assert_eq!(Money::parse("760").unwrap().to_string(), "760.00");
        assert_eq!(Money::parse("760.5").unwrap().to_string(), "760.50");
        assert_eq!(Money::parse(" $1,234.56 ").unwrap().to_string(), "1234.56");
        assert_eq!(Money::parse("0").unwrap(), Money::ZERO);
        assert_eq!(Money::parse("-0").unwrap(), Money::ZERO);
    }

    #[test]
    fn refuses_what_is_not_money() {
        assert_eq!(Money::parse("-5.00"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("10.005"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("10.000"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("1e400"), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse(""), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse("abc"), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse("NaN"), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse("1000000000000.00"), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse(&"9".repeat(400)), Err(MoneyError::TooLarge));
        assert!(Money::parse("999999999999.99").is_ok());
    }

    #[test]
    fn json_numbers_are_taken_exactly() {
        let m: Money = serde_json::from_str("760.10").unwrap();
        assert_eq!(m.to_string(), "760.10");
        assert!(serde_json::from_str::<Money>("0.1").is_ok());
        assert!(serde_json::from_str::<Money>("10.005").is_err());
        assert!(serde_json::from_str::<Money>("1e400").is_err());
        assert!(serde_json::from_str::<Money>("-1").is_err());
        assert!(serde_json::from_str::<Money>("true").is_err());
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"760.10\"");
    }

    #[test]
    fn displays_with_thousands() {
        assert_eq!(Money::parse("760").unwrap().display(), "$760.00");
        assert_eq!(
            Money::parse("1234567.8").unwrap().display(),
            "$1,234,567.80"
        );
        assert_eq!(Money::parse("100").unwrap().display(), "$100.00");
    }

    #[test]
    fn sums_within_the_column() {
        let a = Money::parse("0.10").unwrap();
        let b = Money::parse("0.20").unwrap();
        assert_eq!(Money::sum([a, b]).unwrap().to_string(), "0.30");
        let big = Money::parse("999999999999.99").unwrap();
        assert_eq!(Money::sum([big, big]), None);
    }
}
