//! The store: entity and relation records, petgraph adjacency in both directions, and the
//! indexes beside it (id → entity, per-kind id order, name search).

use std::sync::LazyLock;

use petgraph::csr::Csr;
use rustc_hash::FxHashMap;

use super::GraphError;
use super::record::{
    EntityDetail, EntityIx, EntityRecord, RelationDetail, RelationIx, RelationRecord,
};
use super::search::SearchIndex;
use crate::model::{EntityKind, Presence};

/// Adjacency of one direction: row = entity, column = the entity at the other end, weight = the
/// first position (in [`Graph::relations`] for outgoing, in `by_target` for incoming) of the run
/// of relations between that pair. petgraph's `Csr` allows one edge per pair, so parallel
/// relations (a deal and a partnership between the same two companies) share one edge and sit
/// side by side in the run.
type Adjacency = Csr<(), u32, petgraph::Directed, u32>;

/// An immutable snapshot of the market graph.
///
/// Built once by [`GraphBuilder`]; every query borrows it. Entities keep the order they were
/// added in, with id-ordered lists beside them; relations are kept in `(from, to, kind)` order,
/// so every answer comes out in a deterministic order.
#[derive(Debug)]
pub struct Graph {
    entities: Vec<EntityRecord>,
    relations: Vec<RelationRecord>,
    by_target: Vec<u32>,
    out: Adjacency,
    inc: Adjacency,
    ids: FxHashMap<Box<str>, EntityIx>,
    /// Every entity, in id order.
    sorted: Vec<EntityIx>,
    /// The entities of each kind, in id order.
    by_kind: Vec<Vec<EntityIx>>,
    search: SearchIndex,
    changed_by: FxHashMap<EntityIx, Vec<RelationIx>>,
    cited_by: FxHashMap<EntityIx, Citing>,
}

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
        self.ids.get(id).copied()
    }

    /// The entity with this id, or [`GraphError::NotFound`] naming it.
    pub fn require(&self, id: &str) -> Result<EntityIx, GraphError> {
        self.lookup(id)
            .ok_or_else(|| GraphError::NotFound(id.to_owned()))
    }

    /// An entity's record.
    pub fn entity(&self, ix: EntityIx) -> &EntityRecord {
        &self.entities[ix.0 as usize]
    }

    /// An entity's curated detail (empty for bare bulk entities).
    pub fn entity_detail(&self, ix: EntityIx) -> &EntityDetail {
        self.entity(ix)
            .detail
            .as_deref()
            .unwrap_or(&NO_ENTITY_DETAIL)
    }

    /// A relation's record.
    pub fn relation(&self, ix: RelationIx) -> &RelationRecord {
        &self.relations[ix.0 as usize]
    }

    /// A relation's curated detail (empty for bare bulk relations).
    pub fn relation_detail(&self, ix: RelationIx) -> &RelationDetail {
        self.relation(ix)
            .detail
            .as_deref()
            .unwrap_or(&NO_RELATION_DETAIL)
    }

    /// All entities, or those of one kind, in id order.
    pub fn entities_of(&self, kind: Option<EntityKind>) -> &[EntityIx] {
        match kind {
            Some(kind) => &self.by_kind[kind as usize],
            None => &self.sorted,
        }
    }

    /// The position in `list` (a list in id order) of the first entity whose id is greater
    /// than `id`: where a page after that id starts.
    pub fn position_after(&self, list: &[EntityIx], id: &str) -> usize {
        list.partition_point(|&e| &*self.entity(e).id <= id)
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

    /// Every source supporting anything about `entity`: itself, its properties, its event's
    /// cause, and every relation touching it with their status steps; in id order.
    pub fn sources_about(&self, entity: EntityIx) -> Vec<EntityIx> {
        let d = self.entity_detail(entity);
        let mut sources: Vec<EntityIx> = d
            .sources
            .iter()
            .chain(d.property_sources.iter().flat_map(|p| &p.sources))
            .chain(d.cause.iter().flat_map(|c| &c.sources))
            .map(|c| c.source)
            .collect();
        for hop in self.hops(entity, Direction::Both) {
            let rd = self.relation_detail(hop.relation);
            sources.extend(
                rd.sources
                    .iter()
                    .chain(rd.status_history.iter().flat_map(|s| &s.sources))
                    .map(|c| c.source),
            );
        }
        sources.sort_by(|a, b| self.entity(*a).id.cmp(&self.entity(*b).id));
        sources.dedup();
        sources
    }

    /// The name and alias index.
    pub fn search_index(&self) -> &SearchIndex {
        &self.search
    }

    /// Every relation touching `ix` in the given direction, in a deterministic order (outgoing
    /// before incoming, each by the other end's position). Symmetric relations read the same from
    /// both ends, so they match either direction.
    pub fn hops(&self, ix: EntityIx, direction: Direction) -> impl Iterator<Item = Hop> + '_ {
        let node = ix.0;
        let outs = self
            .out
            .edges_slice(node)
            .iter()
            .flat_map(move |&first| self.out_run(first))
            .map(|r| (r, true));
        let ins = self
            .inc
            .edges_slice(node)
            .iter()
            .flat_map(move |&first| self.in_run(first))
            .map(|r| (r, false));
        outs.chain(ins).filter_map(move |(r, outgoing)| {
            let rec = &self.relations[r as usize];
            let wanted = match direction {
                Direction::Both => true,
                Direction::Outgoing => outgoing || rec.kind.spec().symmetric,
                Direction::Incoming => !outgoing || rec.kind.spec().symmetric,
            };
            wanted.then_some(Hop {
                relation: RelationIx(r),
                other: if outgoing { rec.to } else { rec.from },
                outgoing,
                presence: Presence::Sure,
            })
        })
    }

    /// The relations of one pair's outgoing run, starting at relation `first`.
    fn out_run(&self, first: u32) -> impl Iterator<Item = u32> + '_ {
        let head = &self.relations[first as usize];
        let pair = (head.from, head.to);
        (first..self.relations.len() as u32).take_while(move |&r| {
            let rec = &self.relations[r as usize];
            (rec.from, rec.to) == pair
        })
    }

    /// The relations of one pair's incoming run, starting at position `first` of `by_target`.
    fn in_run(&self, first: u32) -> impl Iterator<Item = u32> + '_ {
        let head = &self.relations[self.by_target[first as usize] as usize];
        let pair = (head.from, head.to);
        self.by_target[first as usize..]
            .iter()
            .copied()
            .take_while(move |&r| {
                let rec = &self.relations[r as usize];
                (rec.from, rec.to) == pair
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
    entities: Vec<EntityRecord>,
    ids: FxHashMap<Box<str>, EntityIx>,
    relations: Vec<RelationRecord>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an entity; a second entity with the same id is refused.
    pub fn add_entity(&mut self, record: EntityRecord) -> Result<EntityIx, GraphError> {
        if self.ids.contains_key(&record.id) {
            return Err(GraphError::DuplicateId(record.id.to_string()));
        }
        let ix = EntityIx(self.entities.len() as u32);
        self.ids.insert(record.id.clone(), ix);
        self.entities.push(record);
        Ok(ix)
    }

    /// The entity added under `id`, if any.
    pub fn lookup(&self, id: &str) -> Option<EntityIx> {
        self.ids.get(id).copied()
    }

    /// The kind of an added entity.
    pub fn kind(&self, ix: EntityIx) -> EntityKind {
        self.entities[ix.0 as usize].kind
    }

    /// Sets the curated detail of an added entity.
    pub fn set_detail(&mut self, ix: EntityIx, detail: EntityDetail) {
        self.entities[ix.0 as usize].detail = Some(Box::new(detail));
    }

    /// The ids added so far, for "did you mean" suggestions.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entities.iter().map(|e| &*e.id)
    }

    /// Adds a relation between two added entities, whose kinds its kind must allow.
    pub fn add_relation(&mut self, record: RelationRecord) -> Result<(), GraphError> {
        let spec = record.kind.spec();
        let (from, to) = (self.kind(record.from), self.kind(record.to));
        let fits = |a, b| spec.from.contains(a) && spec.to.contains(b);
        if !(fits(from, to) || spec.symmetric && fits(to, from)) {
            return Err(GraphError::KindMismatch {
                kind: record.kind,
                from,
                to,
            });
        }
        if record.from == record.to {
            return Err(GraphError::SelfLoop(
                self.entities[record.from.0 as usize].id.to_string(),
            ));
        }
        self.relations.push(record);
        Ok(())
    }

    /// Freezes the graph: merges symmetric relations given in
    /// both directions, sorts relations and builds the adjacency and indexes.
    pub fn finish(self) -> Graph {
        let GraphBuilder {
            entities,
            relations,
            ids,
        } = self;
        let relations = merge_symmetric(relations);
        let mut sorted: Vec<EntityIx> = (0..entities.len() as u32).map(EntityIx).collect();
        sorted.sort_unstable_by(|a, b| entities[a.0 as usize].id.cmp(&entities[b.0 as usize].id));
        let mut by_kind = vec![Vec::new(); EntityKind::ALL.len()];
        for &ix in &sorted {
            by_kind[entities[ix.0 as usize].kind as usize].push(ix);
        }

        let mut by_target: Vec<u32> = (0..relations.len() as u32).collect();
        by_target.sort_by_key(|&r| {
            let rec = &relations[r as usize];
            (rec.to, rec.from, rec.kind)
        });
        let out = adjacency(
            entities.len(),
            (0..relations.len() as u32).map(|r| {
                let rec = &relations[r as usize];
                (rec.from.0, rec.to.0, r)
            }),
        );
        let inc = adjacency(
            entities.len(),
            by_target.iter().enumerate().map(|(p, &r)| {
                let rec = &relations[r as usize];
                (rec.to.0, rec.from.0, p as u32)
            }),
        );
        let search = SearchIndex::build(&entities);
        let mut changed_by: FxHashMap<EntityIx, Vec<RelationIx>> = FxHashMap::default();
        for (i, r) in relations.iter().enumerate() {
            for step in r.detail.iter().flat_map(|d| &d.status_history) {
                if let Some(event) = step.event {
                    let list = changed_by.entry(event).or_default();
                    if list.last() != Some(&RelationIx(i as u32)) {
                        list.push(RelationIx(i as u32));
                    }
                }
            }
        }
        let cited_by = cited_by(&entities, &relations, &sorted);
        Graph {
            entities,
            relations,
            by_target,
            out,
            inc,
            ids,
            sorted,
            by_kind,
            search,
            changed_by,
            cited_by,
        }
    }
}

/// Indexes who cites each source.
fn cited_by(
    entities: &[EntityRecord],
    relations: &[RelationRecord],
    sorted: &[EntityIx],
) -> FxHashMap<EntityIx, Citing> {
    let mut index: FxHashMap<EntityIx, Citing> = FxHashMap::default();
    for &e in sorted {
        let Some(d) = entities[e.0 as usize].detail.as_deref() else {
            continue;
        };
        let mut sources: Vec<EntityIx> = d
            .sources
            .iter()
            .chain(d.property_sources.iter().flat_map(|p| &p.sources))
            .chain(d.cause.iter().flat_map(|c| &c.sources))
            .map(|c| c.source)
            .collect();
        sources.sort();
        sources.dedup();
        for s in sources {
            index.entry(s).or_default().entities.push(e);
        }
    }
    for (i, r) in relations.iter().enumerate() {
        let Some(d) = r.detail.as_deref() else {
            continue;
        };
        let mut sources: Vec<EntityIx> = d
            .sources
            .iter()
            .chain(d.status_history.iter().flat_map(|s| &s.sources))
            .map(|c| c.source)
            .collect();
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

/// Builds one direction's adjacency from `(row, column, position)` triples sorted by row then
/// column, keeping the first position of each pair's run.
fn adjacency(nodes: usize, sorted: impl Iterator<Item = (u32, u32, u32)>) -> Adjacency {
    let mut edges: Vec<(u32, u32, u32)> = Vec::new();
    for (a, b, p) in sorted {
        if edges.last().is_none_or(|&(la, lb, _)| (la, lb) != (a, b)) {
            edges.push((a, b, p));
        }
    }
    let mut csr =
        Adjacency::from_sorted_edges(&edges).expect("edges are sorted by row then column");
    while csr.node_count() < nodes {
        csr.add_node(());
    }
    csr
}

/// Sorts relations by `(from, to, kind)`, turning each symmetric relation to a canonical
/// direction (lower entity number first) and merging the ones given in both directions: the same
/// claim read from each end, so their sources and origins are pooled.
fn merge_symmetric(mut relations: Vec<RelationRecord>) -> Vec<RelationRecord> {
    for r in &mut relations {
        if r.kind.spec().symmetric && r.from > r.to {
            std::mem::swap(&mut r.from, &mut r.to);
        }
    }
    relations.sort_by_key(|r| (r.from, r.to, r.kind));
    let mut merged: Vec<RelationRecord> = Vec::with_capacity(relations.len());
    for r in relations {
        if let Some(last) = merged.last_mut()
            && r.kind.spec().symmetric
            && (last.from, last.to, last.kind) == (r.from, r.to, r.kind)
            && same_claim(last, &r)
        {
            let theirs = r.detail.map(|d| *d).unwrap_or_default();
            let mine = last.detail.get_or_insert_with(Default::default);
            for c in theirs.sources {
                if !mine.sources.contains(&c) {
                    mine.sources.push(c);
                }
            }
            mine.origin = format!("{}; {}", mine.origin, theirs.origin);
            last.unsourced = last.unsourced && r.unsourced;
            continue;
        }
        merged.push(r);
    }
    merged
}

/// Whether two records of the same kind and ends say the same thing (and so may be merged).
fn same_claim(a: &RelationRecord, b: &RelationRecord) -> bool {
    let (da, db) = (
        a.detail.as_deref().cloned().unwrap_or_default(),
        b.detail.as_deref().cloned().unwrap_or_default(),
    );
    a.window == b.window
        && a.confidence == b.confidence
        && da.market == db.market
        && da.role == db.role
        && da.status_history == db.status_history
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{RelationFilter, StatusChange};
    use crate::model::{DateBound, EntityKind as E, RelationKind as K, Status, Validity};

    pub(crate) fn entity(b: &mut GraphBuilder, id: &str, kind: EntityKind) -> EntityIx {
        b.add_entity(EntityRecord {
            id: id.into(),
            kind,
            name: id.to_uppercase().into(),
            detail: None,
        })
        .unwrap()
    }

    pub(crate) fn relation(from: EntityIx, kind: K, to: EntityIx) -> RelationRecord {
        RelationRecord {
            from,
            to,
            kind,
            window: crate::model::Window::ALWAYS,
            confidence: 1.0,
            unsourced: true,
            detail: None,
        }
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
            b.add_entity(EntityRecord {
                id: "x".into(),
                kind: E::Carrier,
                name: "X".into(),
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
            .map(|e| &*g.entity(*e).id)
            .collect();
        assert_eq!(ids, ["apple", "att", "huawei", "mate-10-pro"]);
        let vendors = g.entities_of(Some(E::Vendor));
        assert_eq!(g.position_after(vendors, "apple"), 1);
        let hits = g.search_index().search("mate", 5);
        assert_eq!(hits.len(), 1);
        assert_eq!(&*g.entity(hits[0].0).id, "mate-10-pro");
    }
}
