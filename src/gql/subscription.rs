//! Subscriptions: `dataChanged`, an event for each reload that went live, and `watch`, an alert
//! when a relation matching a pattern appears, goes, or changes its status or presence as of
//! today between two versions.
//!
//! Invariant: nothing a subscriber holds keeps a version of the data alive. Events and alerts
//! are plain values made when a version goes live; a slow subscriber misses events (and is
//! told so), it never holds a graph.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use async_graphql::futures_util::stream::{self, Stream};
use async_graphql::{Context, Enum, ID, Result, SimpleObject, Subscription as SubscriptionRoot};
use rustc_hash::FxHashSet;

use super::enums::{EntityKind, Presence, RelationKind, Status};
use super::error::{ErrorCode, coded};
use super::live::DataChange;
use super::relation::RelationFilter;
use super::select::EntityWhere;
use super::versions::{ChangeCounts, Revision, Versions};
use super::{Data, Store};
use crate::graph::{self, Change, Graph, Item, RelationIx};
use crate::model::{self, Day};

/// How many changes a `dataChanged` event lists; the rest are read with `changes(since:)`.
pub const EVENT_CHANGES: usize = 100;
/// How many alerts a `watch` subscription may have waiting; past them it misses alerts.
const WAITING_ALERTS: usize = 256;
/// How many `dataChanged` events may wait for a slow subscriber; past them it misses events.
pub(super) const WAITING_EVENTS: usize = 16;
/// Above this many candidates a reload is not compared pattern by pattern: each watch is told
/// to read the changes instead.
const MAX_CANDIDATES: usize = 100_000;
/// Above this many candidates times watches, the same: the comparison runs while the reload
/// finishes, and must not hold it (and the version it replaced) for long.
const MAX_COMPARISONS: usize = 2_000_000;

/// What clients may subscribe to.
#[derive(Default)]
pub struct Subscription;

/// What clients may subscribe to, over WebSocket (`graphql-transport-ws`) on `/graphql`.
#[SubscriptionRoot]
impl Subscription {
    /// An event for each reload that went live: the versions before and after, the changes
    /// counted (in all and by kind), and the first 100 of them (`truncated` when there are
    /// more: read them with `changes(since:)`). A reload of unchanged files, or one with problems, sends nothing.
    async fn data_changed(&self, ctx: &Context<'_>) -> impl Stream<Item = Result<DataChanged>> {
        let receiver = ctx.data_unchecked::<Arc<Versions>>().subscribe();
        stream::unfold(receiver, |mut receiver| async move {
            use tokio::sync::broadcast::error::RecvError;
            match receiver.recv().await {
                Ok(event) => Some((Ok(DataChanged::clone(&event)), receiver)),
                Err(RecvError::Lagged(missed)) => {
                    Some((Err(missed_error(missed, "events")), receiver))
                }
                Err(RecvError::Closed) => None,
            }
        })
    }

    /// An alert when, between two versions, a relation matching the pattern is added or
    /// removed, or its status or presence as of today differs (time passing alone raises
    /// nothing). A relation matches when it is of one of `kinds` (default: any), passes
    /// `filter`, and its ends meet `from` and `to` (either way round for a symmetric kind):
    /// "a carrier operating in the US ends a relation with a vendor headquartered in China" is
    /// `from: { kind: CARRIER, related: { kinds: [OPERATES_IN], where: { id: "us" } } }`,
    /// `to: { kind: VENDOR, related: { kinds: [HEADQUARTERED_IN], where: { id: "cn" } } }`.
    async fn watch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only relations of these kinds (default: all).")] kinds: Option<
            Vec<RelationKind>,
        >,
        #[graphql(desc = "Time, evidence and scope filters on the relations.")] filter: Option<
            RelationFilter,
        >,
        #[graphql(desc = "What the `from` end must meet (default: anything).")] from: Option<
            EntityWhere,
        >,
        #[graphql(desc = "What the `to` end must meet (default: anything).")] to: Option<
            EntityWhere,
        >,
    ) -> Result<impl Stream<Item = Result<WatchAlert>>> {
        let pattern = Pattern {
            kinds: kinds.unwrap_or_default(),
            filter,
            from,
            to,
        };
        // A pattern the data cannot read (an unknown market) is refused now, not at a reload.
        pattern.compile(ctx.data_unchecked::<Store>())?;
        let (sender, receiver) = tokio::sync::mpsc::channel(WAITING_ALERTS);
        let slot = Arc::new(WatchSlot {
            pattern,
            sender,
            missed: AtomicU64::new(0),
        });
        ctx.data_unchecked::<Arc<Versions>>().watch(&slot);
        Ok(stream::unfold(
            (receiver, slot),
            |(mut receiver, slot)| async move {
                let alert = receiver.recv().await?;
                let missed = slot.missed.swap(0, Ordering::Relaxed);
                let item = if missed > 0 {
                    Err(missed_error(missed, "alerts"))
                } else {
                    alert
                };
                Some((item, (receiver, slot)))
            },
        ))
    }
}

fn missed_error(missed: u64, what: &str) -> async_graphql::Error {
    coded(
        ErrorCode::EventsMissed,
        format!(
            "this subscriber fell behind and missed {missed} {what}: read `changes(since:)` from the last version it saw"
        ),
    )
}

/// A reload that went live.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct DataChanged {
    /// The content version now answering.
    pub version: String,
    /// Its revision.
    pub revision: u64,
    /// The version it replaced.
    pub previous_version: String,
    /// The revision it replaced.
    pub previous_revision: u64,
    /// When it went live (RFC 3339, UTC).
    pub at: String,
    /// How many entities and relations it added, removed and changed.
    pub counts: Counts,
    /// The same, for each entity kind and relation kind changed: entities, then relations,
    /// each by kind name.
    pub by_kind: Vec<KindChanges>,
    /// The first 100 changes, entities then relations, each in id order.
    pub changes: Vec<DataChange>,
    /// Whether there are more changes than these.
    pub truncated: bool,
}

/// Changes counted.
#[derive(SimpleObject, Clone, Copy, Debug)]
#[graphql(serial)]
pub struct Counts {
    /// Entities added.
    pub entities_added: u64,
    /// Entities removed.
    pub entities_removed: u64,
    /// Entities changed.
    pub entities_changed: u64,
    /// Relations added.
    pub relations_added: u64,
    /// Relations removed.
    pub relations_removed: u64,
    /// Relations changed.
    pub relations_changed: u64,
    /// All of them.
    pub total: u64,
}

/// The changes of one kind of entity or relation.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct KindChanges {
    /// Entities or relations.
    pub item: super::live::ChangeItem,
    /// The kind, as the files name it (`vendor`, `carries`).
    pub kind: String,
    /// How many were added.
    pub added: u64,
    /// How many were removed.
    pub removed: u64,
    /// How many were changed.
    pub changed: u64,
}

/// The changes counted by item and kind, entities first, each by kind name.
fn by_kind(changes: &[Change]) -> Vec<KindChanges> {
    let mut counts: std::collections::BTreeMap<(Item, &str), [u64; 3]> = Default::default();
    for c in changes {
        let row = counts.entry((c.item, c.kind.as_str())).or_default();
        row[super::versions::column(&c.happened)] += 1;
    }
    counts
        .into_iter()
        .map(|((item, kind), [added, removed, changed])| KindChanges {
            item: match item {
                Item::Entity => super::live::ChangeItem::Entity,
                Item::Relation => super::live::ChangeItem::Relation,
            },
            kind: kind.to_owned(),
            added,
            removed,
            changed,
        })
        .collect()
}

impl From<ChangeCounts> for Counts {
    fn from(c: ChangeCounts) -> Self {
        Counts {
            entities_added: c.entities[0],
            entities_removed: c.entities[1],
            entities_changed: c.entities[2],
            relations_added: c.relations[0],
            relations_removed: c.relations[1],
            relations_changed: c.relations[2],
            total: c.total(),
        }
    }
}

impl DataChanged {
    /// The event of `revision`, which replaced `previous`, with its changes.
    pub(super) fn new(previous: &Data, revision: &Revision, changes: &[Change]) -> Self {
        DataChanged {
            version: revision.version.clone(),
            revision: revision.revision,
            previous_version: previous.data_version.clone(),
            previous_revision: previous.revision,
            at: revision.at.clone(),
            counts: revision.counts.into(),
            by_kind: by_kind(changes),
            changes: changes
                .iter()
                .take(EVENT_CHANGES)
                .map(|c| DataChange::of(revision, c))
                .collect(),
            truncated: changes.len() > EVENT_CHANGES,
        }
    }
}

/// How a watched relation changed.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum WatchChange {
    /// It matches the pattern now and did not before: it is new, or it changed into the
    /// pattern.
    Added,
    /// It matched before and does not now: it is gone, or it changed out of the pattern.
    Removed,
    /// It matches in both versions, with another status or presence as of today.
    Changed,
}

/// An entity as an alert names it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct EntityRef {
    /// Its id.
    pub id: ID,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: EntityKind,
}

/// A source as an alert cites it.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct AlertSource {
    /// The source's id.
    pub id: ID,
    /// Its name.
    pub name: String,
    /// The words it supports the relation with, if quoted.
    pub quote: Option<String>,
}

/// A watched relation that changed between two versions.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct WatchAlert {
    /// How it changed.
    pub change: WatchChange,
    /// The relation's id (`relation(id:)` reads the rest of it while it exists).
    pub relation_id: ID,
    /// Its kind.
    pub kind: RelationKind,
    /// Its `from` end.
    pub from: EntityRef,
    /// Its `to` end.
    pub to: EntityRef,
    /// Its status as of today in the version before (null if it had none, or was not there).
    pub old_status: Option<Status>,
    /// Its status as of today now (null if it has none, or is gone).
    pub new_status: Option<Status>,
    /// Where it stood today in the version before (null if it was not there).
    pub old_presence: Option<Presence>,
    /// Where it stands today now (null if it is gone).
    pub new_presence: Option<Presence>,
    /// Its sources: now, or before if it is gone.
    pub sources: Vec<AlertSource>,
    /// The day "today" was: the day the version went live.
    pub day: String,
    /// The version now answering.
    pub version: String,
    /// Its revision.
    pub revision: u64,
}

/// What a `watch` subscription asked for, kept as given: it is read again against each
/// version, whose entities have other numbers.
#[derive(Debug)]
pub(super) struct Pattern {
    kinds: Vec<RelationKind>,
    filter: Option<RelationFilter>,
    from: Option<EntityWhere>,
    to: Option<EntityWhere>,
}

/// A pattern read against one version.
struct Compiled {
    filter: graph::RelationFilter,
    from: Option<graph::Condition>,
    to: Option<graph::Condition>,
}

impl Pattern {
    fn compile(&self, store: &Store) -> Result<Compiled> {
        let kinds: Vec<model::RelationKind> = self.kinds.iter().map(|&k| k.into()).collect();
        let filter = self.filter.clone().unwrap_or_default().to_graph(
            store,
            &kinds,
            graph::Direction::Both,
        )?;
        let condition =
            |w: &Option<EntityWhere>| w.as_ref().map(|w| w.condition(store)).transpose();
        Ok(Compiled {
            filter,
            from: condition(&self.from)?,
            to: condition(&self.to)?,
        })
    }
}

impl Compiled {
    fn matches(&self, g: &Graph, r: RelationIx) -> bool {
        if self.filter.admit(g, r).is_none() {
            return false;
        }
        let rec = g.relation(r);
        let holds = |c: &Option<graph::Condition>, e| c.as_ref().is_none_or(|c| c.holds(g, e));
        (holds(&self.from, rec.from) && holds(&self.to, rec.to))
            || (rec.kind.spec().symmetric && holds(&self.from, rec.to) && holds(&self.to, rec.from))
    }
}

/// A live `watch` subscription: its pattern, and where its alerts go.
#[derive(Debug)]
pub(crate) struct WatchSlot {
    pattern: Pattern,
    sender: tokio::sync::mpsc::Sender<Result<WatchAlert>>,
    /// Alerts dropped since the subscriber last read one.
    missed: AtomicU64,
}

impl WatchSlot {
    fn send(&self, alert: Result<WatchAlert>) {
        if self.sender.try_send(alert).is_err() {
            self.missed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The relations whose match may differ between two versions, by id: those the changes name,
/// and those of every entity changed (its name or its own relations may decide a condition).
pub(super) fn candidates(old: &Graph, new: &Graph, changes: &[Change]) -> Option<Vec<String>> {
    let mut ids: FxHashSet<String> = FxHashSet::default();
    let every = graph::RelationFilter::kinds(&[], graph::Direction::Both);
    for change in changes {
        match change.item {
            Item::Relation => {
                ids.insert(change.id.clone());
            }
            Item::Entity => {
                for g in [old, new] {
                    if let Some(e) = g.lookup(&change.id) {
                        ids.extend(
                            g.relations_of(e, &every)
                                .map(|hop| g.relation_id(hop.relation)),
                        );
                    }
                }
            }
        }
        if ids.len() > MAX_CANDIDATES {
            return None;
        }
    }
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort_unstable();
    Some(ids)
}

/// Sends each live watch its alerts for the move from `old` to `new`.
pub(super) fn alert(
    slots: &[Arc<WatchSlot>],
    old: &Arc<Data>,
    new: &Arc<Data>,
    candidates: Option<&[String]>,
    today: Day,
) {
    let within = |c: &&[String]| c.len().saturating_mul(slots.len()) <= MAX_COMPARISONS;
    let Some(candidates) = candidates.filter(within) else {
        for slot in slots {
            slot.send(Err(coded(
                ErrorCode::EventsMissed,
                "too many changes at once to compare with this pattern: read `changes(since:)`",
            )));
        }
        return;
    };
    let (old_store, new_store): (Store, Store) = (Arc::new(old.clone()), Arc::new(new.clone()));
    for slot in slots {
        let (Ok(before), Ok(after)) = (
            slot.pattern.compile(&old_store),
            slot.pattern.compile(&new_store),
        ) else {
            continue;
        };
        for id in candidates {
            let was = old
                .graph
                .find_relation(id)
                .filter(|&r| before.matches(&old.graph, r));
            let is = new
                .graph
                .find_relation(id)
                .filter(|&r| after.matches(&new.graph, r));
            let standing = |g: &Graph, r: Option<RelationIx>| {
                r.map(|r| {
                    let presence = g.standing(r, today);
                    let view = g.view_alone(r, presence, Some(today));
                    (presence, g.status(&view).map(|s| s.status))
                })
            };
            let (then, now) = (standing(&old.graph, was), standing(&new.graph, is));
            let change = match (was, is) {
                (None, None) => continue,
                (None, Some(_)) => WatchChange::Added,
                (Some(_), None) => WatchChange::Removed,
                (Some(_), Some(_)) if then == now => continue,
                (Some(_), Some(_)) => WatchChange::Changed,
            };
            let (g, r) = match is {
                Some(r) => (&new.graph, r),
                None => (&old.graph, was.expect("a match before or now")),
            };
            let end = |e| {
                let view = g.entity(e);
                EntityRef {
                    id: ID(view.id.to_owned()),
                    name: view.name.to_owned(),
                    kind: view.kind.into(),
                }
            };
            let rec = g.relation(r);
            slot.send(Ok(WatchAlert {
                change,
                relation_id: ID(id.clone()),
                kind: rec.kind.into(),
                from: end(rec.from),
                to: end(rec.to),
                old_status: then.and_then(|(_, s)| s).map(Into::into),
                new_status: now.and_then(|(_, s)| s).map(Into::into),
                old_presence: then.map(|(p, _)| p.into()),
                new_presence: now.map(|(p, _)| p.into()),
                sources: g
                    .relation_citations(r)
                    .iter()
                    .map(|c| AlertSource {
                        id: ID(g.entity(c.source).id.to_owned()),
                        name: g.entity(c.source).name.to_owned(),
                        quote: c.quote.clone(),
                    })
                    .collect(),
                day: model::PartialDate::from_day(today).to_string(),
                version: new.data_version.clone(),
                revision: new.revision,
            }));
        }
    }
}

/// Today, as a day number.
pub(super) fn today() -> Day {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    (secs / 86_400) as Day
}

/// The live watches, pruned of those whose subscriber has gone.
pub(super) fn live(slots: &mut Vec<Weak<WatchSlot>>) -> Vec<Arc<WatchSlot>> {
    slots.retain(|s| s.strong_count() > 0);
    slots.iter().filter_map(Weak::upgrade).collect()
}
