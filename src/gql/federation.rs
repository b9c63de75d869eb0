//! Apollo Federation v2 (`--federation`): phonegraph as a subgraph. Every entity type carries
//! `@key(fields: "id")`; `_service { sdl }` gives the subgraph's SDL and
//! `_entities(representations:)` finds entities by kind and id, so another subgraph can add
//! fields to phonegraph's products, or point at its vendors.
//!
//! async-graphql turns federation on for every schema whose root has an entity lookup, and the
//! plain schema must stay as it is: so the lookups live in their own object, merged into a
//! root of their own only in the federated schema.

use async_graphql::{Context, EmptyMutation, EmptySubscription, ID, Object, Schema};

use super::Store;
use super::kinds::{
    Brand, Carrier, Document, Event, GovernmentBody, Market, MediaOutlet, Person, Product,
    Retailer, Source, Vendor,
};
use crate::model::EntityKind;

super::query::query_root! {
    // The federated root: the API's, and the entity lookups `_entities` calls.
    /// The entry points of the API.
    @name "Query" FederatedQuery, Lookups
}

/// The schema a subgraph serves: subscriptions are not federated.
pub type FederatedSchema = Schema<FederatedQuery, EmptyMutation, EmptySubscription>;

/// The entity lookups of the federated schema, one a kind.
#[derive(Default)]
pub struct Lookups;

/// The node of an entity of `kind` with this id; `None` when there is none, or it is of
/// another kind (a gateway then gets null for that representation).
fn find(ctx: &Context<'_>, id: &ID, kind: EntityKind) -> Option<super::entity::Node> {
    let store = ctx.data_unchecked::<Store>();
    let ix = store.graph.lookup(id)?;
    (store.graph.kind_of(ix) == kind).then(|| super::entity::Node {
        store: store.clone(),
        ix,
    })
}

macro_rules! lookups {
    ($($method:ident => $kind:ident),* $(,)?) => {
        #[Object]
        impl Lookups {
            $(
                #[graphql(entity)]
                async fn $method(&self, ctx: &Context<'_>, id: ID) -> Option<$kind> {
                    find(ctx, &id, EntityKind::$kind).map($kind)
                }
            )*
        }
    };
}

lookups! {
    vendor_by_id => Vendor,
    carrier_by_id => Carrier,
    retailer_by_id => Retailer,
    product_by_id => Product,
    person_by_id => Person,
    market_by_id => Market,
    event_by_id => Event,
    source_by_id => Source,
    government_body_by_id => GovernmentBody,
    media_outlet_by_id => MediaOutlet,
    brand_by_id => Brand,
    document_by_id => Document,
}
