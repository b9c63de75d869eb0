//! The closed vocabularies of the model: entity kinds, relation kinds with the endpoints each
//! allows, statuses, event types and product categories. Each has one canonical snake_case name
//! used by the seed files, the CSV layout (upper-cased) and the GraphQL enums.

use std::fmt;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The canonical snake_case name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Reads a canonical name, ignoring ASCII case.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(text))
            }

            /// The accepted names, for error messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What an entity is.
    EntityKind {
        /// A maker of devices: Xiaomi, Huawei, Apple.
        Vendor = "vendor",
        /// A mobile network operator: AT&T.
        Carrier = "carrier",
        /// A sales channel: Walmart, Amazon.
        Retailer = "retailer",
        /// A device or accessory.
        Product = "product",
        /// A person.
        Person = "person",
        /// A country or region.
        Market = "market",
        /// Something that happened at a moment: a deal, a speech, an IPO.
        Event = "event",
        /// A document facts are cited to.
        Source = "source",
    }
}

impl EntityKind {
    /// Vendors, carriers and retailers.
    pub fn is_organisation(self) -> bool {
        matches!(
            self,
            EntityKind::Vendor | EntityKind::Carrier | EntityKind::Retailer
        )
    }
}

/// A set of entity kinds, as a bit mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindSet(u16);

impl KindSet {
    /// A set of the given kinds.
    pub const fn of(kinds: &[EntityKind]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << kinds[i] as u16;
            i += 1;
        }
        KindSet(bits)
    }

    /// No kind.
    pub const EMPTY: KindSet = KindSet(0);

    /// Every kind.
    pub const ALL: KindSet = KindSet::of(EntityKind::ALL);

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: EntityKind) -> bool {
        self.0 & (1 << kind as u16) != 0
    }

    /// The kinds in either set.
    pub const fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    /// Whether the sets share a kind.
    pub fn intersects(self, other: KindSet) -> bool {
        self.0 & other.0 != 0
    }

    /// The kinds at positions `first..after` of [`EntityKind::ALL`].
    pub fn between(first: usize, after: usize) -> KindSet {
        KindSet(((1u32 << after) - (1u32 << first)) as u16)
    }

    /// The positions (in [`EntityKind::ALL`]) of the first kind in the set and of the one after
    /// its last; `None` for the empty set. Kinds in between need not be in the set.
    pub fn span(self) -> Option<(usize, usize)> {
        (self.0 != 0).then(|| {
            (
                self.0.trailing_zeros() as usize,
                16 - self.0.leading_zeros() as usize,
            )
        })
    }

    /// The kinds in the set, for error messages.
    pub fn describe(self) -> String {
        EntityKind::ALL
            .iter()
            .filter(|k| self.contains(**k))
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

const ORGANISATION: KindSet = KindSet::of(&[
    EntityKind::Vendor,
    EntityKind::Carrier,
    EntityKind::Retailer,
]);
const VENDOR: KindSet = KindSet::of(&[EntityKind::Vendor]);
const MARKET: KindSet = KindSet::of(&[EntityKind::Market]);
const EVENT: KindSet = KindSet::of(&[EntityKind::Event]);
const PRODUCT_OR_VENDOR: KindSet = KindSet::of(&[EntityKind::Product, EntityKind::Vendor]);
const ANY_BUT_SOURCE: KindSet = KindSet::of(&[
    EntityKind::Vendor,
    EntityKind::Carrier,
    EntityKind::Retailer,
    EntityKind::Product,
    EntityKind::Person,
    EntityKind::Market,
    EntityKind::Event,
]);

vocabulary! {
    /// What a relation says. The list is the one place relation kinds are defined; see
    /// [`RelationKind::spec`] for each one's endpoints and meaning.
    RelationKind {
        /// A vendor makes a product.
        Makes = "makes",
        /// A carrier sells a product, or a vendor's devices, on its network.
        Carries = "carries",
        /// A retailer sells a product or a vendor's products.
        Sells = "sells",
        /// Two organisations partner (symmetric).
        PartnersWith = "partners_with",
        /// Two organisations compete (symmetric).
        CompetesWith = "competes_with",
        /// An organisation's headquarters are in a market.
        HeadquarteredIn = "headquartered_in",
        /// An organisation does business in a market.
        OperatesIn = "operates_in",
        /// A person holds a role (chairman, CEO…) at an organisation.
        ExecutiveOf = "executive_of",
        /// An entity takes part in an event, in a role.
        ParticipantIn = "participant_in",
        /// A vendor's rank and/or share in a market for a period.
        RanksIn = "ranks_in",
        /// An organisation plans to enter a market, by a target date.
        PlansEntry = "plans_entry",
        /// An organisation belongs to another.
        SubsidiaryOf = "subsidiary_of",
        /// A product is on sale in a market.
        AvailableIn = "available_in",
        /// A vendor has carrier partners in a market whose names the source does not give.
        HasCarrierPartnersIn = "has_carrier_partners_in",
        /// An event took place as part of a larger one (a keynote at a trade show).
        PartOf = "part_of",
        /// An event led to another.
        LedTo = "led_to",
    }
}

/// What a relation kind allows and means.
#[derive(Clone, Copy, Debug)]
pub struct RelationSpec {
    /// The kinds allowed at the `from` end.
    pub from: KindSet,
    /// The kinds allowed at the `to` end.
    pub to: KindSet,
    /// Whether the relation reads the same from both ends; stored once, read from both.
    pub symmetric: bool,
}

impl RelationKind {
    /// The endpoints and symmetry of this kind.
    pub fn spec(self) -> RelationSpec {
        use RelationKind::*;
        let (from, to, symmetric) = match self {
            Makes => (VENDOR, KindSet::of(&[EntityKind::Product]), false),
            Carries => (
                KindSet::of(&[EntityKind::Carrier]),
                PRODUCT_OR_VENDOR,
                false,
            ),
            Sells => (
                KindSet::of(&[EntityKind::Retailer]),
                PRODUCT_OR_VENDOR,
                false,
            ),
            PartnersWith | CompetesWith => (ORGANISATION, ORGANISATION, true),
            HeadquarteredIn | OperatesIn | PlansEntry => (ORGANISATION, MARKET, false),
            ExecutiveOf => (KindSet::of(&[EntityKind::Person]), ORGANISATION, false),
            ParticipantIn => (ANY_BUT_SOURCE, EVENT, false),
            RanksIn | HasCarrierPartnersIn => (VENDOR, MARKET, false),
            SubsidiaryOf => (ORGANISATION, ORGANISATION, false),
            AvailableIn => (KindSet::of(&[EntityKind::Product]), MARKET, false),
            PartOf | LedTo => (EVENT, EVENT, false),
        };
        RelationSpec {
            from,
            to,
            symmetric,
        }
    }
}

vocabulary! {
    /// Where a stateful relation (a deal, a plan, a partnership) stands.
    Status {
        /// Reported without confirmation.
        Rumoured = "rumoured",
        /// Intended by a party.
        Planned = "planned",
        /// Made public by a party.
        Announced = "announced",
        /// Confirmed by the parties.
        Confirmed = "confirmed",
        /// Called off before it took effect.
        Cancelled = "cancelled",
        /// Over after having been in force.
        Ended = "ended",
    }
}

vocabulary! {
    /// What kind of thing an event is.
    EventType {
        /// A product launch.
        Launch = "launch",
        /// A deal made.
        Deal = "deal",
        /// A deal pulled by one of its parties.
        DealPulled = "deal_pulled",
        /// A speech or keynote.
        Speech = "speech",
        /// A trade show or conference.
        TradeShow = "trade_show",
        /// An initial public offering, or a step towards one.
        Ipo = "ipo",
        /// A regulatory action.
        Regulation = "regulation",
        /// A public statement or interview.
        Statement = "statement",
        /// A change in how a market behaves.
        MarketTrend = "market_trend",
    }
}

vocabulary! {
    /// How far an event is established: what its sources say of it.
    EventStatus {
        /// Reported, not confirmed: "according to people familiar with the matter".
        Reported = "reported",
        /// Confirmed by a party to it or by its own record.
        Confirmed = "confirmed",
        /// Denied by a party to it.
        Denied = "denied",
    }
}

vocabulary! {
    /// What kind of device a product is.
    ProductCategory {
        /// A smartphone.
        Smartphone = "smartphone",
        /// A television set-top box.
        SetTopBox = "set_top_box",
        /// Headphones or earphones.
        Headphones = "headphones",
        /// A camera.
        Camera = "camera",
        /// A battery pack.
        BatteryPack = "battery_pack",
        /// A kit (robot, building, coding…).
        Kit = "kit",
        /// A tablet.
        Tablet = "tablet",
        /// A watch, band or other wearable.
        Wearable = "wearable",
        /// Anything else.
        Other = "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_any_case() {
        for kind in RelationKind::ALL {
            assert_eq!(
                RelationKind::parse(&kind.as_str().to_uppercase()),
                Some(*kind)
            );
        }
    }

    #[test]
    fn endpoints_are_checked() {
        let spec = RelationKind::Carries.spec();
        assert!(spec.from.contains(EntityKind::Carrier));
        assert!(!spec.from.contains(EntityKind::Vendor));
        assert_eq!(spec.to.describe(), "vendor or product");
        assert!(RelationKind::CompetesWith.spec().symmetric);
    }
}
