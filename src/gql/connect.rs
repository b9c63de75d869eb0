//! Relationship questions: paths between two entities, the neighbourhood of one, what two
//! share, and an entity's timeline.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::date::Date;
use super::date::FuzzyDate;
use super::engine::list::{List, Objects, One};
use super::entity::{Entity, entity};
use super::enums::{Direction, EntityKind, EventType, Presence, RelationKind, Status};
use super::error::{bad_input, graph_error};
use super::evidence::{Citation, citations};
use super::relation::{Relation, RelationFilter, relation_filter};
use super::{Store, budget};
use crate::graph::{self, EntityIx, Hop, RelationView};

/// The most hops a path may have.
pub const MAX_HOPS: i32 = 6;
/// The most paths one request may ask for.
pub const MAX_PATHS: i32 = 10;
/// The deepest neighbourhood.
pub const MAX_NEIGHBOURHOOD_HOPS: i32 = 3;
/// The most nodes a neighbourhood may hold.
pub const MAX_NEIGHBOURHOOD_NODES: i32 = 500;

/// Relationship questions.
#[derive(Default)]
pub struct ConnectQuery;

/// A walk from one entity to another.
#[derive(Clone)]
pub struct PathResult {
    store: Store,
    path: graph::Path,
    /// Each hop, seen from the entity it leaves, as of the day asked.
    hops: Vec<RelationView>,
}

/// One hop of a path: the relation taken, from where to where.
#[derive(Clone)]
pub struct PathHop {
    store: Store,
    from: EntityIx,
    to: EntityIx,
    view: RelationView,
}

/// One hop of a path: the relation taken, from where to where.
#[Object(serial)]
impl PathHop {
    /// The entity this hop leaves.
    async fn from(&self) -> Entity {
        entity(&self.store, self.from)
    }
    /// The entity this hop reaches.
    async fn to(&self) -> Entity {
        entity(&self.store, self.to)
    }
    /// The relation taken (it may point against the walk: see `relation.direction`).
    async fn relation(&self) -> One<Relation> {
        One(Relation {
            store: self.store.clone(),
            view: self.view,
        })
    }
    /// The hop in words, with its dates, status and sources.
    async fn explanation(&self) -> String {
        self.store.graph.explanation(&self.view)
    }
}

/// A walk from one entity to another.
#[Object(name = "Path")]
impl PathResult {
    /// How many hops.
    async fn length(&self) -> usize {
        self.hops.len()
    }
    /// The entities along the path, start first.
    async fn nodes(&self) -> List<Entity> {
        self.path.nodes().map(|e| entity(&self.store, e)).collect()
    }
    /// Each hop with its relation and evidence.
    async fn hops(&self) -> Objects<PathHop> {
        self.path
            .steps()
            .zip(&self.hops)
            .map(|((from, hop), &view)| PathHop {
                store: self.store.clone(),
                from,
                to: hop.other,
                view,
            })
            .collect()
    }
    /// The path in words, one hop after another.
    async fn explanation(&self) -> String {
        self.store.graph.walk_explanation(&self.hops)
    }
}

/// A node of a neighbourhood. Its fields are read only when asked for: a neighbourhood holds
/// up to 500 nodes, and a drawing often asks only their ids.
#[derive(Clone, Copy)]
pub struct GraphNode<'a> {
    store: &'a Store,
    ix: EntityIx,
    depth: u32,
}

/// An entity of a neighbourhood, ready to draw.
#[Object(serial)]
impl GraphNode<'_> {
    /// Its id.
    async fn id(&self) -> ID {
        ID(self.store.graph.entity(self.ix).id.to_owned())
    }

    /// Its kind.
    async fn kind(&self) -> EntityKind {
        self.store.graph.kind_of(self.ix).into()
    }

    /// Its name.
    async fn name(&self) -> String {
        self.store.graph.entity(self.ix).name.to_owned()
    }

    /// Its distance in hops from the centre.
    async fn depth(&self) -> u32 {
        self.depth
    }

    /// The entity itself, for anything more.
    async fn entity(&self) -> Entity {
        entity(self.store, self.ix)
    }
}

/// A relation of a neighbourhood, ready to draw.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct GraphEdge {
    /// The relation's id.
    pub id: ID,
    /// The id of its `from` end.
    pub from: ID,
    /// The id of its `to` end.
    pub to: ID,
    /// What it says.
    pub kind: RelationKind,
    /// Whether it holds on the day asked (`SURE` without `asOf`).
    pub presence: Presence,
    /// The relation itself, with its evidence.
    pub relation: One<Relation>,
}

/// The entities within some hops of a centre and the relations among them.
pub struct Neighbourhood {
    store: Store,
    /// Each node's entity and depth.
    nodes: Vec<(EntityIx, u32)>,
    edges: Objects<GraphEdge>,
    truncated: bool,
    count: u64,
}

/// The entities within some hops of a centre and the relations among them.
#[Object(serial)]
impl Neighbourhood {
    /// The entities, centre first, in breadth-first order.
    async fn nodes(&self) -> Objects<GraphNode<'_>> {
        self.nodes
            .iter()
            .map(|&(ix, depth)| GraphNode {
                store: &self.store,
                ix,
                depth,
            })
            .collect()
    }

    /// The relations among them, each once.
    async fn edges(&self) -> &Objects<GraphEdge> {
        &self.edges
    }

    /// Whether `limit` cut it short.
    async fn truncated(&self) -> bool {
        self.truncated
    }

    /// How many entities lie within `hops` of the centre, centre included, however many
    /// `limit` lets be listed: the whole neighbourhood walked and counted. It is priced, and
    /// bounded while it runs, like an analytics computation (`--max-work`).
    async fn count(&self) -> u64 {
        self.count
    }
}

/// An entity two others are both related to.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct CommonNeighbour {
    /// The shared neighbour.
    pub entity: Entity,
    /// The relations between `a` and it.
    pub via_a: Objects<Relation>,
    /// The relations between `b` and it.
    pub via_b: Objects<Relation>,
}

/// What a timeline entry records.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineEntryKind {
    /// The entity took part in an event.
    Event,
    /// A relation started.
    Started,
    /// A relation's status changed.
    StatusChanged,
    /// A relation ended.
    Ended,
}

/// One dated entry of a timeline.
#[derive(Clone)]
pub struct TimelineEntry {
    store: Store,
    entity: EntityIx,
    entry: graph::Entry,
}

/// One dated entry of a timeline.
#[Object(serial)]
impl TimelineEntry {
    /// When; for a `placed` entry, the date of the latest dated fact it follows.
    async fn date(&self) -> One<FuzzyDate> {
        One(FuzzyDate(self.entry.date, None))
    }
    /// Whether the fact has no date of its own and is placed after the latest dated fact a
    /// source says it follows.
    async fn placed(&self) -> bool {
        self.entry.placed
    }
    /// What kind of entry.
    async fn kind(&self) -> TimelineEntryKind {
        match self.entry.kind {
            graph::EntryKind::Event => TimelineEntryKind::Event,
            graph::EntryKind::Started => TimelineEntryKind::Started,
            graph::EntryKind::StatusChanged => TimelineEntryKind::StatusChanged,
            graph::EntryKind::Ended => TimelineEntryKind::Ended,
        }
    }
    /// The entry in words.
    async fn text(&self) -> String {
        self.store.graph.entry_text(self.entity, &self.entry)
    }
    /// The relation concerned (for an event: the entity's participation in it).
    async fn relation(&self) -> One<Relation> {
        One(self.to_relation())
    }
    /// The event, for event entries and for status changes an event caused.
    async fn event(&self) -> Option<Entity> {
        self.entry.event.map(|e| entity(&self.store, e))
    }
    /// The status reached, for status changes.
    async fn status(&self) -> Option<Status> {
        self.entry.status.map(Into::into)
    }
    /// What supports the entry: the status step's sources, else the event's or relation's.
    async fn sources(&self) -> List<Citation> {
        citations(&self.store, self.store.graph.entry_sources(&self.entry))
    }
}

impl TimelineEntry {
    fn to_relation(&self) -> Relation {
        Relation {
            store: self.store.clone(),
            view: self.store.graph.entry_view(self.entity, &self.entry),
        }
    }
}

fn bounded(name: &str, value: i32, max: i32) -> Result<usize> {
    if (1..=max).contains(&value) {
        Ok(value as usize)
    } else {
        Err(bad_input(format!(
            "{name} must be between 1 and {max}, not {value}"
        )))
    }
}

#[Object(serial)]
impl ConnectQuery {
    /// The shortest simple paths between two entities, shortest first, each hop with its
    /// relation and evidence. Direction is ignored unless asked. No path within `maxHops` is an
    /// empty list.
    async fn paths(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where paths start.")] from: ID,
        #[graphql(desc = "Where paths end.")] to: ID,
        #[graphql(desc = "The most hops a path may have, 1–6.", default = 4)] max_hops: i32,
        #[graphql(desc = "Only relations of these kinds (default: all).")] relation_kinds: Option<
            Vec<RelationKind>,
        >,
        #[graphql(desc = "Which way relations may be followed (default: BOTH).")] direction: Option<
            Direction,
        >,
        #[graphql(desc = "Time, evidence and scope filters, applied on every hop.")] filter: Option<
            RelationFilter,
        >,
        #[graphql(desc = "How many paths at most, 1–10.", default = 3)] limit: i32,
    ) -> Result<Objects<PathResult>> {
        let store = ctx.data_unchecked::<Store>();
        let max_hops = bounded("maxHops", max_hops, MAX_HOPS)?;
        let limit = bounded("limit", limit, MAX_PATHS)?;
        let (a, b) = (
            store.graph.require(&from).map_err(graph_error)?,
            store.graph.require(&to).map_err(graph_error)?,
        );
        let filter = relation_filter(store, relation_kinds, direction, filter.as_ref())?;
        Ok(store
            .graph
            .k_shortest_paths(a, b, max_hops, &filter, limit, &store.paths, budget(ctx))
            .map_err(graph_error)?
            .into_iter()
            .map(|path| PathResult {
                store: store.clone(),
                hops: store.graph.path_views(&path, filter.as_of),
                path,
            })
            .collect())
    }

    /// The entities within `hops` of a centre and the relations among them, in a shape a
    /// dashboard can draw; `truncated` says whether `limit` cut it short.
    async fn neighbourhood(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity at the centre.")] center: ID,
        #[graphql(desc = "How many hops out, 1–3.", default = 1)] hops: i32,
        #[graphql(desc = "Only relations of these kinds (default: all).")] relation_kinds: Option<
            Vec<RelationKind>,
        >,
        #[graphql(desc = "Time, evidence and scope filters.")] filter: Option<RelationFilter>,
        #[graphql(desc = "The most entities, centre included, 1–500.", default = 50)] limit: i32,
    ) -> Result<Neighbourhood> {
        let store = ctx.data_unchecked::<Store>();
        let hops = bounded("hops", hops, MAX_NEIGHBOURHOOD_HOPS)?;
        let limit = bounded("limit", limit, MAX_NEIGHBOURHOOD_NODES)?;
        let center = store.graph.require(&center).map_err(graph_error)?;
        let filter = relation_filter(store, relation_kinds, None, filter.as_ref())?;
        let n = store
            .graph
            .neighbourhood(center, hops as u32, &filter, limit, budget(ctx))
            .map_err(graph_error)?;
        let g = &store.graph;
        let id = |e: EntityIx| ID(g.entity(e).id.to_string());
        Ok(Neighbourhood {
            store: store.clone(),
            // The relations among the nodes are read only when asked for: they take every
            // relation of every node, hubs included.
            edges: if ctx.look_ahead().field("edges").exists() {
                g.relations_among(&n.nodes, &filter, budget(ctx))
                    .map_err(graph_error)?
            } else {
                Vec::new()
            }
            .iter()
            .map(|hop| {
                let rec = g.relation(hop.relation);
                let relation = Relation::alone(store, hop.relation, hop.presence, filter.as_of);
                GraphEdge {
                    id: ID(g.relation_id(hop.relation)),
                    from: id(rec.from),
                    to: id(rec.to),
                    kind: rec.kind.into(),
                    presence: hop.presence.into(),
                    relation: One(relation),
                }
            })
            .collect(),
            // Counted only when asked for: it walks the whole neighbourhood, past `limit`.
            count: if ctx.look_ahead().field("count").exists() {
                g.neighbourhood_count(center, hops as u32, &filter, budget(ctx))
                    .map_err(graph_error)?
            } else {
                0
            },
            // Last, so that the relations above read the nodes before they move.
            nodes: n.nodes,
            truncated: n.truncated,
        })
    }

    /// What two entities are both related to (carriers both vendors use, markets both operate
    /// in), with the relations on each side, in id order.
    async fn common_neighbours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first entity.")] a: ID,
        #[graphql(desc = "The second entity.")] b: ID,
        #[graphql(desc = "Only relations of these kinds (default: all).")] relation_kinds: Option<
            Vec<RelationKind>,
        >,
        #[graphql(desc = "Time, evidence and scope filters.")] filter: Option<RelationFilter>,
    ) -> Result<Objects<CommonNeighbour>> {
        let store = ctx.data_unchecked::<Store>();
        let (ia, ib) = (
            store.graph.require(&a).map_err(graph_error)?,
            store.graph.require(&b).map_err(graph_error)?,
        );
        let filter = relation_filter(store, relation_kinds, None, filter.as_ref())?;
        let as_of = filter.as_of;
        let side = |from: EntityIx, hops: &[Hop]| -> Objects<Relation> {
            hops.iter()
                .map(|h| Relation::from_hop(store, from, *h, as_of))
                .collect()
        };
        Ok(store
            .graph
            .common_neighbours(ia, ib, &filter)
            .into_iter()
            .map(|c| CommonNeighbour {
                entity: entity(store, c.entity),
                via_a: side(ia, &c.via_a),
                via_b: side(ib, &c.via_b),
            })
            .collect())
    }

    /// An entity's history in date order: the events it took part in, and the starts, ends
    /// and status changes of its relations, each with sources. Undated facts are left out.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose timeline.")] entity: ID,
        #[graphql(desc = "Only entries that may fall on or after this date's first day.")]
        from: Option<Date>,
        #[graphql(desc = "Only entries that may fall on or before this date's last day.")]
        to: Option<Date>,
        #[graphql(desc = "Only events of these types (and no relation entries).")]
        event_types: Option<Vec<EventType>>,
        #[graphql(desc = "Only status changes to these statuses (and no other entries).")] statuses: Option<Vec<Status>>,
    ) -> Result<Objects<TimelineEntry>> {
        let store = ctx.data_unchecked::<Store>();
        let ix = store.graph.require(&entity).map_err(graph_error)?;
        let filter = graph::TimelineFilter {
            from: from.map(Date::first_day),
            to: to.map(Date::last_day),
            event_types: event_types.into_iter().flatten().map(Into::into).collect(),
            statuses: statuses.into_iter().flatten().map(Into::into).collect(),
        };
        Ok(store
            .graph
            .timeline(ix, &filter)
            .into_iter()
            .map(|entry| TimelineEntry {
                store: store.clone(),
                entity: ix,
                entry,
            })
            .collect())
    }
}
