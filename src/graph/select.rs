//! Selecting, ordering and counting entities: the conditions behind `where`, the keys behind
//! `orderBy`, and the buckets behind group-by counts.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

use super::GraphError;
use super::budget::Budget;
use super::query::RelationFilter;
use super::record::EntityIx;
use super::search::fold;
use super::store::Graph;
use crate::model::{Day, EntityKind, EventType, ProductCategory, RelationKind};

/// A condition on an entity. Conditions on related entities follow the relations a
/// [`RelationFilter`] admits, so they respect time and evidence filters too.
#[derive(Clone, Debug)]
pub enum Condition {
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// It does not hold.
    Not(Box<Condition>),
    /// The entity is of one of these kinds.
    Kind(Vec<EntityKind>),
    /// The entity is one of these.
    Among(Vec<EntityIx>),
    /// Its name or an alias contains this text (folded: case and accents ignored).
    NameContains(String),
    /// Its name or an alias starts with this text (folded).
    NameStartsWith(String),
    /// A product of one of these categories.
    Category(Vec<ProductCategory>),
    /// An event of one of these types.
    EventType(Vec<EventType>),
    /// Its date (an event's date, a product's release, an organisation's founding, a source's
    /// publication) may fall within these days, inclusive.
    DateWithin(Option<Day>, Option<Day>),
    /// Some relation the filter admits leads to an entity meeting the inner condition.
    Related(RelationFilter, Box<Condition>),
}

impl Condition {
    /// Whether `entity` meets the condition.
    pub fn holds(&self, graph: &Graph, entity: EntityIx) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.holds(graph, entity)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(graph, entity)),
            Condition::Not(c) => !c.holds(graph, entity),
            Condition::Kind(kinds) => kinds.contains(&graph.entity(entity).kind),
            Condition::Among(list) => list.contains(&entity),
            Condition::NameContains(text) => {
                names(graph, entity).any(|n| n.contains(text.as_str()))
            }
            Condition::NameStartsWith(text) => {
                names(graph, entity).any(|n| n.starts_with(text.as_str()))
            }
            Condition::Category(cs) => graph
                .entity_detail(entity)
                .category
                .is_some_and(|c| cs.contains(&c)),
            Condition::EventType(ts) => graph
                .entity_detail(entity)
                .event_type
                .is_some_and(|t| ts.contains(&t)),
            Condition::DateWithin(from, to) => entity_date(graph, entity).is_some_and(|d| {
                from.is_none_or(|f| d.last_day() >= f) && to.is_none_or(|t| d.first_day() <= t)
            }),
            Condition::Related(filter, inner) => graph
                .related(entity, filter)
                .any(|other| inner.holds(graph, other)),
        }
    }

    /// A condition on names, folded the way search folds.
    pub fn name_contains(text: &str) -> Self {
        Condition::NameContains(fold(text))
    }

    /// A condition on name prefixes, folded the way search folds.
    pub fn name_starts_with(text: &str) -> Self {
        Condition::NameStartsWith(fold(text))
    }
}

fn names(graph: &Graph, entity: EntityIx) -> impl Iterator<Item = String> + '_ {
    let rec = graph.entity(entity);
    std::iter::once(fold(rec.name))
        .chain(graph.entity_detail(entity).aliases.iter().map(|a| fold(a)))
}

/// The date that places an entity in time, by kind: the curated one, else a bulk row's.
pub fn entity_date(graph: &Graph, entity: EntityIx) -> Option<crate::model::DateBound> {
    let d = graph.entity_detail(entity);
    let view = graph.entity(entity);
    let curated = match view.kind {
        EntityKind::Product => d.released,
        EntityKind::Vendor | EntityKind::Carrier | EntityKind::Retailer => d.founded,
        _ => d.date,
    };
    curated.or_else(|| view.date_bound())
}

/// What a list of entities is ordered by.
#[derive(Clone, Debug)]
pub enum OrderKey {
    /// Id.
    Id,
    /// Name, folded.
    Name,
    /// Date (see [`entity_date`]); undated entities last.
    Date,
    /// How many relations the filter admits.
    RelationCount(RelationFilter),
}

/// Sorts `list` by each key in turn (descending where flagged), then by id.
pub fn order(graph: &Graph, list: &mut [EntityIx], keys: &[(OrderKey, bool)]) {
    #[derive(PartialEq, PartialOrd)]
    enum Value {
        Text(String),
        Number(i64),
        Missing,
    }
    let values: FxHashMap<EntityIx, Vec<Value>> = list
        .iter()
        .map(|&e| {
            let vals = keys
                .iter()
                .map(|(key, _)| match key {
                    OrderKey::Id => Value::Text(graph.entity(e).id.to_string()),
                    OrderKey::Name => Value::Text(fold(graph.entity(e).name)),
                    OrderKey::Date => entity_date(graph, e)
                        .map_or(Value::Missing, |d| Value::Number(i64::from(d.first_day()))),
                    OrderKey::RelationCount(f) => {
                        Value::Number(graph.relations_of(e, f).count() as i64)
                    }
                })
                .collect();
            (e, vals)
        })
        .collect();
    list.sort_by(|a, b| {
        for (i, (_, descending)) in keys.iter().enumerate() {
            let (va, vb) = (&values[a][i], &values[b][i]);
            let ord = match (va, vb) {
                (Value::Missing, Value::Missing) => Ordering::Equal,
                (Value::Missing, _) => Ordering::Greater,
                (_, Value::Missing) => Ordering::Less,
                _ => {
                    let o = va.partial_cmp(vb).unwrap_or(Ordering::Equal);
                    if *descending { o.reverse() } else { o }
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        graph.entity(*a).id.cmp(graph.entity(*b).id)
    });
}

/// What entities are grouped by when counted.
#[derive(Clone, Debug)]
pub enum GroupKey {
    /// Their kind.
    Kind,
    /// A product's category.
    Category,
    /// An event's type.
    EventType,
    /// The year of their date.
    Year,
    /// The entities the filter's relations lead to (vendors by headquarters market).
    Related(RelationFilter),
}

/// A bucket of a group-by count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// The group's key: a kind, category or type name, a year, or an entity id; `none` for
    /// entities without one.
    pub key: String,
    /// The related entity, when grouping by relation.
    pub entity: Option<EntityIx>,
    /// How many entities fall in it.
    pub count: usize,
}

/// Counts `list` by `key`, largest bucket first (then by key; years in time order). An entity related to several
/// entities counts in each of their buckets.
pub fn group(
    graph: &Graph,
    list: &[EntityIx],
    key: &GroupKey,
    budget: &Budget,
) -> Result<Vec<Bucket>, GraphError> {
    let mut counts: FxHashMap<(String, Option<EntityIx>), usize> = FxHashMap::default();
    for &e in list {
        budget.step(1)?;
        for k in group_keys(graph, e, key) {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut buckets: Vec<Bucket> = counts
        .into_iter()
        .map(|((key, entity), count)| Bucket { key, entity, count })
        .collect();
    sort_buckets(&mut buckets, key);
    Ok(buckets)
}

/// The keys an entity is counted under: one, or for `Related` each entity it leads to (or
/// `none`).
pub(crate) fn group_keys(
    graph: &Graph,
    e: EntityIx,
    key: &GroupKey,
) -> Vec<(String, Option<EntityIx>)> {
    let none = || ("none".to_owned(), None);
    let d = graph.entity_detail(e);
    match key {
        GroupKey::Kind => vec![(graph.entity(e).kind.to_string(), None)],
        GroupKey::Category => vec![d.category.map_or_else(none, |c| (c.to_string(), None))],
        GroupKey::EventType => vec![d.event_type.map_or_else(none, |t| (t.to_string(), None))],
        GroupKey::Year => {
            vec![entity_date(graph, e).map_or_else(none, |d| (d.earliest.year().to_string(), None))]
        }
        GroupKey::Related(filter) => {
            let mut others: Vec<EntityIx> = graph.related(e, filter).collect();
            others.sort();
            others.dedup();
            if others.is_empty() {
                vec![none()]
            } else {
                others
                    .into_iter()
                    .map(|o| (graph.entity(o).id.to_string(), Some(o)))
                    .collect()
            }
        }
    }
}

/// Buckets in the order a chart reads them: years in time order, others largest first (ties
/// by key).
pub(crate) fn sort_buckets(buckets: &mut [Bucket], key: &GroupKey) {
    if matches!(key, GroupKey::Year) {
        buckets.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        buckets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    }
}

impl Graph {
    /// The entities of `kind` (all kinds when `None`) meeting `condition`, ordered by `keys`
    /// (each with whether it is descending), else in id order.
    pub fn select(
        &self,
        kind: Option<EntityKind>,
        condition: Option<&Condition>,
        keys: &[(OrderKey, bool)],
        budget: &Budget,
    ) -> Result<Vec<EntityIx>, GraphError> {
        let base = self.entities_of(kind);
        let mut list: Vec<EntityIx> = match condition {
            None => base.to_vec(),
            Some(c) => {
                let mut kept = Vec::new();
                for &e in base {
                    budget.step(1)?;
                    if c.holds(self, e) {
                        kept.push(e);
                    }
                }
                kept
            }
        };
        if !keys.is_empty() {
            budget.step(list.len() as u64)?;
            order(self, &mut list, keys);
        }
        Ok(list)
    }

    /// The relations `filter` admits, counted by kind: largest first, then by kind name;
    /// kinds with none are left out.
    pub fn relation_counts(
        &self,
        filter: &RelationFilter,
        budget: &Budget,
    ) -> Result<Vec<(RelationKind, usize)>, GraphError> {
        let mut counts = vec![0; RelationKind::ALL.len()];
        for r in self.all_relations() {
            budget.step(1)?;
            if filter.admit(self, r).is_some() {
                counts[self.relation(r).kind as usize] += 1;
            }
        }
        let mut counted: Vec<(RelationKind, usize)> = RelationKind::ALL
            .iter()
            .copied()
            .zip(counts)
            .filter(|&(_, n)| n > 0)
            .collect();
        counted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.as_str().cmp(b.0.as_str())));
        Ok(counted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::entity;
    use crate::graph::{Direction, GraphBuilder, NewRelation};
    use crate::model::RelationKind as K;

    /// Vendors `xiaomi` and `zte` in `cn`, ZTE carried by `att`; carrier `att` in `us`; market
    /// `cn` and `us`; a vendor `ümlaut` with no relation.
    fn market() -> Graph {
        let mut b = GraphBuilder::new();
        let xiaomi = entity(&mut b, "xiaomi", EntityKind::Vendor);
        let zte = entity(&mut b, "zte", EntityKind::Vendor);
        entity(&mut b, "ümlaut", EntityKind::Vendor);
        let att = entity(&mut b, "att", EntityKind::Carrier);
        let cn = entity(&mut b, "cn", EntityKind::Market);
        let us = entity(&mut b, "us", EntityKind::Market);
        for (from, kind, to) in [
            (xiaomi, K::HeadquarteredIn, cn),
            (zte, K::HeadquarteredIn, cn),
            (att, K::HeadquarteredIn, us),
            (att, K::PartnersWith, zte),
        ] {
            b.add_relation(NewRelation::bare(from, kind, to)).unwrap();
        }
        b.finish()
    }

    fn ids(g: &Graph, list: &[EntityIx]) -> Vec<String> {
        list.iter().map(|&e| g.entity(e).id.to_owned()).collect()
    }

    fn all(g: &Graph) -> Vec<EntityIx> {
        ["xiaomi", "zte", "ümlaut", "att", "cn", "us"]
            .iter()
            .map(|id| g.lookup(id).unwrap())
            .collect()
    }

    fn chosen(g: &Graph, condition: &Condition) -> Vec<String> {
        let kept: Vec<EntityIx> = all(g)
            .into_iter()
            .filter(|&e| condition.holds(g, e))
            .collect();
        ids(g, &kept)
    }

    #[test]
    fn which_vendors_are_headquartered_in_china_and_partner_with_a_carrier() {
        let g = market();
        let in_china = Condition::Related(
            RelationFilter::kinds(&[K::HeadquarteredIn], Direction::Outgoing),
            Box::new(Condition::Among(vec![g.lookup("cn").unwrap()])),
        );
        let with_carrier = Condition::Related(
            RelationFilter::kinds(&[K::PartnersWith], Direction::Both),
            Box::new(Condition::Kind(vec![EntityKind::Carrier])),
        );
        assert_eq!(chosen(&g, &in_china), ["xiaomi", "zte"]);
        let both = Condition::All(vec![in_china.clone(), with_carrier]);
        assert_eq!(chosen(&g, &both), ["zte"]);
        let either = Condition::Any(vec![in_china, Condition::Kind(vec![EntityKind::Carrier])]);
        assert_eq!(chosen(&g, &either), ["xiaomi", "zte", "att"]);
        let not_vendors = Condition::Not(Box::new(Condition::Kind(vec![EntityKind::Vendor])));
        assert_eq!(chosen(&g, &not_vendors), ["att", "cn", "us"]);
    }

    #[test]
    fn name_conditions_fold_case_and_accents() {
        let g = market();
        assert_eq!(chosen(&g, &Condition::name_contains("UML")), ["ümlaut"]);
        assert_eq!(chosen(&g, &Condition::name_starts_with("Z")), ["zte"]);
        assert_eq!(
            chosen(&g, &Condition::name_starts_with("te")),
            Vec::<String>::new()
        );
        // Undated entities never fall within a date range.
        assert!(chosen(&g, &Condition::DateWithin(None, None)).is_empty());
    }

    #[test]
    fn ordering_uses_each_key_then_the_id() {
        let g = market();
        let mut list = all(&g);
        let count = OrderKey::RelationCount(RelationFilter::default());
        order(&g, &mut list, &[(count.clone(), true)]);
        // att has two relations, cn two, zte two, xiaomi and us one, ümlaut none; ties by id.
        assert_eq!(
            ids(&g, &list),
            ["att", "cn", "zte", "us", "xiaomi", "ümlaut"]
        );
        order(&g, &mut list, &[(OrderKey::Name, true)]);
        assert_eq!(
            ids(&g, &list),
            ["zte", "xiaomi", "us", "ümlaut", "cn", "att"]
        );
        // Undated entities sort last whichever way dates go, and then by id.
        order(&g, &mut list, &[(OrderKey::Date, true), (count, false)]);
        assert_eq!(
            ids(&g, &list),
            ["ümlaut", "us", "xiaomi", "att", "cn", "zte"]
        );
    }

    #[test]
    fn grouping_counts_each_bucket_largest_first() {
        let g = market();
        let list = all(&g);
        let by_kind: Vec<(String, usize)> =
            group(&g, &list, &GroupKey::Kind, &Budget::unlimited(0))
                .unwrap()
                .into_iter()
                .map(|b| (b.key, b.count))
                .collect();
        assert_eq!(
            by_kind,
            [
                ("vendor".into(), 3),
                ("market".into(), 2),
                ("carrier".into(), 1)
            ]
        );
        let headquarters = RelationFilter::kinds(&[K::HeadquarteredIn], Direction::Outgoing);
        let by_hq: Vec<(String, usize, bool)> = group(
            &g,
            &list,
            &GroupKey::Related(headquarters),
            &Budget::unlimited(0),
        )
        .unwrap()
        .into_iter()
        .map(|b| (b.key, b.count, b.entity.is_some()))
        .collect();
        assert_eq!(
            by_hq,
            [
                ("none".into(), 3, false),
                ("cn".into(), 2, true),
                ("us".into(), 1, true)
            ]
        );
        let by_year = group(&g, &list, &GroupKey::Year, &Budget::unlimited(0)).unwrap();
        assert_eq!(by_year.len(), 1);
        assert_eq!((by_year[0].key.as_str(), by_year[0].count), ("none", 6));
    }

    #[test]
    fn selecting_filters_a_kind_then_orders_it() {
        let g = market();
        let in_china = Condition::Related(
            RelationFilter::kinds(&[K::HeadquarteredIn], Direction::Outgoing),
            Box::new(Condition::Among(vec![g.lookup("cn").unwrap()])),
        );
        let vendors = g
            .select(Some(EntityKind::Vendor), None, &[], &Budget::unlimited(0))
            .unwrap();
        assert_eq!(ids(&g, &vendors), ["xiaomi", "zte", "ümlaut"]);
        let chinese = g
            .select(
                Some(EntityKind::Vendor),
                Some(&in_china),
                &[(OrderKey::Id, true)],
                &Budget::unlimited(0),
            )
            .unwrap();
        assert_eq!(ids(&g, &chinese), ["zte", "xiaomi"]);
        assert_eq!(
            g.select(None, Some(&in_china), &[], &Budget::unlimited(0))
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn relations_are_counted_by_kind_largest_first() {
        let g = market();
        let counts = g
            .relation_counts(&RelationFilter::default(), &Budget::unlimited(0))
            .unwrap();
        assert_eq!(counts, [(K::HeadquarteredIn, 3), (K::PartnersWith, 1)]);
        let none = g
            .relation_counts(
                &RelationFilter::kinds(&[K::Makes], Direction::Both),
                &Budget::unlimited(0),
            )
            .unwrap();
        assert!(none.is_empty());
    }
}
