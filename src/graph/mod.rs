//! The in-memory market graph: an immutable snapshot built once from validated input, and the
//! queries every answer is made of.
//!
//! Invariant: no petgraph type leaves this module; callers hold [`EntityIx`] and [`RelationIx`]
//! handles. Invariant: this module knows nothing of files, serde or GraphQL.

mod adjacency;
mod amounts;
mod analytics;
mod budget;
mod builder;
mod chart;
mod claims;
mod diff;
mod evidence;
mod neighbours;
mod order;
mod page;
mod paths;
mod pool;
mod query;
mod record;
mod rows;
mod search;
mod select;
mod store;
mod table;
mod text;
mod timeline;
mod traverse;
mod view;

pub use amounts::Holder;
pub use analytics::{BETWEENNESS_SAMPLES, DAMPING, EXACT_BETWEENNESS_LIMIT, Subgraph};
pub use budget::{Budget, Stop};
pub use builder::{GraphBuilder, RelationAddition, RelationTarget};
pub use chart::{AmountSum, Cross, Interval, MAX_PERIODS, Series, amount_sums, cross, series};
pub use claims::Claim;
pub use diff::{Change, Happened, Item, diff, diff_by_ids};
pub use evidence::Citing;
pub use neighbours::{Common, Neighbourhood};
pub use order::order_cycle;
pub use page::Page;
pub use paths::{Path, PathScratch};
pub use pool::add_citations;
pub use query::{RelatedBy, RelationFilter};
pub use record::{
    Cause, Citation, EntityDetail, EntityIx, NewRelation, PlannedEnd, PropertyCitation,
    RelationDetail, RelationIx, RelationRecord, StatusChange,
};
pub use rows::{Largest, Rows};
pub use search::{MatchRank, SearchIndex, fold};
pub use select::{Bucket, Condition, GroupKey, OrderKey, entity_date, group, order};
pub use store::{Direction, Graph, Hop};
pub use table::{EntityView, NewEntity};
pub use text::{TextField, TextHit, TextHolder, TextIndex, TextPlace};
pub use timeline::{Entry, EntryKind, TimelineFilter};
pub use traverse::{Matched, Step};
pub use view::RelationView;

use crate::model::{EntityKind, RelationKind};

/// What a graph operation can refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// No entity has the id.
    #[error("no entity has the id `{0}`")]
    NotFound(String),
    /// Two entities were given the same id.
    #[error("the id `{id}` is used twice")]
    DuplicateId {
        /// The id.
        id: String,
        /// Where the first entity with the id was defined, as its caller numbered the place
        /// (`NewEntity::defined_at`).
        first_defined_at: u64,
    },
    /// A relation between kinds its kind does not allow.
    #[error("a `{kind}` relation cannot go from a {from} to a {to}")]
    KindMismatch {
        /// The relation's kind.
        kind: RelationKind,
        /// The kind at its `from` end.
        from: EntityKind,
        /// The kind at its `to` end.
        to: EntityKind,
    },
    /// An addition names no curated relation.
    #[error("no curated relation has the id `{0}`")]
    UnknownRelation(String),
    /// An addition gives an end its relation already has otherwise.
    #[error("the relation `{id}` already ends on {until}")]
    AlreadyEnds {
        /// The relation's id.
        id: String,
        /// The end it has.
        until: String,
    },
    /// A relation from an entity to itself.
    #[error("a relation cannot go from `{0}` to itself")]
    SelfLoop(String),
    /// The request passed its deadline.
    #[error("the request took longer than its time limit")]
    Timeout,
    /// The request's client went away.
    #[error("the request was cancelled")]
    Cancelled,
    /// The answer holds more items than the request may return.
    #[error("the answer holds more than {0} items: ask for less, or page through it")]
    TooManyItems(u64),
    /// A computation needed more work than it was allowed.
    #[error(
        "the computation needs more than its budget of {0} steps: narrow it with kinds or filters"
    )]
    LimitExceeded(u64),
    /// A time series would have more periods than it may.
    #[error(
        "a series of {periods} periods: at most {max}; narrow `from` and `to`, or take a longer interval"
    )]
    TooManyPeriods {
        /// How many it would have.
        periods: usize,
        /// How many it may have.
        max: usize,
    },
}

/// Small graphs for unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{
        EntityDetail, EntityIx, Graph, GraphBuilder, NewEntity, NewRelation, RelationDetail,
        StatusChange,
    };
    use crate::model::{DateBound, EntityKind, EventType, RelationKind as K, Status, Validity};

    fn date(text: &str) -> DateBound {
        DateBound::parse(text).unwrap()
    }

    /// Huawei at CES 2018 (an event on 2018-01-09), and AT&T's Mate 10 Pro deal: planned in
    /// 2017-12, cancelled on 2018-01-08; Huawei makes the phone, undated.
    pub(crate) fn huawei() -> Graph {
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
        let step = |status, when: &str| StatusChange::new(status, Some(date(when)), None, vec![]);
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

    /// Adds a bare entity named after its id.
    pub(crate) fn entity(b: &mut GraphBuilder, id: &str, kind: EntityKind) -> EntityIx {
        b.add_entity(NewEntity {
            id,
            kind,
            name: id,
            country: None,
            date: None,
            detail: None,
            defined_at: 0,
        })
        .unwrap()
    }

    /// x makes p; carrier c carries p; retailer r sells x; c partners with x.
    pub(crate) fn tiny() -> Graph {
        let mut g = GraphBuilder::new();
        let mut add = |id: &str, kind| entity(&mut g, id, kind);
        let (x, p, c, r) = (
            add("x", EntityKind::Vendor),
            add("p", EntityKind::Product),
            add("c", EntityKind::Carrier),
            add("r", EntityKind::Retailer),
        );
        for (a, k, b) in [
            (x, K::Makes, p),
            (c, K::Carries, p),
            (r, K::Sells, x),
            (c, K::PartnersWith, x),
        ] {
            g.add_relation(NewRelation::bare(a, k, b)).unwrap();
        }
        g.finish()
    }
}
