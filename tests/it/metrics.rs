//! `GET /metrics`: what one server counts of the requests it answers, the refusals it makes
//! and the data it serves.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use phonegraph::http::{HttpConfig, router};
use serde_json::json;
use tower::ServiceExt;

use crate::helpers::{app, graphql_request};

/// Sends a request through `router` and returns the status.
async fn send(router: &Router, request: Request<Body>) -> StatusCode {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    response.into_body().collect().await.unwrap();
    status
}

/// The metrics `router`'s server has counted, as text.
async fn metrics(router: &Router) -> String {
    let response = router
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The value of the sample named `sample` (its name and labels, as written).
fn value(text: &str, sample: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(sample)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn requests_are_counted_by_outcome_operation_and_refusal() {
    let config = HttpConfig {
        max_body_bytes: 512,
        ..HttpConfig::default()
    };
    let router = router(app(), &config);
    let ok = json!({ "query": "query Vendors { entity(id: \"xiaomi\") { name } }" });
    for _ in 0..3 {
        assert_eq!(send(&router, graphql_request(&ok)).await, StatusCode::OK);
    }
    let field_error =
        json!({ "query": "{ entity(id: \"xiaomi\") { relations(first: 500) { totalCount } } }" });
    send(&router, graphql_request(&field_error)).await;
    let expensive = json!({ "query":
        "{ entities(first: 100) { nodes { relations(first: 100) { nodes { other { relations(first: 100) \
         { nodes { other { relations(first: 100) { totalCount } } } } } } } } } }"
    });
    send(&router, graphql_request(&expensive)).await;
    send(&router, graphql_request(&json!({ "query": "{ nope }" }))).await;
    let oversized = json!({ "query": format!("{{ dataVersion }} #{}", "x".repeat(600)) });
    assert_eq!(
        send(&router, graphql_request(&oversized)).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let text = metrics(&router).await;
    let count =
        |sample: &str| value(&text, sample).unwrap_or_else(|| panic!("no `{sample}` in\n{text}"));
    // Four requests ran: three cost 2 (`entity`, `name`), one 2 + a `totalCount` for each
    // relation of Xiaomi's the page could hold, before `first` was found out of range.
    let data = app().versions().current();
    let graph = &data.graph;
    let xiaomi = graph.rows(graph.lookup("xiaomi").unwrap()).total() as f64;
    for (sample, expected) in [
        (r#"phonegraph_graphql_requests_total{outcome="Ok"}"#, 3.0),
        (
            r#"phonegraph_graphql_requests_total{outcome="FieldErrors"}"#,
            1.0,
        ),
        (
            r#"phonegraph_graphql_requests_total{outcome="Rejected"}"#,
            2.0,
        ),
        (
            r#"phonegraph_graphql_requests_total{outcome="Refused"}"#,
            1.0,
        ),
        (
            r#"phonegraph_graphql_operations_total{operation="Vendors"}"#,
            3.0,
        ),
        (
            r#"phonegraph_graphql_operations_total{operation="anonymous"}"#,
            1.0,
        ),
        (r#"phonegraph_refusals_total{reason="Limit"}"#, 1.0),
        (r#"phonegraph_refusals_total{reason="Size"}"#, 1.0),
        ("phonegraph_graphql_request_duration_seconds_count", 7.0),
        ("phonegraph_graphql_request_cost_count", 4.0),
        ("phonegraph_graphql_request_cost_sum", 8.0 + xiaomi),
        ("phonegraph_requests_in_flight", 0.0),
    ] {
        assert_eq!(count(sample), expected, "{sample}");
    }
    let health = app().health();
    assert_eq!(count("phonegraph_entities"), health.entities as f64);
    assert_eq!(count("phonegraph_relations"), health.relations as f64);
    assert!(
        text.contains(&format!(
            r#"phonegraph_data_info{{version="{}",loaded_at="{}"}} 1"#,
            health.data_version, health.loaded_at
        )),
        "{text}"
    );
}

#[tokio::test]
async fn operation_names_past_fifty_are_counted_as_other() {
    let router = router(app(), &HttpConfig::default());
    for i in 0..55 {
        let body = json!({ "query": format!("query Q{i} {{ dataVersion }}") });
        assert_eq!(send(&router, graphql_request(&body)).await, StatusCode::OK);
    }
    let text = metrics(&router).await;
    let names = text
        .lines()
        .filter(|l| l.starts_with("phonegraph_graphql_operations_total{"))
        .count();
    assert_eq!(names, 51, "{text}");
    assert_eq!(
        value(
            &text,
            r#"phonegraph_graphql_operations_total{operation="other"}"#
        ),
        Some(5.0)
    );
}

#[tokio::test]
async fn open_connections_are_counted() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        phonegraph::http::serve(listener, app(), &HttpConfig::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    let idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut asking = tokio::net::TcpStream::connect(addr).await.unwrap();
    asking
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    asking.read_to_string(&mut text).await.unwrap();
    assert_eq!(
        value(&text, "phonegraph_connections_open"),
        Some(2.0),
        "{text}"
    );
    drop(idle);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_time_the_data_took_to_load_is_shown() {
    let app = crate::helpers::app_with(phonegraph::gql::DEFAULT_LIMITS);
    app.set_load_time(std::time::Duration::from_millis(1500));
    let text = metrics(&router(app, &HttpConfig::default())).await;
    assert_eq!(
        value(&text, "phonegraph_data_load_seconds"),
        Some(1.5),
        "{text}"
    );
}
