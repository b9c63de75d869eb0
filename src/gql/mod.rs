//! The GraphQL schema: thin projections of graph queries, the limits every query is held to,
//! and error codes.
//!
//! Invariant: this module knows nothing of axum or HTTP; it takes a request and gives a
//! response. Invariant: resolvers only project graph queries; any logic worth testing lives in
//! `graph`.

mod analytics;
pub(crate) mod cache;
mod chart;
mod connect;
mod date;
mod engine;
mod entity;
mod enums;
mod error;
mod evidence;
mod federation;
mod kinds;
mod live;
mod order;
mod page;
mod pattern;
mod quantity;
mod query;
mod relation;
mod select;
mod sizes;
mod subscription;
mod versions;

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{EmptyMutation, Schema, ServerError, Variables};

pub use crate::admit::INLINE_QUERY_BYTES;
pub use date::Date;
pub use engine::Engine;
pub use entity::Entity;
pub use error::ErrorCode;
pub use live::Operator;
pub use query::Query;
pub use versions::{
    ChangeCounts, DEFAULT_HISTORY, DEFAULT_HISTORY_BYTES, DataProblem, ReloadOutcome, Revision,
    Versions,
};

pub use crate::graph::{Budget, Stop};

/// What a request past its deadline is told.
pub fn timeout_message() -> String {
    GraphError::Timeout.to_string()
}

use crate::admit;
use crate::graph::{Graph, GraphError};

/// The budget of the request a resolver runs for: what its walks and lists may spend. A
/// request always has one ([`AppState::execute`] gives it); one run on the schema directly
/// gets an unbounded one.
pub(crate) fn budget<'c, T>(ctx: &'c async_graphql::ContextBase<'_, T>) -> &'c Arc<Budget> {
    static UNBOUNDED: std::sync::LazyLock<Arc<Budget>> =
        std::sync::LazyLock::new(|| Arc::new(Budget::unlimited(DEFAULT_LIMITS.work)));
    ctx.data_opt::<Arc<Budget>>().unwrap_or(&UNBOUNDED)
}

/// Marks a request run on a thread of its own (see [`AppState::execute_blocking`]).
struct OwnThread;

/// The schema type.
pub type PhoneSchema = Schema<Query, EmptyMutation, subscription::Subscription>;

/// The loaded data every resolver reads: an immutable snapshot, shared without locks (only
/// the cache of heavy computations has one).
#[derive(Debug)]
pub struct Data {
    /// The graph.
    pub graph: Graph,
    /// A content hash of the data.
    pub data_version: String,
    /// Which load of this process it is: 1 for the data read at start, then one more for each
    /// reload that went live.
    pub revision: u64,
    /// When it was loaded (RFC 3339, UTC).
    pub loaded_at: String,
    /// How long the data took to load, in seconds, once the loader says.
    load_seconds: std::sync::OnceLock<f64>,
    computed: cache::Bounded<Arc<analytics::Computed>>,
    /// Scratch space for path searches, a set for each search running at once.
    paths: crate::graph::PathScratch,
}

impl Data {
    /// A version of the data: `graph`, with its content hash and its revision.
    fn new(graph: Graph, data_version: String, revision: u64) -> Self {
        Data {
            graph,
            data_version,
            revision,
            loaded_at: now_rfc3339(),
            load_seconds: std::sync::OnceLock::new(),
            computed: cache::Bounded::new(CACHE_ENTRIES, CACHE_BYTES),
            // Searches run on the runtime's threads, one per core.
            paths: crate::graph::PathScratch::new(
                std::thread::available_parallelism().map_or(4, std::num::NonZero::get),
            ),
        }
    }
}

/// How many computed answers the cache keeps before it starts over.
const CACHE_ENTRIES: usize = 256;
/// How much memory the computed answers may hold before the cache starts over.
const CACHE_BYTES: usize = 64 << 20;

/// A cheap-to-clone handle on the version of the data a request reads, of the request's own.
/// A version never changes (a reload makes a new one), so an `Arc` is all the sharing needs:
/// no lock, no copy per request.
///
/// Every object of an answer holds a clone of the handle. Were they clones of the one `Arc`
/// all requests share, the two threads answering requests would count every entity of every
/// answer on one cache line, which they would pass back and forth. So the fast engine gives
/// each request its own handle on the shared `Arc` (see `engine`), whose count stays with it.
pub type Store = Arc<Arc<Data>>;

/// How large, deep and complex a query may be, and what the server keeps for it.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The deepest nesting of fields.
    pub depth: usize,
    /// The highest cost: each field 1, list fields times their page size.
    pub complexity: usize,
    /// The most steps the analytics computations (ranking, components) of one request may
    /// take together.
    pub work: u64,
    /// The longest query text, in bytes.
    pub query_bytes: usize,
    /// The memory the parsed-document cache may hold, in bytes.
    pub doc_cache_bytes: usize,
}

/// The limits used unless configured otherwise.
pub const DEFAULT_LIMITS: Limits = Limits {
    depth: 16,
    complexity: 20_000,
    work: 50_000_000,
    query_bytes: 64 << 10,
    doc_cache_bytes: 32 << 20,
};

/// The most errors one response carries; past them, one more error says how many were left
/// out.
pub const MAX_ERRORS: usize = 100;

/// What the HTTP layer needs: the schema, the data behind it, and the parsed documents.
#[derive(Clone)]
pub struct AppState {
    /// The executable schema; each request brings the version of the data it reads.
    pub schema: PhoneSchema,
    /// The data's versions: the current one, which each request takes when it is prepared.
    versions: Arc<Versions>,
    documents: Arc<cache::Bounded<Arc<ExecutableDocument>>>,
    costs: Arc<admit::CostModel>,
    limits: Limits,
    /// What the fast engine keeps; `None` runs stock async-graphql.
    fast: Option<Arc<engine::Fast>>,
    /// With `--federation`, the subgraph's schema, which runs every query (on the stock
    /// engine); `None` runs `schema`.
    federated: Option<federation::FederatedSchema>,
    /// Whether errors suggest names.
    suggest: bool,
}

/// A query text parsed and checked against the limits that do not need the schema: ready to
/// execute.
#[derive(Clone, Debug)]
pub struct Parsed {
    document: Arc<ExecutableDocument>,
    /// The version of the data it was priced on, and will run on.
    data: Arc<Data>,
    /// Whether the text passed full validation before (only such texts are cached).
    validated: bool,
    /// What the query costs with the request's variables.
    cost: u64,
}

impl Parsed {
    /// What the query costs with the request's variables (of its costliest operation).
    pub fn cost(&self) -> u64 {
        self.cost
    }

    /// The operation a request with this name runs (the first, when it names none), with the
    /// document's name for it.
    fn operation(&self, name: Option<&str>) -> Option<(Option<&str>, OperationType)> {
        self.document
            .operations
            .iter()
            .find(|(n, _)| name.is_none() || n.map(|n| n.as_str()) == name)
            .map(|(n, op)| (n.map(|n| n.as_str()), op.node.ty))
    }

    /// The version of the data it runs on: its content hash and revision.
    pub fn version(&self) -> (&str, u64) {
        (&self.data.data_version, self.data.revision)
    }

    /// The type of the operation a request with this name runs, if the document has it.
    pub fn operation_type(&self, name: Option<&str>) -> Option<OperationType> {
        self.operation(name).map(|(_, ty)| ty)
    }

    /// Whether the operation a request with this name runs asks for the schema itself
    /// (`__schema`, `__type`).
    pub fn introspects(&self, name: Option<&str>) -> bool {
        order::introspects(&self.document, name)
    }

    /// The name of the operation a request with this name runs: the document's own name for
    /// it when the request names none; `None` for an anonymous operation.
    pub fn operation_name(&self, name: Option<&str>) -> Option<&str> {
        self.operation(name).and_then(|(n, _)| n)
    }
}

/// The data's identity and size, for health checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Health {
    /// A content hash of the data.
    pub data_version: String,
    /// Which load of this process it is.
    pub revision: u64,
    /// When it was loaded (RFC 3339, UTC).
    pub loaded_at: String,
    /// What the last reload did, if there was one.
    pub last_reload: Option<Arc<ReloadOutcome>>,
    /// How many reloads validated, and how many failed.
    pub reloads: (u64, u64),
    /// How many entities.
    pub entities: usize,
    /// How many relations.
    pub relations: usize,
    /// How long the data took to load, in seconds, if the loader said.
    pub load_seconds: Option<f64>,
}

/// How many distinct query texts keep their parsed document before the cache starts over.
/// Dashboards resend a handful of texts with new variables, so a small cache holds them all.
const DOCUMENTS: usize = 1024;

/// The memory a parsed document is counted as per byte of its text: its names, positions and
/// nodes take about a dozen bytes for each byte of the text.
const DOCUMENT_BYTES_PER_TEXT_BYTE: usize = 16;

impl AppState {
    /// Builds the schema over a graph and the version of the data it was built from, run by
    /// the fast engine.
    pub fn new(graph: Graph, data_version: String, limits: Limits) -> Self {
        let data = Arc::new(Data::new(graph, data_version, 1));
        let versions = Arc::new(Versions::new(data, DEFAULT_HISTORY, DEFAULT_HISTORY_BYTES));
        let schema = schema(&versions, async_graphql::ValidationMode::Strict, true);
        let sdl = async_graphql::parser::parse_schema(schema.sdl())
            .expect("async-graphql writes SDL it can parse");
        AppState {
            schema,
            versions,
            documents: Arc::new(cache::Bounded::new(DOCUMENTS, limits.doc_cache_bytes)),
            costs: Arc::new(costs(&sdl, limits.work)),
            limits,
            fast: None,
            federated: None,
            suggest: true,
        }
        .with_engine(Engine::Fast)
    }

    /// The same app, whose errors never suggest a name ("Did you mean …?"): a public server
    /// need not help a stranger map its schema.
    pub fn without_suggestions(mut self) -> Self {
        self.suggest = false;
        self.schema = schema(&self.versions, async_graphql::ValidationMode::Strict, false);
        if self.federated.is_some() {
            self.federated = Some(federated(&self.versions, false));
        }
        let engine = self.engine();
        self.with_engine(engine)
    }

    /// The same app as an Apollo Federation v2 subgraph: entity types carry
    /// `@key(fields: "id")`, and `_service` and `_entities` answer. It runs on the stock
    /// engine, whose schema it extends.
    pub fn with_federation(mut self) -> Self {
        let schema = federated(&self.versions, self.suggest);
        let sdl = async_graphql::parser::parse_schema(schema.sdl())
            .expect("async-graphql writes SDL it can parse");
        self.costs = Arc::new(costs(&sdl, self.limits.work));
        // Texts validated against the plain schema are not against this one: a cache of its own.
        self.documents = Arc::new(cache::Bounded::new(DOCUMENTS, self.limits.doc_cache_bytes));
        self.federated = Some(schema);
        self.fast = None;
        self
    }

    /// Whether this app serves as a federation subgraph.
    pub fn federated(&self) -> bool {
        self.federated.is_some()
    }

    /// The same app, over the same data and caches, run by another engine.
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.fast = match engine {
            Engine::Stock => None,
            // A subgraph runs its own schema, on the stock engine.
            Engine::Fast if self.federated.is_some() => None,
            Engine::Fast => {
                let sdl = async_graphql::parser::parse_schema(self.schema.sdl())
                    .expect("async-graphql writes SDL it can parse");
                let prevalidated = schema(
                    &self.versions,
                    async_graphql::ValidationMode::Fast,
                    self.suggest,
                );
                Some(Arc::new(engine::Fast::new(prevalidated, &sdl)))
            }
        };
        self
    }

    /// The engine that runs this app's queries.
    pub fn engine(&self) -> Engine {
        if self.fast.is_some() {
            Engine::Fast
        } else {
            Engine::Stock
        }
    }

    /// The same app keeping the changes of at most `revisions` reloads, holding at most
    /// `bytes` of them. Only before it serves: the history starts over.
    pub fn with_history(mut self, revisions: usize, bytes: usize) -> Self {
        let versions = Arc::new(Versions::new(self.versions.current(), revisions, bytes));
        self.versions = versions;
        self.schema = schema(
            &self.versions,
            async_graphql::ValidationMode::Strict,
            self.suggest,
        );
        let engine = self.engine();
        self.with_engine(engine)
    }

    /// Records how long the current data took to load (read from files and built). Only the
    /// first time counts.
    pub fn set_load_time(&self, took: std::time::Duration) {
        let _ = self.versions.current().load_seconds.set(took.as_secs_f64());
    }

    /// The data's versions: the current one, the last reload, the recent changes, and the
    /// requests for a reload.
    pub fn versions(&self) -> &Arc<Versions> {
        &self.versions
    }

    /// Makes a newly loaded graph the current data: requests prepared from now on read it,
    /// those under way finish on the version they began with. `changes` are what make it
    /// from the current one, and `outcome` what the reload that loaded it did: both are seen
    /// at once. Gives the new revision.
    ///
    /// Call it off the async threads: it compares the versions for `watch` subscriptions, and
    /// may free the version it replaced, a whole graph.
    pub fn install(
        &self,
        graph: Graph,
        data_version: String,
        took: std::time::Duration,
        changes: Vec<crate::graph::Change>,
        outcome: ReloadOutcome,
    ) -> Arc<Revision> {
        let data = Data::new(graph, data_version, self.versions.take_revision());
        let _ = data.load_seconds.set(took.as_secs_f64());
        self.versions.install(Arc::new(data), changes, outcome)
    }

    /// What `/healthz` reports: the data's identity and size, and the last reload.
    pub fn health(&self) -> Health {
        let versions::Published {
            data,
            last_reload,
            reloads,
        } = self.versions.published();
        Health {
            data_version: data.data_version.clone(),
            revision: data.revision,
            loaded_at: data.loaded_at.clone(),
            last_reload,
            reloads,
            entities: data.graph.entity_count(),
            relations: data.graph.relation_count(),
            load_seconds: data.load_seconds.get().copied(),
        }
    }

    /// Parses a request's query text (or finds it in the cache) and checks what needs no
    /// schema: its size, its directives, its cost with these variables, and that every
    /// required variable is given. Texts longer than [`INLINE_QUERY_BYTES`] take a while to
    /// parse and cost: callers on an async runtime should run this off its threads.
    pub fn prepare(
        &self,
        query: &str,
        variables: &Variables,
        operation_name: Option<&str>,
    ) -> Result<Parsed, Rejected> {
        let data = self.versions.current();
        let mut parsed = match self.documents.get(query) {
            Some(document) => Parsed {
                document,
                data,
                validated: true,
                cost: 0,
            },
            None => Parsed {
                document: Arc::new(
                    admit::parse(query, self.limits.query_bytes).map_err(Rejected::from)?,
                ),
                data,
                validated: false,
                cost: 0,
            },
        };
        parsed.cost = self.costs.check(
            &parsed.document,
            variables,
            &sizes::DataSizes {
                graph: &parsed.data.graph,
            },
            self.limits.complexity as u64,
            self.limits.depth,
        )?;
        if let Some(refused) = admit::unprovided(&parsed.document, operation_name, variables) {
            return Err(refused.into());
        }
        Ok(parsed)
    }

    /// How many bytes the parsed-document cache holds, as it counts them.
    pub fn document_cache_bytes(&self) -> usize {
        self.documents.bytes()
    }
}

impl AppState {
    /// Executes a prepared request. Every error in the response carries a code: errors
    /// async-graphql raises before execution without one (an unknown operation name) are
    /// validation failures, any other is `INTERNAL`. At most [`MAX_ERRORS`] errors are given,
    /// then one saying how many more there were.
    ///
    /// A text is cached once a request with it has passed validation.
    ///
    /// The request spends `budget` (see [`AppState::budget`]); one its budget stopped is a
    /// request error, without data: `TIMEOUT` past its deadline (or cancelled), and
    /// `LIMIT_EXCEEDED` past the items its answer may hold.
    pub async fn execute(
        &self,
        parsed: &Parsed,
        mut request: async_graphql::Request,
        budget: &Arc<Budget>,
    ) -> Executed {
        let query = std::mem::take(&mut request.query);
        let mut request = request.data(budget.clone());
        let operation_name = request.operation_name.clone();
        let mut response = match (&self.federated, &self.fast) {
            (Some(federated), _) => {
                request.set_parsed_query(ExecutableDocument::clone(&parsed.document));
                let request = request.data::<Store>(Arc::new(parsed.data.clone()));
                federated.execute(request).await
            }
            (None, Some(fast)) => {
                let (schema, request) = fast.ready(
                    &self.schema,
                    &parsed.data,
                    &parsed.document,
                    parsed.validated,
                    request,
                );
                schema.execute(request).await
            }
            (None, None) => {
                request.set_parsed_query(ExecutableDocument::clone(&parsed.document));
                let request = request.data::<Store>(Arc::new(parsed.data.clone()));
                self.schema.execute(request).await
            }
        };
        // A request that failed validation has no data and errors at no path; a field error
        // always has a path.
        let before_execution = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty());
        order::in_asked_order(
            &parsed.document,
            operation_name.as_deref(),
            &mut response.data,
        );
        if !parsed.validated && !before_execution {
            let bytes = query.len().saturating_mul(DOCUMENT_BYTES_PER_TEXT_BYTE);
            self.documents.put(query, parsed.document.clone(), bytes);
        }
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| error::code_uncoded(e, before_execution))
            .collect();
        error::cap(&mut response.errors, MAX_ERRORS);
        let stopped = budget.stopped();
        if let Some(why) = stopped {
            let (code, message) = match why {
                Stop::Items => (
                    ErrorCode::LimitExceeded,
                    GraphError::TooManyItems(self.limits.complexity as u64).to_string(),
                ),
                Stop::Timeout | Stop::Cancelled => {
                    (ErrorCode::Timeout, GraphError::Timeout.to_string())
                }
            };
            response = async_graphql::Response::from_errors(vec![error::with_code(
                ServerError::new(message, None),
                code,
            )]);
        }
        if !before_execution && stopped.is_none() {
            response.extensions.insert(
                "dataVersion".to_owned(),
                async_graphql::Value::String(parsed.data.data_version.clone()),
            );
        }
        Executed {
            response,
            ran: !before_execution,
            stopped,
        }
    }

    /// Starts a subscription: a stream of responses, one for each event, until the
    /// subscriber drops it. The request was prepared like any other (parsed, priced, checked
    /// against the limits); each event's answer is held to the same budget of items.
    pub fn subscribe(
        &self,
        parsed: &Parsed,
        mut request: async_graphql::Request,
    ) -> impl async_graphql::futures_util::Stream<Item = async_graphql::Response> + Send + 'static
    {
        request.query = String::new();
        request.set_parsed_query(ExecutableDocument::clone(&parsed.document));
        let request = request.data::<Store>(Arc::new(parsed.data.clone()));
        use async_graphql::futures_util::StreamExt as _;
        let versions = self.versions.clone();
        self.schema
            .execute_stream(request)
            .map(move |mut response| {
                // Refused before it ran: no data, and errors at no path.
                let before = response.data == async_graphql::Value::Null
                    && response.errors.iter().all(|e| e.path.is_empty());
                response.errors = std::mem::take(&mut response.errors)
                    .into_iter()
                    .map(|e| error::code_uncoded(e, before))
                    .collect();
                error::cap(&mut response.errors, MAX_ERRORS);
                if !before {
                    // An event is sent as its version goes live: the one answering then.
                    response.extensions.insert(
                        "dataVersion".to_owned(),
                        async_graphql::Value::String(versions.current().data_version.clone()),
                    );
                }
                response
            })
    }

    /// [`AppState::execute`] on the calling thread, which it keeps until the request is
    /// answered: for a thread of its own (a blocking pool's), never one serving connections.
    /// The request's computations run in place rather than on other threads.
    pub fn execute_blocking(
        &self,
        runtime: &tokio::runtime::Handle,
        parsed: &Parsed,
        request: async_graphql::Request,
        budget: &Arc<Budget>,
    ) -> Executed {
        runtime.block_on(self.execute(parsed, request.data(OwnThread), budget))
    }

    /// What a request that ran under `budget` really cost, by the rule of its price: the items
    /// its answer held, and a point for each [`WORK_PER_COST_POINT`] steps its computations
    /// took; at least 1.
    pub fn spent(&self, budget: &Budget) -> u64 {
        (budget.items_used() + budget.work_used() / WORK_PER_COST_POINT).max(1)
    }

    /// The limits queries are held to.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A budget for one request: until `deadline`, at most `--max-complexity` items in its
    /// answer (the price it was admitted at is an estimate of these), and `--max-work`
    /// analytics steps for all its computations together.
    pub fn budget(&self, deadline: Option<std::time::Instant>) -> Arc<Budget> {
        Arc::new(Budget::new(
            deadline,
            self.limits.complexity as u64,
            self.limits.work,
        ))
    }
}

/// A request refused before it ran: its error, and the error's code.
#[derive(Debug)]
pub struct Rejected {
    /// Why, as the error's `extensions.code` says.
    pub code: ErrorCode,
    /// The error, with its code (boxed: a refusal is rare, and a `Result` is as large as its
    /// larger side).
    pub error: Box<ServerError>,
}

impl From<admit::Refused> for Rejected {
    fn from(refused: admit::Refused) -> Self {
        let (code, error) = error::refused(refused);
        Rejected {
            code,
            error: Box::new(error),
        }
    }
}

/// An executed request: its response, and whether it ran. One that did not (it failed
/// validation) is a request error, which GraphQL over HTTP answers apart from a response
/// with data.
#[derive(Debug)]
pub struct Executed {
    /// The response, every error with a code.
    pub response: async_graphql::Response,
    /// Whether execution began.
    pub ran: bool,
    /// Why its budget stopped it, if it did: the response is then a request error.
    pub stopped: Option<Stop>,
}

fn builder() -> async_graphql::SchemaBuilder<Query, EmptyMutation, subscription::Subscription> {
    Schema::build(Query::default(), EmptyMutation, subscription::Subscription)
}

/// What one analytics computation costs, per step of `--max-work` it may take.
const WORK_PER_COST_POINT: u64 = 10_000;

/// The cost table of the schema: each field 1 (and its list's items), an analytics field as
/// much as the work it may do (a point per [`WORK_PER_COST_POINT`] steps of `work`), and so is
/// a neighbourhood's `count` and a `pattern`.
fn costs(sdl: &async_graphql::parser::types::ServiceDocument, work: u64) -> admit::CostModel {
    let computation = work / WORK_PER_COST_POINT;
    admit::CostModel::from_sdl(sdl)
        .weigh("Query", "ranking", computation)
        .weigh("Query", "components", computation)
        .weigh("Neighbourhood", "count", computation)
        .weigh("Query", "pattern", computation)
}

/// The schema over the data's `versions`, validating in `mode`. The version a request reads
/// comes with the request.
fn schema(
    versions: &Arc<Versions>,
    mode: async_graphql::ValidationMode,
    suggest: bool,
) -> PhoneSchema {
    let builder = builder().data(versions.clone()).validation_mode(mode);
    if suggest {
        builder.finish()
    } else {
        builder.disable_suggestions().finish()
    }
}

/// The federated schema over the data's `versions` (see [`AppState::with_federation`]).
fn federated(versions: &Arc<Versions>, suggest: bool) -> federation::FederatedSchema {
    let builder = federated_builder().data(versions.clone());
    if suggest {
        builder.finish()
    } else {
        builder.disable_suggestions().finish()
    }
}

fn federated_builder() -> async_graphql::SchemaBuilder<
    federation::FederatedQuery,
    EmptyMutation,
    async_graphql::EmptySubscription,
> {
    Schema::build(
        federation::FederatedQuery::default(),
        EmptyMutation,
        async_graphql::EmptySubscription,
    )
    .enable_federation()
}

/// The subgraph's SDL, as `_service { sdl }` gives it to a federation gateway.
pub fn federated_sdl() -> String {
    federated_builder().finish().sdl_with_options(
        async_graphql::SDLExportOptions::new()
            .federation()
            .compose_directive(),
    )
}

/// The schema's SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// Now, in RFC 3339 (UTC, to the second).
pub fn now_rfc3339() -> String {
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
