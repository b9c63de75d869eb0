//! Reading a bulk file as records: chunks cut at record ends for two threads, the `csv`
//! crate's records checked against the strict scanner, and problems placed at their line and
//! column.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use csv::{ByteRecord, ReaderBuilder};

use super::{UNEVEN_ROW, rfc4180};
use crate::seed::SeedError;

/// Reads bytes through to a hasher, so the data version covers the CSV without a second read.
struct Hashing<R> {
    inner: R,
    pub(super) hasher: blake3::Hasher,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A bulk file read as chunks of whole records, each cut in two halves of whole records, so
/// that two threads can parse it. A newline ends a record only outside quotes.
pub(super) struct Chunks {
    file: Hashing<io::BufReader<File>>,
    pending: Vec<u8>,
    eof: bool,
    /// How many bytes at the front of `pending` the last chunk took.
    taken: usize,
    /// A record longer than [`MAX_RECORD`] that ended the reading, placed from the start of
    /// what was left unread.
    pub(super) too_long: Option<Placed>,
}

impl Chunks {
    /// Opens a file and reads its header: the reader, the header's fields and the number of
    /// the line after it.
    pub(super) fn open(path: &Path) -> Result<(Chunks, ByteRecord, u64), SeedError> {
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
    pub(super) fn next(&mut self) -> io::Result<Option<[&[u8]; 2]>> {
        self.pending.drain(..self.taken);
        let mut want = CHUNK;
        loop {
            if !self.eof {
                self.eof = fill(&mut self.file, &mut self.pending, want)?;
            }
            if self.eof && self.pending.is_empty() {
                return Ok(None);
            }
            let cuts = rfc4180::cuts(&self.pending, self.pending.len() / 2);
            let (end, half) = match cuts {
                // At the end the last record may lack its line end: the chunk takes it all.
                _ if self.eof => {
                    let end = self.pending.len();
                    (end, cuts.map_or(end, |(_, half)| half))
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
    pub(super) fn hasher(&self) -> &blake3::Hasher {
        &self.file.hasher
    }
}

pub(super) fn io_error(path: &Path, source: io::Error) -> SeedError {
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
pub(super) struct Placed {
    pub(super) line: u64,
    pub(super) column: usize,
    pub(super) message: String,
    pub(super) hint: Option<String>,
    /// How many rows of the file the problem loses (a quote never closed swallows the rest).
    pub(super) rows: u64,
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

fn csv_io(path: &Path, e: csv::Error) -> SeedError {
    SeedError::Io {
        path: path.to_owned(),
        source: io::Error::other(e.to_string()),
    }
}

/// What is wrong with a row of `len` fields under a header of `header`.
pub(super) fn uneven(len: usize, header: usize) -> String {
    format!("the row has {len} fields; the header has {header}")
}

/// Reads `bytes`, which hold whole records, giving `each` every record of the header's
/// `width`, and for every other record the reason, placed.
pub(super) fn each_record(
    bytes: &[u8],
    width: usize,
    mut each: impl FnMut(Result<&ByteRecord, Placed>),
) {
    let mut reader = records(bytes);
    let mut record = ByteRecord::new();
    while let Some(read) = next_record(&mut reader, &mut record, width) {
        each(read.map(|()| &record));
    }
}

/// The records of a part of a file, read by the `csv` crate and, beside it, by the strict
/// scanner that finds what the crate lets pass.
pub(super) struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    pub(super) bytes: &'a [u8],
    /// Where the scanner's next record starts.
    at: usize,
    /// Whether the text holds a quote: without one, the scanner has nothing to find.
    quoted: bool,
}

/// A reader of the records in `bytes`, which hold no header.
pub(super) fn records(bytes: &[u8]) -> Records<'_> {
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
pub(super) fn next_record(
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
pub(super) fn quoting(bytes: &[u8], problem: rfc4180::Problem) -> Placed {
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
