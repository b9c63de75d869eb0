//! What changed between two versions of the data: entities and relations added, removed and
//! changed (which fields, old → new), each with where it is curated. Entities are matched by
//! id, relations by their stable id, so a change is what a curator did, not an artefact of
//! file order.

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
pub fn diff(old: &Graph, new: &Graph) -> Vec<Change> {
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
