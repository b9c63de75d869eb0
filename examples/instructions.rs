//! Sends one question of `bench/questions.tsv` through the router in-process a number of times,
//! for counting the instructions a request takes (which, unlike time, does not drift):
//!
//! ```text
//! valgrind --tool=callgrind target/release/examples/instructions SEED CSV ENGINE NAME N
//! ```
//!
//! Run it with two counts and divide the difference in instructions by the difference in
//! counts: what is left is one request, without the loading.

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
        .unwrap_or_else(|| panic!("no question `{name}` in bench/questions.tsv"))
        .to_owned();
    let options = phonegraph::seed::LoadOptions {
        csv_dirs: vec![PathBuf::from(csv)],
        ..Default::default()
    };
    let loaded = phonegraph::seed::load_with(seed.as_ref(), &options).expect("the data loads");
    let app = AppState::new(loaded.graph, loaded.data_version, DEFAULT_LIMITS).with_engine(engine);
    let router = router(app, &HttpConfig::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        for _ in 0..count {
            let request = Request::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(body.clone()))
                .expect("a request");
            let response = router.clone().oneshot(request).await.expect("an answer");
            assert!(response.status().is_success(), "{}", response.status());
            response.into_body().collect().await.expect("a body");
        }
    });
}
