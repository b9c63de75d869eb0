//! Relations as GraphQL sees them, with the evidence and time types they carry, the shared
//! `RelationFilter` input, and Relay connections.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::Store;
use super::date::{Date, FuzzyDate, Validity, fuzzy};
use super::engine::list::{List, Objects, One};
use super::entity::{Entity, entity};
use super::enums::{Direction, Measure, Presence, RelationKind, Status};
use super::error::{bad_input, graph_error};
use super::evidence::{Citation, StatusChange, citations};
use super::page::{RelationConnection, relation_page};
use crate::graph::{self, EntityIx, Hop, RelationView};
use crate::model::{self, Day};

/// Which relations count, by time, evidence and scope. Shared by every relation-returning field.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RelationFilter {
    /// Only relations in force on this day: `2018-01-09`, or a partial date meaning its last day
    /// ("as of 2018" is as of 2018-12-31). Status is read as of the same day.
    pub as_of: Option<Date>,
    /// With `asOf`, also relations possibly in force then (their `presence` says `POSSIBLE`).
    #[graphql(default)]
    pub include_possible: bool,
    /// With `asOf`, also relations pending then: rumoured, planned, announced, proposed, a
    /// bill on its way (their `presence` says `PLANNED`). Never counted as in force.
    #[graphql(default)]
    pub include_planned: bool,
    /// With `asOf`, also relations over then: ended, cancelled (even while planned), lifted,
    /// suspended, or past their end (their `presence` says `ENDED`).
    #[graphql(default)]
    pub include_ended: bool,
    /// Only relations believed at least this much (0–1).
    pub min_confidence: Option<f64>,
    /// Only relations citing at least one source.
    #[graphql(default)]
    pub sourced_only: bool,
    /// Only relations whose status (as of `asOf`, else the latest) is one of these.
    pub statuses: Option<Vec<Status>>,
    /// With `statuses`, also relations that have no status (as of `asOf`).
    #[graphql(default)]
    pub include_unstated: bool,
    /// No relation whose status (as of `asOf`, else the latest) is one of these ("not
    /// cancelled"); relations without a status pass.
    pub exclude_statuses: Option<Vec<Status>>,
    /// Only relations scoped to this market (by id).
    pub market: Option<ID>,
}

/// The graph filter for a field's kinds, direction and shared filter.
pub(crate) fn relation_filter(
    store: &Store,
    kinds: Option<Vec<RelationKind>>,
    direction: Option<Direction>,
    filter: Option<&RelationFilter>,
) -> Result<graph::RelationFilter> {
    let kinds: Vec<model::RelationKind> = kinds.into_iter().flatten().map(Into::into).collect();
    let direction = direction.map_or(graph::Direction::Both, Into::into);
    filter
        .cloned()
        .unwrap_or_default()
        .to_graph(store, &kinds, direction)
}

impl RelationFilter {
    pub(crate) fn to_graph(
        &self,
        store: &Store,
        kinds: &[model::RelationKind],
        direction: graph::Direction,
    ) -> Result<graph::RelationFilter> {
        let min_confidence = self.min_confidence.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&min_confidence) {
            return Err(bad_input(format!(
                "minConfidence must be between 0 and 1, not {min_confidence}"
            )));
        }
        let market = match &self.market {
            None => None,
            Some(id) => Some(store.graph.require(id).map_err(graph_error)?),
        };
        Ok(graph::RelationFilter {
            kinds: kinds.to_vec(),
            direction,
            as_of: self.as_of.map(Date::last_day),
            include_possible: self.include_possible,
            include_planned: self.include_planned,
            include_ended: self.include_ended,
            min_confidence: min_confidence as f32,
            sourced_only: self.sourced_only,
            statuses: self
                .statuses
                .iter()
                .flatten()
                .map(|s| (*s).into())
                .collect(),
            include_unstated: self.include_unstated,
            excluded_statuses: self
                .exclude_statuses
                .iter()
                .flatten()
                .map(|s| (*s).into())
                .collect(),
            market,
        })
    }
}

/// A relation between two entities, with when it holds, where it stands and why we believe it.
#[derive(Clone)]
pub struct Relation {
    pub(crate) store: Store,
    pub(crate) view: RelationView,
}

impl Relation {
    /// The relation `hop` reaches from `from`, as of `as_of`.
    pub(crate) fn from_hop(store: &Store, from: EntityIx, hop: Hop, as_of: Option<Day>) -> Self {
        Relation {
            store: store.clone(),
            view: store.graph.view(from, hop, as_of),
        }
    }

    /// A relation not reached from either end, with its presence on `as_of`.
    pub(crate) fn alone(
        store: &Store,
        relation: graph::RelationIx,
        presence: model::Presence,
        as_of: Option<Day>,
    ) -> Self {
        Relation {
            store: store.clone(),
            view: store.graph.view_alone(relation, presence, as_of),
        }
    }

    fn record(&self) -> &graph::RelationRecord {
        self.store.graph.relation(self.view.relation)
    }

    fn detail(&self) -> &graph::RelationDetail {
        self.store.graph.relation_detail(self.view.relation)
    }
}

/// A relation between two entities, with when it holds, where it stands and why we believe it.
#[Object(serial)]
impl Relation {
    /// A stable id: `from:kind:to#n`, n counting several claims of the same kind between the
    /// same ends from 0.
    async fn id(&self) -> ID {
        ID(self.store.graph.relation_id(self.view.relation))
    }
    /// What the relation says.
    async fn kind(&self) -> RelationKind {
        self.record().kind.into()
    }
    /// The `from` end (for a symmetric relation, one end chosen once).
    async fn from(&self) -> Entity {
        entity(&self.store, self.record().from)
    }
    /// The `to` end.
    async fn to(&self) -> Entity {
        entity(&self.store, self.record().to)
    }
    /// The end other than the entity this relation was reached from (null at the top level).
    async fn other(&self) -> Option<Entity> {
        let other = self.store.graph.other_end(&self.view);
        other.map(|e| entity(&self.store, e))
    }
    /// Which way the relation goes from the entity it was reached from (null at the top level).
    async fn direction(&self) -> Option<Direction> {
        self.view.seen_from.map(|(_, outgoing)| {
            if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            }
        })
    }
    /// Its start and end as curated, with the source's words when it gives them relative to
    /// another date; where none is curated, its sources' dates and status say when it is in
    /// force (`presence`).
    async fn validity(&self) -> One<Validity> {
        let v = self.store.graph.validity(self.view.relation);
        let d = self.detail();
        One(Validity {
            from: super::date::worded(v.from, d.from_wording.as_ref()),
            until: super::date::worded(v.until, d.until_wording.as_ref()),
        })
    }
    /// When it is in force by the time rule (curated dates, status steps, its sources' dates,
    /// when its ends came to exist): the days it may and surely started, and may and surely
    /// ended. Null bounds are open; `never` when it never came into force.
    async fn in_force(&self) -> One<InForce> {
        let w = self.record().window;
        let day =
            |d: Day, open: Day| (d != open).then(|| model::PartialDate::from_day(d).to_string());
        let never = w == model::Window::NEVER;
        One(InForce {
            never,
            possibly_from: if never {
                None
            } else {
                day(w.started_possibly, Day::MIN)
            },
            surely_from: if never {
                None
            } else {
                day(w.started_surely, Day::MIN)
            },
            surely_until: if never {
                None
            } else {
                day(w.ends_earliest, Day::MAX)
            },
            possibly_until: if never {
                None
            } else {
                day(w.ends_latest, Day::MAX)
            },
        })
    }
    /// Whether it holds on the `asOf` day asked for; `SURE` when no day was asked.
    async fn presence(&self) -> Presence {
        self.view.presence.into()
    }
    /// The status as of the `asOf` day asked for (else the latest), if it has a history.
    async fn status(&self) -> Option<One<StatusChange>> {
        self.store.graph.status(&self.view).map(|c| {
            One(StatusChange {
                store: self.store.clone(),
                change: c.clone(),
            })
        })
    }
    /// Every status it has had, in date order.
    async fn status_history(&self) -> Objects<StatusChange> {
        self.detail()
            .status_history
            .iter()
            .map(|c| StatusChange {
                store: self.store.clone(),
                change: c.clone(),
            })
            .collect()
    }
    /// How far it is believed, 0–1 (1 unless a source hedges: "reports suggest…").
    async fn confidence(&self) -> f64 {
        decimal(self.record().confidence)
    }
    /// Whether no source supports it (curators must mark such relations explicitly).
    async fn unsourced(&self) -> bool {
        self.record().unsourced
    }
    /// The sources supporting it, with quotes (for a bulk row: the file it came from).
    async fn sources(&self) -> List<Citation> {
        citations(
            &self.store,
            &self.store.graph.relation_citations(self.view.relation),
        )
    }
    /// The market it is scoped to ("sells in the US"), if any.
    async fn market(&self) -> Option<Entity> {
        self.detail().market.map(|m| entity(&self.store, m))
    }
    /// A role: chairman, CEO, speaker…
    async fn role(&self) -> Option<&str> {
        self.detail().role.as_deref()
    }
    /// A rank in a market (1 = largest).
    async fn rank(&self) -> Option<u32> {
        self.detail().rank
    }
    /// A share of a market, 0–1.
    async fn share(&self) -> Option<f64> {
        self.detail().share.map(decimal)
    }
    /// The period a rank or share is for.
    async fn period(&self) -> Option<One<FuzzyDate>> {
        fuzzy(self.detail().period)
    }
    /// The target date of a plan.
    async fn target(&self) -> Option<One<FuzzyDate>> {
        fuzzy(self.detail().target)
    }
    /// A qualitative note from the source.
    async fn note(&self) -> Option<&str> {
        self.detail().note.as_deref()
    }
    /// What a restriction is: a ban, a sanction, a denial order…
    async fn measure(&self) -> Option<Measure> {
        self.detail().measure.map(Into::into)
    }
    /// A restriction's terms, as its source gives them.
    async fn terms(&self) -> Option<&str> {
        self.detail().terms.as_deref()
    }
    /// Events a source says it began after, where no date says so ("after the carriers dropped
    /// it").
    async fn after(&self) -> List<Entity> {
        self.detail()
            .after
            .iter()
            .map(|&e| entity(&self.store, e))
            .collect()
    }
    /// Events a source says it came before, where no date says so.
    async fn before(&self) -> List<Entity> {
        self.detail()
            .before
            .iter()
            .map(|&e| entity(&self.store, e))
            .collect()
    }
    /// Amounts of money it involves (a deal's value, a penalty), exact.
    async fn amounts(&self) -> List<super::quantity::Amount> {
        super::quantity::amounts(&self.detail().amounts)
    }
    /// How long it is to last (a ban's term), as its source gives it.
    async fn duration(&self) -> Option<One<super::quantity::Duration>> {
        super::quantity::duration(self.detail().duration)
    }
    /// The party that claims the relation ("ZTE says it is regulated by…"), apart from the
    /// sources that report it; null when the sources state it themselves.
    async fn claimed_by(&self) -> Option<Entity> {
        self.detail().claimed_by.map(|p| entity(&self.store, p))
    }
    /// An end reported or planned while it is in force ("will stop selling in the coming
    /// weeks"), with its confidence and sources.
    async fn planned_end(&self) -> Option<One<super::evidence::PlannedEnd>> {
        self.detail().planned_end.clone().map(|end| {
            One(super::evidence::PlannedEnd {
                store: self.store.clone(),
                end,
                as_of: self.view.as_of,
            })
        })
    }
    /// A one-line reading of the relation with its dates, status and sources.
    async fn explanation(&self) -> String {
        self.store.graph.explanation(&self.view)
    }
    /// Where it is defined in the seed data (`file:line:column`).
    async fn origin(&self) -> &str {
        &self.detail().origin
    }
}

/// A stored `f32` as the decimal a curator wrote (0.6, not 0.6000000238418579).
pub(crate) fn decimal(value: f32) -> f64 {
    (f64::from(value) * 1e6).round() / 1e6
}

/// The relations of `from` passing a filter, as GraphQL relations.
pub(crate) fn relations_of(
    ctx: &Context<'_>,
    from: EntityIx,
    kinds: &[model::RelationKind],
    direction: graph::Direction,
    filter: Option<&RelationFilter>,
) -> Result<Vec<Relation>> {
    let store = ctx.data_unchecked::<Store>();
    let default = RelationFilter::default();
    let filter = filter
        .unwrap_or(&default)
        .to_graph(store, kinds, direction)?;
    Ok(store
        .graph
        .relations_of(from, &filter)
        .map(|hop| Relation::from_hop(store, from, hop, filter.as_of))
        .collect())
}

/// A page of the relations of `from` passing a filter (see [`relation_page`]).
pub(crate) fn relations_page_of(
    store: &Store,
    from: EntityIx,
    filter: &graph::RelationFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<RelationConnection> {
    relation_page(
        store.graph.relations_of(from, filter),
        first,
        after,
        |hop| Relation::from_hop(store, from, hop, filter.as_of),
    )
}

/// When a relation is in force by the time rule: ISO 8601 days, null where open.
#[derive(async_graphql::SimpleObject, Clone)]
#[graphql(serial)]
pub struct InForce {
    /// Whether it never came into force (a plan cancelled while planned).
    pub never: bool,
    /// The first day it may have started.
    pub possibly_from: Option<String>,
    /// The first day it had surely started.
    pub surely_from: Option<String>,
    /// The first day it may have ended: before it, surely still in force.
    pub surely_until: Option<String>,
    /// The first day it had surely ended.
    pub possibly_until: Option<String>,
}
