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
    /// Not in force: over (ended, cancelled, lifted) or paused on the day.
    Ended,
    /// Not in force: rumoured, planned, announced or otherwise pending on the day.
    Planned,
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
    /// A window no day falls in: never in force.
    pub const NEVER: Window = Window {
        started_surely: Day::MAX,
        started_possibly: Day::MAX,
        ends_earliest: Day::MAX,
        ends_latest: Day::MAX,
    };

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

/// What is known of a curated relation's time: the input of the time rule ([`in_force`]).
#[derive(Clone, Copy, Debug)]
pub struct Known<'a> {
    /// Whether its kind is a state (see `RelationKind::is_state`).
    pub state: bool,
    /// Its curated validity.
    pub validity: Validity,
    /// Whether it was curated as in force since ever.
    pub since_ever: bool,
    /// An end reported or planned, not yet confirmed.
    pub planned_end: Option<DateBound>,
    /// The first and last days on which both ends may first have existed (the later of their
    /// founding, release or event dates), if known.
    pub ends_exist: Option<(Day, Day)>,
    /// The days its dated sources reported it on, first and last.
    pub reports: Option<(Day, Day)>,
    /// Its status steps, in date order.
    pub steps: &'a [(Phase, Option<DateBound>)],
}

/// Where a status puts a relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not yet in force: rumoured, planned, announced, proposed, a bill on its way.
    Pending,
    /// In force from this step on: imposed, enacted, realised (a start, not a confirmation).
    Start,
    /// In force: confirmed.
    InForce,
    /// In force but on hold.
    Paused,
    /// No longer in force, or never to be: ended, cancelled, lifted, abandoned, vetoed.
    Over,
}

/// The time rule: the window in which a curated relation is in force, from what is known of
/// it. The one place the rule is written (`docs/curating.md` says it in words):
///
/// - A start or end curated explicitly holds, but never before both ends existed.
/// - A state with no start is surely in force from the first day it is reported in force (a
///   dated source's last day, or an in-force status step), possibly before (back to when its
///   ends existed); "since ever" only when curated so.
/// - A state with no end is surely in force until the last day it is reported in force, and
///   possibly — not surely — after.
/// - A fact that stays true once true (`makes`, `part_of`) is so from when its ends existed
///   (surely from its first report when that is unknown), and for ever.
/// - A reported or planned end (not yet a step) leaves it only possibly in force from then.
/// - A step that starts it (imposed, enacted, realised) is its start when none is curated.
/// - A relation whose history begins pending is in force only from an in-force step; one
///   with pending steps and none in force (cancelled while planned) was never in force. An
///   over step after the start ends it.
pub fn in_force(known: &Known<'_>) -> Window {
    let (exists_possibly, exists_surely) = known.ends_exist.unwrap_or((Day::MIN, Day::MIN));
    let in_force = |phase: &Phase| matches!(phase, Phase::InForce | Phase::Start);
    let first_in_force = known
        .steps
        .iter()
        .filter(|(phase, _)| in_force(phase))
        .find_map(|(_, date)| *date);
    let first_start = known
        .steps
        .iter()
        .filter(|(phase, _)| *phase == Phase::Start)
        .find_map(|(_, date)| *date);
    let reported_first = [
        known.reports.map(|r| r.0),
        first_in_force.map(DateBound::last_day),
    ]
    .into_iter()
    .flatten()
    .min();
    let reported_last = [
        known.reports.map(|r| r.1),
        known
            .steps
            .iter()
            .filter(|(phase, _)| in_force(phase))
            .filter_map(|(_, date)| date.map(DateBound::last_day))
            .max(),
    ]
    .into_iter()
    .flatten()
    .max();
    let (mut started_possibly, mut started_surely) = if known.since_ever {
        (Day::MIN, Day::MIN)
    } else if let Some(from) = known.validity.from {
        (from.first_day(), from.last_day())
    } else if let Some(start) = first_start {
        (start.first_day(), start.last_day())
    } else if !known.state && known.ends_exist.is_some() {
        (exists_possibly, exists_surely)
    } else {
        (Day::MIN, reported_first.unwrap_or(Day::MAX))
    };
    // A history with pending steps and none in force was never in force; one that begins
    // pending starts at its first in-force step.
    let pending = known
        .steps
        .iter()
        .any(|(phase, _)| *phase == Phase::Pending);
    if pending && first_in_force.is_none() && !known.steps.iter().any(|(p, _)| in_force(p)) {
        return Window::NEVER;
    }
    let first_phase = known.steps.iter().map(|(phase, _)| *phase).next();
    if first_phase == Some(Phase::Pending) {
        let Some(start) = first_in_force else {
            return Window::NEVER;
        };
        let pending_over = known.steps.iter().any(|(phase, date)| {
            *phase == Phase::Over && date.is_none_or(|d| d.first_day() <= start.first_day())
        });
        if pending_over {
            return Window::NEVER;
        }
        started_possibly = started_possibly.max(start.first_day());
        started_surely = started_surely.max(start.last_day());
    }
    if !known.since_ever {
        started_possibly = started_possibly.max(exists_possibly);
        started_surely = started_surely.max(exists_surely);
    }
    let over = known
        .steps
        .iter()
        .filter(|(phase, _)| *phase == Phase::Over)
        .filter_map(|(_, date)| *date)
        .find(|d| d.last_day() >= started_possibly);
    let (mut ends_earliest, mut ends_latest) = match (known.validity.until, over) {
        (Some(until), Some(over)) if over.first_day() < until.first_day() => {
            (over.first_day(), over.last_day())
        }
        (Some(until), _) => (until.first_day(), until.last_day()),
        (None, Some(over)) => (over.first_day(), over.last_day()),
        (None, None) if known.state => {
            let known_until = [reported_last, known.validity.from.map(DateBound::last_day)]
                .into_iter()
                .flatten()
                .max();
            (
                known_until.map_or(Day::MIN, |d| d.saturating_add(1)),
                Day::MAX,
            )
        }
        (None, None) => (Day::MAX, Day::MAX),
    };
    // A reported or planned end leaves the relation only possibly in force from its date.
    if let Some(planned) = known.planned_end {
        ends_earliest = ends_earliest.min(planned.first_day());
    }
    if ends_latest <= started_possibly {
        return Window::NEVER;
    }
    ends_earliest = ends_earliest.max(started_possibly);
    ends_latest = ends_latest.max(ends_earliest);
    started_surely = started_surely.max(started_possibly);
    Window {
        started_surely,
        started_possibly,
        ends_earliest,
        ends_latest,
    }
}

/// A relation's presence on `day`: its window's answer, and where the window says it is not
/// in force, whether it is pending (`Planned`) or over (`Ended`) by its status on the day
/// (`phase`), or over because its window has closed.
pub fn standing(window: &Window, phase: Option<Phase>, day: Day) -> Presence {
    match (window.presence(day), phase) {
        (Presence::Absent, Some(Phase::Pending)) => Presence::Planned,
        (Presence::Absent, Some(Phase::Over | Phase::Paused)) => Presence::Ended,
        (Presence::Absent, _) if day >= window.ends_latest => Presence::Ended,
        (presence, _) => presence,
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

    fn bound(s: &str) -> DateBound {
        DateBound::parse(s).unwrap()
    }

    fn known(steps: &[(Phase, Option<DateBound>)]) -> Known<'_> {
        Known {
            state: true,
            validity: Validity::default(),
            since_ever: false,
            planned_end: None,
            ends_exist: None,
            reports: None,
            steps,
        }
    }

    #[test]
    fn an_undated_state_is_sure_only_where_reported_and_never_before_its_ends() {
        let w = in_force(&Known {
            ends_exist: Some((day("2010-04-06"), day("2010-04-06"))),
            reports: Some((day("2018-03-01"), day("2018-05-01"))),
            ..known(&[])
        });
        assert_eq!(w.presence(day("2000")), Presence::Absent);
        assert_eq!(w.presence(day("2012")), Presence::Possible);
        assert_eq!(w.presence(day("2018-04")), Presence::Sure);
        assert_eq!(w.presence(day("2021")), Presence::Possible);
        let ever = in_force(&Known {
            since_ever: true,
            ..known(&[])
        });
        assert_eq!(ever.presence(day("1900")), Presence::Possible);
    }

    #[test]
    fn cancelled_while_planned_was_never_in_force() {
        let steps = [
            (Phase::Pending, Some(bound("2017-12"))),
            (Phase::Over, Some(bound("2018-01-08"))),
        ];
        let w = in_force(&Known {
            validity: Validity {
                from: Some(bound("2017-12")),
                until: None,
            },
            ..known(&steps)
        });
        assert_eq!(w, Window::NEVER);
        assert_eq!(
            standing(&w, Some(Phase::Pending), day("2017-12-15")),
            Presence::Planned
        );
        assert_eq!(
            standing(&w, Some(Phase::Over), day("2018-02")),
            Presence::Ended
        );
    }

    #[test]
    fn a_plan_carried_out_starts_and_a_lifting_ends() {
        let steps = [
            (Phase::Pending, Some(bound("2018-04"))),
            (Phase::InForce, Some(bound("2018-04-15"))),
            (Phase::Over, Some(bound("2018-07-13"))),
        ];
        let w = in_force(&known(&steps));
        assert_eq!(w.presence(day("2018-04-10")), Presence::Absent);
        assert_eq!(w.presence(day("2018-05")), Presence::Sure);
        assert_eq!(w.presence(day("2018-07-13")), Presence::Absent);
        assert_eq!(
            standing(&w, Some(Phase::Over), day("2019")),
            Presence::Ended
        );
    }

    #[test]
    fn an_imposed_restriction_starts_on_its_step() {
        let steps = [
            (Phase::Start, Some(bound("2018-04-15"))),
            (Phase::Over, Some(bound("2018-07-13"))),
        ];
        let w = in_force(&Known {
            ends_exist: Some((day("1985"), day("1985"))),
            ..known(&steps)
        });
        assert_eq!(w.presence(day("2018-04-14")), Presence::Absent);
        assert_eq!(w.presence(day("2018-04-15")), Presence::Sure);
        assert_eq!(w.presence(day("2018-07-13")), Presence::Absent);
    }

    #[test]
    fn a_timeless_fact_holds_from_its_ends_and_for_ever() {
        let w = in_force(&Known {
            state: false,
            ends_exist: Some((day("2017-10-16"), day("2017-10-16"))),
            ..known(&[])
        });
        assert_eq!(w.presence(day("2005")), Presence::Absent);
        assert_eq!(w.presence(day("2030")), Presence::Sure);
    }

    #[test]
    fn open_bounds_are_always_in_force() {
        assert_eq!(validity(None, None).presence(day("1900")), Presence::Sure);
        assert!(!Validity::default().is_empty());
    }
}
