//! Filtered reads over the store: the time, evidence and kind filters every relation-returning
//! answer shares.

use super::EntityIx;
use super::record::RelationIx;
use super::store::{Direction, Graph, Hop};
use crate::model::{Day, EntityKind, KindSet, Presence, RelationKind, Status};

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
    /// With `as_of`, also those pending on the day (rumoured, planned, announced…), flagged
    /// `Planned`.
    pub include_planned: bool,
    /// With `as_of`, also those over on the day (ended, cancelled, lifted, suspended), flagged
    /// `Ended`.
    pub include_ended: bool,
    /// Only relations believed at least this much.
    pub min_confidence: f32,
    /// Only relations with at least one source.
    pub sourced_only: bool,
    /// Only relations whose status (as of `as_of`, else the latest) is one of these; empty
    /// means any.
    pub statuses: Vec<Status>,
    /// With `statuses`, also relations that have no status (as of `as_of`).
    pub include_unstated: bool,
    /// No relation whose status (as of `as_of`, else the latest) is one of these; relations
    /// with no status pass.
    pub excluded_statuses: Vec<Status>,
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
        self.kinds.is_empty() && self.direction == Direction::Both && self.asks_only_kinds()
    }

    /// Whether the filter asks nothing but kinds and a direction (its time, evidence, status
    /// and scope conditions are all open).
    fn asks_only_kinds(&self) -> bool {
        let RelationFilter {
            kinds: _,
            direction: _,
            as_of,
            include_possible: _,
            include_planned: _,
            include_ended: _,
            min_confidence,
            sourced_only,
            statuses,
            include_unstated: _,
            excluded_statuses,
            market,
        } = self;
        as_of.is_none()
            && *min_confidence <= 0.0
            && !sourced_only
            && statuses.is_empty()
            && excluded_statuses.is_empty()
            && market.is_none()
    }

    /// Whether every relation between an entity of kind `own` and entities of the kinds
    /// `others` passes, judged from those kinds alone (`leaving`: relations stored from the
    /// entity; symmetric ones may be stored either way). Only a filter asking nothing but
    /// kinds and a direction can be judged so.
    pub fn admits_every(&self, own: EntityKind, leaving: bool, others: KindSet) -> bool {
        if !self.asks_only_kinds() {
            return false;
        }
        let own_set = KindSet::of(&[own]);
        RelationKind::ALL.iter().all(|&kind| {
            let spec = kind.spec();
            let stored_here = if leaving {
                spec.from.contains(own) && spec.to.intersects(others)
            } else {
                spec.to.contains(own) && spec.from.intersects(others)
            };
            let possible = stored_here
                || spec.symmetric && (spec.from.intersects(others) && spec.to.intersects(own_set));
            let admitted = (self.kinds.is_empty() || self.kinds.contains(&kind))
                && self.direction.follows(leaving, spec.symmetric);
            !possible || admitted
        })
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
            // A symmetric relation may be stored either way round.
            let (to, from) = if spec.symmetric {
                let either = spec.from.union(spec.to);
                (either, either)
            } else {
                (spec.to, spec.from)
            };
            let side = |leaving, kinds| {
                if self.direction.follows(leaving, spec.symmetric) {
                    kinds
                } else {
                    KindSet::EMPTY
                }
            };
            ends = [
                ends[0].union(side(true, to)),
                ends[1].union(side(false, from)),
            ];
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
            Some(day) => match graph.standing(relation, day) {
                Presence::Possible if self.include_possible => Presence::Possible,
                Presence::Planned if self.include_planned => Presence::Planned,
                Presence::Ended if self.include_ended => Presence::Ended,
                Presence::Sure => Presence::Sure,
                _ => return None,
            },
        };
        let by_status = !self.statuses.is_empty() || !self.excluded_statuses.is_empty();
        if self.market.is_some() || by_status {
            let detail = graph.relation_detail(relation);
            if self.market.is_some() && detail.market != self.market {
                return None;
            }
            if by_status {
                let step = super::view::step_at(&detail.status_history, self.as_of);
                match step.map(|step| detail.status_history[step].status) {
                    None if !self.statuses.is_empty() && !self.include_unstated => return None,
                    None => {}
                    Some(status) => {
                        let kept = self.statuses.is_empty() || self.statuses.contains(&status);
                        if !kept || self.excluded_statuses.contains(&status) {
                            return None;
                        }
                    }
                }
            }
        }
        Some(presence)
    }
}

impl Graph {
    /// Where a relation stands on `day` (see `model::standing`): in force surely or possibly
    /// by its window, and where it is not in force, pending (`Planned`) or over (`Ended`) by
    /// its status on the day; a suspended relation is over while suspended.
    pub fn standing(&self, relation: RelationIx, day: Day) -> Presence {
        let rec = self.relation(relation);
        if rec.detail == u32::MAX {
            return crate::model::standing(&rec.window, None, day);
        }
        let history = &self.relation_detail(relation).status_history;
        let phase = super::view::step_at(history, Some(day)).map(|i| history[i].status.phase());
        if phase == Some(crate::model::Phase::Paused) {
            return Presence::Ended;
        }
        crate::model::standing(&rec.window, phase, day)
    }

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

    /// The entities `entity` has a relation passing `filter` with: each once for the
    /// relations stored from `entity`, once for those stored to it. Where the kinds of the two
    /// ends decide that every relation between them passes, none is read. To ask this of many
    /// entities, prepare the filter once with [`Graph::related_by`].
    pub fn related<'g>(
        &'g self,
        entity: EntityIx,
        filter: &'g RelationFilter,
    ) -> impl Iterator<Item = EntityIx> + 'g {
        let ends = filter.ends();
        let own = self.kind_of(entity);
        RelatedBy::walk(self, filter, ends, every_passes(filter, ends, own), entity)
    }

    /// [`Graph::related`] with `filter` prepared once for any number of entities.
    pub fn related_by<'g>(&'g self, filter: &'g RelationFilter) -> RelatedBy<'g> {
        let ends = filter.ends();
        RelatedBy {
            graph: self,
            filter,
            ends,
            every: std::array::from_fn(|k| every_passes(filter, ends, EntityKind::ALL[k])),
        }
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

const KINDS: usize = EntityKind::ALL.len();

/// A filter prepared for [`Graph::related`] questions about many entities.
#[derive(Debug)]
pub struct RelatedBy<'g> {
    graph: &'g Graph,
    filter: &'g RelationFilter,
    ends: [KindSet; 2],
    /// For each kind of entity, whether every relation it stores from it (then to it) passes.
    every: [[bool; 2]; KINDS],
}

impl<'g> RelatedBy<'g> {
    /// The entities `entity` has a relation passing the filter with (see [`Graph::related`]).
    pub fn of(&self, entity: EntityIx) -> impl Iterator<Item = EntityIx> + 'g {
        let own = self.graph.kind_of(entity);
        Self::walk(
            self.graph,
            self.filter,
            self.ends,
            self.every[own as usize],
            entity,
        )
    }

    fn walk(
        graph: &'g Graph,
        filter: &'g RelationFilter,
        ends: [KindSet; 2],
        every: [bool; 2],
        entity: EntityIx,
    ) -> impl Iterator<Item = EntityIx> + 'g {
        graph
            .pairs(entity, ends)
            .filter(move |&(other, first, outgoing)| {
                every[usize::from(!outgoing)]
                    || graph
                        .pair_hops(other, first, outgoing, filter.direction)
                        .any(|hop| filter.admit(graph, hop.relation).is_some())
            })
            .map(|(other, _, _)| other)
    }
}

/// For an entity of kind `own`, whether every relation stored from it, then to it, within the
/// rows cut to `ends` passes `filter`.
fn every_passes(filter: &RelationFilter, ends: [KindSet; 2], own: EntityKind) -> [bool; 2] {
    [0, 1].map(|side| {
        ends[side].span().is_some_and(|(first, after)| {
            filter.admits_every(own, side == 0, KindSet::between(first, after))
        })
    })
}
