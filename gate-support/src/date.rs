//! One calendar type for the whole project: [`Date`], a proleptic Gregorian day in UTC, built
//! on chrono's `NaiveDate`. Waiver expiry, `init`'s baseline waivers, `checklist.closed`'s
//! review dates and the runtime's decision-log timestamps all go through it, so they cannot
//! disagree about what `2028-02-29` is or which day it is today.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::fmt;
use std::time::SystemTime;

/// A calendar day. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

/// 1970-01-01.
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch is a date")
}

impl Date {
    /// The day `days` after 1970-01-01 (clamped to the years chrono represents).
    pub fn from_days(days: i64) -> Date {
        let date = if days >= 0 {
            epoch().checked_add_days(chrono::Days::new(days.unsigned_abs()))
        } else {
            epoch().checked_sub_days(chrono::Days::new(days.unsigned_abs()))
        };
        Date(date.unwrap_or(if days >= 0 {
            NaiveDate::MAX
        } else {
            NaiveDate::MIN
        }))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        self.0.signed_duration_since(epoch()).num_days()
    }

    /// The day of `year-month-day`, when it exists (no 2026-02-30, no month 13).
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day).map(Date)
    }

    /// Parses `YYYY-MM-DD` (exactly: four digits, two, two), when it is a real day.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return None;
        }
        Date::from_ymd(
            text[0..4].parse().ok()?,
            text[5..7].parse().ok()?,
            text[8..10].parse().ok()?,
        )
    }

    /// The UTC day of `time`.
    pub fn of(time: SystemTime) -> Date {
        Date(DateTime::<Utc>::from(time).date_naive())
    }

    /// Today, in UTC, from the system clock.
    pub fn today_utc() -> Date {
        Date::of(SystemTime::now())
    }

    /// `(year, month, day)`.
    pub fn ymd(self) -> (i64, u32, u32) {
        (i64::from(self.0.year()), self.0.month(), self.0.day())
    }

    /// The day `days` later (earlier when negative), when it stays within years 0..=9999,
    /// the years `YYYY-MM-DD` can write.
    pub fn add_days(self, days: i64) -> Option<Date> {
        let moved = if days >= 0 {
            self.0
                .checked_add_days(chrono::Days::new(days.unsigned_abs()))
        } else {
            self.0
                .checked_sub_days(chrono::Days::new(days.unsigned_abs()))
        }?;
        (0..=9999).contains(&moved.year()).then_some(Date(moved))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for `secs` seconds (plus `nanos`) after the Unix epoch.
pub fn rfc3339_micros(secs: i64, nanos: u32) -> String {
    DateTime::<Utc>::from_timestamp(secs, nanos)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        for (days, date) in [
            (0, (1970, 1, 1)),
            (11_016, (2000, 2, 29)),
            (11_017, (2000, 3, 1)),
            (20_777, (2026, 11, 20)),
            (-1, (1969, 12, 31)),
            (-719_468, (0, 3, 1)),
            (2_932_896, (9999, 12, 31)),
        ] {
            assert_eq!(Date::from_days(days).ymd(), date, "{days}");
            assert_eq!(
                Date::from_ymd(date.0, date.1, date.2).map(Date::days),
                Some(days)
            );
        }
    }

    #[test]
    fn agrees_with_counting_day_by_day() {
        let month_len = |y: i64, m: u32| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let (mut y, mut m, mut d) = (1896, 1, 1);
        let start = Date::from_ymd(y, m, d).unwrap().days();
        for days in start..start + 200 * 366 {
            assert_eq!(Date::from_days(days).ymd(), (y, m, d), "day {days}");
            d += 1;
            if d > month_len(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn parses_only_real_days_in_the_exact_shape() {
        for (text, ok) in [
            ("2026-11-22", true),
            ("2028-02-29", true),
            ("2026-02-29", false),
            ("2026-02-30", false),
            ("2026-13-01", false),
            ("2026-00-10", false),
            ("2026-01-00", false),
            ("2026-1-01", false),
            ("2026-01-01 ", false),
            ("+026-01-01", false),
            ("2026/01/01", false),
            ("", false),
        ] {
            assert_eq!(Date::parse(text).is_some(), ok, "{text}");
            if ok {
                assert_eq!(Date::parse(text).unwrap().to_string(), text);
            }
        }
    }

    #[test]
    fn adding_days_crosses_months_and_stops_at_year_9999() {
        let d = Date::parse("2026-12-31").unwrap();
        assert_eq!(d.add_days(60).unwrap().to_string(), "2027-03-01");
        assert_eq!(d.add_days(-365).unwrap().to_string(), "2025-12-31");
        assert_eq!(Date::parse("9999-12-31").unwrap().add_days(1), None);
        assert_eq!(d.add_days(i64::MAX), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_micros(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            rfc3339_micros(1_795_392_000 + 3_723, 456_789_000),
            "2026-11-23T01:02:03.456789Z"
        );
        assert_eq!(rfc3339_micros(-1, 0), "1969-12-31T23:59:59.000000Z");
        assert_eq!(Date::of(std::time::UNIX_EPOCH).to_string(), "1970-01-01");
    }
}
