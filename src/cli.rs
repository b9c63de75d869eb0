//! The command line: `serve`, `validate` and `schema`, every flag with a `PHONEGRAPH_…`
//! environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// phonegraph: a knowledge graph of the smartphone market, served over GraphQL.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the seed data and serve GraphQL over HTTP (GraphiQL at `/`).
    Serve(ServeArgs),
    /// Check the seed data and print every problem with its place; exit non-zero if any.
    Validate(DataArgs),
    /// Print the GraphQL schema (SDL), exactly as committed in `schema/schema.graphql`.
    Schema,
    /// Write a synthetic market (`nodes.csv`, `edges.csv`) for benchmarks and demos.
    Generate(GenerateArgs),
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
}

impl DataArgs {
    fn load(&self) -> Result<crate::seed::Loaded, crate::seed::SeedError> {
        crate::seed::load_with(
            &self.seed_data,
            &crate::seed::LoadOptions {
                csv_dirs: self.csv.clone(),
                skip_bad_rows: self.skip_bad_rows,
            },
        )
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
    /// The deepest query accepted.
    #[arg(long, env = "PHONEGRAPH_MAX_DEPTH", default_value_t = crate::gql::DEFAULT_LIMITS.depth)]
    pub max_depth: usize,
    /// The most complex query accepted (each field costs 1, list fields times their `first`).
    #[arg(long, env = "PHONEGRAPH_MAX_COMPLEXITY", default_value_t = crate::gql::DEFAULT_LIMITS.complexity)]
    pub max_complexity: usize,
    /// The most steps one analytics computation (ranking, components) may take.
    #[arg(long, env = "PHONEGRAPH_MAX_WORK", default_value_t = crate::gql::DEFAULT_LIMITS.work)]
    pub max_work: u64,
}

/// Runs the command line and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PHONEGRAPH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Schema => {
            print!("{}", crate::gql::sdl());
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
                loaded,
                crate::gql::Limits {
                    depth: args.max_depth,
                    complexity: args.max_complexity,
                    work: args.max_work,
                },
            );
            let config = crate::http::HttpConfig {
                max_body_bytes: args.max_body_bytes,
                cors_origins: args.cors_origin,
            };
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(args.bind)
                    .await
                    .with_context(|| format!("cannot listen on {}", args.bind))?;
                tracing::info!(address = %listener.local_addr()?, "listening; GraphiQL at /");
                let router = crate::http::router(state, &config);
                crate::http::serve(listener, router, crate::http::shutdown_signal()).await?;
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
