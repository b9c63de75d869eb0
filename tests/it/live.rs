//! Live data: a real `serve` process on a copy of `seed-data/`, whose files are edited, broken
//! and fixed while it answers.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::path;
use crate::process::{signal, start_logging};

/// A `serve` process over a copy of the seed data, killed when dropped.
pub(crate) struct Live {
    pub(crate) child: Child,
    pub(crate) address: String,
    dir: tempfile::TempDir,
    pub(crate) client: reqwest::Client,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Live {
    /// A server on a fresh copy of the seed data, with these flags too.
    pub(crate) fn start(args: &[&str]) -> Live {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&path("seed-data"), dir.path());
        let mut command = Command::new(env!("CARGO_BIN_EXE_phonegraph"));
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--seed-data"])
            .arg(dir.path())
            .args(args);
        let (child, address, _log) = start_logging(command);
        Live {
            child,
            address,
            dir,
            client: reqwest::Client::new(),
        }
    }

    pub(crate) fn file(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }

    /// Rewrites a file of the copy, replacing `from` by `to` (which must be there).
    pub(crate) fn edit(&self, rel: &str, from: &str, to: &str) {
        let file = self.file(rel);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "`{from}` is not in {rel}");
        std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
    }

    /// The whole response body of a query, as the server sent it.
    pub(crate) async fn ask(&self, query: &str) -> Value {
        self.send(json!({ "query": query })).await
    }

    pub(crate) async fn send(&self, body: Value) -> Value {
        let reply = self
            .client
            .post(format!("http://{}/graphql", self.address))
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(reply.status(), 200);
        reply.json().await.unwrap()
    }

    pub(crate) async fn health(&self) -> Value {
        self.client
            .get(format!("http://{}/healthz", self.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits (at most five seconds) until `/healthz` satisfies `done`, and gives it.
    pub(crate) async fn health_until(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let health = self.health().await;
            if done(&health) {
                return health;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{what}: not within five seconds: {health}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn reload(&self, key: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("http://{}/admin/reload", self.address));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send().await.unwrap()
    }
}

const XIAOMI: &str = r#"{ entity(id: "xiaomi") { name } }"#;

pub(crate) fn version(body: &Value) -> String {
    body["extensions"]["dataVersion"]
        .as_str()
        .unwrap_or_else(|| panic!("no dataVersion: {body}"))
        .to_owned()
}

#[tokio::test]
async fn an_edited_file_is_served_within_seconds_with_what_changed() {
    let live = Live::start(&[]);
    let before = live.ask(XIAOMI).await;
    assert_eq!(before["data"]["entity"]["name"], "Xiaomi");
    let old = version(&before);

    live.edit(
        "companies/vendors.toml",
        "name = \"Xiaomi\"",
        "name = \"Xiaomi Corporation\"",
    );
    let health = live
        .health_until("the edit goes live", |h| h["dataVersion"] != old.as_str())
        .await;
    assert_eq!(health["revision"], 2);
    assert_eq!(health["lastReload"]["ok"], true);
    let after = live.ask(XIAOMI).await;
    assert_eq!(after["data"]["entity"]["name"], "Xiaomi Corporation");
    assert_eq!(version(&after), health["dataVersion"]);

    let query = format!(
        r#"{{ dataStatus {{ version revision lastReload {{ ok problemCount }} }}
             changes(since: "{old}") {{ totalCount version revision
               nodes: edges {{ node {{ revision item id kind change fields {{ field old new }} origin }} }} }} }}"#
    );
    let answer = live.ask(&query).await;
    let new = version(&after);
    let origin = format!("{}:2:6", live.file("companies/vendors.toml").display());
    assert_eq!(
        answer["data"],
        json!({
            "dataStatus": { "version": new, "revision": 2, "lastReload": { "ok": true, "problemCount": 0 } },
            "changes": { "totalCount": 1, "version": new, "revision": 2, "nodes": [{ "node": {
                "revision": 2, "item": "ENTITY", "id": "xiaomi", "kind": "vendor", "change": "CHANGED",
                "fields": [{ "field": "name", "old": "Xiaomi", "new": "Xiaomi Corporation" }],
                "origin": origin,
            } }] }
        })
    );
    // The version now answering has no changes since itself; one never served is unknown.
    let none = live
        .ask(&format!(
            r#"{{ changes(since: "{new}") {{ totalCount }} }}"#
        ))
        .await;
    assert_eq!(none["data"]["changes"]["totalCount"], 0);
    let unknown = live
        .ask(r#"{ changes(since: "0123456789abcdef") { totalCount } }"#)
        .await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "VERSION_UNKNOWN"
    );
    assert_eq!(unknown["data"], Value::Null);
}

#[tokio::test]
async fn a_broken_file_keeps_the_old_version_answering_until_it_is_fixed() {
    let live = Live::start(&[]);
    let before = live.ask(XIAOMI).await;
    let old = version(&before);

    let file = live.file("markets.toml");
    let good = std::fs::read_to_string(&file).unwrap();
    let lines = good.lines().count();
    std::fs::write(
        &file,
        format!("{good}[[market]]\nid = \"atlantis\"\nnmae = \"Atlantis\"\n"),
    )
    .unwrap();
    let health = live
        .health_until("the broken file is reported", |h| {
            h["lastReload"]["ok"] == false
        })
        .await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["dataVersion"], old.as_str());
    assert_eq!(health["revision"], 1);
    let shown = format!("{}", file.display());
    let problem = &health["lastReload"]["problems"][0];
    assert_eq!(problem["file"], shown.as_str());
    assert_eq!(problem["line"], lines + 3);
    assert_eq!(problem["column"], 1);
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown field `nmae`"),
        "{problem}"
    );

    // Readers keep the old answers, and GraphQL tells the same problems.
    let after = live.ask(XIAOMI).await;
    assert_eq!(after["data"], before["data"]);
    assert_eq!(version(&after), old);
    let status = live
        .ask("{ dataStatus { version revision lastReload { ok problemCount problems { file line column message hint } } } }")
        .await;
    let status = &status["data"]["dataStatus"];
    assert_eq!(status["version"], old.as_str());
    assert_eq!(status["lastReload"]["ok"], false);
    assert_eq!(status["lastReload"]["problems"][0]["line"], lines + 3);
    assert_eq!(
        status["lastReload"]["problems"][0]["hint"],
        health["lastReload"]["problems"][0]["hint"]
    );

    // Fixing it reloads: the content is the one served, so the version and revision stay.
    std::fs::write(&file, good).unwrap();
    let health = live
        .health_until("the fix is reloaded", |h| h["lastReload"]["ok"] == true)
        .await;
    assert_eq!(health["dataVersion"], old.as_str());
    assert_eq!(health["revision"], 1);
}

#[tokio::test]
async fn sighup_and_post_admin_reload_reload_without_the_watcher() {
    let live = Live::start(&["--no-watch"]);
    let old = version(&live.ask(XIAOMI).await);
    live.edit(
        "companies/vendors.toml",
        "name = \"Xiaomi\"",
        "name = \"Mi\"",
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        live.health().await["dataVersion"],
        old.as_str(),
        "the watcher is off"
    );

    signal(&live.child, "HUP");
    let health = live
        .health_until("SIGHUP reloads", |h| h["dataVersion"] != old.as_str())
        .await;
    assert_eq!(live.ask(XIAOMI).await["data"]["entity"]["name"], "Mi");
    assert_eq!(health["revision"], 2);

    // From this machine, without keys, a reload may be asked for; it answers with its outcome.
    live.edit(
        "companies/vendors.toml",
        "name = \"Mi\"",
        "name = \"Xiaomi\"",
    );
    let reply = live.reload(None).await;
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(
        body["dataVersion"],
        old.as_str(),
        "back to the first content"
    );
    assert_eq!(body["revision"], 3, "a revision never repeats");
    assert_eq!(body["reload"]["ok"], true);

    // A broken file: 422 with the problems, and the version before keeps answering.
    live.edit("companies/vendors.toml", "name = \"Xiaomi\"", "name = \"\"");
    let reply = live.reload(None).await;
    assert_eq!(reply.status(), 422);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "DATA_INVALID");
    assert_eq!(body["dataVersion"], old.as_str());
    assert_eq!(body["reload"]["ok"], false);
    assert_eq!(body["reload"]["problems"][0]["line"], 3);

    // The metrics follow: the version answering, its revision, the reloads by outcome.
    let metrics = live
        .client
        .get(format!("http://{}/metrics", live.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        format!("phonegraph_data_info{{version=\"{old}\","),
        "phonegraph_data_revision 3\n".to_owned(),
        "phonegraph_reloads_total{outcome=\"ok\"} 2\n".to_owned(),
        "phonegraph_reloads_total{outcome=\"failed\"} 1\n".to_owned(),
    ] {
        assert!(metrics.contains(&line), "no `{line}` in\n{metrics}");
    }
    assert_eq!(metrics.matches("phonegraph_data_info{").count(), 1);
}

#[tokio::test]
async fn a_reload_needs_an_admin_key_when_keys_are_on() {
    let keys = tempfile::tempdir().unwrap();
    let file = keys.path().join("keys.toml");
    let reader = phonegraph::http::add_key(&file, "dash", phonegraph::http::Role::Reader).unwrap();
    let admin = phonegraph::http::add_key(&file, "ops", phonegraph::http::Role::Admin).unwrap();
    let live = Live::start(&["--no-watch", "--api-keys", file.to_str().unwrap()]);

    let anonymous = live.reload(None).await;
    assert_eq!(anonymous.status(), 401);
    let as_reader = live.reload(Some(&reader)).await;
    assert_eq!(as_reader.status(), 403);
    let body: Value = as_reader.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let as_admin = live.reload(Some(&admin)).await;
    assert_eq!(as_admin.status(), 200);
    let body: Value = as_admin.json().await.unwrap();
    assert_eq!(body["reload"]["ok"], true);
    assert_eq!(body["revision"], 1, "nothing changed");
}

/// Twenty times A then B while readers ask without a pause: no request fails, and every answer
/// is A's or B's with its own version.
#[tokio::test]
async fn readers_see_one_whole_version_while_a_file_alternates() {
    let live = std::sync::Arc::new(Live::start(&["--no-watch"]));
    let query = r#"{ entity(id: "xiaomi") { name relations(first: 3) { totalCount } } stats { entities relations } }"#;
    let a = live.ask(query).await;
    let vendors = std::fs::read_to_string(live.file("companies/vendors.toml")).unwrap();
    let (text_a, text_b) = (
        vendors.clone(),
        vendors.replacen("name = \"Xiaomi\"", "name = \"Xiaomi B\"", 1)
            + "\n[[vendor]]\nid = \"b-only\"\nname = \"B Only\"\n",
    );
    std::fs::write(live.file("companies/vendors.toml"), &text_b).unwrap();
    assert_eq!(live.reload(None).await.status(), 200);
    let b = live.ask(query).await;
    assert_ne!(version(&a), version(&b));
    assert_ne!(a["data"], b["data"]);
    let known = [
        (a["data"].clone(), version(&a)),
        (b["data"].clone(), version(&b)),
    ];

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (live, stop, known) = (live.clone(), stop.clone(), known.clone());
            tokio::spawn(async move {
                let mut seen = [0u32; 2];
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let answer = live.ask(query).await;
                    let which = known
                        .iter()
                        .position(|(data, v)| answer["data"] == *data && version(&answer) == *v)
                        .unwrap_or_else(|| panic!("neither A nor B: {answer}"));
                    seen[which] += 1;
                }
                seen
            })
        })
        .collect();
    for _ in 0..20 {
        for text in [&text_a, &text_b] {
            std::fs::write(live.file("companies/vendors.toml"), text).unwrap();
            let reply = live.reload(None).await;
            assert_eq!(reply.status(), 200);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut seen = [0u32; 2];
    for reader in readers {
        let counts = reader.await.expect("a reader failed");
        seen[0] += counts[0];
        seen[1] += counts[1];
    }
    assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
    assert_eq!(live.health().await["revision"], 42);
}

/// The router alone: no peer address (so not this machine) and no reloader.
#[tokio::test]
async fn a_reload_is_refused_to_a_stranger_and_takes_post_only() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};

    let post =
        crate::helpers::send(Request::post("/admin/reload").body(Body::empty()).unwrap()).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert_eq!(post.codes(), ["FORBIDDEN"]);
    let get =
        crate::helpers::send(Request::get("/admin/reload").body(Body::empty()).unwrap()).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get.headers["allow"], "POST");
}

/// In production only admins see what is wrong with the files; the others see that the last
/// reload failed, and the version that answers.
#[tokio::test]
async fn in_production_only_admins_see_the_problems() {
    use phonegraph::gql::{DataProblem, ReloadOutcome};
    use phonegraph::http::{HttpConfig, Keys, Role, add_key};

    let app = crate::helpers::app_with(phonegraph::gql::DEFAULT_LIMITS);
    app.versions().set_outcome(ReloadOutcome {
        ok: false,
        at: "2026-01-01T00:00:00Z".into(),
        seconds: 0.5,
        problems: vec![DataProblem {
            file: "seed-data/markets.toml".into(),
            line: Some(3),
            column: Some(1),
            message: "unknown field `nmae`".into(),
            hint: None,
        }],
    });
    let keys = tempfile::tempdir().unwrap();
    let file = keys.path().join("keys.toml");
    let reader = add_key(&file, "dash", Role::Reader).unwrap();
    let admin = add_key(&file, "ops", Role::Admin).unwrap();
    let config = HttpConfig {
        keys: Some(std::sync::Arc::new(Keys::load(&file).unwrap())),
        production: true,
        ..HttpConfig::default()
    };
    let query = "{ dataStatus { version revision lastReload { ok problemCount problems { file line message } } } }";
    let ask = |key: String| {
        let mut request = crate::helpers::graphql_request(&json!({ "query": query }));
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
        crate::helpers::send_to(app.clone(), &config, request)
    };
    let version = app.health().data_version;
    let as_reader = ask(reader).await.answer();
    assert_eq!(
        as_reader["data"]["dataStatus"],
        json!({ "version": version, "revision": 1, "lastReload": { "ok": false, "problemCount": 1, "problems": null } })
    );
    let as_admin = ask(admin).await.answer();
    assert_eq!(
        as_admin["data"]["dataStatus"]["lastReload"]["problems"],
        json!([{ "file": "seed-data/markets.toml", "line": 3, "message": "unknown field `nmae`" }])
    );
    // `/healthz` is open to all: in production it counts the problems and lists none.
    let health = crate::helpers::send_to(
        app.clone(),
        &config,
        axum::http::Request::get("/healthz")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .json();
    assert_eq!(health["lastReload"]["problemCount"], 1);
    assert!(health["lastReload"].get("problems").is_none(), "{health}");
}

/// Behind a proxy named by `--trust-proxy`, a reload is from the client it forwards for.
#[tokio::test]
async fn a_reload_through_a_trusted_proxy_is_from_the_client_it_forwards_for() {
    let live = Live::start(&["--no-watch", "--trust-proxy", "127.0.0.1"]);
    let ask = |forwarded: &'static str| {
        live.client
            .post(format!("http://{}/admin/reload", live.address))
            .header("x-forwarded-for", forwarded)
            .send()
    };
    assert_eq!(ask("203.0.113.9").await.unwrap().status(), 403);
    assert_eq!(ask("127.0.0.1").await.unwrap().status(), 200);
}
