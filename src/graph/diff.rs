//! What changed between two versions of the data: entities and relations added, removed and
//! changed (which fields, old → new), each with where it is curated. Entities are matched by
//! id, relations by their stable id, so a change is what a curator did, not an artefact of
//! file order.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::record::{Citation, EntityIx, RelationIx, StatusChange};
use super::store::Graph;

/// What a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    /// An entity.
    Entity,
    /// A relation.
    Relation,
}

/// What happened to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Happened {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// These fields changed: name, old value, new value (empty when absent).
    Changed(Vec<(&'static str, String, String)>),
}

/// One change between two versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// An entity or a relation.
    pub item: Item,
    /// Its id.
    pub id: String,
    /// Its kind (`vendor`, `carries`…).
    pub kind: String,
    /// What happened to it.
    pub happened: Happened,
    /// Where it is curated: in the new version, or the old one for a removal.
    pub origin: String,
}

/// The changes from `old` to `new`: entities then relations, each in id order.
///
/// Entities are numbered by kind, then id, and relations sorted by their ends' numbers, so
/// when no entity changed kind both versions' entities, then their relations, are walked side
/// by side (the relations in pieces, on the current thread pool, beside the entities), and
/// only what differs is written out as text. Otherwise it falls back on [`diff_by_ids`].
pub fn diff(old: &Graph, new: &Graph) -> Vec<Change> {
    let Some((to_new, added)) = entities_side_by_side(old, new) else {
        return diff_by_ids(old, new);
    };
    let entities = || {
        let mut changes = Vec::new();
        for e in (0..old.entities.len() as u32).map(EntityIx) {
            match to_new.get(e) {
                None => changes.push(entity_change(old, e, Happened::Removed)),
                Some(n) if !same_entity(old, e, new, n) => {
                    let fields = changed_fields(&entity_fields(old, e), &entity_fields(new, n));
                    if !fields.is_empty() {
                        changes.push(entity_change(new, n, Happened::Changed(fields)));
                    }
                }
                Some(_) => {}
            }
        }
        changes.extend(
            added
                .into_iter()
                .map(|n| entity_change(new, n, Happened::Added)),
        );
        changes
    };
    let relations = || relation_changes(old, new, &to_new, rayon::current_num_threads() * 4);
    let (mut changes, relations) = rayon::join(entities, relations);
    changes.extend(relations);
    changes.sort_by(|a, b| (a.item, &a.id).cmp(&(b.item, &b.id)));
    changes
}

/// The relations' changes, found in about `count` pieces compared in parallel.
fn relation_changes(old: &Graph, new: &Graph, to_new: &Renumbering, count: usize) -> Vec<Change> {
    use rayon::prelude::*;
    pieces(old, new, count)
        .into_par_iter()
        .flat_map_iter(|(olds, news)| {
            let mut changes = Vec::new();
            relations_side_by_side(old, new, to_new, olds, news, &mut changes);
            changes
        })
        .collect()
}

/// Cuts both versions' relations into about `count` pieces to compare apart, each ending
/// where the relations of a `from` entity begin. The cut is placed by the entity's kind and
/// id ([`number_key`]), which order the relations of both versions alike.
fn pieces(old: &Graph, new: &Graph, count: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let mut cuts = vec![(0, 0)];
    for k in 1..count {
        let Some(at) = new.relations.get(new.relations.len() * k / count) else {
            break;
        };
        let cut = number_key(new, at.from);
        cuts.push((
            old.relations
                .partition_point(|r| number_key(old, r.from) < cut),
            new.relations
                .partition_point(|r| number_key(new, r.from) < cut),
        ));
    }
    cuts.push((old.relations.len(), new.relations.len()));
    cuts.windows(2)
        .map(|w| (w[0].0..w[1].0, w[0].1..w[1].1))
        .collect()
}

/// What orders entities' numbers (kind, then id): the same in every version.
fn number_key(g: &Graph, e: EntityIx) -> (usize, &[u8]) {
    let view = g.entity(e);
    (view.kind as usize, view.id.as_bytes())
}

/// Matches the entities of both versions by walking them in number order (kind, then id):
/// each old entity's number in the new version, if it is there, and the new entities. `None`
/// when an entity changed kind, which changes the order of numbers.
fn entities_side_by_side(old: &Graph, new: &Graph) -> Option<(Renumbering, Vec<EntityIx>)> {
    let (old_n, new_n) = (old.entities.len() as u32, new.entities.len() as u32);
    let mut to_new = Renumbering::default();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < old_n || j < new_n {
        let order = match (i < old_n, j < new_n) {
            (true, true) => number_key(old, EntityIx(i)).cmp(&number_key(new, EntityIx(j))),
            (true, false) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                removed.push(old.entity(EntityIx(i)).id);
                to_new.from(i, None);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                added.push(EntityIx(j));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                to_new.from(i, Some(i64::from(j) - i64::from(i)));
                i += 1;
                j += 1;
            }
        }
    }
    // An id both gone and new changed kind.
    let gone: rustc_hash::FxHashSet<&str> = removed.into_iter().collect();
    if added.iter().any(|&n| gone.contains(new.entity(n).id)) {
        return None;
    }
    Some((to_new, added))
}

/// Each old entity's number in the new version: its own plus an offset that changes only
/// where entities were removed or added, so a few runs describe it, and reading it (for both
/// ends of millions of relations) stays in the cache where a table of every entity would not.
#[derive(Default)]
struct Renumbering {
    /// Where each run starts, in old numbers, ascending.
    starts: Vec<u32>,
    /// Each run's offset; `None` for entities that are gone.
    offsets: Vec<Option<i64>>,
}

impl Renumbering {
    /// From old number `start` on (until the next run), entities move by `offset`.
    fn from(&mut self, start: u32, offset: Option<i64>) {
        if self.offsets.last() != Some(&offset) {
            self.starts.push(start);
            self.offsets.push(offset);
        }
    }

    /// The new number of old entity `e`, if it is still there.
    fn get(&self, e: EntityIx) -> Option<EntityIx> {
        let run = self.starts.partition_point(|&s| s <= e.0).checked_sub(1)?;
        let n = i64::from(e.0) + self.offsets[run]?;
        Some(EntityIx(n as u32))
    }
}

/// An entity's change, named and placed as `g` has it.
fn entity_change(g: &Graph, e: EntityIx, happened: Happened) -> Change {
    Change {
        item: Item::Entity,
        id: g.entity(e).id.to_owned(),
        kind: g.entity(e).kind.to_string(),
        happened,
        origin: entity_origin(g, e),
    }
}

/// A relation's change, named and placed as `g` has it.
fn relation_change(g: &Graph, r: RelationIx, happened: Happened) -> Change {
    Change {
        item: Item::Relation,
        id: g.relation_id(r),
        kind: g.relation(r).kind.to_string(),
        happened,
        origin: g.relation_detail(r).origin.clone(),
    }
}

/// Whether an entity reads the same in both versions (a cheap test first: two bulk rows).
fn same_entity(old: &Graph, e: EntityIx, new: &Graph, n: EntityIx) -> bool {
    let (a, b) = (old.entity(e), new.entity(n));
    match (old.entities.detail(e), new.entities.detail(n)) {
        (None, None) => {
            a.kind == b.kind && a.name == b.name && a.country == b.country && a.date == b.date
        }
        _ => entity_fields(old, e) == entity_fields(new, n),
    }
}

/// Whether a relation reads the same in both versions (a cheap test first: two bulk rows).
fn same_relation(old: &Graph, r: RelationIx, new: &Graph, s: RelationIx) -> bool {
    let (a, b) = (old.relation(r), new.relation(s));
    if a.detail == u32::MAX && b.detail == u32::MAX {
        fn source(g: &Graph, shared: u8) -> Option<&str> {
            (shared != 0).then(|| g.entity(g.shared_sources[shared as usize - 1]).id)
        }
        return a.window == b.window
            && a.confidence.to_bits() == b.confidence.to_bits()
            && a.unsourced == b.unsourced
            && source(old, a.source) == source(new, b.source);
    }
    relation_fields(old, r) == relation_fields(new, s)
}

/// What tells the relations between the same two entities apart: kind, market and claim.
fn relation_key(
    g: &Graph,
    r: RelationIx,
    alone: bool,
) -> (crate::model::RelationKind, Option<&str>, Option<String>) {
    let market = g.relation_detail(r).market.map(|m| g.entity(m).id);
    // A claim has a name only beside another claim of its fact, between the same two ends.
    let claim = if alone { None } else { g.claim_name(r) };
    (g.relation(r).kind, market, claim)
}

/// Walks a piece of both versions' relations (`olds` and `news`, see [`pieces`]) in order
/// of their ends (the old ones' ends renumbered by `to_new`, which keeps their order),
/// matching those between the same two entities by kind, market and claim.
fn relations_side_by_side(
    old: &Graph,
    new: &Graph,
    to_new: &Renumbering,
    olds: Range<usize>,
    news: Range<usize>,
    changes: &mut Vec<Change>,
) {
    // The end of the run of relations starting at `i` with the same two ends.
    let run = |g: &Graph, i: usize, last: usize| {
        let (from, to) = (g.relations[i].from, g.relations[i].to);
        let mut end = i + 1;
        while end < last && (g.relations[end].from, g.relations[end].to) == (from, to) {
            end += 1;
        }
        end
    };
    let (mut i, mut j) = (olds.start, news.start);
    while i < olds.end || j < news.end {
        let old_run = (i < olds.end).then(|| {
            let r = &old.relations[i];
            let ends = to_new.get(r.from).zip(to_new.get(r.to));
            (run(old, i, olds.end), ends)
        });
        let new_run = (j < news.end).then(|| {
            let r = &new.relations[j];
            (run(new, j, news.end), (r.from, r.to))
        });
        match (old_run, new_run) {
            (Some((end, None)), _) => {
                for r in i..end {
                    changes.push(relation_change(
                        old,
                        RelationIx(r as u32),
                        Happened::Removed,
                    ));
                }
                i = end;
            }
            (Some((end, Some(ends))), Some((_, new_ends))) if ends < new_ends => {
                for r in i..end {
                    changes.push(relation_change(
                        old,
                        RelationIx(r as u32),
                        Happened::Removed,
                    ));
                }
                i = end;
            }
            (Some((old_end, Some(ends))), Some((new_end, new_ends))) if ends == new_ends => {
                match_runs(old, i..old_end, new, j..new_end, changes);
                i = old_end;
                j = new_end;
            }
            (_, Some((end, _))) => {
                for r in j..end {
                    changes.push(relation_change(new, RelationIx(r as u32), Happened::Added));
                }
                j = end;
            }
            (Some((end, Some(_))), None) => {
                for r in i..end {
                    changes.push(relation_change(
                        old,
                        RelationIx(r as u32),
                        Happened::Removed,
                    ));
                }
                i = end;
            }
            (None, None) => break,
        }
    }
}

/// Matches the relations between the same two entities in both versions.
fn match_runs(
    old: &Graph,
    olds: std::ops::Range<usize>,
    new: &Graph,
    news: std::ops::Range<usize>,
    changes: &mut Vec<Change>,
) {
    let ix = |i: usize| RelationIx(i as u32);
    if olds.len() == 1 && news.len() == 1 {
        let (r, s) = (ix(olds.start), ix(news.start));
        if relation_key(old, r, true) == relation_key(new, s, true) {
            if !same_relation(old, r, new, s) {
                push_changed(old, r, new, s, changes);
            }
            return;
        }
    }
    let (old_alone, new_alone) = (olds.len() == 1, news.len() == 1);
    let mut unmatched: Vec<(RelationIx, _)> = news
        .map(|s| (ix(s), relation_key(new, ix(s), new_alone)))
        .collect();
    for r in olds.map(ix) {
        let key = relation_key(old, r, old_alone);
        match unmatched.iter().position(|(_, k)| *k == key) {
            Some(at) => {
                let (s, _) = unmatched.remove(at);
                if !same_relation(old, r, new, s) {
                    push_changed(old, r, new, s, changes);
                }
            }
            None => changes.push(relation_change(old, r, Happened::Removed)),
        }
    }
    for (s, _) in unmatched {
        changes.push(relation_change(new, s, Happened::Added));
    }
}

fn push_changed(old: &Graph, r: RelationIx, new: &Graph, s: RelationIx, changes: &mut Vec<Change>) {
    let fields = changed_fields(&relation_fields(old, r), &relation_fields(new, s));
    if !fields.is_empty() {
        changes.push(relation_change(new, s, Happened::Changed(fields)));
    }
}

/// The changes from `old` to `new`, matching entities and relations by their ids written out:
/// the same answer as [`diff`], for any two versions, more slowly.
pub fn diff_by_ids(old: &Graph, new: &Graph) -> Vec<Change> {
    let mut changes = Vec::new();
    let ids = |g: &Graph| -> Vec<(String, EntityIx)> {
        g.entities_of(None)
            .iter()
            .map(|&e| (g.entity(e).id.to_owned(), e))
            .collect()
    };
    compare(
        &ids(old),
        &ids(new),
        |(id, e), g| {
            (
                id.clone(),
                g.entity(*e).kind.to_string(),
                entity_fields(g, *e),
                entity_origin(g, *e),
            )
        },
        old,
        new,
        Item::Entity,
        &mut changes,
    );
    let relations = |g: &Graph| -> Vec<(String, RelationIx)> {
        let mut list: Vec<(String, RelationIx)> =
            g.all_relations().map(|r| (g.relation_id(r), r)).collect();
        list.sort();
        list
    };
    compare(
        &relations(old),
        &relations(new),
        |(id, r), g| {
            let origin = g.relation_detail(*r).origin.clone();
            (
                id.clone(),
                g.relation(*r).kind.to_string(),
                relation_fields(g, *r),
                origin,
            )
        },
        old,
        new,
        Item::Relation,
        &mut changes,
    );
    changes
}

type Snapshot = (String, String, Vec<(&'static str, String)>, String);

/// Merges two id-sorted lists into added, removed and changed items.
fn compare<T>(
    old_list: &[T],
    new_list: &[T],
    snapshot: impl Fn(&T, &Graph) -> Snapshot,
    old: &Graph,
    new: &Graph,
    item: Item,
    changes: &mut Vec<Change>,
) where
    T: HasId,
{
    let olds: FxHashMap<&str, &T> = old_list.iter().map(|t| (t.id(), t)).collect();
    let news: FxHashMap<&str, &T> = new_list.iter().map(|t| (t.id(), t)).collect();
    let mut all: Vec<&str> = olds.keys().chain(news.keys()).copied().collect();
    all.sort_unstable();
    all.dedup();
    for id in all {
        let change = match (olds.get(id), news.get(id)) {
            (None, Some(n)) => {
                let (id, kind, _, origin) = snapshot(n, new);
                Change {
                    item,
                    id,
                    kind,
                    happened: Happened::Added,
                    origin,
                }
            }
            (Some(o), None) => {
                let (id, kind, _, origin) = snapshot(o, old);
                Change {
                    item,
                    id,
                    kind,
                    happened: Happened::Removed,
                    origin,
                }
            }
            (Some(o), Some(n)) => {
                let (_, _, before, _) = snapshot(o, old);
                let (id, kind, after, origin) = snapshot(n, new);
                let fields = changed_fields(&before, &after);
                if fields.is_empty() {
                    continue;
                }
                Change {
                    item,
                    id,
                    kind,
                    happened: Happened::Changed(fields),
                    origin,
                }
            }
            (None, None) => continue,
        };
        changes.push(change);
    }
}

/// Something with an id to match versions by.
trait HasId {
    fn id(&self) -> &str;
}

impl<X> HasId for (String, X) {
    fn id(&self) -> &str {
        &self.0
    }
}

/// The fields whose values differ, in field order.
fn changed_fields(
    before: &[(&'static str, String)],
    after: &[(&'static str, String)],
) -> Vec<(&'static str, String, String)> {
    let get = |list: &[(&'static str, String)], f: &str| {
        list.iter()
            .find(|(name, _)| *name == f)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut names: Vec<&'static str> = before.iter().chain(after).map(|(n, _)| *n).collect();
    names.dedup();
    let mut seen = Vec::new();
    names
        .into_iter()
        .filter(|n| {
            let first = !seen.contains(n);
            seen.push(n);
            first
        })
        .filter_map(|n| {
            let (b, a) = (get(before, n), get(after, n));
            (b != a).then_some((n, b, a))
        })
        .collect()
}

fn entity_origin(g: &Graph, e: EntityIx) -> String {
    let origin = &g.entity_detail(e).origin;
    if origin.is_empty() {
        "bulk CSV".to_owned()
    } else {
        origin.clone()
    }
}

/// Citations as text: `source: "quote"`, joined.
fn cited(g: &Graph, list: &[Citation]) -> String {
    list.iter()
        .map(|c| {
            let mut text = g.entity(c.source).id.to_owned();
            if let Some(q) = &c.quote {
                text += &format!(": \"{q}\"");
            }
            if let Some(p) = c.claimed_by {
                text += &format!(" (claimed by {})", g.entity(p).id);
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn optional<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn ids(g: &Graph, list: &[EntityIx]) -> String {
    list.iter()
        .map(|&e| g.entity(e).id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// An entity's fields as text, for comparing versions.
fn entity_fields(g: &Graph, e: EntityIx) -> Vec<(&'static str, String)> {
    let v = g.entity(e);
    let d = g.entity_detail(e);
    let amounts = d
        .amounts
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a.value,
                a.currency.code(),
                a.what.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        ("kind", v.kind.to_string()),
        ("name", v.name.to_owned()),
        ("country", v.country.unwrap_or_default().to_owned()),
        ("aliases", d.aliases.join("; ")),
        ("description", d.description.clone().unwrap_or_default()),
        ("wikidata", d.wikidata.clone().unwrap_or_default()),
        ("founded", optional(d.founded)),
        ("released", optional(d.released)),
        ("date", optional(d.date.or(v.date_bound()))),
        ("category", optional(d.category)),
        ("type", optional(d.event_type)),
        ("status", optional(d.event_status)),
        ("confidence", optional(d.confidence)),
        ("summary", d.summary.clone().unwrap_or_default()),
        (
            "cause",
            d.cause.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
        ),
        ("title", d.title.clone().unwrap_or_default()),
        ("publisher", d.publisher.clone().unwrap_or_default()),
        ("url", d.url.clone().unwrap_or_default()),
        ("claimed_by", optional(d.claimed_by.map(|p| g.entity(p).id))),
        ("amounts", amounts),
        ("duration", optional(d.duration)),
        ("after", ids(g, &d.after)),
        ("before", ids(g, &d.before)),
        ("sources", cited(g, &d.sources)),
    ]
}

fn step_text(g: &Graph, s: &StatusChange) -> String {
    let mut text = s.status.to_string();
    if let Some(d) = s.date {
        text += &format!(" {d}");
    }
    if let Some(e) = s.event {
        text += &format!(" [{}]", g.entity(e).id);
    }
    if !s.sources.is_empty() {
        text += &format!(" ({})", cited(g, &s.sources));
    }
    text
}

/// A relation's fields as text, for comparing versions.
fn relation_fields(g: &Graph, r: RelationIx) -> Vec<(&'static str, String)> {
    let rec = g.relation(r);
    let d = g.relation_detail(r);
    let v = g.validity(r);
    let planned = d
        .planned_end
        .as_ref()
        .map(|p| format!("{} ({})", p.date, cited(g, &p.sources)))
        .unwrap_or_default();
    vec![
        ("valid_from", optional(v.from)),
        ("valid_until", optional(v.until)),
        (
            "since_ever",
            if d.since_ever {
                "true".into()
            } else {
                String::new()
            },
        ),
        ("confidence", rec.confidence.to_string()),
        ("market", optional(d.market.map(|m| g.entity(m).id))),
        ("role", d.role.clone().unwrap_or_default()),
        ("rank", optional(d.rank)),
        ("share", optional(d.share)),
        ("period", optional(d.period)),
        ("target", optional(d.target)),
        ("note", d.note.clone().unwrap_or_default()),
        ("measure", optional(d.measure)),
        ("terms", d.terms.clone().unwrap_or_default()),
        ("claimed_by", optional(d.claimed_by.map(|p| g.entity(p).id))),
        ("planned_end", planned),
        ("duration", optional(d.duration)),
        ("after", ids(g, &d.after)),
        ("before", ids(g, &d.before)),
        (
            "status",
            d.status_history
                .iter()
                .map(|s| step_text(g, s))
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        ("sources", cited(g, &g.relation_citations(r))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::entity;
    use crate::graph::{GraphBuilder, NewRelation};
    use crate::model::{DateBound, EntityKind, RelationKind, Validity};

    /// A small market: vendors, carriers and products, with makes, carries and partnerships,
    /// some dated. Entities whose number `gone` picks are left out, and `seed` varies which
    /// relations there are and their dates.
    fn market(seed: u64, gone: impl Fn(usize) -> bool) -> Graph {
        let mut b = GraphBuilder::new();
        let mut add = |prefix: &str, count: usize, kind: EntityKind| -> Vec<Option<EntityIx>> {
            (0..count)
                .map(|i| (!gone(i)).then(|| entity(&mut b, &format!("{prefix}-{i}"), kind)))
                .collect()
        };
        let vendors = add("v", 20, EntityKind::Vendor);
        let carriers = add("c", 8, EntityKind::Carrier);
        let products = add("p", 300, EntityKind::Product);
        let mut state = seed;
        let mut next = move |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let mut relations = Vec::new();
        for (i, product) in products.iter().enumerate() {
            relations.push((vendors[i % 20], RelationKind::Makes, *product, None));
            for _ in 0..next(4) {
                let year = (next(3) > 0).then(|| 2015 + next(4));
                relations.push((carriers[next(8)], RelationKind::Carries, *product, year));
            }
        }
        for _ in 0..40 {
            let (v, c) = (vendors[next(20)], carriers[next(8)]);
            relations.push((v, RelationKind::PartnersWith, c, None));
        }
        for (from, kind, to, year) in relations {
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            let mut r = NewRelation::bare(from, kind, to);
            if let Some(year) = year {
                r.window = Validity {
                    from: DateBound::parse(&year.to_string()).ok(),
                    until: None,
                }
                .window();
            }
            // The same fact twice is one relation; that is all a second add may say.
            let _ = b.add_relation(r);
        }
        b.finish()
    }

    /// However the relations are cut into pieces to compare apart, the changes found are
    /// those of one walk over them all, with cuts among entities added and removed.
    #[test]
    fn pieces_find_what_one_walk_finds() {
        let graphs = [
            market(1, |_| false),
            market(2, |i| i % 7 == 3),
            market(1, |i| i % 5 == 1),
        ];
        for (a, b) in [(0, 1), (1, 0), (1, 2), (2, 0)] {
            let (old, new) = (&graphs[a], &graphs[b]);
            let (to_new, _) = entities_side_by_side(old, new).expect("no entity changed kind");
            // `diff` sorts what the pieces find.
            let sorted = |mut changes: Vec<Change>| {
                changes.sort_by_cached_key(|c| format!("{c:?}"));
                changes
            };
            let whole = sorted(relation_changes(old, new, &to_new, 1));
            assert!(whole.len() > 50, "pair {a}, {b} differs: {}", whole.len());
            for count in [2, 7, 64, 100_000] {
                assert_eq!(
                    sorted(relation_changes(old, new, &to_new, count)),
                    whole,
                    "pair {a}, {b} in {count} pieces"
                );
            }
        }
    }
}
