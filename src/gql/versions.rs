//! The versions of the data a server answers from: the current one, replaced whole when a
//! reload validates; what the last reload said; the changes of the recent revisions; and the
//! requests for a reload, coalesced.
//!
//! Invariant: a request reads one version from start to end. It takes the current [`Data`]
//! once (an `Arc`, see [`Versions::current`]) and everything it answers comes from it; a
//! reload swaps the pointer, never the data behind it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, ArcSwapOption};

use super::Data;
use super::subscription::{self, DataChanged, WatchSlot};
use crate::graph::{Change, Happened, Item};

/// A problem a reload found in the files, at its place, as `phonegraph validate` reports it.
#[derive(async_graphql::SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(serial)]
pub struct DataProblem {
    /// The file.
    pub file: String,
    /// The line (from 1), when the problem has a place in the file.
    pub line: Option<u32>,
    /// The column (from 1, in characters), with the line.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// What the last reload did.
#[derive(Clone, Debug, PartialEq)]
pub struct ReloadOutcome {
    /// Whether it validated and went live. When it did not, the version before it still
    /// serves.
    pub ok: bool,
    /// When it finished (RFC 3339, UTC).
    pub at: String,
    /// How long it took, in seconds: reading, checking and comparing the files, until the new
    /// version went live or was refused.
    pub seconds: f64,
    /// What was wrong with the files, when it failed.
    pub problems: Vec<DataProblem>,
}

/// The version answering and what the reloads did, read together ([`Versions::published`]).
pub struct Published {
    /// The version answering.
    pub data: Arc<Data>,
    /// What the last reload did; `None` before the first.
    pub last_reload: Option<Arc<ReloadOutcome>>,
    /// How many reloads validated, and how many failed.
    pub reloads: (u64, u64),
}

/// How many reloads the history keeps unless configured otherwise.
pub const DEFAULT_HISTORY: usize = 64;
/// How much memory the history may hold unless configured otherwise.
pub const DEFAULT_HISTORY_BYTES: usize = 64 << 20;

/// The changes of one revision: what made it from the one before.
#[derive(Debug)]
pub struct Revision {
    /// Its number, increasing per process from 1 (the data read at start).
    pub revision: u64,
    /// Its content version.
    pub version: String,
    /// When it went live (RFC 3339, UTC).
    pub at: String,
    /// The changes from the revision before; empty for the first.
    pub changes: Vec<Change>,
    /// The changes counted by what happened, entities and relations apart.
    pub counts: ChangeCounts,
}

/// Where a change is counted: added, removed, changed.
pub(super) fn column(happened: &Happened) -> usize {
    match happened {
        Happened::Added => 0,
        Happened::Removed => 1,
        Happened::Changed(_) => 2,
    }
}

/// How many entities and relations a reload added, removed and changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    /// Entities added, removed, changed.
    pub entities: [u64; 3],
    /// Relations added, removed, changed.
    pub relations: [u64; 3],
}

impl ChangeCounts {
    /// The counts of a list of changes.
    pub fn of(changes: &[Change]) -> Self {
        let mut counts = ChangeCounts::default();
        for c in changes {
            let row = match c.item {
                Item::Entity => &mut counts.entities,
                Item::Relation => &mut counts.relations,
            };
            row[column(&c.happened)] += 1;
        }
        counts
    }

    /// How many changes in all.
    pub fn total(&self) -> u64 {
        self.entities.iter().chain(&self.relations).sum()
    }
}

/// The recent revisions, oldest first, bounded in count and in the bytes of their changes.
#[derive(Debug)]
struct History {
    revisions: VecDeque<Arc<Revision>>,
    bytes: usize,
    max_revisions: usize,
    max_bytes: usize,
}

impl History {
    /// Keeps `revision`, then forgets the oldest until the bounds hold again; the newest is
    /// always kept (without its changes, if they alone are too many).
    fn push(&mut self, mut revision: Revision) {
        let mut bytes = revision.changes.iter().map(change_bytes).sum::<usize>();
        if bytes > self.max_bytes {
            // A base to count from, nothing more: whoever is older must read everything.
            revision.changes = Vec::new();
            bytes = 0;
            self.revisions.clear();
            self.bytes = 0;
        }
        self.revisions.push_back(Arc::new(revision));
        self.bytes += bytes;
        while self.revisions.len() > self.max_revisions.max(1) || self.bytes > self.max_bytes {
            let Some(oldest) = self.revisions.pop_front() else {
                break;
            };
            // The oldest kept is a base: its own changes are never read again.
            self.bytes -= oldest.changes.iter().map(change_bytes).sum::<usize>();
            if let Some(base) = self.revisions.front_mut() {
                self.bytes -= base.changes.iter().map(change_bytes).sum::<usize>();
                *base = Arc::new(Revision {
                    revision: base.revision,
                    version: base.version.clone(),
                    at: base.at.clone(),
                    changes: Vec::new(),
                    counts: base.counts,
                });
            }
        }
    }

    /// The revisions after the newest one with content `version`, oldest first; `None` when
    /// no kept revision has it.
    fn since(&self, version: &str) -> Option<Vec<Arc<Revision>>> {
        let at = self.revisions.iter().rposition(|r| r.version == version)?;
        Some(self.revisions.iter().skip(at + 1).cloned().collect())
    }
}

/// About how much memory a change holds.
fn change_bytes(c: &Change) -> usize {
    let fields = match &c.happened {
        Happened::Changed(fields) => fields
            .iter()
            .map(|(_, old, new)| 48 + old.len() + new.len())
            .sum(),
        _ => 0,
    };
    std::mem::size_of::<Change>() + c.id.len() + c.kind.len() + c.origin.len() + fields
}

/// Reload requests: each gets a ticket, and the reloader says up to which ticket its last run
/// covered. A request made while a reload runs is covered by the next one, so there is at
/// most one reload running and one waiting, however many are asked for.
#[derive(Debug)]
struct Requests {
    issued: AtomicU64,
    wake: tokio::sync::Notify,
    covered: tokio::sync::watch::Sender<u64>,
    /// Whether anything answers requests (a server without a reloader refuses them).
    attached: std::sync::atomic::AtomicBool,
}

/// The data's versions: the current one, the last reload's outcome, the recent revisions.
#[derive(Debug)]
pub struct Versions {
    current: ArcSwap<Data>,
    last_reload: ArcSwapOption<ReloadOutcome>,
    /// Held while the version and the last reload's outcome change together, and by those who
    /// read both (`/healthz`), so that none sees a new version with the outcome before it.
    /// Requests read the version alone, without it.
    publishing: Mutex<()>,
    history: Mutex<History>,
    requests: Requests,
    next_revision: AtomicU64,
    /// Reloads that validated, and reloads that failed.
    reloads: [AtomicU64; 2],
    /// Where `dataChanged` events go.
    changed: tokio::sync::broadcast::Sender<Arc<DataChanged>>,
    /// The `watch` subscriptions, held by their subscribers.
    watches: Mutex<Vec<std::sync::Weak<WatchSlot>>>,
}

impl Versions {
    /// The versions of data whose first version is `first`, with room for this much history.
    pub(super) fn new(first: Arc<Data>, max_revisions: usize, max_bytes: usize) -> Self {
        let mut history = History {
            revisions: VecDeque::new(),
            bytes: 0,
            max_revisions,
            max_bytes,
        };
        history.push(Revision {
            revision: first.revision,
            version: first.data_version.clone(),
            at: first.loaded_at.clone(),
            changes: Vec::new(),
            counts: ChangeCounts::default(),
        });
        Versions {
            next_revision: AtomicU64::new(first.revision + 1),
            reloads: [AtomicU64::new(0), AtomicU64::new(0)],
            changed: tokio::sync::broadcast::Sender::new(subscription::WAITING_EVENTS),
            watches: Mutex::new(Vec::new()),
            current: ArcSwap::new(first),
            last_reload: ArcSwapOption::empty(),
            publishing: Mutex::new(()),
            history: Mutex::new(history),
            requests: Requests {
                issued: AtomicU64::new(0),
                wake: tokio::sync::Notify::new(),
                covered: tokio::sync::watch::Sender::new(0),
                attached: std::sync::atomic::AtomicBool::new(false),
            },
        }
    }

    /// The version answering now. A request takes it once and reads only it.
    pub fn current(&self) -> Arc<Data> {
        self.current.load_full()
    }

    /// The number the next version to go live will have.
    pub(super) fn take_revision(&self) -> u64 {
        self.next_revision.fetch_add(1, Ordering::Relaxed)
    }

    /// Makes `data` the current version, with the changes that made it and the outcome of the
    /// reload that made it (both seen at once, before any subscriber is told), and tells the
    /// subscribers; gives its revision. Requests under way finish on the version they began
    /// with; the one it replaced is freed here unless a request still reads it. Comparing the versions for the `watch` subscriptions
    /// takes a while: call it off the async threads.
    pub(super) fn install(
        &self,
        data: Arc<Data>,
        changes: Vec<Change>,
        outcome: ReloadOutcome,
    ) -> Arc<Revision> {
        let mut revision = Revision {
            revision: data.revision,
            version: data.data_version.clone(),
            at: data.loaded_at.clone(),
            counts: ChangeCounts::of(&changes),
            changes: Vec::new(),
        };
        let replaced = {
            let _publishing = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
            let replaced = self.current.swap(data.clone());
            self.record(outcome);
            replaced
        };
        // No receiver is no error: nobody listens.
        let _ = self
            .changed
            .send(Arc::new(DataChanged::new(&replaced, &revision, &changes)));
        let watches =
            subscription::live(&mut self.watches.lock().unwrap_or_else(|e| e.into_inner()));
        if !watches.is_empty() {
            let candidates = subscription::candidates(&replaced.graph, &data.graph, &changes);
            let today = subscription::today();
            subscription::alert(&watches, &replaced, &data, candidates.as_deref(), today);
        }
        revision.changes = changes;
        let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        history.push(revision);
        history
            .revisions
            .back()
            .cloned()
            .expect("the revision just kept")
    }

    /// Records what the last reload did, when it installed nothing (see [`Versions::install`]).
    pub fn set_outcome(&self, outcome: ReloadOutcome) {
        let _publishing = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        self.record(outcome);
    }

    fn record(&self, outcome: ReloadOutcome) {
        self.reloads[usize::from(!outcome.ok)].fetch_add(1, Ordering::Relaxed);
        self.last_reload.store(Some(Arc::new(outcome)));
    }

    /// The version answering now, the last reload's outcome and the reload counts, as they
    /// were together: never a version with the outcome of the reload before the one that
    /// installed it.
    pub fn published(&self) -> Published {
        let _publishing = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        Published {
            data: self.current(),
            last_reload: self.last_reload(),
            reloads: self.reload_counts(),
        }
    }

    /// How many reloads validated, and how many failed.
    pub fn reload_counts(&self) -> (u64, u64) {
        (
            self.reloads[0].load(Ordering::Relaxed),
            self.reloads[1].load(Ordering::Relaxed),
        )
    }

    /// What the last reload did; `None` before the first.
    pub fn last_reload(&self) -> Option<Arc<ReloadOutcome>> {
        self.last_reload.load_full()
    }

    /// The revisions after the newest with content `version`, oldest first; `None` when the
    /// history no longer holds it (or never did).
    pub fn since(&self, version: &str) -> Option<Vec<Arc<Revision>>> {
        self.history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .since(version)
    }

    /// A receiver of the `dataChanged` events from now on.
    pub(super) fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<DataChanged>> {
        self.changed.subscribe()
    }

    /// Keeps a `watch` subscription (for as long as its subscriber holds it).
    pub(super) fn watch(&self, slot: &Arc<WatchSlot>) {
        let mut watches = self.watches.lock().unwrap_or_else(|e| e.into_inner());
        subscription::live(&mut watches);
        watches.push(Arc::downgrade(slot));
    }

    /// Asks for a reload; gives a ticket to wait on with [`Versions::reloaded`], or `None`
    /// when nothing reloads this data.
    pub fn request_reload(&self) -> Option<u64> {
        if !self.requests.attached.load(Ordering::Acquire) {
            return None;
        }
        let ticket = self.requests.issued.fetch_add(1, Ordering::AcqRel) + 1;
        self.requests.wake.notify_one();
        Some(ticket)
    }

    /// Waits until a reload that began after `ticket` was issued has finished, and gives what
    /// the last reload did.
    pub async fn reloaded(&self, ticket: u64) -> Option<Arc<ReloadOutcome>> {
        let mut covered = self.requests.covered.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail.
        let _ = covered.wait_for(|&c| c >= ticket).await;
        self.last_reload()
    }

    /// For the reloader: says it answers requests, then waits for one; gives the ticket its
    /// run covers (every request issued so far).
    pub async fn next_request(&self) -> u64 {
        self.requests.attached.store(true, Ordering::Release);
        self.requests.wake.notified().await;
        self.requests.issued.load(Ordering::Acquire)
    }

    /// For the reloader: the run that covers `ticket` has finished.
    pub fn covered(&self, ticket: u64) {
        self.requests.covered.send_modify(|c| *c = (*c).max(ticket));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str) -> Change {
        Change {
            item: Item::Entity,
            id: id.to_owned(),
            kind: "vendor".to_owned(),
            happened: Happened::Added,
            origin: "seed-data/x.toml:1:1".to_owned(),
        }
    }

    fn revision(n: u64, version: &str, changes: Vec<Change>) -> Revision {
        Revision {
            revision: n,
            version: version.to_owned(),
            at: String::new(),
            counts: ChangeCounts::of(&changes),
            changes,
        }
    }

    fn history(max_revisions: usize, max_bytes: usize) -> History {
        History {
            revisions: VecDeque::new(),
            bytes: 0,
            max_revisions,
            max_bytes,
        }
    }

    fn ids(revisions: &[Arc<Revision>]) -> Vec<(u64, Vec<String>)> {
        revisions
            .iter()
            .map(|r| (r.revision, r.changes.iter().map(|c| c.id.clone()).collect()))
            .collect()
    }

    fn outcome(ok: bool, at: String) -> ReloadOutcome {
        ReloadOutcome {
            ok,
            at,
            seconds: 0.0,
            problems: Vec::new(),
        }
    }

    /// While reloads fail and succeed in turn, whoever reads the version and the last outcome
    /// together sees each version with the outcome of the reload that installed it or of a
    /// later one, never with the failure before it.
    #[test]
    fn a_version_is_never_seen_with_the_outcome_before_it() {
        let graph = || crate::graph::GraphBuilder::new().finish();
        let first = Arc::new(Data::new(graph(), "v1".into(), 1));
        let versions = Arc::new(Versions::new(first, 8, 1 << 20));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (versions, done) = (versions.clone(), done.clone());
            std::thread::spawn(move || {
                let mut seen = 0;
                while !done.load(Ordering::Acquire) {
                    let p = versions.published();
                    if p.data.revision > 1 {
                        let last = p.last_reload.expect("an outcome with every install");
                        // The failure after a version, or the success that installed it.
                        let expected = if last.ok {
                            format!("installed {}", p.data.revision)
                        } else {
                            format!("failed after {}", p.data.revision)
                        };
                        assert_eq!(last.at, expected);
                        seen += 1;
                    }
                }
                seen
            })
        };
        for revision in 2..400 {
            versions.set_outcome(outcome(false, format!("failed after {}", revision - 1)));
            let data = Data::new(graph(), format!("v{revision}"), versions.take_revision());
            assert_eq!(data.revision, revision);
            versions.install(
                Arc::new(data),
                Vec::new(),
                outcome(true, format!("installed {revision}")),
            );
        }
        done.store(true, Ordering::Release);
        assert!(reader.join().expect("the reader saw no mix") > 0);
        assert_eq!(versions.reload_counts(), (398, 398));
    }

    #[test]
    fn changes_since_a_version_are_those_of_every_later_revision() {
        let mut h = history(10, 1 << 20);
        h.push(revision(1, "a", vec![]));
        h.push(revision(2, "b", vec![change("x")]));
        h.push(revision(3, "c", vec![change("y"), change("z")]));
        assert_eq!(
            ids(&h.since("a").unwrap()),
            vec![(2, vec!["x".into()]), (3, vec!["y".into(), "z".into()])]
        );
        assert_eq!(ids(&h.since("c").unwrap()), vec![]);
        assert!(h.since("q").is_none());
    }

    #[test]
    fn a_version_seen_twice_counts_from_its_latest_revision() {
        let mut h = history(10, 1 << 20);
        h.push(revision(1, "a", vec![]));
        h.push(revision(2, "b", vec![change("x")]));
        h.push(revision(3, "a", vec![change("x")]));
        assert_eq!(ids(&h.since("a").unwrap()), vec![]);
        assert_eq!(ids(&h.since("b").unwrap()), vec![(3, vec!["x".into()])]);
    }

    #[test]
    fn the_oldest_revisions_leave_first_and_the_oldest_kept_is_a_base() {
        let mut h = history(2, 1 << 20);
        h.push(revision(1, "a", vec![]));
        h.push(revision(2, "b", vec![change("x")]));
        h.push(revision(3, "c", vec![change("y")]));
        assert!(h.since("a").is_none());
        assert_eq!(ids(&h.since("b").unwrap()), vec![(3, vec!["y".into()])]);
        assert!(h.revisions[0].changes.is_empty());
        assert_eq!(h.bytes, change_bytes(&change("y")));
    }

    #[test]
    fn too_many_changes_for_the_bytes_leave_only_the_newest_version() {
        let one = change_bytes(&change("x"));
        let mut h = history(10, one * 2);
        h.push(revision(1, "a", vec![]));
        h.push(revision(2, "b", vec![change("x")]));
        h.push(revision(
            3,
            "c",
            vec![change("x"), change("y"), change("z")],
        ));
        assert!(h.since("a").is_none() && h.since("b").is_none());
        assert_eq!(ids(&h.since("c").unwrap()), vec![]);
        assert_eq!(h.bytes, 0);
        h.push(revision(4, "d", vec![change("w"), change("v")]));
        assert_eq!(
            ids(&h.since("c").unwrap()),
            vec![(4, vec!["w".into(), "v".into()])]
        );
    }

    #[tokio::test]
    async fn requests_made_during_a_reload_wait_for_the_next_one() {
        let graph = crate::graph::GraphBuilder::new().finish();
        let first = Arc::new(Data::new(graph, "v1".into(), 1));
        let versions = Arc::new(Versions::new(first, 4, 1 << 20));
        assert_eq!(versions.request_reload(), None, "no reloader yet");
        let reloader = versions.clone();
        let runs = Arc::new(AtomicU64::new(0));
        let counted = runs.clone();
        tokio::spawn(async move {
            loop {
                let ticket = reloader.next_request().await;
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                reloader.covered(ticket);
            }
        });
        while !versions.requests.attached.load(Ordering::Acquire) {
            tokio::task::yield_now().await;
        }
        let first = versions.request_reload().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        // Three more while the first runs: one more run covers them all.
        let later: Vec<u64> = (0..3).map(|_| versions.request_reload().unwrap()).collect();
        versions.reloaded(first).await;
        for t in later {
            versions.reloaded(t).await;
        }
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
