//! The builder: collects entities and relations, checks what the store guarantees, and
//! freezes them into a [`Graph`] (renumbering, merging, sorting, adjacency, indexes).

use rayon::iter::{IntoParallelRefMutIterator, ParallelIterator};
use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;

use super::GraphError;
use super::adjacency::{Tag, adjacency};
use super::evidence::cited_by;
use super::record::{
    EntityDetail, EntityIx, NewRelation, RelationDetail, RelationIx, RelationRecord, Renumbering,
};
use super::search::SearchIndex;
use super::store::Graph;
use super::table::{EntityTable, EntityView, NewEntity};
use crate::model::EntityKind;

/// Collects entities and relations, checks what the store itself must guarantee, and freezes
/// them into a [`Graph`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    entities: EntityTable,
    relations: Vec<RelationRecord>,
    relation_details: Vec<RelationDetail>,
    shared_sources: Vec<EntityIx>,
    /// `NewEntity::defined_at` of each entity, by number.
    defined_at: Vec<u64>,
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
            defined_at: Vec::with_capacity(entities),
            ..Self::default()
        }
    }

    /// Adds an entity; a second entity with the same id is refused, with where the first was
    /// defined.
    pub fn add_entity(&mut self, new: NewEntity<'_>) -> Result<EntityIx, GraphError> {
        let (id, defined_at) = (new.id, new.defined_at);
        match self.entities.insert(new) {
            Ok(ix) => {
                self.defined_at.push(defined_at);
                Ok(ix)
            }
            Err(first) => Err(GraphError::DuplicateId {
                id: id.to_owned(),
                first_defined_at: self.defined_at[first.0 as usize],
            }),
        }
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

    /// Registers a source shared by many relations (a bulk file's, say): relations name it by
    /// the number returned, in one byte, without a detail of their own. At most 255.
    pub fn shared_source(&mut self, source: EntityIx) -> Option<u8> {
        if self.shared_sources.len() == usize::from(u8::MAX) {
            return None;
        }
        self.shared_sources.push(source);
        Some(self.shared_sources.len() as u8)
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
    fn check_kinds(
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

    /// Adds a relation whose ends the caller has checked as [`GraphBuilder::check_relation`]
    /// does (bulk loading checks rows on several threads, before adding them in order).
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
            source: new.source,
        });
    }

    /// Freezes the graph: merges symmetric relations given in both directions, sorts relations
    /// and builds the adjacency and indexes.
    pub fn finish(self) -> Graph {
        let GraphBuilder {
            mut entities,
            mut relations,
            mut relation_details,
            mut shared_sources,
            defined_at,
        } = self;
        drop(defined_at);
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
        shared_sources.iter_mut().for_each(|s| renumbering.apply(s));
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
        let mut graph = Graph {
            entities,
            relations,
            tags,
            relation_details,
            shared_sources,
            out,
            inc,
            sorted,
            numbered,
            kind_start,
            search,
            changed_by,
            cited_by,
            largest: Default::default(),
        };
        graph.largest = super::rows::measure(&graph);
        tracing::debug!(elapsed = ?started.elapsed(), "longest lists measured");
        graph
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
    if a.window != b.window || a.confidence != b.confidence || a.source != b.source {
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
