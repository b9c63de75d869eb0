//! Depth, complexity and page-size limits, each with its code.

use serde_json::json;

use phonegraph::gql::{DEFAULT_LIMITS, Limits};

use crate::helpers::{app_with, ask, post, query_with};

const GQL: &str = "application/graphql-response+json";

#[tokio::test]
async fn a_query_too_deep_is_limit_exceeded() {
    let mut query = String::from("id");
    for _ in 0..6 {
        query = format!("relations(first: 1) {{ nodes {{ other {{ {query} }} }} }}");
    }
    let reply = post(
        json!({ "query": format!("{{ entity(id: \"xiaomi\") {{ {query} }} }}") }),
        Some(GQL),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "Query is nested too deep: its fields nest 20 deep, the limit is 16."
    );
}

#[tokio::test]
async fn a_list_costs_what_the_data_can_return() {
    // Every entity, each of its relations, each of their other ends' relations, and theirs:
    // more than the limit, even on the bundled data.
    let query = "{ entities(first: 100) { nodes { relations(first: 100) { nodes { other { \
                 relations(first: 100) { nodes { other { relations(first: 100) { totalCount } } } } \
                 } } } } } }";
    let reply = post(json!({ "query": query }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
    let message = reply.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.starts_with("Query is too complex: it costs at least ")
            && message.ends_with(", the limit is 20000."),
        "{message}"
    );
    // Two levels less fits: on this data, the pages are much shorter than 100.
    let fits =
        "{ entities(first: 100) { nodes { relations(first: 100) { nodes { other { id } } } } } }";
    let reply = post(json!({ "query": fits }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
}

#[tokio::test]
async fn a_parser_recursion_past_its_limit_is_limit_exceeded() {
    let query = format!(
        "{{ {}id{} }}",
        "entity(id: \"x\") { ".repeat(40),
        " }".repeat(40)
    );
    let reply = post(json!({ "query": query }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 400);
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
}

#[tokio::test]
async fn the_graphiql_introspection_query_is_within_limits() {
    let query = include_str!("../fixtures/introspection.graphql");
    let reply = post(json!({ "query": query }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert!(
        reply.json()["data"]["__schema"]["types"]
            .as_array()
            .unwrap()
            .len()
            > 30
    );
}

#[tokio::test]
async fn first_above_100_is_bad_user_input() {
    let body = query_with(
        "query($n: Int) { entity(id: \"xiaomi\") { relations(first: $n) { totalCount } } }",
        json!({ "n": 101 }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["message"],
        "first must be between 0 and 100, not 101"
    );
}

#[tokio::test]
async fn a_bad_date_is_a_validation_error_whether_written_or_sent() {
    let written =
        "{ entity(id: \"att\") { relations(filter: { asOf: \"2018-13\" }) { totalCount } } }";
    let sent = "query($d: Date) { entity(id: \"att\") { relations(filter: { asOf: $d }) { totalCount } } }";
    for (query, variables) in [(written, json!({})), (sent, json!({ "d": "2018-13" }))] {
        let body = query_with(query, variables).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
        assert_eq!(
            body["errors"][0]["message"],
            "Invalid value for argument \"filter.asOf\", expected type \"Date\""
        );
        assert!(body.get("data").is_none());
    }
}

#[tokio::test]
async fn an_error_in_a_list_item_is_placed_at_its_index() {
    let body = query_with(
        "{ entities(first: 3, where: { idIn: [\"amazon\", \"apple\", \"att\"] }) { nodes { id ... on Vendor { relations(first: 101) { totalCount } } } } }",
        json!({}),
    )
    .await;
    let ids: Vec<&str> = (0..3)
        .map(|i| body["data"]["entities"]["nodes"][i]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["amazon", "apple", "att"], "Apple is the only vendor");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["entities", "nodes", 1, "relations"])
    );
}

#[tokio::test]
async fn an_unknown_market_filter_is_not_found() {
    let body = query_with(
        "{ entity(id: \"att\") { relations(filter: { market: \"atlantis\" }) { totalCount } } }",
        json!({}),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(
        body["errors"][0]["message"],
        "no entity has the id `atlantis`"
    );
}

/// Analytics fields cost 2 each, whatever the work: fifteen betweenness rankings in one request
/// took seconds of CPU while asking for a few hundred points.
#[tokio::test]
async fn a_request_of_many_rankings_is_priced_by_their_work() {
    let rankings: String = (0..15)
        .map(|i| format!("r{i}: ranking(metric: BETWEENNESS, first: 1) {{ rank }} "))
        .collect();
    let reply = post(json!({ "query": format!("{{ {rankings} }}") }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 400, "{}", reply.text);
    assert_eq!(reply.codes(), ["LIMIT_EXCEEDED"]);
    // Each may do `--max-work` steps (50,000,000): 5,000 points before what it selects, so
    // the walk stops at the fourth.
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "Query is too complex: it costs at least 20004, the limit is 20000."
    );
    let three: String = (0..3)
        .map(|i| format!("r{i}: ranking(metric: DEGREE, first: 1) {{ rank }} "))
        .collect();
    let reply = post(json!({ "query": format!("{{ {three} }}") }), Some(GQL)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
}

#[tokio::test]
async fn analytics_past_the_work_budget_is_limit_exceeded() {
    let app = app_with(Limits {
        work: 50,
        ..DEFAULT_LIMITS
    });
    let reply = crate::helpers::ask(app, "{ ranking(metric: BETWEENNESS) { rank } }").await;
    assert_eq!(reply["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert_eq!(
        reply["errors"][0]["message"],
        "the computation needs more than its budget of 50 steps: narrow it with kinds or filters"
    );
}

/// A neighbourhood's `count` is the whole neighbourhood, past the drawing's `limit`, and draws
/// on the work allowance like an analytics computation.
#[tokio::test]
async fn a_neighbourhoods_count_is_not_cut_by_its_limit() {
    let app = crate::helpers::app();
    for hops in 1..=3 {
        let whole = ask(
            app.clone(),
            &format!("{{ neighbourhood(center: \"mate-10-pro\", hops: {hops}, limit: 500) {{ nodes {{ id }} truncated count }} }}"),
        )
        .await;
        let n = &whole["data"]["neighbourhood"];
        assert_eq!(n["truncated"], false);
        let listed = n["nodes"].as_array().unwrap().len() as u64;
        assert_eq!(n["count"], listed, "{hops} hops");
        let cut = ask(
            app.clone(),
            &format!("{{ neighbourhood(center: \"mate-10-pro\", hops: {hops}, limit: 3) {{ truncated count }} }}"),
        )
        .await;
        assert_eq!(cut["data"]["neighbourhood"]["truncated"], listed > 3);
        assert_eq!(cut["data"]["neighbourhood"]["count"], listed);
    }
    let small = app_with(Limits {
        work: 5,
        ..DEFAULT_LIMITS
    });
    let refused = ask(
        small,
        "{ neighbourhood(center: \"mate-10-pro\", hops: 2) { count } }",
    )
    .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
}

#[tokio::test]
async fn the_document_cache_keeps_only_valid_texts_and_stays_within_its_bytes() {
    let app = app_with(Limits {
        doc_cache_bytes: 64 << 10,
        ..DEFAULT_LIMITS
    });
    // Texts refused by the cost check or by validation are never kept.
    for i in 0..50 {
        let padding = " ".repeat(1000 + i);
        let costly = format!(
            "{{ entities(first: 100) {{ nodes {{ relations(first: 100) {{ nodes {{ other {{ \
             relations(first: 100) {{ nodes {{ other {{ relations {{ totalCount }} }} }} }} }} }} }} }} }} }}{padding}"
        );
        let refused = ask(app.clone(), &costly).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
        let invalid = ask(app.clone(), &format!("{{ nope }}{padding}")).await;
        assert_eq!(
            invalid["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
    assert_eq!(app.document_cache_bytes(), 0);
    // Valid texts are kept until the bytes run out; then the cache starts over.
    let mut most = 0;
    for i in 0..200 {
        let padding = " ".repeat(1000 + i);
        let answered = ask(app.clone(), &format!("{{ stats {{ entities }} }}{padding}")).await;
        assert!(answered.get("errors").is_none(), "{answered}");
        most = most.max(app.document_cache_bytes());
        assert!(app.document_cache_bytes() <= 64 << 10);
    }
    assert!(most > 32 << 10, "{most}");
}
