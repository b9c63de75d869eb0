//! Lists for dashboards: `entities` with `where` and `orderBy`, the root `relations` list,
//! counts and group-by buckets shaped for charts.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::date::Date;
use super::engine::list::Objects;
use super::entity::{Entity, entity};
use super::enums::{Direction, EntityKind, EventType, ProductCategory, RelationKind};
use super::error::graph_error;
use super::page::{
    EntityConnection, EntityEdge, RelationConnection, decode_cursor, edges, encode_cursor,
    offset_page, page_size, relation_page,
};
use super::relation::{Relation, RelationFilter, relation_filter};
use super::{Store, budget};
use crate::graph::{self, Budget, Condition, EntityIx, GroupKey, OrderKey};
use crate::model;

/// Lists, counts and groups.
#[derive(Default)]
pub struct SelectQuery;

/// A condition on entities. Fields given together must all hold; `AND`, `OR` and `NOT`
/// combine conditions; `related` and `noRelated` look across relations.
#[derive(InputObject, Clone, Debug, Default)]
pub struct EntityWhere {
    /// Every one of these holds.
    #[graphql(name = "AND")]
    pub and: Option<Vec<EntityWhere>>,
    /// At least one of these holds.
    #[graphql(name = "OR")]
    pub or: Option<Vec<EntityWhere>>,
    /// This does not hold.
    #[graphql(name = "NOT")]
    pub not: Option<Box<EntityWhere>>,
    /// The entity has this id.
    pub id: Option<ID>,
    /// The entity has one of these ids (unknown ids match nothing).
    pub id_in: Option<Vec<ID>>,
    /// The entity is of this kind.
    pub kind: Option<EntityKind>,
    /// The entity is of one of these kinds.
    pub kind_in: Option<Vec<EntityKind>>,
    /// Its name or an alias contains this text (case and accents ignored).
    pub name_contains: Option<String>,
    /// Its name or an alias starts with this text (case and accents ignored).
    pub name_starts_with: Option<String>,
    /// A product of one of these categories.
    pub category_in: Option<Vec<ProductCategory>>,
    /// An event of one of these types.
    pub event_type_in: Option<Vec<EventType>>,
    /// Its date (event date, release, founding, publication) may fall on or after this date's
    /// first day.
    pub date_from: Option<Date>,
    /// Its date may fall on or before this date's last day.
    pub date_to: Option<Date>,
    /// Some relation leads to an entity meeting a condition.
    pub related: Option<RelatedWhere>,
    /// No relation leads to an entity meeting a condition.
    pub no_related: Option<RelatedWhere>,
}

/// A condition across relations: which relations to follow, and what the other end must meet.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RelatedWhere {
    /// Only relations of these kinds (default: all).
    pub kinds: Option<Vec<RelationKind>>,
    /// Which way to follow them (default: BOTH).
    pub direction: Option<Direction>,
    /// Time, evidence and scope filters on the relations.
    pub filter: Option<RelationFilter>,
    /// What the entity at the other end must meet (default: anything).
    #[graphql(name = "where")]
    pub other: Option<Box<EntityWhere>>,
}

impl EntityWhere {
    /// The graph condition this input describes.
    pub(crate) fn condition(&self, store: &Store) -> Result<Condition> {
        let g = &store.graph;
        let mut all = Vec::new();
        let parts = |list: &[EntityWhere]| {
            list.iter()
                .map(|w| w.condition(store))
                .collect::<Result<Vec<_>>>()
        };
        if let Some(list) = &self.and {
            all.push(Condition::All(parts(list)?));
        }
        if let Some(list) = &self.or {
            all.push(Condition::Any(parts(list)?));
        }
        if let Some(not) = &self.not {
            all.push(Condition::Not(Box::new(not.condition(store)?)));
        }
        let ids: Vec<&ID> = self.id.iter().chain(self.id_in.iter().flatten()).collect();
        if self.id.is_some() || self.id_in.is_some() {
            all.push(Condition::Among(
                ids.iter().filter_map(|id| g.lookup(id)).collect(),
            ));
        }
        let kinds: Vec<model::EntityKind> = self
            .kind
            .iter()
            .chain(self.kind_in.iter().flatten())
            .map(|k| (*k).into())
            .collect();
        if !kinds.is_empty() {
            all.push(Condition::Kind(kinds));
        }
        if let Some(text) = &self.name_contains {
            all.push(Condition::name_contains(text));
        }
        if let Some(text) = &self.name_starts_with {
            all.push(Condition::name_starts_with(text));
        }
        if let Some(cs) = &self.category_in {
            all.push(Condition::Category(
                cs.iter().map(|c| (*c).into()).collect(),
            ));
        }
        if let Some(ts) = &self.event_type_in {
            all.push(Condition::EventType(
                ts.iter().map(|t| (*t).into()).collect(),
            ));
        }
        if self.date_from.is_some() || self.date_to.is_some() {
            all.push(Condition::DateWithin(
                self.date_from.map(Date::first_day),
                self.date_to.map(Date::last_day),
            ));
        }
        if let Some(r) = &self.related {
            all.push(r.condition(store)?);
        }
        if let Some(r) = &self.no_related {
            all.push(Condition::Not(Box::new(r.condition(store)?)));
        }
        Ok(Condition::All(all))
    }
}

impl RelatedWhere {
    fn condition(&self, store: &Store) -> Result<Condition> {
        let filter = relation_filter(
            store,
            self.kinds.clone(),
            self.direction,
            self.filter.as_ref(),
        )?;
        let other = match &self.other {
            Some(w) => w.condition(store)?,
            None => Condition::All(Vec::new()),
        };
        Ok(Condition::Related(filter, Box::new(other)))
    }
}

/// What to order entities by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderField {
    /// Their id.
    Id,
    /// Their name (case and accents ignored).
    Name,
    /// Their date (event date, release, founding, publication); undated last.
    Date,
    /// How many relations they have, of the kinds and under the filter given.
    RelationCount,
}

/// Ascending or descending.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// One ordering key. Ties fall to the next key, and finally to id.
#[derive(InputObject, Clone, Debug)]
pub struct EntityOrder {
    /// What to order by.
    pub field: OrderField,
    /// Which way (default: ASC).
    #[graphql(default)]
    pub direction: SortDirection,
    /// For RELATION_COUNT: only relations of these kinds.
    pub relation_kinds: Option<Vec<RelationKind>>,
    /// For RELATION_COUNT: which way to follow them (default: BOTH).
    pub relation_direction: Option<Direction>,
    /// For RELATION_COUNT: time, evidence and scope filters.
    pub filter: Option<RelationFilter>,
}

/// What to group entities by when counting them.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// Their kind.
    Kind,
    /// A product's category.
    Category,
    /// An event's type.
    EventType,
    /// The year of their date (buckets in time order).
    Year,
    /// The entity their relations (of `relationKinds`) lead to: vendors by headquarters market.
    Related,
}

/// A bucket of a count, ready for a chart.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct Bucket {
    /// The group's key: a kind, category or type name, a year, an entity id, or `none`.
    pub key: String,
    /// A readable label: the key, or the related entity's name.
    pub label: String,
    /// How many fall in it.
    pub count: u64,
    /// The related entity, when grouping by RELATED.
    pub entity: Option<Entity>,
}

/// The graph's key for a `GroupBy` (with, for `Related`, the relations that lead to the group).
pub(crate) fn group_key(
    store: &Store,
    by: GroupBy,
    relation_kinds: Option<Vec<RelationKind>>,
    relation_direction: Option<Direction>,
    filter: Option<&RelationFilter>,
) -> Result<GroupKey> {
    Ok(match by {
        GroupBy::Kind => GroupKey::Kind,
        GroupBy::Category => GroupKey::Category,
        GroupBy::EventType => GroupKey::EventType,
        GroupBy::Year => GroupKey::Year,
        GroupBy::Related => GroupKey::Related(relation_filter(
            store,
            relation_kinds,
            relation_direction,
            filter,
        )?),
    })
}

/// A graph bucket as the API gives it: the related entity's name as its label.
pub(crate) fn bucket(store: &Store, b: graph::Bucket) -> Bucket {
    Bucket {
        label: b
            .entity
            .map_or_else(|| b.key.clone(), |e| store.graph.entity(e).name.to_string()),
        key: b.key,
        count: b.count as u64,
        entity: b.entity.map(|e| entity(store, e)),
    }
}

/// Entities matching `kind` and `where`, ordered.
pub(crate) fn select(
    store: &Store,
    budget: &Budget,
    kind: Option<EntityKind>,
    condition: Option<&EntityWhere>,
    order_by: Option<&[EntityOrder]>,
) -> Result<Vec<EntityIx>> {
    let condition = condition.map(|w| w.condition(store)).transpose()?;
    let keys = order_by
        .unwrap_or_default()
        .iter()
        .map(|o| {
            let key = match o.field {
                OrderField::Id => OrderKey::Id,
                OrderField::Name => OrderKey::Name,
                OrderField::Date => OrderKey::Date,
                OrderField::RelationCount => OrderKey::RelationCount(relation_filter(
                    store,
                    o.relation_kinds.clone(),
                    o.relation_direction,
                    o.filter.as_ref(),
                )?),
            };
            Ok((key, o.direction == SortDirection::Desc))
        })
        .collect::<Result<Vec<_>>>()?;
    store
        .graph
        .select(kind.map(Into::into), condition.as_ref(), &keys, budget)
        .map_err(graph_error)
}

#[Object(serial)]
impl SelectQuery {
    /// Entities, optionally of one kind and meeting a condition, paged (Relay). In id order
    /// unless `orderBy` says otherwise.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn entities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of this kind.")] kind: Option<EntityKind>,
        #[graphql(name = "where", desc = "A condition the entities meet.")] condition: Option<
            EntityWhere,
        >,
        #[graphql(desc = "Ordering keys, in turn; ties end in id order.")] order_by: Option<
            Vec<EntityOrder>,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The cursor to continue after.")] after: Option<String>,
    ) -> Result<EntityConnection> {
        let store = ctx.data_unchecked::<Store>();
        let ordered = order_by.as_ref().is_some_and(|o| !o.is_empty());
        let list = select(
            store,
            budget(ctx),
            kind,
            condition.as_ref(),
            order_by.as_deref(),
        )?;
        // In id order a cursor is the id (stable across data versions); in another order, the
        // position.
        let page = match &after {
            Some(c) if !ordered => {
                let start = store.graph.position_after(&list, &decode_cursor("e", c)?);
                graph::Page::of(list, start, page_size(first)?)
            }
            _ => offset_page(list, "o", first, after.as_deref())?,
        };
        let (page_info, edges, total_count) = edges(
            page,
            |i, ix| EntityEdge {
                cursor: if ordered {
                    encode_cursor("o", &i.to_string())
                } else {
                    encode_cursor("e", store.graph.entity(ix).id)
                },
                node: entity(store, ix),
            },
            |e| &e.cursor,
        );
        Ok(EntityConnection {
            edges,
            page_info,
            total_count,
        })
    }

    /// How many entities of a kind meet a condition.
    async fn count(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of this kind.")] kind: Option<EntityKind>,
        #[graphql(name = "where", desc = "A condition the entities meet.")] condition: Option<
            EntityWhere,
        >,
    ) -> Result<u64> {
        let store = ctx.data_unchecked::<Store>();
        Ok(select(store, budget(ctx), kind, condition.as_ref(), None)?.len() as u64)
    }

    /// Entities counted by a key, in buckets a chart can use directly: entities by kind,
    /// products by category, events per year, vendors by headquarters market (`by: RELATED`,
    /// `relationKinds: [HEADQUARTERED_IN]`). Largest bucket first; years in time order.
    async fn group_count(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of this kind.")] kind: Option<EntityKind>,
        #[graphql(name = "where", desc = "A condition the entities meet.")] condition: Option<
            EntityWhere,
        >,
        #[graphql(desc = "What to group by.")] by: GroupBy,
        #[graphql(desc = "For RELATED: the relation kinds that lead to the group.")] relation_kinds: Option<Vec<RelationKind>>,
        #[graphql(desc = "For RELATED: which way to follow them (default: BOTH).")]
        relation_direction: Option<Direction>,
        #[graphql(desc = "For RELATED: time, evidence and scope filters.")] filter: Option<
            RelationFilter,
        >,
    ) -> Result<Objects<Bucket>> {
        let store = ctx.data_unchecked::<Store>();
        let g = &store.graph;
        let list = select(store, budget(ctx), kind, condition.as_ref(), None)?;
        let key = group_key(
            store,
            by,
            relation_kinds,
            relation_direction,
            filter.as_ref(),
        )?;
        Ok(graph::group(g, &list, &key, budget(ctx))
            .map_err(graph_error)?
            .into_iter()
            .map(|b| bucket(store, b))
            .collect())
    }

    /// Relations counted by kind, under a filter, largest first.
    async fn relation_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Time, evidence and scope filters.")] filter: Option<RelationFilter>,
    ) -> Result<Objects<Bucket>> {
        let store = ctx.data_unchecked::<Store>();
        let filter = relation_filter(store, None, None, filter.as_ref())?;
        Ok(store
            .graph
            .relation_counts(&filter, budget(ctx))
            .map_err(graph_error)?
            .into_iter()
            .map(|(kind, count)| Bucket {
                key: kind.as_str().to_owned(),
                label: kind.as_str().replace('_', " "),
                count: count as u64,
                entity: None,
            })
            .collect())
    }

    /// Every relation passing a filter, paged, in a stable order: "all planned market entries"
    /// is `relations(kinds: [PLANS_ENTRY], filter: { statuses: [PLANNED] })`.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn relations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these kinds (default: all).")] kinds: Option<Vec<RelationKind>>,
        #[graphql(desc = "Time, evidence and scope filters.")] filter: Option<RelationFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The cursor to continue after.")] after: Option<String>,
    ) -> Result<RelationConnection> {
        let store = ctx.data_unchecked::<Store>();
        let f = relation_filter(store, kinds, None, filter.as_ref())?;
        let admitted = store
            .graph
            .all_relations()
            .filter_map(|r| f.admit(&store.graph, r).map(|presence| (r, presence)));
        relation_page(admitted, first, after.as_deref(), |(ix, presence)| {
            Relation::alone(store, ix, presence, f.as_of)
        })
    }
}
