//! The query root: lookups, lists, search and the data set's identity.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::Store;
use super::date::Date;
use super::engine::list::{List, Objects, One};
use super::entity::{Entity, entity};
use super::enums::{EntityKind, MatchRank, RelationKind, Status};
use super::evidence::Claim;
use super::page::page_size;
use super::relation::Relation;
use crate::model;

/// Lookups, search and the data set's identity.
#[derive(Default)]
pub struct BaseQuery;

// Root fields resolve concurrently, so that two analytics computations asked together run on
// two threads (`AppState::execute` puts their answers back in the order they were asked);
// every other object resolves its fields one after another (`serial`): none waits on
// anything, and concurrent fields cost each object a set of futures.
/// Declares a query root of the API's parts and any more after them: `Query`, and the
/// federated root, which adds the entity lookups (it cannot hold `Query` itself: both would
/// be named `Query`).
macro_rules! query_root {
    ($(#[doc = $doc:literal])* $(@name $graphql:literal)? $name:ident $(, $more:ty)*) => {
        $(#[doc = $doc])*
        #[derive(async_graphql::MergedObject, Default)]
        $(#[graphql(name = $graphql)])?
        pub struct $name(
            $crate::gql::query::BaseQuery,
            $crate::gql::select::SelectQuery,
            $crate::gql::connect::ConnectQuery,
            $crate::gql::analytics::AnalyticsQuery,
            $crate::gql::pattern::PatternQuery,
            $crate::gql::live::LiveQuery,
            $crate::gql::chart::ChartQuery,
            $($more,)*
        );
    };
}
pub(crate) use query_root;

query_root! {
    /// The entry points of the API.
    Query
}

/// A search result.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct SearchHit {
    /// The entity found.
    pub entity: Entity,
    /// How well it matched.
    pub rank: MatchRank,
}

/// One relation kind: the endpoints it allows and whether it is symmetric.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct RelationKindInfo {
    /// The kind.
    pub kind: RelationKind,
    /// Its name in seed files and CSV (case aside).
    pub name: String,
    /// The entity kinds allowed at the `from` end.
    pub from_kinds: List<EntityKind>,
    /// The entity kinds allowed at the `to` end.
    pub to_kinds: List<EntityKind>,
    /// Whether it reads the same from both ends (stored once, read from both).
    pub symmetric: bool,
    /// Whether it is a state, in force for a time (carries, holds office, restricts), rather
    /// than a fact that stays true once true (makes, part of, led to).
    pub state: bool,
    /// The statuses its status history may take.
    pub statuses: List<Status>,
}

/// How many of one entity kind there are.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct KindCount {
    /// The kind.
    pub kind: EntityKind,
    /// How many entities of it.
    pub count: u64,
}

/// Counts over the whole data set.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Stats {
    /// Entities of every kind.
    pub entities: u64,
    /// Relations of every kind (symmetric ones once).
    pub relations: u64,
    /// Entities per kind, in kind order.
    pub by_kind: Objects<KindCount>,
    /// The earliest year an entity's date falls in (an event's, a launch's, a report's):
    /// where a time line of the data starts. Null when no entity has a date.
    pub first_year: Option<i32>,
    /// The latest year an entity's date falls in.
    pub last_year: Option<i32>,
}

/// Lookups, search and the data set's identity.
#[Object(serial)]
impl BaseQuery {
    /// The entity with this id, or null if there is none.
    async fn entity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity's id.")] id: ID,
    ) -> Option<Entity> {
        let store = ctx.data_unchecked::<Store>();
        store.graph.lookup(&id).map(|ix| entity(store, ix))
    }

    /// The relation with this id (`from:kind:to`, `@market` when scoped, `#claim` for a claim
    /// other than its fact's first), or null if there is none. Ids are stable: adding a source
    /// never changes another's.
    async fn relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation's id, as `Relation.id` gives it.")] id: ID,
        #[graphql(desc = "The day to read its presence and status on (default: as it stands).")]
        as_of: Option<Date>,
    ) -> Option<Relation> {
        let store = ctx.data_unchecked::<Store>();
        let ix = store.graph.find_relation(&id)?;
        let as_of = as_of.map(Date::last_day);
        let presence = as_of.map_or(model::Presence::Sure, |day| store.graph.standing(ix, day));
        Some(Relation::alone(store, ix, presence, as_of))
    }

    /// What a party (a company, a person, a public body) is reported to claim, apart from what
    /// sources state themselves: relations, status steps, planned ends, events, causes and
    /// quotes in its voice, each with the sources reporting it.
    async fn claims(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The party's id.")] by: ID,
    ) -> Result<Objects<Claim>> {
        let store = ctx.data_unchecked::<Store>();
        let party = store
            .graph
            .require(&by)
            .map_err(super::error::graph_error)?;
        Ok(store
            .graph
            .claims_by(party)
            .iter()
            .map(|&claim| Claim {
                store: store.clone(),
                claim,
            })
            .collect())
    }

    /// The amounts of money around an entity (its own, if an event; its relations'; those of
    /// the events it took part in), and their exact sums by currency, never converted.
    async fn amounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity's id.")] about: ID,
        #[graphql(desc = "Only amounts that are this (`fine`, `escrow`), ignoring case.")]
        what: Option<String>,
    ) -> Result<One<super::quantity::AmountReport>> {
        let store = ctx.data_unchecked::<Store>();
        let ix = store
            .graph
            .require(&about)
            .map_err(super::error::graph_error)?;
        Ok(One(super::quantity::report(store, ix, what.as_deref())))
    }

    /// Full-text search over names, aliases, titles, descriptions, summaries, causes, notes,
    /// roles, terms and every quote, ignoring case and accents; the last word also matches as
    /// a prefix. Each hit is one text holding every word, with the entity or relation it
    /// belongs to, best first: rarer words, names before aliases before titles before the
    /// rest, shorter texts first.
    #[graphql(complexity = "first.unwrap_or(10).max(0) as usize * child_complexity")]
    async fn text_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to find.")] query: String,
        #[graphql(desc = "Only entities of these kinds, and relations with an end of one.")]
        kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "How many hits at most, up to 100 (default 10).")] first: Option<i32>,
    ) -> Result<Objects<super::evidence::TextHit>> {
        let store = ctx.data_unchecked::<Store>();
        let size = page_size(Some(first.unwrap_or(10)))?;
        let kinds: Vec<model::EntityKind> = kinds.into_iter().flatten().map(Into::into).collect();
        let g = &store.graph;
        let of_kind = |e| kinds.is_empty() || kinds.contains(&g.entity(e).kind);
        let hits = g
            .text_index()
            .search(g, &query, size, super::budget(ctx), |place| {
                match place.holder {
                    crate::graph::TextHolder::Entity(e) => of_kind(e),
                    crate::graph::TextHolder::Relation(r) => {
                        let rec = g.relation(r);
                        of_kind(rec.from) || of_kind(rec.to)
                    }
                }
            })
            .map_err(super::error::graph_error)?;
        Ok(hits
            .into_iter()
            .map(|hit| super::evidence::TextHit {
                store: store.clone(),
                hit,
            })
            .collect())
    }

    /// Entities whose name or alias matches the text, ignoring case and accents: exact matches
    /// first, then names starting with it, then words starting with it, then names containing it.
    #[graphql(complexity = "first.unwrap_or(10).max(0) as usize * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for.")] text: String,
        #[graphql(desc = "Only entities of these kinds.")] kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "How many hits at most, up to 100 (default 10).")] first: Option<i32>,
    ) -> Result<Objects<SearchHit>> {
        let store = ctx.data_unchecked::<Store>();
        let size = page_size(Some(first.unwrap_or(10)))?;
        let kinds: Vec<model::EntityKind> = kinds.into_iter().flatten().map(Into::into).collect();
        let g = &store.graph;
        let hits = g.search_index().search_where(&text, size, |e| {
            kinds.is_empty() || kinds.contains(&g.entity(e).kind)
        });
        Ok(hits
            .into_iter()
            .map(|(ix, rank)| SearchHit {
                entity: entity(store, ix),
                rank: rank.into(),
            })
            .collect())
    }

    /// Every relation kind with the endpoints it allows: the one canonical list.
    async fn relation_kinds(&self) -> Objects<RelationKindInfo> {
        let kinds = |set: model::KindSet| {
            model::EntityKind::ALL
                .iter()
                .filter(|k| set.contains(**k))
                .map(|k| EntityKind::from(*k))
                .collect()
        };
        model::RelationKind::ALL
            .iter()
            .map(|k| {
                let spec = k.spec();
                RelationKindInfo {
                    kind: (*k).into(),
                    name: k.as_str().to_owned(),
                    from_kinds: kinds(spec.from),
                    to_kinds: kinds(spec.to),
                    symmetric: spec.symmetric,
                    state: k.is_state(),
                    statuses: k.statuses().iter().map(|s| Status::from(*s)).collect(),
                }
            })
            .collect()
    }

    /// Counts over the whole data set.
    async fn stats(&self, ctx: &Context<'_>) -> One<Stats> {
        let g = &ctx.data_unchecked::<Store>().graph;
        One(Stats {
            entities: g.entity_count() as u64,
            relations: g.relation_count() as u64,
            by_kind: model::EntityKind::ALL
                .iter()
                .map(|k| KindCount {
                    kind: (*k).into(),
                    count: g.entities_of(Some(*k)).len() as u64,
                })
                .collect(),
            first_year: g.largest().year_span.map(|(first, _)| first),
            last_year: g.largest().year_span.map(|(_, last)| last),
        })
    }

    /// A content hash of the loaded data: the same files give the same version.
    async fn data_version(&self, ctx: &Context<'_>) -> String {
        ctx.data_unchecked::<Store>().data_version.clone()
    }

    /// When the data was loaded (RFC 3339, UTC).
    async fn loaded_at(&self, ctx: &Context<'_>) -> String {
        ctx.data_unchecked::<Store>().loaded_at.clone()
    }
}
