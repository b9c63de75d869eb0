//! A query's price is what it can return: every ordinary question fits under the default
//! limits, on the bundled data and on a generated 100,000-entity market, and each price is
//! at least what the question really returns.

use std::sync::OnceLock;

use serde_json::Value;

use phonegraph::gql::{AppState, DEFAULT_LIMITS, Limits};
use phonegraph::seed::{LoadOptions, load_with};

use crate::helpers::{app, path};

/// A generated market of `entities` entities, served under `limits`.
pub fn generated(entities: usize, limits: Limits) -> AppState {
    let dir = tempfile::tempdir().unwrap();
    phonegraph::generate::generate(entities, 1, dir.path()).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let options = LoadOptions {
        csv_dirs: vec![dir.path().to_owned()],
        ..LoadOptions::default()
    };
    let loaded = load_with(empty.path(), &options).expect("the generated market loads");
    AppState::new(loaded.graph, loaded.data_version, limits)
}

/// A generated market of 100,000 entities, loaded once.
pub fn market() -> AppState {
    static APP: OnceLock<AppState> = OnceLock::new();
    APP.get_or_init(|| generated(100_000, DEFAULT_LIMITS))
        .clone()
}

/// Every ordinary question: the analysts' under `tests/questions/`, those of
/// `bench/questions.tsv` and GraphiQL's introspection query, as `(name, query, variables)`.
fn questions() -> Vec<(String, String, Value)> {
    let dir = path("tests/questions");
    let mut out: Vec<(String, String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "graphql"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap(), Value::Null)
        })
        .collect();
    for line in std::fs::read_to_string(path("bench/questions.tsv"))
        .unwrap()
        .lines()
    {
        // A name, our body, and Apollo's own body for some questions.
        let mut columns = line.split('\t');
        let (name, body) = (columns.next().unwrap(), columns.next().unwrap());
        let body: Value = serde_json::from_str(body).unwrap();
        let query = body["query"].as_str().unwrap().to_owned();
        out.push((format!("load: {name}"), query, body["variables"].clone()));
    }
    let introspection = std::fs::read_to_string(path("tests/fixtures/introspection.graphql"));
    out.push((
        "GraphiQL's introspection".into(),
        introspection.unwrap(),
        Value::Null,
    ));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The price of each question on `app`, or why it was refused.
fn prices(app: &AppState) -> Vec<(String, Result<u64, String>)> {
    questions()
        .into_iter()
        .map(|(name, query, variables)| {
            let variables = async_graphql::Variables::from_json(variables);
            let price = app
                .prepare(&query, &variables, None)
                .map(|p| p.cost())
                .map_err(|r| r.error.message.clone());
            (name, price)
        })
        .collect()
}

/// Questions whose answer on the 100k market really is larger than the limit: the first
/// twenty vendors' whole catalogues (`vendor-0` alone makes thousands of products).
const LARGER_THAN_THE_LIMIT_ON_100K: &[&str] = &["vendors-with-products-partners-and-markets"];

fn refused(prices: &[(String, Result<u64, String>)]) -> Vec<String> {
    prices
        .iter()
        .filter(|(name, _)| name != "a-bad-date-fails-the-whole-request")
        .filter_map(|(name, price)| price.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect()
}

/// The soak's questions (`bench/soak.tsv`): name, the range of `{n}`, and the body.
fn soak_questions() -> Vec<(String, u64, u64, Value)> {
    std::fs::read_to_string(path("bench/soak.tsv"))
        .unwrap()
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.splitn(4, '\t').collect();
            let body = serde_json::from_str(fields[3]).unwrap();
            (
                fields[0].to_owned(),
                fields[1].parse().unwrap(),
                fields[2].parse().unwrap(),
                body,
            )
        })
        .collect()
}

/// Every question of the soak, with `{n}` across its range, fits on the 100k market.
#[test]
fn every_soak_question_fits_on_a_100k_market() {
    let app = market();
    let questions = soak_questions();
    assert!(questions.len() >= 8);
    for (name, lo, hi, body) in questions {
        let step = ((hi - lo) / 400).max(1);
        for n in (lo..=hi).step_by(step as usize).chain([hi]) {
            let text = body.to_string().replace("{n}", &n.to_string());
            let body: Value = serde_json::from_str(&text).unwrap();
            let variables = async_graphql::Variables::from_json(body["variables"].clone());
            let query = body["query"].as_str().unwrap();
            let price = app.prepare(query, &variables, None).map(|p| p.cost());
            assert!(
                price.is_ok(),
                "{name} with {n}: {:?}",
                price.map_err(|r| r.error.message)
            );
        }
    }
}

/// Runs each question `keep` selects that `app` admits, and checks its price is at least the
/// items its answer holds.
async fn prices_bound_answers(app: &AppState, keep: impl Fn(&str) -> bool) {
    let mut counted = 0;
    for (name, query, variables) in questions().into_iter().filter(|(n, _, _)| keep(n)) {
        let variables = async_graphql::Variables::from_json(variables);
        let Ok(parsed) = app.prepare(&query, &variables, None) else {
            continue;
        };
        let budget = app.budget(None);
        let request = async_graphql::Request::new(query).variables(variables);
        let executed = app.execute(&parsed, request, &budget).await;
        assert_eq!(executed.stopped, None, "{name}");
        let items = budget.items_used();
        assert!(
            items <= parsed.cost(),
            "{name}: {items} items, priced {}",
            parsed.cost()
        );
        counted += items;
    }
    assert!(counted > 0, "the answers hold items");
}

#[tokio::test]
async fn each_price_is_at_least_what_the_answer_holds() {
    prices_bound_answers(&app(), |_| true).await;
    prices_bound_answers(&market(), |name| name.starts_with("load: ")).await;
}

#[test]
fn every_ordinary_question_fits_on_the_bundled_data() {
    let prices = prices(&app());
    for (name, price) in &prices {
        eprintln!("{price:>8?}  {name}");
    }
    assert_eq!(refused(&prices), Vec::<String>::new());
    assert!(prices.len() > 30);
}

#[test]
fn every_ordinary_question_fits_on_a_100k_market() {
    let mut prices = prices(&market());
    for (name, price) in &prices {
        eprintln!("{price:>8?}  {name}");
    }
    for name in LARGER_THAN_THE_LIMIT_ON_100K {
        let at = prices.iter().position(|(n, _)| n == name).unwrap();
        let (_, price) = prices.remove(at);
        assert!(price.is_err(), "{name}");
    }
    assert_eq!(refused(&prices), Vec::<String>::new());
}

/// A generated market of 3,000 entities, where the first vendor makes many products.
pub fn small_market() -> AppState {
    static APP: OnceLock<AppState> = OnceLock::new();
    APP.get_or_init(|| generated(3_000, DEFAULT_LIMITS)).clone()
}

fn price(app: &AppState, query: &str) -> Result<u64, String> {
    app.prepare(query, &async_graphql::Variables::default(), None)
        .map(|p| p.cost())
        .map_err(|r| r.error.message.clone())
}

/// Finding: a relation list without `first` was priced as 10 items, whatever the data held.
#[test]
fn a_relation_list_is_priced_by_the_named_entitys_row_or_the_longest() {
    let app = small_market();
    let data = app.versions().current();
    let graph = &data.graph;
    let makes = |id: &str| {
        let rows = graph.rows(graph.lookup(id).unwrap());
        rows.of(
            &[phonegraph::model::RelationKind::Makes],
            phonegraph::graph::Direction::Outgoing,
        )
    };
    let giant = makes("vendor-0");
    assert!(giant > 100, "the first vendor makes {giant} products");
    // Named: `entity`, `products`, and an `id` for each of its products.
    let named = r#"{ entity(id: "vendor-0") { ... on Vendor { products { id } } } }"#;
    assert_eq!(price(&app, named), Ok(2 + giant));
    let small = r#"{ entity(id: "vendor-60") { ... on Vendor { products { id } } } }"#;
    assert_eq!(price(&app, small), Ok(2 + makes("vendor-60").max(1)));
    // Not named: every vendor of the page may be the giant.
    let any =
        "{ entities(kind: VENDOR, first: 10) { nodes { ... on Vendor { products { id } } } } }";
    assert_eq!(price(&app, any), Ok(1 + 10 * (1 + 1 + giant)));
    let message = price(&app, &any.replace("first: 10", "first: 100")).unwrap_err();
    assert!(message.starts_with("Query is too complex"), "{message}");
}

/// Finding: introspection cost 1 whatever it selected; 7,400 aliased `__schema` selections
/// made a 546 MB answer.
#[test]
fn introspection_is_priced_by_what_it_selects() {
    let app = app();
    let one = price(&app, "{ __schema { types { name } } }").unwrap();
    let types = 1 + app.schema.sdl().matches("\ntype ").count() as u64;
    assert!(one > types, "{one}");
    let many: String = (0..400)
        .map(|i| format!("s{i}: __schema {{ types {{ name }} }} "))
        .collect();
    let message = price(&app, &format!("{{ {many} }}")).unwrap_err();
    assert!(message.starts_with("Query is too complex"), "{message}");
    // `__typename` stays 1.
    assert_eq!(price(&app, "{ __typename }"), Ok(1));
}
