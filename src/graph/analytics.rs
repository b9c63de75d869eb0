//! Whole-graph measures over a chosen subgraph: degree, PageRank, betweenness and connected
//! components. Relations count in both directions. Each computation stops with
//! [`GraphError::LimitExceeded`] once it has done more than its work budget.
//!
//! petgraph's `page_rank` is dense (O(n·V²·E)) and it has no betweenness, so both are written
//! here over a compact adjacency of the subgraph: sparse power iteration for PageRank, and
//! Brandes' algorithm for betweenness, exact up to [`EXACT_BETWEENNESS_LIMIT`] entities and
//! sampled from evenly spaced sources beyond.

use rustc_hash::FxHashMap;

use super::GraphError;
use super::budget::Budget;
use super::query::RelationFilter;
use super::record::EntityIx;
use super::store::Graph;
use crate::model::EntityKind;

/// Up to this many entities, betweenness is exact; beyond, it is estimated from
/// [`BETWEENNESS_SAMPLES`] sources and scaled up.
pub const EXACT_BETWEENNESS_LIMIT: usize = 2_000;
/// How many sources a sampled betweenness uses.
pub const BETWEENNESS_SAMPLES: usize = 256;
/// PageRank's damping factor.
pub const DAMPING: f64 = 0.85;

/// The subgraph a measure runs over: entities of some kinds, relations a filter admits.
#[derive(Clone, Debug, Default)]
pub struct Subgraph {
    /// Only entities of these kinds (empty: all).
    pub kinds: Vec<EntityKind>,
    /// Only relations this filter admits (its direction is ignored: both count).
    pub filter: RelationFilter,
}

/// The subgraph as plain arrays: local node numbers, neighbour lists.
struct Local {
    nodes: Vec<EntityIx>,
    adjacency: Vec<Vec<u32>>,
}

impl Graph {
    fn local(&self, sub: &Subgraph, budget: &Budget) -> Result<Local, GraphError> {
        let nodes: Vec<EntityIx> = self
            .entities_of(None)
            .iter()
            .copied()
            .filter(|&e| sub.kinds.is_empty() || sub.kinds.contains(&self.entity(e).kind))
            .collect();
        let index: FxHashMap<EntityIx, u32> = nodes
            .iter()
            .enumerate()
            .map(|(i, &e)| (e, i as u32))
            .collect();
        let mut filter = sub.filter.clone();
        filter.direction = super::Direction::Both;
        let mut adjacency = vec![Vec::new(); nodes.len()];
        for (i, &e) in nodes.iter().enumerate() {
            for hop in self.relations_of(e, &filter) {
                budget.work(1)?;
                if let Some(&j) = index.get(&hop.other) {
                    adjacency[i].push(j);
                }
            }
        }
        Ok(Local { nodes, adjacency })
    }

    /// Each entity's number of admitted relations within the subgraph, highest first. Only
    /// counted: no adjacency is built (at a million entities that took seconds).
    pub fn degree_ranking(
        &self,
        sub: &Subgraph,
        budget: &Budget,
    ) -> Result<Vec<(EntityIx, f64)>, GraphError> {
        let inside = |e: EntityIx| sub.kinds.is_empty() || sub.kinds.contains(&self.entity(e).kind);
        let mut filter = sub.filter.clone();
        filter.direction = super::Direction::Both;
        let mut scores = Vec::new();
        for &e in self.entities_of(None) {
            if !inside(e) {
                continue;
            }
            let mut degree = 0u32;
            for hop in self.relations_of(e, &filter) {
                budget.work(1)?;
                degree += u32::from(inside(hop.other));
            }
            scores.push((e, f64::from(degree)));
        }
        Ok(ranked(scores.iter().map(|(e, s)| (e, *s))))
    }

    /// PageRank over the subgraph (relations in both directions), highest first; scores sum
    /// to 1.
    pub fn pagerank(
        &self,
        sub: &Subgraph,
        budget: &Budget,
    ) -> Result<Vec<(EntityIx, f64)>, GraphError> {
        let local = self.local(sub, budget)?;
        let n = local.nodes.len();
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut rank = vec![1.0 / n as f64; n];
        let mut next = vec![0.0; n];
        for _ in 0..100 {
            let dangling: f64 = (0..n)
                .filter(|&i| local.adjacency[i].is_empty())
                .map(|i| rank[i])
                .sum();
            let base = (1.0 - DAMPING) / n as f64 + DAMPING * dangling / n as f64;
            next.iter_mut().for_each(|x| *x = base);
            for (i, out) in local.adjacency.iter().enumerate() {
                if out.is_empty() {
                    continue;
                }
                budget.work(out.len() as u64)?;
                let share = DAMPING * rank[i] / out.len() as f64;
                for &j in out {
                    next[j as usize] += share;
                }
            }
            let delta: f64 = rank.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
            std::mem::swap(&mut rank, &mut next);
            if delta < 1e-10 {
                break;
            }
        }
        Ok(ranked(local.nodes.iter().zip(rank)))
    }

    /// Betweenness centrality (Brandes), normalised to 0–1, highest first: how often an entity
    /// lies on shortest paths between others — who brokers between whom.
    pub fn betweenness(
        &self,
        sub: &Subgraph,
        budget: &Budget,
    ) -> Result<Vec<(EntityIx, f64)>, GraphError> {
        let local = self.local(sub, budget)?;
        let n = local.nodes.len();
        let mut centrality = vec![0.0f64; n];
        let sources: Vec<usize> = if n <= EXACT_BETWEENNESS_LIMIT {
            (0..n).collect()
        } else {
            let step = n as f64 / BETWEENNESS_SAMPLES as f64;
            (0..BETWEENNESS_SAMPLES)
                .map(|i| (i as f64 * step) as usize)
                .collect()
        };
        let mut sigma = vec![0.0f64; n];
        let mut dist = vec![-1i64; n];
        let mut delta = vec![0.0f64; n];
        let mut preds: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut stack = Vec::with_capacity(n);
        let mut queue = std::collections::VecDeque::new();
        for &s in &sources {
            for v in &stack {
                let v = *v as usize;
                sigma[v] = 0.0;
                dist[v] = -1;
                delta[v] = 0.0;
                preds[v].clear();
            }
            stack.clear();
            sigma[s] = 1.0;
            dist[s] = 0;
            queue.push_back(s as u32);
            while let Some(v) = queue.pop_front() {
                stack.push(v);
                let v = v as usize;
                budget.work(local.adjacency[v].len() as u64 + 1)?;
                for &w in &local.adjacency[v] {
                    let w = w as usize;
                    if dist[w] < 0 {
                        dist[w] = dist[v] + 1;
                        queue.push_back(w as u32);
                    }
                    if dist[w] == dist[v] + 1 {
                        sigma[w] += sigma[v];
                        preds[w].push(v as u32);
                    }
                }
            }
            for &w in stack.iter().rev() {
                let w = w as usize;
                for &v in &preds[w] {
                    let v = v as usize;
                    delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
                }
                if w != s {
                    centrality[w] += delta[w];
                }
            }
        }
        // Undirected: each pair was counted from both ends; normalise by the number of pairs
        // not involving the node, and scale a sample up to all sources.
        let scale = if n > 2 {
            n as f64 / sources.len().max(1) as f64 / ((n - 1) as f64 * (n - 2) as f64)
        } else {
            0.0
        };
        Ok(ranked(
            local
                .nodes
                .iter()
                .zip(centrality.into_iter().map(|c| c * scale)),
        ))
    }

    /// Connected components of the subgraph, largest first (then by their first id); each
    /// lists its entities in id order.
    pub fn components(
        &self,
        sub: &Subgraph,
        budget: &Budget,
    ) -> Result<Vec<Vec<EntityIx>>, GraphError> {
        let local = self.local(sub, budget)?;
        let n = local.nodes.len();
        let mut component = vec![u32::MAX; n];
        let mut groups: Vec<Vec<EntityIx>> = Vec::new();
        for start in 0..n {
            if component[start] != u32::MAX {
                continue;
            }
            let id = groups.len() as u32;
            let mut members = Vec::new();
            let mut stack = vec![start];
            component[start] = id;
            while let Some(v) = stack.pop() {
                members.push(local.nodes[v]);
                budget.work(local.adjacency[v].len() as u64 + 1)?;
                for &w in &local.adjacency[v] {
                    if component[w as usize] == u32::MAX {
                        component[w as usize] = id;
                        stack.push(w as usize);
                    }
                }
            }
            members.sort_by(|a, b| self.entity(*a).id.cmp(self.entity(*b).id));
            groups.push(members);
        }
        groups.sort_by(|a, b| {
            b.len()
                .cmp(&a.len())
                .then_with(|| self.entity(a[0]).id.cmp(self.entity(b[0]).id))
        });
        Ok(groups)
    }
}

/// Scores sorted highest first, ties in entity order.
fn ranked<'a>(scores: impl Iterator<Item = (&'a EntityIx, f64)>) -> Vec<(EntityIx, f64)> {
    let mut list: Vec<(EntityIx, f64)> = scores.map(|(e, s)| (*e, s)).collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;
    use crate::graph::NewRelation;
    use crate::graph::testing::entity;
    use crate::model::RelationKind as K;

    /// Two vendors (a, b) each partnered with carrier c; c partnered with d; e alone.
    fn star() -> Graph {
        let mut g = GraphBuilder::new();
        let mut add = |id: &str, kind| entity(&mut g, id, kind);
        let a = add("a", EntityKind::Vendor);
        let b = add("b", EntityKind::Vendor);
        let c = add("c", EntityKind::Carrier);
        let d = add("d", EntityKind::Carrier);
        add("e", EntityKind::Vendor);
        for (x, y) in [(a, c), (b, c), (c, d)] {
            g.add_relation(NewRelation::bare(x, K::PartnersWith, y))
                .unwrap();
        }
        g.finish()
    }

    fn ids(g: &Graph, list: &[(EntityIx, f64)]) -> Vec<String> {
        list.iter()
            .map(|(e, s)| format!("{}={s:.3}", g.entity(*e).id))
            .collect()
    }

    #[test]
    fn the_hub_brokers_every_path() {
        let g = star();
        let b = g
            .betweenness(&Subgraph::default(), &Budget::unlimited(10_000))
            .unwrap();
        // Of the 6 pairs among the other four entities, c lies on the shortest path of a-b,
        // a-d and b-d; e's pairs have no path: 3 of 6.
        assert_eq!(ids(&g, &b)[0], "c=0.500");
        assert!(b[1..].iter().all(|(_, s)| *s == 0.0));
    }

    #[test]
    fn pagerank_sums_to_one_and_favours_the_hub() {
        let g = star();
        let pr = g
            .pagerank(&Subgraph::default(), &Budget::unlimited(10_000))
            .unwrap();
        let total: f64 = pr.iter().map(|(_, s)| s).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert_eq!(g.entity(pr[0].0).id, "c");
    }

    #[test]
    fn components_and_degree() {
        let g = star();
        let comps = g
            .components(&Subgraph::default(), &Budget::unlimited(10_000))
            .unwrap();
        let sizes: Vec<usize> = comps.iter().map(Vec::len).collect();
        assert_eq!(sizes, [4, 1]);
        let deg = g
            .degree_ranking(&Subgraph::default(), &Budget::unlimited(10_000))
            .unwrap();
        assert_eq!(ids(&g, &deg)[0], "c=3.000");
    }

    #[test]
    fn degree_counts_only_relations_inside_the_subgraph() {
        let g = star();
        let vendors_and_carriers = Subgraph {
            kinds: vec![EntityKind::Vendor, EntityKind::Carrier],
            ..Subgraph::default()
        };
        let carriers = Subgraph {
            kinds: vec![EntityKind::Carrier],
            ..Subgraph::default()
        };
        for sub in [Subgraph::default(), vendors_and_carriers, carriers] {
            let budget = Budget::unlimited(10_000);
            let local = g.local(&sub, &budget).unwrap();
            let walked = ranked(
                local
                    .nodes
                    .iter()
                    .zip(local.adjacency.iter().map(|a| a.len() as f64)),
            );
            assert_eq!(
                g.degree_ranking(&sub, &budget).unwrap(),
                walked,
                "{:?}",
                sub.kinds
            );
        }
        let carriers = Subgraph {
            kinds: vec![EntityKind::Carrier],
            ..Subgraph::default()
        };
        let only = g
            .degree_ranking(&carriers, &Budget::unlimited(10_000))
            .unwrap();
        assert_eq!(ids(&g, &only), ["c=1.000", "d=1.000"]);
    }

    #[test]
    fn a_small_budget_stops_the_work() {
        let g = star();
        assert_eq!(
            g.betweenness(&Subgraph::default(), &Budget::unlimited(3)),
            Err(GraphError::LimitExceeded(3))
        );
    }
}
