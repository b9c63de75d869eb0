//! The GraphQL-over-HTTP audit suite (`graphql-http`, pinned in `tests/audit/`) run by Node.js
//! against a real server, under each engine: every audit, MUST and SHOULD alike, has to pass.

use std::path::Path;
use std::process::Command;

use phonegraph::gql::Engine;
use phonegraph::http::{HttpConfig, serve};

use crate::helpers::{app, path};

/// Installs the pinned clients from their lockfile when they are not there yet.
pub(crate) fn install(dir: &Path) {
    if [
        "graphql-http",
        "graphql-ws",
        "ws",
        "playwright-core",
        "@apollo/gateway",
        "@apollo/subgraph",
        "@apollo/server",
        "@neo4j-cypher/language-support",
    ]
    .iter()
    .all(|p| dir.join("node_modules").join(p).is_dir())
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm runs (Node.js 20 or later is needed for this test)");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_http_audit_passes_every_check() {
    let dir = path("tests/audit");
    for engine in [Engine::Fast, Engine::Stock] {
        let report = audit(&dir, engine).await;
        assert!(
            report.contains("graphql-http audit: 61 of 61 ok"),
            "{engine:?}: {report}"
        );
    }
}

/// Runs the suite against a server under `engine` and returns its report.
async fn audit(dir: &Path, engine: Engine) -> String {
    let output = node_against(dir, "audit.mjs", app().with_engine(engine)).await;
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{engine:?}: {report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report.into_owned()
}

/// Runs `node SCRIPT URL` in `dir` (its pinned packages installed first, when missing)
/// against a real server over `app` on a free port, whose GraphQL URL it is given, and stops
/// the server when the script is done.
pub(crate) async fn node_against(
    dir: &Path,
    script: &str,
    app: phonegraph::gql::AppState,
) -> std::process::Output {
    let (dir, script) = (dir.to_owned(), script.to_owned());
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || install(&dir)
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve(listener, app, &HttpConfig::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .arg(&url)
            .current_dir(&dir)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    output
}
