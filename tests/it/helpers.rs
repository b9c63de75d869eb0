//! Shared helpers: the curated data loaded once, and requests sent through the real router.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt;
use phonegraph::gql::{AppState, DEFAULT_LIMITS, Engine};
use phonegraph::http::{HttpConfig, router};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The package root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path below the package root.
pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// The app over the bundled `seed-data/`, loaded once for all tests.
pub fn app() -> AppState {
    static APP: OnceLock<AppState> = OnceLock::new();
    APP.get_or_init(|| {
        let loaded =
            phonegraph::seed::load(&path("seed-data")).expect("the bundled seed data loads");
        AppState::new(loaded.graph, loaded.data_version, DEFAULT_LIMITS)
    })
    .clone()
}

/// A new app over the bundled `seed-data/`, with limits of its own.
pub fn app_with(limits: phonegraph::gql::Limits) -> AppState {
    let loaded = phonegraph::seed::load(&path("seed-data")).expect("the bundled seed data loads");
    AppState::new(loaded.graph, loaded.data_version, limits)
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The answer as analysts read it, `data` and `errors` (see [`answer`]).
    pub fn answer(&self) -> Value {
        answer(self.json())
    }

    /// The `extensions.code` of each error.
    pub fn codes(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Sends a request through the router built with `config`.
pub async fn send_with(config: &HttpConfig, request: Request<Body>) -> Reply {
    send_to(app(), config, request).await
}

/// Sends a request through the router over another app. A request with its whole body at
/// hand goes to the app under both engines, which must answer with the same status, type and
/// body, byte for byte; one with a streamed body goes to the app as it is.
pub async fn send_to(app: AppState, config: &HttpConfig, request: Request<Body>) -> Reply {
    if request.body().size_hint().exact().is_none() {
        return send_once(app, config, request).await;
    }
    let (parts, body) = request.into_parts();
    let body = body.collect().await.expect("a body").to_bytes();
    let other = match app.engine() {
        Engine::Fast => Engine::Stock,
        Engine::Stock => Engine::Fast,
    };
    let twin = app.clone().with_engine(other);
    let again = Request::from_parts(parts.clone(), Body::from(body.clone()));
    let reply = send_once(app, config, Request::from_parts(parts, Body::from(body))).await;
    let twin_reply = send_once(twin, config, again).await;
    assert_eq!(
        (reply.status, reply.content_type(), &reply.text),
        (
            twin_reply.status,
            twin_reply.content_type(),
            &twin_reply.text
        ),
        "the two engines answer differently"
    );
    reply
}

/// Sends a request through the router over an app, once.
async fn send_once(app: AppState, config: &HttpConfig, request: Request<Body>) -> Reply {
    let response = router(app, config)
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8(bytes.to_vec()).expect("a UTF-8 body"),
    }
}

/// Sends a request through the router with the default configuration.
pub async fn send(request: Request<Body>) -> Reply {
    send_with(&HttpConfig::default(), request).await
}

/// A GraphQL POST request with a JSON body.
pub fn graphql_request(body: &Value) -> Request<Body> {
    Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Runs a query on another app and returns its answer (see [`answer`]).
pub async fn ask(app: AppState, query: &str) -> Value {
    let request = graphql_request(&json!({ "query": query }));
    send_to(app, &HttpConfig::default(), request).await.answer()
}

/// A response body's `data` and `errors`, what an answer is compared by, once its other
/// member is checked: a response that ran (it has `data`) names the version of the data it was
/// answered from in `extensions.dataVersion`, and nothing else is in `extensions`.
pub fn answer(mut body: Value) -> Value {
    let Some(object) = body.as_object_mut() else {
        return body;
    };
    let extensions = object.remove("extensions");
    if object.contains_key("data") {
        let version = extensions
            .as_ref()
            .and_then(|e| e.as_object())
            .filter(|e| e.len() == 1)
            .and_then(|e| e.get("dataVersion"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no dataVersion alone in extensions: {extensions:?}"));
        assert!(
            version.len() == 16 && version.bytes().all(|b| b.is_ascii_hexdigit()),
            "{version}"
        );
    } else {
        assert_eq!(extensions, None, "extensions in a request error");
    }
    body
}

/// POSTs a GraphQL request as JSON with the given `Accept`.
pub async fn post(body: Value, accept: Option<&str>) -> Reply {
    let mut request = graphql_request(&body);
    if let Some(accept) = accept {
        request
            .headers_mut()
            .insert("accept", accept.parse().expect("a valid Accept value"));
    }
    send(request).await
}

/// Runs a query with variables and returns the whole response body, asserting a 200.
pub async fn query_with(query: &str, variables: Value) -> Value {
    let reply = post(json!({ "query": query, "variables": variables }), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}
