//! HTTP: the axum router (GraphQL over HTTP, GraphiQL, health), the server loop and graceful
//! shutdown.
//!
//! Invariant: this module knows GraphQL only through [`crate::gql`]'s schema and error codes;
//! it never touches the graph. Invariant: no response body carries Rust debug text.

mod graphql;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::gql::AppState;

/// The largest request body accepted unless configured otherwise: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// How the HTTP layer behaves.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS; empty for none, `*` for any.
    pub cors_origins: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: DEFAULT_MAX_BODY,
            cors_origins: Vec::new(),
        }
    }
}

/// The shared state of every handler.
#[derive(Clone)]
pub(crate) struct HttpState {
    pub(crate) app: AppState,
    pub(crate) max_body_bytes: usize,
}

/// The application's routes: `/` (GraphiQL), `/graphql` (GET and POST), `/healthz`.
pub fn router(app: AppState, config: &HttpConfig) -> Router {
    let state = HttpState {
        app,
        max_body_bytes: config.max_body_bytes,
    };
    let mut router = Router::new()
        .route("/", get(graphiql))
        .route(
            "/graphql",
            get(graphql::handle)
                .post(graphql::handle)
                .fallback(method_not_allowed),
        )
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }))
        .layer(TraceLayer::new_for_http());
    if let Some(cors) = cors_layer(&config.cors_origins) {
        router = router.layer(cors);
    }
    router
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}

/// A JSON error body `{"errors":[{"message","extensions":{"code"}}]}` with a status.
pub(crate) fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn graphiql() -> Html<String> {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .title("phonegraph")
            .finish(),
    )
}

async fn healthz(axum::extract::State(state): axum::extract::State<HttpState>) -> Response {
    let health = state.app.health();
    let body = json!({
        "status": "ok",
        "dataVersion": health.data_version,
        "loadedAt": health.loaded_at,
        "entities": health.entities,
        "relations": health.relations,
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such route: GraphQL is at /graphql, GraphiQL at /, health at /healthz",
    )
}

async fn method_not_allowed() -> Response {
    let mut r = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "/graphql takes GET and POST",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    r
}
