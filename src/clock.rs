//! The one clock. It decides "now" and "today" (in the fund's time zone) for every rule
//! and every business date the service writes: entry dates, application numbers, expiry,
//! "not in the future", the policy in force. Nothing asks PostgreSQL's `current_date` or
//! the machine's calendar for those. Tests move it, so no test depends on the day or the
//! hour it runs; `TEST_CLOCK` starts a whole process at a chosen instant.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Clock {
    timezone: Tz,
    /// Milliseconds added to the machine's time: zero unless a test or `TEST_CLOCK` moved it.
    shift_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The machine's time, read in `timezone`.
    pub fn new(timezone: Tz) -> Clock {
        Clock {
            timezone,
            shift_ms: Arc::new(AtomicI64::new(0)),
        }
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn starting_at(timezone: Tz, at: DateTime<Utc>) -> Clock {
        let clock = Clock::new(timezone);
        clock.set(at);
        clock
    }

    /// Moves the clock (every copy of it) so that it reads `at` now.
    pub fn set(&self, at: DateTime<Utc>) {
        let shift = (at - Utc::now()).num_milliseconds();
        self.shift_ms.store(shift, Ordering::Relaxed);
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::milliseconds(self.shift_ms.load(Ordering::Relaxed))
    }

    /// Today in the fund's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.timezone).date_naive()
    }

    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// Today and the time zone, read once for one use case.
    pub fn read(&self) -> Today {
        Today {
            today: self.today(),
            timezone: self.timezone.name(),
        }
    }
}

/// The fund's day and time zone as one use case saw them: dated rules (windows, expiry,
/// "not in the future") and SQL that turns stored instants into the fund's dates use it.
#[derive(Debug, Clone, Copy)]
pub struct Today {
    pub today: NaiveDate,
    pub timezone: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_fund_s_date_not_utc_s() {
        // 23:30 in Los Angeles on the last day of a month is already the next month in UTC.
        let at: DateTime<Utc> = "2026-12-01T07:30:00Z".parse().unwrap();
        let clock = Clock::starting_at(chrono_tz::America::Los_Angeles, at);
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        let copy = clock.clone();
        clock.set("2026-12-01T08:30:00Z".parse().unwrap());
        assert_eq!(copy.today(), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(copy.read().timezone, "America/Los_Angeles");
    }
}
