//! The amounts of money around an entity: on it (an event), on its relations, and on the
//! events it took part in.

use super::RelationFilter;
use super::record::{EntityIx, RelationIx};
use super::store::Graph;
use crate::model::{Amount, RelationKind};

/// What holds an amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// An event.
    Event(EntityIx),
    /// A relation.
    Relation(RelationIx),
}

impl Graph {
    /// The amounts a holder gives.
    pub fn amounts_of(&self, holder: Holder) -> &[Amount] {
        match holder {
            Holder::Event(e) => &self.entity_detail(e).amounts,
            Holder::Relation(r) => &self.relation_detail(r).amounts,
        }
    }

    /// Every amount about `entity`, each with its holder and position, those whose `what` is
    /// `what` (ignoring case) when given: the entity's own (if an event), then its relations',
    /// then those of the events it took part in, each in store order.
    pub fn amounts_about(&self, entity: EntityIx, what: Option<&str>) -> Vec<(Holder, usize)> {
        let mut holders = vec![Holder::Event(entity)];
        let all = RelationFilter::default();
        let mut events = Vec::new();
        for hop in self.relations_of(entity, &all) {
            holders.push(Holder::Relation(hop.relation));
            if hop.outgoing && self.relation(hop.relation).kind == RelationKind::ParticipantIn {
                events.push(Holder::Event(hop.other));
            }
        }
        holders.extend(events);
        holders.dedup();
        holders
            .into_iter()
            .flat_map(|h| {
                self.amounts_of(h)
                    .iter()
                    .enumerate()
                    .filter(move |(_, a)| {
                        what.is_none_or(|w| {
                            a.what.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(w))
                        })
                    })
                    .map(move |(i, _)| (h, i))
            })
            .collect()
    }
}
