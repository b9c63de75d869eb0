//! What happened to an entity over time: the events it took part in, and the starts, ends and
//! status changes of its relations, in date order.

use super::query::RelationFilter;
use super::record::{Citation, EntityIx, RelationIx};
use super::store::{Graph, Hop};
use super::view::RelationView;
use crate::model::{DateBound, Day, EntityKind, EventType, Phase, Presence, RelationKind, Status};

/// What a timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    /// The entity took part in an event.
    Event,
    /// A relation started.
    Started,
    /// A relation's status changed.
    StatusChanged,
    /// A relation ended.
    Ended,
}

/// One dated entry of a timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// When.
    pub date: DateBound,
    /// What.
    pub kind: EntryKind,
    /// The relation concerned (for an event: the participation).
    pub relation: RelationIx,
    /// The event, for event entries and status changes an event caused.
    pub event: Option<EntityIx>,
    /// The status reached, for status changes.
    pub status: Option<Status>,
    /// Which step of the relation's status history, for status changes.
    pub step: Option<usize>,
    /// Whether the date is not the fact's own but that of the latest dated fact it follows
    /// (it is ordered, not dated).
    pub placed: bool,
}

/// Which entries a timeline keeps.
#[derive(Clone, Debug, Default)]
pub struct TimelineFilter {
    /// Only entries that may fall on or after this day.
    pub from: Option<Day>,
    /// Only entries that may fall on or before this day.
    pub to: Option<Day>,
    /// Only event entries of these types (empty: all), and no relation entries when set.
    pub event_types: Vec<EventType>,
    /// Only status changes to these statuses (empty: all), and no other entries when set.
    pub statuses: Vec<Status>,
}

impl TimelineFilter {
    fn keeps(&self, date: DateBound) -> bool {
        self.from.is_none_or(|f| date.last_day() >= f)
            && self.to.is_none_or(|t| date.first_day() <= t)
    }
}

impl Graph {
    /// The dated entries of `entity`'s history, earliest first. An undated fact ordered after
    /// others (`after`) is placed at the latest dated fact it follows, after that fact's
    /// entries, and marked `placed`; other undated facts have no place and are left out.
    pub fn timeline(&self, entity: EntityIx, filter: &TimelineFilter) -> Vec<Entry> {
        let mut entries = Vec::new();
        let all = RelationFilter::default();
        let is_event = self.entity(entity).kind == EntityKind::Event;
        for hop in self.relations_of(entity, &all) {
            let rec = self.relation(hop.relation);
            let detail = self.relation_detail(hop.relation);
            if rec.kind == RelationKind::ParticipantIn && hop.outgoing && !is_event {
                let event = hop.other;
                let event_detail = self.entity_detail(event);
                let type_ok = filter.event_types.is_empty()
                    || event_detail
                        .event_type
                        .is_some_and(|t| filter.event_types.contains(&t));
                let (date, placed) = match event_detail.date {
                    Some(date) => (Some(date), false),
                    None => (self.placed_date(&event_detail.after), true),
                };
                if let Some(date) = date
                    && type_ok
                    && filter.statuses.is_empty()
                {
                    entries.push(Entry {
                        date,
                        kind: EntryKind::Event,
                        relation: hop.relation,
                        event: Some(event),
                        status: None,
                        step: None,
                        placed,
                    });
                }
                continue;
            }
            if !filter.event_types.is_empty() {
                continue;
            }
            if filter.statuses.is_empty() {
                let (started, ended) = self.in_force_dates(hop.relation);
                // A relation with no start of its own starts where the facts it follows put it.
                let placed = (started.is_none()
                    && self.relation(hop.relation).window != crate::model::Window::NEVER)
                    .then(|| self.placed_date(&detail.after))
                    .flatten();
                let bounds = [
                    (started, EntryKind::Started, false),
                    (placed, EntryKind::Started, true),
                    (ended, EntryKind::Ended, false),
                ];
                for (date, kind, placed) in bounds {
                    if let Some(date) = date {
                        entries.push(Entry {
                            date,
                            kind,
                            relation: hop.relation,
                            event: None,
                            status: None,
                            step: None,
                            placed,
                        });
                    }
                }
            }
            for (i, step) in detail.status_history.iter().enumerate() {
                if let Some(date) = step.date
                    && (filter.statuses.is_empty() || filter.statuses.contains(&step.status))
                {
                    entries.push(Entry {
                        date,
                        kind: EntryKind::StatusChanged,
                        relation: hop.relation,
                        event: step.event,
                        status: Some(step.status),
                        step: Some(i),
                        placed: false,
                    });
                }
            }
        }
        entries.retain(|e| filter.keeps(e.date));
        entries.sort_by_key(|e| {
            let d = e.date;
            (d.first_day(), d.last_day(), e.placed, e.kind, e.relation)
        });
        entries
    }
}

impl Graph {
    /// The dates a relation came into force and ceased to be, where the data gives them: a
    /// curated start, a step that starts it (imposed, enacted, realised), or the in-force step
    /// that ended a pending history (none if it never
    /// came into force); a curated end, or the first step that ended it (a cancellation while
    /// planned included).
    pub fn in_force_dates(&self, relation: RelationIx) -> (Option<DateBound>, Option<DateBound>) {
        let validity = self.validity(relation);
        let rec = self.relation(relation);
        let history = &self.relation_detail(relation).status_history;
        let phase = |s: &super::record::StatusChange| s.status.phase();
        let started = if rec.window == crate::model::Window::NEVER {
            None
        } else if validity.from.is_some() {
            validity.from
        } else if let Some(start) = history.iter().find(|s| phase(s) == Phase::Start) {
            start.date
        } else if history.first().map(phase) == Some(Phase::Pending) {
            history
                .iter()
                .find(|s| matches!(phase(s), Phase::InForce | Phase::Start))
                .and_then(|s| s.date)
        } else {
            None
        };
        let over = history
            .iter()
            .filter(|s| phase(s) == Phase::Over)
            .find_map(|s| s.date)
            .filter(|d| started.is_none_or(|s| d.last_day() >= s.first_day()));
        let ended = match (validity.until, over) {
            (Some(until), Some(over)) => Some(if over.first_day() < until.first_day() {
                over
            } else {
                until
            }),
            (until, over) => until.or(over),
        };
        (started, ended)
    }

    /// A timeline entry's relation, seen from the timeline's entity as of the entry's date.
    pub fn entry_view(&self, entity: EntityIx, entry: &Entry) -> RelationView {
        let record = self.relation(entry.relation);
        let outgoing = record.from == entity;
        let hop = Hop {
            relation: entry.relation,
            other: if outgoing { record.to } else { record.from },
            outgoing,
            presence: Presence::Sure,
        };
        self.view(entity, hop, Some(entry.date.last_day()))
    }

    /// A timeline entry in words: what happened, then the relation's reading.
    pub fn entry_text(&self, entity: EntityIx, entry: &Entry) -> String {
        let relation = self.explanation(&self.entry_view(entity, entry));
        match (entry.kind, entry.event, entry.status) {
            (EntryKind::Event, Some(event), _) => {
                format!("{}: {relation}", self.entity(event).name)
            }
            (EntryKind::Started, ..) => format!("started: {relation}"),
            (EntryKind::Ended, ..) => format!("ended: {relation}"),
            (_, _, Some(status)) => format!("{status}: {relation}"),
            _ => relation,
        }
    }

    /// What supports a timeline entry: its status step's sources when it has any, else the
    /// event's for an event entry, else the relation's.
    pub fn entry_sources(&self, entry: &Entry) -> &[Citation] {
        let detail = self.relation_detail(entry.relation);
        match (entry.step, entry.event) {
            (Some(i), _) if !detail.status_history[i].sources.is_empty() => {
                &detail.status_history[i].sources
            }
            (None, Some(event)) => &self.entity_detail(event).sources,
            _ => &detail.sources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> DateBound {
        DateBound::parse(text).unwrap()
    }

    fn lines(g: &Graph, filter: &TimelineFilter) -> Vec<String> {
        g.timeline(g.lookup("huawei").unwrap(), filter)
            .iter()
            .map(|e| {
                let what = match e.event {
                    Some(event) if e.kind == EntryKind::Event => g.entity(event).id.to_owned(),
                    _ => g.relation(e.relation).kind.to_string(),
                };
                let status = e.status.map(|s| format!(" {s}")).unwrap_or_default();
                format!("{} {:?} {what}{status}", e.date, e.kind)
            })
            .collect()
    }

    #[test]
    fn huaweis_timeline_reads_in_date_order_without_undated_facts() {
        let g = crate::graph::testing::huawei();
        assert_eq!(
            lines(&g, &TimelineFilter::default()),
            [
                "2017-12 StatusChanged partners_with planned",
                "2018-01-08 StatusChanged partners_with cancelled",
                "2018-01-08 Ended partners_with",
                "2018-01-09 Event ces-2018",
            ]
        );
    }

    #[test]
    fn filters_keep_a_window_a_status_or_an_event_type() {
        let g = crate::graph::testing::huawei();
        let january = TimelineFilter {
            from: Some(date("2018-01").first_day()),
            ..TimelineFilter::default()
        };
        assert_eq!(
            lines(&g, &january),
            [
                "2018-01-08 StatusChanged partners_with cancelled",
                "2018-01-08 Ended partners_with",
                "2018-01-09 Event ces-2018",
            ]
        );
        let cancelled = TimelineFilter {
            statuses: vec![Status::Cancelled],
            ..TimelineFilter::default()
        };
        assert_eq!(
            lines(&g, &cancelled),
            ["2018-01-08 StatusChanged partners_with cancelled"]
        );
        let shows = TimelineFilter {
            event_types: vec![EventType::TradeShow],
            to: Some(date("2017").last_day()),
            ..TimelineFilter::default()
        };
        assert!(lines(&g, &shows).is_empty());
    }
}
