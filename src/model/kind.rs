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
        /// A public body: an agency, a department, a regulator, a legislature or one of its
        /// chambers, a court, an administration.
        GovernmentBody = "government_body",
        /// A news organisation: a newspaper, a wire service, a broadcaster.
        MediaOutlet = "media_outlet",
        /// A brand an organisation sells under: Honor (Huawei), Redmi (Xiaomi).
        Brand = "brand",
        /// A bill, law, order or other instrument a public body acts on.
        Document = "document",
    }
}

impl EntityKind {
    /// The kinds that can claim something: organisations, people, government bodies, media
    /// outlets and brands.
    pub const PARTIES: KindSet = KindSet::of(&[
        EntityKind::Vendor,
        EntityKind::Carrier,
        EntityKind::Retailer,
        EntityKind::Person,
        EntityKind::GovernmentBody,
        EntityKind::MediaOutlet,
        EntityKind::Brand,
    ]);

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
const GOVERNMENT: KindSet = KindSet::of(&[EntityKind::GovernmentBody]);
const PERSON: KindSet = KindSet::of(&[EntityKind::Person]);
const PRODUCT: KindSet = KindSet::of(&[EntityKind::Product]);
/// What a restriction or a regulator can act on: organisations, brands and products.
const REGULATED: KindSet =
    ORGANISATION.union(KindSet::of(&[EntityKind::Brand, EntityKind::Product]));
const MARKET: KindSet = KindSet::of(&[EntityKind::Market]);
const EVENT: KindSet = KindSet::of(&[EntityKind::Event]);
const PRODUCT_OR_VENDOR: KindSet =
    KindSet::of(&[EntityKind::Product, EntityKind::Vendor, EntityKind::Brand]);
const ANY_BUT_SOURCE: KindSet = KindSet::of(&[
    EntityKind::Vendor,
    EntityKind::Carrier,
    EntityKind::Retailer,
    EntityKind::Product,
    EntityKind::Person,
    EntityKind::Market,
    EntityKind::Event,
    EntityKind::GovernmentBody,
    EntityKind::MediaOutlet,
    EntityKind::Brand,
    EntityKind::Document,
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
        /// A person holds a public office at a government body, with a title (`role`).
        HoldsOffice = "holds_office",
        /// A government body (or a document it issued) restricts an organisation, brand or
        /// product: a ban, a sanction, a denial order (`measure`, with its `terms`).
        Restricts = "restricts",
        /// A government body regulates an organisation, a brand or a product.
        Regulates = "regulates",
        /// A government body certifies a product.
        Certifies = "certifies",
        /// A government body acts on a document: a legislature on a bill, an agency on an
        /// order. Its status history is the document's passage.
        ActsOn = "acts_on",
        /// A government body has jurisdiction over a market.
        Governs = "governs",
        /// A brand belongs to an organisation.
        BrandOf = "brand_of",
        /// A media outlet (or a source) reported an event first.
        ReportedFirst = "reported_first",
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
            Makes => (
                VENDOR.union(KindSet::of(&[EntityKind::Brand])),
                PRODUCT,
                false,
            ),
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
            HeadquarteredIn => (
                ORGANISATION.union(KindSet::of(&[EntityKind::MediaOutlet])),
                MARKET,
                false,
            ),
            OperatesIn | PlansEntry => (ORGANISATION, MARKET, false),
            ExecutiveOf => (
                PERSON,
                ORGANISATION.union(KindSet::of(&[EntityKind::MediaOutlet])),
                false,
            ),
            ParticipantIn => (ANY_BUT_SOURCE, EVENT, false),
            RanksIn | HasCarrierPartnersIn => (VENDOR, MARKET, false),
            SubsidiaryOf => (
                ORGANISATION.union(GOVERNMENT),
                ORGANISATION.union(GOVERNMENT),
                false,
            ),
            AvailableIn => (PRODUCT, MARKET, false),
            PartOf | LedTo => (EVENT, EVENT, false),
            HoldsOffice => (PERSON, GOVERNMENT, false),
            Restricts => (
                GOVERNMENT.union(KindSet::of(&[EntityKind::Document])),
                REGULATED,
                false,
            ),
            Regulates => (GOVERNMENT, REGULATED, false),
            Certifies => (GOVERNMENT, PRODUCT, false),
            ActsOn => (GOVERNMENT, KindSet::of(&[EntityKind::Document]), false),
            Governs => (GOVERNMENT, MARKET, false),
            BrandOf => (KindSet::of(&[EntityKind::Brand]), ORGANISATION, false),
            ReportedFirst => (
                KindSet::of(&[EntityKind::MediaOutlet, EntityKind::Source]),
                EVENT,
                false,
            ),
        };
        RelationSpec {
            from,
            to,
            symmetric,
        }
    }
}

vocabulary! {
    /// Where a relation stands: a deal, a plan, an office, a restriction, a bill's passage.
    /// Which statuses a relation may take depends on its kind ([`RelationKind::statuses`]).
    Status {
        /// Reported without confirmation.
        Rumoured = "rumoured",
        /// Intended by a party.
        Planned = "planned",
        /// Made public by a party.
        Announced = "announced",
        /// Confirmed by the parties; for a restriction, in force.
        Confirmed = "confirmed",
        /// Called off before it took effect.
        Cancelled = "cancelled",
        /// Over after having been in force.
        Ended = "ended",
        /// Put on hold for a time while in force.
        Suspended = "suspended",
        /// A plan carried out: the entry made, the launch done.
        Realised = "realised",
        /// A plan given up.
        Abandoned = "abandoned",
        /// A restriction proposed or threatened, not yet imposed.
        Proposed = "proposed",
        /// A restriction imposed: in force from this step.
        Imposed = "imposed",
        /// A restriction lifted: no longer in force from this step.
        Lifted = "lifted",
        /// A bill introduced.
        Introduced = "introduced",
        /// A bill passed by one chamber.
        PassedChamber = "passed_chamber",
        /// A bill in conference between chambers.
        InConference = "in_conference",
        /// A bill enacted: law from this step.
        Enacted = "enacted",
        /// A bill vetoed.
        Vetoed = "vetoed",
        /// A bill that died without being enacted.
        Failed = "failed",
    }
}

impl Status {
    /// Where the status puts a relation: pending, in force, paused or over.
    pub fn phase(self) -> crate::model::Phase {
        use crate::model::Phase;
        use Status::*;
        match self {
            Rumoured | Planned | Announced | Proposed | Introduced | PassedChamber
            | InConference => Phase::Pending,
            Imposed | Enacted | Realised => Phase::Start,
            Confirmed => Phase::InForce,
            Suspended => Phase::Paused,
            Cancelled | Ended | Lifted | Abandoned | Vetoed | Failed => Phase::Over,
        }
    }
}

/// Deals, channels, partnerships, presence in a market: states that can be planned, made,
/// paused, called off and ended.
const STATE_STATUSES: &[Status] = &[
    Status::Rumoured,
    Status::Planned,
    Status::Announced,
    Status::Confirmed,
    Status::Cancelled,
    Status::Suspended,
    Status::Ended,
];

impl RelationKind {
    /// Whether the kind is a state, in force for a time (carries, holds office, restricts…),
    /// rather than a fact that, once true, stays true (makes, part of, led to).
    pub fn is_state(self) -> bool {
        use RelationKind::*;
        !matches!(
            self,
            Makes
                | PartOf
                | LedTo
                | ReportedFirst
                | BrandOf
                | HeadquarteredIn
                | RanksIn
                | ParticipantIn
                | Certifies
        )
    }

    /// The statuses a relation of this kind may take, in the order its history usually runs.
    pub fn statuses(self) -> &'static [Status] {
        use RelationKind::*;
        use Status::*;
        match self {
            PlansEntry => &[Rumoured, Planned, Announced, Realised, Abandoned, Cancelled],
            Restricts => &[
                Rumoured, Proposed, Imposed, Confirmed, Suspended, Lifted, Cancelled, Ended,
            ],
            ActsOn => &[
                Introduced,
                PassedChamber,
                InConference,
                Enacted,
                Vetoed,
                Failed,
            ],
            ExecutiveOf | HoldsOffice => &[Rumoured, Announced, Confirmed, Ended],
            Makes | PartOf | LedTo | ReportedFirst | BrandOf | HeadquarteredIn | RanksIn
            | Certifies => &[Rumoured, Announced, Confirmed],
            _ => STATE_STATUSES,
        }
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
    /// What kind of public body a government body is.
    BodyType {
        /// An agency or bureau: the Bureau of Industry and Security.
        Agency = "agency",
        /// A ministry or executive department: the Department of Commerce.
        Department = "department",
        /// An independent regulator: the FCC.
        Regulator = "regulator",
        /// A legislature: Congress.
        Legislature = "legislature",
        /// One chamber of a legislature: the Senate, the House.
        Chamber = "chamber",
        /// A court.
        Court = "court",
        /// A head of government and their office: the White House, the State Council.
        Administration = "administration",
    }
}

vocabulary! {
    /// What kind of instrument a document is.
    DocumentType {
        /// A bill before a legislature.
        Bill = "bill",
        /// An enacted law.
        Law = "law",
        /// An executive or agency order: a denial order, an executive order.
        Order = "order",
        /// A rule or regulation.
        Regulation = "regulation",
        /// A settlement or agreement with a public body.
        Agreement = "agreement",
        /// A report or filing.
        Report = "report",
    }
}

vocabulary! {
    /// What a restriction is.
    Measure {
        /// A ban on sales, purchases or use.
        Ban = "ban",
        /// A denial of export privileges.
        DenialOrder = "denial_order",
        /// A sanction or a listing (an entity list).
        Sanction = "sanction",
        /// A ban on government purchases.
        ProcurementBan = "procurement_ban",
        /// A fine or a penalty.
        Penalty = "penalty",
        /// Conditions imposed: a monitor, a compliance team, an escrow.
        Conditions = "conditions",
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
    fn each_kind_takes_the_statuses_that_fit_it() {
        assert!(RelationKind::Restricts.statuses().contains(&Status::Lifted));
        assert!(!RelationKind::Carries.statuses().contains(&Status::Lifted));
        assert!(
            RelationKind::ActsOn
                .statuses()
                .contains(&Status::PassedChamber)
        );
        assert!(
            RelationKind::PlansEntry
                .statuses()
                .contains(&Status::Abandoned)
        );
        assert!(!RelationKind::Makes.is_state());
        assert!(RelationKind::HoldsOffice.is_state());
    }

    #[test]
    fn endpoints_are_checked() {
        let spec = RelationKind::Carries.spec();
        assert!(spec.from.contains(EntityKind::Carrier));
        assert!(!spec.from.contains(EntityKind::Vendor));
        assert_eq!(spec.to.describe(), "vendor or product or brand");
        assert!(RelationKind::CompetesWith.spec().symmetric);
    }
}
