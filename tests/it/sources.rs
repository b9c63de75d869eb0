//! Many sources, one fact: a news report added as one new file adds to what other files
//! define, pools with what they already say, keeps what it disputes beside it, and renames
//! nothing.

use std::path::Path;

use phonegraph::seed::{SeedError, load};
use serde_json::json;

use crate::helpers::{ask, path};

/// A copy of the bundled seed data, with `extra` added as one more file.
fn seed_with(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&path("seed-data"), dir.path());
    std::fs::write(dir.path().join("added-report.toml"), extra).unwrap();
    dir
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The service over loaded data.
fn app_of(loaded: phonegraph::seed::Loaded) -> phonegraph::gql::AppState {
    phonegraph::gql::AppState::new(
        loaded.graph,
        loaded.data_version,
        phonegraph::gql::DEFAULT_LIMITS,
    )
}

fn relation_ids(graph: &phonegraph::graph::Graph) -> Vec<String> {
    graph
        .all_relations()
        .map(|r| graph.relation_id(r))
        .collect()
}

const REPORT: &str = r#"
[[source]]
id = "wire-2018-04"
name = "A wire report of April 2018"
title = "Huawei's US ambitions after AT&T"
publisher = "Wire"
date = "2018-04-17"

# Adds to an entity another file defines.
[[addition]]
to = "huawei"
aliases = ["Huawei Technologies Co."]
sources = [{ source = "wire-2018-04", quote = "Huawei Technologies Co., the world's third-largest smartphone maker" }]

# States a fact another file states: pools with it.
[[relation]]
kind = "makes"
from = "huawei"
to = "mate-10-pro"
sources = [{ source = "wire-2018-04", quote = "Huawei's Mate 10 Pro" }]

# Disputes a role another file gives: a second claim, kept beside the first.
[[relation]]
kind = "executive_of"
from = "richard-yu"
to = "huawei"
role = "head of the consumer business"
sources = [{ source = "wire-2018-04", quote = "Richard Yu, who heads Huawei's consumer business" }]

# Names a relation another file defines, and adds a source to a step of it.
[[addition]]
to = "att:carries:mate-10-pro@us"
status = [{ status = "cancelled", date = "2018-01-08", sources = [{ source = "wire-2018-04", quote = "AT&T dropped the plan in January" }] }]
"#;

#[tokio::test]
async fn a_new_report_adds_pools_and_disputes_without_renaming() {
    let before = relation_ids(&load(&path("seed-data")).unwrap().graph);
    let dir = seed_with(REPORT);
    let loaded = load(dir.path()).expect("the added report loads");
    let after = relation_ids(&loaded.graph);
    // The restated fact pooled; only the disputed role is new.
    let new: Vec<&String> = after.iter().filter(|id| !before.contains(id)).collect();
    assert_eq!(new, ["richard-yu:executive_of:huawei#wire-2018-04"]);
    assert!(before.iter().all(|id| after.contains(id)), "an id changed");
    let answer = ask(
        app_of(loaded),
        r#"{
          makes: relation(id: "huawei:makes:mate-10-pro") { sources { source { id } } }
          deal: relation(id: "att:carries:mate-10-pro@us") {
            statusHistory { status sources { source { id } } }
          }
          roles: entity(id: "richard-yu") { relations(kinds: [EXECUTIVE_OF]) { nodes { id role } } }
          huawei: search(text: "Huawei Technologies") { entity { id } }
        }"#,
    )
    .await;
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["source"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let data = &answer["data"];
    assert!(answer["errors"].is_null(), "{answer}");
    assert_eq!(
        ids(&data["makes"]["sources"]),
        ["techtimes-xiaomi-us-2018", "wire-2018-04"],
        "{answer}"
    );
    assert_eq!(
        ids(&data["deal"]["statusHistory"][1]["sources"]),
        [
            "techtimes-xiaomi-us-2018",
            "wire-2018-04",
            "androidcentral-att-huawei-2018-01-08"
        ],
        "{answer}"
    );
    assert_eq!(
        data["roles"]["relations"]["nodes"],
        json!([
            { "id": "richard-yu:executive_of:huawei", "role": "CEO" },
            { "id": "richard-yu:executive_of:huawei#wire-2018-04", "role": "head of the consumer business" },
            { "id": "richard-yu:executive_of:huawei#curator-knowledge", "role": "CEO of the Consumer Business Group" },
        ]),
        "{answer}"
    );
    assert_eq!(data["huawei"][0]["entity"]["id"], "huawei", "{answer}");
}

#[test]
fn an_addition_to_what_does_not_exist_is_a_dangling_reference() {
    let dir = seed_with(
        r#"
[[addition]]
to = "huawai"
aliases = ["Huawei Technologies Co."]

[[addition]]
to = "att:carries:mate-10-pro"
sources = [{ source = "curator-knowledge" }]

[[addition]]
to = "xiaomi"
founded = "2011"
status = [{ status = "ended" }]
"#,
    );
    let Err(SeedError::Invalid(report)) = load(dir.path()) else {
        panic!("the additions must be refused");
    };
    let text = report.to_string();
    let place = dir.path().join("added-report.toml");
    let expected = [
        format!(
            "{}:3:6: unknown entity `huawai`\n  hint: did you mean `huawei`?",
            place.display()
        ),
        format!(
            "{}:7:6: no curated relation has the id `att:carries:mate-10-pro`\n  hint: did you mean `att:carries:mate-10-pro@us`?",
            place.display()
        ),
    ];
    for line in &expected {
        assert!(text.contains(line.as_str()), "{text}");
    }
    assert!(
        text.contains("already has founded `2010-04-06`, and an entity has one founded"),
        "{text}"
    );
    assert!(
        text.contains("`status` cannot be added to an entity"),
        "{text}"
    );
}

/// A party's claims, reported by a source, and an end a retailer is reported to plan.
#[tokio::test]
async fn claims_by_a_party_and_a_planned_end_are_answered() {
    let dir = seed_with(
        r#"
[[source]]
id = "wire-2018-03"
name = "A wire report of March 2018"
title = "Retailer to stop selling Huawei phones"
date = "2018-03-20"

[[relation]]
kind = "regulates"
from = "fcc"
to = "sprint"
claimed_by = "sprint"
sources = [{ source = "wire-2018-03", quote = "Sprint said it is regulated by the FCC" }]

[[relation]]
kind = "sells"
from = "walmart"
to = "huawei"
valid_from = { text = "since last year", anchor = "source", day = "2017" }
planned_end = { date = { text = "in the coming weeks", anchor = "source", day = "2018-04" }, confidence = 0.7, sources = [{ source = "wire-2018-03", quote = "will stop selling Huawei phones in the coming weeks, according to people familiar with the matter" }] }
sources = [{ source = "wire-2018-03", quote = "Walmart, which sells Huawei phones" }]
"#,
    );
    let loaded = load(dir.path()).expect("the report loads");
    let answer = ask(
        app_of(loaded),
        r#"{
          claims(by: "sprint") { kind relation { id claimedBy { id } } sources { source { id } quote } }
          march: relation(id: "walmart:sells:huawei", asOf: "2018-03-20") {
            presence validity { from { text wording anchor } }
            plannedEnd { date { text wording } ahead confidence sources { quote } }
          }
          may: relation(id: "walmart:sells:huawei", asOf: "2018-05") { presence plannedEnd { ahead } }
        }"#,
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": {
            "claims": [{
                "kind": "RELATION",
                "relation": { "id": "fcc:regulates:sprint", "claimedBy": { "id": "sprint" } },
                "sources": [{ "source": { "id": "wire-2018-03" }, "quote": "Sprint said it is regulated by the FCC" }],
            }],
            "march": { "presence": "SURE",
              "validity": { "from": { "text": "2017", "wording": "since last year", "anchor": "source" } },
              "plannedEnd": {
                "date": { "text": "2018-04", "wording": "in the coming weeks" }, "ahead": true, "confidence": 0.7,
                "sources": [{ "quote": "will stop selling Huawei phones in the coming weeks, according to people familiar with the matter" }],
            } },
            "may": { "presence": "POSSIBLE", "plannedEnd": { "ahead": false } },
        } })
    );
}
