//! Neighbours: the entities around an entity and the relations among them, and what two
//! entities share.
//!
//! Every walk follows only the relations a [`RelationFilter`] admits, so time and evidence
//! filters apply on every hop.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};

use super::GraphError;
use super::budget::Budget;
use super::query::RelationFilter;
use super::record::EntityIx;
use super::store::{Graph, Hop};

/// The entities around an entity (see [`Graph::relations_among`] for the relations joining
/// them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Neighbourhood {
    /// Entities reached, in breadth-first order, with their distance from the centre.
    pub nodes: Vec<(EntityIx, u32)>,
    /// Whether the node limit cut the neighbourhood short.
    pub truncated: bool,
}

/// An entity two others are both related to, with the relations on each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Common {
    /// The shared neighbour.
    pub entity: EntityIx,
    /// The relations between the first entity and it.
    pub via_a: Vec<Hop>,
    /// The relations between the second entity and it.
    pub via_b: Vec<Hop>,
}

impl Graph {
    /// The entities within `depth` hops of `center` (at most `limit` of them, centre
    /// included).
    pub fn neighbourhood(
        &self,
        center: EntityIx,
        depth: u32,
        filter: &RelationFilter,
        limit: usize,
        budget: &Budget,
    ) -> Result<Neighbourhood, GraphError> {
        let mut seen = FxHashSet::with_capacity_and_hasher(limit.min(4096), Default::default());
        let mut out = Neighbourhood::default();
        let mut queue = VecDeque::from([(center, 0)]);
        seen.insert(center);
        out.nodes.push((center, 0));
        'bfs: while let Some((node, d)) = queue.pop_front() {
            if d == depth {
                continue;
            }
            for hop in self.relations_of(node, filter) {
                budget.step(1)?;
                if !seen.insert(hop.other) {
                    continue;
                }
                if out.nodes.len() == limit {
                    out.truncated = true;
                    break 'bfs;
                }
                out.nodes.push((hop.other, d + 1));
                queue.push_back((hop.other, d + 1));
            }
        }
        Ok(out)
    }

    /// How many distinct entities lie within `depth` hops of `center` through relations
    /// passing `filter`, centre included: the whole neighbourhood counted, however few of it a
    /// drawing shows. One bit an entity marks those seen; each relation walked is a step of
    /// analytics work, so a hub's two hops stop at the request's allowance.
    pub fn neighbourhood_count(
        &self,
        center: EntityIx,
        depth: u32,
        filter: &RelationFilter,
        budget: &Budget,
    ) -> Result<u64, GraphError> {
        let mut seen = super::traverse::Set::new(self);
        seen.insert(center);
        let (mut count, mut frontier) = (1, vec![center]);
        for _ in 0..depth {
            let mut next = Vec::new();
            for &node in &frontier {
                for hop in self.relations_of(node, filter) {
                    budget.work(1)?;
                    budget.step(1)?;
                    if seen.insert(hop.other) {
                        count += 1;
                        next.push(hop.other);
                    }
                }
            }
            frontier = next;
        }
        Ok(count)
    }

    /// The relations passing `filter` among the entities of a neighbourhood, each once: what
    /// joins its nodes when it is drawn. Apart from [`Graph::neighbourhood`] because it reads
    /// every relation of every node, hubs included, and many callers want the nodes only.
    pub fn relations_among(
        &self,
        nodes: &[(EntityIx, u32)],
        filter: &RelationFilter,
        budget: &Budget,
    ) -> Result<Vec<Hop>, GraphError> {
        let members: FxHashSet<EntityIx> = nodes.iter().map(|&(e, _)| e).collect();
        let mut seen = FxHashSet::default();
        let mut edges = Vec::new();
        for &(node, _) in nodes {
            for hop in self.relations_of(node, filter) {
                budget.step(1)?;
                if members.contains(&hop.other) && seen.insert(hop.relation) {
                    edges.push(hop);
                }
            }
        }
        Ok(edges)
    }

    /// The entities related to both `a` and `b` (other than `a` and `b`), in id order, with the
    /// relations on each side.
    pub fn common_neighbours(
        &self,
        a: EntityIx,
        b: EntityIx,
        filter: &RelationFilter,
    ) -> Vec<Common> {
        let mut by_a: FxHashMap<EntityIx, Vec<Hop>> = FxHashMap::default();
        for hop in self.relations_of(a, filter) {
            by_a.entry(hop.other).or_default().push(hop);
        }
        let mut shared: FxHashMap<EntityIx, Common> = FxHashMap::default();
        for hop in self.relations_of(b, filter) {
            if hop.other == a || hop.other == b {
                continue;
            }
            if let Some(via_a) = by_a.get(&hop.other) {
                shared
                    .entry(hop.other)
                    .or_insert_with(|| Common {
                        entity: hop.other,
                        via_a: via_a.clone(),
                        via_b: Vec::new(),
                    })
                    .via_b
                    .push(hop);
            }
        }
        let mut list: Vec<Common> = shared.into_values().collect();
        list.sort_by(|x, y| self.entity(x.entity).id.cmp(self.entity(y.entity).id));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::tiny;
    use crate::model::RelationKind as K;

    #[test]
    fn neighbourhoods_stop_at_depth_and_limit() {
        let g = tiny();
        let x = g.lookup("x").unwrap();
        let all = RelationFilter::default();
        let free = Budget::unlimited(0);
        let n = g.neighbourhood(x, 1, &all, 10, &free).unwrap();
        assert_eq!(n.nodes.len(), 4);
        assert_eq!(
            g.relations_among(&n.nodes, &all, &free).unwrap().len(),
            4,
            "the c–p edge joins two nodes at depth 1"
        );
        assert!(!n.truncated);
        let cut = g.neighbourhood(x, 2, &all, 2, &free).unwrap();
        assert_eq!(cut.nodes.len(), 2);
        assert!(cut.truncated);
    }

    #[test]
    fn the_count_is_the_whole_neighbourhood_whatever_the_limit() {
        let g = tiny();
        let all = RelationFilter::default();
        for e in 0..g.entity_count() as u32 {
            for depth in 0..=3 {
                let drawn = g
                    .neighbourhood(EntityIx(e), depth, &all, usize::MAX, &Budget::unlimited(0))
                    .unwrap();
                let counted = g
                    .neighbourhood_count(EntityIx(e), depth, &all, &Budget::unlimited(1_000))
                    .unwrap();
                assert_eq!(counted, drawn.nodes.len() as u64, "{e} at {depth}");
            }
        }
        let x = g.lookup("x").unwrap();
        assert!(
            g.neighbourhood(x, 2, &all, 2, &Budget::unlimited(0))
                .unwrap()
                .truncated
        );
        assert!(
            g.neighbourhood_count(x, 2, &all, &Budget::unlimited(1_000))
                .unwrap()
                > 2
        );
    }

    #[test]
    fn counting_a_neighbourhood_draws_on_the_work_allowance() {
        let g = tiny();
        let x = g.lookup("x").unwrap();
        let small = Budget::unlimited(2);
        assert!(matches!(
            g.neighbourhood_count(x, 2, &RelationFilter::default(), &small),
            Err(GraphError::LimitExceeded(2))
        ));
    }

    #[test]
    fn common_neighbours_list_both_sides() {
        let g = tiny();
        let (x, c) = (g.lookup("x").unwrap(), g.lookup("c").unwrap());
        let common = g.common_neighbours(x, c, &RelationFilter::default());
        assert_eq!(common.len(), 1);
        assert_eq!(g.entity(common[0].entity).id, "p");
        assert_eq!(g.relation(common[0].via_a[0].relation).kind, K::Makes);
        assert_eq!(g.relation(common[0].via_b[0].relation).kind, K::Carries);
    }
}
