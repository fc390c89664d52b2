//! A month of the books (`2026-11`): the unit an accountant closes.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};

/// A calendar month, held as its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    /// Reads `YYYY-MM` exactly (a month from 01 to 12, years the books hold).
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.split_once('-')?;
        if year.len() != 4
            || month.len() != 2
            || !(year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
        (super::input::FIRST_DATE..=super::input::LAST_DATE)
            .contains(&date)
            .then_some(Month(date))
    }

    /// The month a day is in.
    pub fn of(day: NaiveDate) -> Month {
        Month(day.with_day(1).expect("every month has a first day"))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        self.next()
            .0
            .pred_opt()
            .expect("a day before the first of a month")
    }

    pub fn next(self) -> Month {
        Month(self.0 + Months::new(1))
    }

    pub fn previous(self) -> Month {
        Month(self.0 - Months::new(1))
    }

    /// As a number for records that take one (`202611`).
    pub fn number(self) -> i64 {
        i64::from(self.0.year()) * 100 + i64::from(self.0.month())
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_only_as_yyyy_mm() {
        let november = Month::parse("2026-11").unwrap();
        assert_eq!(november.to_string(), "2026-11");
        assert_eq!(
            november.last_day(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(november.next().to_string(), "2026-12");
        assert_eq!(
            Month::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(november.previous().to_string(), "2026-10");
        assert_eq!(november.number(), 202611);
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026-11-01",
            "",
            "２０２６-11",
            "1999-12",
            "+026-11",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Month::of(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()).to_string(),
            "2024-02"
        );
    }
}
