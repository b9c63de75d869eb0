//! Reloading the data while the server answers: the files are read again when one changes
//! (watched, a burst of saves debounced into one reload), on SIGHUP, and when an admin asks
//! (`POST /admin/reload`). The new graph is built off to the side, on threads of lower
//! priority than those answering requests, compared with the current one, and made current
//! only when it loads without a problem; otherwise the current version keeps answering and the
//! problems are logged and shown (`/healthz`, `dataStatus`).
//!
//! Invariant: at most one reload runs, and at most one waits (`gql::Versions` coalesces the
//! requests); the only state a reload changes is the current version, swapped whole.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::gql::{AppState, DataProblem, ReloadOutcome};
use crate::graph::Change;
use crate::seed::{Loaded, SeedError};

/// How long the watcher waits for a burst of saves to end before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// How much lower than the request threads' the loader's priority is, in nice steps: enough
/// that requests come first on a busy machine, not so much that a reload starves under load.
const NICENESS: i32 = 1;

/// Where the data comes from: how to load it, and the folders to watch.
#[derive(Clone)]
pub struct Source {
    /// Loads the data, from the files as they are now.
    pub load: Arc<dyn Fn() -> Result<Loaded, SeedError> + Send + Sync>,
    /// The folders whose files make the data (the seed folder, read at any depth, and the
    /// CSV folders).
    pub folders: Vec<PathBuf>,
}

/// The running reloader; dropping it stops watching the files (the reloads asked for still
/// run).
pub struct Reloader {
    _watcher: Option<notify::RecommendedWatcher>,
}

/// Starts reloading `app`'s data from `source` on the current tokio runtime: on SIGHUP, when
/// asked, and, with `watch`, when a file under the source's folders changes.
pub fn start(app: AppState, source: Source, watch: bool) -> Reloader {
    let versions = app.versions().clone();
    let watcher = if watch {
        match watch_folders(&source.folders, versions.clone()) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the data files: reload with SIGHUP or POST /admin/reload");
                None
            }
        }
    } else {
        None
    };
    #[cfg(unix)]
    {
        let versions = versions.clone();
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(mut hangups) => {
                tokio::spawn(async move {
                    while hangups.recv().await.is_some() {
                        tracing::info!("SIGHUP: reloading the data");
                        versions.request_reload();
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot handle SIGHUP"),
        }
    }
    tokio::spawn(async move {
        loop {
            let ticket = versions.next_request().await;
            reload(&app, &source).await;
            versions.covered(ticket);
        }
    });
    Reloader { _watcher: watcher }
}

/// Reloads once: loads the files, and installs them when they load and differ from the
/// current version; records what it did either way.
async fn reload(app: &AppState, source: &Source) {
    let started = Instant::now();
    let load = source.load.clone();
    let current = app.versions().current();
    let loaded = off_to_the_side(move || {
        let loading = Instant::now();
        let loaded = load()?;
        tracing::debug!(
            seconds = loading.elapsed().as_secs_f64(),
            "reload: files read and built"
        );
        // The same files are the same data, dropped here rather than on an async thread.
        if loaded.data_version == current.data_version {
            return Ok(None);
        }
        let comparing = Instant::now();
        let changes = crate::graph::diff(&current.graph, &loaded.graph);
        tracing::debug!(
            seconds = comparing.elapsed().as_secs_f64(),
            changes = changes.len(),
            "reload: compared with the version answering"
        );
        drop(current);
        Ok::<_, SeedError>(Some((loaded, changes)))
    })
    .await;
    let outcome = |problems: Vec<DataProblem>| ReloadOutcome {
        ok: problems.is_empty(),
        at: crate::gql::now_rfc3339(),
        seconds: started.elapsed().as_secs_f64(),
        problems,
    };
    let recorded = match loaded {
        Some(Ok(Some((loaded, changes)))) => {
            // Installing tells the subscribers, and may free the graph it replaces: both take
            // a while, so not on a thread that serves requests. The reload's outcome goes live
            // with the version, so that no one sees the one without the other.
            let (app, took) = (app.clone(), started.elapsed());
            let live = outcome(Vec::new());
            let done =
                tokio::task::spawn_blocking(move || installed(&app, loaded, changes, took, live));
            if done.await.is_ok() {
                return;
            }
            tracing::error!("installing the reloaded data failed");
            outcome(vec![internal("internal error while installing the data")])
        }
        Some(Ok(None)) => {
            tracing::info!("the data reloaded unchanged");
            outcome(Vec::new())
        }
        Some(Err(e)) => {
            let problems = problems(&e);
            tracing::warn!(
                problems = problems.len(),
                "the data did not reload; the version before keeps answering:\n{e}"
            );
            outcome(problems)
        }
        None => {
            tracing::error!("the loader stopped before it finished");
            outcome(vec![internal(
                "internal error while loading: the version before keeps answering",
            )])
        }
    };
    app.versions().set_outcome(recorded);
}

/// A problem that is no file's: the server's own failure.
fn internal(message: &str) -> DataProblem {
    DataProblem {
        file: String::new(),
        line: None,
        column: None,
        message: message.to_owned(),
        hint: None,
    }
}

/// Makes a loaded graph current, with the outcome of the reload that loaded it.
fn installed(
    app: &AppState,
    loaded: Loaded,
    changes: Vec<Change>,
    took: Duration,
    outcome: ReloadOutcome,
) {
    let (entities, relations) = (loaded.graph.entity_count(), loaded.graph.relation_count());
    let revision = app.install(loaded.graph, loaded.data_version, took, changes, outcome);
    tracing::info!(
        data_version = %revision.version,
        revision = revision.revision,
        entities,
        relations,
        changes = revision.counts.total(),
        seconds = took.as_secs_f64(),
        "data reloaded"
    );
}

/// The problems of a failed load, as `validate` reports them.
fn problems(e: &SeedError) -> Vec<DataProblem> {
    match e {
        SeedError::Invalid(report) => report
            .problems
            .iter()
            .map(|p| DataProblem {
                file: p.file.display().to_string(),
                line: u32::try_from(p.line).ok(),
                column: u32::try_from(p.column).ok(),
                message: p.message.clone(),
                hint: p.hint.clone(),
            })
            .collect(),
        SeedError::Io { path, .. } | SeedError::TooLarge { path, .. } => vec![DataProblem {
            file: path.display().to_string(),
            line: None,
            column: None,
            message: e.to_string(),
            hint: None,
        }],
    }
}

/// Runs `work` on a thread of its own at lower priority, with a thread pool of the same
/// priority for its parallel parts; `None` if it panicked.
async fn off_to_the_side<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("phonegraph-reload".into())
        .spawn(move || {
            lower_priority();
            // Threads inherit their creator's priority: the pool's and those the loader starts.
            let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("phonegraph-reload-{i}"))
                .build();
            let done = match pool {
                Ok(pool) => pool.install(work),
                Err(_) => work(),
            };
            let _ = tx.send(done);
        });
    if spawned.is_err() {
        return None;
    }
    rx.await.ok()
}

/// Lowers the calling thread's priority by [`NICENESS`] (a thread may always lower its own;
/// on Linux the nice value is the thread's, and the threads it starts inherit it).
fn lower_priority() {
    #[cfg(unix)]
    if let Err(e) = rustix::process::nice(NICENESS) {
        tracing::debug!(error = %e, "the loader keeps its priority");
    }
}

/// Watches `folders`, asking for a reload once a burst of changes to data files has been
/// quiet for [`DEBOUNCE`]. (The debouncer crates report reads too, and the reload's own reads
/// would start the next: this one keeps only writes, creations, removals and renames.)
fn watch_folders(
    folders: &[PathBuf],
    versions: Arc<crate::gql::Versions>,
) -> notify::Result<notify::RecommendedWatcher> {
    use notify::{EventKind, Watcher, event::ModifyKind};
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let writes = match event.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(ModifyKind::Metadata(_)) => false,
            EventKind::Modify(_) => true,
            _ => false,
        };
        let data = event.paths.iter().any(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("toml") || x.eq_ignore_ascii_case("csv"))
        });
        if writes && data {
            // A full channel already says "something changed".
            let _ = tx.try_send(());
        }
    })?;
    for folder in folders {
        watcher.watch(folder, notify::RecursiveMode::Recursive)?;
    }
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, rx.recv()).await {}
            tracing::info!("a data file changed: reloading");
            versions.request_reload();
        }
    });
    Ok(watcher)
}
