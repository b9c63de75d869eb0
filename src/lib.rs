//! phonegraph: a knowledge graph of the smartphone market, served over GraphQL.
//!
//! Module map, dependencies pointing inward (`http → gql → graph → model`, `gql → admit`,
//! `seed → graph → model`):
//! - [`model`]: the vocabulary: entity and relation kinds, partial dates, validity windows.
//! - [`graph`]: the immutable petgraph store and every query over it.
//! - [`seed`]: reading curated TOML and bulk CSV files into a store, reporting every problem
//!   with its place.
//! - [`admit`]: what a GraphQL request must pass before any schema work: size, parse, cost.
//! - [`gql`]: the GraphQL schema, thin projections of graph queries, and the app that runs it.
//! - [`http`]: the axum router and server: GraphQL over HTTP and WebSocket, the explorer page,
//!   health.
//! - [`reload`]: the data read again when its files change, made current only when valid.
//! - [`export`]: the loaded graph written out: GraphML, a JSON graph, the CSV layout, Cypher,
//!   NDJSON.
//! - [`generate`]: a synthetic market in the bulk CSV layout, for benchmarks and demos.
//! - [`cli`]: the command line: `serve`, `validate`, `schema`, `generate`, `keys`, `diff`,
//!   `export`.

// The federated root nests the API's merged root one level deeper than the compiler's default
// follows when it checks that its futures are `Send`.
#![recursion_limit = "256"]

pub mod admit;
pub mod cli;
pub mod export;
pub mod generate;
pub mod gql;
pub mod graph;
pub mod http;
pub mod model;
pub mod reload;
pub mod seed;
