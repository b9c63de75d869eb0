//! HTTP: the axum router (GraphQL over HTTP and WebSocket, the explorer page, health and
//! readiness), the server loop
//! with its connection limits and timeouts, and graceful shutdown.
//!
//! Invariant: this module knows GraphQL only through [`crate::gql`]'s schema and error codes;
//! it never touches the graph. Invariant: no response body carries Rust debug text.

mod caching;
mod download;
mod graphql;
mod keys;
mod limit;

pub use limit::TrustedProxies;
mod metrics;
mod server;
mod web;
mod ws;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::gql::AppState;

pub use keys::{Client, Keys, KeysError, Role, add_key};
pub use server::{listen, serve};

/// The largest request body accepted unless configured otherwise: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// How the HTTP layer behaves: what it accepts, and how long it waits.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS; empty for none, `*` for any.
    pub cors_origins: Vec<String>,
    /// How long a client has to send a request's line and headers.
    pub header_timeout: Duration,
    /// How long a connection may stay open without a byte read or written.
    pub keep_alive_timeout: Duration,
    /// How long a request body may take before it must keep up [`HttpConfig::min_body_rate`].
    pub body_grace: Duration,
    /// The slowest a request body may arrive after the grace period, in bytes a second on
    /// average since the body began.
    pub min_body_rate: u64,
    /// The most open connections; past it, connections are answered 503.
    pub max_connections: usize,
    /// The most GraphQL requests served at once; past it, requests are answered 503.
    pub max_in_flight: usize,
    /// How long requests under way may take to finish once shutdown begins.
    pub shutdown_grace: Duration,
    /// Whether each GraphQL request is logged, one line each (target `phonegraph::access`).
    pub access_log: bool,
    /// The API keys a request to `/graphql` or `/metrics` must carry; `None` lets everyone in.
    pub keys: Option<Arc<Keys>>,
    /// Whether `/metrics` may be read without an admin key.
    pub metrics_open: bool,
    /// Production: introspection and the console for admins only.
    pub production: bool,
    /// Requests a second each client may send to `/graphql` (a second's worth at once);
    /// `None` limits no client.
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// With `rate_limit`, the most requests one client may have answered at once.
    pub max_client_in_flight: usize,
    /// With `rate_limit`, the cost points a second each client may spend (a second's worth at
    /// once, and never less than the most a query may cost); what a request was charged beyond
    /// what it returned is given back. Admins are not limited.
    pub max_client_cost: u64,
    /// Proxies whose `X-Forwarded-For` names the client; from anyone else it is ignored.
    pub trusted_proxies: TrustedProxies,
    /// How long a GraphQL request may take, from its arrival to its answer.
    pub request_timeout: Duration,
    /// The largest answer sent, in bytes.
    pub max_response_bytes: usize,
    /// Requests costing more than this run on the pool of [`HttpConfig::pool_threads`]
    /// threads, never on the threads that serve connections.
    pub pool_above_cost: u64,
    /// How many costly requests run at once; the others wait their turn (within their
    /// timeout).
    pub pool_threads: usize,
    /// The most WebSocket connections open at once; past it, upgrades are answered 503.
    pub max_ws_connections: usize,
    /// The most operations one WebSocket connection may have running.
    pub max_subscriptions_per_connection: usize,
    /// How long a WebSocket client has to send `connection_init` (closed 4408 past it).
    pub ws_init_timeout: Duration,
    /// The bytes of query texts kept for automatic persisted queries.
    pub persisted_query_bytes: usize,
}

/// The address of the client a request came from, as the server accepted its connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer(pub(crate) std::net::SocketAddr);

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: DEFAULT_MAX_BODY,
            cors_origins: Vec::new(),
            header_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(60),
            body_grace: Duration::from_secs(5),
            min_body_rate: 1024,
            max_connections: 1024,
            max_in_flight: 256,
            shutdown_grace: Duration::from_secs(10),
            access_log: false,
            keys: None,
            metrics_open: false,
            production: false,
            rate_limit: None,
            max_client_in_flight: 16,
            max_client_cost: 100_000,
            trusted_proxies: TrustedProxies::default(),
            request_timeout: Duration::from_secs(10),
            max_response_bytes: 16 << 20,
            pool_above_cost: 5_000,
            pool_threads: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            max_ws_connections: 256,
            max_subscriptions_per_connection: 32,
            ws_init_timeout: Duration::from_secs(5),
            persisted_query_bytes: 16 << 20,
        }
    }
}

/// The shared state of every handler, behind one `Arc`: axum clones a handler's state for
/// every request, and one count is all the threads serving requests then share.
#[derive(Clone)]
pub(crate) struct HttpState(Arc<Shared>);

pub(crate) struct Shared {
    pub(crate) app: AppState,
    pub(crate) config: HttpConfig,
    pub(crate) life: Arc<Lifecycle>,
    /// The texts of automatic persisted queries, by their SHA-256.
    pub(crate) persisted: caching::PersistedQueries,
}

impl std::ops::Deref for HttpState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What the server's handlers share about the server itself: whether it is draining, the
/// requests under way, the refusals it made, and its metrics.
pub(crate) struct Lifecycle {
    draining: AtomicBool,
    pub(crate) metrics: metrics::Metrics,
    /// Per-client limits, with `--rate-limit`.
    pub(crate) clients: Option<limit::ClientLimits>,
    in_flight: Semaphore,
    /// Slots of the pool costly requests run on.
    pub(crate) pool: Arc<Semaphore>,
    /// Slots for WebSocket connections.
    pub(crate) ws_connections: Arc<Semaphore>,
    /// The one slot for an export being written (`GET /export`).
    pub(crate) exports: Arc<Semaphore>,
    /// Turns true when the server begins to drain: WebSocket connections close.
    pub(crate) shutdown: tokio::sync::watch::Sender<bool>,
    refusals: AtomicU64,
    /// When a refusal was last logged, in milliseconds since `start`.
    logged: AtomicU64,
    start: Instant,
}

/// Why the server turned something away.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Refusal {
    /// A connection past `--max-connections`.
    Connections,
    /// A request past `--max-in-flight`.
    InFlight,
    /// A connection the operating system would not hand over (out of file descriptors).
    Accept,
}

impl Lifecycle {
    fn new(config: &HttpConfig, app: &AppState) -> Self {
        Lifecycle {
            draining: AtomicBool::new(false),
            metrics: metrics::Metrics::new(&app.health()),
            clients: config.rate_limit.map(|rate| {
                let highest = app.limits().complexity as u64;
                let (in_flight, cost) = (config.max_client_in_flight, config.max_client_cost);
                limit::ClientLimits::new(rate, in_flight, cost, highest)
            }),
            in_flight: Semaphore::new(config.max_in_flight),
            pool: Arc::new(Semaphore::new(config.pool_threads.max(1))),
            ws_connections: Arc::new(Semaphore::new(config.max_ws_connections)),
            exports: Arc::new(Semaphore::new(1)),
            shutdown: tokio::sync::watch::Sender::new(false),
            refusals: AtomicU64::new(0),
            logged: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    fn start_draining(&self) {
        self.draining.store(true, Ordering::Release);
        self.shutdown.send_replace(true);
    }

    fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// A slot among the `--max-in-flight` requests served at once, or none (counted as a
    /// refusal): requests past the cap are turned away, not queued.
    pub(crate) fn admit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let permit = self.in_flight.try_acquire().ok();
        if permit.is_none() {
            self.refuse(Refusal::InFlight);
        }
        permit
    }

    /// Counts a refusal and logs it, at most once a second (a flood must not flood the log).
    fn refuse(&self, why: Refusal) {
        self.metrics.refused(metrics::Reason::Overload);
        let count = self.refusals.fetch_add(1, Ordering::Relaxed) + 1;
        let now = self.start.elapsed().as_millis() as u64;
        let last = self.logged.load(Ordering::Relaxed);
        if (count == 1 || now >= last + 1000)
            && self
                .logged
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(reason = ?why, refusals = count, "overloaded: turning work away");
        }
    }
}

/// The application's routes over a fresh server state: `/` and `/console` (the explorer page,
/// with `/assets/` and `/schema.graphql`), `/graphql` (GET, POST and WebSocket), `/healthz`,
/// `/readyz`, `/metrics`, `/admin/reload`, `/export`. [`serve`] builds its own, which knows when it drains.
pub fn router(app: AppState, config: &HttpConfig) -> Router {
    let life = Arc::new(Lifecycle::new(config, &app));
    routes(app, config, life)
}

fn routes(app: AppState, config: &HttpConfig, life: Arc<Lifecycle>) -> Router {
    let state = HttpState(Arc::new(Shared {
        app,
        config: config.clone(),
        life,
        persisted: caching::PersistedQueries::new(config.persisted_query_bytes),
    }));
    let graphql = get(graphql::handle)
        .post(graphql::handle)
        .fallback(method_not_allowed);
    let mut routes = Router::new()
        .route("/", get(web::page))
        .route("/console", get(web::page))
        .route("/assets/{name}", get(web::asset))
        .route("/schema.graphql", get(web::schema))
        .route("/graphql", graphql)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(render_metrics))
        .route("/export", get(download::export))
        .route(
            "/admin/reload",
            axum::routing::post(admin_reload).fallback(post_only),
        )
        .fallback(not_found);
    // A server with nothing to check runs no check: every request would pay for its future.
    if config.keys.is_some() || config.rate_limit.is_some() || config.production {
        routes = routes.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authorize,
        ));
    }
    let mut router = routes
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
        }))
        .layer(TraceLayer::new_for_http())
        // gzip or brotli (quality 4) when the client accepts it, for bodies over 32 bytes.
        .layer(CompressionLayer::new());
    if let Some(cors) = cors_layer(&config.cors_origins) {
        router = router.layer(cors);
    }
    router
}

/// 503 with `Retry-After` and the code `OVERLOADED`.
pub(crate) fn overloaded(message: &str) -> Response {
    let mut response = error_response(StatusCode::SERVICE_UNAVAILABLE, "OVERLOADED", message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
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
            .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Completes on Ctrl-C or SIGTERM. (SIGHUP reloads the data: the reloader handles it.)
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

/// 200 while the server takes traffic, 503 while it drains before shutting down.
/// Lets a request through when it may: `/graphql` needs a key of any role and `/metrics` an
/// admin's (unless `--metrics-open`), when the server has keys; the rest needs none. A valid
/// key's client goes with the request (`Client`), for the access log.
async fn authorize(
    State(state): State<HttpState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    // A WebSocket sends its key in `connection_init` (browsers cannot set headers on one).
    if path == "/graphql" && ws::asks_upgrade(request.headers()) {
        return next.run(request).await;
    }
    let needs = match path {
        "/graphql" => Role::Reader,
        "/metrics" if !state.config.metrics_open => Role::Admin,
        "/admin/reload" | "/export" if state.config.keys.is_some() => Role::Admin,
        "/schema.graphql" if state.config.production => Role::Admin,
        _ => return next.run(request).await,
    };
    let graphql = path == "/graphql";
    let client = match &state.config.keys {
        None if state.config.production && path == "/schema.graphql" => {
            return error_response(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "the console is for admins, and this server has no keys",
            );
        }
        None => None,
        Some(keys) => match keys.client(request.headers()) {
            Ok(Some(client)) => Some(client.clone()),
            Ok(None) | Err(()) => {
                state.life.metrics.refused(metrics::Reason::Auth);
                let mut response = error_response(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    "send a valid key: `Authorization: Bearer <key>`",
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"phonegraph\""),
                );
                return response;
            }
        },
    };
    if let Some(client) = &client
        && needs == Role::Admin
        && client.role != Role::Admin
    {
        state.life.metrics.refused(metrics::Reason::Auth);
        return error_response(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "this key may not read this: an admin key may",
        );
    }
    let admin = client.as_ref().is_some_and(|c| c.role == Role::Admin);
    let _permit = match (&state.life.clients, graphql) {
        // An admin (an operator, a trusted dashboard) is not held to client limits.
        (Some(limits), true) if !admin => {
            let peer = request.extensions().get::<Peer>().map(|peer| peer.0.ip());
            let address = state.config.trusted_proxies.client(peer, request.headers());
            let id = limit::ClientId::of(client.as_ref().map(|c| c.name.as_str()), address);
            match limits.admit(id.clone()) {
                Ok(permit) => {
                    // The handler charges the client the query's price once it knows it.
                    request.extensions_mut().insert(id);
                    Some(permit)
                }
                Err(wait) => {
                    state.life.metrics.refused(metrics::Reason::Rate);
                    return rate_limited(wait);
                }
            }
        }
        _ => None,
    };
    if let Some(client) = client {
        request.extensions_mut().insert(client);
    }
    next.run(request).await
}

/// 429 `RATE_LIMITED`, with when to try again.
pub(crate) fn rate_limited(wait: std::time::Duration) -> Response {
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "this client is asking more than it may: slow down",
    );
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The server's metrics, in the OpenMetrics text format.
async fn render_metrics(State(state): State<HttpState>) -> Response {
    let life = &state.life;
    life.metrics.set_data(&state.app.health());
    life.metrics
        .set_in_flight(state.config.max_in_flight - life.in_flight.available_permits());
    let slots = state.config.pool_threads.max(1);
    life.metrics
        .set_pool_busy(slots - life.pool.available_permits());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        life.metrics.render(),
    )
        .into_response()
}

async fn readyz(State(state): State<HttpState>) -> Response {
    let (status, word) = if state.life.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        (StatusCode::OK, "ready")
    };
    let body = json!({ "status": word });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The data answering and the last reload, always 200 while the process serves: a reload
/// that failed leaves the version before it answering. The problems are listed unless in
/// production, where only admins see them (through `dataStatus`).
async fn healthz(State(state): State<HttpState>) -> Response {
    let health = state.app.health();
    let last_reload = health
        .last_reload
        .as_deref()
        .map(|outcome| reload_json(outcome, !state.config.production));
    let body = json!({
        "status": "ok",
        "dataVersion": health.data_version,
        "revision": health.revision,
        "loadedAt": health.loaded_at,
        "entities": health.entities,
        "relations": health.relations,
        "lastReload": last_reload,
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The most problems `/healthz` and `/admin/reload` list (`validate` lists them all).
const PROBLEMS_SHOWN: usize = 100;

/// A reload's outcome as JSON, its problems only if `shown`.
fn reload_json(outcome: &crate::gql::ReloadOutcome, shown: bool) -> serde_json::Value {
    let mut body = json!({
        "ok": outcome.ok,
        "at": outcome.at,
        "seconds": outcome.seconds,
        "problemCount": outcome.problems.len(),
    });
    if shown {
        body["problems"] = outcome
            .problems
            .iter()
            .take(PROBLEMS_SHOWN)
            .map(|p| {
                json!({
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "message": p.message,
                    "hint": p.hint,
                })
            })
            .collect();
    }
    body
}

/// `POST /admin/reload`: reloads the data now and answers with the outcome, 200 when the files
/// validated (and went live, unless unchanged) and 422 `DATA_INVALID` with their problems when
/// they did not. With keys, it needs an admin's; without, it is for clients on this machine
/// (behind a proxy, name it with `--trust-proxy`, or use keys).
/// A reload that outlasts the request timeout is answered 202: it goes on, and `/healthz`
/// tells its outcome.
async fn admin_reload(State(state): State<HttpState>, request: axum::extract::Request) -> Response {
    if state.config.keys.is_none() && !from_this_machine(&state, &request) {
        return error_response(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "without API keys, reloads may be asked only from this machine",
        );
    }
    let versions = state.app.versions().clone();
    let Some(ticket) = versions.request_reload() else {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "RELOAD_UNAVAILABLE",
            "this server does not reload its data",
        );
    };
    let waited = tokio::time::timeout(state.config.request_timeout, versions.reloaded(ticket));
    let (status, body) = match waited.await {
        Err(_) => (
            StatusCode::ACCEPTED,
            json!({ "status": "reloading", "message": "the reload goes on: /healthz will tell its outcome" }),
        ),
        Ok(outcome) => {
            let health = state.app.health();
            let outcome = outcome.as_deref().map(|o| reload_json(o, true));
            let ok = outcome.as_ref().is_some_and(|o| o["ok"] == true);
            let mut body = json!({
                "dataVersion": health.data_version,
                "revision": health.revision,
                "reload": outcome,
            });
            if !ok {
                body["errors"] = json!([{
                    "message": "the data has problems and did not go live: the version before keeps answering",
                    "extensions": { "code": "DATA_INVALID" },
                }]);
            }
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, body)
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Whether a request comes from this machine (a loopback address); behind a proxy named by
/// `--trust-proxy`, the client is the one it forwards for.
fn from_this_machine(state: &HttpState, request: &axum::extract::Request) -> bool {
    let peer = request.extensions().get::<Peer>().map(|peer| peer.0.ip());
    state
        .config
        .trusted_proxies
        .client(peer, request.headers())
        .is_some_and(|address| address.is_loopback())
}

async fn post_only() -> Response {
    let mut r = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "/admin/reload takes POST",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}

pub(super) async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such route: GraphQL is at /graphql, the explorer at /, health at /healthz and /readyz",
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
