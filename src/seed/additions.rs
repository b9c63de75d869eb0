//! `[[addition]]`: what a file adds to an entity or a relation another file defines, so that a
//! curator adding a news report touches one new file. An entity gains aliases, sources,
//! citations of its properties, and the single-valued properties it lacks; a relation gains
//! sources, status steps and an end it lacks. A value that differs from one already given is a
//! problem, never a silent overwrite.

use ::toml::Spanned;

use super::raw::RawAddition;
use super::rules::{self, Broken};
use super::toml::{Loader, Place};
use crate::graph::{EntityIx, GraphError, PropertyCitation, RelationAddition, RelationTarget};
use crate::model::{DateBound, EntityKind, KindSet, RelationId, RelationKind};

impl Loader<'_> {
    /// Makes an addition to an entity, or hands one to a relation to the builder (which makes
    /// it once every statement is pooled; see `settle`).
    pub(super) fn add(&mut self, place: &Place, raw: &RawAddition) {
        let file = place.file;
        let target = raw.to.get_ref();
        if target.contains(':') {
            self.add_to_relation(file, raw);
        } else if let Some(ix) = self.reference(file, &raw.to, KindSet::ALL) {
            self.add_to_entity(file, ix, raw);
        }
    }

    /// Fields of an addition that do not apply to what it adds to.
    fn misplaced(&mut self, file: usize, raw: &RawAddition, entity: Option<EntityKind>) {
        let for_entity: [(&str, Option<std::ops::Range<usize>>); 9] = [
            ("after", raw.after.first().map(Spanned::span)),
            ("before", raw.before.first().map(Spanned::span)),
            ("aliases", raw.aliases.first().map(Spanned::span)),
            ("description", raw.description.as_ref().map(Spanned::span)),
            ("wikidata", raw.wikidata.as_ref().map(Spanned::span)),
            ("founded", raw.founded.as_ref().map(Spanned::span)),
            ("released", raw.released.as_ref().map(Spanned::span)),
            ("date", raw.date.as_ref().map(Spanned::span)),
            ("url", raw.url.as_ref().map(Spanned::span)),
        ];
        let cite = raw.cite.keys().next().map(Spanned::span);
        let for_relation = [
            ("status", raw.status.first().map(|s| s.status.span())),
            ("valid_until", raw.valid_until.as_ref().map(Spanned::span)),
            (
                "planned_end",
                raw.planned_end.as_ref().map(|p| p.date.span()),
            ),
        ];
        match entity {
            Some(kind) => {
                for (field, span) in for_relation {
                    if let Some(span) = span {
                        let at = Place { file, span };
                        self.broke(&at, not_for(field, "an entity"));
                    }
                }
                for (field, span) in for_entity[..2].iter().chain(&for_entity[5..]) {
                    if let Some(span) = span
                        && let Err(broken) = rules::applies(field, kind)
                    {
                        self.broke(
                            &Place {
                                file,
                                span: span.clone(),
                            },
                            broken,
                        );
                    }
                }
            }
            None => {
                for (field, span) in for_entity.into_iter().chain([("cite", cite)]) {
                    if let Some(span) = span {
                        self.broke(&Place { file, span }, not_for(field, "a relation"));
                    }
                }
            }
        }
    }

    fn add_to_entity(&mut self, file: usize, ix: EntityIx, raw: &RawAddition) {
        let kind = self.builder.kind(ix);
        self.misplaced(file, raw, Some(kind));
        let (after, before) = (
            self.events(file, &raw.after),
            self.events(file, &raw.before),
        );
        let order_at = raw.after.first().or(raw.before.first());
        if let Some(at) = order_at {
            self.order(Self::at(file, at), ix.index() as u32, &after, &before);
        }
        let sources = self.citations(file, &raw.sources);
        let mut cited = Vec::new();
        for (property, cites) in &raw.cite {
            let name = property.get_ref().as_str();
            let at = Place {
                file,
                span: property.span(),
            };
            if self.check(&at, rules::citable(kind, name)).is_some() {
                cited.push((name.to_owned(), self.citations(file, cites)));
            }
        }
        let dates = [
            ("founded", &raw.founded),
            ("released", &raw.released),
            ("date", &raw.date),
        ]
        .map(|(field, value)| {
            let parsed = value.as_ref().and_then(|v| self.date(file, v));
            (field, value.as_ref().map(Spanned::span), parsed)
        });
        if let Some(w) = &raw.wikidata {
            self.check(&Self::at(file, w), rules::wikidata(w.get_ref()));
        }
        let origin = self.origin(&Self::at(file, &raw.to));
        let id = raw.to.get_ref();
        let detail = self.builder.detail_mut(ix);
        let mut clashes: Vec<(std::ops::Range<usize>, Broken)> = Vec::new();
        let mut fill = |field: &str, had: &mut Option<String>, given: &Option<Spanned<String>>| {
            let Some(given) = given else { return };
            match had {
                Some(value) if value != given.get_ref() => {
                    clashes.push((given.span(), clash(id, field, value)));
                }
                _ => *had = Some(given.get_ref().clone()),
            }
        };
        fill("description", &mut detail.description, &raw.description);
        fill("wikidata", &mut detail.wikidata, &raw.wikidata);
        fill("url", &mut detail.url, &raw.url);
        for (field, span, parsed) in dates {
            let (Some(span), Some(date)) = (span, parsed) else {
                continue;
            };
            let had: &mut Option<DateBound> = match field {
                "founded" => &mut detail.founded,
                "released" => &mut detail.released,
                _ => &mut detail.date,
            };
            match had {
                Some(value) if *value != date => {
                    clashes.push((span, clash(id, field, &value.to_string())));
                }
                _ => *had = Some(date),
            }
        }
        for e in after {
            if !detail.after.contains(&e) {
                detail.after.push(e);
            }
        }
        for e in before {
            if !detail.before.contains(&e) {
                detail.before.push(e);
            }
        }
        for alias in &raw.aliases {
            let alias = alias.get_ref().trim();
            if !alias.is_empty() && !detail.aliases.iter().any(|a| a == alias) {
                detail.aliases.push(alias.to_owned());
            }
        }
        crate::graph::add_citations(&mut detail.sources, sources);
        for (property, sources) in cited {
            match detail
                .property_sources
                .iter_mut()
                .find(|p| p.property == property)
            {
                Some(p) => crate::graph::add_citations(&mut p.sources, sources),
                None => detail
                    .property_sources
                    .push(PropertyCitation { property, sources }),
            }
        }
        detail.origin = if detail.origin.is_empty() {
            origin
        } else {
            format!("{}; {origin}", detail.origin)
        };
        for (span, broken) in clashes {
            self.broke(&Place { file, span }, broken);
        }
    }

    fn add_to_relation(&mut self, file: usize, raw: &RawAddition) {
        self.misplaced(file, raw, None);
        let to_at = Self::at(file, &raw.to);
        let Some(id) = RelationId::parse(raw.to.get_ref()) else {
            self.report(
                &to_at,
                format!("`{}` is not a relation id", raw.to.get_ref()),
                Some("a relation's id is `from:kind:to`, then `@market` when scoped, then `#claim` for a claim other than the first, like `att:carries:mate-10-pro@us`".into()),
            );
            return;
        };
        let kind = rules::vocabulary(
            id.kind,
            "relation kind",
            RelationKind::parse,
            RelationKind::names,
        );
        let kind = self.check(&to_at, kind);
        let end = |this: &mut Self, text: &str, kinds| {
            let checked = rules::reference(&this.builder, text, kinds, true);
            this.check(&to_at, checked)
        };
        let from = end(self, id.from, KindSet::ALL);
        let to = end(self, id.to, KindSet::ALL);
        let market = match id.market {
            Some(m) => end(self, m, KindSet::of(&[EntityKind::Market])).map(Some),
            None => Some(None),
        };
        let sources = self.citations(file, &raw.sources);
        let first_source = sources.first().map(|c| c.source);
        let status_history = self.status_steps(file, kind, &raw.status, first_source);
        let until = raw.valid_until.as_ref().and_then(|d| self.date(file, d));
        let planned_end = raw
            .planned_end
            .as_ref()
            .and_then(|p| self.planned_end(file, p, first_source));
        let (Some(kind), Some(from), Some(to), Some(market)) = (kind, from, to, market) else {
            return;
        };
        let target = RelationTarget {
            from,
            kind,
            to,
            market,
            claim: id.claim.map(str::to_owned),
            id: raw.to.get_ref().clone(),
        };
        let addition = RelationAddition {
            sources,
            status_history,
            until,
            planned_end,
            origin: self.origin(&to_at),
        };
        self.additions.push(to_at);
        let place = (self.additions.len() - 1) as u64;
        self.builder.add_to_relation(target, addition, place);
    }

    /// Pools the curated relations and makes the additions to them, reporting those that
    /// cannot be made at their places.
    pub(super) fn settle(&mut self) {
        let refused = self.builder.settle();
        if refused.is_empty() {
            return;
        }
        let ids = self.builder.curated_relation_ids();
        for (place, error) in refused {
            let at = self.additions[place as usize].clone();
            let hint = match &error {
                GraphError::UnknownRelation(id) => {
                    match rules::suggest(id, ids.iter().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "name a relation by its id as the API gives it, like `att:carries:mate-10-pro@us`; `phonegraph validate` lists none that is close".into(),
                    }
                }
                _ => {
                    "a relation has one end: record the other one as a status step with its sources"
                        .into()
                }
            };
            self.report(&at, error.to_string(), Some(hint));
        }
    }
}

/// A field an addition gives that does not apply to what it adds to.
fn not_for(field: &str, what: &str) -> Broken {
    Broken {
        message: format!("`{field}` cannot be added to {what}"),
        hint: Some(
            "an entity takes aliases, description, wikidata, founded, released, date, url, cite, sources, and for an event after and before; a relation takes status, valid_until, planned_end and sources".into(),
        ),
    }
}

/// A single-valued property given a second, different value.
fn clash(id: &str, field: &str, had: &str) -> Broken {
    Broken {
        message: format!("`{id}` already has {field} `{had}`, and an entity has one {field}"),
        hint: Some(format!(
            "to support the {field} it has, cite it with `cite.{field}`; if sources disagree, say so in the entity's description or keep the value the defining file gives"
        )),
    }
}
