//! What happened to an entity over time: the events it took part in, and the starts, ends and
//! status changes of its relations, in date order.

use super::query::RelationFilter;
use super::record::{EntityIx, RelationIx};
use super::store::Graph;
use crate::model::{DateBound, Day, EntityKind, EventType, RelationKind, Status};

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
    /// The dated entries of `entity`'s history, earliest first. Undated facts have no place on
    /// a timeline and are left out.
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
                if let Some(date) = event_detail.date
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
                    });
                }
                continue;
            }
            if !filter.event_types.is_empty() {
                continue;
            }
            if filter.statuses.is_empty() {
                let validity = self.validity(hop.relation);
                let bounds = [
                    (validity.from, EntryKind::Started),
                    (validity.until, EntryKind::Ended),
                ];
                for (date, kind) in bounds {
                    if let Some(date) = date {
                        entries.push(Entry {
                            date,
                            kind,
                            relation: hop.relation,
                            event: None,
                            status: None,
                            step: None,
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
                    });
                }
            }
        }
        entries.retain(|e| filter.keeps(e.date));
        entries.sort_by_key(|e| (e.date.first_day(), e.date.last_day(), e.kind, e.relation));
        entries
    }
}
