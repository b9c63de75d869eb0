//! The store: the frozen [`Graph`] and its accessors (entities, relations, details, per-kind
//! id order). Its adjacency and walks are in `adjacency`, its evidence in `evidence`, and how
//! it is built in `builder`.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use super::GraphError;
use super::adjacency::{Adjacency, Tag};
use super::evidence::Citing;
use super::record::{EntityDetail, EntityIx, RelationDetail, RelationIx, RelationRecord};
use super::search::SearchIndex;
use super::table::{EntityTable, EntityView};
use crate::model::{EntityKind, Presence, RelationKind};

/// An immutable snapshot of the market graph.
///
/// Built once by [`super::GraphBuilder`]; every query borrows it. Entities are numbered kind-major,
/// each kind in id order (the builder's numbers do not carry over); relations are kept in
/// `(from, to, kind)` order, so every answer comes out in a deterministic order.
#[derive(Debug)]
pub struct Graph {
    pub(super) entities: EntityTable,
    pub(super) relations: Vec<RelationRecord>,
    /// Each relation's kind and whether its pair's run goes on, beside the records: see [`Tag`].
    pub(super) tags: Vec<Tag>,
    pub(super) relation_details: Vec<RelationDetail>,
    /// Sources shared by many relations, which name them by number (see
    /// `GraphBuilder::shared_source`).
    pub(super) shared_sources: Vec<EntityIx>,
    pub(super) out: Adjacency,
    pub(super) inc: Adjacency,
    /// Every entity, in id order.
    pub(super) sorted: Vec<EntityIx>,
    /// Every entity by number: entities are numbered kind-major, each kind in id order.
    pub(super) numbered: Vec<EntityIx>,
    /// Where each kind's numbers start (in [`EntityKind::ALL`] order), and the entity count.
    pub(super) kind_start: Vec<u32>,
    pub(super) search: SearchIndex,
    /// The full-text index (see `text`).
    pub(super) text: super::text::TextIndex,
    pub(super) changed_by: FxHashMap<EntityIx, Vec<RelationIx>>,
    pub(super) cited_by: FxHashMap<EntityIx, Citing>,
    /// What each party claims (see `claims`).
    pub(super) claims: FxHashMap<EntityIx, Vec<super::Claim>>,
    /// The longest lists of the data, for pricing queries.
    pub(super) largest: super::rows::Largest,
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

    /// The name and alias index.
    pub fn search_index(&self) -> &SearchIndex {
        &self.search
    }

    /// Every relation, in store order.
    pub fn all_relations(&self) -> impl Iterator<Item = RelationIx> + '_ {
        (0..self.relations.len() as u32).map(RelationIx)
    }

    /// A relation's claim name: `None` for its fact's first claim (see `pool`).
    pub fn claim_name(&self, ix: RelationIx) -> Option<String> {
        super::pool::relation_claim(
            &self.relations,
            &self.relation_details,
            &self.entities,
            &self.shared_sources,
            ix,
        )
    }

    /// The relation with the id `id` (see [`Graph::relation_id`]), if there is one.
    pub fn find_relation(&self, id: &str) -> Option<RelationIx> {
        let parsed = crate::model::RelationId::parse(id)?;
        let kind = RelationKind::parse(parsed.kind)?;
        let (mut from, mut to) = (self.lookup(parsed.from)?, self.lookup(parsed.to)?);
        if kind.spec().symmetric && from > to {
            std::mem::swap(&mut from, &mut to);
        }
        let market = match parsed.market {
            Some(m) => Some(self.lookup(m)?),
            None => None,
        };
        let start = self
            .relations
            .partition_point(|r| (r.from, r.to) < (from, to));
        let end = start + self.relations[start..].partition_point(|r| (r.from, r.to) == (from, to));
        let claim = parsed.claim.map(str::to_owned);
        (start..end).map(|i| RelationIx(i as u32)).find(|&r| {
            let rec = self.relation(r);
            rec.kind == kind
                && self.relation_detail(r).market == market
                && self.claim_name(r) == claim
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{GraphBuilder, NewEntity, NewRelation, RelationFilter, StatusChange};
    use crate::model::{DateBound, EntityKind as E, RelationKind as K, Status, Validity};
    use crate::model::{KindSet, RelationKind};

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
                StatusChange::new(
                    Status::Planned,
                    Some(DateBound::parse("2017-12").unwrap()),
                    None,
                    vec![],
                ),
                StatusChange::new(
                    Status::Cancelled,
                    Some(DateBound::parse("2018-01-08").unwrap()),
                    None,
                    vec![],
                ),
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
            [KindSet::EMPTY, KindSet::of(&[E::Vendor, E::Brand])]
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
        assert!(
            others(&g, "att", &filter).is_empty(),
            "cancelled while planned: never in force"
        );
        filter.include_ended = true;
        assert_eq!(others(&g, "att", &filter), ["carries:mate-10-pro"]);
        filter.as_of = Some(day("2017-12"));
        assert!(
            others(&g, "att", &filter).is_empty(),
            "still planned in December"
        );
        filter.statuses = vec![Status::Planned];
        filter.include_planned = true;
        assert_eq!(others(&g, "att", &filter), ["carries:mate-10-pro"]);
        let deal = g
            .relations_of(g.lookup("att").unwrap(), &filter)
            .next()
            .unwrap();
        assert_eq!(deal.presence, crate::model::Presence::Planned);
    }

    #[test]
    fn statuses_can_be_excluded_and_unstated_relations_kept() {
        let g = small();
        let day = |s: &str| DateBound::parse(s).unwrap().last_day();
        // AT&T's deal: planned in December 2017, cancelled by February 2018; the makes
        // relation has no status.
        let mut filter = RelationFilter::kinds(&[K::Carries, K::Makes], Direction::Both);
        filter.as_of = Some(day("2018-02"));
        filter.excluded_statuses = vec![Status::Cancelled];
        assert_eq!(others(&g, "mate-10-pro", &filter), ["makes:huawei"]);
        filter.as_of = Some(day("2017-12"));
        filter.include_planned = true;
        assert_eq!(
            others(&g, "mate-10-pro", &filter),
            ["makes:huawei", "carries:att"],
            "not cancelled yet"
        );
        filter.excluded_statuses.clear();
        filter.statuses = vec![Status::Planned];
        assert_eq!(others(&g, "mate-10-pro", &filter), ["carries:att"]);
        filter.include_unstated = true;
        assert_eq!(
            others(&g, "mate-10-pro", &filter),
            ["makes:huawei", "carries:att"]
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
                detail: None,
                defined_at: 42,
            })
            .unwrap_err(),
            GraphError::DuplicateId {
                id: "x".into(),
                first_defined_at: 0
            }
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
