//! Bulk CSV: `nodes.csv` (`id,kind,name,country,date`) and `edges.csv`
//! (`from,to,kind,since,until`) in each `--csv` folder, loaded on top of the curated files.
//!
//! A file is read in chunks of whole records, parsed on both threads (see `read::Chunks`); rows
//! are read as bytes into one reused record, so a million entities and four million
//! relations load without an allocation per row. Every bad row is reported with its file and
//! line; with `skip_bad_rows` bad rows are counted and left out instead.

mod read;
mod rfc4180;
mod rows;

use std::io;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use read::{Chunks, Placed, io_error};
use rows::{Columns, EdgeRows, NODES_AHEAD, NodeRow, NodeRows, text_at, trim};

use super::report::Problem;
use super::{Defined, SeedError, rules};
use crate::graph::{EntityDetail, GraphBuilder, GraphError, NewEntity};
use crate::model::EntityKind;

use crate::model::bulk::{EDGE_COLUMNS, EDGE_OPTIONAL, NODE_COLUMNS, NODE_OPTIONAL};

/// The hint for a row that does not have the header's columns.
pub(super) const UNEVEN_ROW: &str = "every row needs the same columns as the header";

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

/// The shared state of a CSV load: the builder, the problems, the options.
pub(crate) struct CsvLoad<'a> {
    pub(crate) builder: &'a mut GraphBuilder,
    pub(crate) problems: &'a mut Vec<Problem>,
    pub(crate) skip_bad_rows: bool,
    /// The data version's hasher: each file's own hash goes into it.
    pub(crate) hasher: &'a mut blake3::Hasher,
    pub(crate) reports: Vec<CsvFileReport>,
    /// The CSV files read, by the number their entities' places give (`seed::Defined`).
    pub(crate) files: Vec<PathBuf>,
    /// Where each curated entity is defined (`file:line:column`), by its place number.
    pub(crate) curated_origins: &'a [String],
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
            defined_at: Defined::Bulk {
                file,
                line: first_line + row.line - 1,
            }
            .number(),
        });
        let (message, hint) = match added {
            Ok(_) => return Ok(()),
            Err(GraphError::DuplicateId {
                first_defined_at, ..
            }) => {
                let first = match Defined::from_number(first_defined_at) {
                    Defined::Curated(place) => self.curated_origins[place].clone(),
                    Defined::Bulk { file, line } => {
                        format!("{}:{line}", self.files[file].display())
                    }
                };
                let broken = rules::duplicate(id, &first);
                (broken.message, broken.hint)
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
                // The id was free, so no duplicate will ask where it was defined.
                defined_at: Defined::Bulk {
                    file: self.files.len(),
                    line: 0,
                }
                .number(),
            })
            .expect("the id was free");
        self.builder.shared_source(ix).ok_or_else(|| SeedError::Io {
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
