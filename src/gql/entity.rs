//! Entities as GraphQL sees them: the `Entity` interface, the `Entity` value every field that
//! returns an entity gives, and `entity_object!`, which makes the object of each kind
//! (`kinds.rs`).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, ID, Interface, OutputType, Positioned, Result, ServerResult,
    Value,
};

use super::Store;
use super::engine::list::{self, List};
use super::enums::{Direction, EntityKind, RelationKind};
use super::evidence::{Citation, PropertySource};
use super::kinds::{
    Brand, Carrier, Document, Event, GovernmentBody, Market, MediaOutlet, Person, Product,
    Retailer, Source, Vendor,
};
use super::page::RelationConnection;
use super::relation::{Relation, RelationFilter, relations_of};
use crate::graph::{self, EntityIx};
use crate::model::{self, RelationKind as K};

/// An entity of the market graph. Every kind has these fields; the kind's own type adds typed
/// relation fields.
// clippy reads the repeated `ty = …` keys of the field list as duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    name = "Entity",
    field(
        name = "id",
        ty = "ID",
        desc = "The curator-chosen id (`xiaomi`, `mate-10-pro`)."
    ),
    field(name = "kind", ty = "EntityKind", desc = "What the entity is."),
    field(name = "name", ty = "String", desc = "Its display name."),
    field(
        name = "aliases",
        ty = "List<String>",
        desc = "Other names, in any language."
    ),
    field(
        name = "description",
        ty = "Option<String>",
        desc = "A short description."
    ),
    field(
        name = "wikidata",
        ty = "Option<String>",
        desc = "Its Wikidata item id, if known."
    ),
    field(
        name = "citations",
        ty = "List<Citation>",
        desc = "Sources supporting the entity itself, with quotes."
    ),
    field(
        name = "sources",
        ty = "List<Source>",
        desc = "Every document supporting anything about the entity: itself, its properties and its relations."
    ),
    field(
        name = "property_sources",
        ty = "List<PropertySource>",
        desc = "Sources supporting individual properties (`founded`, `date`…)."
    ),
    field(
        name = "relations",
        ty = "RelationConnection",
        desc = "Every relation of the entity, paged, in a stable order: outgoing first, then incoming.",
        arg(
            name = "kinds",
            ty = "Option<Vec<RelationKind>>",
            desc = "Only these kinds (default: all)."
        ),
        arg(
            name = "direction",
            ty = "Option<Direction>",
            desc = "Which way to follow relations (default: BOTH)."
        ),
        arg(
            name = "filter",
            ty = "Option<RelationFilter>",
            desc = "Time, evidence and scope filters."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Page size, at most 100 (default 20)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "The cursor to continue after."
        )
    ),
    field(
        name = "origin",
        ty = "String",
        desc = "Where it is defined in the seed data (`file:line:column`)."
    )
)]
pub enum EntityInterface {
    /// A maker of devices.
    Vendor(Vendor),
    /// A mobile network operator.
    Carrier(Carrier),
    /// A sales channel.
    Retailer(Retailer),
    /// A device or accessory.
    Product(Product),
    /// A person.
    Person(Person),
    /// A country or region.
    Market(Market),
    /// Something that happened at a moment.
    Event(Event),
    /// A document facts are cited to.
    Source(Source),
    /// A public body.
    GovernmentBody(GovernmentBody),
    /// A news organisation.
    MediaOutlet(MediaOutlet),
    /// A brand an organisation sells under.
    Brand(Brand),
    /// A bill, law, order or other instrument.
    Document(Document),
}

/// An entity, as the schema's `Entity` interface.
///
/// It resolves as the object of its kind: async-graphql's own resolution of an interface
/// reports an error in one of its fields without the field's path. Under the fast engine the
/// object's fields resolve one after another in place (see `engine::list::Objects`):
/// async-graphql resolves them concurrently, each a boxed future in a set of futures, and most
/// answers hold many entities, each of which would pay for that machinery. One box an entity
/// remains.
#[derive(Clone)]
pub struct Entity(EntityInterface);

impl OutputType for Entity {
    fn type_name() -> Cow<'static, str> {
        EntityInterface::type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        EntityInterface::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        self.resolve_boxed(ctx, field).await
    }
}

impl Entity {
    /// Resolves the entity as the object of its kind. An entity's fields lead to other
    /// entities: the box, of a type named here, ends the recursion of future types.
    fn resolve_boxed<'a>(
        &'a self,
        ctx: &'a ContextSelectionSet<'_>,
        field: &'a Positioned<Field>,
    ) -> Pin<Box<dyn Future<Output = ServerResult<Value>> + Send + 'a>> {
        use EntityInterface as E;
        match &self.0 {
            E::Vendor(o) => Box::pin(list::object(ctx, o, field)),
            E::Carrier(o) => Box::pin(list::object(ctx, o, field)),
            E::Retailer(o) => Box::pin(list::object(ctx, o, field)),
            E::Product(o) => Box::pin(list::object(ctx, o, field)),
            E::Person(o) => Box::pin(list::object(ctx, o, field)),
            E::Market(o) => Box::pin(list::object(ctx, o, field)),
            E::Event(o) => Box::pin(list::object(ctx, o, field)),
            E::Source(o) => Box::pin(list::object(ctx, o, field)),
            E::GovernmentBody(o) => Box::pin(list::object(ctx, o, field)),
            E::MediaOutlet(o) => Box::pin(list::object(ctx, o, field)),
            E::Brand(o) => Box::pin(list::object(ctx, o, field)),
            E::Document(o) => Box::pin(list::object(ctx, o, field)),
        }
    }
}

/// The GraphQL object for an entity, by its kind.
pub(crate) fn entity(store: &Store, ix: EntityIx) -> Entity {
    use EntityInterface as E;
    let node = Node {
        store: store.clone(),
        ix,
    };
    Entity(match store.graph.entity(ix).kind {
        model::EntityKind::Vendor => E::Vendor(Vendor(node)),
        model::EntityKind::Carrier => E::Carrier(Carrier(node)),
        model::EntityKind::Retailer => E::Retailer(Retailer(node)),
        model::EntityKind::Product => E::Product(Product(node)),
        model::EntityKind::Person => E::Person(Person(node)),
        model::EntityKind::Market => E::Market(Market(node)),
        model::EntityKind::Event => E::Event(Event(node)),
        model::EntityKind::Source => E::Source(Source(node)),
        model::EntityKind::GovernmentBody => E::GovernmentBody(GovernmentBody(node)),
        model::EntityKind::MediaOutlet => E::MediaOutlet(MediaOutlet(node)),
        model::EntityKind::Brand => E::Brand(Brand(node)),
        model::EntityKind::Document => E::Document(Document(node)),
    })
}

/// What every entity object wraps: the store and a handle.
#[derive(Clone)]
pub struct Node {
    pub(crate) store: Store,
    pub(crate) ix: EntityIx,
}

impl Node {
    pub(crate) fn detail(&self) -> &graph::EntityDetail {
        self.store.graph.entity_detail(self.ix)
    }

    pub(crate) fn typed(
        &self,
        ctx: &Context<'_>,
        kinds: &[K],
        direction: graph::Direction,
        filter: Option<&RelationFilter>,
    ) -> Result<Vec<Relation>> {
        relations_of(ctx, self.ix, kinds, direction, filter)
    }
}

/// Defines an entity object: the interface's fields, then the kind's own.
macro_rules! entity_object {
    (
        $(#[$meta:meta])* $name:ident { $($own:tt)* }
        relations { $($(#[$rmeta:meta])* $field:ident => [$($kind:ident),+], $dir:ident;)* }
    ) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(pub(crate) Node);

        impl $name {
            /// Its typed relation fields (`products`…), as `(name, kinds, direction)`; the
            /// name as written here, in snake case.
            pub(crate) const TYPED: &'static [(&'static str, &'static [K], graph::Direction)] = &[
                $((stringify!($field), &[$(K::$kind),+], graph::Direction::$dir),)*
            ];
        }

        $(#[$meta])*
        #[Object(serial)]
        impl $name {
            /// The curator-chosen id (`xiaomi`, `mate-10-pro`).
            pub(crate) async fn id(&self, _ctx: &Context<'_>) -> Result<ID> {
                Ok(ID(self.0.store.graph.entity(self.0.ix).id.to_string()))
            }
            /// What the entity is.
            pub(crate) async fn kind(&self, _ctx: &Context<'_>) -> Result<EntityKind> {
                Ok(self.0.store.graph.entity(self.0.ix).kind.into())
            }
            /// Its display name.
            pub(crate) async fn name(&self, _ctx: &Context<'_>) -> Result<String> {
                Ok(self.0.store.graph.entity(self.0.ix).name.to_string())
            }
            /// Other names, in any language.
            pub(crate) async fn aliases(&self, _ctx: &Context<'_>) -> Result<List<String>> {
                Ok(List(self.0.detail().aliases.clone()))
            }
            /// A short description.
            pub(crate) async fn description(&self, _ctx: &Context<'_>) -> Result<Option<String>> {
                Ok(self.0.detail().description.clone())
            }
            /// Its Wikidata item id, if known.
            pub(crate) async fn wikidata(&self, _ctx: &Context<'_>) -> Result<Option<String>> {
                Ok(self.0.detail().wikidata.clone())
            }
            /// Sources supporting the entity itself, with quotes.
            pub(crate) async fn citations(&self, _ctx: &Context<'_>) -> Result<List<Citation>> {
                Ok(citations(&self.0.store, &self.0.detail().sources))
            }
            /// Every document supporting anything about the entity: itself, its properties
            /// and its relations, in id order.
            pub(crate) async fn sources(&self, _ctx: &Context<'_>) -> Result<List<Source>> {
                let store = &self.0.store;
                Ok(store
                    .graph
                    .sources_about(self.0.ix)
                    .into_iter()
                    .map(|ix| Source(Node { store: store.clone(), ix }))
                    .collect())
            }
            /// Sources supporting individual properties (`founded`, `date`…).
            pub(crate) async fn property_sources(&self, _ctx: &Context<'_>) -> Result<List<PropertySource>> {
                Ok(self
                    .0
                    .detail()
                    .property_sources
                    .iter()
                    .map(|p| PropertySource {
                        store: self.0.store.clone(),
                        property: p.clone(),
                    })
                    .collect())
            }
            /// Every relation of the entity, paged, in a stable order: outgoing first, then
            /// incoming.
            #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
            pub(crate) async fn relations(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Only these kinds (default: all).")] kinds: Option<Vec<RelationKind>>,
                #[graphql(desc = "Which way to follow relations (default: BOTH).")] direction: Option<Direction>,
                #[graphql(desc = "Time, evidence and scope filters.")] filter: Option<RelationFilter>,
                #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
                #[graphql(desc = "The cursor to continue after.")] after: Option<String>,
            ) -> Result<RelationConnection> {
                let store = ctx.data_unchecked::<Store>();
                let filter = relation_filter(store, kinds, direction, filter.as_ref())?;
                relations_page_of(store, self.0.ix, &filter, first, after.as_deref())
            }
            /// Where it is defined in the seed data (`file:line:column`).
            pub(crate) async fn origin(&self, _ctx: &Context<'_>) -> Result<String> {
                Ok(self.0.detail().origin.clone())
            }
            $($own)*
            $(
                $(#[$rmeta])*
                #[graphql(complexity = "10 * child_complexity")]
                async fn $field(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(desc = "Time, evidence and scope filters.")] filter: Option<RelationFilter>,
                ) -> Result<Objects<Relation>> {
                    self.0
                        .typed(ctx, &[$(K::$kind),+], graph::Direction::$dir, filter.as_ref())
                        .map(Objects)
                }
            )*
        }
    };
}

pub(crate) use entity_object;
