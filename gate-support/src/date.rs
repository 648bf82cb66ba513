//! One calendar type for the whole project: [`Date`], a proleptic Gregorian day in UTC.
//! Waiver expiry, `init`'s baseline waivers, `checklist.closed`'s review dates and the
//! runtime's decision-log timestamps all go through it, so they cannot disagree about what
//! `2028-02-29` is or which day it is today.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar day, as days since 1970-01-01 (negative before). Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

impl Date {
    /// The day `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        Date(days)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        self.0
    }

    /// The day of `year-month-day`, when it exists (no 2026-02-30, no month 13).
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let date = Date(days_from_civil(year, month, day));
        // The day must survive the round trip: 2026-02-30 comes back as 2026-03-02.
        (date.ymd() == (year, month, day)).then_some(date)
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

    /// The UTC day of `time` (the epoch for times before it).
    pub fn of(time: SystemTime) -> Date {
        let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date(i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2))
    }

    /// Today, in UTC, from the system clock.
    pub fn today_utc() -> Date {
        Date::of(SystemTime::now())
    }

    /// `(year, month, day)`.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.0)
    }

    /// The day `days` later (earlier when negative), when it stays within years 0..=9999,
    /// the years `YYYY-MM-DD` can write.
    pub fn add_days(self, days: i64) -> Option<Date> {
        let date = Date(self.0.checked_add(days)?);
        (0..=9999).contains(&date.ymd().0).then_some(date)
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
    let second_of_day = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}.{:06}Z",
        Date(secs.div_euclid(86_400)),
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        nanos / 1_000,
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01, by Howard Hinnant's algorithm:
/// eras of 400 years (146 097 days) starting on March 1st, so the leap day is the last day of
/// a year and month lengths follow a fixed 153-day pattern.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // [1, 31]
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=12, 1..=31).
    (year, month as u32, day as u32)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of [`civil_from_days`]).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
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
            assert_eq!(Date::from_ymd(date.0, date.1, date.2), Some(Date(days)));
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
        assert_eq!(Date::of(UNIX_EPOCH).to_string(), "1970-01-01");
    }
}
