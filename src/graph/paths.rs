//! Paths: the k shortest simple paths between two entities (Yen's algorithm over a
//! bidirectional breadth-first search), in marks a `PathScratch` keeps between searches.
//!
//! Every traversal follows only the relations a [`RelationFilter`] admits, so time and
//! evidence filters apply on every hop. One algorithm and the tests that hold it to plain
//! breadth-first search, kept in one file.

use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashSet;

use super::GraphError;
use super::budget::Budget;
use super::query::RelationFilter;
use super::record::{EntityIx, RelationIx};
use super::store::{Graph, Hop};
use crate::model::KindSet;

/// What testing one pair of frontier entities for a direct relation costs, in rows read.
const PAIR_TEST_COST: usize = 32;

/// Reusable marks for path searches, one slot per entity: which side of the current search
/// reached it (a stamp that changes with every search, so nothing is cleared between searches)
/// and the relation and neighbour it was reached through.
#[derive(Debug, Default)]
struct Marks {
    stamp: Vec<u32>,
    via: Vec<(u32, u32)>,
    round: u32,
}

impl Marks {
    /// Starts a search over `entities` entities: the stamps for the start side, the target
    /// side and banned entities.
    fn begin(&mut self, entities: usize) -> [u32; 3] {
        if self.stamp.len() < entities {
            self.stamp.resize(entities, 0);
            self.via.resize(entities, (0, 0));
        }
        if self.round >= u32::MAX / 3 - 1 {
            self.stamp.fill(0);
            self.round = 0;
        }
        self.round += 1;
        let base = self.round * 3;
        [base, base + 1, base + 2]
    }
}

/// Scratch space for path searches: sets of per-entity marks kept between searches, so that
/// none allocates or clears an array the size of the graph. It belongs to whoever runs the
/// searches (one set per search running at once, up to `keep` kept), not to the graph, which
/// stays frozen and lock-free.
#[derive(Debug, Default)]
pub struct PathScratch {
    spares: Mutex<Vec<Marks>>,
    keep: usize,
}

impl PathScratch {
    /// Scratch space keeping up to `keep` sets of marks: as many as searches run at once.
    pub fn new(keep: usize) -> Self {
        PathScratch {
            spares: Mutex::default(),
            keep,
        }
    }

    /// Runs a search with a set of marks taken from the spares (or a new one), then keeps the
    /// set if there is room.
    fn with<R>(&self, search: impl FnOnce(&mut Marks) -> R) -> R {
        let spares = || self.spares.lock().unwrap_or_else(PoisonError::into_inner);
        let mut marks = spares().pop().unwrap_or_default();
        let result = search(&mut marks);
        let mut spares = spares();
        if spares.len() < self.keep {
            spares.push(marks);
        }
        result
    }
}

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

    /// Each hop with the entity it leaves.
    pub fn steps(&self) -> impl Iterator<Item = (EntityIx, Hop)> + '_ {
        self.nodes().zip(self.hops.iter().copied())
    }

    fn relations(&self) -> impl Iterator<Item = RelationIx> + '_ {
        self.hops.iter().map(|h| h.relation)
    }
}

/// One shortest-path search: what its two sides admit and how they mark what they reach.
struct Search<'g> {
    graph: &'g Graph,
    /// For the start side, then the target side: the filter read that way and the stamp.
    sides: [(&'g RelationFilter, u32); 2],
    /// For each side, the kinds its filter's relations may reach.
    ends: [[KindSet; 2]; 2],
    banned: u32,
    banned_relations: &'g FxHashSet<RelationIx>,
    /// Whether every relation may be taken, so that none need be read.
    open: bool,
}

impl Search<'_> {
    fn usable(&self, hop: &Hop, filter: &RelationFilter) -> bool {
        !self.banned_relations.contains(&hop.relation)
            && filter.admit(self.graph, hop.relation).is_some()
    }

    /// Reads one entity's relations for one side: marks what it reaches for that side and
    /// returns the link `(start side, relation, target side)` when it reaches the other side.
    fn grow(
        &self,
        marks: &mut Marks,
        node: EntityIx,
        forward: bool,
        next: &mut Vec<EntityIx>,
    ) -> Option<(EntityIx, u32, EntityIx)> {
        let (mine, theirs) = if forward { (0, 1) } else { (1, 0) };
        let (filter, stamp_mine) = self.sides[mine];
        let stamp_theirs = self.sides[theirs].1;
        for (other, first, outgoing) in self.graph.pairs(node, self.ends[mine]) {
            let stamp = marks.stamp[other.index()];
            if stamp == stamp_mine || stamp == self.banned {
                continue;
            }
            let relation = if self.open {
                first
            } else {
                match self
                    .graph
                    .pair_hops(other, first, outgoing, filter.direction)
                    .find(|hop| self.usable(hop, filter))
                {
                    Some(hop) => hop.relation.0,
                    None => continue,
                }
            };
            if stamp == stamp_theirs {
                return Some(if forward {
                    (node, relation, other)
                } else {
                    (other, relation, node)
                });
            }
            marks.stamp[other.index()] = stamp_mine;
            marks.via[other.index()] = (relation, node.0);
            next.push(other);
        }
        None
    }
}

impl Graph {
    /// Up to `k` shortest simple paths from `from` to `to` of at most `max_hops` hops, shortest
    /// first (ties in a stable order). Two paths differ when any hop takes a different relation.
    /// The search works in `scratch`.
    pub fn k_shortest_paths(
        &self,
        from: EntityIx,
        to: EntityIx,
        max_hops: usize,
        filter: &RelationFilter,
        k: usize,
        scratch: &PathScratch,
        budget: &Budget,
    ) -> Result<Vec<Path>, GraphError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let found = scratch.with(|marks| self.yen(from, to, max_hops, filter, k, marks, budget));
        // A search the budget stopped gives up: what it found is not the answer.
        budget.step(0)?;
        Ok(found)
    }

    #[allow(clippy::too_many_arguments)]
    fn yen(
        &self,
        from: EntityIx,
        to: EntityIx,
        max_hops: usize,
        filter: &RelationFilter,
        k: usize,
        marks: &mut Marks,
        budget: &Budget,
    ) -> Vec<Path> {
        let (no_nodes, no_relations) = (FxHashSet::default(), FxHashSet::default());
        let first = self.shortest_path(
            from,
            to,
            max_hops,
            filter,
            (&no_nodes, &no_relations),
            marks,
            budget,
        );
        let Some(first) = first else {
            return Vec::new();
        };
        let mut found = vec![first];
        let mut candidates: Vec<Path> = Vec::new();
        while found.len() < k && budget.stopped().is_none() {
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
                    (&banned_nodes, &banned_relations),
                    marks,
                    budget,
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

    /// A shortest path by breadth-first search from both ends at once, avoiding banned
    /// entities and relations; `None` when there is none within `max_hops`.
    ///
    /// Each round grows the side whose frontier has fewer relations to read, so a hub on one
    /// side does not flood the search; when the two frontiers are small enough that testing
    /// every pair of them for a direct relation (by binary search in the rows) is cheaper than
    /// growing either, that is tried first. Within a round every meeting gives a path of the
    /// same length, so the first one found ends the search.
    #[allow(clippy::too_many_arguments)]
    fn shortest_path(
        &self,
        from: EntityIx,
        to: EntityIx,
        max_hops: usize,
        filter: &RelationFilter,
        (banned_nodes, banned_relations): (&FxHashSet<EntityIx>, &FxHashSet<RelationIx>),
        marks: &mut Marks,
        budget: &Budget,
    ) -> Option<Path> {
        if from == to {
            return Some(Path {
                start: from,
                hops: Vec::new(),
            });
        }
        let backward = RelationFilter {
            direction: filter.direction.reversed(),
            ..filter.clone()
        };
        let [ahead, behind, banned] = marks.begin(self.entity_count());
        for &node in banned_nodes {
            marks.stamp[node.index()] = banned;
        }
        marks.stamp[from.index()] = ahead;
        marks.stamp[to.index()] = behind;
        let search = Search {
            graph: self,
            sides: [(filter, ahead), (&backward, behind)],
            ends: [filter.ends(), backward.ends()],
            banned,
            banned_relations,
            open: filter.admits_all() && banned_relations.is_empty(),
        };
        let usable = |hop: &Hop| search.usable(hop, filter);
        let work =
            |frontier: &[EntityIx]| -> usize { frontier.iter().map(|&e| self.row_len(e)).sum() };
        let (mut front, mut back) = (vec![from], vec![to]);
        let mut hops_used = 0;
        while hops_used < max_hops && !front.is_empty() && !back.is_empty() {
            let (front_work, back_work) = (work(&front), work(&back));
            // A stopped search finds nothing; its caller reports why.
            budget.step(front_work.min(back_work) as u64).ok()?;
            let (mut next_front, mut next_back) = (Vec::new(), Vec::new());
            if front.len() * back.len() * PAIR_TEST_COST < front_work.min(back_work) {
                // No path is shorter than `hops_used + 1`: test for one that long directly.
                for &x in &front {
                    for &y in &back {
                        if let Some(hop) = self.hops_between(x, y, filter.direction).find(usable) {
                            let link = (x, hop.relation.0, y);
                            return Some(self.join_halves((from, to), link, marks, filter));
                        }
                    }
                }
                if hops_used + 2 > max_hops {
                    return None;
                }
                // None is that long either, so a path of `hops_used + 2` meets in an entity
                // next to both frontiers: grow both at once, least related entities first, and
                // stop at the first entity reached from both sides.
                hops_used += 2;
                let mut order: Vec<(usize, EntityIx, bool)> = front
                    .iter()
                    .map(|&e| (self.row_len(e), e, true))
                    .chain(back.iter().map(|&e| (self.row_len(e), e, false)))
                    .collect();
                order.sort_unstable();
                for (_, node, forward) in order {
                    let next = if forward {
                        &mut next_front
                    } else {
                        &mut next_back
                    };
                    if let Some(link) = search.grow(marks, node, forward, next) {
                        return Some(self.join_halves((from, to), link, marks, filter));
                    }
                }
                (front, back) = (next_front, next_back);
                continue;
            }
            hops_used += 1;
            let forward = front_work <= back_work;
            let frontier = if forward { &front } else { &back };
            for &node in frontier {
                if let Some(link) = search.grow(marks, node, forward, &mut next_front) {
                    return Some(self.join_halves((from, to), link, marks, filter));
                }
            }
            if forward {
                front = next_front;
            } else {
                back = next_front;
            }
        }
        None
    }

    /// The path through the relation `link.1` from `link.0` (reached from the start) to
    /// `link.2` (leading to the target): back along the start side, then on along the target
    /// side.
    fn join_halves(
        &self,
        (from, to): (EntityIx, EntityIx),
        (last_ahead, link, first_behind): (EntityIx, u32, EntityIx),
        marks: &Marks,
        filter: &RelationFilter,
    ) -> Path {
        let hop = |relation: u32, at: EntityIx, to: EntityIx| Hop {
            relation: RelationIx(relation),
            other: to,
            outgoing: self.relation(RelationIx(relation)).from == at,
            presence: filter
                .admit(self, RelationIx(relation))
                .unwrap_or(crate::model::Presence::Sure),
        };
        let mut hops = Vec::new();
        let mut at = last_ahead;
        while at != from {
            let (relation, previous) = marks.via[at.index()];
            hops.push(hop(relation, EntityIx(previous), at));
            at = EntityIx(previous);
        }
        hops.reverse();
        hops.push(hop(link, last_ahead, first_behind));
        let mut at = first_behind;
        while at != to {
            let (relation, onward) = marks.via[at.index()];
            hops.push(hop(relation, at, EntityIx(onward)));
            at = EntityIx(onward);
        }
        Path { start: from, hops }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use rustc_hash::FxHashMap;

    use super::*;
    use crate::graph::NewRelation;
    use crate::graph::testing::entity;
    use crate::graph::{Direction, GraphBuilder};
    use crate::model::{EntityKind as E, RelationKind as K};

    fn show(g: &Graph, p: &Path) -> String {
        p.nodes()
            .map(|e| g.entity(e).id.to_string())
            .collect::<Vec<_>>()
            .join("-")
    }

    #[test]
    fn yen_finds_the_shortest_paths_first_and_each_once() {
        let g = crate::graph::testing::tiny();
        let (r, c) = (g.lookup("r").unwrap(), g.lookup("c").unwrap());
        let search = |hops: usize, filter: &RelationFilter| -> Vec<String> {
            let scratch = PathScratch::new(1);
            let paths = g.k_shortest_paths(r, c, hops, filter, 5, &scratch, &Budget::unlimited(0));
            paths.unwrap().iter().map(|p| show(&g, p)).collect()
        };
        let all = RelationFilter::default();
        assert_eq!(search(4, &all), ["r-x-c", "r-x-p-c"]);
        assert!(search(1, &all).is_empty(), "no path within one hop");
        let outgoing = RelationFilter::kinds(&[], Direction::Outgoing);
        let directed = search(4, &outgoing);
        assert_eq!(
            directed,
            ["r-x-c"],
            "partners_with is symmetric; makes/carries point away"
        );
    }

    /// A random market with skewed degrees (so that the search meets hubs and tests frontier
    /// pairs), some relations starting only in 2019.
    fn random_market(seed: u64) -> Graph {
        use rand_core::Rng;
        let mut rng = rand_pcg::Pcg64::new(u128::from(seed), 0xa02b_dbf7_bb3c_0a7a);
        let mut below = |n: u64| (rng.next_u64() % n) as usize;
        let mut g = GraphBuilder::new();
        let mut add = |prefix: &str, n: usize, kind| -> Vec<EntityIx> {
            (0..n)
                .map(|i| entity(&mut g, &format!("{prefix}-{i}"), kind))
                .collect()
        };
        let vendors = add("v", 8, E::Vendor);
        let carriers = add("c", 8, E::Carrier);
        let markets = add("m", 3, E::Market);
        let products = add("p", 150, E::Product);
        let later = crate::model::Validity {
            from: Some(crate::model::DateBound::parse("2019").unwrap()),
            until: None,
        }
        .window();
        let mut relate = |from, kind, to, late: bool| {
            let mut r = NewRelation::bare(from, kind, to);
            if late {
                r.window = later;
            }
            // Repeats are parallel claims, which the search must also handle.
            g.add_relation(r).unwrap();
        };
        for &p in &products {
            let skewed = |r: usize| r * r / 512;
            relate(vendors[skewed(below(64))], K::Makes, p, below(5) == 0);
            for _ in 0..1 + below(2) {
                relate(carriers[skewed(below(64))], K::Carries, p, below(5) == 0);
            }
        }
        for &org in vendors.iter().chain(&carriers) {
            relate(org, K::OperatesIn, markets[below(3)], below(4) == 0);
        }
        for _ in 0..6 {
            relate(
                vendors[below(8)],
                K::PartnersWith,
                carriers[below(8)],
                below(3) == 0,
            );
        }
        g.finish()
    }

    /// The hop count of a shortest path by plain breadth-first search over `relations_of`.
    fn distance(g: &Graph, a: EntityIx, b: EntityIx, filter: &RelationFilter) -> Option<usize> {
        let mut seen = FxHashMap::from_iter([(a, 0)]);
        let mut queue = VecDeque::from([a]);
        while let Some(node) = queue.pop_front() {
            let d = seen[&node];
            if node == b {
                return Some(d);
            }
            for hop in g.relations_of(node, filter) {
                if let std::collections::hash_map::Entry::Vacant(v) = seen.entry(hop.other) {
                    v.insert(d + 1);
                    queue.push_back(hop.other);
                }
            }
        }
        None
    }

    #[test]
    fn shortest_paths_match_plain_breadth_first_search() {
        let as_of = RelationFilter {
            as_of: Some(crate::model::DateBound::parse("2018").unwrap().last_day()),
            ..RelationFilter::default()
        };
        let filters = [
            RelationFilter::default(),
            RelationFilter::kinds(&[K::Makes, K::Carries], Direction::Both),
            RelationFilter::kinds(&[], Direction::Outgoing),
            as_of,
        ];
        // One scratch for every search, across graphs: marks left by one search must never
        // mislead the next.
        let scratch = PathScratch::new(1);
        for seed in 0..8 {
            let g = market_or_random(seed);
            let n = g.entity_count() as u32;
            for (i, filter) in filters.iter().enumerate() {
                for k in 0..60u32 {
                    let a = EntityIx((k * 7919 + seed as u32) % n);
                    let b = EntityIx((k * 104_729 + i as u32 * 31) % n);
                    let want = distance(&g, a, b, filter).filter(|&d| d <= 6);
                    let paths = g
                        .k_shortest_paths(a, b, 6, filter, 1, &scratch, &Budget::unlimited(0))
                        .unwrap();
                    let got = paths.first().map(|p| p.hops.len());
                    assert_eq!(got, want, "seed {seed}, filter {i}, {a:?} to {b:?}");
                    let Some(path) = paths.first() else { continue };
                    let mut at = a;
                    for hop in &path.hops {
                        assert!(
                            g.relations_of(at, filter)
                                .any(|h| h.relation == hop.relation && h.other == hop.other),
                            "each hop is a relation the filter admits, taken its way"
                        );
                        at = hop.other;
                    }
                    assert_eq!(at, b);
                }
            }
        }
    }

    #[test]
    fn a_direct_link_between_hubs_beats_a_meeting_beside_them() {
        // pa runs vendors x1 and x2, pb runs carriers y1 and y2; x1 and y1 share a market
        // (four hops), x2 partners with y2 (three). x2 and y2 are hubs, so the search tests
        // the frontier pairs before growing both sides.
        let mut g = GraphBuilder::new();
        let mut add = |id: &str, kind| entity(&mut g, id, kind);
        let (pa, pb) = (add("pa", E::Person), add("pb", E::Person));
        let (x1, x2) = (add("x1", E::Vendor), add("x2", E::Vendor));
        let (y1, y2) = (add("y1", E::Carrier), add("y2", E::Carrier));
        let z = add("z", E::Market);
        let products: Vec<EntityIx> = (0..300)
            .map(|i| add(&format!("p{i}"), E::Product))
            .collect();
        let mut relate = |a, k, b| g.add_relation(NewRelation::bare(a, k, b)).unwrap();
        for (a, k, b) in [
            (pa, K::ExecutiveOf, x1),
            (pa, K::ExecutiveOf, x2),
            (pb, K::ExecutiveOf, y1),
            (pb, K::ExecutiveOf, y2),
            (x1, K::OperatesIn, z),
            (y1, K::OperatesIn, z),
            (x2, K::PartnersWith, y2),
        ] {
            relate(a, k, b);
        }
        for (i, &p) in products.iter().enumerate() {
            if i % 2 == 0 {
                relate(x2, K::Makes, p);
            } else {
                relate(y2, K::Carries, p);
            }
        }
        let g = g.finish();
        let (pa, pb) = (g.lookup("pa").unwrap(), g.lookup("pb").unwrap());
        let paths = g
            .k_shortest_paths(
                pa,
                pb,
                6,
                &RelationFilter::default(),
                1,
                &PathScratch::new(1),
                &Budget::unlimited(0),
            )
            .unwrap();
        assert_eq!(show(&g, &paths[0]), "pa-x2-y2-pb");
    }

    fn market_or_random(seed: u64) -> Graph {
        if seed == 0 {
            crate::graph::testing::tiny()
        } else {
            random_market(seed)
        }
    }
}
