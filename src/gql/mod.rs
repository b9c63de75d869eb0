//! The GraphQL schema: thin projections of graph queries, the limits every query is held to,
//! and error codes.
//!
//! Invariant: this module knows nothing of axum or HTTP; it takes a request and gives a
//! response. Invariant: resolvers only project graph queries; any logic worth testing lives in
//! `graph`.

mod analytics;
mod cache;
mod connect;
mod cost;
mod entity;
mod enums;
mod error;
mod query;
mod relation;
mod select;

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{EmptyMutation, EmptySubscription, Schema};

pub use entity::Entity;
pub use error::ErrorCode;
pub use query::Query;

use crate::graph::Graph;
use crate::seed::Loaded;

/// The schema type.
pub type PhoneSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The loaded data every resolver reads: an immutable snapshot, shared without locks (only
/// the cache of heavy computations has one).
#[derive(Debug)]
pub struct Data {
    /// The graph.
    pub graph: Graph,
    /// A content hash of the data.
    pub data_version: String,
    /// When it was loaded (RFC 3339, UTC).
    pub loaded_at: String,
    /// The most steps one analytics computation may take.
    pub work_budget: u64,
    computed: cache::Bounded<Arc<analytics::Computed>>,
}

/// How many computed answers the cache keeps before it starts over.
const CACHE_ENTRIES: usize = 256;

/// A cheap-to-clone handle on the data. The graph never changes after loading, so an `Arc`
/// is all the sharing needs: no lock, no copy per request.
pub type Store = Arc<Data>;

/// How deep and how complex a query may be.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The deepest nesting of fields.
    pub depth: usize,
    /// The highest cost: each field 1, list fields times their page size.
    pub complexity: usize,
    /// The most steps one analytics computation (ranking, components) may take.
    pub work: u64,
}

/// The limits used unless configured otherwise.
pub const DEFAULT_LIMITS: Limits = Limits {
    depth: 16,
    complexity: 20_000,
    work: 50_000_000,
};

/// What the HTTP layer needs: the schema, the data behind it, and the parsed documents.
#[derive(Clone)]
pub struct AppState {
    /// The executable schema, with the data attached.
    pub schema: PhoneSchema,
    /// The data, for health checks.
    pub store: Store,
    documents: Arc<cache::Bounded<ExecutableDocument>>,
    costs: Arc<cost::CostModel>,
    cost_limit: u64,
}

/// The data's identity and size, for health checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// A content hash of the data.
    pub data_version: String,
    /// When it was loaded (RFC 3339, UTC).
    pub loaded_at: String,
    /// How many entities.
    pub entities: usize,
    /// How many relations.
    pub relations: usize,
}

/// How many distinct query texts keep their parsed document before the cache starts over.
/// Dashboards resend a handful of texts with new variables, so a small cache holds them all.
const DOCUMENTS: usize = 1024;

impl AppState {
    /// Builds the schema over loaded data.
    pub fn new(loaded: Loaded, limits: Limits) -> Self {
        let store = Arc::new(Data {
            graph: loaded.graph,
            data_version: loaded.data_version,
            loaded_at: now_rfc3339(),
            work_budget: limits.work,
            computed: cache::Bounded::new(CACHE_ENTRIES),
        });
        let schema = builder()
            .data(store.clone())
            .limit_depth(limits.depth)
            .finish();
        let costs = Arc::new(cost::CostModel::from_sdl(&schema.sdl()));
        AppState {
            schema,
            store,
            documents: Arc::new(cache::Bounded::new(DOCUMENTS)),
            costs,
            cost_limit: limits.complexity as u64,
        }
    }

    /// What `/healthz` reports: the data's identity and size.
    pub fn health(&self) -> Health {
        Health {
            data_version: self.store.data_version.clone(),
            loaded_at: self.store.loaded_at.clone(),
            entities: self.store.graph.entity_count(),
            relations: self.store.graph.relation_count(),
        }
    }

    /// The parsed form of a query text, from the cache when the same text was seen before.
    /// Only parsing is saved: validation still runs on every request, with its variables.
    pub fn parse(&self, query: &str) -> Result<ExecutableDocument, async_graphql::parser::Error> {
        if let Some(doc) = self.documents.get(query) {
            return Ok(doc);
        }
        let doc = async_graphql::parser::parse_query(query)?;
        self.documents.put(query.to_owned(), doc.clone());
        Ok(doc)
    }
}

impl AppState {
    /// Executes a request. Every error in the response carries a code: errors async-graphql
    /// raises before execution without one (an unknown operation name) are validation
    /// failures, any other is `INTERNAL`.
    ///
    /// The query is costed first (see `cost`), on the parsed document the request carries or
    /// on one parsed here.
    pub async fn execute(&self, mut request: async_graphql::Request) -> async_graphql::Response {
        let variables = std::mem::take(&mut request.variables);
        let costed = match request.parsed_query() {
            Ok(doc) => self.costs.check(doc, &variables, self.cost_limit),
            Err(e) => Err(error::with_code(e, ErrorCode::ParseFailed)),
        };
        if let Err(e) = costed {
            return async_graphql::Response::from_errors(vec![e]);
        }
        request.variables = variables;
        let mut response = self.schema.execute(request).await;
        let before_execution = response.data == async_graphql::Value::Null;
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| error::code_uncoded(e, before_execution))
            .collect();
        response
    }
}

fn builder() -> async_graphql::SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
}

/// The schema's SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let days = (now / 86_400) as i32;
    let secs = now % 86_400;
    let (y, m, d) = crate::model::date::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}
