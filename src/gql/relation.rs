//! Relations as GraphQL sees them, with the evidence and time types they carry, the shared
//! `RelationFilter` input, and Relay connections.

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, Result, SimpleObject};
use base64::Engine as _;

use super::Store;
use super::date::Date;
use super::engine::list::{List, Objects, One};
use super::entity::{Entity, entity};
use super::enums::{Direction, Precision, Presence, RelationKind, Status};
use super::error::{bad_input, graph_error};
use crate::graph::{self, EntityIx, Hop, RelationView};
use crate::model::{self, DateBound, Day, PartialDate};

/// The most items one page may hold.
pub const MAX_PAGE: i32 = 100;
/// The page size when `first` is not given.
pub const DEFAULT_PAGE: i32 = 20;

/// A date known to some precision, or a range of such dates ("end 2018 or early 2019").
#[derive(Clone, Copy, Debug)]
pub struct FuzzyDate(pub(crate) DateBound);

/// A date known to some precision, or a range of such dates ("end 2018 or early 2019").
#[Object(serial)]
impl FuzzyDate {
    /// The date as curated: `2018`, `2018-Q4`, `2018-01`, `2018-01-09`, or a range `A..B`.
    async fn text(&self) -> String {
        self.0.to_string()
    }
    /// The first day it may be (ISO 8601).
    async fn earliest(&self) -> String {
        PartialDate::from_day(self.0.first_day()).to_string()
    }
    /// The last day it may be (ISO 8601).
    async fn latest(&self) -> String {
        PartialDate::from_day(self.0.last_day()).to_string()
    }
    /// How precisely it is known (of the earliest reading, for a range).
    async fn precision(&self) -> Precision {
        self.0.earliest.precision().into()
    }
    /// Whether it is a range of readings rather than one partial date.
    async fn is_range(&self) -> bool {
        !self.0.is_single()
    }
}

/// A stored `f32` as the decimal a curator wrote (0.6, not 0.6000000238418579).
pub(crate) fn decimal(value: f32) -> f64 {
    (f64::from(value) * 1e6).round() / 1e6
}

pub(crate) fn fuzzy(d: Option<DateBound>) -> Option<One<FuzzyDate>> {
    d.map(|d| One(FuzzyDate(d)))
}

/// When a relation holds: half-open `[from, until)`; an absent bound is open.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct Validity {
    /// When it started; null means in force since ever.
    pub from: Option<One<FuzzyDate>>,
    /// The first day it no longer held; null means until further notice.
    pub until: Option<One<FuzzyDate>>,
}

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
    store: Store,
    change: graph::StatusChange,
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
}

/// Which relations count, by time, evidence and scope. Shared by every relation-returning field.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RelationFilter {
    /// Only relations in force on this day: `2018-01-09`, or a partial date meaning its last day
    /// ("as of 2018" is as of 2018-12-31). Status is read as of the same day.
    pub as_of: Option<Date>,
    /// With `asOf`, also relations possibly in force then (their `presence` says `POSSIBLE`).
    #[graphql(default)]
    pub include_possible: bool,
    /// Only relations believed at least this much (0–1).
    pub min_confidence: Option<f64>,
    /// Only relations citing at least one source.
    #[graphql(default)]
    pub sourced_only: bool,
    /// Only relations whose status (as of `asOf`, else the latest) is one of these.
    pub statuses: Option<Vec<Status>>,
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
            min_confidence: min_confidence as f32,
            sourced_only: self.sourced_only,
            statuses: self
                .statuses
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
    /// When it holds.
    async fn validity(&self) -> One<Validity> {
        let v = self.store.graph.validity(self.view.relation);
        One(Validity {
            from: fuzzy(v.from),
            until: fuzzy(v.until),
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
    /// A one-line reading of the relation with its dates, status and sources.
    async fn explanation(&self) -> String {
        self.store.graph.explanation(&self.view)
    }
    /// Where it is defined in the seed data (`file:line:column`).
    async fn origin(&self) -> &str {
        &self.detail().origin
    }
}

/// Paging state of a connection (Relay).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first item on the page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item on the page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// A relation on a page, with its cursor.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct RelationEdge {
    /// Where this item is, for `after`.
    pub cursor: String,
    /// The relation.
    pub node: One<Relation>,
}

/// A page of relations (Relay connection).
#[derive(SimpleObject, Clone)]
#[graphql(complex, serial)]
pub struct RelationConnection {
    /// The items of this page.
    pub edges: Objects<RelationEdge>,
    /// Paging state.
    pub page_info: One<PageInfo>,
    /// How many items match in all pages.
    pub total_count: u64,
}

#[ComplexObject]
impl RelationConnection {
    /// The relations of this page, without cursors.
    async fn nodes(&self) -> Objects<Relation> {
        self.edges.iter().map(|e| e.node.0.clone()).collect()
    }
}

/// An entity on a page, with its cursor.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct EntityEdge {
    /// Where this item is, for `after`.
    pub cursor: String,
    /// The entity.
    pub node: Entity,
}

/// A page of entities (Relay connection).
#[derive(SimpleObject, Clone)]
#[graphql(complex, serial)]
pub struct EntityConnection {
    /// The items of this page.
    pub edges: Objects<EntityEdge>,
    /// Paging state.
    pub page_info: One<PageInfo>,
    /// How many items match in all pages.
    pub total_count: u64,
}

#[ComplexObject]
impl EntityConnection {
    /// The entities of this page, without cursors.
    async fn nodes(&self) -> List<Entity> {
        self.edges.iter().map(|e| e.node.clone()).collect()
    }
}

/// Checks `first` against the page limits.
pub(crate) fn page_size(first: Option<i32>) -> Result<usize> {
    match first.unwrap_or(DEFAULT_PAGE) {
        n if !(0..=MAX_PAGE).contains(&n) => Err(bad_input(format!(
            "first must be between 0 and {MAX_PAGE}, not {n}"
        ))),
        n => Ok(n as usize),
    }
}

/// Encodes a cursor: opaque to clients, stable for the same data.
pub(crate) fn encode_cursor(prefix: &str, key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{prefix}:{key}"))
}

/// Decodes a cursor made by [`encode_cursor`] with the same prefix.
pub(crate) fn decode_cursor(prefix: &str, cursor: &str) -> Result<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(prefix)?.strip_prefix(':').map(str::to_owned))
        .ok_or_else(|| bad_input(format!("`{cursor}` is not a cursor of this list")))
}

/// The page of `all` after the cursor `after` (an offset cursor with `prefix`), `first` long.
pub(crate) fn offset_page<T>(
    all: impl IntoIterator<Item = T>,
    prefix: &str,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<graph::Page<T>> {
    let size = page_size(first)?;
    let start = match after {
        None => 0,
        Some(c) => {
            decode_cursor(prefix, c)?
                .parse::<usize>()
                .map_err(|_| bad_input(format!("`{c}` is not a cursor of this list")))?
                + 1
        }
    };
    Ok(graph::Page::of(all, start, size))
}

/// A connection's page info and its edges, made from a page of items.
pub(crate) fn edges<T, E>(
    page: graph::Page<T>,
    mut edge: impl FnMut(usize, T) -> E,
    cursor: impl Fn(&E) -> &String,
) -> (One<PageInfo>, Objects<E>, u64) {
    let (has_next_page, has_previous_page, total) =
        (page.has_next(), page.has_previous(), page.total);
    let edges: Vec<E> = page.items.into_iter().map(|(i, t)| edge(i, t)).collect();
    let info = PageInfo {
        has_next_page,
        has_previous_page,
        start_cursor: edges.first().map(|e| cursor(e).clone()),
        end_cursor: edges.last().map(|e| cursor(e).clone()),
    };
    (One(info), Objects(edges), total as u64)
}

/// Pages through a list of relations by offset cursors. Only the page's items become
/// `Relation`s: a giant carrier's first five relations should not cost its thousands.
pub(crate) fn relation_page<T>(
    all: impl Iterator<Item = T>,
    first: Option<i32>,
    after: Option<&str>,
    relation: impl Fn(T) -> Relation,
) -> Result<RelationConnection> {
    let page = offset_page(all, "r", first, after)?;
    let (page_info, edges, total_count) = edges(
        page,
        |i, item| RelationEdge {
            cursor: encode_cursor("r", &i.to_string()),
            node: One(relation(item)),
        },
        |e| &e.cursor,
    );
    Ok(RelationConnection {
        edges,
        page_info,
        total_count,
    })
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
