//! Evidence as GraphQL sees it: citations with their quotes, status steps, the sources of
//! single properties, what a document supports, and an event's reported cause.

use async_graphql::{Object, SimpleObject};

use super::Store;
use super::date::{FuzzyDate, fuzzy};
use super::engine::list::{List, Objects, One};
use super::entity::{Entity, entity};
use super::enums::Status;
use super::relation::{Relation, decimal};
use crate::graph;

/// A source supporting a fact, with a short quote from it.
#[derive(Clone)]
pub struct Citation {
    pub(crate) store: Store,
    pub(crate) citation: graph::Citation,
}

/// A source supporting a fact, with a short quote from it.
#[Object(serial)]
impl Citation {
    /// The document.
    async fn source(&self) -> Entity {
        entity(&self.store, self.citation.source)
    }
    /// A quote of at most two sentences, when one was recorded.
    async fn quote(&self) -> Option<&str> {
        self.citation.quote.as_deref()
    }
}

pub(crate) fn citations(store: &Store, list: &[graph::Citation]) -> List<Citation> {
    list.iter()
        .map(|c| Citation {
            store: store.clone(),
            citation: c.clone(),
        })
        .collect()
}

/// A step in a relation's status history.
#[derive(Clone)]
pub struct StatusChange {
    pub(crate) store: Store,
    pub(crate) change: graph::StatusChange,
}

/// A step in a relation's status history.
#[Object(serial)]
impl StatusChange {
    /// The status from this date on.
    async fn status(&self) -> Status {
        self.change.status.into()
    }
    /// When it changed, if known.
    async fn date(&self) -> Option<One<FuzzyDate>> {
        fuzzy(self.change.date)
    }
    /// The event that changed it, if recorded.
    async fn event(&self) -> Option<Entity> {
        self.change.event.map(|e| entity(&self.store, e))
    }
    /// What supports this step.
    async fn sources(&self) -> List<Citation> {
        citations(&self.store, &self.change.sources)
    }
    /// How far this step is believed, 0–1 (1 unless its sources are in doubt).
    async fn confidence(&self) -> f64 {
        super::relation::decimal(self.change.confidence)
    }
}

/// A citable property with the sources that support it.
#[derive(Clone)]
pub struct PropertySource {
    pub(crate) store: Store,
    pub(crate) property: graph::PropertyCitation,
}

/// A citable property with the sources that support it.
#[Object(serial)]
impl PropertySource {
    /// The property's name, as in the seed files (`founded`, `date`, …).
    async fn property(&self) -> &str {
        &self.property.property
    }
    /// What supports it.
    async fn sources(&self) -> List<Citation> {
        citations(&self.store, &self.property.sources)
    }
}

/// Everything a document supports.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Supports {
    /// Entities citing it for themselves or one of their properties, in id order.
    pub entities: List<Entity>,
    /// Relations citing it, themselves or in a status step.
    pub relations: Objects<Relation>,
}

/// An event's reported cause, weighed on its own.
#[derive(Clone)]
pub struct Cause {
    pub(crate) store: Store,
    pub(crate) cause: graph::Cause,
}

/// An event's reported cause, weighed on its own.
#[Object(serial)]
impl Cause {
    /// What is reported to have caused it.
    async fn text(&self) -> &str {
        &self.cause.text
    }
    /// How far the report is believed, 0–1.
    async fn confidence(&self) -> f64 {
        decimal(self.cause.confidence)
    }
    /// Where it was reported.
    async fn sources(&self) -> List<Citation> {
        citations(&self.store, &self.cause.sources)
    }
}
