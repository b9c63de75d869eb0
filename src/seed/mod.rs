//! Reading the curated TOML files under `seed-data/` into a [`Graph`].
//!
//! Files are read in path order and checked as a whole: every problem (syntax, unknown field,
//! wrong type, duplicate id, dangling reference, disallowed endpoints, bad dates, unknown
//! source, confidence out of range, empty name…) is collected with `file:line:column` and a
//! hint, and nothing is loaded unless there are none.
//!
//! Invariant: this module is the only one that knows the file format; the graph never sees a
//! raw struct, a span or a path.

mod csv;
mod raw;
mod report;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

pub use csv::CsvFileReport;
pub use report::{Problem, Report};

use crate::graph::{
    Cause, Citation, EntityDetail, EntityIx, Graph, GraphBuilder, GraphError, NewEntity,
    NewRelation, PropertyCitation, RelationDetail, StatusChange,
};
use crate::model::{
    DateBound, EntityKind, EventType, KindSet, ProductCategory, RelationKind, Status, Validity,
    is_valid_id,
};
use raw::{RawCitation, RawEntity, RawRelation, SECTIONS};
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
    let (graph, csv) = Loader::new(&files, &node_files, &edge_files).run(
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

/// Where something was written: a file and a byte range in it.
#[derive(Clone, Debug)]
struct Place {
    file: usize,
    span: Range<usize>,
}

struct Loader<'a> {
    files: &'a [SeedFile],
    problems: Vec<Problem>,
    builder: GraphBuilder,
    places: Vec<Place>,
}

const SEE_FORMAT: &str = "see the seed-data format in docs/curating.md";

impl<'a> Loader<'a> {
    /// A loader whose tables are sized for the CSV files to come.
    fn new(files: &'a [SeedFile], nodes: &[PathBuf], edges: &[PathBuf]) -> Self {
        let entities = estimated_rows(nodes, 40);
        let builder = GraphBuilder::with_capacity(
            entities + 1024,
            estimated_rows(nodes, 1) / 2,
            estimated_rows(edges, 16) + 1024,
        );
        Loader {
            files,
            problems: Vec::new(),
            builder,
            places: Vec::new(),
        }
    }

    fn report(&mut self, at: &Place, message: impl Into<String>, hint: Option<String>) {
        let f = &self.files[at.file];
        let (line, column) = f.lines.position(&f.text, at.span.start);
        self.problems.push(Problem {
            file: f.path.clone(),
            line,
            column,
            message: message.into(),
            hint,
        });
    }

    fn origin(&self, at: &Place) -> String {
        let f = &self.files[at.file];
        let (line, column) = f.lines.position(&f.text, at.span.start);
        format!("{}:{line}:{column}", f.path.display())
    }

    fn run(
        mut self,
        node_files: &[PathBuf],
        edge_files: &[PathBuf],
        skip_bad_rows: bool,
        hasher: &mut blake3::Hasher,
    ) -> Result<(Graph, Vec<CsvFileReport>), SeedError> {
        let started = std::time::Instant::now();
        let mut entities = Vec::new();
        let mut relations = Vec::new();
        for file in 0..self.files.len() {
            self.read_file(file, &mut entities, &mut relations);
        }
        // Sections come out of the TOML table by name; "first defined" must mean first in the files.
        entities.sort_by_key(|(_, place, _)| (place.file, place.span.start));
        relations.sort_by_key(|(place, _)| (place.file, place.span.start));
        let mut added = Vec::new();
        for (kind, place, raw) in &entities {
            if let Some(ix) = self.add_entity(*kind, place, raw) {
                added.push((ix, place.file, raw));
            }
        }
        // Bulk entities come after the curated ones (so a clash names the curated place first)
        // and before curated relations (which may point at them).
        let curated_origins: Vec<String> = self.places.iter().map(|p| self.origin(p)).collect();
        let mut sources = Vec::new();
        let reports = {
            let mut load = csv::CsvLoad {
                builder: &mut self.builder,
                problems: &mut self.problems,
                skip_bad_rows,
                hasher,
                reports: Vec::new(),
                origins: Vec::new(),
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
            let detail = self.entity_detail(file, self.builder.kind(ix), raw);
            self.builder.set_detail(ix, detail);
        }
        for (place, raw) in &relations {
            self.add_relation(place, raw);
        }
        let mut load = csv::CsvLoad {
            builder: &mut self.builder,
            problems: &mut self.problems,
            skip_bad_rows,
            hasher,
            reports,
            origins: Vec::new(),
            files: Vec::new(),
            curated_origins: &curated_origins,
        };
        for (path, source) in edge_files.iter().zip(sources) {
            load.edges(path, source?)?;
        }
        let reports = load.reports;
        tracing::debug!(elapsed = ?started.elapsed(), "bulk relations read");
        if self.problems.is_empty() {
            Ok((self.builder.finish(), reports))
        } else {
            self.problems.sort();
            Err(SeedError::Invalid(Report {
                problems: self.problems,
            }))
        }
    }

    fn read_file(
        &mut self,
        file: usize,
        entities: &mut Vec<(EntityKind, Place, RawEntity)>,
        relations: &mut Vec<(Place, RawRelation)>,
    ) {
        let text = &self.files[file].text;
        let (table, errors) = DeTable::parse_recoverable(text);
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            self.report(
                &Place { file, span },
                format!("TOML syntax: {}", e.message().trim_end()),
                Some("fix the TOML syntax at this place".into()),
            );
        }
        for (key, value) in table.get_ref() {
            let at = Place {
                file,
                span: key.span(),
            };
            let section = key.get_ref().as_ref();
            if !SECTIONS.contains(&section) {
                let hint = suggest(section, SECTIONS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("sections are {}", SECTIONS.join(", ")));
                self.report(&at, format!("unknown section `{section}`"), Some(hint));
                continue;
            }
            let DeValue::Array(items) = value.get_ref() else {
                self.report(
                    &at,
                    format!("`{section}` must be an array of tables"),
                    Some(format!("write each entry under a `[[{section}]]` header")),
                );
                continue;
            };
            for item in items.iter() {
                let place = Place {
                    file,
                    span: item.span(),
                };
                if section == "relation" {
                    if let Some(raw) = self.deserialize::<RawRelation>(file, item) {
                        relations.push((place, raw));
                    }
                } else if let Some(raw) = self.deserialize::<RawEntity>(file, item) {
                    let kind = EntityKind::parse(section).expect("sections name entity kinds");
                    entities.push((kind, place, raw));
                }
            }
        }
    }

    fn deserialize<T: for<'de> Deserialize<'de>>(
        &mut self,
        file: usize,
        item: &Spanned<DeValue<'_>>,
    ) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(item.clone())) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = e.span().unwrap_or_else(|| item.span());
                let message = e.message().trim_end().to_owned();
                let hint = if message.starts_with("unknown field") {
                    "remove the field or fix its spelling; ".to_owned() + SEE_FORMAT
                } else {
                    SEE_FORMAT.to_owned()
                };
                self.report(&Place { file, span }, message, Some(hint));
                None
            }
        }
    }

    fn add_entity(&mut self, kind: EntityKind, place: &Place, raw: &RawEntity) -> Option<EntityIx> {
        let id_at = Place {
            file: place.file,
            span: raw.id.span(),
        };
        let id = raw.id.get_ref();
        if !is_valid_id(id) {
            self.report(
                &id_at,
                format!("`{id}` is not a valid id"),
                Some("ids are lowercase letters, digits and `-`, like `mate-10-pro`".into()),
            );
        }
        if raw.name.get_ref().trim().is_empty() {
            self.report(
                &Place {
                    file: place.file,
                    span: raw.name.span(),
                },
                "the name is empty",
                Some("give the entity the name people know it by".into()),
            );
        }
        self.check_fields(kind, place.file, raw);
        let record = NewEntity {
            id: id.as_str(),
            kind,
            name: raw.name.get_ref().trim(),
            country: None,
            date: None,
            detail: None,
        };
        match self.builder.add_entity(record) {
            Ok(ix) => {
                self.places.push(id_at);
                Some(ix)
            }
            Err(GraphError::DuplicateId(_)) => {
                let first = self.builder.lookup(id).expect("a duplicate has a first");
                let first_at = self.origin(&self.places[first.0 as usize].clone());
                self.report(
                    &id_at,
                    format!("the id `{id}` is used twice; it was first defined at {first_at}"),
                    Some("ids are unique across all kinds: rename one of them".into()),
                );
                None
            }
            Err(e) => {
                self.report(&id_at, e.to_string(), None);
                None
            }
        }
    }

    /// Reports kind-specific fields used on a kind they do not apply to, and required ones missing.
    fn check_fields(&mut self, kind: EntityKind, file: usize, raw: &RawEntity) {
        let given: [(&str, Option<Range<usize>>); 11] = [
            ("founded", raw.founded.as_ref().map(Spanned::span)),
            ("category", raw.category.as_ref().map(Spanned::span)),
            ("released", raw.released.as_ref().map(Spanned::span)),
            ("iso_code", raw.iso_code.as_ref().map(Spanned::span)),
            ("type", raw.event_type.as_ref().map(Spanned::span)),
            ("date", raw.date.as_ref().map(Spanned::span)),
            ("summary", raw.summary.as_ref().map(|_| raw.id.span())),
            ("cause", raw.cause.as_ref().map(Spanned::span)),
            ("title", raw.title.as_ref().map(Spanned::span)),
            ("publisher", raw.publisher.as_ref().map(|_| raw.id.span())),
            ("url", raw.url.as_ref().map(|_| raw.id.span())),
        ];
        let allowed = kind_fields(kind);
        for (field, span) in given {
            if let Some(span) = span
                && !allowed.contains(&field)
            {
                let hint = if allowed.is_empty() {
                    format!("a {kind} has only the common fields")
                } else {
                    format!("a {kind}'s own fields are {}", allowed.join(", "))
                };
                self.report(
                    &Place { file, span },
                    format!("`{field}` does not apply to a {kind}"),
                    Some(hint),
                );
            }
        }
        if kind == EntityKind::Source && raw.title.is_none() {
            self.report(
                &Place {
                    file,
                    span: raw.id.span(),
                },
                format!("the source `{}` has no title", raw.id.get_ref()),
                Some("add `title = \"…\"` so readers can find the document".into()),
            );
        }
    }

    fn entity_detail(&mut self, file: usize, kind: EntityKind, raw: &RawEntity) -> EntityDetail {
        let mut property_sources = Vec::new();
        for (property, cites) in &raw.cite {
            let name = property.get_ref().as_str();
            if !is_citable(kind, name) {
                let mut citable = vec!["name", "aliases", "description", "wikidata"];
                citable.extend(kind_fields(kind));
                self.report(
                    &Place {
                        file,
                        span: property.span(),
                    },
                    format!("`{name}` is not a property of a {kind} that can be cited"),
                    Some(format!("citable properties are {}", citable.join(", "))),
                );
                continue;
            }
            property_sources.push(PropertyCitation {
                property: name.to_owned(),
                sources: self.citations(file, cites),
            });
        }
        let cause = raw.cause.as_ref().map(|c| {
            let c = c.get_ref();
            Cause {
                text: c.text.get_ref().clone(),
                confidence: self.confidence(file, c.confidence.as_ref()),
                sources: self.citations(file, &c.sources),
            }
        });
        let parse = |this: &mut Self, v: &Option<Spanned<String>>| {
            v.as_ref().and_then(|v| this.date(file, v))
        };
        EntityDetail {
            aliases: raw.aliases.clone(),
            description: raw.description.clone(),
            wikidata: raw.wikidata.as_ref().and_then(|w| {
                let ok = w
                    .get_ref()
                    .strip_prefix('Q')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    self.report(
                        &Place {
                            file,
                            span: w.span(),
                        },
                        format!("`{}` is not a Wikidata id", w.get_ref()),
                        Some("Wikidata ids are Q followed by digits, like `Q1636958`".into()),
                    );
                }
                ok.then(|| w.get_ref().clone())
            }),
            iso_code: raw.iso_code.as_ref().map(|c| c.get_ref().to_lowercase()),
            founded: parse(self, &raw.founded),
            category: raw.category.as_ref().and_then(|c| {
                self.vocabulary(
                    file,
                    c,
                    "category",
                    ProductCategory::parse,
                    ProductCategory::names,
                )
            }),
            released: parse(self, &raw.released),
            event_type: raw.event_type.as_ref().and_then(|t| {
                self.vocabulary(file, t, "event type", EventType::parse, EventType::names)
            }),
            date: parse(self, &raw.date),
            summary: raw.summary.clone(),
            cause,
            title: raw.title.as_ref().map(|t| t.get_ref().clone()),
            publisher: raw.publisher.clone(),
            url: raw.url.clone(),
            sources: self.citations(file, &raw.sources),
            property_sources,
            origin: self.origin(&Place {
                file,
                span: raw.id.span(),
            }),
        }
    }

    fn vocabulary<T>(
        &mut self,
        file: usize,
        value: &Spanned<String>,
        what: &str,
        parse: fn(&str) -> Option<T>,
        names: fn() -> String,
    ) -> Option<T> {
        let v = parse(value.get_ref());
        if v.is_none() {
            self.report(
                &Place {
                    file,
                    span: value.span(),
                },
                format!("unknown {what} `{}`", value.get_ref()),
                Some(format!("use one of {}", names())),
            );
        }
        v
    }

    fn date(&mut self, file: usize, value: &Spanned<String>) -> Option<DateBound> {
        match DateBound::parse(value.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.report(
                    &Place {
                        file,
                        span: value.span(),
                    },
                    e.to_string(),
                    Some("dates look like 2018, 2018-Q4, 2018-01 or 2018-01-09".into()),
                );
                None
            }
        }
    }

    fn confidence(&mut self, file: usize, value: Option<&Spanned<f64>>) -> f32 {
        let Some(value) = value else { return 1.0 };
        let c = *value.get_ref();
        if !(0.0..=1.0).contains(&c) {
            self.report(
                &Place {
                    file,
                    span: value.span(),
                },
                format!("confidence {c} is outside 0–1"),
                Some("write a number from 0 (doubtful) to 1 (certain)".into()),
            );
            return 1.0;
        }
        c as f32
    }

    fn citations(&mut self, file: usize, raw: &[RawCitation]) -> Vec<Citation> {
        raw.iter()
            .filter_map(|c| {
                if let Some(q) = &c.quote {
                    let sentences = count_sentences(q.get_ref());
                    if sentences > 2 {
                        self.report(
                            &Place {
                                file,
                                span: q.span(),
                            },
                            format!("a quote is at most two sentences; this one has {sentences}"),
                            Some("keep only the words that support the fact".into()),
                        );
                    }
                }
                let source = self.reference(file, &c.source, KindSet::of(&[EntityKind::Source]))?;
                Some(Citation {
                    source,
                    quote: c.quote.as_ref().map(|q| q.get_ref().clone()),
                })
            })
            .collect()
    }

    /// Resolves an id that must name an entity of one of `kinds`.
    fn reference(&mut self, file: usize, id: &Spanned<String>, kinds: KindSet) -> Option<EntityIx> {
        let at = Place {
            file,
            span: id.span(),
        };
        let text = id.get_ref();
        let what = if kinds == KindSet::ALL {
            "entity".to_owned()
        } else {
            kinds.describe()
        };
        match self.builder.lookup(text) {
            Some(ix) if kinds.contains(self.builder.kind(ix)) => Some(ix),
            Some(ix) => {
                let actual = self.builder.kind(ix);
                self.report(
                    &at,
                    format!("`{text}` is a {actual}, not a {what}"),
                    Some(format!("name a {what} here")),
                );
                None
            }
            None => {
                let candidates: Vec<&str> = self
                    .builder
                    .ids()
                    .filter(|id| {
                        self.builder
                            .lookup(id)
                            .is_some_and(|i| kinds.contains(self.builder.kind(i)))
                    })
                    .collect();
                let hint = match suggest(text, candidates.into_iter()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("define a {what} with this id, or fix the reference"),
                };
                self.report(&at, format!("unknown {what} `{text}`"), Some(hint));
                None
            }
        }
    }

    fn add_relation(&mut self, place: &Place, raw: &RawRelation) {
        let file = place.file;
        let at = |span: Range<usize>| Place { file, span };
        let kind = self.vocabulary(
            file,
            &raw.kind,
            "relation kind",
            RelationKind::parse,
            RelationKind::names,
        );
        let any = KindSet::ALL;
        let from = self.reference(file, &raw.from, any);
        let to = self.reference(file, &raw.to, any);
        let validity = Validity {
            from: raw.valid_from.as_ref().and_then(|d| self.date(file, d)),
            until: raw.valid_until.as_ref().and_then(|d| self.date(file, d)),
        };
        if validity.is_empty() {
            let span = raw
                .valid_until
                .as_ref()
                .map_or(place.span.clone(), Spanned::span);
            self.report(
                &at(span),
                format!(
                    "the relation ends ({}) before it starts ({})",
                    validity.until.expect("an empty validity has both bounds"),
                    validity.from.expect("an empty validity has both bounds"),
                ),
                Some("`valid_until` is the first day it no longer held: it must come after `valid_from`".into()),
            );
        }
        let confidence = self.confidence(file, raw.confidence.as_ref());
        let sources = self.citations(file, &raw.sources);
        let unsourced = raw.unsourced.as_ref().is_some_and(|u| *u.get_ref());
        if raw.sources.is_empty() && !unsourced {
            self.report(
                &at(raw.kind.span()),
                "the relation cites no source",
                Some("add `sources = [{ source = \"…\", quote = \"…\" }]`, or mark it `unsourced = true`".into()),
            );
        }
        if let Some(u) = &raw.unsourced
            && *u.get_ref()
            && !raw.sources.is_empty()
        {
            self.report(
                &at(u.span()),
                "the relation is marked unsourced but cites sources",
                Some("remove `unsourced = true`".into()),
            );
        }
        let mut status_history = Vec::new();
        for s in &raw.status {
            let status = self.vocabulary(file, &s.status, "status", Status::parse, Status::names);
            let date = s.date.as_ref().and_then(|d| self.date(file, d));
            let event = s
                .event
                .as_ref()
                .and_then(|e| self.reference(file, e, KindSet::of(&[EntityKind::Event])));
            let sources = self.citations(file, &s.sources);
            if let Some(status) = status {
                status_history.push(StatusChange {
                    status,
                    date,
                    event,
                    sources,
                });
            }
        }
        status_history.sort_by_key(|s| s.date.map(|d| d.first_day()));
        let market = raw
            .market
            .as_ref()
            .and_then(|m| self.reference(file, m, KindSet::of(&[EntityKind::Market])));
        let rank = raw.rank.as_ref().and_then(|r| {
            let v = *r.get_ref();
            if v < 1 || v > i64::from(u32::MAX) {
                self.report(
                    &at(r.span()),
                    format!("rank {v} is not a position"),
                    Some("ranks start at 1".into()),
                );
                None
            } else {
                Some(v as u32)
            }
        });
        let share = raw.share.as_ref().and_then(|s| {
            let v = *s.get_ref();
            if (0.0..=1.0).contains(&v) {
                Some(v as f32)
            } else {
                self.report(
                    &at(s.span()),
                    format!("share {v} is outside 0–1"),
                    Some("write a share of 12% as 0.12".into()),
                );
                None
            }
        });
        let period = raw.period.as_ref().and_then(|d| self.date(file, d));
        let target = raw.target.as_ref().and_then(|d| self.date(file, d));
        let (Some(kind), Some(from), Some(to)) = (kind, from, to) else {
            return;
        };
        let record = NewRelation {
            from,
            to,
            kind,
            window: validity.window(),
            confidence,
            unsourced,
            source: 0,
            detail: Some(Box::new(RelationDetail {
                validity,
                status_history,
                sources,
                market,
                role: raw.role.clone(),
                rank,
                share,
                period,
                target,
                note: raw.note.clone(),
                origin: self.origin(&at(raw.kind.span())),
            })),
        };
        match self.builder.add_relation(record) {
            Ok(()) => {}
            Err(GraphError::KindMismatch {
                kind,
                from: f,
                to: t,
            }) => {
                let spec = kind.spec();
                self.report(
                    &at(raw.kind.span()),
                    format!(
                        "a `{kind}` relation cannot go from a {f} (`{}`) to a {t} (`{}`)",
                        raw.from.get_ref(),
                        raw.to.get_ref()
                    ),
                    Some(format!(
                        "`{kind}` goes from a {} to a {}",
                        spec.from.describe(),
                        spec.to.describe()
                    )),
                );
            }
            Err(e) => self.report(&at(raw.kind.span()), e.to_string(), None),
        }
    }
}

/// The kind-specific fields each kind accepts.
fn kind_fields(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::Vendor | EntityKind::Carrier | EntityKind::Retailer => &["founded"],
        EntityKind::Product => &["category", "released"],
        EntityKind::Market => &["iso_code"],
        EntityKind::Event => &["type", "date", "summary", "cause"],
        EntityKind::Source => &["title", "publisher", "url", "date"],
        EntityKind::Person => &[],
    }
}

fn is_citable(kind: EntityKind, property: &str) -> bool {
    matches!(property, "name" | "aliases" | "description" | "wikidata")
        || kind_fields(kind).contains(&property)
}

/// Counts sentences: a `.`, `!` or `?` that ends the text or is followed by a space and a
/// capital letter ("the U.S. market" is one sentence).
fn count_sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut n = 0;
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, '.' | '!' | '?') {
            let rest = &chars[i + 1..];
            let ends = rest
                .iter()
                .all(|c| matches!(c, '"' | '\'' | '”' | ')' | '.'));
            let next_sentence = rest.first() == Some(&' ')
                && rest
                    .get(1)
                    .is_some_and(|c| c.is_uppercase() || *c == '"' || *c == '“');
            if ends || next_sentence {
                n += 1;
            }
        }
    }
    n.max(usize::from(!chars.is_empty()))
}

/// The closest candidate to a misspelt word, if one is close enough to be a likely typo.
fn suggest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_counted_like_a_reader_would() {
        assert_eq!(
            count_sentences("to enter the U.S. market before the end of the year."),
            1
        );
        assert_eq!(count_sentences("One. Two! Three?"), 3);
        assert_eq!(count_sentences("no full stop"), 1);
    }

    #[test]
    fn suggestions_are_close_ids_only() {
        let ids = ["xiaomi", "huawei", "att"];
        assert_eq!(suggest("xiaomii", ids.iter().copied()), Some("xiaomi"));
        assert_eq!(suggest("samsung", ids.iter().copied()), None);
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
