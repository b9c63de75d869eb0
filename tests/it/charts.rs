//! Chart aggregates on a generated market, each compared with the same count worked out from
//! the CSV rows: a time series with its empty periods, and a two-key count.

use std::collections::BTreeMap;

use phonegraph::gql::{AppState, DEFAULT_LIMITS};
use phonegraph::seed::{LoadOptions, load_with};
use serde_json::{Value, json};

use crate::helpers::ask;

fn market(dir: &std::path::Path) -> AppState {
    let csv = dir.join("csv");
    phonegraph::generate::generate(3_000, 7, &csv).unwrap();
    let empty = dir.join("seed");
    std::fs::create_dir(&empty).unwrap();
    let loaded = load_with(
        &empty,
        &LoadOptions {
            csv_dirs: vec![csv],
            ..LoadOptions::default()
        },
    )
    .unwrap();
    AppState::new(loaded.graph, loaded.data_version, DEFAULT_LIMITS)
}

fn rows(dir: &std::path::Path, file: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(dir.join("csv").join(file))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn series_and_cross_counts_are_the_rows_own() {
    let dir = tempfile::tempdir().unwrap();
    let app = market(dir.path());
    let nodes = rows(dir.path(), "nodes.csv");
    let edges = rows(dir.path(), "edges.csv");

    // Carriers founded per year, every year between the first and the last present.
    let mut per_year = BTreeMap::<i32, u64>::new();
    let mut undated = 0;
    for n in nodes.iter().filter(|n| n[1] == "Carrier") {
        match n[4].get(..4) {
            Some(year) => *per_year.entry(year.parse().unwrap()).or_default() += 1,
            None => undated += 1,
        }
    }
    let (first, last) = (
        *per_year.keys().next().unwrap(),
        *per_year.keys().last().unwrap(),
    );
    let expected: Vec<Value> = (first..=last)
        .map(
            |y| json!({ "period": y.to_string(), "count": per_year.get(&y).copied().unwrap_or(0) }),
        )
        .collect();
    assert!(
        expected.iter().any(|p| p["count"] == 0),
        "no empty year to fill"
    );
    let answer = ask(
        app.clone(),
        "{ timeSeries(kind: CARRIER, interval: YEAR) { points { period count } undated imprecise } }",
    )
    .await;
    assert_eq!(
        answer["data"]["timeSeries"],
        json!({ "points": expected, "undated": undated, "imprecise": 0 })
    );

    // Carriers by headquarters market × founding year.
    let founded: BTreeMap<&str, &str> = nodes
        .iter()
        .filter(|n| n[1] == "Carrier")
        .map(|n| (n[0].as_str(), &n[4][..4]))
        .collect();
    let mut cells = BTreeMap::<(String, String), u64>::new();
    for e in edges.iter().filter(|e| e[2] == "HEADQUARTERED_IN") {
        if let Some(year) = founded.get(e[0].as_str()) {
            *cells.entry((e[1].clone(), year.to_string())).or_default() += 1;
        }
    }
    let answer = ask(
        app,
        r#"{ crossCount(kind: CARRIER,
              rows: { by: RELATED, relationKinds: [HEADQUARTERED_IN], relationDirection: OUTGOING },
              columns: { by: YEAR }) {
            rows { key count } columns { key count } cells { row column count } } }"#,
    )
    .await;
    let cross = &answer["data"]["crossCount"];
    let keys = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|b| b["key"].as_str().unwrap().to_owned())
            .collect()
    };
    let (row_keys, column_keys) = (keys(&cross["rows"]), keys(&cross["columns"]));
    let got: BTreeMap<(String, String), u64> = cross["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    row_keys[c["row"].as_u64().unwrap() as usize].clone(),
                    column_keys[c["column"].as_u64().unwrap() as usize].clone(),
                ),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, cells);
    // Rows come largest first; columns, years, in time order.
    let totals: Vec<u64> = cross["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    let mut sorted = column_keys.clone();
    sorted.sort();
    assert_eq!(column_keys, sorted);
}

#[tokio::test]
async fn a_series_too_long_is_refused_with_a_reason() {
    let answer = ask(
        crate::helpers::app(),
        r#"{ timeSeries(interval: MONTH, from: "1900", to: "2030") { interval } }"#,
    )
    .await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        answer["errors"][0]["message"],
        "a series of 1572 periods: at most 1200; narrow `from` and `to`, or take a longer interval"
    );
}
