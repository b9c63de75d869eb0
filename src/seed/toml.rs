//! The curated TOML files: each file's sections read into raw structs with their places, and
//! every entity and relation checked by `rules` and added to the builder.

use std::ops::Range;

use ::toml::Spanned;
use ::toml::de::{DeTable, DeValue, ValueDeserializer};
use serde::Deserialize;

use super::raw::{
    RawAddition, RawAmount, RawCitation, RawDate, RawEntity, RawPlannedEnd, RawRelation, RawStatus,
    SECTIONS,
};
use super::report::Problem;
use super::rules::{self, Broken};
use super::{Defined, SeedFile};
use crate::graph::{
    Cause, Citation, EntityDetail, EntityIx, GraphBuilder, GraphError, NewEntity, NewRelation,
    PlannedEnd, PropertyCitation, RelationDetail, StatusChange,
};
use crate::model::{
    Amount, BodyType, DateBound, DocumentType, Duration, EntityKind, EventStatus, EventType,
    KindSet, Measure, ProductCategory, RelationKind, Status, Tie, Validity, Wording,
    check_relative,
};

/// A place in a curated file: the file's number and a byte span.
#[derive(Clone)]
pub(super) struct Place {
    pub(super) file: usize,
    pub(super) span: Range<usize>,
}

/// The curated files being read, the builder they go into, and the problems found.
pub(super) struct Loader<'a> {
    files: &'a [SeedFile],
    pub(super) problems: Vec<Problem>,
    pub(super) builder: GraphBuilder,
    /// Where each curated entity is defined, by the number it gave the builder.
    pub(super) places: Vec<Place>,
    /// Where each addition to a relation is, by the number it gave the builder.
    pub(super) additions: Vec<Place>,
    /// Relative dates to check once every entity is known: where, the day, the anchor and
    /// how the day is tied to it.
    relative: Vec<(Place, DateBound, EntityIx, Tie)>,
    /// Order without dates: `(earlier, later)` pairs of nodes (an event's number, or
    /// [`STATEMENT`] plus a relation's), and where each node's order is curated.
    order: Vec<(u32, u32)>,
    order_places: rustc_hash::FxHashMap<u32, Place>,
}

/// Where relations' numbers start among the nodes of an order.
const STATEMENT: u32 = 1 << 31;

const SEE_FORMAT: &str = "see the seed-data format in docs/curating.md";

impl<'a> Loader<'a> {
    /// A loader of `files` into `builder`.
    pub(super) fn new(files: &'a [SeedFile], builder: GraphBuilder) -> Self {
        Loader {
            files,
            problems: Vec::new(),
            builder,
            places: Vec::new(),
            additions: Vec::new(),
            relative: Vec::new(),
            order: Vec::new(),
            order_places: Default::default(),
        }
    }

    /// How many curated files there are.
    pub(super) fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Reports what a rule found wrong at a place.
    pub(super) fn broke(&mut self, at: &Place, broken: Broken) {
        self.report(at, broken.message, broken.hint);
    }

    pub(super) fn report(&mut self, at: &Place, message: impl Into<String>, hint: Option<String>) {
        let f = &self.files[at.file];
        let (line, column) = f.lines.position(&f.text, at.span.start);
        self.problems.push(Problem {
            file: f.path.clone(),
            line,
            column,
            message: message.into(),
            hint,
        });
    }

    pub(super) fn origin(&self, at: &Place) -> String {
        let f = &self.files[at.file];
        let (line, column) = f.lines.position(&f.text, at.span.start);
        format!("{}:{line}:{column}", f.path.display())
    }

    /// Reads a file's sections into raw entities and relations, reporting what cannot be read.
    pub(super) fn read_file(
        &mut self,
        file: usize,
        entities: &mut Vec<(EntityKind, Place, RawEntity)>,
        relations: &mut Vec<(Place, RawRelation)>,
        additions: &mut Vec<(Place, RawAddition)>,
    ) {
        let text = &self.files[file].text;
        let (table, errors) = DeTable::parse_recoverable(text);
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            self.report(
                &Place { file, span },
                format!("TOML syntax: {}", e.message().trim_end()),
                Some("fix the TOML syntax at this place".into()),
            );
        }
        for (key, value) in table.get_ref() {
            let at = Place {
                file,
                span: key.span(),
            };
            let section = key.get_ref().as_ref();
            if !SECTIONS.contains(&section) {
                let hint = rules::suggest(section, SECTIONS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("sections are {}", SECTIONS.join(", ")));
                self.report(&at, format!("unknown section `{section}`"), Some(hint));
                continue;
            }
            let DeValue::Array(items) = value.get_ref() else {
                self.report(
                    &at,
                    format!("`{section}` must be an array of tables"),
                    Some(format!("write each entry under a `[[{section}]]` header")),
                );
                continue;
            };
            for item in items.iter() {
                let place = Place {
                    file,
                    span: item.span(),
                };
                if section == "relation" {
                    if let Some(raw) = self.deserialize::<RawRelation>(file, item) {
                        relations.push((place, raw));
                    }
                } else if section == "addition" {
                    if let Some(raw) = self.deserialize::<RawAddition>(file, item) {
                        additions.push((place, raw));
                    }
                } else if let Some(raw) = self.deserialize::<RawEntity>(file, item) {
                    let kind = EntityKind::parse(section).expect("sections name entity kinds");
                    entities.push((kind, place, raw));
                }
            }
        }
    }

    fn deserialize<T: for<'de> Deserialize<'de>>(
        &mut self,
        file: usize,
        item: &Spanned<DeValue<'_>>,
    ) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(item.clone())) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = e.span().unwrap_or_else(|| item.span());
                let message = e.message().trim_end().to_owned();
                let hint = if message.starts_with("unknown field") {
                    "remove the field or fix its spelling; ".to_owned() + SEE_FORMAT
                } else {
                    SEE_FORMAT.to_owned()
                };
                self.report(&Place { file, span }, message, Some(hint));
                None
            }
        }
    }

    pub(super) fn add_entity(
        &mut self,
        kind: EntityKind,
        place: &Place,
        raw: &RawEntity,
    ) -> Option<EntityIx> {
        let id_at = Place {
            file: place.file,
            span: raw.id.span(),
        };
        let id = raw.id.get_ref();
        if let Err(broken) = rules::id(id) {
            self.broke(&id_at, broken);
        }
        let name_at = Place {
            file: place.file,
            span: raw.name.span(),
        };
        let name = rules::name(raw.name.get_ref()).unwrap_or_else(|broken| {
            self.broke(&name_at, broken);
            ""
        });
        self.check_fields(kind, place.file, raw);
        let record = NewEntity {
            id: id.as_str(),
            kind,
            name,
            country: None,
            date: None,
            detail: None,
            defined_at: Defined::Curated(self.places.len()).number(),
        };
        match self.builder.add_entity(record) {
            Ok(ix) => {
                self.places.push(id_at);
                Some(ix)
            }
            Err(GraphError::DuplicateId {
                first_defined_at, ..
            }) => {
                let first = match Defined::from_number(first_defined_at) {
                    Defined::Curated(place) => self.origin(&self.places[place]),
                    // Curated entities are added before bulk ones.
                    Defined::Bulk { line, .. } => format!("line {line} of a CSV file"),
                };
                self.broke(&id_at, rules::duplicate(id, &first));
                None
            }
            Err(e) => {
                self.report(&id_at, e.to_string(), None);
                None
            }
        }
    }

    /// Reports kind-specific fields used on a kind they do not apply to, and required ones missing.
    fn check_fields(&mut self, kind: EntityKind, file: usize, raw: &RawEntity) {
        let given: [(&str, Option<Range<usize>>); 18] = [
            ("after", raw.after.first().map(Spanned::span)),
            ("before", raw.before.first().map(Spanned::span)),
            ("claimed_by", raw.claimed_by.as_ref().map(Spanned::span)),
            ("amounts", raw.amounts.first().map(|a| a.value.span())),
            ("duration", raw.duration.as_ref().map(Spanned::span)),
            ("founded", raw.founded.as_ref().map(Spanned::span)),
            ("category", raw.category.as_ref().map(Spanned::span)),
            ("released", raw.released.as_ref().map(Spanned::span)),
            ("iso_code", raw.iso_code.as_ref().map(Spanned::span)),
            ("type", raw.event_type.as_ref().map(Spanned::span)),
            ("date", raw.date.as_ref().map(Spanned::span)),
            ("summary", raw.summary.as_ref().map(|_| raw.id.span())),
            ("cause", raw.cause.as_ref().map(Spanned::span)),
            ("status", raw.status.as_ref().map(Spanned::span)),
            ("confidence", raw.confidence.as_ref().map(Spanned::span)),
            ("title", raw.title.as_ref().map(Spanned::span)),
            ("publisher", raw.publisher.as_ref().map(|_| raw.id.span())),
            ("url", raw.url.as_ref().map(|_| raw.id.span())),
        ];
        for (field, span) in given {
            if let Some(span) = span
                && let Err(broken) = rules::applies(field, kind)
            {
                self.broke(&Place { file, span }, broken);
            }
        }
        if kind == EntityKind::Source && raw.title.is_none() {
            self.report(
                &Place {
                    file,
                    span: raw.id.span(),
                },
                format!("the source `{}` has no title", raw.id.get_ref()),
                Some("add `title = \"…\"` so readers can find the document".into()),
            );
        }
    }

    pub(super) fn entity_detail(
        &mut self,
        file: usize,
        kind: EntityKind,
        raw: &RawEntity,
    ) -> EntityDetail {
        let mut property_sources = Vec::new();
        for (property, cites) in &raw.cite {
            let name = property.get_ref().as_str();
            if let Err(broken) = rules::citable(kind, name) {
                let at = Place {
                    file,
                    span: property.span(),
                };
                self.broke(&at, broken);
                continue;
            }
            property_sources.push(PropertyCitation {
                property: name.to_owned(),
                sources: self.citations(file, cites),
            });
        }
        let cause = raw.cause.as_ref().map(|c| {
            let c = c.get_ref();
            Cause {
                text: c.text.get_ref().clone(),
                confidence: self.confidence(file, c.confidence.as_ref()),
                sources: self.citations(file, &c.sources),
                claimed_by: self.party(file, &c.claimed_by),
            }
        });
        let parse = |this: &mut Self, v: &Option<Spanned<String>>| {
            v.as_ref().and_then(|v| this.date(file, v))
        };
        let anchor = raw
            .sources
            .first()
            .and_then(|c| self.builder.lookup(c.source.get_ref()));
        let relative_ok = matches!(kind, EntityKind::Event | EntityKind::Document);
        let (date, date_wording) = match &raw.date {
            None => (None, None),
            Some(d) => {
                if !relative_ok && matches!(d.get_ref(), RawDate::Relative(_)) {
                    self.report(
                        &Self::at(file, d),
                        format!("a {kind}'s date cannot be relative"),
                        Some("give the date itself, like 2018-07-13".into()),
                    );
                }
                match self.dated(file, d, anchor) {
                    Some((date, wording)) => (Some(date), wording),
                    None => (None, None),
                }
            }
        };
        let (after, before) = (
            self.events(file, &raw.after),
            self.events(file, &raw.before),
        );
        if let Some(ix) = self.builder.lookup(raw.id.get_ref()) {
            let at = raw
                .after
                .first()
                .or(raw.before.first())
                .map_or_else(|| Self::at(file, &raw.id), |a| Self::at(file, a));
            self.order(at, ix.index() as u32, &after, &before);
        }
        EntityDetail {
            aliases: raw.aliases.clone(),
            description: raw.description.clone(),
            wikidata: raw.wikidata.as_ref().and_then(|w| {
                let at = Place {
                    file,
                    span: w.span(),
                };
                self.check(&at, rules::wikidata(w.get_ref()))
                    .map(|()| w.get_ref().clone())
            }),
            iso_code: raw.iso_code.as_ref().map(|c| c.get_ref().to_lowercase()),
            founded: parse(self, &raw.founded),
            category: raw.category.as_ref().and_then(|c| {
                self.vocabulary(
                    file,
                    c,
                    "category",
                    ProductCategory::parse,
                    ProductCategory::names,
                )
            }),
            released: parse(self, &raw.released),
            event_type: raw
                .event_type
                .as_ref()
                .filter(|_| kind == EntityKind::Event)
                .and_then(|t| {
                    self.vocabulary(file, t, "event type", EventType::parse, EventType::names)
                }),
            body_type: raw
                .event_type
                .as_ref()
                .filter(|_| kind == EntityKind::GovernmentBody)
                .and_then(|t| {
                    self.vocabulary(file, t, "body type", BodyType::parse, BodyType::names)
                }),
            document_type: raw
                .event_type
                .as_ref()
                .filter(|_| kind == EntityKind::Document)
                .and_then(|t| {
                    let names = DocumentType::names;
                    self.vocabulary(file, t, "document type", DocumentType::parse, names)
                }),
            date,
            date_wording,
            summary: raw.summary.clone(),
            cause,
            event_status: raw.status.as_ref().and_then(|t| {
                self.vocabulary(
                    file,
                    t,
                    "event status",
                    EventStatus::parse,
                    EventStatus::names,
                )
            }),
            confidence: raw
                .confidence
                .as_ref()
                .map(|c| self.confidence(file, Some(c))),
            claimed_by: self.party(file, &raw.claimed_by),
            amounts: self.amounts(file, &raw.amounts),
            duration: self.duration(file, &raw.duration),
            after,
            before,
            title: raw.title.as_ref().map(|t| t.get_ref().clone()),
            publisher: raw.publisher.clone(),
            url: raw.url.clone(),
            sources: self.citations(file, &raw.sources),
            property_sources,
            origin: self.origin(&Place {
                file,
                span: raw.id.span(),
            }),
        }
    }

    /// The value a rule gives, or `None` with what it found wrong reported at `at`.
    pub(super) fn check<T>(&mut self, at: &Place, checked: Result<T, Broken>) -> Option<T> {
        checked.map_err(|broken| self.broke(at, broken)).ok()
    }

    /// Where a spanned value is.
    pub(super) fn at<T>(file: usize, value: &Spanned<T>) -> Place {
        Place {
            file,
            span: value.span(),
        }
    }

    pub(super) fn vocabulary<T>(
        &mut self,
        file: usize,
        value: &Spanned<String>,
        what: &str,
        parse: fn(&str) -> Option<T>,
        names: fn() -> String,
    ) -> Option<T> {
        let checked = rules::vocabulary(value.get_ref(), what, parse, names);
        self.check(&Self::at(file, value), checked)
    }

    pub(super) fn date(&mut self, file: usize, value: &Spanned<String>) -> Option<DateBound> {
        self.check(&Self::at(file, value), rules::date(value.get_ref()))
    }

    pub(super) fn confidence(&mut self, file: usize, value: Option<&Spanned<f64>>) -> f32 {
        let Some(value) = value else { return 1.0 };
        let checked = rules::confidence(*value.get_ref());
        self.check(&Self::at(file, value), checked).unwrap_or(1.0)
    }

    pub(super) fn citations(&mut self, file: usize, raw: &[RawCitation]) -> Vec<Citation> {
        raw.iter()
            .filter_map(|c| {
                if let Some(q) = &c.quote {
                    let checked = rules::quote(q.get_ref());
                    self.check(&Self::at(file, q), checked);
                }
                let claimed_by = self.party(file, &c.claimed_by);
                let source = self.reference(file, &c.source, KindSet::of(&[EntityKind::Source]))?;
                Some(Citation {
                    source,
                    quote: c.quote.as_ref().map(|q| q.get_ref().clone()),
                    claimed_by,
                })
            })
            .collect()
    }

    /// Amounts as written, each checked.
    pub(super) fn amounts(&mut self, file: usize, raw: &[RawAmount]) -> Vec<Amount> {
        raw.iter()
            .filter_map(|a| {
                match rules::amount(a.value.get_ref(), a.currency.get_ref(), a.what.clone()) {
                    Ok(amount) => Some(amount),
                    Err((broken, in_currency)) => {
                        let at = if in_currency {
                            Self::at(file, &a.currency)
                        } else {
                            Self::at(file, &a.value)
                        };
                        self.broke(&at, broken);
                        None
                    }
                }
            })
            .collect()
    }

    /// A duration as written, checked.
    pub(super) fn duration(
        &mut self,
        file: usize,
        raw: &Option<Spanned<String>>,
    ) -> Option<Duration> {
        let d = raw.as_ref()?;
        self.check(&Self::at(file, d), rules::duration(d.get_ref()))
    }

    /// A date as curated: plain, or relative to its anchor (`source`: `source`, the citing
    /// source; or an event or document), with its wording. A relative date's day is checked
    /// against its anchor once every entity is known ([`Loader::check_relative_dates`]).
    pub(super) fn dated(
        &mut self,
        file: usize,
        value: &Spanned<RawDate>,
        source: Option<EntityIx>,
    ) -> Option<(DateBound, Option<Wording>)> {
        let at = Self::at(file, value);
        let relative = match value.get_ref() {
            RawDate::Text(text) => return self.check(&at, rules::date(text)).map(|d| (d, None)),
            RawDate::Relative(r) => r,
        };
        let day = DateBound::parse(&relative.day).map_err(|e| Broken {
            message: e.to_string(),
            hint: Some("`day` is the date the words mean, like 2018-07-13".into()),
        });
        let day = self.check(&at, day)?;
        let tie = rules::tie(relative.weekday.as_deref(), relative.offset.as_deref());
        let tie = self.check(&at, tie)?;
        let anchor = if relative.anchor == "source" {
            let Some(source) = source else {
                self.report(
                    &at,
                    "a date relative to its source needs a cited source",
                    Some("cite the source in `sources`, or anchor the date to an event".into()),
                );
                return None;
            };
            source
        } else {
            let kinds = KindSet::of(&[EntityKind::Event, EntityKind::Document, EntityKind::Source]);
            let checked = rules::reference(&self.builder, &relative.anchor, kinds, true);
            self.check(&at, checked)?
        };
        self.relative.push((at, day, anchor, tie));
        Some((
            day,
            Some(Wording {
                text: relative.text.clone(),
                anchor: relative.anchor.clone(),
            }),
        ))
    }

    /// Checks every relative date against its anchor's date, now that every entity is known.
    pub(super) fn check_relative_dates(&mut self) {
        for (at, day, anchor, tie) in std::mem::take(&mut self.relative) {
            let anchor_date = self
                .builder
                .entity(anchor)
                .date_bound()
                .or_else(|| self.builder.detail(anchor).and_then(|d| d.date));
            let id = self.builder.entity(anchor).id.to_owned();
            let Some(anchor_date) = anchor_date else {
                self.report(
                    &at,
                    format!("the anchor `{id}` has no date"),
                    Some(format!("give `{id}` a `date`, or give this date plainly")),
                );
                continue;
            };
            if let Err(message) = check_relative(day, anchor_date, tie) {
                self.report(
                    &at,
                    format!("the relative date does not match its anchor `{id}`: {message}"),
                    Some("fix `day`, or the weekday or offset it is tied by".into()),
                );
            }
        }
    }

    /// Events named by id (in `after`, `before`).
    pub(super) fn events(&mut self, file: usize, ids: &[Spanned<String>]) -> Vec<EntityIx> {
        ids.iter()
            .filter_map(|id| self.reference(file, id, KindSet::of(&[EntityKind::Event])))
            .collect()
    }

    /// Notes that `node` (curated at `at`) comes after the events `after` and before the
    /// events `before`, for [`Loader::check_order`].
    pub(super) fn order(&mut self, at: Place, node: u32, after: &[EntityIx], before: &[EntityIx]) {
        if after.is_empty() && before.is_empty() {
            return;
        }
        self.order_places.insert(node, at);
        self.order
            .extend(after.iter().map(|e| (e.index() as u32, node)));
        self.order
            .extend(before.iter().map(|e| (node, e.index() as u32)));
    }

    /// Reports an order without dates that goes round in a circle.
    pub(super) fn check_order(&mut self) {
        let Some(node) = crate::graph::order_cycle(&self.order) else {
            return;
        };
        let at = self.order_places.get(&node).cloned().or_else(|| {
            // An event that names no order itself: report where another names it.
            self.order
                .iter()
                .find_map(|&(a, b)| (a == node || b == node).then_some(a.max(b)))
                .and_then(|n| self.order_places.get(&n).cloned())
        });
        if let Some(at) = at {
            self.report(
                &at,
                "`after` and `before` go round in a circle here: each fact would come before itself",
                Some("one of the facts in the circle is placed the wrong way; check what the sources say".into()),
            );
        }
    }

    /// Resolves the party a claim is made by, if one is named.
    pub(super) fn party(&mut self, file: usize, id: &Option<Spanned<String>>) -> Option<EntityIx> {
        id.as_ref()
            .and_then(|id| self.reference(file, id, EntityKind::PARTIES))
    }

    /// A planned or reported end.
    pub(super) fn planned_end(
        &mut self,
        file: usize,
        raw: &RawPlannedEnd,
        fallback: Option<EntityIx>,
    ) -> Option<PlannedEnd> {
        let sources = self.citations(file, &raw.sources);
        let anchor = sources.first().map(|c| c.source).or(fallback);
        let (date, wording) = self.dated(file, &raw.date, anchor).unzip();
        let confidence = self.confidence(file, raw.confidence.as_ref());
        let claimed_by = self.party(file, &raw.claimed_by);
        if raw.sources.is_empty() {
            self.report(
                &Self::at(file, &raw.date),
                "the planned end cites no source",
                Some("add `sources = [{ source = \"…\", quote = \"…\" }]` to `planned_end`".into()),
            );
        }
        Some(PlannedEnd {
            date: date?,
            confidence,
            sources,
            claimed_by,
            wording: wording.flatten(),
        })
    }

    /// Resolves an id that must name an entity of one of `kinds`.
    pub(super) fn reference(
        &mut self,
        file: usize,
        id: &Spanned<String>,
        kinds: KindSet,
    ) -> Option<EntityIx> {
        let checked = rules::reference(&self.builder, id.get_ref(), kinds, true);
        self.check(&Self::at(file, id), checked)
    }

    /// A status history of a relation of `kind` (when known), in date order.
    /// `fallback` is the source a relative date is anchored to when a step cites none.
    pub(super) fn status_steps(
        &mut self,
        file: usize,
        kind: Option<RelationKind>,
        raw: &[RawStatus],
        fallback: Option<EntityIx>,
    ) -> Vec<StatusChange> {
        let mut status_history = Vec::new();
        for s in raw {
            let status = self
                .vocabulary(file, &s.status, "status", Status::parse, Status::names)
                .filter(|&status| {
                    let fits = kind.map_or(Ok(()), |kind| rules::status_fits(kind, status));
                    self.check(&Self::at(file, &s.status), fits).is_some()
                });
            let sources = self.citations(file, &s.sources);
            let anchor = sources.first().map(|c| c.source).or(fallback);
            let (date, wording) = s
                .date
                .as_ref()
                .and_then(|d| self.dated(file, d, anchor))
                .unzip();
            let event = s
                .event
                .as_ref()
                .and_then(|e| self.reference(file, e, KindSet::of(&[EntityKind::Event])));
            let confidence = self.confidence(file, s.confidence.as_ref());
            let claimed_by = self.party(file, &s.claimed_by);
            if let Some(status) = status {
                let step = StatusChange::new(status, date, event, sources)
                    .worded(wording.flatten())
                    .believed(confidence)
                    .claimed(claimed_by);
                status_history.push(step);
            }
        }
        status_history.sort_by_key(StatusChange::order_key);
        status_history
    }

    pub(super) fn add_relation(&mut self, place: &Place, raw: &RawRelation) {
        let file = place.file;
        let kind = self.vocabulary(
            file,
            &raw.kind,
            "relation kind",
            RelationKind::parse,
            RelationKind::names,
        );
        let any = KindSet::ALL;
        let from = self.reference(file, &raw.from, any);
        let to = self.reference(file, &raw.to, any);
        let anchor = raw
            .sources
            .first()
            .and_then(|c| self.builder.lookup(c.source.get_ref()));
        let bound = |this: &mut Self, d: &Option<Spanned<RawDate>>| {
            d.as_ref().and_then(|d| this.dated(file, d, anchor)).unzip()
        };
        let (starts, from_wording) = bound(self, &raw.valid_from);
        let (ends, until_wording) = bound(self, &raw.valid_until);
        let validity = Validity {
            from: starts,
            until: ends,
        };
        let until_at = raw
            .valid_until
            .as_ref()
            .map_or_else(|| place.clone(), |u| Self::at(file, u));
        self.check(
            &until_at,
            rules::time_order(&validity, "valid_from", "valid_until"),
        );
        let kind_at = Self::at(file, &raw.kind);
        let since_ever = raw.since_ever.as_ref().is_some_and(|e| *e.get_ref());
        if let (Some(ever), Some(_)) = (&raw.since_ever, &raw.valid_from)
            && *ever.get_ref()
        {
            self.report(
                &Self::at(file, ever),
                "the relation has both `since_ever = true` and a `valid_from`",
                Some("keep the one the source supports".into()),
            );
        }
        let confidence = self.confidence(file, raw.confidence.as_ref());
        let sources = self.citations(file, &raw.sources);
        let unsourced = raw.unsourced.as_ref().is_some_and(|u| *u.get_ref());
        if raw.sources.is_empty() && !unsourced {
            self.report(
                &kind_at,
                "the relation cites no source",
                Some("add `sources = [{ source = \"…\", quote = \"…\" }]`, or mark it `unsourced = true`".into()),
            );
        }
        if let Some(u) = &raw.unsourced
            && *u.get_ref()
            && !raw.sources.is_empty()
        {
            self.report(
                &Self::at(file, u),
                "the relation is marked unsourced but cites sources",
                Some("remove `unsourced = true`".into()),
            );
        }
        let first_source = sources.first().map(|c| c.source);
        let status_history = self.status_steps(file, kind, &raw.status, first_source);
        if let Some(kind) = kind {
            for (field, span) in [
                ("measure", raw.measure.as_ref().map(Spanned::span)),
                ("terms", raw.terms.as_ref().map(Spanned::span)),
            ] {
                if let Some(span) = span {
                    self.check(&Place { file, span }, rules::relation_field(kind, field));
                }
            }
        }
        let market = raw
            .market
            .as_ref()
            .and_then(|m| self.reference(file, m, KindSet::of(&[EntityKind::Market])));
        let rank = raw
            .rank
            .as_ref()
            .and_then(|r| self.check(&Self::at(file, r), rules::rank(*r.get_ref())));
        let share = raw
            .share
            .as_ref()
            .and_then(|s| self.check(&Self::at(file, s), rules::share(*s.get_ref())));
        let period = raw.period.as_ref().and_then(|d| self.date(file, d));
        let claimed_by = self.party(file, &raw.claimed_by);
        let (after, before) = (
            self.events(file, &raw.after),
            self.events(file, &raw.before),
        );
        let statement = STATEMENT + self.builder.relation_count() as u32;
        self.order(kind_at.clone(), statement, &after, &before);
        let planned_end = raw
            .planned_end
            .as_ref()
            .and_then(|p| self.planned_end(file, p, first_source));
        let measure = raw
            .measure
            .as_ref()
            .and_then(|m| self.vocabulary(file, m, "measure", Measure::parse, Measure::names));
        let target = raw.target.as_ref().and_then(|d| self.date(file, d));
        let (Some(kind), Some(from), Some(to)) = (kind, from, to) else {
            return;
        };
        let ends = rules::endpoints(
            kind,
            (raw.from.get_ref(), self.builder.kind(from)),
            (raw.to.get_ref(), self.builder.kind(to)),
        );
        if self.check(&kind_at, ends).is_none() {
            return;
        }
        let record = NewRelation {
            from,
            to,
            kind,
            window: validity.window(),
            confidence,
            unsourced,
            source: 0,
            detail: Some(Box::new(RelationDetail {
                validity,
                from_wording: from_wording.flatten(),
                until_wording: until_wording.flatten(),
                since_ever,
                status_history,
                sources,
                market,
                role: raw.role.clone(),
                rank,
                share,
                period,
                target,
                note: raw.note.clone(),
                measure,
                terms: raw.terms.as_ref().map(|t| t.get_ref().clone()),
                claimed_by,
                planned_end,
                amounts: self.amounts(file, &raw.amounts),
                duration: self.duration(file, &raw.duration),
                after,
                before,
                origin: self.origin(&kind_at),
            })),
        };
        if let Err(e) = self.builder.add_relation(record) {
            self.report(&kind_at, e.to_string(), None);
        }
    }
}
