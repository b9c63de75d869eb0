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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::entity;
    use crate::graph::{
        EntityDetail, GraphBuilder, NewEntity, NewRelation, RelationDetail, StatusChange,
    };
    use crate::model::{RelationKind as K, Validity};

    fn date(text: &str) -> DateBound {
        DateBound::parse(text).unwrap()
    }

    /// Huawei at CES 2018 (an event on 2018-01-09), and AT&T's Mate 10 Pro deal: planned in
    /// 2017-12, cancelled on 2018-01-08; Huawei makes the phone, undated.
    fn huawei() -> Graph {
        let mut b = GraphBuilder::new();
        let huawei = entity(&mut b, "huawei", EntityKind::Vendor);
        let att = entity(&mut b, "att", EntityKind::Carrier);
        let mate = entity(&mut b, "mate-10-pro", EntityKind::Product);
        let ces = b
            .add_entity(NewEntity {
                id: "ces-2018",
                kind: EntityKind::Event,
                name: "CES 2018",
                country: None,
                date: None,
                detail: Some(EntityDetail {
                    event_type: Some(EventType::TradeShow),
                    date: Some(date("2018-01-09")),
                    ..EntityDetail::default()
                }),
                defined_at: 0,
            })
            .unwrap();
        b.add_relation(NewRelation::bare(huawei, K::Makes, mate))
            .unwrap();
        b.add_relation(NewRelation::bare(huawei, K::ParticipantIn, ces))
            .unwrap();
        let mut deal = NewRelation::bare(att, K::PartnersWith, huawei);
        let validity = Validity {
            from: Some(date("2017-12")),
            until: Some(date("2018-01-08")),
        };
        deal.window = validity.window();
        let step = |status, when: &str| StatusChange {
            status,
            date: Some(date(when)),
            event: None,
            sources: vec![],
        };
        deal.detail = Some(Box::new(RelationDetail {
            validity,
            status_history: vec![
                step(Status::Planned, "2017-12"),
                step(Status::Cancelled, "2018-01-08"),
            ],
            ..RelationDetail::default()
        }));
        b.add_relation(deal).unwrap();
        b.finish()
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
        let g = huawei();
        assert_eq!(
            lines(&g, &TimelineFilter::default()),
            [
                "2017-12 Started partners_with",
                "2017-12 StatusChanged partners_with planned",
                "2018-01-08 StatusChanged partners_with cancelled",
                "2018-01-08 Ended partners_with",
                "2018-01-09 Event ces-2018",
            ]
        );
    }

    #[test]
    fn filters_keep_a_window_a_status_or_an_event_type() {
        let g = huawei();
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
