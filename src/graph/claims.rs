//! Claims by parties: what a company, a person or a public body is reported to have said,
//! apart from what the reporting source finds itself, indexed by the party.

use rustc_hash::FxHashMap;

use super::record::{EntityIx, RelationIx};
use super::store::Graph;

/// One thing a party claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    /// A relation as a whole ("ZTE says the FCC regulates it").
    Relation(RelationIx),
    /// A step of a relation's status history.
    Step(RelationIx, usize),
    /// A relation's planned or reported end.
    PlannedEnd(RelationIx),
    /// A citation of a relation in the party's voice.
    RelationCitation(RelationIx, usize),
    /// An event as a whole (a company's own announcement).
    Event(EntityIx),
    /// An event's cause.
    Cause(EntityIx),
    /// A citation of an entity, or of one of its properties, in the party's voice: the
    /// entity, the property's position (`None` for the entity itself), the citation's.
    EntityCitation(EntityIx, Option<usize>, usize),
}

/// Every claim, by the party that makes it, each party's claims in a fixed order.
pub(crate) fn index(graph: &Graph) -> FxHashMap<EntityIx, Vec<Claim>> {
    let mut by: FxHashMap<EntityIx, Vec<Claim>> = FxHashMap::default();
    let mut add = |party: Option<EntityIx>, claim| {
        if let Some(p) = party {
            by.entry(p).or_default().push(claim);
        }
    };
    for r in graph.all_relations() {
        if graph.relation(r).detail == u32::MAX {
            continue;
        }
        let d = graph.relation_detail(r);
        add(d.claimed_by, Claim::Relation(r));
        for (i, s) in d.status_history.iter().enumerate() {
            add(s.claimed_by, Claim::Step(r, i));
        }
        if let Some(p) = &d.planned_end {
            add(p.claimed_by, Claim::PlannedEnd(r));
        }
        for (i, c) in d.sources.iter().enumerate() {
            add(c.claimed_by, Claim::RelationCitation(r, i));
        }
    }
    for &e in graph.entities_of(None) {
        let d = graph.entity_detail(e);
        add(d.claimed_by, Claim::Event(e));
        add(d.cause.as_ref().and_then(|c| c.claimed_by), Claim::Cause(e));
        for (i, c) in d.sources.iter().enumerate() {
            add(c.claimed_by, Claim::EntityCitation(e, None, i));
        }
        for (p, property) in d.property_sources.iter().enumerate() {
            for (i, c) in property.sources.iter().enumerate() {
                add(c.claimed_by, Claim::EntityCitation(e, Some(p), i));
            }
        }
    }
    for claims in by.values_mut() {
        claims.sort_unstable();
        claims.dedup();
    }
    by
}

impl Graph {
    /// What `party` is reported to claim: relations, status steps, planned ends, events,
    /// causes and citations in its voice.
    pub fn claims_by(&self, party: EntityIx) -> &[Claim] {
        self.claims.get(&party).map_or(&[], Vec::as_slice)
    }
}
