//! GraphQL enums mirroring the model's vocabularies (the model has no GraphQL types), with
//! conversions both ways. Names are the model's, upper-cased.

use async_graphql::Enum;

use crate::graph::{Direction as GraphDirection, MatchRank as GraphMatchRank};
use crate::model;

macro_rules! mirror {
    ($(#[$meta:meta])* $name:ident => $model:path { $($(#[$vmeta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl From<$model> for $name {
            fn from(v: $model) -> Self {
                match v { $(<$model>::$variant => $name::$variant,)* }
            }
        }

        impl From<$name> for $model {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$model>::$variant,)* }
            }
        }
    };
}

mirror! {
    /// What an entity is.
    EntityKind => model::EntityKind {
        /// A maker of devices: Xiaomi, Huawei, Apple.
        Vendor,
        /// A mobile network operator: AT&T.
        Carrier,
        /// A sales channel: Walmart, Amazon.
        Retailer,
        /// A device or accessory.
        Product,
        /// A person.
        Person,
        /// A country or region.
        Market,
        /// Something that happened at a moment: a deal, a speech, an IPO.
        Event,
        /// A document facts are cited to.
        Source,
        /// A public body: an agency, a department, a regulator, a legislature or one of its
        /// chambers, a court, an administration.
        GovernmentBody,
        /// A news organisation: a newspaper, a wire service, a broadcaster.
        MediaOutlet,
        /// A brand an organisation sells under.
        Brand,
        /// A bill, law, order or other instrument a public body acts on.
        Document,
    }
}

mirror! {
    /// What a relation says; the same names as in the seed files and the CSV layout.
    RelationKind => model::RelationKind {
        /// A vendor makes a product.
        Makes,
        /// A carrier sells a product, or a vendor's devices, on its network.
        Carries,
        /// A retailer sells a product or a vendor's products.
        Sells,
        /// Two organisations partner (symmetric).
        PartnersWith,
        /// Two organisations compete (symmetric).
        CompetesWith,
        /// An organisation's headquarters are in a market.
        HeadquarteredIn,
        /// An organisation does business in a market.
        OperatesIn,
        /// A person holds a role at an organisation.
        ExecutiveOf,
        /// An entity takes part in an event, in a role.
        ParticipantIn,
        /// A vendor's rank and/or share in a market for a period.
        RanksIn,
        /// An organisation plans to enter a market by a target date.
        PlansEntry,
        /// An organisation belongs to another.
        SubsidiaryOf,
        /// A product is on sale in a market.
        AvailableIn,
        /// A vendor has carrier partners, not named by the source, in a market.
        HasCarrierPartnersIn,
        /// An event took place as part of a larger one.
        PartOf,
        /// An event led to another.
        LedTo,
        /// A person holds a public office at a government body, with a title.
        HoldsOffice,
        /// A government body (or a document it issued) restricts an organisation, brand or
        /// product: a ban, a sanction, a denial order.
        Restricts,
        /// A government body regulates an organisation, a brand or a product.
        Regulates,
        /// A government body certifies a product.
        Certifies,
        /// A government body acts on a document: a legislature on a bill.
        ActsOn,
        /// A government body has jurisdiction over a market.
        Governs,
        /// A brand belongs to an organisation.
        BrandOf,
        /// A media outlet (or a source) reported an event first.
        ReportedFirst,
    }
}

mirror! {
    /// Where a relation stands: a deal, a plan, an office, a restriction, a bill's passage.
    /// `relationKinds` lists the statuses each kind may take.
    Status => model::Status {
        /// Reported without confirmation.
        Rumoured,
        /// Intended by a party.
        Planned,
        /// Made public by a party.
        Announced,
        /// Confirmed by the parties; for a restriction, in force.
        Confirmed,
        /// Called off before it took effect.
        Cancelled,
        /// Over after having been in force.
        Ended,
        /// Put on hold for a time while in force.
        Suspended,
        /// A plan carried out: the entry made, the launch done.
        Realised,
        /// A plan given up.
        Abandoned,
        /// A restriction proposed or threatened, not yet imposed.
        Proposed,
        /// A restriction imposed: in force from this step.
        Imposed,
        /// A restriction lifted: no longer in force from this step.
        Lifted,
        /// A bill introduced.
        Introduced,
        /// A bill passed by one chamber.
        PassedChamber,
        /// A bill in conference between chambers.
        InConference,
        /// A bill enacted: law from this step.
        Enacted,
        /// A bill vetoed.
        Vetoed,
        /// A bill that died without being enacted.
        Failed,
    }
}

mirror! {
    /// What kind of public body a government body is.
    BodyType => model::BodyType {
        /// An agency or bureau: the Bureau of Industry and Security.
        Agency,
        /// A ministry or executive department: the Department of Commerce.
        Department,
        /// An independent regulator: the FCC.
        Regulator,
        /// A legislature: Congress.
        Legislature,
        /// One chamber of a legislature: the Senate, the House.
        Chamber,
        /// A court.
        Court,
        /// A head of government and their office.
        Administration,
    }
}

mirror! {
    /// What kind of instrument a document is.
    DocumentType => model::DocumentType {
        /// A bill before a legislature.
        Bill,
        /// An enacted law.
        Law,
        /// An executive or agency order.
        Order,
        /// A rule or regulation.
        Regulation,
        /// A settlement or agreement with a public body.
        Agreement,
        /// A report or filing.
        Report,
    }
}

mirror! {
    /// What a restriction is.
    Measure => model::Measure {
        /// A ban on sales, purchases or use.
        Ban,
        /// A denial of export privileges.
        DenialOrder,
        /// A sanction or a listing (an entity list).
        Sanction,
        /// A ban on government purchases.
        ProcurementBan,
        /// A fine or a penalty.
        Penalty,
        /// Conditions imposed: a monitor, a compliance team, an escrow.
        Conditions,
    }
}

mirror! {
    /// How far an event is established: what its sources say of it.
    EventStatus => model::EventStatus {
        /// Reported, not confirmed: "according to people familiar with the matter".
        Reported,
        /// Confirmed by a party to it or by its own record.
        Confirmed,
        /// Denied by a party to it.
        Denied,
    }
}

mirror! {
    /// What kind of thing an event is.
    EventType => model::EventType {
        /// A product launch.
        Launch,
        /// A deal made.
        Deal,
        /// A deal pulled by one of its parties.
        DealPulled,
        /// A speech or keynote.
        Speech,
        /// A trade show or conference.
        TradeShow,
        /// An initial public offering, or a step towards one.
        Ipo,
        /// A regulatory action.
        Regulation,
        /// A public statement or interview.
        Statement,
        /// A change in how a market behaves.
        MarketTrend,
    }
}

mirror! {
    /// What kind of device a product is.
    ProductCategory => model::ProductCategory {
        /// A smartphone.
        Smartphone,
        /// A television set-top box.
        SetTopBox,
        /// Headphones or earphones.
        Headphones,
        /// A camera.
        Camera,
        /// A battery pack.
        BatteryPack,
        /// A kit (robot, building, coding…).
        Kit,
        /// A tablet.
        Tablet,
        /// A watch, band or other wearable.
        Wearable,
        /// Anything else.
        Other,
    }
}

mirror! {
    /// Which text of an entity or relation a search hit is.
    TextField => crate::graph::TextField {
        /// An entity's name.
        Name,
        /// One of its aliases.
        Alias,
        /// A source's title.
        Title,
        /// An entity's description.
        Description,
        /// An event's summary.
        Summary,
        /// An event's reported cause.
        Cause,
        /// A relation's note.
        Note,
        /// A relation's role.
        Role,
        /// A restriction's terms.
        Terms,
        /// A citation's quote.
        Quote,
    }
}

mirror! {
    /// How precisely a date is known.
    Precision => model::Precision {
        /// To the year.
        Year,
        /// To the quarter.
        Quarter,
        /// To the month.
        Month,
        /// To the day.
        Day,
    }
}

mirror! {
    /// Whether a relation holds on the day asked about.
    Presence => model::Presence {
        /// Surely not in force (never returned by filtered fields).
        Absent,
        /// Not in force: over (ended, cancelled, lifted) or paused on the day; listed with
        /// `includeEnded`.
        Ended,
        /// Not in force: rumoured, planned, announced or otherwise pending on the day; listed
        /// with `includePlanned`.
        Planned,
        /// In force or not depending on where in its partial dates it really started or ended.
        Possible,
        /// Surely in force.
        Sure,
    }
}

mirror! {
    /// Which way to follow relations from an entity. Symmetric relations match both.
    Direction => GraphDirection {
        /// Relations whose `from` is the entity.
        Outgoing,
        /// Relations whose `to` is the entity.
        Incoming,
        /// Both.
        Both,
    }
}

mirror! {
    /// How well a search hit matched; earlier values rank first.
    MatchRank => GraphMatchRank {
        /// A name or alias equals the text.
        Exact,
        /// A name or alias starts with the text.
        Prefix,
        /// A word inside a name or alias starts with the text.
        WordPrefix,
        /// The text occurs elsewhere inside a name or alias.
        Substring,
    }
}
