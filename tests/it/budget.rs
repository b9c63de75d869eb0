//! Every request runs under one budget: a deadline, the items its answer may hold, the
//! analytics work of all its computations, and its client's presence; and costly requests run
//! on a pool of their own, away from the threads that answer `/healthz`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;

use phonegraph::gql::{AppState, Budget, DEFAULT_LIMITS, Limits};
use phonegraph::http::{HttpConfig, router, serve};

use crate::helpers::{app, app_with, graphql_request, send_to};
use crate::pricing::generated;

const GQL: &str = "application/graphql-response+json";

/// A request to `/graphql` accepting `accept`.
fn request(query: &str, accept: &str) -> axum::http::Request<axum::body::Body> {
    let mut request = graphql_request(&json!({ "query": query }));
    request
        .headers_mut()
        .insert("accept", accept.parse().unwrap());
    request
}

/// A generated market of 20,000 entities, whose betweenness ranking takes millions of steps.
fn mid_market() -> AppState {
    static APP: std::sync::OnceLock<AppState> = std::sync::OnceLock::new();
    APP.get_or_init(|| generated(20_000, DEFAULT_LIMITS))
        .clone()
}

/// The ranking no test lets finish: millions of steps, far more than fit in 10 ms.
const SLOW: &str = "{ ranking(metric: BETWEENNESS, first: 1) { rank } }";

/// Finding: nothing stopped a running request. It now stops at its deadline, without data.
#[tokio::test]
async fn a_request_past_its_deadline_is_a_timeout_without_data() {
    let config = HttpConfig {
        request_timeout: Duration::from_millis(10),
        ..HttpConfig::default()
    };
    let app = mid_market();
    let reply = send_to(app.clone(), &config, request(SLOW, GQL)).await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(reply.codes(), ["TIMEOUT"]);
    assert_eq!(reply.json().get("data"), None);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "the request took longer than its time limit"
    );
    let reply = send_to(app, &config, request(SLOW, "application/json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.codes(), ["TIMEOUT"]);
}

#[tokio::test]
async fn an_answer_over_the_response_size_is_refused_whole() {
    let config = HttpConfig {
        max_response_bytes: 500,
        ..HttpConfig::default()
    };
    let query = "{ entities(first: 100) { nodes { id name } } }";
    let reply = send_to(app(), &config, request(query, GQL)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.codes(), ["RESPONSE_TOO_LARGE"]);
    assert_eq!(reply.json().get("data"), None);
    assert!(reply.text.len() < 300, "{}", reply.text);
    let reply = send_to(app(), &config, request(query, "application/json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.codes(), ["RESPONSE_TOO_LARGE"]);
    // A small answer passes.
    let reply = send_to(app(), &config, request("{ dataVersion }", GQL)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

/// Execution counts the items it resolves: where the price let through more than the budget
/// allows (here a budget smaller than the price), the request stops with `LIMIT_EXCEEDED`.
#[tokio::test]
async fn execution_stops_at_the_items_it_may_return() {
    let app = app();
    let query = "{ entities(first: 100) { nodes { id relations(first: 100) { nodes { id } } } } }";
    let vars = async_graphql::Variables::default();
    let parsed = app.prepare(query, &vars, None).unwrap();
    let budget = Arc::new(Budget::new(None, 40, DEFAULT_LIMITS.work));
    let executed = app
        .execute(&parsed, async_graphql::Request::new(query), &budget)
        .await;
    let response = serde_json::to_value(&executed.response).unwrap();
    assert_eq!(
        response,
        json!({ "data": null, "errors": [{
            "message": "the answer holds more than 20000 items: ask for less, or page through it",
            "extensions": { "code": "LIMIT_EXCEEDED" },
        }]})
    );
    // The same request with its full budget runs.
    let budget = app.budget(None);
    let executed = app
        .execute(&parsed, async_graphql::Request::new(query), &budget)
        .await;
    assert!(executed.response.errors.is_empty());
    assert!(budget.items_used() > 40);
}

/// Finding: `--max-work` bounded one computation, not a request. Two rankings of the same
/// size share one request's work: each fits alone, both together do not.
#[tokio::test]
async fn the_analytics_of_one_request_share_one_work_budget() {
    let data = app().versions().current();
    let graph = &data.graph;
    let sub = |kinds: Vec<phonegraph::model::EntityKind>| phonegraph::graph::Subgraph {
        kinds,
        ..Default::default()
    };
    let measured = Budget::unlimited(u64::MAX);
    use phonegraph::model::EntityKind::{Carrier, Vendor};
    graph
        .degree_ranking(&sub(vec![Vendor, Carrier]), &measured)
        .unwrap();
    let one = measured.work_used();
    let limits = Limits {
        work: one + one / 2,
        ..DEFAULT_LIMITS
    };
    let a = "a: ranking(metric: DEGREE, entityKinds: [VENDOR, CARRIER]) { rank }";
    let b = "b: ranking(metric: DEGREE, entityKinds: [CARRIER, VENDOR]) { rank }";
    // Each on an app of its own: a computed ranking is kept, and costs nothing the next time.
    let run = |query: String| async move {
        let app = app_with(limits);
        let vars = async_graphql::Variables::default();
        let parsed = app.prepare(&query, &vars, None).unwrap();
        let request = async_graphql::Request::new(query);
        let executed = app.execute(&parsed, request, &app.budget(None)).await;
        serde_json::to_value(&executed.response).unwrap()
    };
    for alone in [a, b] {
        let reply = run(format!("{{ {alone} }}")).await;
        assert!(reply["errors"].is_null(), "{reply}");
    }
    let both = run(format!("{{ {a} {b} }}")).await;
    assert_eq!(
        both["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{both}"
    );
    // The two fields run side by side: whichever asks second is refused, and only it.
    let refused = both["errors"][0]["path"].clone();
    assert!(refused == json!(["a"]) || refused == json!(["b"]), "{both}");
    assert_eq!(both["errors"].as_array().map(Vec::len), Some(1), "{both}");
}

/// A server with its own data and configuration, on a real port.
async fn server(app: AppState, config: HttpConfig) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve(listener, app, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    (format!("http://{addr}"), stop)
}

/// The value of a sample of `/metrics` (the server has no keys).
async fn sample(client: &reqwest::Client, base: &str, name: &str) -> f64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Finding: two heavy requests occupied both runtime threads, and a client that went away left
/// its work running. Costly requests run on a pool: with every slot of it busy, `/healthz`
/// still answers at once; when their clients go, their work stops and the slots free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costly_requests_run_on_a_pool_and_stop_when_their_client_goes() {
    // Work enough for minutes: only its client's going away stops a request early.
    let app = generated(
        20_000,
        Limits {
            work: 1 << 40,
            complexity: 1 << 40,
            ..DEFAULT_LIMITS
        },
    );
    let config = HttpConfig {
        pool_threads: 2,
        request_timeout: Duration::from_secs(600),
        ..HttpConfig::default()
    };
    let (base, stop) = server(app, config).await;
    let client = reqwest::Client::new();
    // Two requests of twenty betweenness rankings each (a billion steps), each request on a
    // slot of the pool, their clients waiting.
    let heavy = |n: usize| {
        let rankings: String = (10..30)
            .map(|i| {
                format!(
                    "r{i}: ranking(metric: BETWEENNESS, filter: {{ minConfidence: 0.{n}{i} }}) {{ rank }} "
                )
            })
            .collect();
        json!({ "query": format!("{{ {rankings} }}") }).to_string()
    };
    let mut waiting = Vec::new();
    for n in 1..=2 {
        use tokio::io::AsyncWriteExt;
        let body = heavy(n);
        let address = base.trim_start_matches("http://");
        let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(body.as_bytes()).await.unwrap();
        waiting.push(socket);
    }
    let busy = "phonegraph_pool_busy";
    while sample(&client, &base, busy).await < 2.0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked = Instant::now();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    let took = asked.elapsed();
    assert_eq!(health.status(), 200);
    assert!(took < Duration::from_millis(50), "/healthz took {took:?}");
    // Both clients go away: their work stops at its next step, long before it would end.
    drop(waiting);
    let gone = Instant::now();
    while sample(&client, &base, busy).await > 0.0 {
        assert!(
            gone.elapsed() < Duration::from_secs(2),
            "the work of clients that went away still runs"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
}

#[tokio::test]
async fn the_router_counts_timeouts_as_refusals() {
    let config = HttpConfig {
        request_timeout: Duration::from_millis(10),
        ..HttpConfig::default()
    };
    let router = router(mid_market(), &config);
    let slow = graphql_request(&json!({ "query": SLOW }));
    let response = tower::ServiceExt::oneshot(router.clone(), slow)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let metrics = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::get("/metrics")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let bytes = http_body_util::BodyExt::collect(metrics.into_body())
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        text.contains("phonegraph_refusals_total{reason=\"Timeout\"} 1"),
        "{text}"
    );
}

/// With `--rate-limit`, a client pays each query's price before it runs and gets back what its
/// answer did not use: a second ranking fits right after the first (its price came back), one
/// asked while another runs does not, and it is told when to come back.
#[tokio::test]
async fn a_client_pays_the_price_and_is_refunded_what_it_did_not_use() {
    // A ranking costs 1,800 points of work and 11 more; a client may spend 2,000 points a
    // second. A degree ranking uses few of its points; a betweenness ranking of 20,000
    // entities takes seconds.
    let limits = Limits {
        complexity: 2_000,
        work: 18_000_000,
        ..DEFAULT_LIMITS
    };
    let config = HttpConfig {
        rate_limit: std::num::NonZeroU32::new(100),
        max_client_cost: 2_000,
        ..HttpConfig::default()
    };
    let router = router(generated(20_000, limits), &config);
    let ranking = |metric: &str, kinds: &str| {
        graphql_request(&json!({
            "query": format!("{{ ranking(metric: {metric}, entityKinds: [{kinds}]) {{ rank }} }}")
        }))
    };
    for kinds in ["VENDOR", "CARRIER"] {
        let response = tower::ServiceExt::oneshot(router.clone(), ranking("DEGREE", kinds))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{kinds}");
    }
    let slow = tokio::spawn(tower::ServiceExt::oneshot(
        router.clone(),
        ranking("BETWEENNESS", "VENDOR, PRODUCT"),
    ));
    // Give it time to be charged and start.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = tower::ServiceExt::oneshot(router.clone(), ranking("DEGREE", "MARKET"))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["retry-after"], "1");
    slow.abort();
}
