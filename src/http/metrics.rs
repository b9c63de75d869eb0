//! What the server counts, served at `GET /metrics` in the OpenMetrics text format (which
//! Prometheus reads): GraphQL requests by outcome and by operation name, their latency and
//! cost, refusals by reason, requests and connections open, and the data loaded.
//!
//! The registry belongs to the server's state, so each server (each test's too) counts its
//! own. A request touches a handful of atomics; the short list of operation names is read
//! under a shared lock and written only for a name's first request.

use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::gql::Health;

/// The most operation names counted apart; later names count as `other`, so a client sending
/// a new name with every request cannot grow the registry.
pub(crate) const MAX_OPERATION_NAMES: usize = 50;

/// How a GraphQL request ended.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
pub(crate) enum Outcome {
    /// It ran and every field answered.
    Ok,
    /// It ran, and some fields answered with errors.
    FieldErrors,
    /// It did not run: not GraphQL, not valid, or over a limit.
    Rejected,
    /// The server turned it away before reading it as GraphQL (see [`Reason`]).
    Refused,
    /// A GET whose `If-None-Match` named the answer it would get: 304, nothing ran.
    NotModified,
}

/// Why the server turned something away.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
pub(crate) enum Reason {
    /// Too many requests or connections at once.
    Overload,
    /// A body, query text or answer over its size limit.
    Size,
    /// A body that came too slowly, or a request past its deadline.
    Timeout,
    /// A query over its cost, depth or nesting limit, or an answer over its items.
    Limit,
    /// A request that is not GraphQL over HTTP, or not valid GraphQL.
    Invalid,
    /// A request without a valid key, or whose key may not do what it asks.
    Auth,
    /// A client over its rate or its requests at once.
    Rate,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: Outcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: Reason,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabel {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DataLabel {
    version: String,
    loaded_at: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabel {
    outcome: &'static str,
}

/// What the metrics say of the data: the version answering, and the reloads so far.
struct DataMetrics {
    entities: Gauge,
    relations: Gauge,
    load_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    revision: Gauge,
    version: Family<DataLabel, Gauge>,
    reloads: Family<ReloadLabel, Counter>,
}

/// The server's metrics and the registry that renders them.
pub(crate) struct Metrics {
    registry: Registry,
    /// One counter an outcome, by `Outcome as usize`, made once: a request looks none up.
    requests: [Counter; 5],
    operations: Family<OperationLabel, Counter>,
    /// The operation names counted apart, with their counters: a short list, read without
    /// making a label (which would allocate) for each request.
    named: RwLock<Vec<(Box<str>, Counter)>>,
    /// The counter of the names past the first [`MAX_OPERATION_NAMES`].
    other: Counter,
    latency: Histogram,
    cost: Histogram,
    refusals: Family<ReasonLabel, Counter>,
    in_flight: Gauge,
    pool_busy: Gauge,
    connections: Gauge,
    ws_connections: Gauge,
    data: DataMetrics,
}

impl Metrics {
    /// Metrics for a server over the data `health` describes.
    pub(crate) fn new(health: &Health) -> Self {
        let mut registry = Registry::with_prefix("phonegraph");
        let by_outcome = Family::<OutcomeLabel, Counter>::default();
        let requests = [
            Outcome::Ok,
            Outcome::FieldErrors,
            Outcome::Rejected,
            Outcome::Refused,
            Outcome::NotModified,
        ]
        .map(|outcome| by_outcome.get_or_create_owned(&OutcomeLabel { outcome }));
        registry.register(
            "graphql_requests",
            "GraphQL requests, by how they ended",
            by_outcome,
        );
        let operations = Family::<OperationLabel, Counter>::default();
        let other = operations.get_or_create_owned(&OperationLabel {
            operation: "other".to_owned(),
        });
        registry.register(
            "graphql_operations",
            "GraphQL requests by operation name (`anonymous`; `other` past the first 50 names)",
            operations.clone(),
        );
        let latency = Histogram::new(exponential_buckets(0.000_1, 2.0, 18));
        registry.register(
            "graphql_request_duration_seconds",
            "Time from reading a GraphQL request to its answer",
            latency.clone(),
        );
        let cost = Histogram::new(exponential_buckets(1.0, 4.0, 10));
        registry.register(
            "graphql_request_cost",
            "What GraphQL requests that ran cost, by the cost rule of the limits",
            cost.clone(),
        );
        let refusals = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "refusals",
            "Requests and connections turned away, by reason",
            refusals.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "requests_in_flight",
            "GraphQL requests being answered",
            in_flight.clone(),
        );
        let pool_busy = Gauge::default();
        registry.register(
            "pool_busy",
            "Slots of the pool for costly requests in use (work still running)",
            pool_busy.clone(),
        );
        let connections = Gauge::default();
        registry.register(
            "connections_open",
            "Client connections open",
            connections.clone(),
        );
        let ws_connections = Gauge::default();
        registry.register(
            "ws_connections_open",
            "WebSocket connections open",
            ws_connections.clone(),
        );
        let data = DataMetrics {
            entities: Gauge::default(),
            relations: Gauge::default(),
            load_seconds: Gauge::default(),
            revision: Gauge::default(),
            version: Family::default(),
            reloads: Family::default(),
        };
        registry.register("entities", "Entities loaded", data.entities.clone());
        registry.register("relations", "Relations loaded", data.relations.clone());
        registry.register(
            "data_load_seconds",
            "How long the data answering took to read and build",
            data.load_seconds.clone(),
        );
        registry.register(
            "data_revision",
            "Which load of this server answers: 1 at start, one more for each reload that went live",
            data.revision.clone(),
        );
        registry.register(
            "data_info",
            "The data answering: its content hash and when it was loaded",
            data.version.clone(),
        );
        registry.register(
            "reloads",
            "Reloads of the data, by outcome (`ok`: valid, live unless unchanged; `failed`: the version before kept answering)",
            data.reloads.clone(),
        );
        let metrics = Metrics {
            registry,
            requests,
            operations,
            named: RwLock::new(Vec::new()),
            other,
            latency,
            cost,
            refusals,
            in_flight,
            pool_busy,
            connections,
            ws_connections,
            data,
        };
        metrics.set_data(health);
        metrics
    }

    /// Says which data answers now, and how many reloads there were.
    pub(crate) fn set_data(&self, health: &Health) {
        let data = &self.data;
        data.entities
            .set(i64::try_from(health.entities).unwrap_or(i64::MAX));
        data.relations
            .set(i64::try_from(health.relations).unwrap_or(i64::MAX));
        data.load_seconds.set(health.load_seconds.unwrap_or(0.0));
        data.revision
            .set(i64::try_from(health.revision).unwrap_or(i64::MAX));
        let label = DataLabel {
            version: health.data_version.clone(),
            loaded_at: health.loaded_at.clone(),
        };
        if data.version.get(&label).is_none() {
            data.version.clear();
            data.version.get_or_create(&label).set(1);
        }
        for (outcome, count) in [("ok", health.reloads.0), ("failed", health.reloads.1)] {
            let counter = data.reloads.get_or_create(&ReloadLabel { outcome });
            counter.inc_by(count.saturating_sub(counter.get()));
        }
    }

    /// Counts a GraphQL request that ended as `outcome` after `took`; `ran` holds its
    /// operation name and cost when it was read as GraphQL.
    pub(crate) fn request(&self, outcome: Outcome, took: Duration, ran: Option<(&str, u64)>) {
        self.requests[outcome as usize].inc();
        self.latency.observe(took.as_secs_f64());
        if let Some((operation, cost)) = ran {
            self.count_operation(operation);
            // Costs are counts far below 2^53: exact as floats.
            self.cost.observe(cost as f64);
        }
    }

    /// Counts a request of the operation `name`: under its own name among the first
    /// [`MAX_OPERATION_NAMES`], else under `other`.
    fn count_operation(&self, name: &str) {
        let counted = |named: &[(Box<str>, Counter)]| {
            match named.iter().find(|(n, _)| &**n == name) {
                Some((_, counter)) => counter.inc(),
                None if named.len() >= MAX_OPERATION_NAMES => self.other.inc(),
                None => return false,
            };
            true
        };
        if counted(&self.named.read().unwrap_or_else(PoisonError::into_inner)) {
            return;
        }
        let mut named = self.named.write().unwrap_or_else(PoisonError::into_inner);
        if counted(&named) {
            return;
        }
        let counter = self.operations.get_or_create_owned(&OperationLabel {
            operation: name.to_owned(),
        });
        counter.inc();
        named.push((name.into(), counter));
    }

    /// Counts something turned away.
    pub(crate) fn refused(&self, reason: Reason) {
        self.refusals.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// Sets how many GraphQL requests are being answered (read from the in-flight cap's
    /// permits when the metrics are rendered, so a request touches no gauge).
    pub(crate) fn set_in_flight(&self, requests: usize) {
        self.in_flight
            .set(i64::try_from(requests).unwrap_or(i64::MAX));
    }

    /// Sets how many slots of the pool are in use, read from its permits when the metrics are
    /// rendered: a request whose client went away keeps its slot until its work stops.
    pub(crate) fn set_pool_busy(&self, slots: usize) {
        self.pool_busy.set(i64::try_from(slots).unwrap_or(i64::MAX));
    }

    /// The gauge of open connections.
    pub(crate) fn connections(&self) -> &Gauge {
        &self.connections
    }

    /// The gauge of WebSocket connections open.
    pub(crate) fn ws_connections(&self) -> &Gauge {
        &self.ws_connections
    }

    /// Every metric in the OpenMetrics text format, a labelled counter's samples in the order
    /// of their labels (the registry keeps them in a hash map's order, which changes from one
    /// server to the next).
    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        let mut out = String::with_capacity(text.len());
        let mut samples: Vec<&str> = Vec::new();
        let mut counter = false;
        for line in text.lines() {
            if line.starts_with('#') {
                samples.sort_unstable();
                samples.drain(..).for_each(|s| push_line(&mut out, s));
                counter = line.starts_with("# TYPE ") && line.ends_with(" counter");
                push_line(&mut out, line);
            } else if counter {
                samples.push(line);
            } else {
                push_line(&mut out, line);
            }
        }
        samples.sort_unstable();
        samples.drain(..).for_each(|s| push_line(&mut out, s));
        out
    }
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}
