//! One object per entity kind (`Vendor`, `Product`, `Event`…): the interface's fields, made
//! by `entity_object!`, then the kind's own fields and its typed relation fields, which read
//! naturally (`vendor.products`, `product.channels`…).

use async_graphql::{Context, ID, Object, Result};

use super::Store;
use super::date::{Date, FuzzyDate, fuzzy};
use super::engine::list::{List, Objects, One};
use super::entity::{Entity, Node, entity, entity_object};
use super::enums::{
    BodyType, Direction, DocumentType, EntityKind, EventStatus, EventType, ProductCategory,
    RelationKind,
};
use super::evidence::{Cause, Citation, PropertySource, Supports, citations};
use super::page::RelationConnection;
use super::relation::{Relation, RelationFilter, decimal, relation_filter, relations_page_of};
use crate::graph;
use crate::model::{self, RelationKind as K};

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
        /// Restrictions on it: bans, sanctions, denial orders (`restricts`, incoming).
        restrictions => [Restricts], Incoming;
        /// Bodies that regulate it (`regulates`, incoming).
        regulators => [Regulates], Incoming;
        /// Brands it sells under (`brand_of`, incoming).
        brands => [BrandOf], Incoming;
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
        /// Restrictions on it (`restricts`, incoming).
        restrictions => [Restricts], Incoming;
        /// Bodies that regulate it (`regulates`, incoming).
        regulators => [Regulates], Incoming;
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
        /// Restrictions on it (`restricts`, incoming).
        restrictions => [Restricts], Incoming;
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
        /// Restrictions on it (`restricts`, incoming).
        restrictions => [Restricts], Incoming;
        /// Bodies that certified it (`certifies`, incoming).
        certifications => [Certifies], Incoming;
    }
}

entity_object! {
    /// A person: Lei Jun, Richard Yu.
    Person {
    }
    relations {
        /// Roles held at organisations (`executive_of`).
        roles => [ExecutiveOf], Outgoing;
        /// Public offices held (`holds_office`).
        offices => [HoldsOffice], Outgoing;
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
        /// When it happened, with the source's words when it gives the date relative to
        /// another ("on Friday").
        async fn date(&self) -> Option<One<FuzzyDate>> {
            super::date::worded(self.0.detail().date, self.0.detail().date_wording.as_ref())
        }
        /// What happened.
        async fn summary(&self) -> Option<String> {
            self.0.detail().summary.clone()
        }
        /// How far it is established (reported, confirmed, denied), when its sources say.
        async fn status(&self) -> Option<EventStatus> {
            self.0.detail().event_status.map(Into::into)
        }
        /// How far it is believed, 0–1: 1 unless it is in doubt.
        async fn confidence(&self) -> f64 {
            decimal(self.0.detail().confidence.unwrap_or(1.0))
        }
        /// The party that claims it (a company's own announcement), apart from its sources.
        async fn claimed_by(&self) -> Option<Entity> {
            self.0.detail().claimed_by.map(|p| entity(&self.0.store, p))
        }
        /// Amounts of money it involved (a fine, an escrow), exact.
        async fn amounts(&self) -> List<super::quantity::Amount> {
            super::quantity::amounts(&self.0.detail().amounts)
        }
        /// Events a source says it came after, where no date says so.
        async fn after(&self) -> List<Entity> {
            self.0.detail().after.iter().map(|&e| entity(&self.0.store, e)).collect()
        }
        /// Events a source says it came before, where no date says so.
        async fn before(&self) -> List<Entity> {
            self.0.detail().before.iter().map(|&e| entity(&self.0.store, e)).collect()
        }
        /// How long its effect lasts (a ban's term).
        async fn duration(&self) -> Option<One<super::quantity::Duration>> {
            super::quantity::duration(self.0.detail().duration)
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
        /// Who reported it first (`reported_first`, incoming).
        first_reported_by => [ReportedFirst], Incoming;
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

entity_object! {
    /// A public body: the Department of Commerce, the FCC, Congress, the Senate.
    GovernmentBody {
        /// What kind of body it is.
        async fn body_type(&self) -> Option<BodyType> {
            self.0.detail().body_type.map(Into::into)
        }
        /// When it was established.
        async fn founded(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().founded)
        }
    }
    relations {
        /// People holding office here, with their titles (`holds_office`, incoming).
        office_holders => [HoldsOffice], Incoming;
        /// What it restricts: bans, sanctions, denial orders (`restricts`).
        restrictions => [Restricts], Outgoing;
        /// What it regulates (`regulates`).
        regulates => [Regulates], Outgoing;
        /// Products it certified (`certifies`).
        certifies => [Certifies], Outgoing;
        /// Bills and orders it acted on, with their passage (`acts_on`).
        acts_on => [ActsOn], Outgoing;
        /// Markets under its jurisdiction (`governs`).
        jurisdiction => [Governs], Outgoing;
        /// Bodies it belongs to or that belong to it (`subsidiary_of`).
        hierarchy => [SubsidiaryOf], Both;
        /// Events it took part in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A news organisation: Bloomberg, Reuters, The Wall Street Journal.
    MediaOutlet {
        /// When it was founded.
        async fn founded(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().founded)
        }
    }
    relations {
        /// Events it reported first (`reported_first`).
        reported_first => [ReportedFirst], Outgoing;
        /// Where it is headquartered (`headquartered_in`).
        headquarters => [HeadquarteredIn], Outgoing;
        /// People holding roles at it (`executive_of`, incoming).
        executives => [ExecutiveOf], Incoming;
        /// Events it took part in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A brand an organisation sells under: Honor (Huawei).
    Brand {
        /// When it was launched.
        async fn founded(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().founded)
        }
    }
    relations {
        /// The organisations it belongs to (`brand_of`).
        owners => [BrandOf], Outgoing;
        /// Products sold under it (`makes`).
        products => [Makes], Outgoing;
        /// Retailers and carriers selling it (`sells`, `carries`, incoming).
        channels => [Sells, Carries], Incoming;
        /// Restrictions on it (`restricts`, incoming).
        restrictions => [Restricts], Incoming;
        /// Events it figured in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}

entity_object! {
    /// A bill, law, order or other instrument a public body acts on: the 2019 defense
    /// authorization bill, a denial order.
    Document {
        /// What kind of instrument it is.
        async fn document_type(&self) -> Option<DocumentType> {
            self.0.detail().document_type.map(Into::into)
        }
        /// When it was issued or introduced.
        async fn date(&self) -> Option<One<FuzzyDate>> {
            fuzzy(self.0.detail().date)
        }
    }
    relations {
        /// The bodies that acted on it, with its passage (`acts_on`, incoming).
        acted_on_by => [ActsOn], Incoming;
        /// What it restricts (`restricts`).
        restrictions => [Restricts], Outgoing;
        /// Events it figured in (`participant_in`).
        events => [ParticipantIn], Outgoing;
    }
}
