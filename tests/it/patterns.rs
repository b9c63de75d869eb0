//! Multi-hop questions in one request (`pattern`, `neighbourhood { count }`), answered on the
//! bundled data against the tree a client would otherwise fetch, and on a generated market
//! against a plain computation over its CSV rows.

use std::collections::{BTreeMap, BTreeSet};

use phonegraph::gql::{AppState, DEFAULT_LIMITS};
use phonegraph::seed::{LoadOptions, load_with};
use serde_json::Value;

use crate::helpers::{app, ask};

const CARRIERS_OF_PRODUCTS: &str = r#"steps: [
  { relationKinds: [MAKES], reach: [PRODUCT] },
  { relationKinds: [CARRIES], direction: INCOMING, reach: [CARRIER] }]"#;

fn ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_carriers_of_a_vendors_products_in_one_request() {
    let tree = ask(
        app(),
        r#"{ entity(id: "huawei") { ... on Vendor { products { other { ... on Product {
            channels { other { id kind } } } } } } } }"#,
    )
    .await;
    let mut expected = BTreeSet::new();
    for product in tree["data"]["entity"]["products"].as_array().unwrap() {
        for channel in product["other"]["channels"].as_array().unwrap() {
            if channel["other"]["kind"] == "CARRIER" {
                expected.insert(channel["other"]["id"].as_str().unwrap().to_owned());
            }
        }
    }
    assert!(expected.len() >= 2, "{expected:?}");
    let answer = ask(
        app(),
        &format!(
            r#"{{ pattern(start: {{ id: "huawei" }}, {CARRIERS_OF_PRODUCTS}) {{
                count entities(first: 100) {{ totalCount nodes {{ id }} }} }} }}"#
        ),
    )
    .await;
    let pattern = &answer["data"]["pattern"];
    assert_eq!(ids(&pattern["entities"]["nodes"]), expected, "{answer}");
    assert_eq!(pattern["count"], expected.len() as u64);
    assert_eq!(pattern["entities"]["totalCount"], expected.len() as u64);
}

#[tokio::test]
async fn a_pattern_refuses_what_it_cannot_answer() {
    for (query, message) in [
        (
            "{ pattern(start: { id: \"huawei\" }, steps: []) { count } }",
            "a pattern takes 1 to 4 steps, not 0",
        ),
        (
            "{ pattern(start: {}, steps: [{}]) { count } }",
            "start a pattern with an `id`, or with a `kind` and/or a `where`",
        ),
        (
            "{ pattern(start: { id: \"huawei\" }, steps: [{}]) { top(by: 2) { count } } }",
            "`by` is a step from 0 to 1, not 2",
        ),
        (
            "{ pattern(start: { id: \"huawei\" }, steps: [{}]) { top(by: 1) { count } } }",
            "`by` and `counting` must be different steps",
        ),
    ] {
        let answer = ask(app(), query).await;
        assert_eq!(answer["errors"][0]["message"], message, "{query}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    let unknown = ask(
        app(),
        "{ pattern(start: { id: \"nobody\" }, steps: [{}]) { count } }",
    )
    .await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{unknown}"
    );
}

/// On a generated market, each answer equals the same question worked out from the CSV rows.
#[tokio::test]
async fn on_a_generated_market_the_answers_are_the_rows_own() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("csv");
    phonegraph::generate::generate(3_000, 7, &csv).unwrap();
    let empty = dir.path().join("seed");
    std::fs::create_dir(&empty).unwrap();
    let loaded = load_with(
        &empty,
        &LoadOptions {
            csv_dirs: vec![csv.clone()],
            ..LoadOptions::default()
        },
    )
    .unwrap();
    let market = AppState::new(loaded.graph, loaded.data_version, DEFAULT_LIMITS);

    // The rows: what each vendor makes, who carries each product, and every entity's kind.
    let mut kind = BTreeMap::new();
    for row in std::fs::read_to_string(csv.join("nodes.csv"))
        .unwrap()
        .lines()
        .skip(1)
    {
        let cells: Vec<&str> = row.split(',').collect();
        kind.insert(cells[0].to_owned(), cells[1].to_owned());
    }
    let (mut makes, mut carried_by, mut around, mut operating) = (
        BTreeMap::<String, BTreeSet<String>>::new(),
        BTreeMap::<String, BTreeSet<String>>::new(),
        BTreeMap::<String, BTreeSet<String>>::new(),
        BTreeMap::<String, BTreeSet<String>>::new(),
    );
    for row in std::fs::read_to_string(csv.join("edges.csv"))
        .unwrap()
        .lines()
        .skip(1)
    {
        let cells: Vec<&str> = row.split(',').collect();
        let (from, to) = (cells[0].to_owned(), cells[1].to_owned());
        around.entry(from.clone()).or_default().insert(to.clone());
        around.entry(to.clone()).or_default().insert(from.clone());
        match cells[2] {
            "MAKES" => makes.entry(from).or_default().insert(to),
            "CARRIES" if kind[&from] == "Carrier" => carried_by.entry(to).or_default().insert(from),
            "OPERATES_IN" if kind[&from] == "Carrier" => {
                operating.entry(to).or_default().insert(from)
            }
            _ => false,
        };
    }
    let carriers_of = |vendor: &str| -> BTreeSet<String> {
        makes
            .get(vendor)
            .into_iter()
            .flatten()
            .flat_map(|p| carried_by.get(p).into_iter().flatten().cloned())
            .collect()
    };

    // 1. The distinct carriers of a vendor's products.
    let vendor = makes
        .keys()
        .max_by_key(|v| (carriers_of(v).len(), std::cmp::Reverse((*v).clone())))
        .unwrap()
        .clone();
    let expected = carriers_of(&vendor);
    assert!(expected.len() > 1);
    let answer = ask(
        market.clone(),
        &format!(
            r#"{{ pattern(start: {{ id: "{vendor}" }}, {CARRIERS_OF_PRODUCTS}) {{
                count entities(first: 100) {{ nodes {{ id }} }} }} }}"#
        ),
    )
    .await;
    assert_eq!(
        ids(&answer["data"]["pattern"]["entities"]["nodes"]),
        expected,
        "{answer}"
    );

    // 2. How many entities lie within two hops of a product, however many.
    let product = carried_by.keys().next().unwrap().clone();
    let mut within: BTreeSet<String> = BTreeSet::from([product.clone()]);
    for _ in 0..2 {
        let next: Vec<String> = within
            .iter()
            .flat_map(|e| around.get(e).into_iter().flatten().cloned())
            .collect();
        within.extend(next);
    }
    let answer = ask(
        market.clone(),
        &format!(r#"{{ neighbourhood(center: "{product}", hops: 2, limit: 5) {{ count }} }}"#),
    )
    .await;
    assert_eq!(
        answer["data"]["neighbourhood"]["count"],
        within.len() as u64,
        "{answer}"
    );

    // 3. The top ten vendors by products carried by carriers operating in a market, ties in
    // id order: in the market with the most such carriers.
    let market_id = operating
        .iter()
        .max_by_key(|(m, carriers)| (carriers.len(), std::cmp::Reverse((*m).clone())))
        .unwrap()
        .0
        .clone();
    let in_market = &operating[&market_id];
    let mut ranked: Vec<(String, usize)> = makes
        .iter()
        .map(|(v, products)| {
            let carried = products.iter().filter(|p| {
                carried_by
                    .get(*p)
                    .is_some_and(|c| !c.is_disjoint(in_market))
            });
            (v.clone(), carried.count())
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(10);
    assert!(ranked.len() > 1);
    let answer = ask(
        market,
        &format!(
            r#"{{ pattern(start: {{ id: "{market_id}" }}, steps: [
                {{ relationKinds: [OPERATES_IN], direction: INCOMING, reach: [CARRIER] }},
                {{ relationKinds: [CARRIES], reach: [PRODUCT] }},
                {{ relationKinds: [MAKES], direction: INCOMING, reach: [VENDOR] }}]) {{
                top(by: 3, counting: 2, first: 10) {{ entity {{ id }} count }} }} }}"#
        ),
    )
    .await;
    let top: Vec<(String, usize)> = answer["data"]["pattern"]["top"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|t| {
            (
                t["entity"]["id"].as_str().unwrap().to_owned(),
                t["count"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(top, ranked);
}
