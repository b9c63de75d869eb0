//! The explorer page in a real browser: Debian's `chromium` driven by `playwright-core`
//! (pinned in `tests/audit/`), against a real server on a copy of the bundled data. What the
//! page must show is read from the server's own answers first, so the test follows the data.
//! `PHONEGRAPH_UPDATE_SCREENSHOTS=1` also writes the README's screenshots to `docs/`.

use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::path;
use crate::live::Live;

/// Runs `tests/audit/explorer.mjs` with `plan` and returns its `ok …` lines. Its output goes
/// to files, not pipes: a browser left behind by a failed run must not hold the test open.
fn browse(plan: &Value) -> Vec<String> {
    let dir = path("tests/audit");
    crate::audit::install(&dir);
    let out = tempfile::tempdir().unwrap();
    let (stdout, stderr) = (out.path().join("stdout"), out.path().join("stderr"));
    let mut node = Command::new("node")
        .arg("explorer.mjs")
        .arg(plan.to_string())
        .current_dir(&dir)
        .stdout(Stdio::from(std::fs::File::create(&stdout).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()))
        .spawn()
        .expect("node runs (Node.js 20 or later is needed for this test)");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = node.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(240) {
            let _ = node.kill();
            break node.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let lines: Vec<String> = std::fs::read_to_string(&stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(
        status.success(),
        "the browser run failed after {lines:#?}:\n{}\n(chromium is Debian's package; \
         PHONEGRAPH_CHROMIUM names another executable)",
        std::fs::read_to_string(&stderr).unwrap()
    );
    lines
}

fn steps(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("ok "))
        .map(|l| l.split(" {").next().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_explores_by_clicking() {
    let live = Live::start(&[]);
    let xiaomi = live
        .ask(r#"{ entity(id: "xiaomi") { ... on Vendor { executives { id role other { name } sources { quote } } } } }"#)
        .await;
    let chairman = xiaomi["data"]["entity"]["executives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "chairman")
        .expect("Xiaomi has a chairman")
        .clone();
    let deal = live
        .ask(r#"{ entity(id: "mate-10-pro") { relations(kinds: [CARRIES], filter: { asOf: "2018-02", includeEnded: true }) { nodes { id presence other { id } status { status date { text } event { name } } } } } }"#)
        .await;
    let deal = deal["data"]["entity"]["relations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["other"]["id"] == "att")
        .expect("AT&T's deal for the Mate 10 Pro")
        .clone();
    assert_eq!(deal["presence"], "ENDED");
    assert_eq!(deal["status"]["status"], "CANCELLED");
    // A fact with more than one claim: ids that agree up to `#`.
    let yu = live
        .ask(r#"{ entity(id: "richard-yu") { relations(first: 100) { nodes { id } } } }"#)
        .await;
    let ids: Vec<&str> = yu["data"]["entity"]["relations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let fact = ids
        .iter()
        .find_map(|id| id.split_once('#').map(|(fact, _)| fact))
        .expect("Richard Yu has a fact with two claims");
    let claims = ids
        .iter()
        .filter(|id| id.split('#').next() == Some(fact))
        .count();
    assert!(claims >= 2);
    let paths = live
        .ask(r#"{ paths(from: "xiaomi", to: "att", maxHops: 4, limit: 3) { length } }"#)
        .await;
    let screenshots = std::env::var_os("PHONEGRAPH_UPDATE_SCREENSHOTS")
        .is_some()
        .then(|| path("docs/screenshots"));
    let plan = json!({
        "scenario": "tour",
        "base": format!("http://{}", live.address),
        "chairman": {
            "relation": chairman["id"],
            "name": chairman["other"]["name"],
            "role": "chairman",
            "quote": chairman["sources"][0]["quote"],
        },
        "deal": {
            "relation": deal["id"],
            "cancelled": format!("cancelled {}", deal["status"]["date"]["text"].as_str().unwrap()),
            "event": deal["status"]["event"]["name"],
        },
        "expand": "huawei",
        "claims": { "entity": "richard-yu", "fact": fact, "count": claims },
        "paths": paths["data"]["paths"].as_array().unwrap().len(),
        "live": {
            "entity": "att",
            "file": live.file("companies/carriers.toml"),
            "from": "pulled out of its Mate 10 Pro deal with Huawei at the last minute.\"",
            "to": "pulled out of its Mate 10 Pro deal with Huawei at the last minute, in January 2018.\"",
            "shows": "in January 2018",
        },
        "screenshots": screenshots,
    });
    let lines = tokio::task::spawn_blocking(move || browse(&plan))
        .await
        .unwrap();
    assert_eq!(
        steps(&lines),
        [
            "the page loads",
            "search, open and the chairman",
            "as of 2017-12 the deal is planned",
            "as of 2018-02 the deal is over",
            "expanding a node",
            "a link opens the same view",
            "claims side by side",
            "paths with their evidence",
            "the console",
            "a change is heard and shown",
            "a narrow screen",
        ],
        "{lines:#?}"
    );
}

/// With keys on, the page asks for one once and keeps it for the tab; in production the
/// console is offered to admins only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_keys_the_page_asks_once_and_hides_the_console_from_readers() {
    let keys = tempfile::tempdir().unwrap();
    let file = keys.path().join("keys.toml");
    let reader =
        phonegraph::http::add_key(&file, "analyst", phonegraph::http::Role::Reader).unwrap();
    let admin =
        phonegraph::http::add_key(&file, "operator", phonegraph::http::Role::Admin).unwrap();
    let live = Live::start(&[
        "--no-watch",
        "--production",
        "--api-keys",
        file.to_str().unwrap(),
    ]);
    for (key, console) in [(reader, false), (admin, true)] {
        let plan = json!({
            "scenario": "keys",
            "base": format!("http://{}", live.address),
            "key": key,
            "consoleShown": console,
        });
        let lines = tokio::task::spawn_blocking(move || browse(&plan))
            .await
            .unwrap();
        assert_eq!(
            steps(&lines),
            [
                "the key is asked for once",
                "the key is kept for the session"
            ]
        );
        assert!(
            lines[1].ends_with(&format!("{{\"console\":{console}}}")),
            "{lines:?}"
        );
    }
}
