//! When a relation is in force: the half-open window `[from, until)` over partial dates, and the
//! three answers a day can get from it.

use super::date::{DateBound, Day};

/// A relation's validity as curated: an open bound is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Validity {
    /// When the relation started; `None` means in force since ever.
    pub from: Option<DateBound>,
    /// When the relation ended (the first day it no longer held); `None` means until further notice.
    pub until: Option<DateBound>,
}

/// Whether a relation holds on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Presence {
    /// Surely not in force.
    Absent,
    /// In force or not depending on where in its partial dates it really started or ended.
    Possible,
    /// Surely started on or before the day and surely not ended by it.
    Sure,
}

/// A validity reduced to four day numbers: what every traversal compares against. Open bounds
/// are `Day::MIN` / `Day::MAX`, so no comparison needs a branch on `Option`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// The last day the start may be: from this day on the relation has surely started.
    pub started_surely: Day,
    /// The first day the start may be.
    pub started_possibly: Day,
    /// The first day the end may be: before it the relation has surely not ended.
    pub ends_earliest: Day,
    /// The last day the end may be: from it on the relation has surely ended.
    pub ends_latest: Day,
}

impl Window {
    /// A window open at both ends: always in force.
    pub const ALWAYS: Window = Window {
        started_surely: Day::MIN,
        started_possibly: Day::MIN,
        ends_earliest: Day::MAX,
        ends_latest: Day::MAX,
    };

    /// Whether the relation holds on `day`.
    #[inline]
    pub fn presence(&self, day: Day) -> Presence {
        if self.started_surely <= day && day < self.ends_earliest {
            Presence::Sure
        } else if self.started_possibly <= day && day < self.ends_latest {
            Presence::Possible
        } else {
            Presence::Absent
        }
    }
}

impl Validity {
    /// The four-number form of this validity.
    pub fn window(&self) -> Window {
        Window {
            started_surely: self.from.map_or(Day::MIN, DateBound::last_day),
            started_possibly: self.from.map_or(Day::MIN, DateBound::first_day),
            ends_earliest: self.until.map_or(Day::MAX, DateBound::first_day),
            ends_latest: self.until.map_or(Day::MAX, DateBound::last_day),
        }
    }

    /// Whether no reading of the dates leaves a day in force: the end comes on or before the
    /// start even at its latest.
    pub fn is_empty(&self) -> bool {
        match (self.from, self.until) {
            (Some(from), Some(until)) => until.last_day() <= from.first_day(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::PartialDate;

    fn validity(from: Option<&str>, until: Option<&str>) -> Window {
        Validity {
            from: from.map(|s| DateBound::parse(s).unwrap()),
            until: until.map(|s| DateBound::parse(s).unwrap()),
        }
        .window()
    }

    fn day(s: &str) -> Day {
        PartialDate::parse(s).unwrap().first_day()
    }

    #[test]
    fn a_month_start_is_possible_within_the_month_and_sure_after() {
        let w = validity(Some("2017-12"), Some("2018-01-08"));
        assert_eq!(w.presence(day("2017-11-30")), Presence::Absent);
        assert_eq!(w.presence(day("2017-12-01")), Presence::Possible);
        assert_eq!(w.presence(day("2017-12-31")), Presence::Sure);
        assert_eq!(w.presence(day("2018-01-07")), Presence::Sure);
        assert_eq!(w.presence(day("2018-01-08")), Presence::Absent);
    }

    #[test]
    fn a_ranged_end_is_possible_across_the_range() {
        let w = validity(None, Some("2018-Q4..2019-Q1"));
        assert_eq!(w.presence(day("2018-09-30")), Presence::Sure);
        assert_eq!(w.presence(day("2018-10-01")), Presence::Possible);
        assert_eq!(w.presence(day("2019-03-30")), Presence::Possible);
        assert_eq!(w.presence(day("2019-03-31")), Presence::Absent);
    }

    #[test]
    fn boundaries_of_each_precision() {
        // (from, until, day, presence): the first and last days each partial date may be.
        let cases = [
            (Some("2018"), None, "2017-12-31", Presence::Absent),
            (Some("2018"), None, "2018-01-01", Presence::Possible),
            (Some("2018"), None, "2018-12-30", Presence::Possible),
            (Some("2018"), None, "2018-12-31", Presence::Sure),
            (Some("2018-Q2"), None, "2018-03-31", Presence::Absent),
            (Some("2018-Q2"), None, "2018-04-01", Presence::Possible),
            (Some("2018-Q2"), None, "2018-06-30", Presence::Sure),
            (Some("2018-02"), None, "2018-02-28", Presence::Sure),
            (Some("2018-01-09"), None, "2018-01-08", Presence::Absent),
            (Some("2018-01-09"), None, "2018-01-09", Presence::Sure),
            (None, Some("2019"), "2018-12-31", Presence::Sure),
            (None, Some("2019"), "2019-01-01", Presence::Possible),
            (None, Some("2019"), "2019-12-30", Presence::Possible),
            (None, Some("2019"), "2019-12-31", Presence::Absent),
            (None, Some("2019-Q1"), "2019-03-30", Presence::Possible),
            (None, Some("2019-Q1"), "2019-03-31", Presence::Absent),
            (None, Some("2019-03"), "2019-02-28", Presence::Sure),
            (None, Some("2019-03-15"), "2019-03-14", Presence::Sure),
            (None, Some("2019-03-15"), "2019-03-15", Presence::Absent),
        ];
        for (from, until, on, expected) in cases {
            assert_eq!(
                validity(from, until).presence(day(on)),
                expected,
                "from {from:?} until {until:?} on {on}"
            );
        }
    }

    #[test]
    fn a_partial_as_of_means_its_last_day() {
        let as_of_2018 = DateBound::parse("2018").unwrap().last_day();
        assert_eq!(PartialDate::from_day(as_of_2018).to_string(), "2018-12-31");
        let w = validity(Some("2018-Q4"), None);
        assert_eq!(w.presence(as_of_2018), Presence::Sure);
    }

    #[test]
    fn open_bounds_are_always_in_force() {
        assert_eq!(validity(None, None).presence(day("1900")), Presence::Sure);
        assert!(!Validity::default().is_empty());
    }
}
