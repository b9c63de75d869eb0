//! Quantities as GraphQL sees them: amounts of money (exact decimals as strings, with their
//! currency) and durations, and the amounts around an entity with their totals by currency.

use async_graphql::{Object, SimpleObject};

use super::Store;
use super::engine::list::{List, One};
use super::entity::{Entity, entity};
use super::relation::Relation;
use crate::graph::{self, Holder};
use crate::model;

/// An amount of money, exact: never converted between currencies.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Amount {
    /// The value as a decimal string (`"1000000000"`, `"1.4"`): exact, never rounded.
    pub value: String,
    /// The currency's ISO 4217 code (`USD`).
    pub currency: String,
    /// What the amount is (`fine`, `escrow`), as the source says.
    pub what: Option<String>,
}

impl From<&model::Amount> for Amount {
    fn from(a: &model::Amount) -> Self {
        Amount {
            value: a.value.to_string(),
            currency: a.currency.code().to_owned(),
            what: a.what.clone(),
        }
    }
}

pub(crate) fn amounts(list: &[model::Amount]) -> List<Amount> {
    list.iter().map(Amount::from).collect()
}

/// A duration, as ISO 8601 gives it (`P7Y`) and in its parts.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Duration {
    /// The ISO 8601 text: `P7Y`, `P1Y6M`.
    pub text: String,
    /// Whole years.
    pub years: u32,
    /// Whole months.
    pub months: u32,
    /// Whole days.
    pub days: u32,
}

pub(crate) fn duration(d: Option<model::Duration>) -> Option<One<Duration>> {
    d.map(|d| {
        One(Duration {
            text: d.to_string(),
            years: d.years,
            months: d.months,
            days: d.days,
        })
    })
}

/// One amount about an entity, with what gives it.
#[derive(Clone)]
pub struct AmountItem {
    pub(crate) store: Store,
    pub(crate) holder: Holder,
    pub(crate) index: usize,
}

/// One amount about an entity, with what gives it.
#[Object(serial)]
impl AmountItem {
    /// The amount.
    async fn amount(&self) -> One<Amount> {
        One(Amount::from(
            &self.store.graph.amounts_of(self.holder)[self.index],
        ))
    }
    /// The event that gives it, if an event does.
    async fn event(&self) -> Option<Entity> {
        match self.holder {
            Holder::Event(e) => Some(entity(&self.store, e)),
            Holder::Relation(_) => None,
        }
    }
    /// The relation that gives it, if a relation does.
    async fn relation(&self) -> Option<One<Relation>> {
        match self.holder {
            Holder::Relation(r) => Some(One(Relation::alone(
                &self.store,
                r,
                model::Presence::Sure,
                None,
            ))),
            Holder::Event(_) => None,
        }
    }
}

/// The sum of amounts in one currency.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct AmountTotal {
    /// The currency's ISO 4217 code.
    pub currency: String,
    /// The exact sum, as a decimal string.
    pub value: String,
    /// How many amounts were added.
    pub count: u64,
}

/// The amounts around an entity, and their sums by currency.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct AmountReport {
    /// Every amount: the entity's own (an event's), its relations', those of the events it
    /// took part in.
    pub items: List<AmountItem>,
    /// Their sums, one per currency, in currency-code order; currencies are never converted.
    pub totals: List<AmountTotal>,
}

pub(crate) fn report(store: &Store, about: graph::EntityIx, what: Option<&str>) -> AmountReport {
    let found = store.graph.amounts_about(about, what);
    let totals = model::totals(found.iter().map(|&(h, i)| &store.graph.amounts_of(h)[i]));
    AmountReport {
        items: found
            .into_iter()
            .map(|(holder, index)| AmountItem {
                store: store.clone(),
                holder,
                index,
            })
            .collect(),
        totals: totals
            .into_iter()
            .map(|(c, v, n)| AmountTotal {
                currency: c.code().to_owned(),
                value: v.to_string(),
                count: n as u64,
            })
            .collect(),
    }
}
