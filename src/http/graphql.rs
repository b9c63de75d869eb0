//! The GraphQL-over-HTTP handler: content negotiation, GET and POST, body limits, and the
//! spec's status codes.

use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Variables};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use http_body_util::BodyExt;
use serde::Deserialize;

use super::caching;
use super::limit::ClientId;
use super::metrics::{Outcome, Reason};
use super::{Client, HttpConfig, HttpState, Peer, Role, error_response, overloaded, rate_limited};
use crate::gql::ErrorCode;
use crate::gql::{Budget, Stop};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type a response is sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponse,
    /// `application/json`: every well-formed GraphQL response is 200.
    Json,
}

impl MediaType {
    fn as_str(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => GRAPHQL_RESPONSE,
            MediaType::Json => JSON,
        }
    }
}

/// Picks the response media type from `Accept`: the acceptable one with the highest q, the
/// GraphQL one on ties; `application/json` for wildcards and when there is no `Accept` (what
/// clients written before the GraphQL media type expect).
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(f32, MediaType)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match range.as_str() {
            GRAPHQL_RESPONSE => MediaType::GraphqlResponse,
            JSON | "application/*" | "*/*" => MediaType::Json,
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((bq, bm)) => q > bq || (q == bq && bm == MediaType::Json && media != bm),
        };
        if q > 0.0 && better {
            best = Some((q, media));
        }
    }
    best.map(|(_, m)| m)
}

/// A GraphQL request as sent in a POST body or GET query string.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    #[serde(default)]
    variables: SentVariables,
    #[serde(default)]
    operation_name: Option<String>,
    /// Nothing reads extensions yet, but one that is not an object is refused, as the
    /// GraphQL-over-HTTP spec asks.
    #[serde(default)]
    extensions: Option<serde_json::Value>,
}

/// A request's `variables` as sent: read straight into the map execution takes, with anything
/// but an object or null kept apart to be refused.
#[derive(Debug, Default)]
enum SentVariables {
    /// An object, or null or absent (no variables).
    #[default]
    None,
    Object(Variables),
    /// A string, number, boolean or list.
    NotAnObject,
}

impl<'de> Deserialize<'de> for SentVariables {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = SentVariables;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of variables")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let map = serde::de::value::MapAccessDeserializer::new(map);
                let mut variables = Variables::default();
                *variables = Deserialize::deserialize(map)?;
                Ok(SentVariables::Object(variables))
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(SentVariables::None)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(SentVariables::NotAnObject)
            }

            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(SentVariables::NotAnObject)
            }

            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(SentVariables::NotAnObject)
            }

            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(SentVariables::NotAnObject)
            }

            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(SentVariables::NotAnObject)
            }

            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(SentVariables::NotAnObject)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// The GET query string: `variables` arrives as JSON text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
    extensions: Option<String>,
}

/// What the handler learned of a request it answered, for the metrics.
#[derive(Clone, Debug)]
struct Answered {
    outcome: Outcome,
    /// Its operation name (`anonymous` without one) and cost, when it was read as GraphQL.
    ran: Option<(String, u64)>,
    /// Why it was refused, when a limit refused it.
    reason: Option<Reason>,
}

/// Answers a GraphQL request and counts it.
pub(super) async fn handle(
    State(state): State<HttpState>,
    request: axum::extract::Request,
) -> Response {
    if request.method() == Method::GET && super::ws::asks_upgrade(request.headers()) {
        return super::ws::upgrade(state, request).await;
    }
    let Some(_permit) = state.life.admit() else {
        return overloaded("the server is answering as many requests as it can: try again shortly");
    };
    let metrics = &state.life.metrics;
    let started = Instant::now();
    // A client is its key's name, else its address; named only for the access log.
    let client = state
        .config
        .access_log
        .then(|| match request.extensions().get::<Client>() {
            Some(client) => Some(client.name.clone()),
            None => {
                let peer = request.extensions().get::<Peer>().map(|peer| peer.0.ip());
                let address = state.config.trusted_proxies.client(peer, request.headers());
                address.map(|a| a.to_string())
            }
        })
        .flatten();
    let get = request.method() == Method::GET;
    let mut etag = None;
    let (mut response, answered) = answer(&state, request, started, &mut etag).await;
    if get {
        // A GET answer may be kept when it ran without errors (or was not modified).
        let keep = answered.as_ref().is_some_and(|a| {
            matches!(a.outcome, Outcome::Ok | Outcome::NotModified)
                && matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED)
        });
        let etag = etag.filter(|_| keep);
        let private = state.config.keys.is_some();
        caching::set_headers(response.headers_mut(), etag.as_deref(), private);
    }
    let (outcome, ran, reason) = match answered {
        Some(a) => (a.outcome, a.ran, a.reason),
        None => {
            let reason = match response.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Reason::Size,
                StatusCode::REQUEST_TIMEOUT => Reason::Timeout,
                _ => Reason::Invalid,
            };
            (Outcome::Refused, None, Some(reason))
        }
    };
    if let Some(reason) = reason {
        metrics.refused(reason);
    }
    let ran = ran.as_ref().map(|(name, cost)| (name.as_str(), *cost));
    let took = started.elapsed();
    metrics.request(outcome, took, ran);
    if state.config.access_log {
        let (operation, cost) = ran.unzip();
        tracing::info!(
            target: "phonegraph::access",
            client = client.as_deref().map(tracing::field::display),
            operation,
            cost,
            status = response.status().as_u16(),
            outcome = ?outcome,
            ms = took.as_secs_f64() * 1e3,
            "graphql request"
        );
    }
    response
}

/// A response with what the handler learned of its request.
fn with(response: Response, answered: Answered) -> (Response, Option<Answered>) {
    (response, Some(answered))
}

/// Answers a request; for a GET that may be kept, sets `etag` to its answer's `ETag`.
async fn answer(
    state: &HttpState,
    request: axum::extract::Request,
    started: Instant,
    etag: &mut Option<String>,
) -> (Response, Option<Answered>) {
    // The request's parts are read in place: the `HeaderMap` extractor would copy the headers.
    let (
        Parts {
            method,
            headers,
            uri,
            extensions,
            ..
        },
        body,
    ) = request.into_parts();
    let Some(media) = negotiate(&headers) else {
        return (
            error_response(
                StatusCode::NOT_ACCEPTABLE,
                "NOT_ACCEPTABLE",
                "accept application/graphql-response+json or application/json",
            ),
            None,
        );
    };
    let params = match method {
        Method::GET => from_query(&uri),
        _ => from_body(&headers, body, &state.config).await,
    };
    let params = match params {
        Ok(p) => p,
        Err(refusal) => return (refusal.into_response(), None),
    };
    if params
        .extensions
        .as_ref()
        .is_some_and(|x| !x.is_object() && !x.is_null())
    {
        return (bad_request("`extensions` must be an object"), None);
    }
    let persisted = match caching::persisted_hash(params.extensions.as_ref()) {
        Ok(hash) => hash,
        Err(message) => return (bad_request(message), None),
    };
    let query = match (params.query, &persisted) {
        (Some(query), Some(hash)) if caching::sha256_hex(&query) != *hash => {
            return (
                bad_request("`persistedQuery.sha256Hash` is not the SHA-256 of `query`"),
                None,
            );
        }
        (Some(query), _) => query,
        (None, Some(hash)) => match state.persisted.get(hash) {
            Some(text) => text.to_string(),
            None => return (persisted_query_not_found(media), None),
        },
        (None, None) => return (bad_request("the request has no `query`"), None),
    };
    let variables = match params.variables {
        SentVariables::None => Variables::default(),
        SentVariables::Object(variables) => variables,
        SentVariables::NotAnObject => return (bad_request("`variables` must be an object"), None),
    };
    let name = params.operation_name.as_deref();
    let prepared = if query.len() <= crate::gql::INLINE_QUERY_BYTES {
        state.app.prepare(&query, &variables, name)
    } else {
        // A long text takes milliseconds to parse: off the threads that serve connections.
        let (app, name) = (state.app.clone(), params.operation_name.clone());
        let (text, vars) = (query.clone(), variables.clone());
        match tokio::task::spawn_blocking(move || app.prepare(&text, &vars, name.as_deref())).await
        {
            Ok(prepared) => prepared,
            Err(_) => {
                return (
                    error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL",
                        "internal error",
                    ),
                    None,
                );
            }
        }
    };
    let parsed = match prepared {
        Ok(parsed) => parsed,
        Err(rejected) => {
            let limit = rejected.code == ErrorCode::LimitExceeded;
            return with(
                request_error(media, serde_json::json!([rejected.error])),
                Answered {
                    outcome: Outcome::Rejected,
                    ran: None,
                    reason: limit.then_some(Reason::Limit),
                },
            );
        }
    };
    if let Some(hash) = persisted {
        state.persisted.put(hash, &query);
    }
    let cost = parsed.cost();
    let operation_name = parsed
        .operation_name(name)
        .unwrap_or("anonymous")
        .to_owned();
    let operation = parsed.operation_type(name);
    let admin = extensions
        .get::<Client>()
        .is_some_and(|client| client.role == Role::Admin);
    if state.config.production && !admin && parsed.introspects(name) {
        let response = error_response(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "the schema may be read by admins only: ask without `__schema` and `__type`",
        );
        return with(
            response,
            Answered {
                outcome: Outcome::Rejected,
                ran: None,
                reason: Some(Reason::Auth),
            },
        );
    }
    if operation == Some(OperationType::Subscription) {
        let response = request_error(
            media,
            serde_json::json!([{
                "message": "subscriptions are served over WebSocket (graphql-transport-ws) on /graphql",
                "extensions": { "code": "BAD_REQUEST" },
            }]),
        );
        return with(
            response,
            Answered {
                outcome: Outcome::Rejected,
                ran: None,
                reason: Some(Reason::Invalid),
            },
        );
    }
    if method == Method::GET && operation.is_some_and(|op| op != OperationType::Query) {
        let mut r = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "only queries may be sent with GET: use POST",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return (r, None);
    }
    if method == Method::GET {
        let (data_version, revision) = parsed.version();
        let role = match extensions.get::<Client>() {
            Some(client) => client.role.as_str(),
            None => "none",
        };
        let tag = caching::etag(&caching::Inputs {
            data_version,
            revision,
            reloads: state.app.versions().reload_counts(),
            query: &query,
            variables: &variables,
            operation_name: name,
            media: media.as_str(),
            role,
        });
        if caching::not_modified(&headers, &tag) {
            *etag = Some(tag);
            return with(
                StatusCode::NOT_MODIFIED.into_response(),
                Answered {
                    outcome: Outcome::NotModified,
                    ran: Some((operation_name, 0)),
                    reason: None,
                },
            );
        }
        *etag = Some(tag);
    }
    // With client limits, the client pays the price now and gets back what it did not use.
    let payer = match (&state.life.clients, extensions.get::<ClientId>()) {
        (Some(limits), Some(id)) => match limits.charge(id, cost) {
            Ok(()) => Some((limits, id)),
            Err(wait) => {
                return with(
                    rate_limited(wait),
                    Answered {
                        outcome: Outcome::Rejected,
                        ran: None,
                        reason: Some(Reason::Rate),
                    },
                );
            }
        },
        _ => None,
    };
    let mut request = Request::new(query).variables(variables);
    if state.config.production && !admin {
        request = request.disable_introspection();
    } else {
        request = request.data(crate::gql::Operator);
    }
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    let deadline = started + state.config.request_timeout;
    let budget = state.app.budget(Some(deadline.into_std()));
    // A client that goes away drops this future: its work stops at its next step.
    let _cancel = CancelOnDrop(budget.clone());
    let executed = if cost > state.config.pool_above_cost {
        on_pool(state, &parsed, request, &budget, deadline).await
    } else {
        Some(state.app.execute(&parsed, request, &budget).await)
    };
    let Some(executed) = executed else {
        return with(
            request_error_at(media, StatusCode::GATEWAY_TIMEOUT, &timed_out()),
            Answered {
                outcome: Outcome::Rejected,
                ran: None,
                reason: Some(Reason::Timeout),
            },
        );
    };
    if let Some((limits, id)) = payer {
        limits.refund(id, cost.saturating_sub(state.app.spent(&budget)));
    }
    let response = executed.response;
    if let Some(stop) = executed.stopped {
        let (status, reason) = match stop {
            Stop::Items => (StatusCode::BAD_REQUEST, Reason::Limit),
            Stop::Timeout | Stop::Cancelled => (StatusCode::GATEWAY_TIMEOUT, Reason::Timeout),
        };
        let errors = serde_json::to_value(&response.errors).unwrap_or_default();
        return with(
            request_error_at(media, status, &errors),
            Answered {
                outcome: Outcome::Rejected,
                ran: Some((operation_name, cost)),
                reason: Some(reason),
            },
        );
    }
    if !executed.ran {
        let errors = serde_json::to_value(&response.errors).unwrap_or_default();
        return with(
            request_error(media, errors),
            Answered {
                outcome: Outcome::Rejected,
                ran: None,
                reason: None,
            },
        );
    }
    let outcome = if response.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::FieldErrors
    };
    // The answer is written whole, then measured: the items its budget allowed bound it while
    // it is written (a writer that stops at the cap cost a tenth more for every answer).
    match serde_json::to_vec(&response) {
        Ok(body) if body.len() <= state.config.max_response_bytes => with(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, media.as_str())],
                body,
            )
                .into_response(),
            Answered {
                outcome,
                ran: Some((operation_name, cost)),
                reason: None,
            },
        ),
        Ok(_) => {
            let message = format!(
                "the answer is larger than {} bytes: ask for fewer fields or smaller pages",
                state.config.max_response_bytes
            );
            let errors = serde_json::json!([{
                "message": message,
                "extensions": { "code": ErrorCode::ResponseTooLarge.as_str() },
            }]);
            with(
                request_error_at(media, StatusCode::BAD_REQUEST, &errors),
                Answered {
                    outcome: Outcome::Rejected,
                    ran: Some((operation_name, cost)),
                    reason: Some(Reason::Size),
                },
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a response");
            let response = error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            );
            (response, None)
        }
    }
}

/// A response for a request that never ran: 400 without `data` under the GraphQL media type,
/// 200 under plain JSON (as the GraphQL-over-HTTP spec says for each).
fn request_error(media: MediaType, errors: serde_json::Value) -> Response {
    request_error_at(media, StatusCode::BAD_REQUEST, &errors)
}

/// A request error without `data`: `status` under the GraphQL media type, 200 under plain
/// JSON.
fn request_error_at(media: MediaType, status: StatusCode, errors: &serde_json::Value) -> Response {
    let status = match media {
        MediaType::GraphqlResponse => status,
        MediaType::Json => StatusCode::OK,
    };
    let body = serde_json::json!({ "errors": errors }).to_string();
    (status, [(header::CONTENT_TYPE, media.as_str())], body).into_response()
}

/// The answer to a persisted query whose text this server does not hold: what Apollo's
/// clients expect (the message and code), so they send the text again. 404 under the GraphQL
/// media type, as Apollo's servers answer; 200 under plain JSON.
fn persisted_query_not_found(media: MediaType) -> Response {
    let errors = serde_json::json!([{
        "message": "PersistedQueryNotFound",
        "extensions": { "code": ErrorCode::PersistedQueryNotFound.as_str() },
    }]);
    request_error_at(media, StatusCode::NOT_FOUND, &errors)
}

/// The errors of a request that passed its deadline.
fn timed_out() -> serde_json::Value {
    serde_json::json!([{
        "message": crate::gql::timeout_message(),
        "extensions": { "code": ErrorCode::Timeout.as_str() },
    }])
}

/// Stops a request's work when its handler is dropped: when its client goes away, or when its
/// answer has been written.
struct CancelOnDrop(Arc<Budget>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.stop(Stop::Cancelled);
    }
}

/// Runs a costly request on the pool: it waits for a slot, then runs on a thread of its own,
/// so the threads serving connections stay free (`/healthz` answers whatever the load).
/// `None` when it passed its deadline waiting or running; its work then stops at its next
/// step, and its slot is freed when it does.
async fn on_pool(
    state: &HttpState,
    parsed: &crate::gql::Parsed,
    request: Request,
    budget: &Arc<Budget>,
    deadline: tokio::time::Instant,
) -> Option<crate::gql::Executed> {
    let slot = state.life.pool.clone().acquire_owned();
    let Ok(Ok(slot)) = tokio::time::timeout_at(deadline, slot).await else {
        budget.stop(Stop::Timeout);
        return None;
    };
    let (app, parsed, shared) = (state.app.clone(), parsed.clone(), budget.clone());
    let runtime = tokio::runtime::Handle::current();
    let work = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        app.execute_blocking(&runtime, &parsed, request, &shared)
    });
    match tokio::time::timeout_at(deadline + DEADLINE_GRACE, work).await {
        Ok(Ok(executed)) => Some(executed),
        Ok(Err(_)) | Err(_) => {
            budget.stop(Stop::Timeout);
            None
        }
    }
}

/// How long past its deadline a request's own stop is awaited before it is answered anyway.
const DEADLINE_GRACE: Duration = Duration::from_millis(100);

fn bad_request(message: &str) -> Response {
    Refusal::bad_request(message).into_response()
}

/// A request refused before it reaches GraphQL: a status, a code and a message.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn bad_request(message: impl Into<String>) -> Self {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            code: ErrorCode::BadRequest.as_str(),
            message: message.into(),
        }
    }

    fn too_large(limit: usize) -> Self {
        Refusal {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "PAYLOAD_TOO_LARGE",
            message: format!("the request body is larger than {limit} bytes"),
        }
    }

    fn too_slow(config: &HttpConfig) -> Self {
        Refusal {
            status: StatusCode::REQUEST_TIMEOUT,
            code: "REQUEST_TIMEOUT",
            message: format!(
                "the request body arrived slower than {} bytes a second",
                config.min_body_rate
            ),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let closes = matches!(
            self.status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE
        );
        let mut response = error_response(self.status, self.code, &self.message);
        if closes {
            // The rest of the body is never read: the connection cannot carry another request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

fn from_query(uri: &axum::http::Uri) -> Result<Params, Refusal> {
    let Query(get) = Query::<GetParams>::try_from_uri(uri)
        .map_err(|_| Refusal::bad_request("the query string is not a GraphQL request"))?;
    let variables = match get.variables {
        None => SentVariables::None,
        Some(text) => serde_json::from_str(&text)
            .map_err(|_| Refusal::bad_request("`variables` is not valid JSON"))?,
    };
    let extensions = match get.extensions {
        None => None,
        Some(text) => Some(
            serde_json::from_str(&text)
                .map_err(|_| Refusal::bad_request("`extensions` is not valid JSON"))?,
        ),
    };
    Ok(Params {
        query: get.query,
        variables,
        operation_name: get.operation_name,
        extensions,
    })
}

async fn from_body(
    headers: &HeaderMap,
    body: Body,
    config: &HttpConfig,
) -> Result<Params, Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(JSON) {
        return Err(Refusal {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "UNSUPPORTED_MEDIA_TYPE",
            message: "send the request as Content-Type: application/json".into(),
        });
    }
    let limit = config.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Refusal::too_large(limit));
    }
    let bytes = read_body(body, declared, config).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Refusal::bad_request(format!(
            "the body is not a GraphQL request in JSON: {}",
            json_error(&e)
        ))
    })
}

/// Reads a body of at most `max_body_bytes`, refusing one that falls behind `min_body_rate`
/// once `body_grace` has passed: a client sending a byte a second must not hold a request.
async fn read_body(
    body: Body,
    declared: Option<u64>,
    config: &HttpConfig,
) -> Result<Vec<u8>, Refusal> {
    let limit = config.max_body_bytes;
    let start = tokio::time::Instant::now();
    let capacity = declared.map_or(0, |n| n as usize).min(limit);
    let mut bytes = Vec::with_capacity(capacity);
    let mut body = body;
    loop {
        let behind =
            Duration::from_secs_f64(bytes.len() as f64 / config.min_body_rate.max(1) as f64);
        let deadline = start + config.body_grace + behind;
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(Refusal::too_slow(config)),
            Ok(None) => return Ok(bytes),
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(_))) => {
                return Err(Refusal::bad_request("the request body could not be read"));
            }
        };
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                return Err(Refusal::too_large(limit));
            }
            bytes.extend_from_slice(&data);
        }
    }
}

/// A serde_json error in words, without its debug form.
fn json_error(e: &serde_json::Error) -> String {
    format!(
        "{} at line {}, column {}",
        match e.classify() {
            serde_json::error::Category::Io => "unreadable input",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "wrong shape",
            serde_json::error::Category::Eof => "unexpected end",
        },
        e.line(),
        e.column()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Option<MediaType> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        negotiate(&h)
    }

    #[test]
    fn accept_header_picks_the_media_type() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(accept("application/json"), Some(MediaType::Json));
        assert_eq!(accept("*/*"), Some(MediaType::Json));
        assert_eq!(accept("application/*"), Some(MediaType::Json));
        assert_eq!(
            accept("*/*, application/graphql-response+json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json"),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(MediaType::Json)
        );
        assert_eq!(accept("text/html"), None);
    }
}
