//! Row lengths: how many items a list read from the graph can hold, known before it is read.
//! They price a query before it runs: an entity's own rows where the query names the entity,
//! the data's largest where it does not.

use super::record::{EntityIx, RelationIx};
use super::store::{Direction, Graph};
use crate::model::{EntityKind, RelationKind};

const KINDS: usize = RelationKind::ALL.len();

/// How many relations of each kind an entity has, each way (or, in [`Largest`], the most any
/// entity of a kind has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rows {
    /// Relations stored from the entity, by kind.
    out: [u32; KINDS],
    /// Relations stored to it, by kind.
    inc: [u32; KINDS],
}

impl Default for Rows {
    fn default() -> Self {
        Rows {
            out: [0; KINDS],
            inc: [0; KINDS],
        }
    }
}

impl Rows {
    /// How many relations of `kinds` (all kinds when empty) a walk in `direction` finds.
    /// Symmetric relations read the same from both ends, so they count either way.
    pub fn of(&self, kinds: &[RelationKind], direction: Direction) -> u64 {
        let count = |kind: RelationKind| {
            let symmetric = kind.spec().symmetric;
            let k = kind as usize;
            let out = if direction.follows(true, symmetric) {
                self.out[k]
            } else {
                0
            };
            let inc = if direction.follows(false, symmetric) {
                self.inc[k]
            } else {
                0
            };
            u64::from(out) + u64::from(inc)
        };
        if kinds.is_empty() {
            RelationKind::ALL.iter().map(|&k| count(k)).sum()
        } else {
            kinds.iter().map(|&k| count(k)).sum()
        }
    }

    /// Every relation, both ways.
    pub fn total(&self) -> u64 {
        self.of(&[], Direction::Both)
    }

    /// Each count the larger of the two.
    fn max(mut self, other: &Rows) -> Rows {
        for k in 0..KINDS {
            self.out[k] = self.out[k].max(other.out[k]);
            self.inc[k] = self.inc[k].max(other.inc[k]);
        }
        self
    }
}

/// The longest lists of the data: what a query that does not name an entity is priced by.
/// Every figure is an upper bound of what one list of its kind holds.
#[derive(Clone, Debug, Default)]
pub struct Largest {
    /// For each entity kind, the most relations of each kind and way any entity of it has.
    by_kind: [Rows; EntityKind::ALL.len()],
    /// The most relations any one entity has.
    pub degree: u32,
    /// For each entity kind, the most relations any one entity of it has.
    degree_by_kind: [u32; EntityKind::ALL.len()],
    /// The most relations between one pair of entities.
    pub pair: u32,
    /// The most citations of one thing: an entity, a property, a cause, a relation, a status
    /// step.
    pub citations: u32,
    /// The most aliases of one entity.
    pub aliases: u32,
    /// The most cited properties of one entity.
    pub property_sources: u32,
    /// The longest status history of one relation.
    pub status_steps: u32,
    /// The most relations one event changed.
    pub changed: u32,
    /// The most claims one party makes.
    pub claims: u32,
    /// The most amounts one event or relation gives.
    pub amounts: u32,
    /// The most events one event or relation is ordered after or before.
    pub order: u32,
    /// The most entities one source supports.
    pub citing_entities: u32,
    /// The most relations one source supports.
    pub citing_relations: u32,
    /// How many entities are sources.
    pub sources: u32,
    /// How many distinct years entities' dates fall in (see [`super::entity_date`]).
    pub years: u32,
}

impl Largest {
    /// The most relations any entity of `kind` has, by relation kind and way.
    pub fn rows(&self, kind: EntityKind) -> &Rows {
        &self.by_kind[kind as usize]
    }

    /// The most relations any entity has, by relation kind and way.
    pub fn any_rows(&self) -> Rows {
        self.by_kind.iter().fold(Rows::default(), |a, b| a.max(b))
    }

    /// The most relations of `kinds` (all when empty) one entity of `kind` (of any kind when
    /// `None`) has in `direction`: the most of each relation kind summed, and no more than the
    /// most relations of any one entity.
    pub fn of(
        &self,
        kind: Option<EntityKind>,
        kinds: &[RelationKind],
        direction: Direction,
    ) -> u64 {
        let (rows, degree) = match kind {
            Some(kind) => (
                self.by_kind[kind as usize],
                self.degree_by_kind[kind as usize],
            ),
            None => (self.any_rows(), self.degree),
        };
        rows.of(kinds, direction).min(u64::from(degree))
    }

    /// The most timeline entries of an entity with `relations` relations: each may start,
    /// end and change status.
    pub fn timeline(&self, relations: u64) -> u64 {
        relations * (2 + u64::from(self.status_steps))
    }

    /// The most sources about an entity with `relations` relations: its own and those of its
    /// relations.
    pub fn sources_about(&self, relations: u64) -> u64 {
        let own = u64::from(self.citations) * (1 + u64::from(self.property_sources) + 1);
        let per_relation = u64::from(self.citations) * (1 + u64::from(self.status_steps));
        (own + relations * per_relation).min(u64::from(self.sources))
    }

    /// The most relations among `nodes` entities.
    pub fn among(&self, nodes: u64, relations: u64) -> u64 {
        (nodes * nodes.saturating_sub(1) / 2 * u64::from(self.pair)).min(relations)
    }
}

impl Graph {
    /// How many relations of each kind `ix` has, each way: the length of every list of its
    /// relations before it is filtered. It reads the entity's adjacency tags, not its records.
    pub fn rows(&self, ix: EntityIx) -> Rows {
        let mut rows = Rows::default();
        for (other, first, outgoing) in self.pairs(ix, [crate::model::KindSet::ALL; 2]) {
            for hop in self.pair_hops(other, first, outgoing, Direction::Both) {
                let kind = self.relation(hop.relation).kind as usize;
                if outgoing {
                    rows.out[kind] += 1;
                } else {
                    rows.inc[kind] += 1;
                }
            }
        }
        rows
    }

    /// The longest lists of the data, computed when it was built.
    pub fn largest(&self) -> &Largest {
        &self.largest
    }
}

/// Measures the longest lists of a built graph.
pub(super) fn measure(graph: &Graph) -> Largest {
    let mut largest = Largest::default();
    let mut years = rustc_hash::FxHashSet::default();
    for e in 0..graph.entity_count() as u32 {
        let ix = EntityIx(e);
        if let Some(date) = super::entity_date(graph, ix) {
            years.insert(date.earliest.year());
        }
        let rows = graph.rows(ix);
        let kind = graph.kind_of(ix) as usize;
        largest.by_kind[kind] = largest.by_kind[kind].max(&rows);
        largest.degree = largest.degree.max(saturate(rows.total()));
        largest.degree_by_kind[kind] = largest.degree_by_kind[kind].max(saturate(rows.total()));
        let d = graph.entity_detail(ix);
        let cited = d
            .property_sources
            .iter()
            .map(|p| p.sources.len())
            .chain(d.cause.iter().map(|c| c.sources.len()))
            .chain([d.sources.len()]);
        for n in cited {
            largest.citations = largest.citations.max(n as u32);
        }
        largest.aliases = largest.aliases.max(d.aliases.len() as u32);
        largest.amounts = largest.amounts.max(d.amounts.len() as u32);
        largest.order = largest.order.max(d.after.len().max(d.before.len()) as u32);
        largest.property_sources = largest
            .property_sources
            .max(d.property_sources.len() as u32);
        if graph.kind_of(ix) == EntityKind::Source {
            largest.sources += 1;
            let citing = graph.citing(ix);
            largest.citing_entities = largest.citing_entities.max(citing.entities.len() as u32);
            largest.citing_relations = largest.citing_relations.max(citing.relations.len() as u32);
        }
        if graph.kind_of(ix) == EntityKind::Event {
            largest.changed = largest.changed.max(graph.changed_by(ix).len() as u32);
        }
    }
    largest.years = years.len() as u32;
    let mut run = 0;
    for r in 0..graph.relation_count() as u32 {
        let ix = RelationIx(r);
        // A pair's relations lie together; the tag of each says whether the next is the pair's.
        run = if r > 0 && graph.tags[r as usize - 1].continues() {
            run + 1
        } else {
            1
        };
        largest.pair = largest.pair.max(run);
        let d = graph.relation_detail(ix);
        largest.citations = largest
            .citations
            .max(graph.relation_citations(ix).len() as u32);
        largest.status_steps = largest.status_steps.max(d.status_history.len() as u32);
        for step in &d.status_history {
            largest.citations = largest.citations.max(step.sources.len() as u32);
        }
        largest.amounts = largest.amounts.max(d.amounts.len() as u32);
        largest.order = largest.order.max(d.after.len().max(d.before.len()) as u32);
        if let Some(end) = &d.planned_end {
            largest.citations = largest.citations.max(end.sources.len() as u32);
        }
    }
    largest.claims = graph
        .claims
        .values()
        .map(|c| c.len() as u32)
        .max()
        .unwrap_or(0);
    largest
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::testing::huawei;
    use crate::model::RelationKind as K;

    use super::*;

    #[test]
    fn an_entitys_rows_count_each_kind_each_way() {
        let g = huawei();
        let huawei = g.lookup("huawei").unwrap();
        let rows = g.rows(huawei);
        let all = g.hops(huawei, Direction::Both).count() as u64;
        assert_eq!(rows.total(), all);
        for kind in RelationKind::ALL.iter().copied() {
            for direction in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
                let filter = crate::graph::RelationFilter::kinds(&[kind], direction);
                let walked = g.relations_of(huawei, &filter).count() as u64;
                assert_eq!(
                    rows.of(&[kind], direction),
                    walked,
                    "{kind:?} {direction:?}"
                );
            }
        }
    }

    #[test]
    fn the_largest_rows_bound_every_entitys() {
        let g = huawei();
        let largest = g.largest();
        for e in 0..g.entity_count() as u32 {
            let ix = EntityIx(e);
            let rows = g.rows(ix);
            let most = largest.rows(g.kind_of(ix));
            for kind in RelationKind::ALL.iter().copied() {
                for direction in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
                    assert!(rows.of(&[kind], direction) <= most.of(&[kind], direction));
                }
            }
            assert!(rows.total() <= u64::from(largest.degree));
            let kind = Some(g.kind_of(ix));
            assert!(rows.total() <= largest.of(kind, &[], Direction::Both));
            let timeline = g.timeline(ix, &Default::default()).len() as u64;
            assert!(largest.timeline(rows.total()) >= timeline);
            assert!(largest.sources_about(rows.total()) >= g.sources_about(ix).len() as u64);
        }
        assert!(
            largest
                .rows(EntityKind::Vendor)
                .of(&[K::Makes], Direction::Outgoing)
                >= 1
        );
        assert!(largest.pair >= 1);
    }
}
