//! How long the schema's lists can be, from the data: what `admit` prices a query by. An
//! entity the query names (`entity(id: "apple")`) is sized by its own rows; any other by the
//! longest of the data ([`graph::Largest`]). Every answer is an upper bound of what the
//! resolver can return.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use super::kinds::{
    Brand, Carrier, Document, Event, GovernmentBody, Market, MediaOutlet, Person, Product,
    Retailer, Source, Vendor,
};
use crate::admit::{Call, Scope, Sizes};
use crate::graph::{self, EntityIx, Graph};
use crate::model::{EntityKind, EventType, ProductCategory, RelationKind};

/// A typed relation field's kinds and the way it follows them.
type Follows = (&'static [RelationKind], graph::Direction);
/// The typed relation fields of each entity object (`Vendor.products`), by GraphQL names: the
/// object's, then the field's.
type Typed = FxHashMap<&'static str, FxHashMap<String, Follows>>;

static TYPED: LazyLock<Typed> = LazyLock::new(|| {
    type Fields = &'static [(&'static str, &'static [RelationKind], graph::Direction)];
    let kinds: [(&str, Fields); 12] = [
        ("Vendor", Vendor::TYPED),
        ("Carrier", Carrier::TYPED),
        ("Retailer", Retailer::TYPED),
        ("Product", Product::TYPED),
        ("Person", Person::TYPED),
        ("Market", Market::TYPED),
        ("Event", Event::TYPED),
        ("Source", Source::TYPED),
        ("GovernmentBody", GovernmentBody::TYPED),
        ("MediaOutlet", MediaOutlet::TYPED),
        ("Brand", Brand::TYPED),
        ("Document", Document::TYPED),
    ];
    let mut typed = Typed::default();
    for (on, fields) in kinds {
        let by_name = fields
            .iter()
            .map(|&(field, relation_kinds, direction)| {
                (camel_case(field), (relation_kinds, direction))
            })
            .collect();
        typed.insert(on, by_name);
    }
    typed
});

/// `entry_plans` → `entryPlans`, as async-graphql names fields.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The entity kind an object type or the `Entity` interface stands for: `None` for the
/// interface (any kind) and for any other type.
fn kind_of_type(name: &str) -> Option<Option<EntityKind>> {
    Some(Some(match name {
        "Entity" => return Some(None),
        "Vendor" => EntityKind::Vendor,
        "Carrier" => EntityKind::Carrier,
        "Retailer" => EntityKind::Retailer,
        "Product" => EntityKind::Product,
        "Person" => EntityKind::Person,
        "Market" => EntityKind::Market,
        "Event" => EntityKind::Event,
        "Source" => EntityKind::Source,
        "GovernmentBody" => EntityKind::GovernmentBody,
        "MediaOutlet" => EntityKind::MediaOutlet,
        "Brand" => EntityKind::Brand,
        "Document" => EntityKind::Document,
        _ => return None,
    }))
}

/// The data's sizes, as `admit` asks for them. An entity in a [`Scope`] is its number.
pub(crate) struct DataSizes<'g> {
    pub(crate) graph: &'g Graph,
}

impl DataSizes<'_> {
    /// The entity a scope names, if any.
    fn named(&self, scope: Scope) -> Option<EntityIx> {
        scope.of.map(EntityIx)
    }

    /// How many relations of `kinds` (all when empty) the scope's entity has in
    /// `direction`, or the most an entity of the type has.
    fn relations(
        &self,
        call: &Call<'_>,
        kind: Option<EntityKind>,
        kinds: &[RelationKind],
        direction: graph::Direction,
    ) -> u64 {
        match self.named(call.scope) {
            Some(ix) => self.graph.rows(ix).of(kinds, direction),
            None => self.graph.largest().of(kind, kinds, direction),
        }
    }

    /// The scope of a field about the entity an argument names: that entity, nothing (`null`
    /// or an error) when there is no such entity, any when the argument is not known.
    fn scope_named(&self, call: &Call<'_>, argument: &str) -> Scope {
        match call.text(argument).map(|id| self.graph.lookup(&id)) {
            Some(Some(ix)) => Scope {
                of: Some(ix.index() as u32),
                ..Scope::default()
            },
            Some(None) => Scope {
                none: true,
                ..Scope::default()
            },
            None => Scope::default(),
        }
    }

    /// Whether the call names, by this argument, an entity there is not (the field is then an
    /// error).
    fn absent(&self, call: &Call<'_>, argument: &str) -> bool {
        call.text(argument)
            .is_some_and(|id| self.graph.lookup(&id).is_none())
    }

    /// How many relations an entity the call names by an argument has: none when there is
    /// no such entity (the field is then an error), the most of any when it is not known.
    fn relations_named(&self, call: &Call<'_>, argument: &str) -> u64 {
        match call.text(argument).map(|id| self.graph.lookup(&id)) {
            Some(Some(ix)) => self.graph.rows(ix).total(),
            Some(None) => 0,
            None => self.graph.largest().degree.into(),
        }
    }

    /// The fields every entity type has.
    fn entity_field(&self, call: &Call<'_>, kind: Option<EntityKind>) -> Option<u64> {
        let largest = self.graph.largest();
        let named = self
            .named(call.scope)
            .map(|ix| self.graph.entity_detail(ix));
        Some(match call.field {
            "relations" => {
                let kinds: Vec<RelationKind> = call
                    .texts("kinds")
                    .iter()
                    .filter_map(|k| RelationKind::parse(k))
                    .collect();
                let direction = match call.text("direction").as_deref() {
                    Some("OUTGOING") => graph::Direction::Outgoing,
                    Some("INCOMING") => graph::Direction::Incoming,
                    _ => graph::Direction::Both,
                };
                self.relations(call, kind, &kinds, direction)
            }
            "aliases" => named
                .map_or(largest.aliases, |d| d.aliases.len() as u32)
                .into(),
            "citations" => named
                .map_or(largest.citations, |d| d.sources.len() as u32)
                .into(),
            "propertySources" => named
                .map_or(largest.property_sources, |d| {
                    d.property_sources.len() as u32
                })
                .into(),
            "sources" => {
                largest.sources_about(self.relations(call, kind, &[], graph::Direction::Both))
            }
            "marketShare" => {
                self.relations(call, kind, &[RelationKind::RanksIn], graph::Direction::Both)
            }
            "changed" => match self.named(call.scope) {
                Some(ix) => self.graph.changed_by(ix).len() as u64,
                None => largest.changed.into(),
            },
            field => {
                let &(kinds, direction) = TYPED.get(call.on)?.get(field)?;
                self.relations(call, kind, kinds, direction)
            }
        })
    }
}

impl DataSizes<'_> {
    /// How many entities the relations a `groupCount(by: RELATED)` follows can lead to: those
    /// of the kinds at their far end.
    fn related_ends(&self, call: &Call<'_>) -> u64 {
        let kinds: Vec<RelationKind> = call
            .texts("relationKinds")
            .iter()
            .filter_map(|k| RelationKind::parse(k))
            .collect();
        if kinds.is_empty() {
            return self.graph.entity_count() as u64;
        }
        let direction = call.text("relationDirection");
        let ends = kinds
            .iter()
            .fold(crate::model::KindSet::EMPTY, |set, kind| {
                let spec = kind.spec();
                match direction.as_deref() {
                    Some("OUTGOING") if !spec.symmetric => set.union(spec.to),
                    Some("INCOMING") if !spec.symmetric => set.union(spec.from),
                    _ => set.union(spec.from).union(spec.to),
                }
            });
        EntityKind::ALL
            .iter()
            .filter(|&&k| ends.contains(k))
            .map(|&k| self.graph.entities_of(Some(k)).len() as u64)
            .sum()
    }
}

/// Entities a scan reads for each point of its price.
const ENTITIES_PER_POINT: u64 = 100;

impl Sizes for DataSizes<'_> {
    fn items(&self, call: &Call<'_>) -> Option<u64> {
        if let Some(kind) = kind_of_type(call.on) {
            return self.entity_field(call, kind);
        }
        let graph = self.graph;
        let largest = graph.largest();
        Some(match (call.on, call.field) {
            ("Query", "entities") => {
                let kind = call.text("kind").and_then(|k| EntityKind::parse(&k));
                graph.entities_of(kind).len() as u64
            }
            ("Query", "search") => graph.entity_count() as u64,
            ("Query", "textSearch") => call.int("first").unwrap_or(10),
            ("Query", "relations") => graph.relation_count() as u64,
            ("Query", "relationKinds" | "relationCounts") => RelationKind::ALL.len() as u64,
            ("Stats", "byKind") => EntityKind::ALL.len() as u64,
            ("Query", "groupCount") => match call.text("by").as_deref() {
                Some("KIND") => EntityKind::ALL.len() as u64,
                Some("CATEGORY") => ProductCategory::ALL.len() as u64 + 1,
                Some("EVENT_TYPE") => EventType::ALL.len() as u64 + 1,
                Some("YEAR") => u64::from(largest.years) + 1,
                // The entities the relations can lead to, and `none`.
                _ => self.related_ends(call) + 1,
            },
            ("Query", "paths") => call.int("limit")?,
            ("Path", "hops" | "nodes") => call.scope.bound?,
            ("Neighbourhood", "nodes") => call.scope.bound?,
            ("Neighbourhood", "edges") => {
                largest.among(call.scope.bound?, graph.relation_count() as u64)
            }
            ("Query", "commonNeighbours") => self
                .relations_named(call, "a")
                .min(self.relations_named(call, "b")),
            ("CommonNeighbour", "viaA" | "viaB") => largest.pair.into(),
            ("Query", "timeline") => largest.timeline(self.relations_named(call, "entity")),
            ("Component", "members") => call.scope.bound?,
            ("Relation", "statusHistory") => largest.status_steps.into(),
            (
                "Relation" | "MarketShare" | "Cause" | "PropertySource" | "StatusChange"
                | "TimelineEntry" | "PlannedEnd" | "Claim" | "WatchAlert",
                "sources",
            ) => largest.citations.into(),
            ("DataChanged", "changes") => super::subscription::EVENT_CHANGES as u64,
            ("DataChanged", "byKind") => (EntityKind::ALL.len() + RelationKind::ALL.len()) as u64,
            // The fields `graph::diff` compares: an entity's 24, a relation's 21.
            ("DataChange", "fields") => 24,
            ("Event" | "Relation", "amounts") => largest.amounts.into(),
            ("Event" | "Relation", "after" | "before") => largest.order.into(),
            // Its own, its relations' and its events': at most two holders a relation.
            ("AmountReport", "items" | "totals") => match self.named(call.scope) {
                Some(ix) => graph.amounts_about(ix, None).len() as u64,
                None => (2 * u64::from(largest.degree) + 1) * u64::from(largest.amounts),
            },
            ("Query", "claims") => match call.text("by").map(|id| graph.lookup(&id)) {
                Some(Some(ix)) => graph.claims_by(ix).len() as u64,
                Some(None) => 0,
                None => largest.claims.into(),
            },
            ("Supports", "entities") => match self.named(call.scope) {
                Some(ix) => graph.citing(ix).entities.len() as u64,
                None => largest.citing_entities.into(),
            },
            ("Supports", "relations") => match self.named(call.scope) {
                Some(ix) => graph.citing(ix).relations.len() as u64,
                None => largest.citing_relations.into(),
            },
            _ => return None,
        })
    }

    /// A question that may read every entity of a kind (a condition, an ordering, a count by
    /// group) pays a point for each [`ENTITIES_PER_POINT`] of them.
    fn work(&self, call: &Call<'_>) -> u64 {
        let scans = match (call.on, call.field) {
            ("Query", "entities") => call.has("where") || call.has("orderBy"),
            ("Query", "count") => call.has("where"),
            ("Query", "groupCount") => true,
            _ => false,
        };
        if !scans {
            return 0;
        }
        let kind = call.text("kind").and_then(|k| EntityKind::parse(&k));
        self.graph.entities_of(kind).len() as u64 / ENTITIES_PER_POINT
    }

    fn scope(&self, call: &Call<'_>) -> Scope {
        match (call.on, call.field) {
            ("Query", "entity") => self.scope_named(call, "id"),
            ("Query", "amounts") => self.scope_named(call, "about"),
            // A source's `supports` is about the source.
            ("Source", "supports") => call.scope,
            ("Query", "paths") => Scope {
                bound: call.int("maxHops").map(|hops| hops + 1),
                none: self.absent(call, "from") || self.absent(call, "to"),
                ..Scope::default()
            },
            ("Query", "neighbourhood") => Scope {
                bound: call.int("limit"),
                none: self.absent(call, "center"),
                ..Scope::default()
            },
            ("Query", "components") => Scope {
                bound: Some(call.int("membersFirst").unwrap_or(20)),
                ..Scope::default()
            },
            _ => Scope::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_are_named_as_the_schema_names_them() {
        let sdl = crate::gql::sdl();
        for (on, field) in TYPED
            .iter()
            .flat_map(|(on, f)| f.keys().map(move |k| (on, k)))
        {
            let ty = sdl
                .split(&format!("type {on} implements Entity {{"))
                .nth(1)
                .and_then(|rest| rest.split("\n}").next())
                .unwrap();
            assert!(ty.contains(&format!("\t{field}(")), "{on}.{field}");
        }
        assert_eq!(
            camel_case("carrier_partner_markets"),
            "carrierPartnerMarkets"
        );
    }
}
