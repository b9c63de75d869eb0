//! Sends one question of `bench/questions.tsv` through the router in-process a number of times,
//! for counting the instructions a request takes (which, unlike time, does not drift):
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/examples/instructions SEED CSV ENGINE NAME N
//! ```
//!
//! The question is asked ten times first (its text parsed, validated and cached, its data
//! warm); only the `N` requests after are counted: divide callgrind's total by `N`.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use phonegraph::gql::{AppState, DEFAULT_LIMITS, Engine};
use phonegraph::http::{HttpConfig, router};
use tower::ServiceExt;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [seed, csv, engine, name, count] = args.as_slice() else {
        eprintln!("usage: instructions SEED_DIR CSV_DIR stock|fast QUESTION COUNT");
        std::process::exit(2);
    };
    let engine: Engine = engine.parse().unwrap_or_else(|e: String| panic!("{e}"));
    let count: usize = count.parse().expect("COUNT is a number");
    let questions = std::fs::read_to_string("bench/questions.tsv").expect("run from the crate");
    let body = questions
        .lines()
        .find_map(|line| line.strip_prefix(name.as_str())?.strip_prefix('\t'))
        .and_then(|rest| rest.split('\t').next())
        .unwrap_or_else(|| panic!("no question `{name}` in bench/questions.tsv"))
        .to_owned();
    let options = phonegraph::seed::LoadOptions {
        csv_dirs: vec![PathBuf::from(csv)],
        ..Default::default()
    };
    let loaded = phonegraph::seed::load_with(seed.as_ref(), &options).expect("the data loads");
    let app = AppState::new(loaded.graph, loaded.data_version, DEFAULT_LIMITS).with_engine(engine);
    // Every request on this thread, where callgrind counts: none goes to the pool.
    let config = HttpConfig {
        pool_above_cost: u64::MAX,
        ..HttpConfig::default()
    };
    let router = router(app, &config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    ask(&runtime, &router, &body, 10);
    measured(&runtime, &router, &body, count);
}

/// The requests counted.
#[inline(never)]
fn measured(runtime: &tokio::runtime::Runtime, router: &axum::Router, body: &str, count: usize) {
    ask(runtime, router, body, count);
}

/// Sends `body` `count` times through the router.
fn ask(runtime: &tokio::runtime::Runtime, router: &axum::Router, body: &str, count: usize) {
    runtime.block_on(async {
        for _ in 0..count {
            let request = Request::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(body.to_owned()))
                .expect("a request");
            let response = router.clone().oneshot(request).await.expect("an answer");
            assert!(response.status().is_success(), "{}", response.status());
            response.into_body().collect().await.expect("a body");
        }
    });
}
