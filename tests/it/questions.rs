//! Analysts' questions as data: each `tests/questions/NAME.graphql` is sent through the router
//! and its answer compared with `NAME.json`. Set `PHONEGRAPH_BLESS=1` to write the answers
//! after a reviewed change.

use serde_json::{Value, json};

use phonegraph::gql::DEFAULT_LIMITS;
use phonegraph::http::HttpConfig;

use crate::helpers::{app_with, graphql_request, path, post, send_to};

#[tokio::test]
async fn each_question_gets_its_expected_answer() {
    let dir = path("tests/questions");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "graphql").then(|| p.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    assert!(names.len() >= 8, "the questions are missing: {names:?}");
    let bless = std::env::var_os("PHONEGRAPH_BLESS").is_some();
    let mut failures = Vec::new();
    for name in &names {
        let query = std::fs::read_to_string(dir.join(format!("{name}.graphql"))).unwrap();
        let reply = post(json!({ "query": query }), None).await;
        let actual = reply.answer();
        let expected_file = dir.join(format!("{name}.json"));
        if bless {
            std::fs::write(
                &expected_file,
                serde_json::to_string_pretty(&actual).unwrap() + "\n",
            )
            .unwrap();
        }
        let expected: Value = std::fs::read_to_string(&expected_file)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        if actual != expected {
            failures.push(format!(
                "{name}: expected\n{}\ngot\n{}",
                serde_json::to_string_pretty(&expected).unwrap(),
                serde_json::to_string_pretty(&actual).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// async-graphql puts concurrent root fields in the answer as they finish: a ranking computed
/// for the first time, on a blocking thread, finished after the path asked after it.
#[tokio::test]
async fn the_answer_keeps_the_order_of_the_question_while_rankings_are_computed() {
    let fresh = app_with(DEFAULT_LIMITS);
    let query = r#"{ top: ranking(metric: BETWEENNESS, first: 1) { rank }
                     path: paths(from: "huawei", to: "verizon", limit: 1) { length } }"#;
    let reply = send_to(
        fresh,
        &HttpConfig::default(),
        graphql_request(&json!({ "query": query })),
    )
    .await;
    assert!(
        reply
            .text
            .starts_with(r#"{"data":{"top":[{"rank":1}],"path":["#),
        "{}",
        reply.text
    );
}
