//! Evidence: what each source supports, and every source behind an entity or a relation.

use rustc_hash::FxHashMap;

use super::record::{Citation, EntityIx, RelationDetail, RelationIx, RelationRecord};
use super::store::{Direction, Graph};
use super::table::EntityTable;

/// What one source supports.
#[derive(Debug, Default)]
pub struct Citing {
    /// Entities citing it for themselves or a property, in id order.
    pub entities: Vec<EntityIx>,
    /// Relations citing it, themselves or in a status step, in store order.
    pub relations: Vec<RelationIx>,
}

impl Graph {
    /// What supports a relation: its curated citations, or the shared source it names.
    pub fn relation_citations(&self, ix: RelationIx) -> std::borrow::Cow<'_, [Citation]> {
        let rec = self.relation(ix);
        match (rec.detail, rec.source) {
            (u32::MAX, 0) => std::borrow::Cow::Borrowed(&[]),
            (u32::MAX, shared) => std::borrow::Cow::Owned(vec![Citation::of(
                self.shared_sources[shared as usize - 1],
                None,
            )]),
            _ => std::borrow::Cow::Borrowed(&self.relation_details[rec.detail as usize].sources),
        }
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
        let mut sources: Vec<EntityIx> = self.entity_detail(entity).cited_sources().collect();
        for hop in self.hops(entity, Direction::Both) {
            let rd = self.relation_detail(hop.relation);
            sources.extend(
                self.relation_citations(hop.relation)
                    .iter()
                    .map(|c| c.source),
            );
            sources.extend(
                rd.status_history
                    .iter()
                    .flat_map(|s| &s.sources)
                    .map(|c| c.source),
            );
        }
        sources.sort_by(|a, b| self.entity(*a).id.cmp(self.entity(*b).id));
        sources.dedup();
        sources
    }
}

/// Indexes who cites each source.
pub(super) fn cited_by(
    entities: &EntityTable,
    relations: &[RelationRecord],
    details: &[RelationDetail],
    sorted: &[EntityIx],
) -> FxHashMap<EntityIx, Citing> {
    let mut index: FxHashMap<EntityIx, Citing> = FxHashMap::default();
    for &e in sorted {
        let Some(d) = entities.detail(e) else {
            continue;
        };
        let mut sources: Vec<EntityIx> = d.cited_sources().collect();
        sources.sort();
        sources.dedup();
        for s in sources {
            index.entry(s).or_default().entities.push(e);
        }
    }
    for (i, r) in relations.iter().enumerate() {
        if r.detail == u32::MAX {
            continue;
        }
        let d = &details[r.detail as usize];
        let mut sources: Vec<EntityIx> = d.cited_sources().collect();
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
