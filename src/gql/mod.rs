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
mod date;
mod entity;
mod enums;
mod error;
mod inputs;
mod list;
mod prepare;
mod query;
mod relation;
mod select;

use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{EmptyMutation, EmptySubscription, Name, Schema, ServerError, Variables};

pub use date::Date;
pub use entity::Entity;
pub use error::ErrorCode;
pub use prepare::INLINE_QUERY_BYTES;
pub use query::Query;

use crate::graph::Graph;

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
    /// Scratch space for path searches, a set for each search running at once.
    paths: crate::graph::PathScratch,
}

/// How many computed answers the cache keeps before it starts over.
const CACHE_ENTRIES: usize = 256;
/// How much memory the computed answers may hold before the cache starts over.
const CACHE_BYTES: usize = 64 << 20;

/// A cheap-to-clone handle on the data, of the request's own. The graph never changes after
/// loading, so an `Arc` is all the sharing needs: no lock, no copy per request.
///
/// Every object of an answer holds a clone of the handle. Were they clones of the one `Arc`
/// all requests share, the two threads answering requests would count every entity of every
/// answer on one cache line, which they would pass back and forth. So each request gets its own
/// handle on the shared `Arc` (see [`AppState::execute`]), whose count stays with it.
pub type Store = Arc<Arc<Data>>;

/// How large, deep and complex a query may be, and what the server keeps for it.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The deepest nesting of fields.
    pub depth: usize,
    /// The highest cost: each field 1, list fields times their page size.
    pub complexity: usize,
    /// The most steps one analytics computation (ranking, components) may take.
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
    /// The executable schema, with the data attached.
    pub schema: PhoneSchema,
    /// The same schema, validating only what depends on the request (see `inputs`): for
    /// documents that have passed full validation before.
    prevalidated: PhoneSchema,
    /// The data, for health checks and each request's handle.
    pub data: Arc<Data>,
    documents: Arc<cache::Bounded<Arc<ExecutableDocument>>>,
    costs: Arc<cost::CostModel>,
    inputs: Arc<inputs::InputTypes>,
    limits: Limits,
}

/// A query text parsed and checked against the limits that do not need the schema: ready to
/// execute.
#[derive(Clone, Debug)]
pub struct Parsed {
    document: Arc<ExecutableDocument>,
    /// Whether the text passed full validation before (only such texts are cached).
    validated: bool,
}

impl Parsed {
    /// The type of the operation a request with this name runs, if the document has it.
    pub fn operation_type(&self, name: Option<&str>) -> Option<OperationType> {
        self.document
            .operations
            .iter()
            .find(|(n, _)| name.is_none() || n.map(|n| n.as_str()) == name)
            .map(|(_, op)| op.node.ty)
    }
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

/// The memory a parsed document is counted as per byte of its text: its names, positions and
/// nodes take about a dozen bytes for each byte of the text.
const DOCUMENT_BYTES_PER_TEXT_BYTE: usize = 16;

impl AppState {
    /// Builds the schema over a graph and the version of the data it was built from.
    pub fn new(graph: Graph, data_version: String, limits: Limits) -> Self {
        let data = Arc::new(Data {
            graph,
            data_version,
            loaded_at: now_rfc3339(),
            work_budget: limits.work,
            computed: cache::Bounded::new(CACHE_ENTRIES, CACHE_BYTES),
            // Searches run on the runtime's threads, one per core.
            paths: crate::graph::PathScratch::new(
                std::thread::available_parallelism().map_or(4, std::num::NonZero::get),
            ),
        });
        let build = |mode| {
            builder()
                .data::<Store>(Arc::new(data.clone()))
                .validation_mode(mode)
                .finish()
        };
        let schema = build(async_graphql::ValidationMode::Strict);
        let sdl = async_graphql::parser::parse_schema(schema.sdl())
            .expect("async-graphql writes SDL it can parse");
        AppState {
            prevalidated: build(async_graphql::ValidationMode::Fast),
            schema,
            data,
            documents: Arc::new(cache::Bounded::new(DOCUMENTS, limits.doc_cache_bytes)),
            costs: Arc::new(cost::CostModel::from_sdl(&sdl)),
            inputs: Arc::new(inputs::InputTypes::from_sdl(&sdl)),
            limits,
        }
    }

    /// What `/healthz` reports: the data's identity and size.
    pub fn health(&self) -> Health {
        Health {
            data_version: self.data.data_version.clone(),
            loaded_at: self.data.loaded_at.clone(),
            entities: self.data.graph.entity_count(),
            relations: self.data.graph.relation_count(),
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
    ) -> Result<Parsed, ServerError> {
        let parsed = match self.documents.get(query) {
            Some(document) => Parsed {
                document,
                validated: true,
            },
            None => Parsed {
                document: Arc::new(prepare::parse(query, &self.limits)?),
                validated: false,
            },
        };
        self.costs.check(
            &parsed.document,
            variables,
            self.limits.complexity as u64,
            self.limits.depth,
        )?;
        if let Some(e) = inputs::unprovided(&parsed.document, operation_name, variables) {
            return Err(e);
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
    /// A text that passed full validation before is validated again only in what depends on
    /// this request: its depth and variables (see `inputs`). A text is cached once a request
    /// with it has passed validation.
    pub async fn execute(&self, parsed: &Parsed, mut request: async_graphql::Request) -> Executed {
        let known = parsed.validated
            && self.inputs.accepts(
                &parsed.document,
                request.operation_name.as_deref(),
                &request.variables,
            );
        let query = std::mem::take(&mut request.query);
        let mut document = ExecutableDocument::clone(&parsed.document);
        own_keys(&mut document);
        request.set_parsed_query(document);
        let request = request.data::<Store>(Arc::new(self.data.clone()));
        let schema = if known {
            &self.prevalidated
        } else {
            &self.schema
        };
        let mut response = schema.execute(request).await;
        // A request that failed validation has no data and errors at no path; a field error
        // always has a path.
        let before_execution = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty());
        if !parsed.validated && !before_execution {
            let bytes = query.len().saturating_mul(DOCUMENT_BYTES_PER_TEXT_BYTE);
            self.documents.put(query, parsed.document.clone(), bytes);
        }
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| error::code_uncoded(e, before_execution))
            .collect();
        error::cap(&mut response.errors, MAX_ERRORS);
        Executed {
            response,
            ran: !before_execution,
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

/// Gives a request's copy of a cached document response keys of its own.
///
/// Every object of an answer is keyed by its fields' names, each a counted reference to the
/// name in the document. Every request with the same text shares the cached document's names,
/// so the two threads answering requests would count every key of every answer on the same
/// few cache lines and pass them back and forth.
fn own_keys(document: &mut ExecutableDocument) {
    fn renew(name: &mut Name) {
        *name = Name::new(name.as_str());
    }
    fn walk(set: &mut SelectionSet) {
        for selection in &mut set.items {
            match &mut selection.node {
                Selection::Field(field) => {
                    let field = &mut field.node;
                    renew(&mut field.name.node);
                    if let Some(alias) = &mut field.alias {
                        renew(&mut alias.node);
                    }
                    walk(&mut field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => walk(&mut fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    match &mut document.operations {
        DocumentOperations::Single(operation) => walk(&mut operation.node.selection_set.node),
        DocumentOperations::Multiple(operations) => operations
            .values_mut()
            .for_each(|operation| walk(&mut operation.node.selection_set.node)),
    }
    for fragment in document.fragments.values_mut() {
        walk(&mut fragment.node.selection_set.node);
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    /// Every response key of a document's fields, with where its text lives.
    fn keys(document: &ExecutableDocument) -> Vec<(String, usize)> {
        fn walk(set: &SelectionSet, out: &mut Vec<(String, usize)>) {
            for selection in &set.items {
                match &selection.node {
                    Selection::Field(field) => {
                        let key = field.node.response_key().node.as_str();
                        out.push((key.to_owned(), key.as_ptr() as usize));
                        walk(&field.node.selection_set.node, out);
                    }
                    Selection::InlineFragment(fragment) => {
                        walk(&fragment.node.selection_set.node, out)
                    }
                    Selection::FragmentSpread(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        let mut operations: Vec<_> = document.operations.iter().collect();
        operations.sort_by_key(|(name, _)| name.map(|n| n.as_str().to_owned()));
        for (_, operation) in operations {
            walk(&operation.node.selection_set.node, &mut out);
        }
        let mut fragments: Vec<_> = document.fragments.iter().collect();
        fragments.sort_by_key(|(name, _)| name.as_str().to_owned());
        for (_, fragment) in fragments {
            walk(&fragment.node.selection_set.node, &mut out);
        }
        out
    }

    #[test]
    fn a_request_gets_response_keys_of_its_own() {
        let cached = parse_query(
            "query A { entity(id: \"x\") { id ... on Vendor { n: name } ...F } } \
             query B { stats { entities } } fragment F on Entity { kind }",
        )
        .unwrap();
        let mut copy = cached.clone();
        own_keys(&mut copy);
        let (before, after) = (keys(&cached), keys(&copy));
        let names = |k: &[(String, usize)]| k.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&after),
            ["entity", "id", "n", "stats", "entities", "kind"]
        );
        assert_eq!(names(&after), names(&before));
        for ((name, at), (_, was)) in after.iter().zip(&before) {
            assert_ne!(at, was, "`{name}` still shares the cached document's text");
        }
    }
}
