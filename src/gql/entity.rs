//! Entities as GraphQL sees them: the `Entity` interface and one object per kind, each with
//! typed relation fields that read naturally (`vendor.products`, `product.channels`…).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, ID, Interface, Object, OutputType, Positioned, Result,
    ServerResult, SimpleObject, Value,
};

use super::Store;
use super::date::Date;
use super::engine::list::{self, List, Objects, One};
use super::enums::{Direction, EntityKind, EventType, ProductCategory, RelationKind};
use super::relation::{
    Citation, FuzzyDate, Relation, RelationConnection, RelationFilter, citations, decimal, fuzzy,
    relation_filter, relations_of, relations_page_of,
};
use crate::graph::{self, EntityIx};
use crate::model::{self, RelationKind as K};

/// A citable property with the sources that support it.
#[derive(Clone)]
pub struct PropertySource {
    store: Store,
    property: graph::PropertyCitation,
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

/// A vendor's rank and/or share in a market for a period, with its evidence.
#[derive(Clone)]
pub struct MarketShare(Relation);

/// A vendor's rank and/or share in a market for a period, with its evidence.
#[Object(serial)]
impl MarketShare {
    /// The vendor.
    async fn vendor(&self) -> Entity {
        entity(
            &self.0.store,
            self.0.store.graph.relation(self.0.view.relation).from,
        )
    }
    /// The market.
    async fn market(&self) -> Entity {
        entity(
            &self.0.store,
            self.0.store.graph.relation(self.0.view.relation).to,
        )
    }
    /// The period the figures are for.
    async fn period(&self) -> Option<One<FuzzyDate>> {
        fuzzy(
            self.0
                .store
                .graph
                .relation_detail(self.0.view.relation)
                .period,
        )
    }
    /// The vendor's rank (1 = largest).
    async fn rank(&self) -> Option<u32> {
        self.0
            .store
            .graph
            .relation_detail(self.0.view.relation)
            .rank
    }
    /// Its share, 0–1.
    async fn share(&self) -> Option<f64> {
        self.0
            .store
            .graph
            .relation_detail(self.0.view.relation)
            .share
            .map(decimal)
    }
    /// What the source says when it gives no figure ("a respectable market share").
    async fn note(&self) -> Option<String> {
        self.0
            .store
            .graph
            .relation_detail(self.0.view.relation)
            .note
            .clone()
    }
    /// The sources, with quotes.
    async fn sources(&self) -> List<Citation> {
        citations(
            &self.0.store,
            &self
                .0
                .store
                .graph
                .relation_detail(self.0.view.relation)
                .sources,
        )
    }
    /// The `ranks_in` relation itself.
    async fn relation(&self) -> One<Relation> {
        One(self.0.clone())
    }
}

fn market_share(node: &Node, from: Option<Date>, to: Option<Date>) -> Result<Objects<MarketShare>> {
    let (from, to) = (from.map(Date::first_day), to.map(Date::last_day));
    Ok(node
        .store
        .graph
        .market_shares(node.ix, from, to)
        .into_iter()
        .map(|hop| MarketShare(Relation::from_hop(&node.store, node.ix, hop, None)))
        .collect())
}

/// An event's reported cause, weighed on its own.
#[derive(Clone)]
pub struct Cause {
    store: Store,
    cause: graph::Cause,
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
    })
}

/// What every entity object wraps: the store and a handle.
#[derive(Clone)]
pub struct Node {
    pub(crate) store: Store,
    pub(crate) ix: EntityIx,
}

impl Node {
    fn detail(&self) -> &graph::EntityDetail {
        self.store.graph.entity_detail(self.ix)
    }

    fn typed(
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

        $(#[$meta])*
        #[Object(serial)]
        impl $name {
            /// The curator-chosen id (`xiaomi`, `mate-10-pro`).
            async fn id(&self, _ctx: &Context<'_>) -> Result<ID> {
                Ok(ID(self.0.store.graph.entity(self.0.ix).id.to_string()))
            }
            /// What the entity is.
            async fn kind(&self, _ctx: &Context<'_>) -> Result<EntityKind> {
                Ok(self.0.store.graph.entity(self.0.ix).kind.into())
            }
            /// Its display name.
            async fn name(&self, _ctx: &Context<'_>) -> Result<String> {
                Ok(self.0.store.graph.entity(self.0.ix).name.to_string())
            }
            /// Other names, in any language.
            async fn aliases(&self, _ctx: &Context<'_>) -> Result<List<String>> {
                Ok(List(self.0.detail().aliases.clone()))
            }
            /// A short description.
            async fn description(&self, _ctx: &Context<'_>) -> Result<Option<String>> {
                Ok(self.0.detail().description.clone())
            }
            /// Its Wikidata item id, if known.
            async fn wikidata(&self, _ctx: &Context<'_>) -> Result<Option<String>> {
                Ok(self.0.detail().wikidata.clone())
            }
            /// Sources supporting the entity itself, with quotes.
            async fn citations(&self, _ctx: &Context<'_>) -> Result<List<Citation>> {
                Ok(citations(&self.0.store, &self.0.detail().sources))
            }
            /// Every document supporting anything about the entity: itself, its properties
            /// and its relations, in id order.
            async fn sources(&self, _ctx: &Context<'_>) -> Result<List<Source>> {
                let store = &self.0.store;
                Ok(store
                    .graph
                    .sources_about(self.0.ix)
                    .into_iter()
                    .map(|ix| Source(Node { store: store.clone(), ix }))
                    .collect())
            }
            /// Sources supporting individual properties (`founded`, `date`…).
            async fn property_sources(&self, _ctx: &Context<'_>) -> Result<List<PropertySource>> {
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
            async fn relations(
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
            async fn origin(&self, _ctx: &Context<'_>) -> Result<String> {
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

entity_object! {
    /// A maker of devices: Xiaomi, Huawei, ZTE, Apple, Samsung.
    Vendor {
        /// When it was founded.
        async fn founded(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().founded)
        }
        /// Its rank and share in every market, as a series by period.
        async fn market_share(
            &self,
            #[graphql(desc = "Only periods that may fall on or after this date's first day.")] from: Option<Date>,
            #[graphql(desc = "Only periods that may fall on or before this date's last day.")] to: Option<Date>,
        ) -> Result<Objects<MarketShare>> {
            market_share(&self.0, from, to)
        }
    }
    relations {
        /// Products it makes (`makes`).
        products => [Makes], Outgoing;
        /// People holding roles at it (`executive_of`, incoming).
        executives => [ExecutiveOf], Incoming;
        /// Where it is headquartered (`headquartered_in`).
        headquarters => [HeadquarteredIn], Outgoing;
        /// Markets it does business in (`operates_in`).
        markets => [OperatesIn], Outgoing;
        /// Organisations it partners with (`partners_with`).
        partners => [PartnersWith], Both;
        /// Organisations it competes with (`competes_with`).
        competitors => [CompetesWith], Both;
        /// Retailers selling and carriers carrying its products as a whole (`sells`, `carries`, incoming).
        channels => [Sells, Carries], Incoming;
        /// Its rank or share in markets (`ranks_in`).
        rankings => [RanksIn], Outgoing;
        /// Markets it plans to enter (`plans_entry`).
        entry_plans => [PlansEntry], Outgoing;
        /// Markets where it has carrier partners the sources do not name (`has_carrier_partners_in`).
        carrier_partner_markets => [HasCarrierPartnersIn], Outgoing;
        /// Organisations it belongs to or that belong to it (`subsidiary_of`).
        corporate_family => [SubsidiaryOf], Both;
        /// Events it took part in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A mobile network operator: AT&T, Verizon.
    Carrier {
        /// When it was founded.
        async fn founded(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().founded)
        }
    }
    relations {
        /// Organisations it partners with (`partners_with`).
        partners => [PartnersWith], Both;
        /// Products and vendors it carries (`carries`).
        products => [Carries], Outgoing;
        /// Where it is headquartered (`headquartered_in`).
        headquarters => [HeadquarteredIn], Outgoing;
        /// Markets it operates in (`operates_in`).
        markets => [OperatesIn], Outgoing;
        /// People holding roles at it (`executive_of`, incoming).
        executives => [ExecutiveOf], Incoming;
        /// Organisations it competes with (`competes_with`).
        competitors => [CompetesWith], Both;
        /// Events it took part in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A sales channel: Walmart, Amazon.
    Retailer {
        /// When it was founded.
        async fn founded(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().founded)
        }
    }
    relations {
        /// Products and vendors it sells (`sells`).
        products => [Sells], Outgoing;
        /// Where it is headquartered (`headquartered_in`).
        headquarters => [HeadquarteredIn], Outgoing;
        /// Markets it operates in (`operates_in`).
        markets => [OperatesIn], Outgoing;
        /// Organisations it partners with (`partners_with`).
        partners => [PartnersWith], Both;
        /// Events it took part in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A device or accessory: Mate 10 Pro, Mi TV.
    Product {
        /// What kind of device it is.
        async fn category(&self) -> Option<ProductCategory> {
            self.0.detail().category.map(Into::into)
        }
        /// When it was released.
        async fn released(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().released)
        }
    }
    relations {
        /// Who makes it (`makes`, incoming).
        makers => [Makes], Incoming;
        /// Retailers selling it and carriers carrying it (`sells`, `carries`, incoming).
        channels => [Sells, Carries], Incoming;
        /// Markets where it is on sale (`available_in`).
        available_in => [AvailableIn], Outgoing;
        /// Events it figured in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A person: Lei Jun, Richard Yu.
    Person {
    }
    relations {
        /// Roles held at organisations (`executive_of`).
        roles => [ExecutiveOf], Outgoing;
        /// Events taken part in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A country or region: the United States (`us`), China (`cn`).
    Market {
        /// Its ISO 3166 code, if it is a country.
        async fn iso_code(&self) -> Option<String> {
            self.0.detail().iso_code.clone()
        }
        /// Every vendor's rank and share here, as a series by period.
        async fn market_share(
            &self,
            #[graphql(desc = "Only periods that may fall on or after this date's first day.")] from: Option<Date>,
            #[graphql(desc = "Only periods that may fall on or before this date's last day.")] to: Option<Date>,
        ) -> Result<Objects<MarketShare>> {
            market_share(&self.0, from, to)
        }
    }
    relations {
        /// Organisations headquartered here (`headquartered_in`, incoming).
        headquartered => [HeadquarteredIn], Incoming;
        /// Organisations operating here (`operates_in`, incoming).
        operators => [OperatesIn], Incoming;
        /// Vendors' ranks and shares here (`ranks_in`, incoming).
        rankings => [RanksIn], Incoming;
        /// Plans to enter this market (`plans_entry`, incoming).
        entry_plans => [PlansEntry], Incoming;
        /// Products on sale here (`available_in`, incoming).
        products => [AvailableIn], Incoming;
        /// Vendors with unnamed carrier partners here (`has_carrier_partners_in`, incoming).
        vendors_with_carrier_partners => [HasCarrierPartnersIn], Incoming;
        /// Events it figured in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// Something that happened at a moment: a deal pulled, a keynote, an IPO plan.
    Event {
        /// What kind of event it is.
        async fn event_type(&self) -> Option<EventType> {
            self.0.detail().event_type.map(Into::into)
        }
        /// When it happened.
        async fn date(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().date)
        }
        /// What happened.
        async fn summary(&self) -> Option<String> {
            self.0.detail().summary.clone()
        }
        /// Its reported cause, with its own confidence and sources.
        async fn cause(&self) -> Option<One<Cause>> {
            self.0.detail().cause.clone().map(|cause| {
                One(Cause {
                    store: self.0.store.clone(),
                    cause,
                })
            })
        }
        /// Relations whose status history cites this event (the deals it changed).
        async fn changed(&self) -> Objects<Relation> {
            self.0
                .store
                .graph
                .changed_by(self.0.ix)
                .iter()
                .map(|&ix| Relation::alone(&self.0.store, ix, model::Presence::Sure, None))
                .collect()
        }
    }
    relations {
        /// Who and what took part, with roles (`participant_in`, incoming).
        participants => [ParticipantIn], Incoming;
        /// The larger events it was part of (`part_of`).
        part_of => [PartOf], Outgoing;
        /// Events that took place within it (`part_of`, incoming).
        parts => [PartOf], Incoming;
        /// Events it led to (`led_to`).
        led_to => [LedTo], Outgoing;
        /// Events that led to it (`led_to`, incoming).
        led_from => [LedTo], Incoming;
    }
}

entity_object! {
    /// A document facts are cited to.
    Source {
        /// Its title.
        async fn title(&self) -> Option<String> {
            self.0.detail().title.clone()
        }
        /// Who published it.
        async fn publisher(&self) -> Option<String> {
            self.0.detail().publisher.clone()
        }
        /// When it was published, to the precision known.
        async fn date(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().date)
        }
        /// Its address, if known.
        async fn url(&self) -> Option<String> {
            self.0.detail().url.clone()
        }
        /// Everything this document supports: the entities citing it for themselves or a
        /// property, and the relations citing it.
        async fn supports(&self) -> One<Supports> {
            let store = &self.0.store;
            let citing = store.graph.citing(self.0.ix);
            One(Supports {
                entities: citing.entities.iter().map(|&e| entity(store, e)).collect(),
                relations: citing
                    .relations
                    .iter()
                    .map(|&ix| Relation::alone(store, ix, model::Presence::Sure, None))
                    .collect(),
            })
        }
    }
    relations {}
}
