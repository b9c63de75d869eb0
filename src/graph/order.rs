//! Order without dates: facts a source places before or after others ("after the carriers
//! dropped it"). The order must have no cycle; a timeline places an undated fact at the latest
//! dated fact it follows.

use petgraph::algo::toposort;
use petgraph::graphmap::DiGraphMap;

use super::record::EntityIx;
use super::store::Graph;
use crate::model::DateBound;

/// A node of an order that makes a cycle, if any: `edges` are `(earlier, later)` pairs of node
/// numbers the caller chose.
pub fn order_cycle(edges: &[(u32, u32)]) -> Option<u32> {
    let mut order: DiGraphMap<u32, (), rustc_hash::FxBuildHasher> = DiGraphMap::default();
    for &(a, b) in edges {
        order.add_edge(a, b, ());
    }
    toposort(&order, None).err().map(|cycle| cycle.node_id())
}

impl Graph {
    /// The events an event or a relation's detail says came before it: its `after`, and the
    /// events that say they came `before` it are not followed (the order is read one way).
    fn predecessors(&self, event: EntityIx) -> &[EntityIx] {
        &self.entity_detail(event).after
    }

    /// The latest date among the facts an undated event follows (transitively): where a
    /// timeline places it. `None` when nothing it follows is dated.
    pub fn placed_date(&self, after: &[EntityIx]) -> Option<DateBound> {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack: Vec<EntityIx> = after.to_vec();
        let mut latest: Option<DateBound> = None;
        while let Some(e) = stack.pop() {
            if !seen.insert(e) {
                continue;
            }
            match self.entity_detail(e).date {
                Some(d) => {
                    if latest.is_none_or(|l| d.last_day() > l.last_day()) {
                        latest = Some(d);
                    }
                }
                None => stack.extend_from_slice(self.predecessors(e)),
            }
        }
        latest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_found_and_an_order_is_not() {
        assert_eq!(order_cycle(&[(1, 2), (2, 3)]), None);
        assert!(order_cycle(&[(1, 2), (2, 3), (3, 1)]).is_some());
    }
}
