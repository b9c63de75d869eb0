//! Connections: the k shortest simple paths between two entities (Yen's algorithm over
//! breadth-first search), the neighbourhood of an entity, and what two entities share.
//!
//! Every traversal follows only the relations a [`RelationFilter`] admits, so time and
//! evidence filters apply on every hop.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};

use super::query::RelationFilter;
use super::record::{EntityIx, RelationIx};
use super::store::{Direction, Graph, Hop};

/// A walk from one entity to another, one hop per relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// Where it starts.
    pub start: EntityIx,
    /// Each hop: the relation taken and the entity it reaches.
    pub hops: Vec<Hop>,
}

impl Path {
    /// The entities along the path, start first.
    pub fn nodes(&self) -> impl Iterator<Item = EntityIx> + '_ {
        std::iter::once(self.start).chain(self.hops.iter().map(|h| h.other))
    }

    fn relations(&self) -> impl Iterator<Item = RelationIx> + '_ {
        self.hops.iter().map(|h| h.relation)
    }
}

/// The nodes and edges around an entity, ready to draw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Neighbourhood {
    /// Entities reached, in breadth-first order, with their distance from the centre.
    pub nodes: Vec<(EntityIx, u32)>,
    /// Relations between the entities reached, each once, with how they hold.
    pub edges: Vec<Hop>,
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
    /// Up to `k` shortest simple paths from `from` to `to` of at most `max_hops` hops, shortest
    /// first (ties in a stable order). Two paths differ when any hop takes a different relation.
    pub fn k_shortest_paths(
        &self,
        from: EntityIx,
        to: EntityIx,
        max_hops: usize,
        filter: &RelationFilter,
        k: usize,
    ) -> Vec<Path> {
        if k == 0 {
            return Vec::new();
        }
        let (no_nodes, no_relations) = (FxHashSet::default(), FxHashSet::default());
        let Some(first) = self.shortest_path(from, to, max_hops, filter, &no_nodes, &no_relations)
        else {
            return Vec::new();
        };
        let mut found = vec![first];
        let mut candidates: Vec<Path> = Vec::new();
        while found.len() < k {
            let last = found.last().expect("at least one path").clone();
            let nodes: Vec<EntityIx> = last.nodes().collect();
            for i in 0..last.hops.len() {
                let root = &last.hops[..i];
                let banned_relations: FxHashSet<RelationIx> = found
                    .iter()
                    .filter(|p| p.hops.len() > i && p.hops[..i] == *root)
                    .map(|p| p.hops[i].relation)
                    .collect();
                let banned_nodes: FxHashSet<EntityIx> = nodes[..i].iter().copied().collect();
                let spur = nodes[i];
                let Some(tail) = self.shortest_path(
                    spur,
                    to,
                    max_hops - i,
                    filter,
                    &banned_nodes,
                    &banned_relations,
                ) else {
                    continue;
                };
                let mut hops = root.to_vec();
                hops.extend(tail.hops);
                let candidate = Path { start: from, hops };
                if !found.contains(&candidate) && !candidates.contains(&candidate) {
                    candidates.push(candidate);
                }
            }
            let Some(best) = candidates
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| {
                    a.hops
                        .len()
                        .cmp(&b.hops.len())
                        .then_with(|| a.relations().cmp(b.relations()))
                })
                .map(|(i, _)| i)
            else {
                break;
            };
            found.push(candidates.swap_remove(best));
        }
        found
    }

    /// A shortest path by breadth-first search from both ends at once (always growing the
    /// smaller frontier, so a hub on one side does not flood the search), avoiding banned
    /// entities and relations; `None` when there is none within `max_hops`.
    fn shortest_path(
        &self,
        from: EntityIx,
        to: EntityIx,
        max_hops: usize,
        filter: &RelationFilter,
        banned_nodes: &FxHashSet<EntityIx>,
        banned_relations: &FxHashSet<RelationIx>,
    ) -> Option<Path> {
        if from == to {
            return Some(Path {
                start: from,
                hops: Vec::new(),
            });
        }
        let mut backward_filter = filter.clone();
        backward_filter.direction = match filter.direction {
            Direction::Outgoing => Direction::Incoming,
            Direction::Incoming => Direction::Outgoing,
            Direction::Both => Direction::Both,
        };
        // For each entity reached: the hop into it from the start side, or the hop out of it
        // towards the target side.
        let mut ahead: FxHashMap<EntityIx, Option<Hop>> = FxHashMap::default();
        let mut behind: FxHashMap<EntityIx, Option<Hop>> = FxHashMap::default();
        ahead.insert(from, None);
        behind.insert(to, None);
        let (mut front, mut back) = (vec![from], vec![to]);
        let mut hops_used = 0;
        while hops_used < max_hops && !front.is_empty() && !back.is_empty() {
            hops_used += 1;
            let forward = front.len() <= back.len();
            let (frontier, seen, other_side, f) = if forward {
                (&front, &mut ahead, &behind, filter)
            } else {
                (&back, &mut behind, &ahead, &backward_filter)
            };
            let mut next = Vec::new();
            let mut meeting = None;
            // Every meeting on this level gives a path of the same length, so the first one
            // found (in the store's stable order) ends the search.
            'level: for &node in frontier {
                for hop in self.relations_of(node, f) {
                    let other = hop.other;
                    if seen.contains_key(&other)
                        || banned_nodes.contains(&other)
                        || banned_relations.contains(&hop.relation)
                    {
                        continue;
                    }
                    let step = if forward {
                        Hop { other: node, ..hop }
                    } else {
                        Hop {
                            other: node,
                            outgoing: !hop.outgoing,
                            ..hop
                        }
                    };
                    seen.insert(other, Some(step));
                    if other_side.contains_key(&other) {
                        meeting = Some(other);
                        break 'level;
                    }
                    next.push(other);
                }
            }
            if let Some(meet) = meeting {
                return Some(self.join_halves(from, meet, &ahead, &behind));
            }
            if forward {
                front = next;
            } else {
                back = next;
            }
        }
        None
    }

    /// The path through `meet`: back along the start side, then on along the target side.
    fn join_halves(
        &self,
        from: EntityIx,
        meet: EntityIx,
        ahead: &FxHashMap<EntityIx, Option<Hop>>,
        behind: &FxHashMap<EntityIx, Option<Hop>>,
    ) -> Path {
        let mut hops = Vec::new();
        let mut at = meet;
        while let Some(Some(into)) = ahead.get(&at) {
            hops.push(Hop { other: at, ..*into });
            at = into.other;
        }
        hops.reverse();
        let mut at = meet;
        while let Some(Some(onward)) = behind.get(&at) {
            hops.push(*onward);
            at = onward.other;
        }
        Path { start: from, hops }
    }

    /// The entities within `depth` hops of `center` (at most `limit` of them, centre included)
    /// and the relations among them.
    pub fn neighbourhood(
        &self,
        center: EntityIx,
        depth: u32,
        filter: &RelationFilter,
        limit: usize,
    ) -> Neighbourhood {
        let mut seen: FxHashMap<EntityIx, u32> = FxHashMap::default();
        let mut out = Neighbourhood::default();
        let mut queue = VecDeque::from([(center, 0)]);
        seen.insert(center, 0);
        out.nodes.push((center, 0));
        'bfs: while let Some((node, d)) = queue.pop_front() {
            if d == depth {
                continue;
            }
            for hop in self.relations_of(node, filter) {
                if seen.contains_key(&hop.other) {
                    continue;
                }
                if out.nodes.len() == limit {
                    out.truncated = true;
                    break 'bfs;
                }
                seen.insert(hop.other, d + 1);
                out.nodes.push((hop.other, d + 1));
                queue.push_back((hop.other, d + 1));
            }
        }
        let mut edges = FxHashSet::default();
        for &(node, _) in &out.nodes {
            for hop in self.relations_of(node, filter) {
                if seen.contains_key(&hop.other) && edges.insert(hop.relation) {
                    out.edges.push(hop);
                }
            }
        }
        out
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
    use crate::graph::NewRelation;
    use crate::graph::testing::entity;
    use crate::graph::{Direction, GraphBuilder};
    use crate::model::{EntityKind as E, RelationKind as K};

    /// x makes p; carrier c carries p; retailer r sells x; c partners with x.
    fn market() -> Graph {
        let mut g = GraphBuilder::new();
        let mut add = |id: &str, kind| entity(&mut g, id, kind);
        let (x, p, c, r) = (
            add("x", E::Vendor),
            add("p", E::Product),
            add("c", E::Carrier),
            add("r", E::Retailer),
        );
        for (a, k, b) in [
            (x, K::Makes, p),
            (c, K::Carries, p),
            (r, K::Sells, x),
            (c, K::PartnersWith, x),
        ] {
            g.add_relation(NewRelation::bare(a, k, b)).unwrap();
        }
        g.finish()
    }

    fn show(g: &Graph, p: &Path) -> String {
        p.nodes()
            .map(|e| g.entity(e).id.to_string())
            .collect::<Vec<_>>()
            .join("-")
    }

    #[test]
    fn yen_finds_the_shortest_paths_first_and_each_once() {
        let g = market();
        let (r, c) = (g.lookup("r").unwrap(), g.lookup("c").unwrap());
        let all = RelationFilter::default();
        let paths: Vec<String> = g
            .k_shortest_paths(r, c, 4, &all, 5)
            .iter()
            .map(|p| show(&g, p))
            .collect();
        assert_eq!(paths, ["r-x-c", "r-x-p-c"]);
        assert!(
            g.k_shortest_paths(r, c, 1, &all, 5).is_empty(),
            "no path within one hop"
        );
        let outgoing = RelationFilter::kinds(&[], Direction::Outgoing);
        let directed: Vec<String> = g
            .k_shortest_paths(r, c, 4, &outgoing, 5)
            .iter()
            .map(|p| show(&g, p))
            .collect();
        assert_eq!(
            directed,
            ["r-x-c"],
            "partners_with is symmetric; makes/carries point away"
        );
    }

    #[test]
    fn neighbourhoods_stop_at_depth_and_limit() {
        let g = market();
        let x = g.lookup("x").unwrap();
        let all = RelationFilter::default();
        let n = g.neighbourhood(x, 1, &all, 10);
        assert_eq!(n.nodes.len(), 4);
        assert_eq!(n.edges.len(), 4, "the c–p edge joins two nodes at depth 1");
        assert!(!n.truncated);
        let cut = g.neighbourhood(x, 2, &all, 2);
        assert_eq!(cut.nodes.len(), 2);
        assert!(cut.truncated);
    }

    #[test]
    fn common_neighbours_list_both_sides() {
        let g = market();
        let (x, c) = (g.lookup("x").unwrap(), g.lookup("c").unwrap());
        let common = g.common_neighbours(x, c, &RelationFilter::default());
        assert_eq!(common.len(), 1);
        assert_eq!(g.entity(common[0].entity).id, "p");
        assert_eq!(g.relation(common[0].via_a[0].relation).kind, K::Makes);
        assert_eq!(g.relation(common[0].via_b[0].relation).kind, K::Carries);
    }
}
