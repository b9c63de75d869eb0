//! Adjacency: petgraph's `Csr` in both directions, and the walks over it that every query
//! is built on (an entity's hops, a pair's relations, rows cut to the kinds asked for).

use petgraph::csr::Csr;

use super::record::{EntityIx, RelationIx};
use super::store::{Direction, Graph, Hop};
use crate::model::{KindSet, Presence, RelationKind};

/// Adjacency of one direction: row = entity, column = the entity at the other end, weight = the
/// position in [`Graph::relations`] of the first of the relations between that pair (they are
/// contiguous, the list being in `(from, to, kind)` order), in both directions. petgraph's `Csr` allows one edge per pair, so parallel
/// relations (a deal and a partnership between the same two companies) share one edge and sit
/// side by side in the run.
pub(super) type Adjacency = Csr<(), u32, petgraph::Directed, u32>;

/// What a walk needs of a relation without reading its record: its kind, and whether the next
/// relation in store order joins the same two entities. An adjacency row names a pair's first
/// relation only; the records of a pair lie together (relations are sorted by their ends), but
/// those of the pairs in an entity's incoming row lie apart, one cache miss each, where these
/// bytes for a whole row are a few lines at most.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tag(u8);

impl Tag {
    /// The bit saying the run goes on; the others hold the kind's position in
    /// [`RelationKind::ALL`], which is its discriminant.
    const CONTINUES: u8 = 0x80;

    pub(super) fn new(kind: RelationKind, continues: bool) -> Tag {
        Tag(kind as u8 | if continues { Self::CONTINUES } else { 0 })
    }

    pub(super) fn kind(self) -> RelationKind {
        RelationKind::ALL[usize::from(self.0 & !Self::CONTINUES)]
    }

    pub(super) fn continues(self) -> bool {
        self.0 & Self::CONTINUES != 0
    }
}

const _: () = assert!(RelationKind::ALL.len() <= Tag::CONTINUES as usize);

impl Graph {
    /// Every relation touching `ix` in the given direction, in a deterministic order (outgoing
    /// before incoming, each by the other end's kind, then id). Symmetric relations read the same
    /// from both ends, so they match either direction.
    pub fn hops(&self, ix: EntityIx, direction: Direction) -> impl Iterator<Item = Hop> + '_ {
        self.hops_towards(ix, direction, [KindSet::ALL; 2])
    }

    /// [`Graph::hops`] limited to relations whose other end may be of the given kinds: `ends[0]`
    /// for relations leaving `ix`, `ends[1]` for those arriving. Each adjacency row is sorted by
    /// entity number, hence grouped by kind, so the row is cut to the span of those kinds by two
    /// binary searches instead of being read whole (entities of kinds inside the span but not in
    /// the set may still come out).
    pub fn hops_towards(
        &self,
        ix: EntityIx,
        direction: Direction,
        ends: [KindSet; 2],
    ) -> impl Iterator<Item = Hop> + '_ {
        self.pairs(ix, ends)
            .flat_map(move |(other, first, outgoing)| {
                self.pair_hops(other, first, outgoing, direction)
            })
    }

    /// The relations between `a` and `b` in the given direction (seen from `a`), found by binary
    /// search in `a`'s rows.
    pub fn hops_between(
        &self,
        a: EntityIx,
        b: EntityIx,
        direction: Direction,
    ) -> impl Iterator<Item = Hop> + '_ {
        let find = move |adjacency: &Adjacency| {
            let (others, firsts) = self.row(adjacency, a.0, KindSet::ALL);
            others.binary_search(&b.0).ok().map(|i| firsts[i])
        };
        let outs = find(&self.out).map(|first| (first, true));
        let ins = find(&self.inc).map(|first| (first, false));
        outs.into_iter()
            .chain(ins)
            .flat_map(move |(first, outgoing)| self.pair_hops(b, first, outgoing, direction))
    }

    /// Every entity `ix` shares a relation with, among the kinds of `ends` (see
    /// [`Graph::hops_towards`]): the other end, the first relation of the pair's run and whether
    /// the run leaves `ix`; outgoing rows first. An entity related both ways comes out twice.
    pub(crate) fn pairs(
        &self,
        ix: EntityIx,
        ends: [KindSet; 2],
    ) -> impl Iterator<Item = (EntityIx, u32, bool)> + '_ {
        let side = move |adjacency, kinds, outgoing| {
            let (others, firsts) = self.row(adjacency, ix.0, kinds);
            others
                .iter()
                .zip(firsts)
                .map(move |(&o, &first)| (EntityIx(o), first, outgoing))
        };
        side(&self.out, ends[0], true).chain(side(&self.inc, ends[1], false))
    }

    /// The relations with `other` of the run starting at `first`, seen from the `from` end
    /// when `outgoing`, else from the `to` end, that go the given direction. Read from the
    /// tags alone: no record is touched.
    pub(crate) fn pair_hops(
        &self,
        other: EntityIx,
        first: u32,
        outgoing: bool,
        direction: Direction,
    ) -> impl Iterator<Item = Hop> + '_ {
        self.run(first).filter_map(move |r| {
            let symmetric = self.tags[r as usize].kind().spec().symmetric;
            direction.follows(outgoing, symmetric).then_some(Hop {
                relation: RelationIx(r),
                other,
                outgoing,
                presence: Presence::Sure,
            })
        })
    }

    /// One adjacency row, other ends and the first relation of each pair, cut to the entities
    /// whose kinds lie in the span of `ends`.
    fn row<'a>(
        &self,
        adjacency: &'a Adjacency,
        node: u32,
        ends: KindSet,
    ) -> (&'a [u32], &'a [u32]) {
        let Some((first_kind, after_kind)) = ends.span() else {
            return (&[], &[]);
        };
        let (others, firsts) = (adjacency.neighbors_slice(node), adjacency.edges_slice(node));
        if ends == KindSet::ALL {
            return (others, firsts);
        }
        let (lo, hi) = (self.kind_start[first_kind], self.kind_start[after_kind]);
        let start = others.partition_point(|&o| o < lo);
        let end = start + others[start..].partition_point(|&o| o < hi);
        (&others[start..end], &firsts[start..end])
    }

    /// How many entities `ix` shares a relation with, counting each direction: the work of
    /// reading its rows.
    pub(crate) fn row_len(&self, ix: EntityIx) -> usize {
        self.out.edges_slice(ix.0).len() + self.inc.edges_slice(ix.0).len()
    }

    /// The relations of one pair's run, starting at relation `first`.
    fn run(&self, first: u32) -> impl Iterator<Item = u32> + '_ {
        let mut next = Some(first);
        std::iter::from_fn(move || {
            let r = next?;
            next = self.tags[r as usize].continues().then_some(r + 1);
            Some(r)
        })
    }

    /// The distinct entities adjacent to `ix` by any relation, either direction.
    pub fn neighbours(&self, ix: EntityIx) -> impl Iterator<Item = EntityIx> + '_ {
        let node = ix.0;
        self.out
            .neighbors_slice(node)
            .iter()
            .chain(self.inc.neighbors_slice(node))
            .map(|n| EntityIx(*n))
    }
}

/// Builds one direction's adjacency from `(row, column, first relation)` triples sorted by row
/// then column, one per pair; entities without relations get empty rows.
pub(super) fn adjacency(nodes: usize, edges: &[(u32, u32, u32)]) -> Adjacency {
    let mut csr = Adjacency::from_sorted_edges(edges).expect("edges are sorted by row then column");
    while csr.node_count() < nodes {
        csr.add_node(());
    }
    csr
}
