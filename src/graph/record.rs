//! What the store keeps about each entity and relation: compact records that every traversal
//! reads, and side tables of curated detail (quotes, status histories, descriptions) that only
//! answers read.

use crate::model::{
    Amount, BodyType, DateBound, Day, DocumentType, Duration, EventStatus, EventType, Measure,
    ProductCategory, RelationKind, Status, Validity, Window, Wording,
};

/// An entity's position in the store: an opaque handle, valid for the store that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityIx(pub(crate) u32);

impl EntityIx {
    /// The entity's number, from 0 to the entity count: for dense per-entity arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A relation's position in the store: an opaque handle, valid for the store that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationIx(pub(crate) u32);

/// A citation: which source supports a fact, with a short quote from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Citation {
    /// The source entity.
    pub source: EntityIx,
    /// A quote of at most two sentences, when one was given.
    pub quote: Option<String>,
    /// The party whose claim the source reports ("ZTE said"), when it is not the source's own
    /// finding.
    pub claimed_by: Option<EntityIx>,
}

impl Citation {
    /// A citation of `source`, with `quote`, in the source's own voice.
    pub fn of(source: EntityIx, quote: Option<String>) -> Self {
        Citation {
            source,
            quote,
            claimed_by: None,
        }
    }
}

/// An end a relation still in force is reported or planned to have ("will stop selling in the
/// coming weeks"): not an end until a status step or `valid_until` says so.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedEnd {
    /// When it is to take effect.
    pub date: DateBound,
    /// How far the report is believed, 0–1.
    pub confidence: f32,
    /// Where it was reported.
    pub sources: Vec<Citation>,
    /// The party that announced it, if the source names one.
    pub claimed_by: Option<EntityIx>,
    /// How the source words its date, when relative ("in the coming weeks").
    pub wording: Option<Wording>,
}

/// A step in a relation's status history.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusChange {
    /// The status from this date on.
    pub status: Status,
    /// When it changed; a step without a date is known to have happened, not when: it sorts
    /// last, is the latest status, and is the status as of no particular day.
    pub date: Option<DateBound>,
    /// The event that changed it, if one is recorded.
    pub event: Option<EntityIx>,
    /// What supports this step.
    pub sources: Vec<Citation>,
    /// How far the step is believed, 0–1 (1 unless its sources are in doubt).
    pub confidence: f32,
    /// The party that claims the step, apart from the sources that report it.
    pub claimed_by: Option<EntityIx>,
    /// How the source words its date, when it gives it relative to another.
    pub wording: Option<Wording>,
    /// The first day the step is surely in force: its date's last day (never, without a
    /// date). Reduced once, when the step is made.
    in_force_from: Day,
}

impl StatusChange {
    /// The order steps are kept in: by date, undated ones last.
    pub fn order_key(&self) -> (bool, Day) {
        (
            self.date.is_none(),
            self.date.map_or(Day::MAX, |d| d.first_day()),
        )
    }

    /// A step: `status` from `date` on, changed by `event`, supported by `sources`.
    pub fn new(
        status: Status,
        date: Option<DateBound>,
        event: Option<EntityIx>,
        sources: Vec<Citation>,
    ) -> Self {
        StatusChange {
            status,
            date,
            event,
            sources,
            confidence: 1.0,
            claimed_by: None,
            wording: None,
            in_force_from: date.map_or(Day::MAX, |d| d.last_day()),
        }
    }

    /// The same step, its date worded as `wording`.
    pub fn worded(mut self, wording: Option<Wording>) -> Self {
        self.wording = wording;
        self
    }

    /// The same step, claimed by `party`.
    pub fn claimed(mut self, party: Option<EntityIx>) -> Self {
        self.claimed_by = party;
        self
    }

    /// The same step, believed `confidence` (0–1).
    pub fn believed(mut self, confidence: f32) -> Self {
        self.confidence = confidence;
        self
    }

    /// The first day the step is surely in force.
    pub fn in_force_from(&self) -> Day {
        self.in_force_from
    }
}

/// A reported cause of an event, weighed on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    /// What is reported to have caused it.
    pub text: String,
    /// How far the report is believed, 0–1.
    pub confidence: f32,
    /// Where it was reported.
    pub sources: Vec<Citation>,
    /// The party that claims it, apart from the sources that report it.
    pub claimed_by: Option<EntityIx>,
}

/// A kind-specific property with the citations that support it.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyCitation {
    /// The property's name as in the seed files (`founded`, `date`, …).
    pub property: String,
    /// What supports it.
    pub sources: Vec<Citation>,
}

/// Everything about an entity beyond its kind, id and name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EntityDetail {
    /// Other names, in any language.
    pub aliases: Vec<String>,
    /// A short description.
    pub description: Option<String>,
    /// A Wikidata item id (`Q…`).
    pub wikidata: Option<String>,
    /// An ISO code (a market's ISO 3166 code).
    pub iso_code: Option<String>,
    /// When an organisation was founded.
    pub founded: Option<DateBound>,
    /// A product's category.
    pub category: Option<ProductCategory>,
    /// A product's release date.
    pub released: Option<DateBound>,
    /// An event's type.
    pub event_type: Option<EventType>,
    /// A government body's type.
    pub body_type: Option<BodyType>,
    /// A document's type.
    pub document_type: Option<DocumentType>,
    /// How far an event is established, when its sources say.
    pub event_status: Option<EventStatus>,
    /// How far an event is believed, 0–1, when it is in doubt.
    pub confidence: Option<f32>,
    /// The party that claims an event (a company's own announcement), apart from its sources.
    pub claimed_by: Option<EntityIx>,
    /// Amounts of money an event involved (a fine, an escrow).
    pub amounts: Vec<Amount>,
    /// How long an event's effect lasts (a ban's term).
    pub duration: Option<Duration>,
    /// Events an event came after, where no date says so.
    pub after: Vec<EntityIx>,
    /// Events an event came before, where no date says so.
    pub before: Vec<EntityIx>,
    /// An event's date, or a source's publication date.
    pub date: Option<DateBound>,
    /// How the source words an event's date, when it gives it relative to another.
    pub date_wording: Option<Wording>,
    /// An event's summary.
    pub summary: Option<String>,
    /// An event's reported cause.
    pub cause: Option<Cause>,
    /// A source's title.
    pub title: Option<String>,
    /// A source's publisher.
    pub publisher: Option<String>,
    /// A source's address, if known.
    pub url: Option<String>,
    /// What supports the entity as a whole.
    pub sources: Vec<Citation>,
    /// What supports its individual properties.
    pub property_sources: Vec<PropertyCitation>,
    /// Where it was defined (`file:line:column`).
    pub origin: String,
}

/// Maps old entity numbers to new ones after the store renumbers its entities.
pub(crate) struct Renumbering<'a>(pub(crate) &'a [u32]);

impl Renumbering<'_> {
    pub(crate) fn apply(&self, ix: &mut EntityIx) {
        ix.0 = self.0[ix.index()];
    }

    fn citation(&self, c: &mut Citation) {
        self.apply(&mut c.source);
        if let Some(p) = &mut c.claimed_by {
            self.apply(p);
        }
    }

    pub(crate) fn entity_detail(&self, d: &mut EntityDetail) {
        for c in d.citations_mut() {
            self.citation(c);
        }
        for p in [&mut d.claimed_by]
            .into_iter()
            .chain(d.cause.as_mut().map(|c| &mut c.claimed_by))
            .flatten()
            .chain(d.after.iter_mut())
            .chain(d.before.iter_mut())
        {
            self.apply(p);
        }
    }

    pub(crate) fn relation_detail(&self, d: &mut RelationDetail) {
        if let Some(m) = &mut d.market {
            self.apply(m);
        }
        for s in &mut d.status_history {
            for e in [&mut s.event, &mut s.claimed_by].into_iter().flatten() {
                self.apply(e);
            }
        }
        let planned = d.planned_end.as_mut().map(|p| &mut p.claimed_by);
        for p in [&mut d.claimed_by]
            .into_iter()
            .chain(planned)
            .flatten()
            .chain(d.after.iter_mut())
            .chain(d.before.iter_mut())
        {
            self.apply(p);
        }
        for c in d.citations_mut() {
            self.citation(c);
        }
    }
}

impl EntityDetail {
    /// Every source cited for the entity, its properties or its cause (repeats included).
    pub fn cited_sources(&self) -> impl Iterator<Item = EntityIx> + '_ {
        self.sources
            .iter()
            .chain(self.property_sources.iter().flat_map(|p| &p.sources))
            .chain(self.cause.iter().flat_map(|c| &c.sources))
            .map(|c| c.source)
    }

    /// The citations of [`EntityDetail::cited_sources`], to rewrite.
    fn citations_mut(&mut self) -> impl Iterator<Item = &mut Citation> {
        self.sources
            .iter_mut()
            .chain(
                self.property_sources
                    .iter_mut()
                    .flat_map(|p| &mut p.sources),
            )
            .chain(self.cause.iter_mut().flat_map(|c| &mut c.sources))
    }
}

/// Everything about a relation that traversals do not need.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RelationDetail {
    /// The curated validity, with its partial dates as written.
    pub validity: Validity,
    /// How the source words the start, when it gives it relative to another date.
    pub from_wording: Option<Wording>,
    /// How the source words the end, when it gives it relative to another date.
    pub until_wording: Option<Wording>,
    /// Whether it was curated as in force since ever (the time rule never assumes so).
    pub since_ever: bool,
    /// The status history, in date order.
    pub status_history: Vec<StatusChange>,
    /// What supports it.
    pub sources: Vec<Citation>,
    /// The market the relation is scoped to ("sells in the US").
    pub market: Option<EntityIx>,
    /// A role (chairman, speaker…).
    pub role: Option<String>,
    /// A rank in a market.
    pub rank: Option<u32>,
    /// A share of a market, 0–1.
    pub share: Option<f32>,
    /// The period a rank or share is for.
    pub period: Option<DateBound>,
    /// The target date of a plan.
    pub target: Option<DateBound>,
    /// A qualitative note from the source ("respectable market share").
    pub note: Option<String>,
    /// What a restriction is (a ban, a denial order…).
    pub measure: Option<Measure>,
    /// A restriction's terms, as the source gives them.
    pub terms: Option<String>,
    /// The party that claims the relation, apart from the sources that report it.
    pub claimed_by: Option<EntityIx>,
    /// An end reported or planned while it is in force.
    pub planned_end: Option<PlannedEnd>,
    /// Amounts of money it involves (a deal's value, a penalty).
    pub amounts: Vec<Amount>,
    /// How long it is to last (a ban's term), as the source gives it.
    pub duration: Option<Duration>,
    /// Events it came after (it began after them), where no date says so.
    pub after: Vec<EntityIx>,
    /// Events it came before, where no date says so.
    pub before: Vec<EntityIx>,
    /// Where it was defined (`file:line:column`, or several when merged).
    pub origin: String,
}

impl RelationDetail {
    /// Every source cited for the relation, a step of its status or its planned end
    /// (repeats included).
    pub fn cited_sources(&self) -> impl Iterator<Item = EntityIx> + '_ {
        self.sources
            .iter()
            .chain(self.status_history.iter().flat_map(|s| &s.sources))
            .chain(self.planned_end.iter().flat_map(|p| &p.sources))
            .map(|c| c.source)
    }

    /// The citations of [`RelationDetail::cited_sources`], to rewrite.
    fn citations_mut(&mut self) -> impl Iterator<Item = &mut Citation> {
        self.sources
            .iter_mut()
            .chain(self.status_history.iter_mut().flat_map(|s| &mut s.sources))
            .chain(self.planned_end.iter_mut().flat_map(|p| &mut p.sources))
    }
}

/// A relation as the store keeps it: 36 bytes, so millions fit; curated detail sits in a side
/// table.
#[derive(Clone, Debug)]
pub struct RelationRecord {
    /// The `from` end.
    pub from: EntityIx,
    /// The `to` end.
    pub to: EntityIx,
    /// When it holds.
    pub window: Window,
    /// How far it is believed, 0–1.
    pub confidence: f32,
    /// Where its detail is in the side table (`u32::MAX`: none).
    pub(crate) detail: u32,
    /// What it says.
    pub kind: RelationKind,
    /// Whether no source supports it.
    pub unsourced: bool,
    /// The shared source citing it, as 1 + its position among the graph's shared sources
    /// (0: none): how a relation without detail names its source in one byte.
    pub(crate) source: u8,
}

/// A new relation for the builder.
#[derive(Clone, Debug)]
pub struct NewRelation {
    /// The `from` end.
    pub from: EntityIx,
    /// The `to` end.
    pub to: EntityIx,
    /// What it says.
    pub kind: RelationKind,
    /// When it holds.
    pub window: Window,
    /// How far it is believed, 0–1.
    pub confidence: f32,
    /// Whether no source supports it.
    pub unsourced: bool,
    /// Curated detail, if any (boxed: most bulk relations have none, and a bare
    /// `NewRelation` stays small to move).
    pub detail: Option<Box<RelationDetail>>,
    /// The shared source citing it (see `GraphBuilder::shared_source`), 0 for none.
    pub source: u8,
}

impl NewRelation {
    /// A bare relation: always in force, believed, unsourced, without detail.
    pub fn bare(from: EntityIx, kind: RelationKind, to: EntityIx) -> Self {
        NewRelation {
            from,
            to,
            kind,
            window: Window::ALWAYS,
            confidence: 1.0,
            unsourced: true,
            detail: None,
            source: 0,
        }
    }
}
