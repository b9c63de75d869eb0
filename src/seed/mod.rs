//! Reading the curated TOML files under `seed-data/`, and bulk CSV folders, into a [`Graph`].
//!
//! Two formats (`toml`, `csv`) and one set of rules (`rules`) that both check every fact with.
//! Files are read in path order and checked as a whole: every problem (syntax, unknown field,
//! wrong type, duplicate id, dangling reference, disallowed endpoints, bad dates, unknown
//! source, confidence out of range, empty name…) is collected with `file:line:column` and a
//! hint, and nothing is loaded unless there are none.
//!
//! Invariant: this module is the only one that knows the file formats; the graph never sees a
//! raw struct, a span or a path.

mod additions;
mod csv;
mod raw;
mod report;
mod rules;
mod toml;

use std::path::{Path, PathBuf};

pub use csv::CsvFileReport;
pub use report::{Problem, Report};

use crate::graph::{Graph, GraphBuilder};
use report::Lines;

/// What loading can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A file or folder could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The data has problems; the report lists every one.
    #[error("{0}")]
    Invalid(Report),
    /// A file is larger than its limit; it was not read.
    #[error(
        "`{path}` is {size} bytes, more than the limit of {limit} for {what} files: split it, or raise the limit"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit it passed.
        limit: u64,
        /// `TOML` or `CSV`.
        what: &'static str,
    },
}

/// A validated, loaded data set.
#[derive(Debug)]
pub struct Loaded {
    /// The graph.
    pub graph: Graph,
    /// A content hash of every file read (paths and bytes), stable across machines.
    pub data_version: String,
    /// The curated files read, in order.
    pub files: Vec<PathBuf>,
    /// What each CSV file gave.
    pub csv: Vec<CsvFileReport>,
}

/// What to load besides the curated files, and the limits on the files read.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Folders holding `nodes.csv` and/or `edges.csv`, loaded on top of the curated files.
    pub csv_dirs: Vec<PathBuf>,
    /// Leave bad CSV rows out (counting them) instead of refusing the whole load.
    pub skip_bad_rows: bool,
    /// The largest curated TOML file read, in bytes.
    pub max_toml_bytes: u64,
    /// The largest bulk CSV file read, in bytes.
    pub max_csv_bytes: u64,
}

/// The largest TOML file read unless configured otherwise: 8 MiB, a few thousand articles'
/// worth of facts (a TOML file takes about twenty times its size in memory while it is read).
pub const DEFAULT_MAX_TOML_BYTES: u64 = 8 << 20;
/// The largest CSV file read unless configured otherwise: 1 GiB.
pub const DEFAULT_MAX_CSV_BYTES: u64 = 1 << 30;

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            csv_dirs: Vec::new(),
            skip_bad_rows: false,
            max_toml_bytes: DEFAULT_MAX_TOML_BYTES,
            max_csv_bytes: DEFAULT_MAX_CSV_BYTES,
        }
    }
}

/// Loads every `*.toml` file below `dir` (any depth), or reports every problem found.
pub fn load(dir: &Path) -> Result<Loaded, SeedError> {
    load_with(dir, &LoadOptions::default())
}

/// Loads the curated files below `dir` and the CSV folders of `options`, or reports every
/// problem found.
pub fn load_with(dir: &Path, options: &LoadOptions) -> Result<Loaded, SeedError> {
    let files = read_tree(dir, options.max_toml_bytes)?;
    let mut hasher = blake3::Hasher::new();
    for f in &files {
        let rel = f.path.strip_prefix(dir).unwrap_or(&f.path);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(&[0]);
        hasher.update(f.text.as_bytes());
        hasher.update(&[0]);
    }
    let (node_files, edge_files) = csv_files(&options.csv_dirs)?;
    for path in node_files.iter().chain(&edge_files) {
        check_size(path, options.max_csv_bytes, "CSV")?;
    }
    let builder = GraphBuilder::with_capacity(
        estimated_rows(&node_files, 40) + 1024,
        estimated_rows(&node_files, 1) / 2,
        estimated_rows(&edge_files, 16) + 1024,
    );
    let (graph, csv) = build(
        toml::Loader::new(&files, builder),
        &node_files,
        &edge_files,
        options.skip_bad_rows,
        &mut hasher,
    )?;
    let data_version = hasher.finalize().to_hex()[..16].to_owned();
    Ok(Loaded {
        graph,
        data_version,
        files: files.into_iter().map(|f| f.path).collect(),
        csv,
    })
}

/// The CSV files of the given folders that exist, nodes and edges apart; a folder with neither
/// is an error.
fn csv_files(dirs: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), SeedError> {
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for dir in dirs {
        let (n, e) = (dir.join("nodes.csv"), dir.join("edges.csv"));
        if !n.is_file() && !e.is_file() {
            return Err(SeedError::Io {
                path: dir.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no nodes.csv or edges.csv in this folder",
                ),
            });
        }
        if n.is_file() {
            nodes.push(n);
        }
        if e.is_file() {
            edges.push(e);
        }
    }
    Ok((nodes, edges))
}

/// An estimate of rows from a file's size, to size tables up front.
fn estimated_rows(paths: &[PathBuf], bytes_per_row: u64) -> usize {
    paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| (m.len() / bytes_per_row) as usize)
        .sum()
}

struct SeedFile {
    path: PathBuf,
    text: String,
    lines: Lines,
}

/// Refuses a file larger than `limit` before it is read.
fn check_size(path: &Path, limit: u64, what: &'static str) -> Result<(), SeedError> {
    let size = std::fs::metadata(path)
        .map_err(|source| SeedError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    if size > limit {
        return Err(SeedError::TooLarge {
            path: path.to_owned(),
            size,
            limit,
            what,
        });
    }
    Ok(())
}

/// A file's text, or the place of its first byte that is not UTF-8.
fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, SeedError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        let (line, column) = Lines::new(&text).position(&text, valid);
        SeedError::Invalid(Report {
            problems: vec![Problem {
                file: path.to_owned(),
                line,
                column,
                message: "the file is not UTF-8 text".to_owned(),
                hint: Some("save the file as UTF-8".to_owned()),
            }],
        })
    })
}

fn read_tree(dir: &Path, max_bytes: u64) -> Result<Vec<SeedFile>, SeedError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SeedError::Io { path, source }
    };
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))? {
            let path = entry.map_err(io(&d))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            check_size(&path, max_bytes, "TOML")?;
            let text = utf8(&path, std::fs::read(&path).map_err(io(&path))?)?;
            let lines = Lines::new(&text);
            Ok(SeedFile { path, text, lines })
        })
        .collect()
}

/// Reads the curated files and the CSV files into the loader's builder, in the order that
/// places every clash where a curator looks for it: curated entities, bulk entities, curated
/// details and relations (which may point at bulk entities), bulk relations.
fn build(
    mut loader: toml::Loader<'_>,
    node_files: &[PathBuf],
    edge_files: &[PathBuf],
    skip_bad_rows: bool,
    hasher: &mut blake3::Hasher,
) -> Result<(Graph, Vec<CsvFileReport>), SeedError> {
    let started = std::time::Instant::now();
    let mut entities = Vec::new();
    let mut relations = Vec::new();
    let mut additions = Vec::new();
    for file in 0..loader.file_count() {
        loader.read_file(file, &mut entities, &mut relations, &mut additions);
    }
    // Sections come out of the TOML table by name; "first defined" must mean first in the files.
    entities.sort_by_key(|(_, place, _)| (place.file, place.span.start));
    relations.sort_by_key(|(place, _)| (place.file, place.span.start));
    additions.sort_by_key(|(place, _)| (place.file, place.span.start));
    let mut added = Vec::new();
    for (kind, place, raw) in &entities {
        if let Some(ix) = loader.add_entity(*kind, place, raw) {
            added.push((ix, place.file, raw));
        }
    }
    // Bulk entities come after the curated ones (so a clash names the curated place first)
    // and before curated relations (which may point at them).
    let curated_origins: Vec<String> = loader.places.iter().map(|p| loader.origin(p)).collect();
    let mut sources = Vec::new();
    let reports = {
        let mut load = csv::CsvLoad {
            builder: &mut loader.builder,
            problems: &mut loader.problems,
            skip_bad_rows,
            hasher,
            reports: Vec::new(),
            files: Vec::new(),
            curated_origins: &curated_origins,
        };
        for path in node_files {
            load.nodes(path)?;
        }
        tracing::debug!(elapsed = ?started.elapsed(), "bulk entities read");
        for path in edge_files {
            sources.push(load.file_source(path));
        }
        load.reports
    };
    for (ix, file, raw) in added {
        let detail = loader.entity_detail(file, loader.builder.kind(ix), raw);
        loader.builder.set_detail(ix, detail);
    }
    for (place, raw) in &relations {
        loader.add_relation(place, raw);
    }
    for (place, raw) in &additions {
        loader.add(place, raw);
    }
    let mut load = csv::CsvLoad {
        builder: &mut loader.builder,
        problems: &mut loader.problems,
        skip_bad_rows,
        hasher,
        reports,
        files: Vec::new(),
        curated_origins: &curated_origins,
    };
    for (path, source) in edge_files.iter().zip(sources) {
        load.edges(path, source?)?;
    }
    let reports = load.reports;
    tracing::debug!(elapsed = ?started.elapsed(), "bulk relations read");
    loader.check_relative_dates();
    loader.check_order();
    loader.settle();
    if loader.problems.is_empty() {
        Ok((loader.builder.finish(), reports))
    } else {
        loader.problems.sort();
        Err(SeedError::Invalid(Report {
            problems: loader.problems,
        }))
    }
}

/// Where an entity was defined, as the graph builder keeps it for duplicate-id messages
/// (`NewEntity::defined_at`): a curated entity's place number, or a bulk row's file and line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Defined {
    Curated(usize),
    Bulk { file: usize, line: u64 },
}

impl Defined {
    const BULK: u64 = 1 << 63;
    const LINE_BITS: u32 = 40;

    fn number(self) -> u64 {
        match self {
            Defined::Curated(place) => place as u64,
            Defined::Bulk { file, line } => {
                Self::BULK | (file as u64) << Self::LINE_BITS | line & ((1 << Self::LINE_BITS) - 1)
            }
        }
    }

    fn from_number(n: u64) -> Self {
        if n & Self::BULK == 0 {
            Defined::Curated(n as usize)
        } else {
            Defined::Bulk {
                file: ((n & !Self::BULK) >> Self::LINE_BITS) as usize,
                line: n & ((1 << Self::LINE_BITS) - 1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_survives_the_builder() {
        for defined in [
            Defined::Curated(0),
            Defined::Curated(41),
            Defined::Bulk { file: 0, line: 1 },
            Defined::Bulk {
                file: 3,
                line: 10_000_000_000,
            },
        ] {
            assert_eq!(Defined::from_number(defined.number()), defined);
        }
    }

    mod properties {
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            /// Whatever a TOML file holds, loading it never panics, and every problem found
            /// is placed in the file.
            #[test]
            fn any_toml_file_loads_or_has_placed_problems(
                text in proptest::string::string_regex(
                    "(\\[\\[(vendor|carrier|relation)\\]\\]\n|id = \"[a-z]{1,3}\"\n|name = \"[A-Za-z]{0,4}\"\n|from = \"x\"\n|[a-z =\"\\[\\]{}.,#\n0-9-]{0,8})*"
                ).unwrap()
            ) {
                let dir = tempfile::tempdir().unwrap();
                let file = dir.path().join("f.toml");
                std::fs::write(&file, &text).unwrap();
                match super::super::load(dir.path()) {
                    Ok(_) => {}
                    Err(super::super::SeedError::Invalid(report)) => {
                        prop_assert!(!report.problems.is_empty());
                        let lines = text.lines().count().max(1) + 1;
                        for p in &report.problems {
                            prop_assert_eq!(&p.file, &file);
                            prop_assert!(p.line >= 1 && p.line <= lines, "{}", p);
                            prop_assert!(p.column >= 1, "{}", p);
                        }
                    }
                    Err(e) => prop_assert!(false, "{}", e),
                }
            }
        }
    }
}
