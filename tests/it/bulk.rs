//! Bulk CSV: every bad row reported, bad rows skipped on request, the generator deterministic,
//! and the same questions answered alike from TOML and from CSV encodings of the same facts.

use std::path::Path;

use phonegraph::gql::{AppState, DEFAULT_LIMITS};
use phonegraph::seed::{LoadOptions, SeedError, load, load_with};
use serde_json::json;

use crate::helpers::{ask, path};

fn bulk(dirs: &[&str], skip_bad_rows: bool) -> LoadOptions {
    LoadOptions {
        csv_dirs: dirs.iter().map(Into::into).collect(),
        skip_bad_rows,
        ..LoadOptions::default()
    }
}

#[test]
fn every_bad_row_is_reported_with_file_and_line() {
    let err = load_with(
        Path::new("tests/fixtures/csv-bad/seed"),
        &bulk(&["tests/fixtures/csv-bad/bulk"], false),
    )
    .unwrap_err();
    let SeedError::Invalid(report) = err else {
        panic!("expected a report, got {err}");
    };
    let expected = std::fs::read_to_string(path("tests/fixtures/csv-bad/expected.txt")).unwrap();
    assert_eq!(report.to_string(), expected.trim_end());
}

#[test]
fn a_csv_id_clashing_with_a_curated_one_names_both_places() {
    let err = load_with(
        Path::new("tests/fixtures/csv-bad/seed"),
        &bulk(&["tests/fixtures/csv-bad/bulk"], false),
    )
    .unwrap_err();
    assert!(err.to_string().contains(
        "tests/fixtures/csv-bad/bulk/nodes.csv:12:1: the id `xiaomi` is used twice; \
         it was first defined at tests/fixtures/csv-bad/seed/curated.toml:2:6"
    ));
}

#[test]
fn skipping_bad_rows_loads_the_rest_and_counts_them() {
    let loaded = load_with(
        Path::new("tests/fixtures/csv-bad/seed"),
        &bulk(&["tests/fixtures/csv-bad/bulk"], true),
    )
    .unwrap();
    let counts: Vec<(usize, usize)> = loaded.csv.iter().map(|f| (f.rows, f.skipped)).collect();
    assert_eq!(counts, [(5, 12), (6, 7)]);
    // The partnership given from both ends is one relation.
    assert_eq!(loaded.graph.relation_count(), 5);
    let g = &loaded.graph;
    let source = g
        .lookup("csv-bulk-edges")
        .expect("the edges file is a source");
    assert_eq!(
        g.entity(source).name,
        "Bulk file tests/fixtures/csv-bad/bulk/edges.csv"
    );
}

#[test]
fn the_generator_is_deterministic_for_a_seed() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let first = phonegraph::generate::generate(3_000, 7, a.path()).unwrap();
    let again = phonegraph::generate::generate(3_000, 7, b.path()).unwrap();
    phonegraph::generate::generate(3_000, 8, c.path()).unwrap();
    assert_eq!(first, again);
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).unwrap();
    assert_eq!(read(&a, "nodes.csv"), read(&b, "nodes.csv"));
    assert_eq!(read(&a, "edges.csv"), read(&b, "edges.csv"));
    assert_ne!(read(&a, "edges.csv"), read(&c, "edges.csv"));
    assert_eq!(first.entities, 3_000);
    assert!(
        first.relations > 3 * first.entities,
        "about four relations an entity"
    );

    let empty = tempfile::tempdir().unwrap();
    let loaded = load_with(
        empty.path(),
        &LoadOptions {
            csv_dirs: vec![a.path().to_owned()],
            skip_bad_rows: false,
            ..LoadOptions::default()
        },
    )
    .expect("generated data loads without a problem");
    assert_eq!(
        loaded.graph.entity_count(),
        first.entities + 1,
        "plus the file's source"
    );
    // Degrees are skewed: the first vendor is a giant next to the median one.
    let degree = |id: &str| {
        loaded
            .graph
            .hops(
                loaded.graph.lookup(id).unwrap(),
                phonegraph::graph::Direction::Both,
            )
            .count()
    };
    assert!(degree("vendor-0") > 20 * degree("vendor-60").max(1));
}

const SAME_QUESTIONS: &str = r#"{
  byId: entity(id: "huawei") { id kind name }
  relations: entity(id: "huawei") {
    relations(first: 50) { totalCount nodes { kind direction other { id } validity { from { text } until { text } } } }
  }
  carriersOfWhatHuaweiMakes: entity(id: "huawei") {
    ... on Vendor { products { other { id ... on Product { channels { other { id } } } } } }
  }
  path: paths(from: "xiaomi", to: "att", maxHops: 4, limit: 5) { length nodes { id } }
  twoHops: neighbourhood(center: "mate-10-pro", hops: 2, limit: 500) { nodes { id depth } }
  partnersAsOf: entity(id: "huawei") { ... on Vendor { partners(filter: { asOf: "2018-01-01" }) { other { id } } } }
  partnersAfter: entity(id: "huawei") { ... on Vendor { partners(filter: { asOf: "2018-02-01" }) { other { id } } } }
  prefix: search(text: "HUA") { entity { id } }
  carriers: entities(kind: CARRIER) { nodes { id } }
  byHq: groupCount(kind: VENDOR, by: RELATED, relationKinds: [HEADQUARTERED_IN]) { key count }
  dated: entities(where: { dateFrom: "2017", dateTo: "2018" }) { nodes { id } }
  doubt: entity(id: "att-pulls-out") { ... on Event { status confidence } }
}"#;

#[tokio::test]
async fn toml_and_csv_encodings_give_the_same_answers() {
    let toml = load(Path::new("tests/fixtures/equivalence/toml")).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let csv = load_with(
        empty.path(),
        &bulk(&["tests/fixtures/equivalence/csv"], false),
    )
    .unwrap();
    let from_toml = ask(
        AppState::new(toml.graph, toml.data_version, DEFAULT_LIMITS),
        SAME_QUESTIONS,
    )
    .await;
    let from_csv = ask(
        AppState::new(csv.graph, csv.data_version, DEFAULT_LIMITS),
        SAME_QUESTIONS,
    )
    .await;
    assert!(from_toml.get("errors").is_none(), "{from_toml}");
    assert_eq!(from_toml, from_csv);
    assert_eq!(from_toml["data"]["path"][0]["length"], 2);
    assert_eq!(
        from_toml["data"]["partnersAsOf"]["partners"][0]["other"]["id"],
        "att"
    );
    assert_eq!(from_toml["data"]["partnersAfter"]["partners"], json!([]));
    assert_eq!(
        from_toml["data"]["doubt"],
        json!({ "status": "REPORTED", "confidence": 0.7 })
    );
}
