//! Evidence as GraphQL sees it: citations with their quotes, status steps, the sources of
//! single properties, what a document supports, and an event's reported cause.

use async_graphql::{Object, SimpleObject};

use super::Store;
use super::date::FuzzyDate;
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
    /// The party whose claim the source reports ("ZTE said"), when the source names one.
    async fn claimed_by(&self) -> Option<Entity> {
        self.citation.claimed_by.map(|p| entity(&self.store, p))
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
    /// When it changed, if known, with the source's words when it gives the date relative to
    /// another.
    async fn date(&self) -> Option<One<FuzzyDate>> {
        super::date::worded(self.change.date, self.change.wording.as_ref())
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
    /// The party that claims this step, apart from the sources that report it.
    async fn claimed_by(&self) -> Option<Entity> {
        self.change.claimed_by.map(|p| entity(&self.store, p))
    }
}

/// An end a relation still in force is reported or planned to have ("will stop selling in the
/// coming weeks").
#[derive(Clone)]
pub struct PlannedEnd {
    pub(crate) store: Store,
    pub(crate) end: graph::PlannedEnd,
    pub(crate) as_of: Option<crate::model::Day>,
}

/// An end a relation still in force is reported or planned to have.
#[Object(serial)]
impl PlannedEnd {
    /// When it is to take effect.
    async fn date(&self) -> One<FuzzyDate> {
        One(FuzzyDate(self.end.date, self.end.wording.clone()))
    }
    /// Whether it is still ahead on the day asked (`asOf`), or with no day asked.
    async fn ahead(&self) -> bool {
        self.as_of.is_none_or(|day| day < self.end.date.first_day())
    }
    /// How far the report is believed, 0–1.
    async fn confidence(&self) -> f64 {
        decimal(self.end.confidence)
    }
    /// The party that announced it, if named.
    async fn claimed_by(&self) -> Option<Entity> {
        self.end.claimed_by.map(|p| entity(&self.store, p))
    }
    /// Where it was reported.
    async fn sources(&self) -> List<Citation> {
        citations(&self.store, &self.end.sources)
    }
}

/// What kind of thing a party claims.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimKind {
    /// A relation as a whole.
    Relation,
    /// A step of a relation's status history.
    StatusChange,
    /// A relation's planned or reported end.
    PlannedEnd,
    /// A quote supporting a relation, in the party's voice.
    RelationQuote,
    /// An event as a whole.
    Event,
    /// An event's cause.
    Cause,
    /// A quote supporting an entity or one of its properties, in the party's voice.
    EntityQuote,
}

/// Something a party is reported to claim, with the sources that report it.
#[derive(Clone)]
pub struct Claim {
    pub(crate) store: Store,
    pub(crate) claim: graph::Claim,
}

/// Something a party is reported to claim, with the sources that report it.
#[Object(serial)]
impl Claim {
    /// What kind of claim it is.
    async fn kind(&self) -> ClaimKind {
        match self.claim {
            graph::Claim::Relation(_) => ClaimKind::Relation,
            graph::Claim::Step(..) => ClaimKind::StatusChange,
            graph::Claim::PlannedEnd(_) => ClaimKind::PlannedEnd,
            graph::Claim::RelationCitation(..) => ClaimKind::RelationQuote,
            graph::Claim::Event(_) => ClaimKind::Event,
            graph::Claim::Cause(_) => ClaimKind::Cause,
            graph::Claim::EntityCitation(..) => ClaimKind::EntityQuote,
        }
    }
    /// The relation claimed, or whose step, end or quote is.
    async fn relation(&self) -> Option<One<Relation>> {
        use graph::Claim as C;
        match self.claim {
            C::Relation(r) | C::Step(r, _) | C::PlannedEnd(r) | C::RelationCitation(r, _) => {
                Some(One(Relation::alone(
                    &self.store,
                    r,
                    crate::model::Presence::Sure,
                    None,
                )))
            }
            _ => None,
        }
    }
    /// The event or entity claimed, or whose cause or property is.
    async fn entity(&self) -> Option<Entity> {
        use graph::Claim as C;
        match self.claim {
            C::Event(e) | C::Cause(e) | C::EntityCitation(e, ..) => Some(entity(&self.store, e)),
            _ => None,
        }
    }
    /// The property, for a quote about one (`founded`, `date`…).
    async fn property(&self) -> Option<&str> {
        match self.claim {
            graph::Claim::EntityCitation(e, Some(p), _) => Some(
                self.store.graph.entity_detail(e).property_sources[p]
                    .property
                    .as_str(),
            ),
            _ => None,
        }
    }
    /// The status step, for a claimed step.
    async fn status_change(&self) -> Option<One<StatusChange>> {
        match self.claim {
            graph::Claim::Step(r, i) => Some(One(StatusChange {
                store: self.store.clone(),
                change: self.store.graph.relation_detail(r).status_history[i].clone(),
            })),
            _ => None,
        }
    }
    /// The sources that report the claim, with their quotes.
    async fn sources(&self) -> List<Citation> {
        use graph::Claim as C;
        let g = &self.store.graph;
        let list: Vec<graph::Citation> = match self.claim {
            C::Relation(r) => g.relation_detail(r).sources.clone(),
            C::Step(r, i) => g.relation_detail(r).status_history[i].sources.clone(),
            C::PlannedEnd(r) => g
                .relation_detail(r)
                .planned_end
                .as_ref()
                .map(|p| p.sources.clone())
                .unwrap_or_default(),
            C::RelationCitation(r, i) => vec![g.relation_detail(r).sources[i].clone()],
            C::Event(e) => g.entity_detail(e).sources.clone(),
            C::Cause(e) => g
                .entity_detail(e)
                .cause
                .as_ref()
                .map(|c| c.sources.clone())
                .unwrap_or_default(),
            C::EntityCitation(e, None, i) => vec![g.entity_detail(e).sources[i].clone()],
            C::EntityCitation(e, Some(p), i) => {
                vec![g.entity_detail(e).property_sources[p].sources[i].clone()]
            }
        };
        citations(&self.store, &list)
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
    /// The party that claims it, apart from the sources that report it.
    async fn claimed_by(&self) -> Option<Entity> {
        self.cause.claimed_by.map(|p| entity(&self.store, p))
    }
}

/// A text that holds every word searched for, with what it belongs to.
#[derive(Clone)]
pub struct TextHit {
    pub(crate) store: Store,
    pub(crate) hit: graph::TextHit,
}

/// A text that holds every word searched for, with what it belongs to.
#[Object(serial)]
impl TextHit {
    /// The entity the text belongs to, for an entity's text.
    async fn entity(&self) -> Option<Entity> {
        match self.hit.place.holder {
            graph::TextHolder::Entity(e) => Some(entity(&self.store, e)),
            graph::TextHolder::Relation(_) => None,
        }
    }
    /// The relation the text belongs to, for a relation's text (its note, role, terms or a
    /// quote of its sources or status steps).
    async fn relation(&self) -> Option<One<Relation>> {
        match self.hit.place.holder {
            graph::TextHolder::Relation(r) => Some(One(Relation::alone(
                &self.store,
                r,
                crate::model::Presence::Sure,
                None,
            ))),
            graph::TextHolder::Entity(_) => None,
        }
    }
    /// Which text it is.
    async fn field(&self) -> super::enums::TextField {
        self.hit.place.field.into()
    }
    /// The text, whole, as curated.
    async fn text(&self) -> &str {
        self.store.graph.text_at(self.hit.place).unwrap_or_default()
    }
    /// How well it matched: higher is better; comparable within one answer only.
    async fn score(&self) -> f64 {
        (self.hit.score * 1000.0).round() / 1000.0
    }
}
