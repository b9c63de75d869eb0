//! The command line: `serve`, `validate` and `schema`, every flag with a `PHONEGRAPH_…`
//! environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// phonegraph: a knowledge graph of the smartphone market, served over GraphQL.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Logs go to standard error; PHONEGRAPH_LOG sets what is logged (a tracing filter, \
                  default `info`, e.g. `phonegraph=debug`). Colour codes only on a terminal."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the seed data and serve GraphQL over HTTP, and the explorer page at `/`.
    Serve(Box<ServeArgs>),
    /// Check the seed data and print every problem with its place; exit non-zero if any.
    Validate(DataArgs),
    /// Print the GraphQL schema (SDL), exactly as committed in `schema/schema.graphql`.
    Schema {
        /// The Apollo Federation v2 subgraph's SDL instead, as `serve --federation` gives it in
        /// `_service { sdl }`.
        #[arg(long)]
        federation: bool,
    },
    /// Write a synthetic market (`nodes.csv`, `edges.csv`) for benchmarks and demos.
    Generate(GenerateArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// List the entities and relations added, removed and changed between two versions of the
    /// seed data, each with its place: `diff OLD NEW`, or `diff --git REV [DIR]` for DIR
    /// (default `seed-data`) at a git revision against the working tree. Exit 0 when there is
    /// no difference, 1 when there is, 2 on error, like `diff`.
    Diff(DiffArgs),
    /// Write the loaded graph for other tools: `graphml` (Gephi, yEd), `json` (JSON Graph
    /// Format), `csv` (the bulk layout `--csv` loads: OUT is a folder for `nodes.csv` and
    /// `edges.csv`), `cypher` (Neo4j 5, for `cypher-shell -f`) or `ndjson`.
    Export(ExportArgs),
}

/// What to export, and where.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    /// Where the data comes from.
    pub data: DataArgs,
    /// The format: graphml, json, csv, cypher or ndjson.
    #[arg(long)]
    pub format: crate::export::Format,
    /// The file to write (`-` for standard output); for `csv`, the folder.
    pub out: PathBuf,
}

/// What to compare.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old seed folder (with `--git`: the folder to compare, default `seed-data`).
    pub old: Option<PathBuf>,
    /// The new seed folder.
    pub new: Option<PathBuf>,
    /// Compare the folder as it is in this git revision with the working tree.
    #[arg(long)]
    pub git: Option<String>,
}

/// What to do with API keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new key to a keys file (made if missing) and print the key, alone, on standard
    /// output: the file keeps only its SHA-256, so this is the only time it is shown.
    New {
        /// The keys file, as `serve --api-keys` reads it.
        #[arg(long)]
        file: PathBuf,
        /// Whose key it is (shown in the access log).
        #[arg(long)]
        name: String,
        /// What it may do: `reader` (GraphQL) or `admin` (also `/metrics`).
        #[arg(long, value_parser = ["reader", "admin"])]
        role: String,
    },
}

/// What to generate.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// About how many entities.
    #[arg(long)]
    pub entities: usize,
    /// The seed: the same count and seed write the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The folder to write into.
    pub dir: PathBuf,
}

/// Where the data comes from.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// The folder of curated TOML files (read at any depth).
    #[arg(long, env = "PHONEGRAPH_SEED_DATA", default_value = "seed-data")]
    pub seed_data: PathBuf,
    /// A folder of bulk CSV (`nodes.csv`, `edges.csv`) loaded on top of the seed data; repeat
    /// for several (comma-separated in the environment variable).
    #[arg(long = "csv", env = "PHONEGRAPH_CSV", value_delimiter = ',')]
    pub csv: Vec<PathBuf>,
    /// Leave out bad CSV rows, reporting how many, instead of refusing to load.
    #[arg(long, env = "PHONEGRAPH_SKIP_BAD_ROWS")]
    pub skip_bad_rows: bool,
    /// The largest curated TOML file read, in bytes; a larger one is refused unread.
    #[arg(long, env = "PHONEGRAPH_MAX_TOML_BYTES", default_value_t = crate::seed::DEFAULT_MAX_TOML_BYTES)]
    pub max_toml_bytes: u64,
    /// The largest bulk CSV file read, in bytes; a larger one is refused unread.
    #[arg(long, env = "PHONEGRAPH_MAX_CSV_BYTES", default_value_t = crate::seed::DEFAULT_MAX_CSV_BYTES)]
    pub max_csv_bytes: u64,
}

impl DataArgs {
    fn options(&self) -> crate::seed::LoadOptions {
        crate::seed::LoadOptions {
            csv_dirs: self.csv.clone(),
            skip_bad_rows: self.skip_bad_rows,
            max_toml_bytes: self.max_toml_bytes,
            max_csv_bytes: self.max_csv_bytes,
        }
    }

    fn load(&self) -> Result<crate::seed::Loaded, crate::seed::SeedError> {
        crate::seed::load_with(&self.seed_data, &self.options())
    }

    /// The same data, for the reloader: how to load it again, and the folders to watch.
    fn source(&self) -> crate::reload::Source {
        let (dir, options) = (self.seed_data.clone(), self.options());
        let mut folders = vec![self.seed_data.clone()];
        folders.extend(self.csv.iter().cloned());
        crate::reload::Source {
            load: std::sync::Arc::new(move || crate::seed::load_with(&dir, &options)),
            folders,
        }
    }
}

/// How to serve.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    /// Where the data comes from.
    pub data: DataArgs,
    /// The address to listen on.
    #[arg(long, env = "PHONEGRAPH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Origins allowed to call the API from a browser (repeat, or comma-separate; `*` for any).
    #[arg(long, env = "PHONEGRAPH_CORS_ORIGIN", value_delimiter = ',')]
    pub cors_origin: Vec<String>,
    /// The largest request body accepted, in bytes.
    #[arg(long, env = "PHONEGRAPH_MAX_BODY_BYTES", default_value_t = crate::http::DEFAULT_MAX_BODY)]
    pub max_body_bytes: usize,
    /// The longest query text accepted, in bytes.
    #[arg(long, env = "PHONEGRAPH_MAX_QUERY_BYTES", default_value_t = crate::gql::DEFAULT_LIMITS.query_bytes)]
    pub max_query_bytes: usize,
    /// The deepest query accepted.
    #[arg(long, env = "PHONEGRAPH_MAX_DEPTH", default_value_t = crate::gql::DEFAULT_LIMITS.depth)]
    pub max_depth: usize,
    /// The most complex query accepted: each field costs 1, a list field times the items the
    /// data says it may return; also the most items one answer may hold.
    #[arg(long, env = "PHONEGRAPH_MAX_COMPLEXITY", default_value_t = crate::gql::DEFAULT_LIMITS.complexity)]
    pub max_complexity: usize,
    /// The most steps the analytics computations (ranking, components) of one request may take
    /// together.
    #[arg(long, env = "PHONEGRAPH_MAX_WORK", default_value_t = crate::gql::DEFAULT_LIMITS.work)]
    pub max_work: u64,
    /// How queries run: `fast`, or `stock` async-graphql (the same answers, more slowly; for
    /// checking an async-graphql upgrade).
    #[arg(long, env = "PHONEGRAPH_ENGINE", default_value = "fast", value_parser = engine())]
    pub engine: crate::gql::Engine,
    /// Serve as an Apollo Federation v2 subgraph: entity types carry `@key(fields: "id")`,
    /// and `_service` and `_entities` answer a gateway. Runs on the stock engine.
    #[arg(long, env = "PHONEGRAPH_FEDERATION")]
    pub federation: bool,
    /// The memory the cache of parsed query texts may hold, in bytes.
    #[arg(long, env = "PHONEGRAPH_DOC_CACHE_BYTES", default_value_t = crate::gql::DEFAULT_LIMITS.doc_cache_bytes)]
    pub doc_cache_bytes: usize,
    /// How long a client has to send a request's line and headers (`10s`, `500ms`).
    #[arg(long, env = "PHONEGRAPH_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// How long a connection may stay open without a byte read or written.
    #[arg(long, env = "PHONEGRAPH_KEEP_ALIVE_TIMEOUT", default_value = "60s", value_parser = duration)]
    pub keep_alive_timeout: Duration,
    /// How long a request body may take before it must keep up `--min-body-rate`.
    #[arg(long, env = "PHONEGRAPH_BODY_GRACE", default_value = "5s", value_parser = duration)]
    pub body_grace: Duration,
    /// The slowest a request body may arrive after its grace period, in bytes a second (408
    /// below it).
    #[arg(long, env = "PHONEGRAPH_MIN_BODY_RATE", default_value_t = 1024)]
    pub min_body_rate: u64,
    /// The most open connections (503 past it) [default: the open-file limit, raised to its
    /// maximum at start, less 128 for files and spare connections].
    #[arg(long, env = "PHONEGRAPH_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// The most GraphQL requests served at once (503 past it).
    #[arg(long, env = "PHONEGRAPH_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// How long requests under way may take to finish once SIGTERM or Ctrl-C arrives.
    #[arg(long, env = "PHONEGRAPH_SHUTDOWN_GRACE", default_value = "10s", value_parser = duration)]
    pub shutdown_grace: Duration,
    /// Log one line for each GraphQL request: client, operation, cost, status, outcome, time.
    #[arg(long, env = "PHONEGRAPH_ACCESS_LOG")]
    pub access_log: bool,
    /// A file of API keys (`phonegraph keys new` writes it): requests to `/graphql` then need
    /// `Authorization: Bearer <key>`, and `/metrics` an admin's key.
    #[arg(long, env = "PHONEGRAPH_API_KEYS")]
    pub api_keys: Option<PathBuf>,
    /// Let anyone read `/metrics`, even with `--api-keys`.
    #[arg(long, env = "PHONEGRAPH_METRICS_OPEN")]
    pub metrics_open: bool,
    /// Serve the public: no name suggestions in errors, introspection and the console for
    /// admins only, JSON logs, the access log on; needs `--api-keys` unless `--open`.
    #[arg(long, env = "PHONEGRAPH_PRODUCTION")]
    pub production: bool,
    /// Requests a second each client may send to `/graphql`, a second's worth at once (429
    /// `RATE_LIMITED` past it); a client is its API key, else its address (an IPv6 /64).
    #[arg(long, env = "PHONEGRAPH_RATE_LIMIT")]
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// With `--rate-limit`, the most requests one client may have answered at once.
    #[arg(long, env = "PHONEGRAPH_MAX_CLIENT_IN_FLIGHT", default_value_t = 16)]
    pub max_client_in_flight: usize,
    /// How long a GraphQL request may take from its arrival (`TIMEOUT` past it: 504, or 200
    /// under `application/json`).
    #[arg(long, env = "PHONEGRAPH_REQUEST_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub request_timeout: Duration,
    /// The largest answer sent, in bytes (`RESPONSE_TOO_LARGE` past it, and nothing of the
    /// answer).
    #[arg(long, env = "PHONEGRAPH_MAX_RESPONSE_BYTES", default_value_t = 16 << 20)]
    pub max_response_bytes: usize,
    /// Requests costing more than this run on a pool of one thread per core, never on the
    /// threads that serve connections; the others wait their turn.
    #[arg(long, env = "PHONEGRAPH_POOL_ABOVE_COST", default_value_t = 5_000)]
    pub pool_above_cost: u64,
    /// With `--rate-limit`, the cost points a second each client may spend, a second's worth
    /// (or `--max-complexity`, if more) at once; what a request was charged beyond what it
    /// returned is given back. Admins are not limited.
    #[arg(long, env = "PHONEGRAPH_MAX_CLIENT_COST", default_value_t = 100_000)]
    pub max_client_cost: u64,
    /// A proxy (an address, or a network such as `10.0.0.0/8`) whose `X-Forwarded-For` names
    /// the client, for rate limits and the access log; repeatable, comma-separated.
    #[arg(long, env = "PHONEGRAPH_TRUST_PROXY", value_delimiter = ',')]
    pub trust_proxy: Vec<String>,
    /// With `--production`, serve without keys: everyone may ask, no one is an admin.
    #[arg(long, env = "PHONEGRAPH_OPEN", requires = "production")]
    pub open: bool,
    /// Reload when a data file changes (`PHONEGRAPH_WATCH=false` turns it off, as does
    /// `--no-watch`); SIGHUP and `POST /admin/reload` reload either way.
    #[arg(long, env = "PHONEGRAPH_WATCH", default_value_t = true, action = clap::ArgAction::Set, hide = true)]
    pub watch: bool,
    /// Do not watch the data files.
    #[arg(long)]
    pub no_watch: bool,
    /// The most WebSocket connections open at once (503 past it).
    #[arg(long, env = "PHONEGRAPH_MAX_WS_CONNECTIONS", default_value_t = 256)]
    pub max_ws_connections: usize,
    /// The most operations (subscriptions) one WebSocket connection may have running.
    #[arg(
        long,
        env = "PHONEGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = 32
    )]
    pub max_subscriptions_per_connection: usize,
    /// How long a WebSocket client has to send `connection_init` (closed 4408 past it).
    #[arg(long, env = "PHONEGRAPH_WS_INIT_TIMEOUT", default_value = "5s", value_parser = duration)]
    pub ws_init_timeout: Duration,
    /// The bytes of query texts kept for automatic persisted queries (sent once with their
    /// SHA-256, then by the hash alone); when full, the store starts over.
    #[arg(long, env = "PHONEGRAPH_PERSISTED_QUERY_BYTES", default_value_t = 16 << 20)]
    pub persisted_query_bytes: usize,
    /// How many reloads' changes `changes(since:)` can answer from.
    #[arg(long, env = "PHONEGRAPH_HISTORY", default_value_t = crate::gql::DEFAULT_HISTORY)]
    pub history: usize,
    /// The memory the reloads' changes may hold, in bytes; past it the oldest are forgotten.
    #[arg(long, env = "PHONEGRAPH_HISTORY_BYTES", default_value_t = crate::gql::DEFAULT_HISTORY_BYTES)]
    pub history_bytes: usize,
}

/// File descriptors kept back from `--max-connections`: data files, logs, spare connections.
const DESCRIPTOR_MARGIN: u64 = 128;

/// Reads `10s`, `500ms`, `1.5s` or a bare number of seconds (two units need no crate).
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else {
        (text.strip_suffix('s').unwrap_or(text), 1.0)
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| Duration::from_secs_f64(n * scale))
        .ok_or_else(|| format!("`{text}` is not a duration: write it as `10s` or `500ms`"))
}

/// Raises the soft open-file limit to the hard one, so that file descriptors are never what
/// fails first, and returns the limit in force.
fn raise_open_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// Runs the command line and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = matches!(&cli.command, Command::Serve(args) if args.production);
    init_tracing(json);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to standard error: as JSON lines when `json`, else as text, with colour codes only on
/// a terminal.
fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PHONEGRAPH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Schema { federation } => {
            let sdl = if federation {
                crate::gql::federated_sdl()
            } else {
                crate::gql::sdl()
            };
            // A reader that stops early (`| head`) is no error.
            let mut out = std::io::stdout().lock();
            match std::io::Write::write_all(&mut out, sdl.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(args) => {
            let written = crate::generate::generate(args.entities, args.seed, &args.dir)
                .with_context(|| format!("cannot write into `{}`", args.dir.display()))?;
            println!(
                "{}: {} entities, {} relations",
                args.dir.display(),
                written.entities,
                written.relations
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::New { file, name, role }) => {
            let role = role.parse().map_err(anyhow::Error::msg)?;
            let key = crate::http::add_key(&file, &name, role)?;
            println!("{key}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff(args) => Ok(diff(&args)),
        Command::Export(args) => export(&args),
        Command::Validate(data) => match data.load() {
            Ok(loaded) => {
                println!(
                    "{}: {} files, {} entities, {} relations; data version {}",
                    data.seed_data.display(),
                    loaded.files.len(),
                    loaded.graph.entity_count(),
                    loaded.graph.relation_count(),
                    loaded.data_version
                );
                for f in &loaded.csv {
                    println!(
                        "{}: {} rows, {} skipped",
                        f.path.display(),
                        f.rows,
                        f.skipped
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(crate::seed::SeedError::Invalid(report)) => {
                println!("{report}");
                Ok(ExitCode::FAILURE)
            }
            Err(e) => Err(e.into()),
        },
        Command::Serve(args) => {
            if args.production && args.api_keys.is_none() && !args.open {
                anyhow::bail!(
                    "--production needs --api-keys FILE (phonegraph keys new writes one), or --open to serve everyone without keys"
                );
            }
            // A bad proxy or keys file is found before the data is loaded.
            let trusted_proxies = crate::http::TrustedProxies::parse(&args.trust_proxy)
                .map_err(|e| anyhow::anyhow!("--trust-proxy: {e}"))?;
            let keys = match &args.api_keys {
                None => None,
                Some(path) => {
                    let keys = crate::http::Keys::load(path)?;
                    tracing::info!(keys = keys.len(), "API keys loaded");
                    if !args.bind.ip().is_loopback() {
                        tracing::warn!(
                            "keys travel in clear over plain HTTP: run behind a proxy that terminates TLS"
                        );
                    }
                    Some(std::sync::Arc::new(keys))
                }
            };
            let loading = std::time::Instant::now();
            let loaded = args.data.load().with_context(|| {
                format!(
                    "cannot serve: the seed data in `{}` does not load",
                    args.data.seed_data.display()
                )
            })?;
            for f in &loaded.csv {
                tracing::info!(file = %f.path.display(), rows = f.rows, skipped = f.skipped, "bulk file loaded");
            }
            tracing::info!(
                entities = loaded.graph.entity_count(),
                relations = loaded.graph.relation_count(),
                data_version = %loaded.data_version,
                "seed data loaded"
            );
            let state = crate::gql::AppState::new(
                loaded.graph,
                loaded.data_version,
                crate::gql::Limits {
                    depth: args.max_depth,
                    complexity: args.max_complexity,
                    work: args.max_work,
                    query_bytes: args.max_query_bytes,
                    doc_cache_bytes: args.doc_cache_bytes,
                },
            )
            .with_engine(args.engine)
            .with_history(args.history, args.history_bytes);
            state.set_load_time(loading.elapsed());
            let state = if args.federation {
                state.with_federation()
            } else {
                state
            };
            let state = if args.production {
                state.without_suggestions()
            } else {
                state
            };
            let open_files = raise_open_file_limit();
            let max_connections = args
                .max_connections
                .unwrap_or_else(|| open_files.saturating_sub(DESCRIPTOR_MARGIN).max(16) as usize);
            tracing::info!(open_files, max_connections, "connection cap chosen");
            let config = crate::http::HttpConfig {
                max_body_bytes: args.max_body_bytes,
                cors_origins: args.cors_origin,
                header_timeout: args.header_timeout,
                keep_alive_timeout: args.keep_alive_timeout,
                body_grace: args.body_grace,
                min_body_rate: args.min_body_rate,
                max_connections,
                max_in_flight: args.max_in_flight,
                shutdown_grace: args.shutdown_grace,
                access_log: args.access_log || args.production,
                keys,
                metrics_open: args.metrics_open,
                production: args.production,
                rate_limit: args.rate_limit,
                max_client_in_flight: args.max_client_in_flight,
                max_client_cost: args.max_client_cost,
                trusted_proxies,
                request_timeout: args.request_timeout,
                max_response_bytes: args.max_response_bytes,
                pool_above_cost: args.pool_above_cost,
                max_ws_connections: args.max_ws_connections,
                max_subscriptions_per_connection: args.max_subscriptions_per_connection,
                ws_init_timeout: args.ws_init_timeout,
                persisted_query_bytes: args.persisted_query_bytes,
                ..crate::http::HttpConfig::default()
            };
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            let grace = config.shutdown_grace;
            let source = args.data.source();
            let watch = args.watch && !args.no_watch;
            runtime.block_on(async {
                let _reloader = crate::reload::start(state.clone(), source, watch);
                let listener = crate::http::listen(args.bind)
                    .await
                    .with_context(|| format!("cannot listen on {}", args.bind))?;
                tracing::info!(address = %listener.local_addr()?, "listening; the explorer at /");
                let shutdown = async move {
                    crate::http::shutdown_signal().await;
                    start_watchdog(grace);
                };
                crate::http::serve(listener, state, &config, shutdown).await?;
                anyhow::Ok(())
            })?;
            // Work still running on blocking threads is not waited for.
            runtime.shutdown_timeout(Duration::from_millis(100));
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Ends the process once the shutdown grace (and a second for the last writes) has passed,
/// from a thread of its own: should every runtime thread be stuck in work, nothing on the
/// runtime could.
/// Runs `diff`: 0 without differences, 1 with, 2 on error (said on standard error).
/// `phonegraph export`: loads the data as `serve` would and writes it. Each file is written
/// beside its name and renamed into place when whole, so a failed export leaves no half file.
fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    use crate::export::{self, Format};
    let loaded = match args.data.load() {
        Ok(loaded) => loaded,
        Err(crate::seed::SeedError::Invalid(report)) => {
            eprintln!("{report}");
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    let graph = &loaded.graph;
    let (written, place) = if args.format == Format::Csv {
        std::fs::create_dir_all(&args.out)?;
        let nodes = write_file(&args.out.join("nodes.csv"), |out| {
            export::csv_nodes(graph, out)
        })?;
        let edges = write_file(&args.out.join("edges.csv"), |out| {
            export::csv_edges(graph, out)
        })?;
        let mut written = nodes;
        written.relations = edges.relations;
        written.left_out.extend(edges.left_out);
        (written, args.out.display().to_string())
    } else if args.out.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let written = export::write(graph, args.format, &mut out)?;
        std::io::Write::flush(&mut out)?;
        (written, "standard output".to_owned())
    } else {
        let written = write_file(&args.out, |out| export::write(graph, args.format, out))?;
        (written, args.out.display().to_string())
    };
    eprintln!(
        "wrote {} entities and {} relations to {place} ({})",
        written.entities,
        written.relations,
        args.format.name()
    );
    if !written.left_out.is_empty() {
        eprintln!("what the {} layout could not hold:", args.format.name());
    }
    for what in &written.left_out {
        eprintln!("  {what}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a file through `write`, to a temporary file beside it renamed into place when whole.
fn write_file<T>(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<T>,
) -> anyhow::Result<T> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("cannot write in {}: {e}", dir.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let value = write(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    // A temporary file is made private; the export is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(value)
}

fn diff(args: &DiffArgs) -> ExitCode {
    let loaded = |dir: &std::path::Path| {
        crate::seed::load(dir).map_err(|e| format!("cannot load `{}`: {e}", dir.display()))
    };
    let compared = match (&args.git, &args.old, &args.new) {
        (Some(rev), dir, None) => {
            let dir = dir.clone().unwrap_or_else(|| PathBuf::from("seed-data"));
            git_checkout(rev, &dir).and_then(|(checkout, at)| {
                let old = loaded(checkout.path())?;
                let new = loaded(&dir)?;
                let label = format!("{rev}:{}", dir.display());
                Ok((old, new, Some((at, label))))
            })
        }
        (None, Some(old), Some(new)) => loaded(old).and_then(|o| Ok((o, loaded(new)?, None))),
        _ => Err("give two seed folders, or `--git REV [DIR]`".to_owned()),
    };
    let (old, new, relabel) = match compared {
        Ok(c) => c,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let changes = crate::graph::diff(&old.graph, &new.graph);
    let place = |origin: &str| match &relabel {
        Some((from, to)) => origin.replace(from.as_str(), to),
        None => origin.to_owned(),
    };
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    for c in &changes {
        let (sign, what) = match c.happened {
            crate::graph::Happened::Added => ('+', &mut added),
            crate::graph::Happened::Removed => ('-', &mut removed),
            crate::graph::Happened::Changed(_) => ('~', &mut changed),
        };
        *what += 1;
        let item = match c.item {
            crate::graph::Item::Entity => "entity",
            crate::graph::Item::Relation => "relation",
        };
        println!(
            "{sign} {item} {} ({}) at {}",
            c.id,
            c.kind,
            place(&c.origin)
        );
        if let crate::graph::Happened::Changed(fields) = &c.happened {
            for (field, was, is) in fields {
                println!("    {field}: {was:?} → {is:?}");
            }
        }
    }
    if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("{added} added, {removed} removed, {changed} changed");
        ExitCode::from(1)
    }
}

/// The TOML files of `dir` as they are at git revision `rev`, written into a temporary folder
/// (returned with its path as text). `git` runs without a shell; a revision starting with `-`
/// is refused, and paths come after `--`.
fn git_checkout(rev: &str, dir: &std::path::Path) -> Result<(tempfile::TempDir, String), String> {
    if rev.starts_with('-') || rev.is_empty() {
        return Err(format!("`{rev}` is not a revision"));
    }
    let git = |args: &[&std::ffi::OsStr]| -> Result<Vec<u8>, String> {
        let out = std::process::Command::new("git")
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(format!(
                "git {}: {}",
                args.first()
                    .map_or(String::new(), |a| a.to_string_lossy().into_owned()),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    let spec = format!("{rev}^{{commit}}");
    git(&[
        "rev-parse".as_ref(),
        "--verify".as_ref(),
        "--quiet".as_ref(),
        spec.as_ref(),
    ])
    .map_err(|_| format!("`{rev}` is not a revision of this repository"))?;
    let listed = git(&[
        "ls-tree".as_ref(),
        "-r".as_ref(),
        "-z".as_ref(),
        "--name-only".as_ref(),
        rev.as_ref(),
        "--".as_ref(),
        dir.as_os_str(),
    ])?;
    let checkout = tempfile::tempdir().map_err(|e| format!("cannot make a folder: {e}"))?;
    for path in listed.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path).into_owned();
        if !path.ends_with(".toml") {
            continue;
        }
        let text = git(&["show".as_ref(), format!("{rev}:./{path}").as_ref()])?;
        let relative = std::path::Path::new(&path)
            .strip_prefix(dir)
            .unwrap_or(std::path::Path::new(&path));
        let target = checkout.path().join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&target, text).map_err(|e| e.to_string())?;
    }
    let at = checkout.path().display().to_string();
    Ok((checkout, at))
}

fn start_watchdog(grace: Duration) {
    let spawned = std::thread::Builder::new()
        .name("shutdown-watchdog".into())
        .spawn(move || {
            std::thread::sleep(grace + Duration::from_secs(1));
            tracing::warn!("the shutdown grace ran out; exiting");
            std::process::exit(0);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the shutdown watchdog");
    }
}

/// `--engine`: its values listed in `--help`, parsed by `gql::Engine`.
fn engine() -> impl clap::builder::TypedValueParser<Value = crate::gql::Engine> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["stock", "fast"]).try_map(|s| s.parse())
}
