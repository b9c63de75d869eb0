//! Graph analytics for dashboards: rankings by degree, PageRank or betweenness, and connected
//! components, over a subgraph chosen by entity kinds and a relation filter. The work runs off
//! the async runtime, stops at a budget with `LIMIT_EXCEEDED`, and is cached for the loaded
//! data (the data never changes, so a cached answer never goes stale).

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, Result, SimpleObject};

use super::engine::list::{List, Objects};
use super::entity::{Entity, entity};
use super::enums::{EntityKind, RelationKind};
use super::error::{ErrorCode, coded, graph_error};
use super::relation::{RelationFilter, relation_filter};
use super::{Store, budget};
use crate::graph::{EntityIx, Subgraph};

/// Analytics over the whole graph.
#[derive(Default)]
pub struct AnalyticsQuery;

/// How entities are ranked.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Number of relations within the subgraph.
    Degree,
    /// PageRank (damping 0.85), relations counted both ways; scores sum to 1.
    Pagerank,
    /// Betweenness centrality, normalised to 0–1: how often an entity lies on shortest paths
    /// between others. Exact up to 2,000 entities, sampled from 256 sources beyond.
    Betweenness,
}

/// An entity's place in a ranking.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Score {
    /// Its position, from 1.
    pub rank: u32,
    /// The entity.
    pub entity: Entity,
    /// Its score under the metric.
    pub score: f64,
}

/// A connected component of the subgraph.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Component {
    /// How many entities it holds.
    pub size: u64,
    /// Its entities in id order (the first `membersFirst` of them).
    pub members: List<Entity>,
}

/// A computed answer, kept for the life of the loaded data.
#[derive(Debug)]
pub(crate) enum Computed {
    Scores(Vec<(EntityIx, f64)>),
    Components(Vec<Vec<EntityIx>>),
}

impl Computed {
    /// About how much memory the answer holds.
    fn bytes(&self) -> usize {
        match self {
            Computed::Scores(scores) => std::mem::size_of_val(scores.as_slice()),
            Computed::Components(parts) => parts
                .iter()
                .map(|p| std::mem::size_of_val(p.as_slice()) + std::mem::size_of::<Vec<EntityIx>>())
                .sum(),
        }
    }
}

/// A computation's answer, from the cache or computed: in place when the request already runs
/// on a thread of its own ([`super::AppState::execute_blocking`]), else on a blocking thread.
async fn computed(
    ctx: &Context<'_>,
    key: String,
    work: impl FnOnce(&Store) -> Result<Computed, crate::graph::GraphError> + Send + 'static,
) -> Result<Arc<Computed>> {
    let store = ctx.data_unchecked::<Store>();
    if let Some(hit) = store.computed.get(&key) {
        return Ok(hit);
    }
    let result = if ctx.data_opt::<super::OwnThread>().is_some() {
        work(store).map_err(graph_error)?
    } else {
        let owned = store.clone();
        tokio::task::spawn_blocking(move || work(&owned))
            .await
            .map_err(|_| coded(ErrorCode::Internal, "internal error"))?
            .map_err(graph_error)?
    };
    let result = Arc::new(result);
    store.computed.put(key, result.clone(), result.bytes());
    Ok(result)
}

fn subgraph(
    store: &Store,
    entity_kinds: Option<Vec<EntityKind>>,
    relation_kinds: Option<Vec<RelationKind>>,
    filter: Option<&RelationFilter>,
) -> Result<Subgraph> {
    Ok(Subgraph {
        kinds: entity_kinds.into_iter().flatten().map(Into::into).collect(),
        filter: relation_filter(store, relation_kinds, None, filter)?,
    })
}

#[Object(serial)]
impl AnalyticsQuery {
    /// Entities ranked by a metric over the subgraph of the given entity kinds and the
    /// relations the filter admits, highest first.
    #[graphql(complexity = "first.unwrap_or(10).max(0) as usize * child_complexity")]
    async fn ranking(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to rank by.")] metric: Metric,
        #[graphql(desc = "Only entities of these kinds (default: all).")] entity_kinds: Option<
            Vec<EntityKind>,
        >,
        #[graphql(desc = "Only relations of these kinds (default: all).")] relation_kinds: Option<
            Vec<RelationKind>,
        >,
        #[graphql(desc = "Time, evidence and scope filters on the relations.")] filter: Option<
            RelationFilter,
        >,
        #[graphql(desc = "How many entities, at most 100 (default 10).")] first: Option<i32>,
    ) -> Result<Objects<Score>> {
        let store = ctx.data_unchecked::<Store>();
        let size = super::page::page_size(Some(first.unwrap_or(10)))?;
        let sub = subgraph(store, entity_kinds, relation_kinds, filter.as_ref())?;
        let budget = budget(ctx).clone();
        let key = format!("ranking|{metric:?}|{sub:?}");
        let result = computed(ctx, key, move |s| {
            let g = &s.graph;
            Ok(Computed::Scores(match metric {
                Metric::Degree => g.degree_ranking(&sub, &budget)?,
                Metric::Pagerank => g.pagerank(&sub, &budget)?,
                Metric::Betweenness => g.betweenness(&sub, &budget)?,
            }))
        })
        .await?;
        let Computed::Scores(scores) = &*result else {
            return Err(coded(ErrorCode::Internal, "internal error"));
        };
        Ok(scores
            .iter()
            .take(size)
            .enumerate()
            .map(|(i, &(e, score))| Score {
                rank: i as u32 + 1,
                entity: entity(store, e),
                score: (score * 1e9).round() / 1e9,
            })
            .collect())
    }

    /// Connected components of the subgraph, largest first.
    #[graphql(
        complexity = "first.unwrap_or(10).max(0) as usize * members_first.unwrap_or(20).max(0) as usize * child_complexity"
    )]
    async fn components(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of these kinds (default: all).")] entity_kinds: Option<
            Vec<EntityKind>,
        >,
        #[graphql(desc = "Only relations of these kinds (default: all).")] relation_kinds: Option<
            Vec<RelationKind>,
        >,
        #[graphql(desc = "Time, evidence and scope filters on the relations.")] filter: Option<
            RelationFilter,
        >,
        #[graphql(desc = "How many components, at most 100 (default 10).")] first: Option<i32>,
        #[graphql(desc = "How many members of each, at most 100 (default 20).")]
        members_first: Option<i32>,
    ) -> Result<Objects<Component>> {
        let store = ctx.data_unchecked::<Store>();
        let size = super::page::page_size(Some(first.unwrap_or(10)))?;
        let members = super::page::page_size(Some(members_first.unwrap_or(20)))?;
        let sub = subgraph(store, entity_kinds, relation_kinds, filter.as_ref())?;
        let budget = budget(ctx).clone();
        let key = format!("components|{sub:?}");
        let result = computed(ctx, key, move |s| {
            Ok(Computed::Components(s.graph.components(&sub, &budget)?))
        })
        .await?;
        let Computed::Components(groups) = &*result else {
            return Err(coded(ErrorCode::Internal, "internal error"));
        };
        Ok(groups
            .iter()
            .take(size)
            .map(|group| Component {
                size: group.len() as u64,
                members: group
                    .iter()
                    .take(members)
                    .map(|&e| entity(store, e))
                    .collect(),
            })
            .collect())
    }
}
