//! Bulk CSV: `nodes.csv` (`id,kind,name,country,date`) and `edges.csv`
//! (`from,to,kind,since,until`) in each `--csv` folder, loaded on top of the curated files.
//!
//! Rows are read as bytes into one reused record, so a million entities and four million
//! relations load without an allocation per row. Every bad row is reported with its file and
//! line; with `skip_bad_rows` bad rows are counted and left out instead.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use std::hash::BuildHasher;

use csv::{ByteRecord, ReaderBuilder};
use rustc_hash::FxBuildHasher;

use super::SeedError;
use super::report::Problem;
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
    fn open(path: &Path) -> Result<csv::Reader<Hashing<io::BufReader<File>>>, SeedError> {
        let file = File::open(path).map_err(|source| SeedError::Io {
            path: path.to_owned(),
            source,
        })?;
        let reader = Hashing {
            inner: io::BufReader::with_capacity(1 << 20, file),
            hasher: blake3::Hasher::new(),
        };
        Ok(ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .buffer_capacity(1 << 20)
            .from_reader(reader))
    }

    /// Folds a finished file's own hash, and its name, into the data version, and records
    /// what the file gave.
    fn close(
        &mut self,
        path: &Path,
        reader: csv::Reader<Hashing<io::BufReader<File>>>,
        rows: usize,
        skipped: usize,
    ) {
        let file_hash = reader.into_inner().hasher.finalize();
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

    /// Reports a row the CSV reader could not read (unless bad rows are being skipped).
    fn unreadable_row(&mut self, path: &Path, e: &csv::Error) {
        if !self.skip_bad_rows {
            let (line, message) = csv_error(e);
            let hint = "every row needs the same columns as the header".to_owned();
            self.problem(path, line, 1, message, Some(hint));
        }
    }

    /// Places a row's error: the column is the field's character offset in its line.
    fn report_row(&mut self, path: &Path, record: &ByteRecord, e: RowError) {
        let pos = record.position();
        let line = pos.map_or(0, |p| p.line());
        let column = e.field.and_then(|f| record.range(f)).map_or(1, |r| {
            let before = &record.as_slice()[..r.start];
            // Fields lose their separators in the record: add one comma per earlier field.
            String::from_utf8_lossy(before).chars().count() + e.field.unwrap_or(0) + 1
        });
        self.problem(path, line, column, e.message, e.hint);
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

    /// Reads every `nodes.csv` row into the builder.
    pub(crate) fn nodes(&mut self, path: &Path) -> Result<(), SeedError> {
        let file_index = self.files.len();
        self.files.push(path.to_owned());
        let mut reader = Self::open(path)?;
        let headers = reader.byte_headers().map_err(|e| csv_io(path, e))?.clone();
        let Some(columns) = self.header(path, &headers, &NODE_COLUMNS, &NODE_OPTIONAL) else {
            return Ok(());
        };
        let mut record = ByteRecord::new();
        let (mut rows, mut skipped) = (0, 0);
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    skipped += 1;
                    self.unreadable_row(path, &e);
                    continue;
                }
            }
            match self.node(&columns, &record, file_index) {
                Ok(()) => rows += 1,
                Err(e) => {
                    skipped += 1;
                    if !self.skip_bad_rows {
                        self.report_row(path, &record, e);
                    }
                }
            }
        }
        self.close(path, reader, rows, skipped);
        Ok(())
    }

    fn node(&mut self, c: &Columns, record: &ByteRecord, file: usize) -> Result<(), RowError> {
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
        let detail = self.node_detail(c, record, kind)?;
        match self.builder.add_entity(NewEntity {
            id,
            kind,
            name,
            country,
            date,
            detail,
        }) {
            Ok(_) => {
                self.origins
                    .push((file, record.position().map_or(0, |p| p.line())));
                Ok(())
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
                Err(row_error(
                    field(0),
                    format!("the id `{id}` is used twice; it was first defined at {place}"),
                    Some("ids are unique across all kinds and files: rename one of them"),
                ))
            }
            Err(e) => Err(row_error(field(0), e.to_string(), None)),
        }
    }

    fn node_detail(
        &self,
        c: &Columns,
        record: &ByteRecord,
        kind: EntityKind,
    ) -> Result<Option<EntityDetail>, RowError> {
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
        let category =
            match category {
                None => None,
                Some(_) if kind != EntityKind::Product => {
                    return Err(row_error(
                        c.index[8],
                        "`category` applies to products only",
                        None,
                    ));
                }
                Some(t) => Some(ProductCategory::parse(&t).ok_or_else(|| {
                    row_error(c.index[8], format!("unknown category `{t}`"), None)
                })?),
            };
        let event_type =
            match event_type {
                None => None,
                Some(_) if kind != EntityKind::Event => {
                    return Err(row_error(c.index[9], "`type` applies to events only", None));
                }
                Some(t) => Some(EventType::parse(&t).ok_or_else(|| {
                    row_error(c.index[9], format!("unknown event type `{t}`"), None)
                })?),
            };
        Ok(Some(EntityDetail {
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
        }))
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
    /// bulk sources. Rows are read in batches whose ids are resolved on two threads (the entity
    /// table is only read meanwhile), then added in file order.
    pub(crate) fn edges(&mut self, path: &Path, source: u8) -> Result<(), SeedError> {
        const BATCH: usize = 1 << 15;
        let mut reader = Self::open(path)?;
        let headers = reader.byte_headers().map_err(|e| csv_io(path, e))?.clone();
        let Some(columns) = self.header(path, &headers, &EDGE_COLUMNS, &EDGE_OPTIONAL) else {
            return Ok(());
        };
        let mut batch: Vec<ByteRecord> = Vec::new();
        let mut recent = [RecentIds::new(), RecentIds::new()];
        let (mut rows, mut skipped) = (0, 0);
        let mut done = false;
        while !done {
            let mut n = 0;
            while n < BATCH {
                if batch.len() == n {
                    batch.push(ByteRecord::new());
                }
                match reader.read_byte_record(&mut batch[n]) {
                    Ok(true) => n += 1,
                    Ok(false) => {
                        done = true;
                        break;
                    }
                    Err(e) => {
                        skipped += 1;
                        self.unreadable_row(path, &e);
                    }
                }
            }
            let records = &batch[..n];
            let (first, second) = records.split_at(n / 2);
            let builder = &*self.builder;
            let columns = &columns;
            let resolve = |part: &[ByteRecord], recent: &mut RecentIds| {
                part.iter()
                    .map(|r| edge(builder, columns, r, source, recent))
                    .collect::<Vec<_>>()
            };
            let [mine, theirs] = &mut recent;
            let (a, b) = std::thread::scope(|scope| {
                let other = scope.spawn(|| resolve(second, theirs));
                let here = resolve(first, mine);
                (here, other.join().expect("resolving rows does not panic"))
            });
            for (record, result) in records.iter().zip(a.into_iter().chain(b)) {
                match result {
                    Ok(new) => {
                        self.builder.push_relation(new);
                        rows += 1;
                    }
                    Err(e) => {
                        skipped += 1;
                        if !self.skip_bad_rows {
                            self.report_row(path, record, e);
                        }
                    }
                }
            }
        }
        self.close(path, reader, rows, skipped);
        Ok(())
    }
}

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

fn endpoint(
    builder: &GraphBuilder,
    c: &Columns,
    record: &ByteRecord,
    which: usize,
    recent: &mut RecentIds,
) -> Result<(EntityIx, EntityKind), RowError> {
    let text = c.get(record, which);
    recent.resolve(builder, text).ok_or_else(|| {
        row_error(
            c.index[which],
            format!("unknown entity `{}`", String::from_utf8_lossy(text)),
            Some("add it to a nodes.csv or a seed file, or fix the id"),
        )
    })
}

/// Reads one edge row into a checked relation.
fn edge(
    builder: &GraphBuilder,
    c: &Columns,
    record: &ByteRecord,
    source: u8,
    recent: &mut RecentIds,
) -> Result<NewRelation, RowError> {
    let kind_text = String::from_utf8_lossy(c.get(record, 2));
    let (kind, swap) = RelationKind::parse_csv(&kind_text).ok_or_else(|| {
        row_error(
            c.index[2],
            format!("unknown relation kind `{kind_text}`"),
            Some("kinds are HEADQUARTERED_IN, OPERATES_IN, MAKES, CARRIES, SELLS, PARTNERS_WITH, COMPETES_WITH, EXECUTIVE_OF, INVOLVES and the other relation kinds"),
        )
    })?;
    let mut from = endpoint(builder, c, record, 0, recent)?;
    let mut to = endpoint(builder, c, record, 1, recent)?;
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

/// A CSV-level error (a row with the wrong number of fields, invalid UTF-8…) in words.
fn csv_error(e: &csv::Error) -> (u64, String) {
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("the row has {len} fields; the header has {expected_len}")
        }
        _ => "the row cannot be read as CSV".to_owned(),
    };
    (line, message)
}
