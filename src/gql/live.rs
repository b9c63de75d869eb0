//! The data as it lives: which version answers (`dataStatus`), what the last reload said, and
//! what changed since a version (`changes`).

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::engine::list::{List, Objects, One};
use super::error::{ErrorCode, coded};
use super::page::{PageInfo, decode_cursor, encode_cursor, page_size};
use super::versions::{DataProblem, ReloadOutcome, Revision, Versions};
use super::{Store, error::bad_input};
use crate::graph;

/// Marks a request whose client may see what is wrong with the files: any client of a server
/// that is not in production, an admin of one that is.
pub struct Operator;

/// The root fields about the data's versions.
#[derive(Default)]
pub struct LiveQuery;

#[Object]
impl LiveQuery {
    /// Which version of the data answered this request, and what the last reload did.
    async fn data_status(&self, ctx: &Context<'_>) -> One<DataStatus> {
        let store = ctx.data_unchecked::<Store>();
        let versions = ctx.data_unchecked::<Arc<Versions>>();
        let operator = ctx.data_opt::<Operator>().is_some();
        One(DataStatus {
            version: store.data_version.clone(),
            revision: store.revision,
            loaded_at: store.loaded_at.clone(),
            last_reload: versions.last_reload().map(|outcome| ReloadStatus {
                outcome,
                shown: operator,
            }),
            operator,
        })
    }

    /// The entities and relations added, removed and changed since the data had content
    /// version `since`, up to the version answering this request: each reload's changes, the
    /// oldest reload first. A version the server no longer remembers (it keeps the recent
    /// reloads, `--history`) is refused with `VERSION_UNKNOWN`: read everything again.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A content version, as `dataVersion` or `extensions.dataVersion` gave it."
        )]
        since: String,
        #[graphql(desc = "At most this many changes (at most 100).", default = 20)] first: i32,
        #[graphql(desc = "The cursor of the change to continue after.")] after: Option<String>,
    ) -> Result<One<ChangeConnection>> {
        let store = ctx.data_unchecked::<Store>();
        let versions = ctx.data_unchecked::<Arc<Versions>>();
        let size = page_size(Some(first))?;
        let revisions: Vec<Arc<Revision>> = versions
            .since(&since)
            .ok_or_else(|| {
                coded(
                    ErrorCode::VersionUnknown,
                    "this version is not in the recent history: read the data again, then ask for changes since its version",
                )
            })?
            .into_iter()
            .filter(|r| r.revision <= store.revision)
            .collect();
        let start = match after {
            None => (0, 0),
            Some(cursor) => {
                let text = decode_cursor("c", &cursor)?;
                let parsed = text
                    .split_once(':')
                    .and_then(|(r, i)| Some((r.parse::<u64>().ok()?, i.parse::<usize>().ok()?)));
                let (revision, index) = parsed
                    .ok_or_else(|| bad_input(format!("`{cursor}` is not a cursor of this list")))?;
                (revision, index + 1)
            }
        };
        let total_count: u64 = revisions.iter().map(|r| r.changes.len() as u64).sum();
        let mut all = revisions.iter().flat_map(|r| {
            r.changes
                .iter()
                .enumerate()
                .map(move |(i, change)| (r.clone(), i, change))
        });
        let mut has_previous_page = false;
        let mut edges = Vec::new();
        let mut has_next_page = false;
        for (revision, i, change) in all.by_ref() {
            if (revision.revision, i) < start {
                has_previous_page = true;
                continue;
            }
            if edges.len() == size {
                has_next_page = true;
                break;
            }
            edges.push(ChangeEdge {
                cursor: encode_cursor("c", &format!("{}:{i}", revision.revision)),
                node: One(DataChange::of(&revision, change)),
            });
        }
        Ok(One(ChangeConnection {
            page_info: One(PageInfo {
                has_next_page,
                has_previous_page,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            }),
            edges: Objects(edges),
            total_count,
            version: store.data_version.clone(),
            revision: store.revision,
        }))
    }
}

/// Which version of the data answers, and what the last reload did.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct DataStatus {
    /// The content version answering (a hash of the files: the same files, the same version).
    pub version: String,
    /// Which load of this server it is: 1 for the data read at start, one more for each reload
    /// that went live. Unlike the version, it never repeats.
    pub revision: u64,
    /// When this version went live (RFC 3339, UTC).
    pub loaded_at: String,
    /// What the last reload did; null before the first.
    pub last_reload: Option<ReloadStatus>,
    /// Whether the client asking is an operator, who may read a failed reload's problems and
    /// use the query console: any client of a server not in production, an admin of one in
    /// production.
    pub operator: bool,
}

/// What a reload did.
#[derive(Clone)]
pub struct ReloadStatus {
    outcome: Arc<ReloadOutcome>,
    shown: bool,
}

/// What a reload did.
#[Object]
impl ReloadStatus {
    /// Whether the files validated and went live. When they did not, the version before them
    /// still answers.
    async fn ok(&self) -> bool {
        self.outcome.ok
    }

    /// When it finished (RFC 3339, UTC).
    async fn at(&self) -> &str {
        &self.outcome.at
    }

    /// How long it took, in seconds: reading, checking and comparing the files, until the new
    /// version went live or was refused.
    async fn seconds(&self) -> f64 {
        self.outcome.seconds
    }

    /// How many problems it found in the files.
    async fn problem_count(&self) -> u64 {
        self.outcome.problems.len() as u64
    }

    /// The problems it found, as `phonegraph validate` reports them; null for a client that
    /// may not see them (in production, anyone but an admin).
    async fn problems(
        &self,
        #[graphql(desc = "At most this many (at most 100).", default = 20)] first: i32,
    ) -> Result<Option<List<DataProblem>>> {
        let size = page_size(Some(first))?;
        Ok(self
            .shown
            .then(|| self.outcome.problems.iter().take(size).cloned().collect()))
    }
}

/// A page of changes.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct ChangeConnection {
    /// The changes of this page.
    pub edges: Objects<ChangeEdge>,
    /// Paging state.
    pub page_info: One<PageInfo>,
    /// How many changes in all pages.
    pub total_count: u64,
    /// The version they lead to: the one answering this request.
    pub version: String,
    /// Its revision.
    pub revision: u64,
}

/// A change on a page, with its cursor.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct ChangeEdge {
    /// Where this change is, for `after`.
    pub cursor: String,
    /// The change.
    pub node: One<DataChange>,
}

/// What a change is about.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChangeItem {
    /// An entity.
    Entity,
    /// A relation.
    Relation,
}

/// What happened.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChangeKind {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// Some of its fields changed.
    Changed,
}

/// An entity or relation added, removed or changed by a reload.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct DataChange {
    /// The revision it came in.
    pub revision: u64,
    /// The content version it came in.
    pub version: String,
    /// An entity or a relation.
    pub item: ChangeItem,
    /// Its id (a relation's as `Relation.id` gives it).
    pub id: ID,
    /// Its kind, as the files name it (`vendor`, `carries`).
    pub kind: String,
    /// What happened to it.
    pub change: ChangeKind,
    /// The fields that changed, for a change.
    pub fields: List<FieldChange>,
    /// Where it is curated (`file:line:column`): in the new version, in the old for a removal.
    pub origin: String,
}

impl DataChange {
    pub(super) fn of(revision: &Revision, change: &graph::Change) -> Self {
        let (kind, fields) = match &change.happened {
            graph::Happened::Added => (ChangeKind::Added, List(Vec::new())),
            graph::Happened::Removed => (ChangeKind::Removed, List(Vec::new())),
            graph::Happened::Changed(fields) => (
                ChangeKind::Changed,
                fields
                    .iter()
                    .map(|(field, old, new)| FieldChange {
                        field: (*field).to_owned(),
                        old: (!old.is_empty()).then(|| old.clone()),
                        new: (!new.is_empty()).then(|| new.clone()),
                    })
                    .collect(),
            ),
        };
        DataChange {
            revision: revision.revision,
            version: revision.version.clone(),
            item: match change.item {
                graph::Item::Entity => ChangeItem::Entity,
                graph::Item::Relation => ChangeItem::Relation,
            },
            id: ID(change.id.clone()),
            kind: change.kind.clone(),
            change: kind,
            fields,
            origin: change.origin.clone(),
        }
    }
}

/// One field's values before and after, as text as the files write them.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct FieldChange {
    /// The field, as the files name it (`valid_until`, `sources`).
    pub field: String,
    /// Its value before; null when it had none.
    pub old: Option<String>,
    /// Its value after; null when it has none.
    pub new: Option<String>,
}
