//! A broken copy of the seed data: every problem is reported at once, each with its place and
//! a hint, in exactly these words.

use std::path::Path;

use phonegraph::seed::{SeedError, load};

use crate::helpers::path;

const BROKEN: &str = "tests/fixtures/broken-seed";

fn report() -> String {
    match load(Path::new(BROKEN)) {
        Err(SeedError::Invalid(report)) => report.to_string(),
        other => panic!("the broken seed data should not load: {other:?}"),
    }
}

#[test]
fn every_problem_is_reported_with_its_place_and_hint() {
    let expected = std::fs::read_to_string(path("tests/fixtures/broken-seed.expected")).unwrap();
    assert_eq!(report(), expected.trim_end());
}

#[test]
fn a_duplicate_id_names_both_places() {
    assert!(report().contains(
        "tests/fixtures/broken-seed/entities.toml:33:6: the id `xiaomi` is used twice; \
         it was first defined at tests/fixtures/broken-seed/entities.toml:9:6"
    ));
}

#[test]
fn a_dangling_reference_suggests_the_close_id() {
    assert!(report().contains(
        "nested/relations.toml:5:8: unknown entity `xiaomii`\n  hint: did you mean `xiaomi`?"
    ));
}

#[test]
fn the_bundled_seed_data_is_valid() {
    let loaded = load(&path("seed-data")).expect("the bundled seed data loads");
    assert!(loaded.graph.entity_count() > 25);
    assert_eq!(loaded.data_version.len(), 16);
    let again = load(&path("seed-data")).unwrap();
    assert_eq!(
        loaded.data_version, again.data_version,
        "the data version is a content hash"
    );
}

#[test]
fn a_missing_folder_is_an_io_error() {
    let err = load(Path::new("tests/fixtures/no-such-folder")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read `tests/fixtures/no-such-folder`:"),
        "{err}"
    );
}

/// An event's status and confidence, and a status step's confidence, are read from a curated
/// file and answered.
#[tokio::test]
async fn an_events_status_and_a_steps_confidence_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("report.toml"),
        r#"
[[source]]
id = "wire"
name = "A wire report"
title = "Retailer to stop selling phones, people familiar say"

[[vendor]]
id = "maker"
name = "Maker"

[[retailer]]
id = "shop"
name = "Shop"

[[event]]
id = "shop-drops-maker"
name = "Shop drops Maker"
type = "deal_pulled"
status = "reported"
confidence = 0.7
sources = [{ source = "wire" }]

[[relation]]
kind = "sells"
from = "shop"
to = "maker"
sources = [{ source = "wire" }]
status = [
  { status = "confirmed", date = "2018-01" },
  { status = "cancelled", date = "2018-03", confidence = 0.7, event = "shop-drops-maker", sources = [{ source = "wire" }] },
]
"#,
    )
    .unwrap();
    let loaded = load(dir.path()).expect("the report loads");
    let app = phonegraph::gql::AppState::new(
        loaded.graph,
        loaded.data_version,
        phonegraph::gql::DEFAULT_LIMITS,
    );
    let answer = crate::helpers::ask(
        app,
        r#"{ entity(id: "shop-drops-maker") { ... on Event { status confidence
             changed { statusHistory { status confidence } } } } }"#,
    )
    .await;
    assert_eq!(
        answer,
        serde_json::json!({ "data": { "entity": {
            "status": "REPORTED",
            "confidence": 0.7,
            "changed": [{ "statusHistory": [
                { "status": "CONFIRMED", "confidence": 1.0 },
                { "status": "CANCELLED", "confidence": 0.7 },
            ] }],
        } } })
    );
}
