//! `pattern`: a multi-hop question in one request. From one entity, or the entities of a kind
//! meeting a condition, follow a few steps and get the distinct entities the last one reaches
//! (or just how many), or the top entities of one step by how many of another they reach.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::engine::list::Objects;
use super::entity::{Entity, entity};
use super::enums::{Direction, EntityKind, RelationKind};
use super::error::{bad_input, graph_error};
use super::page::{EntityConnection, EntityEdge, edges, encode_cursor, offset_page};
use super::relation::{RelationFilter, relation_filter};
use super::select::{EntityWhere, select};
use super::{Store, budget};
use crate::graph::{self, Budget};

/// The most steps a pattern may take.
const MAX_STEPS: usize = 4;

/// Where a pattern starts: one entity (`id`), or the entities of a kind meeting a condition
/// (`kind`, `where`; either alone too).
#[derive(InputObject)]
pub struct PatternStart {
    /// One entity.
    pub id: Option<ID>,
    /// The entities of this kind.
    pub kind: Option<EntityKind>,
    /// The entities meeting this condition.
    #[graphql(name = "where")]
    pub condition: Option<EntityWhere>,
}

/// One step of a pattern: the relations it follows and the entities it may reach.
#[derive(InputObject)]
pub struct PatternStep {
    /// Only relations of these kinds (default: all).
    pub relation_kinds: Option<Vec<RelationKind>>,
    /// Which way to follow them (default: `OUTGOING`, from the entity the step leaves).
    #[graphql(default_with = "Direction::Outgoing")]
    pub direction: Direction,
    /// Only entities of these kinds are reached (default: any).
    pub reach: Option<Vec<EntityKind>>,
    /// Time, evidence and scope filters on the relations followed.
    pub filter: Option<RelationFilter>,
}

/// The root field.
#[derive(Default)]
pub struct PatternQuery;

#[Object(serial)]
impl PatternQuery {
    /// Follows a pattern of 1–4 steps from a start and answers with what lies on its complete
    /// paths: the distinct entities the last step reaches (`count`, `entities`), and the top
    /// entities of one step by how many distinct entities of another they are on a path with
    /// (`top`). "The distinct carriers of a vendor's products": start `{ id: "huawei" }`,
    /// steps `MAKES` then `CARRIES` `INCOMING`. Priced, and bounded while it runs, as an
    /// analytics computation (`--max-work`).
    async fn pattern(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where the pattern starts.")] start: PatternStart,
        #[graphql(desc = "The steps, in order (1–4).")] steps: Vec<PatternStep>,
    ) -> Result<PatternMatch> {
        let store = ctx.data_unchecked::<Store>();
        if steps.is_empty() || steps.len() > MAX_STEPS {
            return Err(bad_input(format!(
                "a pattern takes 1 to {MAX_STEPS} steps, not {}",
                steps.len()
            )));
        }
        let budget = budget(ctx).clone();
        let first = match (&start.id, start.kind, &start.condition) {
            (Some(id), None, None) => vec![store.graph.require(id).map_err(graph_error)?],
            (None, kind, condition) if kind.is_some() || condition.is_some() => {
                select(store, &budget, kind, condition.as_ref(), None)?
            }
            _ => {
                return Err(bad_input(
                    "start a pattern with an `id`, or with a `kind` and/or a `where`",
                ));
            }
        };
        let steps = steps
            .into_iter()
            .map(|s| {
                Ok(graph::Step {
                    filter: relation_filter(
                        store,
                        s.relation_kinds,
                        Some(s.direction),
                        s.filter.as_ref(),
                    )?,
                    reach: s.reach.into_iter().flatten().map(Into::into).collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let matched = store
            .graph
            .traverse(&first, &steps, &budget)
            .map_err(graph_error)?;
        Ok(PatternMatch {
            store: store.clone(),
            matched: Arc::new(matched),
            budget,
        })
    }
}

/// The entities of each step of a matched pattern.
pub struct PatternMatch {
    store: Store,
    matched: Arc<graph::Matched>,
    budget: Arc<Budget>,
}

/// What lies on a pattern's complete paths: the distinct entities of its last step, and the
/// entities of one step ranked by those of another.
#[Object(serial)]
impl PatternMatch {
    /// How many distinct entities the last step reaches.
    async fn count(&self) -> u64 {
        self.last().len() as u64
    }

    /// The distinct entities the last step reaches, by kind and then id, paged (Relay).
    async fn entities(
        &self,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The cursor to continue after.")] after: Option<String>,
    ) -> Result<EntityConnection> {
        let page = offset_page(self.last().iter().copied(), "o", first, after.as_deref())?;
        let (page_info, edges, total_count) = edges(
            page,
            |i, ix| EntityEdge {
                cursor: encode_cursor("o", &i.to_string()),
                node: entity(&self.store, ix),
            },
            |e| &e.cursor,
        );
        Ok(EntityConnection {
            edges,
            page_info,
            total_count,
        })
    }

    /// For each entity at step `by` (0 is the start), how many distinct entities at step
    /// `counting` (default: the last) lie on a complete path with it; most first, ties in id
    /// order. "The top vendors by products carried": start at the vendors, step to their
    /// products, then to the carriers that carry them; `by: 0, counting: 1`.
    async fn top(
        &self,
        #[graphql(desc = "The step whose entities are ranked (0: the start).")] by: i32,
        #[graphql(desc = "The step whose distinct entities are counted (default: the last).")]
        counting: Option<i32>,
        #[graphql(desc = "How many, at most 100 (default 10).")] first: Option<i32>,
    ) -> Result<Objects<PatternCount>> {
        let steps = self.matched.steps();
        let step = |name: &str, value: i32| {
            usize::try_from(value)
                .ok()
                .filter(|&s| s <= steps)
                .ok_or_else(|| {
                    bad_input(format!("`{name}` is a step from 0 to {steps}, not {value}"))
                })
        };
        let (by, counting) = (
            step("by", by)?,
            step("counting", counting.unwrap_or(steps as i32))?,
        );
        if by == counting {
            return Err(bad_input("`by` and `counting` must be different steps"));
        }
        let size = super::page::page_size(Some(first.unwrap_or(10)))?;
        let counts = self
            .store
            .graph
            .traverse_counts(&self.matched, by, counting, &self.budget)
            .map_err(graph_error)?;
        Ok(counts
            .into_iter()
            .take(size)
            .map(|(e, count)| PatternCount {
                entity: entity(&self.store, e),
                count,
            })
            .collect())
    }
}

impl PatternMatch {
    fn last(&self) -> &[graph::EntityIx] {
        self.matched.at(self.matched.steps())
    }
}

/// An entity and how many distinct entities of another step it is on a path with.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct PatternCount {
    /// The entity.
    pub entity: Entity,
    /// How many.
    pub count: u64,
}
