//! The integration tests, in one binary: the real router driven with `oneshot`, one real TCP
//! server, the CLI, and the curated seed data.

mod audit;
mod budget;
mod bulk;
mod caching;
mod charts;
mod cli;
mod explorer;
mod export;
mod federation;
mod files;
mod helpers;
mod hostile;
mod http_protocol;
mod keys;
mod layering;
mod limits;
mod live;
mod metrics;
mod patterns;
mod pricing;
mod process;
mod production;
mod questions;
mod readme;
mod schema_sdl;
mod seed_errors;
mod server;
mod sources;
mod subscriptions;
