//! The store: entity and relation records, petgraph adjacency in both directions, and the
//! indexes beside it (id → entity, per-kind id order, name search).

use std::sync::{LazyLock, Mutex, PoisonError};

use petgraph::csr::Csr;
use rayon::iter::{IntoParallelRefMutIterator, ParallelIterator};
use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;

use super::GraphError;
use super::record::{
    Citation, EntityDetail, EntityIx, NewRelation, RelationDetail, RelationIx, RelationRecord,
    Renumbering,
};
use super::search::SearchIndex;
use super::table::{EntityTable, EntityView, NewEntity};
use super::traverse::Marks;
use crate::model::{EntityKind, KindSet, Presence, RelationKind};

/// Adjacency of one direction: row = entity, column = the entity at the other end, weight = the
/// position in [`Graph::relations`] of the first of the relations between that pair (they are
/// contiguous, the list being in `(from, to, kind)` order), in both directions. petgraph's `Csr` allows one edge per pair, so parallel
/// relations (a deal and a partnership between the same two companies) share one edge and sit
/// side by side in the run.
type Adjacency = Csr<(), u32, petgraph::Directed, u32>;

/// An immutable snapshot of the market graph.
///
/// Built once by [`GraphBuilder`]; every query borrows it. Entities are numbered kind-major,
/// each kind in id order (the builder's numbers do not carry over); relations are kept in
/// `(from, to, kind)` order, so every answer comes out in a deterministic order.
#[derive(Debug)]
pub struct Graph {
    entities: EntityTable,
    relations: Vec<RelationRecord>,
    /// Each relation's kind and whether its pair's run goes on, beside the records: see [`Tag`].
    tags: Vec<Tag>,
    relation_details: Vec<RelationDetail>,
    /// The source entity standing for each bulk file.
    file_sources: Vec<EntityIx>,
    out: Adjacency,
    inc: Adjacency,
    /// Every entity, in id order.
    sorted: Vec<EntityIx>,
    /// Every entity by number: entities are numbered kind-major, each kind in id order.
    numbered: Vec<EntityIx>,
    /// Where each kind's numbers start (in [`EntityKind::ALL`] order), and the entity count.
    kind_start: Vec<u32>,
    search: SearchIndex,
    changed_by: FxHashMap<EntityIx, Vec<RelationIx>>,
    cited_by: FxHashMap<EntityIx, Citing>,
    /// Marks for path searches, kept between searches so that none allocates or clears a
    /// per-entity array; one per search running at the same time, up to [`SPARE_MARKS`].
    marks: Mutex<Vec<Marks>>,
}

/// How many sets of path-search marks are kept for reuse.
const SPARE_MARKS: usize = 4;

/// What a walk needs of a relation without reading its record: its kind, and whether the next
/// relation in store order joins the same two entities. An adjacency row names a pair's first
/// relation only; the records of a pair lie together (relations are sorted by their ends), but
/// those of the pairs in an entity's incoming row lie apart, one cache miss each, where these
/// bytes for a whole row are a few lines at most.
#[derive(Clone, Copy, Debug)]
struct Tag(u8);

impl Tag {
    /// The bit saying the run goes on; the others hold the kind's position in
    /// [`RelationKind::ALL`], which is its discriminant.
    const CONTINUES: u8 = 0x80;

    fn new(kind: RelationKind, continues: bool) -> Tag {
        Tag(kind as u8 | if continues { Self::CONTINUES } else { 0 })
    }

    fn kind(self) -> RelationKind {
        RelationKind::ALL[usize::from(self.0 & !Self::CONTINUES)]
    }

    fn continues(self) -> bool {
        self.0 & Self::CONTINUES != 0
    }
}

const _: () = assert!(RelationKind::ALL.len() <= Tag::CONTINUES as usize);

/// What one source supports.
#[derive(Debug, Default)]
pub struct Citing {
    /// Entities citing it for themselves or a property, in id order.
    pub entities: Vec<EntityIx>,
    /// Relations citing it, themselves or in a status step, in store order.
    pub relations: Vec<RelationIx>,
}

static NO_ENTITY_DETAIL: LazyLock<EntityDetail> = LazyLock::new(EntityDetail::default);
static NO_RELATION_DETAIL: LazyLock<RelationDetail> = LazyLock::new(RelationDetail::default);

/// Which way relations are followed from an entity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// Relations whose `from` is the entity (and symmetric ones).
    Outgoing,
    /// Relations whose `to` is the entity (and symmetric ones).
    Incoming,
    /// Both.
    #[default]
    Both,
}

impl Direction {
    /// Whether a relation stored from the entity (`leaving`) or to it goes this way; symmetric
    /// relations go both ways.
    pub fn follows(self, leaving: bool, symmetric: bool) -> bool {
        match self {
            Direction::Both => true,
            Direction::Outgoing => leaving || symmetric,
            Direction::Incoming => !leaving || symmetric,
        }
    }

    /// The same way seen from the other end.
    pub fn reversed(self) -> Direction {
        match self {
            Direction::Outgoing => Direction::Incoming,
            Direction::Incoming => Direction::Outgoing,
            Direction::Both => Direction::Both,
        }
    }
}

/// A relation seen from one of its ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The relation.
    pub relation: RelationIx,
    /// The entity at the far end.
    pub other: EntityIx,
    /// Whether the relation leaves the entity it was seen from (`from` is that entity).
    pub outgoing: bool,
    /// Whether it holds on the filter's day (`Sure` without a day).
    pub presence: Presence,
}

impl Graph {
    /// The number of entities.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    /// The number of relations.
    pub fn relation_count(&self) -> usize {
        self.relations.len()
    }

    /// The entity with this id, if any.
    pub fn lookup(&self, id: &str) -> Option<EntityIx> {
        self.entities.lookup(id)
    }

    /// The entity with this id, or [`GraphError::NotFound`] naming it.
    pub fn require(&self, id: &str) -> Result<EntityIx, GraphError> {
        self.lookup(id)
            .ok_or_else(|| GraphError::NotFound(id.to_owned()))
    }

    /// An entity's id, kind, name and bulk fields.
    pub fn entity(&self, ix: EntityIx) -> EntityView<'_> {
        self.entities.view(ix)
    }

    /// An entity's kind, read from its number alone (entities are numbered kind-major).
    pub fn kind_of(&self, ix: EntityIx) -> EntityKind {
        let after = self.kind_start.partition_point(|&start| start <= ix.0);
        EntityKind::ALL[after - 1]
    }

    /// An entity's curated detail (empty for bare bulk entities).
    pub fn entity_detail(&self, ix: EntityIx) -> &EntityDetail {
        self.entities.detail(ix).unwrap_or(&NO_ENTITY_DETAIL)
    }

    /// A relation's record.
    pub fn relation(&self, ix: RelationIx) -> &RelationRecord {
        &self.relations[ix.0 as usize]
    }

    /// A relation's curated detail (empty for bare bulk relations).
    pub fn relation_detail(&self, ix: RelationIx) -> &RelationDetail {
        match self.relation(ix).detail {
            u32::MAX => &NO_RELATION_DETAIL,
            d => &self.relation_details[d as usize],
        }
    }

    /// A relation's validity with its partial dates: as curated, or, for a bare bulk relation,
    /// the days of its window.
    pub fn validity(&self, ix: RelationIx) -> crate::model::Validity {
        let rec = self.relation(ix);
        if rec.detail != u32::MAX {
            return self.relation_details[rec.detail as usize].validity;
        }
        let day = |d: crate::model::Day, open: crate::model::Day| {
            (d != open).then(|| crate::model::PartialDate::from_day(d).into())
        };
        crate::model::Validity {
            from: day(rec.window.started_possibly, crate::model::Day::MIN),
            until: day(rec.window.ends_earliest, crate::model::Day::MAX),
        }
    }

    /// What supports a relation: its curated citations, or the bulk file it came from.
    pub fn relation_citations(&self, ix: RelationIx) -> std::borrow::Cow<'_, [Citation]> {
        let rec = self.relation(ix);
        match (rec.detail, rec.file) {
            (u32::MAX, 0) => std::borrow::Cow::Borrowed(&[]),
            (u32::MAX, file) => std::borrow::Cow::Owned(vec![Citation {
                source: self.file_sources[file as usize - 1],
                quote: None,
            }]),
            _ => std::borrow::Cow::Borrowed(&self.relation_details[rec.detail as usize].sources),
        }
    }

    /// All entities, or those of one kind, in id order.
    pub fn entities_of(&self, kind: Option<EntityKind>) -> &[EntityIx] {
        match kind {
            Some(kind) => {
                let k = kind as usize;
                &self.numbered[self.kind_start[k] as usize..self.kind_start[k + 1] as usize]
            }
            None => &self.sorted,
        }
    }

    /// The position in `list` (a list in id order) of the first entity whose id is greater
    /// than `id`: where a page after that id starts.
    pub fn position_after(&self, list: &[EntityIx], id: &str) -> usize {
        list.partition_point(|&e| self.entity(e).id <= id)
    }

    /// The relations whose status history cites `event`, in relation order.
    pub fn changed_by(&self, event: EntityIx) -> &[RelationIx] {
        self.changed_by.get(&event).map_or(&[], Vec::as_slice)
    }

    /// What a source supports (nothing for an entity no one cites).
    pub fn citing(&self, source: EntityIx) -> &Citing {
        static NONE: Citing = Citing {
            entities: Vec::new(),
            relations: Vec::new(),
        };
        self.cited_by.get(&source).unwrap_or(&NONE)
    }

    /// Whether `source` stands for a bulk file, whose relations are counted rather than listed.
    pub fn is_file_source(&self, source: EntityIx) -> bool {
        self.file_sources.contains(&source)
    }

    /// Every source supporting anything about `entity`: itself, its properties, its event's
    /// cause, and every relation touching it with their status steps; in id order.
    pub fn sources_about(&self, entity: EntityIx) -> Vec<EntityIx> {
        let mut sources: Vec<EntityIx> = self.entity_detail(entity).cited_sources().collect();
        for hop in self.hops(entity, Direction::Both) {
            let rd = self.relation_detail(hop.relation);
            sources.extend(
                self.relation_citations(hop.relation)
                    .iter()
                    .map(|c| c.source),
            );
            sources.extend(
                rd.status_history
                    .iter()
                    .flat_map(|s| &s.sources)
                    .map(|c| c.source),
            );
        }
        sources.sort_by(|a, b| self.entity(*a).id.cmp(self.entity(*b).id));
        sources.dedup();
        sources
    }

    /// Runs a path search with a set of marks taken from the spares (or a new one), then puts
    /// the set back.
    pub(super) fn with_marks<R>(&self, search: impl FnOnce(&mut Marks) -> R) -> R {
        let spares = || self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        let mut marks = spares().pop().unwrap_or_default();
        let result = search(&mut marks);
        let mut spares = spares();
        if spares.len() < SPARE_MARKS {
            spares.push(marks);
        }
        result
    }

    /// The name and alias index.
    pub fn search_index(&self) -> &SearchIndex {
        &self.search
    }

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

    /// Every relation, in store order.
    pub fn all_relations(&self) -> impl Iterator<Item = RelationIx> + '_ {
        (0..self.relations.len() as u32).map(RelationIx)
    }

    /// Which of several claims with the same ends and kind this relation is (0 for the first).
    pub fn claim_number(&self, ix: RelationIx) -> usize {
        let rec = &self.relations[ix.0 as usize];
        self.relations[..ix.0 as usize]
            .iter()
            .rev()
            .take_while(|r| (r.from, r.to) == (rec.from, rec.to))
            .filter(|r| r.kind == rec.kind)
            .count()
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

/// Collects entities and relations, checks what the store itself must guarantee, and freezes
/// them into a [`Graph`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    entities: EntityTable,
    relations: Vec<RelationRecord>,
    relation_details: Vec<RelationDetail>,
    file_sources: Vec<EntityIx>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for about this many entities, bytes of ids and names, and
    /// relations, so that a bulk load does not grow its tables by copying.
    pub fn with_capacity(entities: usize, text: usize, relations: usize) -> Self {
        GraphBuilder {
            entities: EntityTable::with_capacity(entities, text),
            relations: Vec::with_capacity(relations),
            ..Self::default()
        }
    }

    /// Adds an entity; a second entity with the same id is refused.
    pub fn add_entity(&mut self, new: NewEntity<'_>) -> Result<EntityIx, GraphError> {
        let id = new.id;
        self.entities
            .insert(new)
            .map_err(|_| GraphError::DuplicateId(id.to_owned()))
    }

    /// The entity added under `id`, if any.
    pub fn lookup(&self, id: &str) -> Option<EntityIx> {
        self.entities.lookup(id)
    }

    /// The kind of an added entity.
    pub fn kind(&self, ix: EntityIx) -> EntityKind {
        self.entities.kind(ix)
    }

    /// What was added of an entity.
    pub fn entity(&self, ix: EntityIx) -> EntityView<'_> {
        self.entities.view(ix)
    }

    /// The number of entities added.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    /// The number of relations added.
    pub fn relation_count(&self) -> usize {
        self.relations.len()
    }

    /// Sets the curated detail of an added entity.
    pub fn set_detail(&mut self, ix: EntityIx, detail: EntityDetail) {
        self.entities.set_detail(ix, detail);
    }

    /// The ids added so far, for "did you mean" suggestions.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        (0..self.entities.len() as u32).map(|i| self.entities.view(EntityIx(i)).id)
    }

    /// Registers a source entity standing for a bulk file; relations from the file name it by
    /// the number returned. At most 255 files.
    pub fn file_source(&mut self, source: EntityIx) -> Option<u8> {
        if self.file_sources.len() == usize::from(u8::MAX) {
            return None;
        }
        self.file_sources.push(source);
        Some(self.file_sources.len() as u8)
    }

    /// The entity added under `id` and its kind.
    pub fn lookup_kind(&self, id: &str) -> Option<(EntityIx, EntityKind)> {
        self.entities.lookup_kind(id)
    }

    /// Checks that a relation of `kind` may join these two added entities.
    pub fn check_relation(
        &self,
        kind: crate::model::RelationKind,
        from: EntityIx,
        to: EntityIx,
    ) -> Result<(), GraphError> {
        self.check_kinds(kind, (from, self.kind(from)), (to, self.kind(to)))
    }

    /// Checks a relation whose ends' kinds are already known.
    pub fn check_kinds(
        &self,
        kind: crate::model::RelationKind,
        (from, fk): (EntityIx, EntityKind),
        (to, tk): (EntityIx, EntityKind),
    ) -> Result<(), GraphError> {
        let spec = kind.spec();
        let fits = |a, b| spec.from.contains(a) && spec.to.contains(b);
        if !(fits(fk, tk) || spec.symmetric && fits(tk, fk)) {
            return Err(GraphError::KindMismatch {
                kind,
                from: fk,
                to: tk,
            });
        }
        if from == to {
            return Err(GraphError::SelfLoop(self.entities.view(from).id.to_owned()));
        }
        Ok(())
    }

    /// Adds a relation between two added entities, whose kinds its kind must allow.
    pub fn add_relation(&mut self, new: NewRelation) -> Result<(), GraphError> {
        self.check_relation(new.kind, new.from, new.to)?;
        self.push_relation(new);
        Ok(())
    }

    /// Adds a relation already checked with [`GraphBuilder::check_kinds`].
    pub(crate) fn push_relation(&mut self, new: NewRelation) {
        let detail = match new.detail {
            Some(d) => {
                self.relation_details.push(*d);
                (self.relation_details.len() - 1) as u32
            }
            None => u32::MAX,
        };
        self.relations.push(RelationRecord {
            from: new.from,
            to: new.to,
            window: new.window,
            confidence: new.confidence,
            detail,
            kind: new.kind,
            unsourced: new.unsourced,
            file: new.file,
        });
    }

    /// Freezes the graph: merges symmetric relations given in both directions, sorts relations
    /// and builds the adjacency and indexes.
    pub fn finish(self) -> Graph {
        let GraphBuilder {
            mut entities,
            mut relations,
            mut relation_details,
            mut file_sources,
        } = self;
        let started = std::time::Instant::now();
        entities.shrink();
        let (new_of, sorted, kind_start) = number_kind_major(&mut entities);
        let renumbering = Renumbering(&new_of);
        for d in entities.details_mut() {
            renumbering.entity_detail(d);
        }
        for d in &mut relation_details {
            renumbering.relation_detail(d);
        }
        relations.par_iter_mut().for_each(|r| {
            renumbering.apply(&mut r.from);
            renumbering.apply(&mut r.to);
        });
        file_sources.iter_mut().for_each(|s| renumbering.apply(s));
        drop(new_of);
        tracing::debug!(elapsed = ?started.elapsed(), "entities renumbered by kind and id");
        let (relations, search) = rayon::join(
            || merge_symmetric(relations, &mut relation_details),
            || SearchIndex::build(entities.names()),
        );
        tracing::debug!(elapsed = ?started.elapsed(), "relations sorted and merged, names indexed");
        let numbered = (0..entities.len() as u32).map(EntityIx).collect();
        let tags = relations
            .iter()
            .enumerate()
            .map(|(r, rec)| {
                let continues = relations
                    .get(r + 1)
                    .is_some_and(|next| (next.from, next.to) == (rec.from, rec.to));
                Tag::new(rec.kind, continues)
            })
            .collect();
        // One edge list serves both directions: `(from, to, first relation)` for each pair in
        // relation order, then the same triples turned round and sorted by `to`.
        let mut edges: Vec<(u32, u32, u32)> = relations
            .iter()
            .enumerate()
            .map(|(r, rec)| (rec.from.0, rec.to.0, r as u32))
            .collect();
        edges.dedup_by_key(|e| (e.0, e.1));
        let out = adjacency(entities.len(), &edges);
        for e in &mut edges {
            std::mem::swap(&mut e.0, &mut e.1);
        }
        // Pairs are unique, so `(to, from)` orders them: one integer to compare.
        edges.par_sort_unstable_by_key(|&(to, from, _)| u64::from(to) << 32 | u64::from(from));
        let inc = adjacency(entities.len(), &edges);
        drop(edges);
        tracing::debug!(elapsed = ?started.elapsed(), "adjacency built");
        let mut changed_by: FxHashMap<EntityIx, Vec<RelationIx>> = FxHashMap::default();
        for (i, r) in relations.iter().enumerate() {
            if r.detail == u32::MAX {
                continue;
            }
            for step in &relation_details[r.detail as usize].status_history {
                if let Some(event) = step.event {
                    let list = changed_by.entry(event).or_default();
                    if list.last() != Some(&RelationIx(i as u32)) {
                        list.push(RelationIx(i as u32));
                    }
                }
            }
        }
        let cited_by = cited_by(&entities, &relations, &relation_details, &sorted);
        Graph {
            entities,
            relations,
            tags,
            relation_details,
            file_sources,
            out,
            inc,
            sorted,
            numbered,
            kind_start,
            search,
            changed_by,
            cited_by,
            marks: Mutex::default(),
        }
    }
}

/// Renumbers the entities kind-major, each kind in id order, so that every adjacency row
/// (sorted by the other end's number) is grouped by the other end's kind. Returns each old
/// number's new one, every entity in id order (new numbers), and where each kind's numbers
/// start, followed by the entity count.
fn number_kind_major(entities: &mut EntityTable) -> (Vec<u32>, Vec<EntityIx>, Vec<u32>) {
    let by_id = entities.sorted_by_id();
    let mut kind_start = vec![0u32; EntityKind::ALL.len() + 1];
    for &e in &by_id {
        kind_start[entities.kind(e) as usize + 1] += 1;
    }
    for k in 1..kind_start.len() {
        kind_start[k] += kind_start[k - 1];
    }
    let mut order = vec![EntityIx(0); by_id.len()];
    let mut next = kind_start.clone();
    for &e in &by_id {
        let slot = &mut next[entities.kind(e) as usize];
        order[*slot as usize] = e;
        *slot += 1;
    }
    let new_of = entities.renumber(&order);
    let sorted = by_id.iter().map(|&e| EntityIx(new_of[e.index()])).collect();
    (new_of, sorted, kind_start)
}

/// Indexes who cites each source.
fn cited_by(
    entities: &EntityTable,
    relations: &[RelationRecord],
    details: &[RelationDetail],
    sorted: &[EntityIx],
) -> FxHashMap<EntityIx, Citing> {
    let mut index: FxHashMap<EntityIx, Citing> = FxHashMap::default();
    for &e in sorted {
        let Some(d) = entities.detail(e) else {
            continue;
        };
        let mut sources: Vec<EntityIx> = d.cited_sources().collect();
        sources.sort();
        sources.dedup();
        for s in sources {
            index.entry(s).or_default().entities.push(e);
        }
    }
    for (i, r) in relations.iter().enumerate() {
        if r.detail == u32::MAX {
            continue;
        }
        let d = &details[r.detail as usize];
        let mut sources: Vec<EntityIx> = d.cited_sources().collect();
        sources.sort();
        sources.dedup();
        for s in sources {
            index
                .entry(s)
                .or_default()
                .relations
                .push(RelationIx(i as u32));
        }
    }
    index
}

/// Builds one direction's adjacency from `(row, column, first relation)` triples sorted by row
/// then column, one per pair; entities without relations get empty rows.
fn adjacency(nodes: usize, edges: &[(u32, u32, u32)]) -> Adjacency {
    let mut csr = Adjacency::from_sorted_edges(edges).expect("edges are sorted by row then column");
    while csr.node_count() < nodes {
        csr.add_node(());
    }
    csr
}

/// Sorts relations by `(from, to, kind)`, turning each symmetric relation to a canonical
/// direction (lower entity number first) and merging the ones given in both directions: the same
/// claim read from each end, so their sources and origins are pooled.
fn merge_symmetric(
    mut relations: Vec<RelationRecord>,
    details: &mut [RelationDetail],
) -> Vec<RelationRecord> {
    for r in &mut relations {
        if r.kind.spec().symmetric && r.from > r.to {
            std::mem::swap(&mut r.from, &mut r.to);
        }
    }
    // Unstable sorting needs no buffer; the detail number keeps curated claims in file order.
    relations.par_sort_unstable_by_key(|r| (r.from, r.to, r.kind, r.detail));
    // Compacts in place: a second copy of millions of records would double the peak memory.
    relations.dedup_by(|r, last| {
        let same = r.kind.spec().symmetric
            && (last.from, last.to, last.kind) == (r.from, r.to, r.kind)
            && same_claim(last, r, details);
        if same {
            if last.detail != u32::MAX && r.detail != u32::MAX {
                let theirs = std::mem::take(&mut details[r.detail as usize]);
                let mine = &mut details[last.detail as usize];
                for c in theirs.sources {
                    if !mine.sources.contains(&c) {
                        mine.sources.push(c);
                    }
                }
                mine.origin = format!("{}; {}", mine.origin, theirs.origin);
            }
            last.unsourced = last.unsourced && r.unsourced;
        }
        same
    });
    relations.shrink_to_fit();
    relations
}

/// Whether two records of the same kind and ends say the same thing (and so may be merged).
fn same_claim(a: &RelationRecord, b: &RelationRecord, details: &[RelationDetail]) -> bool {
    if a.window != b.window || a.confidence != b.confidence || a.file != b.file {
        return false;
    }
    match (a.detail, b.detail) {
        (u32::MAX, u32::MAX) => true,
        (u32::MAX, _) | (_, u32::MAX) => false,
        (x, y) => {
            let (da, db) = (&details[x as usize], &details[y as usize]);
            da.market == db.market && da.role == db.role && da.status_history == db.status_history
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{RelationFilter, StatusChange};
    use crate::model::{DateBound, EntityKind as E, RelationKind as K, Status, Validity};

    use crate::graph::testing::entity;

    fn relation(from: EntityIx, kind: K, to: EntityIx) -> NewRelation {
        NewRelation::bare(from, kind, to)
    }

    fn small() -> Graph {
        let mut b = GraphBuilder::new();
        let huawei = entity(&mut b, "huawei", E::Vendor);
        let att = entity(&mut b, "att", E::Carrier);
        let mate = entity(&mut b, "mate-10-pro", E::Product);
        let apple = entity(&mut b, "apple", E::Vendor);
        b.add_relation(relation(huawei, K::Makes, mate)).unwrap();
        let mut deal = relation(att, K::Carries, mate);
        let validity = Validity {
            from: Some(DateBound::parse("2017-12").unwrap()),
            until: None,
        };
        deal.window = validity.window();
        deal.detail = Some(Box::new(RelationDetail {
            validity,
            status_history: vec![
                StatusChange {
                    status: Status::Planned,
                    date: Some(DateBound::parse("2017-12").unwrap()),
                    event: None,
                    sources: vec![],
                },
                StatusChange {
                    status: Status::Cancelled,
                    date: Some(DateBound::parse("2018-01-08").unwrap()),
                    event: None,
                    sources: vec![],
                },
            ],
            ..RelationDetail::default()
        }));
        b.add_relation(deal).unwrap();
        // The same partnership given from both ends, and a rivalry.
        b.add_relation(relation(huawei, K::PartnersWith, att))
            .unwrap();
        b.add_relation(relation(att, K::PartnersWith, huawei))
            .unwrap();
        b.add_relation(relation(apple, K::CompetesWith, huawei))
            .unwrap();
        b.finish()
    }

    fn others(g: &Graph, id: &str, filter: &RelationFilter) -> Vec<String> {
        let ix = g.lookup(id).unwrap();
        g.relations_of(ix, filter)
            .map(|h| format!("{}:{}", g.relation(h.relation).kind, g.entity(h.other).id))
            .collect()
    }

    #[test]
    fn symmetric_relations_given_twice_are_one_read_from_both_ends() {
        let g = small();
        assert_eq!(g.relation_count(), 4);
        let all = RelationFilter::default();
        assert_eq!(
            others(&g, "att", &all),
            ["carries:mate-10-pro", "partners_with:huawei"]
        );
        let outgoing =
            RelationFilter::kinds(&[K::PartnersWith, K::CompetesWith], Direction::Outgoing);
        assert_eq!(
            others(&g, "huawei", &outgoing),
            ["partners_with:att", "competes_with:apple"]
        );
    }

    #[test]
    fn rows_are_grouped_by_the_other_ends_kind() {
        let g = small();
        let mate = g.lookup("mate-10-pro").unwrap();
        let ids = |ends| -> Vec<&str> {
            g.hops_towards(mate, Direction::Both, ends)
                .map(|h| g.entity(h.other).id)
                .collect()
        };
        assert_eq!(ids([KindSet::ALL; 2]), ["huawei", "att"]);
        let vendors = KindSet::of(&[E::Vendor]);
        assert_eq!(ids([KindSet::EMPTY, vendors]), ["huawei"]);
        assert_eq!(
            RelationFilter::kinds(&[K::Makes], Direction::Incoming).ends(),
            [KindSet::EMPTY, vendors]
        );
        for &e in g.entities_of(None) {
            assert_eq!(g.kind_of(e), g.entity(e).kind);
        }
        let related = |id, filter: &RelationFilter| -> Vec<&str> {
            let e = g.lookup(id).unwrap();
            g.related(e, filter).map(|o| g.entity(o).id).collect()
        };
        let made_by = RelationFilter::kinds(&[K::Makes], Direction::Incoming);
        assert!(made_by.admits_every(E::Product, false, vendors));
        assert_eq!(related("mate-10-pro", &made_by), ["huawei"]);
        let carried = RelationFilter::kinds(&[K::Carries], Direction::Both);
        assert!(!carried.admits_every(E::Vendor, false, KindSet::of(&[E::Carrier])));
        assert!(
            related("huawei", &carried).is_empty(),
            "a partner, not a carrier"
        );
        let mut as_of = carried.clone();
        as_of.as_of = Some(DateBound::parse("2017-11").unwrap().last_day());
        assert!(!as_of.admits_every(E::Product, false, KindSet::of(&[E::Carrier])));
        assert!(
            related("mate-10-pro", &as_of).is_empty(),
            "the deal starts in December"
        );
        let vendors_of = |id| {
            g.entities_of(Some(E::Vendor))
                .contains(&g.lookup(id).unwrap())
        };
        assert!(vendors_of("apple") && vendors_of("huawei") && !vendors_of("att"));
    }

    #[test]
    fn tags_hold_every_kind_and_the_run_bit() {
        for &kind in RelationKind::ALL {
            for continues in [false, true] {
                let tag = Tag::new(kind, continues);
                assert_eq!((tag.kind(), tag.continues()), (kind, continues));
            }
        }
    }

    /// Hops are read from the tags beside the records: they must be what the records say, for
    /// pairs joined by one relation and by several, first and last in the store, from both
    /// ends and in every direction.
    #[test]
    fn hops_are_what_the_records_say() {
        let mut b = GraphBuilder::new();
        let huawei = entity(&mut b, "huawei", E::Vendor);
        let apple = entity(&mut b, "apple", E::Vendor);
        let att = entity(&mut b, "att", E::Carrier);
        let mate = entity(&mut b, "mate-10-pro", E::Product);
        let claim = |from, kind, to, since: &str| {
            let mut r = relation(from, kind, to);
            r.window = Validity {
                from: Some(DateBound::parse(since).unwrap()),
                until: None,
            }
            .window();
            r
        };
        for r in [
            relation(huawei, K::Makes, mate),
            relation(att, K::PartnersWith, huawei),
            claim(huawei, K::PartnersWith, att, "2017"),
            claim(huawei, K::PartnersWith, att, "2018"),
            relation(huawei, K::CompetesWith, apple),
            relation(att, K::Carries, mate),
            claim(att, K::Carries, mate, "2018"),
            relation(apple, K::CompetesWith, huawei),
        ] {
            b.add_relation(r).unwrap();
        }
        let g = b.finish();
        assert_eq!(g.relation_count(), 7, "two symmetric relations given twice");
        let mut runs = 0;
        for &e in g.entities_of(None) {
            for direction in [Direction::Both, Direction::Outgoing, Direction::Incoming] {
                let mut read: Vec<_> = g
                    .hops(e, direction)
                    .map(|h| (h.relation, h.other, h.outgoing))
                    .collect();
                let mut expected: Vec<_> = g
                    .all_relations()
                    .flat_map(|r| {
                        let rec = g.relation(r);
                        let symmetric = rec.kind.spec().symmetric;
                        [(rec.from, rec.to, true), (rec.to, rec.from, false)]
                            .into_iter()
                            .filter(move |&(end, _, outgoing)| {
                                end == e && direction.follows(outgoing, symmetric)
                            })
                            .map(move |(_, other, outgoing)| (r, other, outgoing))
                    })
                    .collect();
                read.sort();
                expected.sort();
                assert_eq!(read, expected, "{} {direction:?}", g.entity(e).id);
                runs += read.windows(2).filter(|w| w[0].1 == w[1].1).count();
            }
        }
        assert!(
            runs >= 4,
            "pairs joined by several relations were read: {runs}"
        );
    }

    #[test]
    fn directions_filter_non_symmetric_relations() {
        let g = small();
        let incoming = RelationFilter::kinds(&[K::Makes, K::Carries], Direction::Incoming);
        assert_eq!(
            others(&g, "mate-10-pro", &incoming),
            ["makes:huawei", "carries:att"]
        );
        let outgoing = RelationFilter::kinds(&[K::Makes, K::Carries], Direction::Outgoing);
        assert!(others(&g, "mate-10-pro", &outgoing).is_empty());
    }

    #[test]
    fn as_of_reads_validity_and_status_on_the_same_day() {
        let g = small();
        let day = |s: &str| DateBound::parse(s).unwrap().last_day();
        let mut filter = RelationFilter::kinds(&[K::Carries], Direction::Both);
        filter.as_of = Some(day("2017-11"));
        assert!(others(&g, "att", &filter).is_empty());
        filter.as_of = Some(day("2018-02"));
        filter.statuses = vec![Status::Planned];
        assert!(others(&g, "att", &filter).is_empty());
        filter.statuses = vec![Status::Cancelled];
        assert_eq!(others(&g, "att", &filter), ["carries:mate-10-pro"]);
        filter.as_of = Some(day("2017-12"));
        assert!(
            others(&g, "att", &filter).is_empty(),
            "still planned in December"
        );
    }

    #[test]
    fn ids_are_unique_and_kinds_are_checked() {
        let mut b = GraphBuilder::new();
        let x = entity(&mut b, "x", E::Vendor);
        let m = entity(&mut b, "m", E::Market);
        assert_eq!(
            b.add_entity(NewEntity {
                id: "x",
                kind: E::Carrier,
                name: "X",
                country: None,
                date: None,
                detail: None
            })
            .unwrap_err(),
            GraphError::DuplicateId("x".into())
        );
        assert_eq!(
            b.add_relation(relation(x, K::Makes, m))
                .unwrap_err()
                .to_string(),
            "a `makes` relation cannot go from a vendor to a market"
        );
        assert_eq!(
            b.add_relation(relation(x, K::PartnersWith, x)).unwrap_err(),
            GraphError::SelfLoop("x".into())
        );
    }

    #[test]
    fn lists_are_in_id_order_and_search_finds_names() {
        let g = small();
        let ids: Vec<&str> = g
            .entities_of(None)
            .iter()
            .map(|e| g.entity(*e).id)
            .collect();
        assert_eq!(ids, ["apple", "att", "huawei", "mate-10-pro"]);
        let vendors = g.entities_of(Some(E::Vendor));
        assert_eq!(g.position_after(vendors, "apple"), 1);
        let hits = g.search_index().search("mate", 5);
        assert_eq!(hits.len(), 1);
        assert_eq!(g.entity(hits[0].0).id, "mate-10-pro");
    }
}
