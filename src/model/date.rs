//! Partial dates as curators write them (`2018`, `2018-Q4`, `2018-01`, `2018-01-09`), ranges of
//! them (`2018-Q4..2019-Q1`), and the day arithmetic every time filter rests on.
//!
//! A day is a count of days since 1970-01-01 ([`Day`]); a partial date covers the days from its
//! first to its last, and a [`DateBound`] covers the days from the first day of its earliest
//! reading to the last day of its latest one.

use std::fmt;

/// Days since 1970-01-01 (negative before). Every comparison of dates is a comparison of these.
pub type Day = i32;

/// A date known to the year, quarter, month or day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartialDate {
    /// A whole year: `2018`.
    Year(i32),
    /// A quarter (1–4): `2018-Q4`.
    Quarter(i32, u8),
    /// A month (1–12): `2018-01`.
    Month(i32, u8),
    /// A day: `2018-01-09`.
    Day(i32, u8, u8),
}

/// What is wrong with a date text; the message says what a valid one looks like.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is none of the accepted shapes.
    #[error(
        "`{0}` is not a date: write YYYY, YYYY-QN, YYYY-MM or YYYY-MM-DD, or a range FROM..TO of them"
    )]
    Shape(String),
    /// The shape is right but the calendar says no (month 13, 31 February…).
    #[error("`{0}` does not exist in the calendar")]
    Calendar(String),
    /// A range whose end comes before its start.
    #[error("the range `{0}` ends before it starts: write the earlier date first")]
    Reversed(String),
}

/// The precision a partial date is known to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Precision {
    /// Known to the year.
    Year,
    /// Known to the quarter.
    Quarter,
    /// Known to the month.
    Month,
    /// Known to the day.
    Day,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-QN`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let shape = || DateError::Shape(text.to_owned());
        let calendar = || DateError::Calendar(text.to_owned());
        let number = |s: &str, len: usize| -> Result<u32, DateError> {
            if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().map_err(|_| shape())
            } else {
                Err(shape())
            }
        };
        let mut parts = text.split('-');
        let year = number(parts.next().ok_or_else(shape)?, 4)? as i32;
        let date = match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => PartialDate::Year(year),
            (Some(q), None, _) if q.starts_with('Q') => {
                let q = number(&q[1..], 1)?;
                if !(1..=4).contains(&q) {
                    return Err(calendar());
                }
                PartialDate::Quarter(year, q as u8)
            }
            (Some(m), None, _) => {
                let m = number(m, 2)?;
                if !(1..=12).contains(&m) {
                    return Err(calendar());
                }
                PartialDate::Month(year, m as u8)
            }
            (Some(m), Some(d), None) => {
                let (m, d) = (number(m, 2)?, number(d, 2)?);
                if !(1..=12).contains(&m) || d == 0 || d > days_in_month(year, m) {
                    return Err(calendar());
                }
                PartialDate::Day(year, m as u8, d as u8)
            }
            _ => return Err(shape()),
        };
        Ok(date)
    }

    /// The partial date a single day is, to the day.
    pub fn from_day(day: Day) -> Self {
        let (y, m, d) = civil_from_days(day);
        PartialDate::Day(y, m as u8, d as u8)
    }

    /// The first day this date may be.
    pub fn first_day(self) -> Day {
        match self {
            PartialDate::Year(y) => days_from_civil(y, 1, 1),
            PartialDate::Quarter(y, q) => days_from_civil(y, u32::from(q) * 3 - 2, 1),
            PartialDate::Month(y, m) => days_from_civil(y, u32::from(m), 1),
            PartialDate::Day(y, m, d) => days_from_civil(y, u32::from(m), u32::from(d)),
        }
    }

    /// The last day this date may be.
    pub fn last_day(self) -> Day {
        match self {
            PartialDate::Year(y) => days_from_civil(y, 12, 31),
            PartialDate::Quarter(y, q) => {
                let m = u32::from(q) * 3;
                days_from_civil(y, m, days_in_month(y, m))
            }
            PartialDate::Month(y, m) => {
                days_from_civil(y, u32::from(m), days_in_month(y, u32::from(m)))
            }
            PartialDate::Day(..) => self.first_day(),
        }
    }

    /// How precisely the date is known.
    pub fn precision(self) -> Precision {
        match self {
            PartialDate::Year(_) => Precision::Year,
            PartialDate::Quarter(..) => Precision::Quarter,
            PartialDate::Month(..) => Precision::Month,
            PartialDate::Day(..) => Precision::Day,
        }
    }

    /// The calendar year the date falls in.
    pub fn year(self) -> i32 {
        match self {
            PartialDate::Year(y)
            | PartialDate::Quarter(y, _)
            | PartialDate::Month(y, _)
            | PartialDate::Day(y, ..) => y,
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            PartialDate::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            PartialDate::Day(y, m, d) => write!(f, "{y:04}-{m:02}-{d:02}"),
        }
    }
}

/// A date that is either one partial date or somewhere in a range of them
/// ("end 2018 or early 2019" is `2018-Q4..2019-Q1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateBound {
    /// The earliest reading.
    pub earliest: PartialDate,
    /// The latest reading; equal to `earliest` for a single partial date.
    pub latest: PartialDate,
}

impl DateBound {
    /// Parses a partial date or a range `FROM..TO` of two.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        match text.split_once("..") {
            None => Ok(PartialDate::parse(text)?.into()),
            Some((a, b)) => {
                let (earliest, latest) = (PartialDate::parse(a)?, PartialDate::parse(b)?);
                if latest.last_day() < earliest.first_day() {
                    return Err(DateError::Reversed(text.to_owned()));
                }
                Ok(DateBound { earliest, latest })
            }
        }
    }

    /// The first day the bound may be.
    pub fn first_day(self) -> Day {
        self.earliest.first_day()
    }

    /// The last day the bound may be.
    pub fn last_day(self) -> Day {
        self.latest.last_day()
    }

    /// Whether the bound is one partial date rather than a range.
    pub fn is_single(self) -> bool {
        self.earliest == self.latest
    }
}

impl From<PartialDate> for DateBound {
    fn from(date: PartialDate) -> Self {
        DateBound {
            earliest: date,
            latest: date,
        }
    }
}

impl fmt::Display for DateBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single() {
            write!(f, "{}", self.earliest)
        } else {
            write!(f, "{}..{}", self.earliest, self.latest)
        }
    }
}

/// Whether `year` is a leap year of the Gregorian calendar.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in a month of a year.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 of a civil date, or `None` when there is no such day.
pub fn days_from_civil_checked(year: i32, month: u32, day: u32) -> Option<Day> {
    ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
        .then(|| days_from_civil(year, month, day))
}

/// The civil date `(year, month, day)` of a day count.
pub fn civil_from_days(days: Day) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_precision_covers_its_days() {
        let q4 = PartialDate::parse("2018-Q4").unwrap();
        assert_eq!(
            PartialDate::from_day(q4.first_day()).to_string(),
            "2018-10-01"
        );
        assert_eq!(
            PartialDate::from_day(q4.last_day()).to_string(),
            "2018-12-31"
        );
        let feb = PartialDate::parse("2020-02").unwrap();
        assert_eq!(
            PartialDate::from_day(feb.last_day()).to_string(),
            "2020-02-29"
        );
        let year = PartialDate::parse("2018").unwrap();
        assert_eq!(year.last_day() - year.first_day(), 364);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn ranges_and_mistakes() {
        let b = DateBound::parse("2018-Q4..2019-Q1").unwrap();
        assert_eq!(b.to_string(), "2018-Q4..2019-Q1");
        assert_eq!(
            PartialDate::from_day(b.last_day()).to_string(),
            "2019-03-31"
        );
        assert_eq!(
            DateBound::parse("2019..2018").unwrap_err().to_string(),
            "the range `2019..2018` ends before it starts: write the earlier date first"
        );
        assert!(matches!(
            PartialDate::parse("2018-02-30"),
            Err(DateError::Calendar(_))
        ));
        assert!(matches!(
            PartialDate::parse("2018-Q5"),
            Err(DateError::Calendar(_))
        ));
        assert!(matches!(
            PartialDate::parse("18-01"),
            Err(DateError::Shape(_))
        ));
        assert!(matches!(
            PartialDate::parse("2018-1-9"),
            Err(DateError::Shape(_))
        ));
    }

    #[test]
    fn day_round_trip() {
        for day in [-800_000, -1, 0, 59, 17_540, 2_000_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }
}

/// How a source words a date it gives relative to another ("on Friday", "in the coming
/// weeks"): the words, and what they are relative to (`source`: the reporting source's date;
/// else an entity's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wording {
    /// The words as the source writes them.
    pub text: String,
    /// `source`, or the id of the event or document the words are relative to.
    pub anchor: String,
}

/// The day of the week of a day: 0 for Monday to 6 for Sunday.
pub fn weekday(day: Day) -> u8 {
    // 1970-01-01 was a Thursday.
    (i64::from(day) + 3).rem_euclid(7) as u8
}

/// What ties a relative date to its anchor, as curated: the weekday it names ("on Friday"),
/// or an exact offset in days ("three days later").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tie {
    /// The weekday named, 0 for Monday.
    pub weekday: Option<u8>,
    /// The offset from the anchor, in days.
    pub offset_days: Option<i32>,
}

/// Checks a day given relative to an anchor: a named weekday must be the day's, within a week
/// of the anchor; an offset must land on the day; with neither, the day must lie within a
/// year of the anchor. Never reads the wording.
pub fn check_relative(day: DateBound, anchor: DateBound, tie: Tie) -> Result<(), String> {
    const NAMES: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let (first, last) = (anchor.first_day(), anchor.last_day());
    if let Some(w) = tie.weekday {
        if !(day.is_single() && day.earliest.precision() == Precision::Day) {
            return Err(format!("{day} names no single day, and a weekday does"));
        }
        let actual = weekday(day.first_day());
        if actual != w {
            return Err(format!(
                "{day} is a {}, not a {}",
                NAMES[usize::from(actual)],
                NAMES[usize::from(w % 7)]
            ));
        }
        if day.first_day() < first - 7 || day.first_day() > last + 7 {
            return Err(format!(
                "{day} is more than a week from its anchor ({anchor})"
            ));
        }
    }
    if let Some(offset) = tie.offset_days {
        let (lo, hi) = (first.saturating_add(offset), last.saturating_add(offset));
        if day.last_day() < lo || day.first_day() > hi {
            return Err(format!(
                "{day} is not {offset} days from its anchor ({anchor})"
            ));
        }
    }
    if tie == Tie::default() && (day.last_day() < first - 366 || day.first_day() > last + 366) {
        return Err(format!(
            "{day} is more than a year from its anchor ({anchor})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod relative_tests {
    use super::*;

    fn bound(s: &str) -> DateBound {
        DateBound::parse(s).unwrap()
    }

    #[test]
    fn a_relative_day_is_checked_against_its_anchor() {
        // 2018-07-13 was a Friday.
        assert_eq!(weekday(bound("2018-07-13").first_day()), 4);
        let friday = Tie {
            weekday: Some(4),
            offset_days: None,
        };
        assert_eq!(
            check_relative(bound("2018-07-13"), bound("2018-07-14"), friday),
            Ok(())
        );
        assert_eq!(
            check_relative(bound("2018-07-12"), bound("2018-07-14"), friday),
            Err("2018-07-12 is a Thursday, not a Friday".to_owned())
        );
        let three_days = Tie {
            weekday: None,
            offset_days: Some(-3),
        };
        assert_eq!(
            check_relative(bound("2018-04-13"), bound("2018-04-16"), three_days),
            Ok(())
        );
        assert!(check_relative(bound("2018-04-12"), bound("2018-04-16"), three_days).is_err());
        assert!(check_relative(bound("2020"), bound("2018-04-16"), Tie::default()).is_err());
    }
}
