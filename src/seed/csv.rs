//! Bulk CSV: `nodes.csv` (`id,kind,name,country,date`) and `edges.csv`
//! (`from,to,kind,since,until`) in each `--csv` folder, loaded on top of the curated files.
//!
//! A file is read in chunks of whole records, parsed on both threads (see [`Chunks`]); rows
//! are read as bytes into one reused record, so a million entities and four million
//! relations load without an allocation per row. Every bad row is reported with its file and
//! line; with `skip_bad_rows` bad rows are counted and left out instead.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use std::hash::BuildHasher;

use csv::{ByteRecord, ReaderBuilder};
use rustc_hash::FxBuildHasher;

use super::report::Problem;
use super::{SeedError, rfc4180};
use crate::graph::{
    EntityDetail, EntityIx, GraphBuilder, GraphError, InlineId, NewEntity, NewRelation,
    RelationDetail, StatusChange,
};
use crate::model::{
    Day, EntityKind, EventType, PartialDate, ProductCategory, RelationKind, Status, Validity,
    Window, days_from_civil_checked, is_valid_id,
};

const NODE_COLUMNS: [&str; 5] = ["id", "kind", "name", "country", "date"];
const NODE_OPTIONAL: [&str; 5] = ["aliases", "description", "wikidata", "category", "type"];
const EDGE_COLUMNS: [&str; 5] = ["from", "to", "kind", "since", "until"];
const EDGE_OPTIONAL: [&str; 5] = ["confidence", "status", "role", "market", "note"];

/// The hint for a row that does not have the header's columns.
const UNEVEN_ROW: &str = "every row needs the same columns as the header";

/// What was read from one CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvFileReport {
    /// The file.
    pub path: PathBuf,
    /// Rows loaded.
    pub rows: usize,
    /// Bad rows left out (only with `skip_bad_rows`).
    pub skipped: usize,
}

/// Reads bytes through to a hasher, so the data version covers the CSV without a second read.
struct Hashing<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Where a column is, by name.
struct Columns {
    index: Vec<Option<usize>>,
}

impl Columns {
    fn get<'r>(&self, record: &'r ByteRecord, which: usize) -> &'r [u8] {
        self.index[which]
            .and_then(|i| record.get(i))
            .map_or(&[][..], trim)
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// The shared state of a CSV load: the builder, the problems, the options.
pub(crate) struct CsvLoad<'a> {
    pub(crate) builder: &'a mut GraphBuilder,
    pub(crate) problems: &'a mut Vec<Problem>,
    pub(crate) skip_bad_rows: bool,
    /// The data version's hasher: each file's own hash goes into it.
    pub(crate) hasher: &'a mut blake3::Hasher,
    pub(crate) reports: Vec<CsvFileReport>,
    /// Where each CSV entity was defined, for duplicate-id messages: (file, line).
    pub(crate) origins: Vec<(usize, u64)>,
    pub(crate) files: Vec<PathBuf>,
    /// Entities defined by curated files come first; these are their places.
    pub(crate) curated_origins: &'a [String],
}

/// One problem of a row, before it is placed.
struct RowError {
    field: Option<usize>,
    message: String,
    hint: Option<String>,
}

fn row_error(field: Option<usize>, message: impl Into<String>, hint: Option<&str>) -> RowError {
    RowError {
        field,
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
}

impl CsvLoad<'_> {
    /// Folds a finished file's own hash, and its name, into the data version, and records
    /// what the file gave.
    fn close(&mut self, path: &Path, hasher: &blake3::Hasher, rows: usize, skipped: usize) {
        let file_hash = hasher.finalize();
        self.hasher
            .update(path.file_name().map_or(&[][..], |n| n.as_encoded_bytes()));
        self.hasher.update(file_hash.as_bytes());
        self.reports.push(CsvFileReport {
            path: path.to_owned(),
            rows,
            skipped,
        });
    }

    fn problem(
        &mut self,
        path: &Path,
        line: u64,
        column: usize,
        message: String,
        hint: Option<String>,
    ) {
        self.problems.push(Problem {
            file: path.to_owned(),
            line: line as usize,
            column,
            message,
            hint,
        });
    }

    /// Reports an error placed in a part of the file that starts at line `first_line`.
    fn report(&mut self, path: &Path, first_line: u64, p: Placed) {
        self.problem(path, first_line + p.line - 1, p.column, p.message, p.hint);
    }

    /// A bad row of a part starting at `first_line`: reported, unless bad rows are skipped.
    fn reject(&mut self, path: &Path, first_line: u64, p: Placed) {
        if !self.skip_bad_rows {
            self.report(path, first_line, p);
        }
    }

    fn header(
        &mut self,
        path: &Path,
        headers: &ByteRecord,
        required: &[&str],
        optional: &[&str],
    ) -> Option<Columns> {
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(trim(h)).to_ascii_lowercase())
            .collect();
        let mut ok = true;
        for (i, name) in names.iter().enumerate() {
            if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
                let offset: usize = names[..i].iter().map(|n| n.chars().count() + 1).sum();
                self.problem(
                    path,
                    1,
                    offset + 1,
                    format!("unknown column `{name}`"),
                    Some(format!(
                        "columns are {}, and optionally {}",
                        required.join(","),
                        optional.join(",")
                    )),
                );
                ok = false;
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| !names.iter().any(|n| n == r))
            .collect();
        if !missing.is_empty() {
            self.problem(
                path,
                1,
                1,
                format!(
                    "the header lacks the column{} {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
                Some(format!(
                    "the first line must name the columns {}",
                    required.join(",")
                )),
            );
            ok = false;
        }
        ok.then(|| Columns {
            index: required
                .iter()
                .chain(optional)
                .map(|c| names.iter().position(|n| n == c))
                .collect(),
        })
    }

    /// Reads every `nodes.csv` row into the builder. The file is read in chunks of whole
    /// records; while one thread adds a chunk's entities in file order (so the first of two
    /// rows with one id is the one kept), the other parses and checks the next chunk.
    pub(crate) fn nodes(&mut self, path: &Path) -> Result<(), SeedError> {
        let file_index = self.files.len();
        self.files.push(path.to_owned());
        let (mut chunks, headers, mut line) = Chunks::open(path)?;
        let Some(columns) = self.header(path, &headers, &NODE_COLUMNS, &NODE_OPTIONAL) else {
            return Ok(());
        };
        let width = headers.len();
        let (mut parsed, mut parsing) = (NodeRows::default(), NodeRows::default());
        let (mut rows, mut skipped) = (0, 0);
        let mut chunk = chunks.next().map_err(|e| io_error(path, e))?;
        if let Some(halves) = chunk {
            parsed.read(&columns, width, halves);
        }
        while chunk.is_some() {
            chunk = chunks.next().map_err(|e| io_error(path, e))?;
            std::thread::scope(|scope| {
                if let Some(halves) = chunk {
                    let (parsing, columns) = (&mut parsing, &columns);
                    scope.spawn(move || parsing.read(columns, width, halves));
                }
                // Each id is looked up a few rows before it is added: the lookups, independent
                // of the adds, bring the index's lines into cache ahead of the insert.
                let ids: Vec<&str> = parsed
                    .rows
                    .iter()
                    .filter_map(|r| r.as_ref().ok())
                    .map(|row| text_at(&parsed.text, row.id))
                    .collect();
                let mut ahead = ids.iter().skip(NODES_AHEAD);
                for result in parsed.rows.drain(..) {
                    if let Some(id) = ahead.next() {
                        std::hint::black_box(self.builder.lookup(id));
                    }
                    let added =
                        result.and_then(|row| self.add_node(&parsed.text, row, file_index, line));
                    match added {
                        Ok(()) => rows += 1,
                        Err(e) => {
                            skipped += e.rows as usize;
                            self.reject(path, line, e);
                        }
                    }
                }
            });
            line += parsed.lines;
            parsed.clear();
            std::mem::swap(&mut parsed, &mut parsing);
        }
        skipped += self.reject_too_long(path, line, &mut chunks);
        self.close(path, chunks.hasher(), rows, skipped);
        Ok(())
    }

    /// Rejects the record too long to read that ended a file early, if any; how many rows it
    /// lost.
    fn reject_too_long(&mut self, path: &Path, line: u64, chunks: &mut Chunks) -> usize {
        let Some(placed) = chunks.too_long.take() else {
            return 0;
        };
        let rows = placed.rows as usize;
        self.reject(path, line, placed);
        rows
    }

    /// Adds a checked row of a part starting at line `first_line`; a taken id is an error
    /// naming where it was first defined.
    fn add_node(
        &mut self,
        text: &str,
        row: NodeRow,
        file: usize,
        first_line: u64,
    ) -> Result<(), Placed> {
        let id = text_at(text, row.id);
        let added = self.builder.add_entity(NewEntity {
            id,
            kind: row.kind,
            name: text_at(text, row.name),
            country: row.country,
            date: row.date,
            detail: row.detail.map(|d| *d),
        });
        let (message, hint) = match added {
            Ok(_) => {
                self.origins.push((file, first_line + row.line - 1));
                return Ok(());
            }
            Err(GraphError::DuplicateId(_)) => {
                let first = self.builder.lookup(id).expect("a duplicate has a first");
                let curated = self.curated_origins.len();
                let place = if (first.0 as usize) < curated {
                    self.curated_origins[first.0 as usize].clone()
                } else {
                    let (f, line) = self.origins[first.0 as usize - curated];
                    format!("{}:{line}", self.files[f].display())
                };
                (
                    format!("the id `{id}` is used twice; it was first defined at {place}"),
                    Some(
                        "ids are unique across all kinds and files: rename one of them".to_owned(),
                    ),
                )
            }
            Err(e) => (e.to_string(), None),
        };
        Err(Placed {
            line: row.line,
            column: row.id_column,
            message,
            hint,
            rows: 1,
        })
    }

    /// Adds the source entity standing for a bulk edges file (`csv-<folder>-edges`, numbered
    /// when taken) and registers it; relations from the file cite it.
    pub(crate) fn file_source(&mut self, path: &Path) -> Result<u8, SeedError> {
        let folder = path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let slug: String = folder
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let base = format!("csv-{}-edges", slug.trim_matches('-'));
        let id = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                }
            })
            .find(|id| self.builder.lookup(id).is_none())
            .expect("some numbered id is free");
        let title = format!("Bulk file {}", path.display());
        let ix = self
            .builder
            .add_entity(NewEntity {
                id: &id,
                kind: EntityKind::Source,
                name: &title,
                country: None,
                date: None,
                detail: Some(EntityDetail {
                    title: Some(title.clone()),
                    description: Some(
                        "A bulk CSV file; every relation loaded from it cites it.".into(),
                    ),
                    origin: path.display().to_string(),
                    ..EntityDetail::default()
                }),
            })
            .expect("the id was free");
        self.builder.file_source(ix).ok_or_else(|| SeedError::Io {
            path: path.to_owned(),
            source: io::Error::other("at most 255 edges files can be loaded at once"),
        })
    }

    /// Reads every `edges.csv` row into the builder; `source` is the file's number among the
    /// bulk sources. Each chunk's halves are parsed and checked on both threads (the entity
    /// table is only read meanwhile), and the rows are then added in file order.
    pub(crate) fn edges(&mut self, path: &Path, source: u8) -> Result<(), SeedError> {
        let (mut chunks, headers, mut line) = Chunks::open(path)?;
        let Some(columns) = self.header(path, &headers, &EDGE_COLUMNS, &EDGE_OPTIONAL) else {
            return Ok(());
        };
        let width = headers.len();
        let mut parts = [EdgeRows::new(), EdgeRows::new()];
        let (mut rows, mut skipped) = (0, 0);
        while let Some([first, second]) = chunks.next().map_err(|e| io_error(path, e))? {
            let builder = &*self.builder;
            let columns = &columns;
            let [mine, theirs] = &mut parts;
            std::thread::scope(|scope| {
                let other = scope.spawn(|| theirs.read(builder, columns, width, second, source));
                mine.read(builder, columns, width, first, source);
                other.join().expect("reading rows does not panic");
            });
            for part in &mut parts {
                for result in part.rows.drain(..) {
                    match result {
                        Ok(new) => {
                            self.builder.push_relation(new);
                            rows += 1;
                        }
                        Err(e) => {
                            skipped += e.rows as usize;
                            self.reject(path, line, e);
                        }
                    }
                }
                line += part.lines;
            }
        }
        skipped += self.reject_too_long(path, line, &mut chunks);
        self.close(path, chunks.hasher(), rows, skipped);
        Ok(())
    }
}

/// A bulk file read as chunks of whole records, each cut in two halves of whole records, so
/// that two threads can parse it. A newline ends a record only outside quotes.
struct Chunks {
    file: Hashing<io::BufReader<File>>,
    pending: Vec<u8>,
    eof: bool,
    /// How many bytes at the front of `pending` the last chunk took.
    taken: usize,
    /// A record longer than [`MAX_RECORD`] that ended the reading, placed from the start of
    /// what was left unread.
    too_long: Option<Placed>,
}

impl Chunks {
    /// Opens a file and reads its header: the reader, the header's fields and the number of
    /// the line after it.
    fn open(path: &Path) -> Result<(Chunks, ByteRecord, u64), SeedError> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        let mut file = Hashing {
            inner: io::BufReader::with_capacity(1 << 20, file),
            hasher: blake3::Hasher::new(),
        };
        let mut pending = Vec::with_capacity(CHUNK + (1 << 20));
        let mut eof = fill(&mut file, &mut pending, CHUNK).map_err(|e| io_error(path, e))?;
        while !eof && memchr::memchr(b'\n', &pending).is_none() {
            let more = pending.len() + CHUNK;
            eof = fill(&mut file, &mut pending, more).map_err(|e| io_error(path, e))?;
        }
        let mut header = ReaderBuilder::new()
            .has_headers(true)
            .from_reader(&pending[..]);
        let headers = header.byte_headers().map_err(|e| csv_io(path, e))?.clone();
        let (start, line) = (header.position().byte() as usize, header.position().line());
        drop(header);
        pending.drain(..start.min(pending.len()));
        let chunks = Chunks {
            file,
            pending,
            eof,
            taken: 0,
            too_long: None,
        };
        Ok((chunks, headers, line))
    }

    /// The next chunk's two halves, or `None` at the end of the file.
    fn next(&mut self) -> io::Result<Option<[&[u8]; 2]>> {
        self.pending.drain(..self.taken);
        let mut want = CHUNK;
        loop {
            if !self.eof {
                self.eof = fill(&mut self.file, &mut self.pending, want)?;
            }
            if self.eof && self.pending.is_empty() {
                return Ok(None);
            }
            let (end, half) = match rfc4180::cuts(&self.pending, self.pending.len() / 2) {
                _ if self.eof => {
                    let end = self.pending.len();
                    let half = rfc4180::cuts(&self.pending, end / 2).map_or(end, |(_, h)| h);
                    (end, half)
                }
                Some(cuts) => cuts,
                None if self.pending.len() >= MAX_RECORD => {
                    self.give_up_on_long_record()?;
                    return Ok(None);
                }
                None => {
                    // One record longer than the chunk: read on until it ends.
                    want = self.pending.len() + CHUNK;
                    continue;
                }
            };
            self.taken = end;
            let (first, second) = self.pending[..end].split_at(half);
            return Ok(Some([first, second]));
        }
    }

    /// Ends the reading at a record longer than [`MAX_RECORD`]: the rest of the file is read
    /// only to hash it and count its lines, every one of them a row lost, so that memory stays
    /// bounded whatever the file holds (a quote that never closes makes the rest one record).
    fn give_up_on_long_record(&mut self) -> io::Result<()> {
        let unclosed = match rfc4180::next(&self.pending, 0, true).and_then(|r| r.problem) {
            Some(problem @ rfc4180::Problem::Unclosed(_)) => Some(quoting(&self.pending, problem)),
            _ => None,
        };
        let mut lines = memchr::memchr_iter(b'\n', &self.pending).count() as u64;
        let mut last = self.pending.last().copied();
        let mut buffer = vec![0; 1 << 16];
        loop {
            let n = self.file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            lines += memchr::memchr_iter(b'\n', &buffer[..n]).count() as u64;
            last = Some(buffer[n - 1]);
        }
        let rows = lines + u64::from(last != Some(b'\n'));
        let rest = format!("the rest of the file ({rows} lines) was not read");
        let placed = match unclosed {
            Some(at) => Placed {
                message: format!(
                    "a quoted field opens here and does not close within {MAX_RECORD} bytes; {rest}"
                ),
                rows,
                ..at
            },
            None => Placed {
                line: 1,
                column: 1,
                message: format!("a row longer than {MAX_RECORD} bytes starts here; {rest}"),
                hint: Some("split the row: no field needs a mebibyte".to_owned()),
                rows,
            },
        };
        self.pending.clear();
        self.eof = true;
        self.too_long = Some(placed);
        Ok(())
    }

    /// The hash of every byte read so far.
    fn hasher(&self) -> &blake3::Hasher {
        &self.file.hasher
    }
}

fn io_error(path: &Path, source: io::Error) -> SeedError {
    SeedError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Bytes of a bulk file read at a time: 8 MiB, about 200,000 edges rows (a few hundred bytes in
/// unit tests, so that they cross many chunk and half boundaries).
const CHUNK: usize = if cfg!(test) { 300 } else { 8 << 20 };

/// The longest record read: a longer one ends the reading of its file (see
/// [`Chunks::give_up_on_long_record`]).
const MAX_RECORD: usize = 1 << 20;

/// Reads from `from` until `into` holds `target` bytes; whether the end was reached.
fn fill(from: &mut impl Read, into: &mut Vec<u8>, target: usize) -> io::Result<bool> {
    let wanted = target.saturating_sub(into.len()) as u64;
    let got = from.take(wanted).read_to_end(into)?;
    Ok((got as u64) < wanted)
}

/// A row's error placed in its part of the file: line (from 1 at the part's start), column
/// (the field's character offset in its line), message and hint.
struct Placed {
    line: u64,
    column: usize,
    message: String,
    hint: Option<String>,
    /// How many rows of the file the problem loses (a quote never closed swallows the rest).
    rows: u64,
}

impl Placed {
    /// A row that does not read as the header's columns, at its start.
    fn unreadable(line: u64, message: String) -> Placed {
        Placed {
            line,
            column: 1,
            message,
            hint: Some(UNEVEN_ROW.to_owned()),
            rows: 1,
        }
    }
}

fn place(record: &ByteRecord, e: RowError) -> Placed {
    Placed {
        line: record.position().map_or(1, csv::Position::line),
        column: column(record, e.field),
        message: e.message,
        hint: e.hint,
        rows: 1,
    }
}

/// The column (character offset in its line, from 1) where a record's field starts; 1 for
/// the row itself.
fn column(record: &ByteRecord, field: Option<usize>) -> usize {
    field.and_then(|f| record.range(f)).map_or(1, |r| {
        let before = &record.as_slice()[..r.start];
        // Fields lose their separators in the record: add one comma per earlier field.
        String::from_utf8_lossy(before).chars().count() + field.unwrap_or(0) + 1
    })
}

/// The rows of one part of a nodes file, checked, with their ids and names in one buffer,
/// and how many lines the part spans.
#[derive(Default)]
struct NodeRows {
    rows: Vec<Result<NodeRow, Placed>>,
    text: String,
    lines: u64,
}

/// A checked nodes row: its id and name as spans of [`NodeRows::text`], its line within its
/// part and the column of its id (for a duplicate-id error, found only when it is added).
struct NodeRow {
    id: (u32, u32),
    name: (u32, u32),
    kind: EntityKind,
    country: Option<[u8; 2]>,
    date: Option<Day>,
    detail: Option<Box<EntityDetail>>,
    line: u64,
    id_column: usize,
}

impl NodeRows {
    /// Reads and checks the rows of a chunk's halves, which hold whole records.
    fn read(&mut self, c: &Columns, width: usize, halves: [&[u8]; 2]) {
        for bytes in halves {
            // Lines count from the chunk's start, not the half's.
            let before = self.lines;
            each_record(bytes, width, |record| {
                let row = record.and_then(|record| {
                    node(c, record, &mut self.text)
                        .map(|row| NodeRow {
                            line: before + row.line,
                            ..row
                        })
                        .map_err(|e| place(record, e))
                });
                self.rows.push(row.map_err(|e| Placed {
                    line: before + e.line,
                    ..e
                }));
            });
            self.lines += memchr::memchr_iter(b'\n', bytes).count() as u64;
        }
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.text.clear();
        self.lines = 0;
    }
}

fn push_text(text: &mut String, s: &str) -> (u32, u32) {
    let at = text.len() as u32;
    text.push_str(s);
    (at, s.len() as u32)
}

/// What `push_text` kept at `span`.
fn text_at(text: &str, (at, len): (u32, u32)) -> &str {
    &text[at as usize..(at + len) as usize]
}

/// Reads and checks one nodes row, keeping its id and name in `text`.
fn node(c: &Columns, record: &ByteRecord, text: &mut String) -> Result<NodeRow, RowError> {
    let field = |i: usize| c.index[i];
    let id = std::str::from_utf8(c.get(record, 0)).unwrap_or("");
    if !is_valid_id(id) {
        return Err(row_error(
            field(0),
            format!(
                "`{}` is not a valid id",
                String::from_utf8_lossy(c.get(record, 0))
            ),
            Some("ids are lowercase letters, digits and `-`, like `market-us`"),
        ));
    }
    let kind_text = String::from_utf8_lossy(c.get(record, 1));
    let kind = EntityKind::parse(&kind_text)
        .filter(|k| *k != EntityKind::Source)
        .ok_or_else(|| {
            row_error(
                field(1),
                format!("unknown kind `{kind_text}`"),
                Some("kinds are Market, Vendor, Carrier, Retailer, Product, Person, Event"),
            )
        })?;
    let name = std::str::from_utf8(c.get(record, 2))
        .map_err(|_| row_error(field(2), "the name is not UTF-8", None))?;
    if name.is_empty() {
        return Err(row_error(
            field(2),
            "the name is empty",
            Some("give the entity the name people know it by"),
        ));
    }
    let country = match c.get(record, 3) {
        [] => None,
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
        }
        other => {
            return Err(row_error(
                field(3),
                format!(
                    "`{}` is not an ISO 3166 country code",
                    String::from_utf8_lossy(other)
                ),
                Some("write two letters, like US, or leave it empty"),
            ));
        }
    };
    if kind == EntityKind::Market && country.is_none() {
        return Err(row_error(
            field(3),
            "a market needs its country code",
            Some("write the market's ISO 3166 code, like US"),
        ));
    }
    let date =
        optional_day(c.get(record, 4)).map_err(|m| row_error(field(4), m, Some(ISO_DATE)))?;
    let detail = node_detail(c, record, kind)?;
    Ok(NodeRow {
        id: push_text(text, id),
        name: push_text(text, name),
        kind,
        country,
        date,
        detail,
        line: record.position().map_or(1, csv::Position::line),
        id_column: column(record, field(0)),
    })
}

/// A row's optional columns, if any is filled.
fn node_detail(
    c: &Columns,
    record: &ByteRecord,
    kind: EntityKind,
) -> Result<Option<Box<EntityDetail>>, RowError> {
    let text = |i: usize| {
        let v = c.get(record, 5 + i);
        (!v.is_empty()).then(|| String::from_utf8_lossy(v).into_owned())
    };
    let (aliases, description, wikidata, category, event_type) =
        (text(0), text(1), text(2), text(3), text(4));
    if aliases.is_none()
        && description.is_none()
        && wikidata.is_none()
        && category.is_none()
        && event_type.is_none()
    {
        return Ok(None);
    }
    let category = match category {
        None => None,
        Some(_) if kind != EntityKind::Product => {
            return Err(row_error(
                c.index[8],
                "`category` applies to products only",
                None,
            ));
        }
        Some(t) => Some(
            ProductCategory::parse(&t)
                .ok_or_else(|| row_error(c.index[8], format!("unknown category `{t}`"), None))?,
        ),
    };
    let event_type = match event_type {
        None => None,
        Some(_) if kind != EntityKind::Event => {
            return Err(row_error(c.index[9], "`type` applies to events only", None));
        }
        Some(t) => Some(
            EventType::parse(&t)
                .ok_or_else(|| row_error(c.index[9], format!("unknown event type `{t}`"), None))?,
        ),
    };
    Ok(Some(Box::new(EntityDetail {
        aliases: aliases
            .map(|a| {
                a.split('|')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        description,
        wikidata,
        category,
        event_type,
        ..EntityDetail::default()
    })))
}

/// The rows of one part of an edges file, checked, and how many lines the part spans; kept
/// from chunk to chunk with the memo of recently resolved ids.
struct EdgeRows {
    rows: Vec<Result<NewRelation, Placed>>,
    lines: u64,
    recent: RecentIds,
}

impl EdgeRows {
    fn new() -> Self {
        EdgeRows {
            rows: Vec::new(),
            lines: 0,
            recent: RecentIds::new(),
        }
    }

    /// Reads and checks the rows of `bytes`, which hold whole records.
    fn read(
        &mut self,
        builder: &GraphBuilder,
        c: &Columns,
        width: usize,
        bytes: &[u8],
        source: u8,
    ) {
        let mut reader = records(bytes);
        let mut batch: Vec<(ByteRecord, Result<(), Placed>)> =
            (0..BATCH).map(|_| (ByteRecord::new(), Ok(()))).collect();
        let mut found = [[None; 2]; BATCH];
        loop {
            let mut n = 0;
            while n < BATCH {
                let (record, read) = &mut batch[n];
                let Some(next) = next_record(&mut reader, record, width) else {
                    break;
                };
                *read = next;
                n += 1;
            }
            // Every id of the batch first: the index lookups, independent of one another,
            // then overlap in the memory system instead of each waiting for the last.
            for ((record, read), found) in batch[..n].iter().zip(&mut found) {
                if read.is_ok() {
                    *found = [0, 1].map(|end| self.recent.resolve(builder, c.get(record, end)));
                }
            }
            for ((record, read), &found) in batch[..n].iter_mut().zip(&found) {
                let row = std::mem::replace(read, Ok(())).and_then(|()| {
                    edge(builder, c, record, source, found).map_err(|e| place(record, e))
                });
                self.rows.push(row);
            }
            if n < BATCH {
                break;
            }
        }
        self.lines = memchr::memchr_iter(b'\n', bytes).count() as u64;
    }
}

/// How many rows ahead of the one being added a nodes chunk looks its id up (16 against 0:
/// nodes phase 387 against 417 ms, medians of eight alternating runs at a million entities;
/// 32 was no better).
const NODES_AHEAD: usize = 16;

/// Edge rows read ahead of checking, so that their ids are resolved together.
const BATCH: usize = 32;

/// A small direct-mapped memo of the ids an edges file resolved lately. Bulk rows name the
/// same entities again and again (consecutive rows about one product, the giant carriers on
/// every other row), and a hit here saves a trip into the id index, which at a million
/// entities is a cache and TLB miss each time.
struct RecentIds {
    slots: Vec<Recent>,
}

#[derive(Clone, Copy, Default)]
struct Recent {
    id: InlineId,
    found: Option<(EntityIx, EntityKind)>,
}
/// Slots in the memo (a power of two): 2 MiB of 32-byte slots, small enough to stay in cache
/// and large enough to hold the hubs and the rows in flight (measured at a million entities:
/// 4,096 slots hit half the time; 65,536 cut the relations phase by a fifth more; 262,144
/// were slower again).
const RECENT_SLOTS: usize = 1 << 16;

impl RecentIds {
    fn new() -> Self {
        RecentIds {
            slots: vec![Recent::default(); RECENT_SLOTS],
        }
    }

    fn resolve(&mut self, builder: &GraphBuilder, id: &[u8]) -> Option<(EntityIx, EntityKind)> {
        let lookup = || {
            std::str::from_utf8(id)
                .ok()
                .and_then(|s| builder.lookup_kind(s))
        };
        if id.len() > InlineId::MAX {
            return lookup();
        }
        let slot = &mut self.slots[FxBuildHasher.hash_one(id) as usize & (RECENT_SLOTS - 1)];
        if slot.found.is_some() && slot.id.holds(id) == Some(true) {
            return slot.found;
        }
        let found = lookup()?;
        *slot = Recent {
            id: InlineId::new(id),
            found: Some(found),
        };
        Some(found)
    }
}

/// An end of an edge row, as resolved beforehand: unknown ids are reported.
fn endpoint(
    c: &Columns,
    record: &ByteRecord,
    which: usize,
    found: Option<(EntityIx, EntityKind)>,
) -> Result<(EntityIx, EntityKind), RowError> {
    found.ok_or_else(|| {
        let text = c.get(record, which);
        row_error(
            c.index[which],
            format!("unknown entity `{}`", String::from_utf8_lossy(text)),
            Some("add it to a nodes.csv or a seed file, or fix the id"),
        )
    })
}

/// Reads one edge row into a checked relation, given what its `from` and `to` ids resolved to.
fn edge(
    builder: &GraphBuilder,
    c: &Columns,
    record: &ByteRecord,
    source: u8,
    [from, to]: [Option<(EntityIx, EntityKind)>; 2],
) -> Result<NewRelation, RowError> {
    let kind_text = String::from_utf8_lossy(c.get(record, 2));
    let (kind, swap) = RelationKind::parse_csv(&kind_text).ok_or_else(|| {
        row_error(
            c.index[2],
            format!("unknown relation kind `{kind_text}`"),
            Some("kinds are HEADQUARTERED_IN, OPERATES_IN, MAKES, CARRIES, SELLS, PARTNERS_WITH, COMPETES_WITH, EXECUTIVE_OF, INVOLVES and the other relation kinds"),
        )
    })?;
    let mut from = endpoint(c, record, 0, from)?;
    let mut to = endpoint(c, record, 1, to)?;
    if swap {
        std::mem::swap(&mut from, &mut to);
    }
    let since =
        optional_day(c.get(record, 3)).map_err(|m| row_error(c.index[3], m, Some(ISO_DATE)))?;
    let until =
        optional_day(c.get(record, 4)).map_err(|m| row_error(c.index[4], m, Some(ISO_DATE)))?;
    if let (Some(s), Some(u)) = (since, until)
        && u <= s
    {
        return Err(row_error(
            c.index[4],
            "the relation ends before it starts",
            Some("`until` is the first day it no longer held: it must come after `since`"),
        ));
    }
    if let Err(e) = builder.check_kinds(kind, from, to) {
        let hint = match e {
            GraphError::KindMismatch { kind, .. } => Some(format!(
                "`{}` goes from a {} to a {}",
                kind.as_str().to_uppercase(),
                kind.spec().from.describe(),
                kind.spec().to.describe()
            )),
            _ => None,
        };
        return Err(RowError {
            field: c.index[2],
            message: e.to_string(),
            hint,
        });
    }
    let (from, to) = (from.0, to.0);
    if kind == RelationKind::HeadquarteredIn {
        let (org, market) = (builder.entity(from), builder.entity(to));
        if let (Some(country), Some(code)) = (org.country, market.country)
            && country != code
        {
            return Err(row_error(
                c.index[1],
                format!(
                    "`{}` is headquartered in `{}` ({code}) but its country is {country}",
                    org.id, market.id
                ),
                Some("make the node's country agree with its HEADQUARTERED_IN market"),
            ));
        }
    }
    let confidence = match c.get(record, 5) {
        [] => 1.0,
        text => std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f32>().ok())
            .filter(|v| (0.0..=1.0).contains(v))
            .ok_or_else(|| {
                row_error(
                    c.index[5],
                    format!(
                        "confidence `{}` is not a number from 0 to 1",
                        String::from_utf8_lossy(text)
                    ),
                    None,
                )
            })?,
    };
    let validity = Validity {
        from: since.map(|d| PartialDate::from_day(d).into()),
        until: until.map(|d| PartialDate::from_day(d).into()),
    };
    let detail = edge_detail(builder, c, record, validity)?;
    Ok(NewRelation {
        from,
        to,
        kind,
        window: window(since, until),
        confidence,
        unsourced: false,
        detail,
        file: source,
    })
}

fn edge_detail(
    builder: &GraphBuilder,
    c: &Columns,
    record: &ByteRecord,
    validity: Validity,
) -> Result<Option<Box<RelationDetail>>, RowError> {
    let (status, role, market, note) = (
        c.get(record, 6),
        c.get(record, 7),
        c.get(record, 8),
        c.get(record, 9),
    );
    if status.is_empty() && role.is_empty() && market.is_empty() && note.is_empty() {
        return Ok(None);
    }
    let text = |b: &[u8]| (!b.is_empty()).then(|| String::from_utf8_lossy(b).into_owned());
    let status_history = match text(status) {
        None => Vec::new(),
        Some(s) => vec![StatusChange {
            status: Status::parse(&s).ok_or_else(|| {
                row_error(
                    c.index[6],
                    format!("unknown status `{s}`"),
                    Some("statuses are rumoured, planned, announced, confirmed, cancelled, ended"),
                )
            })?,
            date: validity.from,
            event: None,
            sources: Vec::new(),
        }],
    };
    let market = match text(market) {
        None => None,
        Some(m) => Some(
            builder
                .lookup_kind(&m)
                .filter(|&(_, kind)| kind == EntityKind::Market)
                .map(|(ix, _)| ix)
                .ok_or_else(|| row_error(c.index[8], format!("unknown market `{m}`"), None))?,
        ),
    };
    Ok(Some(Box::new(RelationDetail {
        validity,
        status_history,
        market,
        role: text(role),
        note: text(note),
        ..RelationDetail::default()
    })))
}

const ISO_DATE: &str = "dates are ISO days, like 2018-01-09, or empty";

/// Reads an optional ISO day.
fn optional_day(bytes: &[u8]) -> Result<Option<Day>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let bad = || format!("`{}` is not a date", String::from_utf8_lossy(bytes));
    let digits = |b: &[u8]| -> Option<u32> {
        b.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    match bytes {
        [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => {
            let (y, m, d) = (
                digits(y).ok_or_else(bad)?,
                digits(&[*m1, *m2]).ok_or_else(bad)?,
                digits(&[*d1, *d2]).ok_or_else(bad)?,
            );
            days_from_civil_checked(y as i32, m, d)
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "`{}` does not exist in the calendar",
                        String::from_utf8_lossy(bytes)
                    )
                })
        }
        _ => Err(bad()),
    }
}

fn window(since: Option<Day>, until: Option<Day>) -> Window {
    Window {
        started_surely: since.unwrap_or(Day::MIN),
        started_possibly: since.unwrap_or(Day::MIN),
        ends_earliest: until.unwrap_or(Day::MAX),
        ends_latest: until.unwrap_or(Day::MAX),
    }
}

fn csv_io(path: &Path, e: csv::Error) -> SeedError {
    SeedError::Io {
        path: path.to_owned(),
        source: io::Error::other(e.to_string()),
    }
}

/// What is wrong with a row of `len` fields under a header of `header`.
fn uneven(len: usize, header: usize) -> String {
    format!("the row has {len} fields; the header has {header}")
}

/// Reads `bytes`, which hold whole records, giving `each` every record of the header's
/// `width`, and for every other record the reason, placed.
fn each_record(bytes: &[u8], width: usize, mut each: impl FnMut(Result<&ByteRecord, Placed>)) {
    let mut reader = records(bytes);
    let mut record = ByteRecord::new();
    while let Some(read) = next_record(&mut reader, &mut record, width) {
        each(read.map(|()| &record));
    }
}

/// The records of a part of a file, read by the `csv` crate and, beside it, by the strict
/// scanner that finds what the crate lets pass.
struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    bytes: &'a [u8],
    /// Where the scanner's next record starts.
    at: usize,
    /// Whether the text holds a quote: without one, the scanner has nothing to find.
    quoted: bool,
}

/// A reader of the records in `bytes`, which hold no header.
fn records(bytes: &[u8]) -> Records<'_> {
    Records {
        reader: ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes),
        bytes,
        at: 0,
        quoted: memchr::memchr(b'"', bytes).is_some(),
    }
}

/// Reads the next record into `record`: `None` at the end, and a placed error for a row that
/// is not strict CSV or not `width` fields wide.
fn next_record(
    records: &mut Records<'_>,
    record: &mut ByteRecord,
    width: usize,
) -> Option<Result<(), Placed>> {
    let scanned = if records.quoted {
        rfc4180::next(records.bytes, records.at, true)
    } else {
        None
    };
    if let Some(scanned) = scanned {
        records.at = scanned.end;
    }
    let read = match records.reader.read_byte_record(record) {
        Ok(false) => return None,
        Ok(true) => Ok(()),
        Err(e) => Err(Placed::unreadable(
            e.position().map_or(1, csv::Position::line),
            "the row cannot be read as CSV".to_owned(),
        )),
    };
    if let Some(problem) = scanned.and_then(|s| s.problem) {
        return Some(Err(quoting(records.bytes, problem)));
    }
    Some(read.and_then(|()| {
        if record.len() == width {
            Ok(())
        } else {
            Err(Placed::unreadable(
                record.position().map_or(1, csv::Position::line),
                uneven(record.len(), width),
            ))
        }
    }))
}

/// A quoting problem placed at its line and column in `bytes`.
fn quoting(bytes: &[u8], problem: rfc4180::Problem) -> Placed {
    use rfc4180::Problem::*;
    let (at, message, hint, rows) = match problem {
        BareQuote(at) => (
            at,
            "a quote inside a field that does not start with one".to_owned(),
            "quote the whole field and double the quote: `\"a \"\"b\"\" c\"`",
            1,
        ),
        AfterClosingQuote(at) => (
            at,
            "text after a field's closing quote".to_owned(),
            "a quoted field ends at its closing quote: double a quote meant inside it",
            1,
        ),
        Unclosed(at) => {
            // The rest of the part is this one field: every line of it is a row lost.
            let rest = &bytes[at..];
            let lines =
                memchr::memchr_iter(b'\n', rest).count() as u64 + u64::from(!rest.ends_with(b"\n"));
            (
                at,
                format!(
                    "a quoted field opens here and never closes; the {lines} lines after it are read as part of it"
                ),
                "close the quote, or double a quote meant inside the field",
                lines,
            )
        }
    };
    let line = memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64 + 1;
    let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |n| n + 1);
    Placed {
        line,
        column: String::from_utf8_lossy(&bytes[line_start..at])
            .chars()
            .count()
            + 1,
        message,
        hint: Some(hint.to_owned()),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{LoadOptions, Loaded, SeedError, load_with};

    /// A temporary folder holding an empty `seed` folder and a `bulk` folder, and the latter.
    fn bulk_folder() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("seed")).unwrap();
        let bulk = dir.path().join("bulk");
        std::fs::create_dir_all(&bulk).unwrap();
        (dir, bulk)
    }

    /// Loads the bulk folder on the empty seed folder beside it.
    fn load_bulk(
        dir: &tempfile::TempDir,
        bulk: &Path,
        skip_bad_rows: bool,
    ) -> Result<Loaded, SeedError> {
        let options = LoadOptions {
            csv_dirs: vec![bulk.to_owned()],
            skip_bad_rows,
            ..LoadOptions::default()
        };
        load_with(&dir.path().join("seed"), &options)
    }

    #[test]
    fn boundaries_skip_newlines_inside_quotes() {
        let text = b"a,\"x\ny\"\nb,\"\"\"\n\"\nc,d\n";
        assert_eq!(rfc4180::cuts(text, 0), Some((text.len(), 8)));
        assert_eq!(rfc4180::cuts(text, 9), Some((text.len(), 16)));
        assert_eq!(rfc4180::cuts(&text[..15], 0), Some((8, 8)));
        assert_eq!(rfc4180::cuts(b"no end", 0), None);
    }

    /// A nodes file many chunks long, with quoted newlines, bad rows and ids defined twice
    /// (in one chunk and chunks apart), gives every good row once, each bad row at its line,
    /// and each second definition naming the first's line.
    #[test]
    fn chunked_nodes_keep_rows_lines_and_first_definitions() {
        let (dir, bulk) = bulk_folder();
        let mut nodes = String::from("id,kind,name,country,date\n");
        let (mut line, mut expected, mut good) = (1, Vec::new(), 0);
        let mut first_line = std::collections::HashMap::new();
        for i in 0..300 {
            line += 1;
            let id = format!("p-{}", if i % 41 == 40 { i - 1 } else { i % 250 });
            if i % 23 == 7 {
                nodes += &format!("{id},gadget,Phone {i},,\n");
                expected.push((line, "unknown kind `gadget`".to_owned()));
            } else if i == 151 {
                nodes += "p-x,product\n";
                expected.push((line, "the row has 2 fields; the header has 5".to_owned()));
            } else if let Some(first) = first_line.get(&id) {
                nodes += &format!("{id},product,Phone {i},,\n");
                let place = format!("{}:{first}", bulk.join("nodes.csv").display());
                expected.push((
                    line,
                    format!("the id `{id}` is used twice; it was first defined at {place}"),
                ));
            } else {
                first_line.insert(id.clone(), line);
                good += 1;
                if i % 10 == 3 {
                    nodes += &format!("{id},product,\"Phone \"\"{i}\"\"\nPro\",,\n");
                    line += 1;
                } else {
                    nodes += &format!("{id},product,Phone {i},,\n");
                }
            }
        }
        nodes.pop();
        std::fs::write(bulk.join("nodes.csv"), &nodes).unwrap();
        let Err(SeedError::Invalid(report)) = load_bulk(&dir, &bulk, false) else {
            panic!("the bad rows are reported");
        };
        let found: Vec<(usize, String)> = report
            .problems
            .iter()
            .map(|p| (p.line, p.message.clone()))
            .collect();
        assert_eq!(found, expected);
        let loaded = load_bulk(&dir, &bulk, true).expect("bad rows are skipped");
        let nodes_report = &loaded.csv[0];
        assert_eq!(
            (nodes_report.rows, nodes_report.skipped),
            (good, expected.len())
        );
        let graph = &loaded.graph;
        let quoted = graph.lookup("p-13").expect("p-13 is loaded");
        assert_eq!(graph.entity(quoted).name, "Phone \"13\"\nPro");
    }

    /// An edges file many chunks long, with quoted newlines, bad rows and no final newline,
    /// gives every good row once and each bad row at its line.
    #[test]
    fn chunked_edges_keep_rows_and_lines() {
        let (dir, bulk) = bulk_folder();
        let mut nodes = String::from("id,kind,name,country,date\n");
        for i in 0..50 {
            nodes += &format!("v-{i},vendor,Vendor {i},,\np-{i},product,Phone {i},,\n");
        }
        std::fs::write(bulk.join("nodes.csv"), nodes).unwrap();
        let mut edges = String::from("from,to,kind,since,until,note\n");
        let (mut line, mut bad, mut good, mut uneven_line) = (1, Vec::new(), 0, 0);
        for i in 0..400 {
            line += 1;
            if i % 37 == 5 {
                edges += &format!("v-x{i},p-0,MAKES,,,\n");
                bad.push(line);
            } else if i == 201 {
                edges += "v-1,p-1,MAKES\n";
                bad.push(line);
                uneven_line = line;
            } else if i % 10 == 3 {
                edges += &format!(
                    "v-{},p-{},MAKES,,,\"made, \"\"first\"\"\nin a lab\"\n",
                    i % 50,
                    i % 50
                );
                line += 1;
                good += 1;
            } else {
                edges += &format!("v-{},p-{},MAKES,,,\n", i % 50, (i * 7) % 50);
                good += 1;
            }
        }
        edges.pop();
        std::fs::write(bulk.join("edges.csv"), &edges).unwrap();
        let Err(SeedError::Invalid(report)) = load_bulk(&dir, &bulk, false) else {
            panic!("the unknown ids are reported");
        };
        let lines: Vec<usize> = report.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, bad);
        let uneven = report.problems.iter().find(|p| p.line == uneven_line);
        assert_eq!(
            uneven.map(|p| (p.column, p.message.as_str())),
            Some((1, "the row has 3 fields; the header has 6"))
        );
        assert!(
            report
                .problems
                .iter()
                .filter(|p| p.line != uneven_line)
                .all(|p| p.message.starts_with("unknown entity `v-x"))
        );
        let loaded = load_bulk(&dir, &bulk, true).expect("bad rows are skipped");
        let edges_report = &loaded.csv[1];
        assert_eq!((edges_report.rows, edges_report.skipped), (good, bad.len()));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Rows of a nodes file built from pieces that make good rows, bad rows and bad CSV.
        fn nodes_text() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                3 => Just("m1,market,One,US,\n"),
                3 => Just("v1,vendor,\"Vee, Inc\",CN,2010-06-01\n"),
                2 => Just(","),
                2 => Just("\""),
                1 => Just("\r\n"),
                2 => Just("\n"),
                1 => Just("x,Market,\"a\"\"b\",FR,\n"),
                1 => Just("é"),
                1 => Just("bad-kind,nope,N,,\n"),
            ];
            proptest::collection::vec(piece, 0..60).prop_map(|p| p.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]

            /// Whatever a nodes file holds, loading it never panics; every problem is placed
            /// on a line of the file; and with `--skip-bad-rows` the rows kept and skipped
            /// never outnumber the file's lines.
            #[test]
            fn any_nodes_file_loads_or_has_placed_problems(body in nodes_text()) {
                let text = format!("id,kind,name,country,date\n{body}");
                let (dir, bulk) = bulk_folder();
                std::fs::write(bulk.join("nodes.csv"), &text).unwrap();
                let lines = text.split('\n').count();
                match load_bulk(&dir, &bulk, false) {
                    Ok(_) => {}
                    Err(SeedError::Invalid(report)) => {
                        for p in &report.problems {
                            prop_assert!(p.line >= 2 && p.line <= lines, "{}\n{}", p, text);
                            prop_assert!(p.column >= 1, "{}", p);
                        }
                    }
                    Err(e) => prop_assert!(false, "{}", e),
                }
                let loaded = load_bulk(&dir, &bulk, true).unwrap();
                let file = &loaded.csv[0];
                prop_assert!(file.rows + file.skipped <= lines, "{} + {} > {}", file.rows, file.skipped, lines);
            }
        }
    }
}
