//! GraphQL over WebSocket, the `graphql-transport-ws` protocol (the one the `graphql-ws`
//! library speaks), on `/graphql` with the upgrade.
//!
//! The state machine is ours rather than async-graphql's: its handler closes with 1002/1011
//! where the protocol asks for 44xx codes, has no `connection_init` timeout, lets a duplicate
//! id replace the first subscription, and would bypass our request path. Here every
//! `subscribe` is prepared like `POST /graphql` (parsed, priced, checked against the limits).
//!
//! Closes: 4400 a malformed or unknown message, 4401 a `subscribe` before the ack, 4403 a bad
//! key in `connection_init`, 4406 a client that does not speak the protocol, 4408 no
//! `connection_init` in time, 4409 a duplicate subscription id, 4429 a second
//! `connection_init`; 1001 when the server shuts down, 1009 when a message is larger than
//! `--max-body-bytes`, 1011 when the client stops answering pings.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::Request;
use async_graphql::futures_util::{SinkExt as _, StreamExt as _};
use async_graphql::parser::types::OperationType;
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::limit::ClientId;
use super::{HttpState, Role, error_response, overloaded};
use crate::gql::ErrorCode;

/// The subprotocol spoken.
const PROTOCOL: &str = "graphql-transport-ws";
/// How often the server pings an idle client, and how long it waits for any message after.
const PING_EVERY: Duration = Duration::from_secs(15);
/// Messages waiting to be written before the subscriptions producing them wait.
const OUTGOING: usize = 64;

/// Whether a request asks to upgrade to a WebSocket.
pub(super) fn asks_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Answers an upgrade request on `/graphql`: refused (403) when it comes from a browser page of
/// an origin `--cors-origin` does not allow (browsers apply no CORS to WebSockets), 503 past
/// `--max-ws-connections`; else upgraded and served.
pub(super) async fn upgrade(state: HttpState, request: axum::extract::Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let peer = parts
        .extensions
        .get::<super::Peer>()
        .map(|peer| peer.0.ip());
    let address = state.config.trusted_proxies.client(peer, &parts.headers);
    if let Some(origin) = parts.headers.get(header::ORIGIN)
        && !origin_allowed(
            &state.config.cors_origins,
            origin,
            parts.headers.get(header::HOST),
        )
    {
        return error_response(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "pages of this origin may not open a WebSocket here: see --cors-origin",
        );
    }
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return error_response(
                rejection.status(),
                "BAD_REQUEST",
                "not a valid WebSocket upgrade",
            );
        }
    };
    let Ok(slot) = state.life.ws_connections.clone().try_acquire_owned() else {
        return overloaded("the server has as many WebSocket connections as it takes");
    };
    // A message over the limit is closed 1009 by the session; the socket's own cap, above it,
    // keeps a frame from being buffered whole first.
    let cap = state.config.max_body_bytes.saturating_add(1);
    let upgrade = upgrade
        .protocols([PROTOCOL])
        .max_message_size(cap)
        .max_frame_size(cap);
    let speaks = upgrade.selected_protocol().is_some();
    upgrade
        .on_upgrade(move |mut socket| async move {
            if !speaks {
                let frame = CloseFrame {
                    code: 4406,
                    reason: Utf8Bytes::from_static(
                        "Subprotocol not acceptable: use graphql-transport-ws",
                    ),
                };
                let _ = socket.send(Message::Close(Some(frame))).await;
                return;
            }
            let open = state.life.metrics.ws_connections().clone();
            open.inc();
            let (done, ended) = mpsc::unbounded_channel();
            Session::new(state, done, address).run(socket, ended).await;
            open.dec();
            drop(slot);
        })
        .into_response()
}

/// Whether a page of `origin` may open a WebSocket: its own server's pages may, and those of
/// the origins `--cors-origin` allows.
fn origin_allowed(allowed: &[String], origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, host.and_then(|h| h.to_str().ok())), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

/// Why a connection is closed.
struct Close(u16, &'static str);

/// One WebSocket connection.
struct Session {
    state: HttpState,
    /// Set by `connection_init`: whether an admin opened it.
    acknowledged: Option<bool>,
    /// The client, for `--rate-limit`: its key's name once known, else its address.
    client: ClientId,
    /// The client's address.
    address: Option<std::net::IpAddr>,
    /// The operations running, by id, each with the number it was started as.
    running: HashMap<String, (u64, tokio::task::JoinHandle<()>)>,
    /// How many operations were started.
    started: u64,
    /// Where operations say they have ended.
    done: mpsc::UnboundedSender<(String, u64)>,
}

impl Session {
    fn new(
        state: HttpState,
        done: mpsc::UnboundedSender<(String, u64)>,
        address: Option<std::net::IpAddr>,
    ) -> Self {
        Session {
            state,
            acknowledged: None,
            client: ClientId::of(None, address),
            address,
            running: HashMap::new(),
            started: 0,
            done,
        }
    }

    async fn run(mut self, socket: WebSocket, mut ended: mpsc::UnboundedReceiver<(String, u64)>) {
        let (mut sink, mut incoming) = socket.split();
        let (outgoing, mut queue) = mpsc::channel::<Message>(OUTGOING);
        let writer = tokio::spawn(async move {
            while let Some(message) = queue.recv().await {
                let closing = matches!(message, Message::Close(_));
                if sink.send(message).await.is_err() || closing {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let init_by = tokio::time::Instant::now() + self.state.config.ws_init_timeout;
        let mut draining = self.state.life.shutdown.subscribe();
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        let mut heard = tokio::time::Instant::now();
        let close = loop {
            tokio::select! {
                // An operation's end is noted before the client can hear of it and reuse its
                // id or its place.
                biased;
                Some((id, generation)) = ended.recv() => {
                    if self.running.get(&id).is_some_and(|(g, _)| *g == generation) {
                        self.running.remove(&id);
                    }
                }
                message = incoming.next() => {
                    heard = tokio::time::Instant::now();
                    let message = match message {
                        None => break None,
                        // Over the socket's cap, or broken: said if it can still be.
                        Some(Err(_)) => break Some(Close(1009, "the message is larger than the server takes")),
                        Some(Ok(message)) => message,
                    };
                    match message {
                        Message::Text(text) if text.len() > self.state.config.max_body_bytes => {
                            break Some(Close(1009, "the message is larger than the server takes"));
                        }
                        Message::Text(text) => {
                            if let Err(close) = self.on_text(&text, &outgoing).await {
                                break Some(close);
                            }
                        }
                        Message::Binary(_) => break Some(Close(4400, "binary messages are not part of the protocol")),
                        Message::Close(_) => break None,
                        Message::Ping(_) | Message::Pong(_) => {}
                    }
                }
                () = tokio::time::sleep_until(init_by), if self.acknowledged.is_none() => {
                    break Some(Close(4408, "Connection initialisation timeout"));
                }
                _ = ping.tick() => {
                    if heard.elapsed() > 2 * PING_EVERY {
                        break Some(Close(1011, "the client stopped answering pings"));
                    }
                    if self.acknowledged.is_some() {
                        let _ = outgoing.send(text(json!({ "type": "ping" }))).await;
                    }
                }
                _ = draining.changed() => break Some(Close(1001, "the server is shutting down")),
            }
        };
        for (_, (_, task)) in self.running.drain() {
            task.abort();
        }
        if let Some(Close(code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            };
            let _ = outgoing.send(Message::Close(Some(frame))).await;
        }
        drop(outgoing);
        let _ = writer.await;
    }

    /// Handles one text message; an error closes the connection.
    async fn on_text(&mut self, raw: &str, outgoing: &mpsc::Sender<Message>) -> Result<(), Close> {
        let Ok(Value::Object(message)) = serde_json::from_str::<Value>(raw) else {
            return Err(Close(4400, "Invalid message received"));
        };
        let kind = message.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "connection_init" => {
                if self.acknowledged.is_some() {
                    return Err(Close(4429, "Too many initialisation requests"));
                }
                let payload = message.get("payload").cloned().unwrap_or(Value::Null);
                if !(payload.is_null() || payload.is_object()) {
                    return Err(Close(4400, "Invalid message received"));
                }
                let admin = self.authorize(&payload)?;
                self.acknowledged = Some(admin);
                let _ = outgoing
                    .send(text(json!({ "type": "connection_ack" })))
                    .await;
            }
            "ping" => {
                let _ = outgoing.send(text(json!({ "type": "pong" }))).await;
            }
            "pong" => {}
            "subscribe" => {
                let Some(admin) = self.acknowledged else {
                    return Err(Close(4401, "Unauthorized"));
                };
                let id = match message.get("id").and_then(Value::as_str) {
                    Some(id) if !id.is_empty() => id.to_owned(),
                    _ => return Err(Close(4400, "Invalid message received")),
                };
                let Some(Value::Object(payload)) = message.get("payload") else {
                    return Err(Close(4400, "Invalid message received"));
                };
                let Some(query) = payload.get("query").and_then(Value::as_str) else {
                    return Err(Close(4400, "Invalid message received"));
                };
                let variables = match payload.get("variables") {
                    None | Some(Value::Null) => async_graphql::Variables::default(),
                    Some(v @ Value::Object(_)) => async_graphql::Variables::from_json(v.clone()),
                    Some(_) => return Err(Close(4400, "Invalid message received")),
                };
                let operation_name = match payload.get("operationName") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(name)) => Some(name.clone()),
                    Some(_) => return Err(Close(4400, "Invalid message received")),
                };
                if self.running.contains_key(&id) {
                    return Err(Close(4409, "Subscriber for this id already exists"));
                }
                if self.running.len() >= self.state.config.max_subscriptions_per_connection {
                    let error = coded_error(
                        ErrorCode::LimitExceeded.as_str(),
                        &format!(
                            "this connection has {} operations running, the most it may: complete one first",
                            self.running.len()
                        ),
                    );
                    let _ = outgoing.send(error_message(&id, json!([error]))).await;
                    return Ok(());
                }
                // With `--rate-limit`, an operation is a request like any other (admins
                // aside): held to the client's rate and requests at once while it starts.
                let limits = self.state.life.clients.as_ref().filter(|_| !admin);
                let _permit = match limits.map(|l| l.admit(self.client.clone())) {
                    Some(Err(wait)) => {
                        let error = coded_error(
                            "RATE_LIMITED",
                            &format!(
                                "this client is asking more than it may: slow down (try again in {} s)",
                                wait.as_secs_f64().ceil().max(1.0)
                            ),
                        );
                        let _ = outgoing.send(error_message(&id, json!([error]))).await;
                        return Ok(());
                    }
                    Some(Ok(permit)) => Some(permit),
                    None => None,
                };
                self.started += 1;
                let payer = limits.map(|_| self.client.clone());
                let (task, under_way) = self.start(
                    &id,
                    self.started,
                    payer,
                    query.to_owned(),
                    variables,
                    operation_name,
                    admin,
                    outgoing.clone(),
                    self.done.clone(),
                );
                self.running.insert(id, (self.started, task));
                // Operations start in the order they were sent: a subscription listens before a
                // later message is read (preparing one takes a parse and a price).
                let _ = under_way.await;
            }
            "complete" => {
                if let Some(task) = message
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| self.running.remove(id))
                {
                    task.1.abort();
                }
            }
            _ => return Err(Close(4400, "Invalid message received")),
        }
        Ok(())
    }

    /// The role a `connection_init` payload's key gives: without keys, everyone is let in (as
    /// no admin); with keys, `{ "authorization": "Bearer <key>" }` (or `Authorization`) must
    /// name one.
    fn authorize(&mut self, payload: &Value) -> Result<bool, Close> {
        let Some(keys) = &self.state.config.keys else {
            return Ok(false);
        };
        let given = ["authorization", "Authorization"]
            .iter()
            .find_map(|k| payload.get(*k))
            .and_then(Value::as_str);
        let mut headers = HeaderMap::new();
        if let Some(value) = given.and_then(|g| HeaderValue::from_str(g).ok()) {
            headers.insert(header::AUTHORIZATION, value);
        }
        match keys.client(&headers) {
            Ok(Some(client)) => {
                self.client = ClientId::of(Some(&client.name), self.address);
                Ok(client.role == Role::Admin)
            }
            _ => {
                self.state
                    .life
                    .metrics
                    .refused(super::metrics::Reason::Auth);
                Err(Close(4403, "Forbidden"))
            }
        }
    }

    /// Starts operation `id`: prepared like a request to `POST /graphql`, then run, its results
    /// sent as `next` messages, then `complete`; refused ones get an `error` message. When it
    /// ends it says so on `done` before its last message, so that a client answered can at
    /// once start another in its place.
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        id: &str,
        generation: u64,
        payer: Option<ClientId>,
        query: String,
        variables: async_graphql::Variables,
        operation_name: Option<String>,
        admin: bool,
        outgoing: mpsc::Sender<Message>,
        done: mpsc::UnboundedSender<(String, u64)>,
    ) -> (
        tokio::task::JoinHandle<()>,
        tokio::sync::oneshot::Receiver<()>,
    ) {
        let (state, id) = (self.state.clone(), id.to_owned());
        let (started, under_way) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let operation = Operation {
                state: &state,
                id: &id,
                admin,
                payer,
                outgoing: &outgoing,
            };
            let last = operation
                .run(query, variables, operation_name, started)
                .await;
            let _ = done.send((id, generation));
            if let Some(last) = last {
                let _ = outgoing.send(last).await;
            }
        });
        (task, under_way)
    }
}

/// One operation of a connection.
struct Operation<'a> {
    state: &'a HttpState,
    id: &'a str,
    admin: bool,
    /// Who pays for it, with `--rate-limit`.
    payer: Option<ClientId>,
    outgoing: &'a mpsc::Sender<Message>,
}

impl Operation<'_> {
    /// Runs the operation, sending its results; gives its last message (`complete`, or `error`),
    /// or none when the client has gone. `started` fires once a subscription listens (or the
    /// operation ended first), so that operations start in the order they were sent.
    async fn run(
        &self,
        query: String,
        variables: async_graphql::Variables,
        operation_name: Option<String>,
        started: tokio::sync::oneshot::Sender<()>,
    ) -> Option<Message> {
        let Operation {
            state,
            id,
            admin,
            ref payer,
            outgoing,
        } = *self;
        let prepared = {
            let (app, query, variables, name) = (
                state.app.clone(),
                query.clone(),
                variables.clone(),
                operation_name.clone(),
            );
            tokio::task::spawn_blocking(move || app.prepare(&query, &variables, name.as_deref()))
                .await
        };
        let parsed = match prepared {
            Ok(Ok(parsed)) => parsed,
            Ok(Err(rejected)) => {
                let errors = serde_json::to_value([&*rejected.error]).unwrap_or_default();
                return Some(error_message(id, errors));
            }
            Err(_) => {
                let error = coded_error(ErrorCode::Internal.as_str(), "internal error");
                return Some(error_message(id, json!([error])));
            }
        };
        // The client pays the price up front, as over HTTP.
        if let (Some(limits), Some(payer)) = (&state.life.clients, payer)
            && let Err(wait) = limits.charge(payer, parsed.cost())
        {
            let error = coded_error(
                "RATE_LIMITED",
                &format!(
                    "this client is spending more than it may: slow down (try again in {} s)",
                    wait.as_secs_f64().ceil().max(1.0)
                ),
            );
            return Some(error_message(id, json!([error])));
        }
        let name = operation_name.as_deref();
        let mut request = Request::new(query).variables(variables);
        if let Some(name) = &operation_name {
            request = request.operation_name(name);
        }
        let production = state.config.production;
        if production && !admin {
            if parsed.introspects(name) {
                let error = coded_error(
                    "FORBIDDEN",
                    "the schema may be read by admins only: ask without `__schema` and `__type`",
                );
                return Some(error_message(id, json!([error])));
            }
            request = request.disable_introspection();
        }
        if !production || admin {
            request = request.data(crate::gql::Operator);
        }
        let limit = state.config.max_response_bytes;
        match parsed.operation_type(name) {
            Some(OperationType::Subscription) => {
                let mut responses = std::pin::pin!(state.app.subscribe(&parsed, request));
                // Polled once, the subscription listens: the session may go on to the next message.
                let ready =
                    async_graphql::futures_util::future::poll_immediate(responses.next()).await;
                let _ = started.send(());
                let mut pending = match ready {
                    Some(None) => return Some(text(json!({ "id": id, "type": "complete" }))),
                    Some(Some(response)) => Some(response),
                    None => None,
                };
                let mut first = true;
                loop {
                    let response = match pending.take() {
                        Some(response) => response,
                        None => match responses.next().await {
                            Some(response) => response,
                            None => break,
                        },
                    };
                    // No stream could be made (the spec's CreateSourceEventStream failed): a
                    // request error, not an event.
                    let refused = first
                        && response.data == async_graphql::Value::Null
                        && !response.errors.is_empty();
                    first = false;
                    if refused {
                        let errors = serde_json::to_value(&response.errors).unwrap_or_default();
                        return Some(error_message(id, errors));
                    }
                    outgoing
                        .send(next_message(id, &response, limit))
                        .await
                        .ok()?;
                }
            }
            _ => {
                let deadline = std::time::Instant::now() + state.config.request_timeout;
                let budget = state.app.budget(Some(deadline));
                let executed = state.app.execute(&parsed, request, &budget).await;
                if !executed.ran || executed.stopped.is_some() {
                    let errors =
                        serde_json::to_value(&executed.response.errors).unwrap_or_default();
                    return Some(error_message(id, errors));
                }
                outgoing
                    .send(next_message(id, &executed.response, limit))
                    .await
                    .ok()?;
            }
        }
        Some(text(json!({ "id": id, "type": "complete" })))
    }
}

fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

fn coded_error(code: &str, message: &str) -> Value {
    json!({ "message": message, "extensions": { "code": code } })
}

fn error_message(id: &str, errors: Value) -> Message {
    text(json!({ "id": id, "type": "error", "payload": errors }))
}

/// A `next` message with a result, or with `RESPONSE_TOO_LARGE` when it is over `limit` bytes.
fn next_message(id: &str, response: &async_graphql::Response, limit: usize) -> Message {
    let payload = match serde_json::to_value(response) {
        Ok(payload) if payload.to_string().len() <= limit => payload,
        _ => json!({ "errors": [coded_error(
            ErrorCode::ResponseTooLarge.as_str(),
            &format!("the answer is larger than {limit} bytes: ask for fewer fields"),
        )] }),
    };
    text(json!({ "id": id, "type": "next", "payload": payload }))
}
