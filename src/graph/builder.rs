//! The builder: collects entities and relations, checks what the store guarantees, and
//! freezes them into a [`Graph`] (renumbering, merging, sorting, adjacency, indexes).

use rayon::iter::{IntoParallelRefMutIterator, ParallelIterator};
use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;

use super::GraphError;
use super::adjacency::{Tag, adjacency};
use super::evidence::cited_by;
use super::pool;
use super::record::{
    Citation, EntityDetail, EntityIx, NewRelation, RelationDetail, RelationIx, RelationRecord,
    Renumbering, StatusChange,
};
use super::search::SearchIndex;
use super::store::Graph;
use super::table::{EntityTable, EntityView, NewEntity};
use crate::model::{DateBound, EntityKind, RelationKind};

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
    /// Additions to curated relations, with the caller's number for their place.
    additions: Vec<(RelationTarget, RelationAddition, u64)>,
    /// Whether [`GraphBuilder::settle`] has run.
    settled: bool,
}

/// A curated relation an addition names: its fact (ends and kind), scope and claim.
#[derive(Clone, Debug)]
pub struct RelationTarget {
    /// The `from` end.
    pub from: EntityIx,
    /// The kind.
    pub kind: RelationKind,
    /// The `to` end.
    pub to: EntityIx,
    /// The market it is scoped to.
    pub market: Option<EntityIx>,
    /// The claim, when not the fact's first.
    pub claim: Option<String>,
    /// The id as written, for messages.
    pub id: String,
}

/// What a file adds to a relation another file defines.
#[derive(Clone, Debug, Default)]
pub struct RelationAddition {
    /// Further sources.
    pub sources: Vec<Citation>,
    /// Further status steps.
    pub status_history: Vec<StatusChange>,
    /// An end, for a relation that has none.
    pub until: Option<DateBound>,
    /// A planned or reported end, for a relation that has none.
    pub planned_end: Option<super::record::PlannedEnd>,
    /// Where the addition is (`file:line:column`).
    pub origin: String,
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

    /// The curated detail of an added entity, if it has any yet.
    pub fn detail(&self, ix: EntityIx) -> Option<&EntityDetail> {
        self.entities.detail(ix)
    }

    /// The curated detail of an added entity, to add to (empty if it had none).
    pub fn detail_mut(&mut self, ix: EntityIx) -> &mut EntityDetail {
        self.entities.detail_mut(ix)
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

    /// Adds to the curated relation `target` names (see [`GraphBuilder::settle`]); `place` is
    /// the caller's number for where the addition is, returned if it cannot be made.
    pub fn add_to_relation(
        &mut self,
        target: RelationTarget,
        addition: RelationAddition,
        place: u64,
    ) {
        self.additions.push((target, addition, place));
    }

    /// The entity that comes first in the store's order (kind, then id): the `from` end a
    /// symmetric relation is kept with.
    fn first_of(&self, a: EntityIx, b: EntityIx) -> bool {
        let (va, vb) = (self.entities.view(a), self.entities.view(b));
        (va.kind, va.id) <= (vb.kind, vb.id)
    }

    /// Pools curated statements of one fact (see `pool`), then makes the additions: each
    /// joins the claim it names. Returns, with its place number, each addition that names no
    /// curated relation or gives an end its relation already has otherwise. Runs once;
    /// [`GraphBuilder::finish`] runs it if the caller has not.
    pub fn settle(&mut self) -> Vec<(u64, GraphError)> {
        if std::mem::replace(&mut self.settled, true) {
            return Vec::new();
        }
        let mut relations = std::mem::take(&mut self.relations);
        for r in &mut relations {
            if r.kind.spec().symmetric && !self.first_of(r.from, r.to) {
                std::mem::swap(&mut r.from, &mut r.to);
            }
        }
        pool::order_claims(
            &mut relations,
            &mut self.relation_details,
            &self.entities,
            &self.shared_sources,
        );
        pool::pool(&mut relations, &mut self.relation_details);
        let facts = pool::facts(&relations);
        let mut refused = Vec::new();
        for (mut target, addition, place) in std::mem::take(&mut self.additions) {
            if target.kind.spec().symmetric && !self.first_of(target.from, target.to) {
                std::mem::swap(&mut target.from, &mut target.to);
            }
            let key = (target.from, target.to, target.kind);
            let details = &self.relation_details;
            let candidates = facts.get(&key).map_or(&[][..], Vec::as_slice);
            let found = pool::claims_of(
                candidates.iter().map(|&i| (i, &relations[i])),
                key,
                target.market,
                |r| Some(&details[r.detail as usize]),
                &self.entities,
                &self.shared_sources,
            )
            .into_iter()
            .find(|(_, name)| *name == target.claim);
            let Some((i, _)) = found else {
                refused.push((place, GraphError::UnknownRelation(target.id)));
                continue;
            };
            let detail = &mut self.relation_details[relations[i].detail as usize];
            if let Some(until) = addition.until {
                match detail.validity.until {
                    Some(had) if had != until => {
                        refused.push((
                            place,
                            GraphError::AlreadyEnds {
                                id: target.id,
                                until: had.to_string(),
                            },
                        ));
                        continue;
                    }
                    _ => {
                        detail.validity.until = Some(until);
                        relations[i].window = detail.validity.window();
                    }
                }
            }
            pool::add_citations(&mut detail.sources, addition.sources);
            if let Some(planned) = addition.planned_end {
                match &detail.planned_end {
                    Some(had) if had.date != planned.date => {
                        refused.push((
                            place,
                            GraphError::AlreadyEnds {
                                id: target.id,
                                until: format!("{} (planned)", had.date),
                            },
                        ));
                        continue;
                    }
                    Some(_) => {
                        let had = detail.planned_end.as_mut().expect("matched above");
                        pool::add_citations(&mut had.sources, planned.sources);
                    }
                    None => detail.planned_end = Some(planned),
                }
            }
            for step in addition.status_history {
                pool::add_step(&mut detail.status_history, step);
            }
            detail.origin = format!("{}; {}", detail.origin, addition.origin);
        }
        for r in &mut relations {
            if r.detail != u32::MAX {
                r.window = self.window_of(r);
            }
        }
        self.relations = relations;
        refused
    }

    /// The window a curated relation is in force in, by the time rule (`model::in_force`)
    /// from what is known of it: its kind, curated dates, status steps, its sources' dates
    /// and when its ends came to exist.
    fn window_of(&self, r: &RelationRecord) -> crate::model::Window {
        let detail = &self.relation_details[r.detail as usize];
        let exists = |e: EntityIx| -> Option<(crate::model::Day, crate::model::Day)> {
            let d = self.entities.detail(e);
            let curated = d.and_then(|d| d.founded.or(d.released).or(d.date));
            match curated {
                Some(b) => Some((b.first_day(), b.last_day())),
                None => self.entities.view(e).date.map(|day| (day, day)),
            }
        };
        let ends_exist = match (exists(r.from), exists(r.to)) {
            (Some(a), Some(b)) => Some((a.0.max(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        let reported: Vec<crate::model::Day> = detail
            .sources
            .iter()
            .filter_map(|c| self.entities.detail(c.source).and_then(|d| d.date))
            .map(DateBound::last_day)
            .collect();
        let reports = reported
            .iter()
            .min()
            .zip(reported.iter().max())
            .map(|(a, b)| (*a, *b));
        let steps: Vec<_> = detail
            .status_history
            .iter()
            .map(|s| (s.status.phase(), s.date))
            .collect();
        crate::model::in_force(&crate::model::Known {
            state: r.kind.is_state(),
            validity: detail.validity,
            since_ever: detail.since_ever,
            planned_end: detail.planned_end.as_ref().map(|p| p.date),
            ends_exist,
            reports,
            steps: &steps,
        })
    }

    /// Every curated relation's id (see `Graph::relation_id`), for "did you mean" hints once
    /// the builder is settled.
    pub fn curated_relation_ids(&self) -> Vec<String> {
        let facts = pool::facts(&self.relations);
        let details = &self.relation_details;
        let mut ids = Vec::new();
        for (key, members) in facts {
            for &i in &members {
                let market = details[self.relations[i].detail as usize].market;
                let claims = pool::claims_of(
                    members.iter().map(|&m| (m, &self.relations[m])),
                    key,
                    market,
                    |r| Some(&details[r.detail as usize]),
                    &self.entities,
                    &self.shared_sources,
                );
                let name = claims
                    .into_iter()
                    .find(|(m, _)| *m == i)
                    .and_then(|(_, n)| n);
                let view = |e: EntityIx| self.entities.view(e).id;
                let mut id = format!("{}:{}:{}", view(key.0), key.2, view(key.1));
                if let Some(m) = market {
                    id = id + "@" + view(m);
                }
                if let Some(n) = name {
                    id = id + "#" + &n;
                }
                ids.push(id);
            }
        }
        ids.sort();
        ids
    }

    /// Freezes the graph: settles it (if the caller has not), merges symmetric relations given
    /// in both directions, sorts relations and builds the adjacency and indexes. Additions
    /// that cannot be made are left out: a caller that must know calls `settle` first.
    pub fn finish(mut self) -> Graph {
        self.settle();
        let GraphBuilder {
            mut entities,
            mut relations,
            mut relation_details,
            mut shared_sources,
            ..
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
        shared_sources.iter_mut().for_each(|s| renumbering.apply(s));
        drop(new_of);
        tracing::debug!(elapsed = ?started.elapsed(), "entities renumbered by kind and id");
        let (relations, search) = rayon::join(
            || merge_symmetric(relations),
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
            claims: Default::default(),
            text: Default::default(),
            largest: Default::default(),
        };
        graph.claims = super::claims::index(&graph);
        graph.largest = super::rows::measure(&graph);
        tracing::debug!(elapsed = ?started.elapsed(), "longest lists measured");
        graph.text = super::text::TextIndex::build(&graph);
        let bytes = graph.text.heap_bytes();
        tracing::debug!(elapsed = ?started.elapsed(), bytes, "full text indexed");
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
/// direction (lower entity number first) and merging bulk rows given in both directions: the
/// same claim read from each end. (Curated statements were pooled by `settle`.)
fn merge_symmetric(mut relations: Vec<RelationRecord>) -> Vec<RelationRecord> {
    for r in &mut relations {
        if r.kind.spec().symmetric && r.from > r.to {
            std::mem::swap(&mut r.from, &mut r.to);
        }
    }
    // Unstable sorting needs no buffer; the detail number keeps curated claims in file order,
    // and bulk rows of one fact are ordered by what tells them apart.
    relations.par_sort_unstable_by_key(|r| {
        let w = r.window;
        (
            r.from,
            r.to,
            r.kind,
            r.detail,
            r.source,
            w.started_possibly,
            w.ends_latest,
        )
    });
    // Compacts in place: a second copy of millions of records would double the peak memory.
    relations.dedup_by(|r, last| {
        let same = r.kind.spec().symmetric
            && (last.from, last.to, last.kind) == (r.from, r.to, r.kind)
            && same_claim(last, r);
        if same {
            last.unsourced = last.unsourced && r.unsourced;
        }
        same
    });
    relations.shrink_to_fit();
    relations
}

/// Whether two bulk records of the same kind and ends say the same thing (and so may be
/// merged); curated ones are pooled before, by `settle`.
fn same_claim(a: &RelationRecord, b: &RelationRecord) -> bool {
    a.detail == u32::MAX
        && b.detail == u32::MAX
        && (a.window, a.confidence.to_bits(), a.source)
            == (b.window, b.confidence.to_bits(), b.source)
}
