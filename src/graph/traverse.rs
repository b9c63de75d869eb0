//! Patterns: from a set of entities, a sequence of steps (relations a filter admits, to
//! entities of some kinds), and the distinct entities each step reaches on a path that goes
//! all the way. "The distinct carriers of a vendor's products" is a vendor, a step along
//! `MAKES` to products, a step back along `CARRIES` to carriers.

use super::GraphError;
use super::budget::Budget;
use super::query::RelationFilter;
use super::record::EntityIx;
use super::store::Graph;
use crate::model::EntityKind;

/// One step of a pattern.
#[derive(Clone, Debug, Default)]
pub struct Step {
    /// The relations followed: their kinds, direction, time and evidence.
    pub filter: RelationFilter,
    /// The kinds of entity the step may reach (empty: any).
    pub reach: Vec<EntityKind>,
}

/// One bit an entity: a set of entities as big as the graph's count over 64 words.
#[derive(Clone)]
pub(super) struct Set(Vec<u64>);

impl Set {
    pub(super) fn new(graph: &Graph) -> Set {
        Set(vec![0; graph.entity_count().div_ceil(64)])
    }

    /// Adds `e`; whether it was new.
    pub(super) fn insert(&mut self, e: EntityIx) -> bool {
        let (word, bit) = (e.0 as usize / 64, 1u64 << (e.0 % 64));
        let new = self.0[word] & bit == 0;
        self.0[word] |= bit;
        new
    }

    fn contains(&self, e: EntityIx) -> bool {
        self.0[e.0 as usize / 64] & (1u64 << (e.0 % 64)) != 0
    }
}

/// The entities at each step of a pattern (the start is step 0) that lie on a path reaching
/// its last step, each step's in number order.
pub struct Matched {
    steps: Vec<Step>,
    alive: Vec<Set>,
    members: Vec<Vec<EntityIx>>,
}

impl Matched {
    /// The distinct entities at step `i` (0: the start) on a complete path, in number order.
    pub fn at(&self, i: usize) -> &[EntityIx] {
        &self.members[i]
    }

    /// The number of steps after the start.
    pub fn steps(&self) -> usize {
        self.steps.len()
    }
}

impl Graph {
    /// Matches a pattern: walks the steps forward from `start`, keeping at each step the
    /// distinct entities reached, then back from the last step, keeping only those with a
    /// way on. Each relation read is a step of analytics work.
    pub fn traverse(
        &self,
        start: &[EntityIx],
        steps: &[Step],
        budget: &Budget,
    ) -> Result<Matched, GraphError> {
        let mut reached = vec![Set::new(self)];
        let mut members = vec![Vec::new()];
        for &e in start {
            if reached[0].insert(e) {
                members[0].push(e);
            }
        }
        for step in steps {
            let mut next = Set::new(self);
            let mut list = Vec::new();
            for &e in members.last().expect("the start is there") {
                for hop in self.relations_of(e, &step.filter) {
                    budget.work(1)?;
                    budget.step(1)?;
                    if reaches(self, step, hop.other) && next.insert(hop.other) {
                        list.push(hop.other);
                    }
                }
            }
            reached.push(next);
            members.push(list);
        }
        // Back from the last step: an entity stays if one of its step's relations leads to
        // an entity that stayed at the next.
        for i in (0..steps.len()).rev() {
            let (now, after) = reached.split_at_mut(i + 1);
            let (now, after) = (&mut now[i], &after[0]);
            let mut kept = Set::new(self);
            let mut list = Vec::new();
            for &e in &members[i] {
                let mut on = false;
                for hop in self.relations_of(e, &steps[i].filter) {
                    budget.work(1)?;
                    if after.contains(hop.other) {
                        on = true;
                        break;
                    }
                }
                if on {
                    kept.insert(e);
                    list.push(e);
                }
            }
            *now = kept;
            members[i] = list;
        }
        for list in &mut members {
            list.sort_unstable();
        }
        Ok(Matched {
            steps: steps.to_vec(),
            alive: reached,
            members,
        })
    }

    /// For each entity at step `group` of a match, how many distinct entities at step
    /// `counted` lie on a complete path with it; most first. Steps are memoryless, so a walk
    /// from the entity through the matched entities of the steps between finds exactly those.
    pub fn traverse_counts(
        &self,
        matched: &Matched,
        group: usize,
        counted: usize,
        budget: &Budget,
    ) -> Result<Vec<(EntityIx, u64)>, GraphError> {
        let mut counts = Vec::with_capacity(matched.at(group).len());
        for &e in matched.at(group) {
            let mut frontier = vec![e];
            let mut i = group;
            while i != counted {
                // Forward along step i + 1, or back along step i.
                let (step, to) = if counted > group {
                    (&matched.steps[i], i + 1)
                } else {
                    (&matched.steps[i - 1], i - 1)
                };
                let mut filter = step.filter.clone();
                if counted < group {
                    filter.direction = filter.direction.reversed();
                }
                // Small per entity: a hash set, not a bit per entity of the graph.
                let mut seen = rustc_hash::FxHashSet::default();
                let mut next = Vec::new();
                for &node in &frontier {
                    for hop in self.relations_of(node, &filter) {
                        budget.work(1)?;
                        if matched.alive[to].contains(hop.other) && seen.insert(hop.other) {
                            next.push(hop.other);
                        }
                    }
                }
                frontier = next;
                i = to;
            }
            counts.push((e, frontier.len() as u64));
        }
        counts.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| self.entity(a.0).id.cmp(self.entity(b.0).id))
        });
        Ok(counts)
    }
}

fn reaches(graph: &Graph, step: &Step, e: EntityIx) -> bool {
    step.reach.is_empty() || step.reach.contains(&graph.kind_of(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::entity;
    use crate::graph::{Direction, GraphBuilder, NewRelation};
    use crate::model::RelationKind as K;

    /// v1 makes p1 and p3, v2 makes p2; c1 carries p1 and p2, c2 carries p2; nobody carries p3.
    fn market() -> Graph {
        let mut b = GraphBuilder::new();
        let mut add = |id: &str, kind| entity(&mut b, id, kind);
        let (v1, v2) = (add("v1", EntityKind::Vendor), add("v2", EntityKind::Vendor));
        let (p1, p2, p3) = (
            add("p1", EntityKind::Product),
            add("p2", EntityKind::Product),
            add("p3", EntityKind::Product),
        );
        let (c1, c2) = (
            add("c1", EntityKind::Carrier),
            add("c2", EntityKind::Carrier),
        );
        for (from, kind, to) in [
            (v1, K::Makes, p1),
            (v1, K::Makes, p3),
            (v2, K::Makes, p2),
            (c1, K::Carries, p1),
            (c1, K::Carries, p2),
            (c2, K::Carries, p2),
        ] {
            b.add_relation(NewRelation::bare(from, kind, to)).unwrap();
        }
        b.finish()
    }

    fn step(kind: K, direction: Direction, reach: EntityKind) -> Step {
        Step {
            filter: RelationFilter::kinds(&[kind], direction),
            reach: vec![reach],
        }
    }

    fn ids(g: &Graph, list: &[EntityIx]) -> Vec<String> {
        let mut ids: Vec<String> = list.iter().map(|&e| g.entity(e).id.to_owned()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn a_pattern_keeps_what_lies_on_a_whole_path() {
        let g = market();
        let steps = [
            step(K::Makes, Direction::Outgoing, EntityKind::Product),
            step(K::Carries, Direction::Incoming, EntityKind::Carrier),
        ];
        let budget = Budget::unlimited(1_000);
        let v1 = g.lookup("v1").unwrap();
        let alone = g.traverse(&[v1], &steps, &budget).unwrap();
        assert_eq!(ids(&g, alone.at(1)), ["p1"], "p3 is carried by no one");
        assert_eq!(ids(&g, alone.at(2)), ["c1"]);

        let vendors = g.entities_of(Some(EntityKind::Vendor)).to_vec();
        let both = g.traverse(&vendors, &steps, &budget).unwrap();
        assert_eq!(ids(&g, both.at(2)), ["c1", "c2"]);
        let named = |counts: Vec<(EntityIx, u64)>| -> Vec<(String, u64)> {
            counts
                .into_iter()
                .map(|(e, n)| (g.entity(e).id.to_owned(), n))
                .collect()
        };
        let carriers_per_vendor = g.traverse_counts(&both, 0, 2, &budget).unwrap();
        assert_eq!(
            named(carriers_per_vendor),
            [("v2".into(), 2), ("v1".into(), 1)]
        );
        let carried_products_per_vendor = g.traverse_counts(&both, 0, 1, &budget).unwrap();
        assert_eq!(
            named(carried_products_per_vendor),
            [("v1".into(), 1), ("v2".into(), 1)],
            "ties in id order; p3 is not carried"
        );
        let vendors_per_carrier = g.traverse_counts(&both, 2, 0, &budget).unwrap();
        assert_eq!(
            named(vendors_per_carrier),
            [("c1".into(), 2), ("c2".into(), 1)]
        );
    }

    #[test]
    fn a_pattern_draws_on_the_work_allowance() {
        let g = market();
        let vendors = g.entities_of(Some(EntityKind::Vendor)).to_vec();
        let steps = [step(K::Makes, Direction::Outgoing, EntityKind::Product)];
        assert!(matches!(
            g.traverse(&vendors, &steps, &Budget::unlimited(1)),
            Err(GraphError::LimitExceeded(1))
        ));
    }
}
