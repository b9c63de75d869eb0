//! `phonegraph export` and `GET /export`: every format read back by a real reader (the CSV by
//! phonegraph's own loader, GraphML by networkx, JSON and NDJSON by serde, Cypher by a small
//! reader of its literals), and compared with what the API answers.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use phonegraph::gql::{AppState, DEFAULT_LIMITS};
use phonegraph::http::{HttpConfig, Keys};
use phonegraph::seed::{LoadOptions, load_with};
use serde_json::{Value, json};

use crate::audit::install;
use crate::helpers::{app, ask, path, send_to};
use crate::keys::{new_key, with_key};
use crate::live::Live;

/// Runs `phonegraph export` and gives its standard error.
fn export(args: &[&str], format: &str, out: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["export", "--format", format])
        .args(args)
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    stderr
}

fn load(seed: &Path, csv: &[&Path]) -> AppState {
    let loaded = load_with(
        seed,
        &LoadOptions {
            csv_dirs: csv.iter().map(|p| p.to_path_buf()).collect(),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    AppState::new(loaded.graph, loaded.data_version, DEFAULT_LIMITS)
}

/// The questions an analyst asks of a generated market that the CSV layout carries: counts,
/// the three multi-hop questions and partners as of a day.
const MARKET_QUESTIONS: &str = r#"{
  stats { entities relations byKind { kind count } }
  carriers: pattern(start: { id: "vendor-3" }, steps: [
    { relationKinds: [MAKES], reach: [PRODUCT] },
    { relationKinds: [CARRIES], direction: INCOMING, reach: [CARRIER] }]) {
    count entities(first: 100) { nodes { id } } }
  near: neighbourhood(center: "product-40", hops: 2) { count }
  top: pattern(start: { id: "market-2" }, steps: [
    { relationKinds: [OPERATES_IN], direction: INCOMING, reach: [CARRIER] },
    { relationKinds: [CARRIES], reach: [PRODUCT] },
    { relationKinds: [MAKES], direction: INCOMING, reach: [VENDOR] }]) {
    top(by: 3, counting: 2, first: 10) { entity { id } count } }
  vendor: entity(id: "vendor-3") { ... on Vendor {
    partners(filter: { asOf: "2020-06-30" }) { other { id } validity { from { text } until { text } } } } }
}"#;

#[tokio::test]
async fn a_generated_market_comes_back_whole_through_the_csv_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, seed, out) = (
        dir.path().join("csv"),
        dir.path().join("seed"),
        dir.path().join("out"),
    );
    phonegraph::generate::generate(3_000, 7, &csv).unwrap();
    std::fs::create_dir(&seed).unwrap();
    let seed_flag = seed.to_str().unwrap();
    let said = export(
        &["--seed-data", seed_flag, "--csv", csv.to_str().unwrap()],
        "csv",
        &out,
    );
    assert!(said.contains("to ") && said.contains("(csv)"), "{said}");
    // The bulk file's own source is the one thing left out: the import makes its own.
    let bulk_source =
        "  sources (the layout has none: each edges file is the source its rows cite): 1\n";
    assert!(said.contains(bulk_source), "{said}");

    let before = ask(load(&seed, &[&csv]), MARKET_QUESTIONS).await;
    let after = ask(load(&seed, &[&out]), MARKET_QUESTIONS).await;
    assert!(before["errors"].is_null(), "{before}");
    assert!(
        before["data"]["carriers"]["count"].as_u64().unwrap() > 1,
        "{before}"
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn the_curated_data_goes_to_csv_and_back_with_what_it_leaves_out_said() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let said = export(
        &["--seed-data", path("seed-data").to_str().unwrap()],
        "csv",
        &out,
    );
    assert!(
        said.contains("what the csv layout could not hold:\n"),
        "{said}"
    );
    let sources =
        "  sources (the layout has none: each edges file is the source its rows cite): 12\n";
    assert!(said.contains(sources), "{said}");
    assert!(
        said.contains("  status histories reduced to their latest status: 6\n"),
        "{said}"
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let question = r#"{ stats { byKind { kind count } }
        entity(id: "huawei") { ... on Vendor { products { other { id } } } }
        att: entity(id: "att") { relations(first: 100) { nodes { kind other { id } } } } }"#;
    let mut curated = ask(app(), question).await;
    let mut again = ask(load(&empty, &[&out]), question).await;
    // Sources are the layout's own: the curated ones are gone, one for the file is there.
    for answer in [&mut curated, &mut again] {
        let kinds = answer["data"]["stats"]["byKind"].as_array_mut().unwrap();
        kinds.retain(|k| k["kind"] != "SOURCE");
    }
    let markets = |answer: &Value| {
        answer["data"]["stats"]["byKind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == "MARKET")
            .map(|k| k["count"].as_u64().unwrap())
    };
    // One curated market, a region, has no two-letter code: the layout cannot hold it.
    assert_eq!(markets(&again), markets(&curated).map(|n| n - 1));
    assert_eq!(again["data"]["entity"], curated["data"]["entity"]);
    assert_eq!(again["data"]["att"], curated["data"]["att"]);
}

/// The records of an NDJSON export, by type and id.
fn ndjson(text: &str) -> BTreeMap<(String, String), Value> {
    text.lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            let key = (
                record["type"].as_str().unwrap().to_owned(),
                record["id"].as_str().unwrap().to_owned(),
            );
            (key, record)
        })
        .collect()
}

const DEAL: &str = "att:carries:mate-10-pro@us";

#[tokio::test]
async fn every_format_holds_the_same_graph_with_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let seed_data = path("seed-data");
    let seed = ["--seed-data", seed_data.to_str().unwrap()];
    let file = |format: &str| dir.path().join(format!("graph.{format}"));
    for format in ["ndjson", "json", "graphml", "cypher"] {
        export(&seed, format, &file(format));
    }
    let counts = ask(app(), "{ stats { entities relations } }").await;
    let (entities, relations) = (
        counts["data"]["stats"]["entities"].as_u64().unwrap() as usize,
        counts["data"]["stats"]["relations"].as_u64().unwrap() as usize,
    );

    // NDJSON: a record a line; the deal AT&T called off, as the API tells it.
    let records = ndjson(&std::fs::read_to_string(file("ndjson")).unwrap());
    let of = |ty: &str| records.keys().filter(|(t, _)| t == ty).count();
    assert_eq!((of("entity"), of("relation")), (entities, relations));
    let deal = &records[&("relation".to_owned(), DEAL.to_owned())];
    let api = ask(
        app(),
        &format!(
            r#"{{ relation(id: "{DEAL}") {{ confidence sources {{ source {{ id }} quote }}
                statusHistory {{ status date {{ text }} }} }} }}"#
        ),
    )
    .await;
    assert!(api["data"]["relation"].is_object(), "{api}");
    let api = &api["data"]["relation"];
    assert_eq!(deal["status"], "cancelled");
    assert_eq!(deal["statusDate"], "2018-01-08");
    assert_eq!(deal["confidence"], api["confidence"]);
    let sources: Vec<Value> = api["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({ "source": s["source"]["id"], "quote": s["quote"] }))
        .collect();
    assert_eq!(deal["sources"], json!(sources));
    let steps: Vec<Value> = api["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({ "status": s["status"].as_str().unwrap().to_lowercase(), "date": s["date"]["text"] }))
        .collect();
    let exported: Vec<Value> = deal["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({ "status": s["status"], "date": s["date"] }))
        .collect();
    assert_eq!(exported, steps);
    assert_eq!(steps.len(), 2);

    // JSON Graph Format: the same records under `metadata`.
    let jgf: Value = serde_json::from_str(&std::fs::read_to_string(file("json")).unwrap()).unwrap();
    let graph = &jgf["graph"];
    assert_eq!(graph["nodes"].as_object().unwrap().len(), entities);
    let edges = graph["edges"].as_array().unwrap();
    assert_eq!(edges.len(), relations);
    let edge = edges.iter().find(|e| e["id"] == DEAL).unwrap();
    assert_eq!(
        (&edge["source"], &edge["target"], &edge["relation"]),
        (&json!("att"), &json!("mate-10-pro"), &json!("carries"))
    );
    assert_eq!(edge["metadata"]["sources"], deal["sources"]);
    assert_eq!(graph["nodes"]["xiaomi"]["label"], "Xiaomi");

    // GraphML, read by networkx.
    let report = python(&[
        path("tests/audit/graphml.py").to_str().unwrap(),
        file("graphml").to_str().unwrap(),
        "xiaomi",
        DEAL,
    ]);
    let read: Value = serde_json::from_str(&report).unwrap_or_else(|_| panic!("{report}"));
    assert_eq!(read["directed"], true);
    assert_eq!(
        (read["nodes"].as_u64(), read["edges"].as_u64()),
        (Some(entities as u64), Some(relations as u64))
    );
    assert_eq!(read["node"]["name"], "Xiaomi");
    assert_eq!(read["node"]["kind"], "vendor");
    assert_eq!(read["edge"]["source"], "att");
    assert_eq!(read["edge"]["status"], "cancelled");
    assert_eq!(read["edge"]["confidence"], deal["confidence"]);
    let quoted: Value = serde_json::from_str(read["edge"]["sources"].as_str().unwrap()).unwrap();
    assert_eq!(quoted, deal["sources"]);

    // Cypher: every batch's rows, read back, are the records, lists of objects as JSON text.
    let script = std::fs::read_to_string(file("cypher")).unwrap();
    let (mut nodes, mut rels) = (0, 0);
    let mut lines = script.lines().peekable();
    assert!(lines.next().unwrap().starts_with("// phonegraph:"));
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("CREATE CONSTRAINT phonegraph_entity_id")
    );
    while let Some(line) = lines.next() {
        let params = line
            .strip_prefix(":param ")
            .and_then(|p| p.strip_suffix(';'))
            .expect("a :param line");
        let statement = lines.next().expect("a statement after each batch");
        assert!(statement.starts_with("UNWIND $rows AS row "), "{statement}");
        assert!(statement.ends_with(';'), "{statement}");
        let rows = cypher_literal(params)["rows"].as_array().unwrap().clone();
        for row in rows {
            if statement.contains("MERGE (e:Entity") {
                nodes += 1;
                let id = row["id"].as_str().unwrap();
                let record = &records[&("entity".to_owned(), id.to_owned())];
                let label = record["kind"]
                    .as_str()
                    .unwrap()
                    .split('_')
                    .map(|w| w[..1].to_uppercase() + &w[1..])
                    .collect::<String>();
                assert!(
                    statement.contains(&format!("SET e:{label},")),
                    "{statement}"
                );
                assert_eq!(row["props"]["name"], record["name"]);
            } else {
                rels += 1;
                let id = row["id"].as_str().unwrap();
                let record = &records[&("relation".to_owned(), id.to_owned())];
                let kind = record["kind"].as_str().unwrap().to_uppercase();
                assert!(
                    statement.contains(&format!("[r:{kind} {{id: row.id}}]")),
                    "{statement}"
                );
                assert_eq!((&row["from"], &row["to"]), (&record["from"], &record["to"]));
                let sources: Value =
                    serde_json::from_str(row["props"]["sources"].as_str().unwrap()).unwrap();
                assert_eq!(sources, record["sources"]);
            }
        }
    }
    assert_eq!((nodes, rels), (entities, relations));

    // Neo4j's own Cypher 5 parser finds nothing wrong in any statement or command.
    install(&path("tests/audit"));
    let output = Command::new("node")
        .arg("cypher-lint.mjs")
        .arg(file("cypher"))
        .current_dir(path("tests/audit"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lint: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}"));
    let batches = script.lines().filter(|l| l.starts_with(":param ")).count();
    assert_eq!(
        lint,
        json!({ "statements": 1 + 2 * batches, "problems": [] })
    );

    // FalkorDB, the embedded openCypher engine of `falkordblite` (PyPI), loads it and answers.
    let fetched = Command::new("bash")
        .arg(path("tests/audit/falkordb.sh"))
        .status()
        .expect("bash runs");
    assert!(fetched.success(), "tests/audit/falkordb.sh failed");
    let report = python(&[
        path("tests/audit/falkordb_load.py").to_str().unwrap(),
        path("target/falkordb").to_str().unwrap(),
        file("cypher").to_str().unwrap(),
    ]);
    let loaded: Value = serde_json::from_str(&report).unwrap_or_else(|_| panic!("{report}"));
    let carriers = ask(
        app(),
        r#"{ pattern(start: { id: "huawei" }, steps: [
              { relationKinds: [MAKES], reach: [PRODUCT] },
              { relationKinds: [CARRIES], direction: INCOMING, reach: [CARRIER] }]) {
            entities { nodes { id } } } }"#,
    )
    .await;
    let carriers: Vec<Value> = carriers["data"]["pattern"]["entities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(
        loaded,
        json!({
            "statements": batches,
            "nodes": entities,
            "relationships": relations,
            "carriersOfHuaweiProducts": carriers,
            "attMate10Pro": [deal["status"], deal["statusDate"], deal["market"]],
        })
    );
}

/// Reads the Cypher literals the export writes (maps with plain keys, lists, double-quoted
/// strings with backslash escapes, numbers, booleans, null) into JSON.
fn cypher_literal(text: &str) -> Value {
    fn skip(s: &[u8], at: &mut usize) {
        while *at < s.len() && s[*at] == b' ' {
            *at += 1;
        }
    }
    fn value(s: &[u8], at: &mut usize) -> Value {
        skip(s, at);
        match s[*at] {
            b'{' => {
                *at += 1;
                let mut map = serde_json::Map::new();
                loop {
                    skip(s, at);
                    if s[*at] == b'}' {
                        *at += 1;
                        return Value::Object(map);
                    }
                    let start = *at;
                    while s[*at] != b':' {
                        *at += 1;
                    }
                    let key = std::str::from_utf8(&s[start..*at])
                        .unwrap()
                        .trim()
                        .to_owned();
                    *at += 1;
                    map.insert(key, value(s, at));
                    skip(s, at);
                    if s[*at] == b',' {
                        *at += 1;
                    }
                }
            }
            b'[' => {
                *at += 1;
                let mut list = Vec::new();
                loop {
                    skip(s, at);
                    if s[*at] == b']' {
                        *at += 1;
                        return Value::Array(list);
                    }
                    list.push(value(s, at));
                    skip(s, at);
                    if s[*at] == b',' {
                        *at += 1;
                    }
                }
            }
            b'"' => {
                // The escapes the export writes are JSON's: read the string as JSON.
                let start = *at;
                *at += 1;
                while s[*at] != b'"' {
                    *at += if s[*at] == b'\\' { 2 } else { 1 };
                }
                *at += 1;
                serde_json::from_slice(&s[start..*at]).unwrap()
            }
            _ => {
                let start = *at;
                while *at < s.len() && !matches!(s[*at], b',' | b'}' | b']' | b' ') {
                    *at += 1;
                }
                serde_json::from_slice(&s[start..*at]).unwrap()
            }
        }
    }
    let mut at = 0;
    value(text.as_bytes(), &mut at)
}

/// Runs the pinned Python packages' interpreter (a virtual environment under `target/`, made
/// or brought up to date from `tests/audit/requirements.txt` by `tests/audit/python.sh`) and
/// gives its standard output.
fn python(args: &[&str]) -> String {
    static MADE: Mutex<()> = Mutex::new(());
    {
        let _made = MADE.lock().unwrap();
        let made = Command::new("bash")
            .arg(path("tests/audit/python.sh"))
            .status()
            .expect("bash runs");
        assert!(made.success(), "tests/audit/python.sh failed");
    }
    let output = Command::new(path("target/audit-python/bin/python"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn get_export_streams_for_admins_and_this_machine_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    let reader = new_key(&file, "dashboard", "reader");
    let admin = new_key(&file, "ops", "admin");
    let keyed = HttpConfig {
        keys: Some(Arc::new(Keys::load(&file).unwrap())),
        ..HttpConfig::default()
    };
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let refused = send_to(app(), &keyed, with_key(get("/export?format=json"), &reader)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = send_to(app(), &keyed, get("/export?format=json")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let answered = send_to(app(), &keyed, with_key(get("/export?format=json"), &admin)).await;
    assert_eq!(answered.status, StatusCode::OK);
    assert_eq!(answered.headers["content-type"], "application/json");
    assert!(
        answered.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"phonegraph-"),
    );
    let jgf = answered.json();
    assert_eq!(jgf["graph"]["nodes"]["xiaomi"]["label"], "Xiaomi");

    // Without keys, only this machine: a real server, asked over loopback.
    let live = Live::start(&[]);
    let url = |q: &str| format!("http://{}/export{q}", live.address);
    let reply = live.client.get(url("?format=ndjson")).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/x-ndjson");
    let version = reply.headers()["x-data-version"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = reply.text().await.unwrap();
    let records = ndjson(&text);
    assert_eq!(
        records[&("entity".to_owned(), "xiaomi".to_owned())]["name"],
        "Xiaomi"
    );
    let health = live.health().await;
    assert_eq!(health["dataVersion"], version.as_str());
    let nodes = live
        .client
        .get(url("?format=csv&file=nodes"))
        .send()
        .await
        .unwrap();
    assert_eq!(nodes.status(), 200);
    assert!(
        nodes
            .text()
            .await
            .unwrap()
            .starts_with("id,kind,name,country,date,")
    );
    for (query, message) in [
        (
            "?format=csv",
            "CSV is two files: add &file=nodes or &file=edges",
        ),
        (
            "?format=xml",
            "the formats are graphml, json, csv, cypher and ndjson",
        ),
        (
            "",
            "name a format: ?format=graphml, json, csv, cypher or ndjson",
        ),
    ] {
        let reply = live.client.get(url(query)).send().await.unwrap();
        assert_eq!(reply.status(), 400, "{query}");
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["errors"][0]["message"], message, "{query}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
    // In-process, a request comes from no address: not this machine.
    let refused = send_to(app(), &HttpConfig::default(), get("/export?format=json")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
