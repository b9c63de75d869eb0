//! Filtered reads over the store: the time, evidence and kind filters every relation-returning
//! answer shares.

use super::EntityIx;
use super::record::{RelationIx, StatusChange};
use super::store::{Direction, Graph, Hop};
use crate::model::{Day, KindSet, Presence, RelationKind, Status};

/// Which relations count: by kind, direction, time and evidence. The default lets everything in.
#[derive(Clone, Debug, Default)]
pub struct RelationFilter {
    /// Only these kinds; empty means all.
    pub kinds: Vec<RelationKind>,
    /// Which way to follow relations.
    pub direction: Direction,
    /// Only relations in force on this day.
    pub as_of: Option<Day>,
    /// With `as_of`, also those possibly in force (flagged as such).
    pub include_possible: bool,
    /// Only relations believed at least this much.
    pub min_confidence: f32,
    /// Only relations with at least one source.
    pub sourced_only: bool,
    /// Only relations whose status (as of `as_of`, else the latest) is one of these; empty
    /// means any.
    pub statuses: Vec<Status>,
    /// Only relations scoped to this market.
    pub market: Option<EntityIx>,
}

impl RelationFilter {
    /// A filter letting in only the given kinds, in the given direction.
    pub fn kinds(kinds: &[RelationKind], direction: Direction) -> Self {
        RelationFilter {
            kinds: kinds.to_vec(),
            direction,
            ..Self::default()
        }
    }

    /// Whether every relation, either way, passes.
    pub fn admits_all(&self) -> bool {
        let RelationFilter {
            kinds,
            direction,
            as_of,
            include_possible: _,
            min_confidence,
            sourced_only,
            statuses,
            market,
        } = self;
        kinds.is_empty()
            && *direction == Direction::Both
            && as_of.is_none()
            && *min_confidence <= 0.0
            && !sourced_only
            && statuses.is_empty()
            && market.is_none()
    }

    /// The kinds the other end of an admitted relation may have: for relations leaving the
    /// entity, then for those arriving at it.
    pub fn ends(&self) -> [KindSet; 2] {
        if self.kinds.is_empty() {
            return [KindSet::ALL; 2];
        }
        let mut ends = [KindSet::EMPTY; 2];
        for kind in &self.kinds {
            let spec = kind.spec();
            let (leaving, arriving) = if spec.symmetric {
                let either = spec.from.union(spec.to);
                (either, either)
            } else {
                (
                    if self.direction == Direction::Incoming {
                        KindSet::EMPTY
                    } else {
                        spec.to
                    },
                    if self.direction == Direction::Outgoing {
                        KindSet::EMPTY
                    } else {
                        spec.from
                    },
                )
            };
            ends = [ends[0].union(leaving), ends[1].union(arriving)];
        }
        ends
    }

    /// How the relation fares under this filter: `None` when it is filtered out, else its
    /// presence on the filter's day (`Sure` without one).
    pub fn admit(&self, graph: &Graph, relation: RelationIx) -> Option<Presence> {
        let rec = graph.relation(relation);
        if !self.kinds.is_empty() && !self.kinds.contains(&rec.kind) {
            return None;
        }
        if rec.confidence < self.min_confidence || (self.sourced_only && rec.unsourced) {
            return None;
        }
        let presence = match self.as_of {
            None => Presence::Sure,
            Some(day) => match rec.window.presence(day) {
                Presence::Possible if self.include_possible => Presence::Possible,
                Presence::Sure => Presence::Sure,
                _ => return None,
            },
        };
        if self.market.is_some() || !self.statuses.is_empty() {
            let detail = graph.relation_detail(relation);
            if self.market.is_some() && detail.market != self.market {
                return None;
            }
            if !self.statuses.is_empty() {
                let status = status_as_of(&detail.status_history, self.as_of)?;
                if !self.statuses.contains(&status.status) {
                    return None;
                }
            }
        }
        Some(presence)
    }
}

/// The step of a status history in force on `day` (the latest surely reached by then), or the
/// latest step without a day.
pub fn status_as_of(history: &[StatusChange], day: Option<Day>) -> Option<&StatusChange> {
    match day {
        None => history.last(),
        Some(day) => history
            .iter()
            .rev()
            .find(|s| s.date.is_none_or(|d| d.last_day() <= day)),
    }
}

impl Graph {
    /// The `ranks_in` relations of a vendor or market whose period may overlap `[from, to]`
    /// (days, inclusive), as a series: by period, then rank. Relations without a period are
    /// kept only when no bound is given.
    pub fn market_shares(&self, entity: EntityIx, from: Option<Day>, to: Option<Day>) -> Vec<Hop> {
        let filter = RelationFilter::kinds(&[RelationKind::RanksIn], super::Direction::Both);
        let mut series: Vec<Hop> = self
            .relations_of(entity, &filter)
            .filter(|hop| match self.relation_detail(hop.relation).period {
                None => from.is_none() && to.is_none(),
                Some(p) => {
                    from.is_none_or(|f| p.last_day() >= f) && to.is_none_or(|t| p.first_day() <= t)
                }
            })
            .collect();
        series.sort_by_key(|hop| {
            let d = self.relation_detail(hop.relation);
            (d.period.map(|p| p.first_day()), d.rank.unwrap_or(u32::MAX))
        });
        series
    }

    /// The relations of `entity` that pass `filter`, each seen from `entity`.
    pub fn relations_of<'g>(
        &'g self,
        entity: EntityIx,
        filter: &'g RelationFilter,
    ) -> impl Iterator<Item = Hop> + 'g {
        self.hops_towards(entity, filter.direction, filter.ends())
            .filter_map(move |hop| {
                filter
                    .admit(self, hop.relation)
                    .map(|presence| Hop { presence, ..hop })
            })
    }
}
