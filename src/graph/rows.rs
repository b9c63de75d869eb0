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
    /// The earliest and the latest of those years, if any entity has a date.
    pub year_span: Option<(i32, i32)>,
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
                let kind = self.tags[hop.relation.0 as usize].kind() as usize;
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

/// Measures the longest lists of a built graph. Entities and relations are measured in
/// parallel pieces whose figures are then merged: every figure is a maximum or a sum.
pub(super) fn measure(graph: &Graph) -> Largest {
    use rayon::prelude::*;
    // Pieces of a fixed size, each measured into its own figures: a figure is a few
    // kilobytes, too big to pass along from one item to the next.
    const PIECE: u32 = 1 << 14;
    fn pieces(count: usize, measure: impl Fn(&mut Measured, u32) + Sync) -> Measured {
        let count = count as u32;
        (0..count.div_ceil(PIECE))
            .into_par_iter()
            .map(|piece| {
                let mut m = Measured::default();
                for i in piece * PIECE..((piece + 1) * PIECE).min(count) {
                    measure(&mut m, i);
                }
                m
            })
            .reduce(Measured::default, Measured::merge)
    }
    let (entities, relations) = rayon::join(
        || pieces(graph.entity_count(), |m, e| m.entity(graph, EntityIx(e))),
        || {
            pieces(graph.relation_count(), |m, r| {
                m.relation(graph, RelationIx(r))
            })
        },
    );
    let Measured { mut largest, years } = entities.merge(relations);
    largest.years = years.len() as u32;
    largest.year_span = years
        .iter()
        .min()
        .zip(years.iter().max())
        .map(|(a, b)| (*a, *b));
    // A pair's relations lie together; the tag of each says whether the next is the pair's.
    let mut run = 0;
    for tag in &graph.tags {
        run += 1;
        largest.pair = largest.pair.max(run);
        if !tag.continues() {
            run = 0;
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

/// The figures of a part of the graph, and the years its entities' dates fall in.
#[derive(Default)]
struct Measured {
    largest: Largest,
    years: rustc_hash::FxHashSet<i32>,
}

impl Measured {
    fn entity(&mut self, graph: &Graph, ix: EntityIx) {
        let largest = &mut self.largest;
        if let Some(date) = super::entity_date(graph, ix) {
            self.years.insert(date.earliest.year());
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

    fn relation(&mut self, graph: &Graph, ix: RelationIx) {
        let largest = &mut self.largest;
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

    /// Both parts' figures: each maximum the larger, each count the sum.
    fn merge(mut self, other: Measured) -> Self {
        let (a, b) = (&mut self.largest, other.largest);
        for (mine, theirs) in a.by_kind.iter_mut().zip(&b.by_kind) {
            *mine = mine.max(theirs);
        }
        for (mine, theirs) in a.degree_by_kind.iter_mut().zip(b.degree_by_kind) {
            *mine = (*mine).max(theirs);
        }
        let Largest {
            by_kind: _,
            degree_by_kind: _,
            degree,
            pair,
            citations,
            aliases,
            property_sources,
            status_steps,
            changed,
            claims,
            amounts,
            order,
            citing_entities,
            citing_relations,
            sources,
            years,
            year_span: _,
        } = b;
        for (mine, theirs) in [
            (&mut a.degree, degree),
            (&mut a.pair, pair),
            (&mut a.citations, citations),
            (&mut a.aliases, aliases),
            (&mut a.property_sources, property_sources),
            (&mut a.status_steps, status_steps),
            (&mut a.changed, changed),
            (&mut a.claims, claims),
            (&mut a.amounts, amounts),
            (&mut a.order, order),
            (&mut a.citing_entities, citing_entities),
            (&mut a.citing_relations, citing_relations),
            (&mut a.years, years),
        ] {
            *mine = (*mine).max(theirs);
        }
        a.sources += sources;
        self.years.extend(other.years);
        self
    }
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
    fn merged_pieces_measure_what_one_piece_does() {
        let g = huawei();
        let mut whole = Measured::default();
        for e in 0..g.entity_count() as u32 {
            whole.entity(&g, EntityIx(e));
        }
        for r in 0..g.relation_count() as u32 {
            whole.relation(&g, RelationIx(r));
        }
        let one = |measure: &dyn Fn(&mut Measured)| {
            let mut m = Measured::default();
            measure(&mut m);
            m
        };
        let pieces = (0..g.entity_count() as u32)
            .map(|e| one(&|m| m.entity(&g, EntityIx(e))))
            .chain((0..g.relation_count() as u32).map(|r| one(&|m| m.relation(&g, RelationIx(r)))))
            .fold(Measured::default(), Measured::merge);
        assert_eq!(
            format!("{:?}", whole.largest),
            format!("{:?}", pieces.largest)
        );
        assert_eq!(whole.years, pieces.years);
        assert!(whole.largest.degree > 1 && whole.largest.status_steps > 1);
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
