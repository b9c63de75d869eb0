//! Where CSV records end, and what is wrong with their quoting, read strictly as RFC 4180.
//!
//! The `csv` crate accepts a quote inside an unquoted field, and text after a closing quote,
//! as literal text, and reads a quoted field that never closes to the end of the file. Its
//! records still end where this scanner says, which mirrors `csv-core`'s states exactly (a
//! quote opens a quoted field only at a field's start; a doubled quote inside one is a quote;
//! `\r`, `\n` and `\r\n` end a record outside quotes; blank lines are skipped), so that the
//! bulk loader can cut a file into parts at record ends, and report each quoting problem at its
//! line and column, while the `csv` crate reads the fields. A property test holds the two
//! together.

/// What is wrong with a record's quoting: the first problem, by byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A quote inside a field that did not start with one.
    BareQuote(usize),
    /// Text after a quoted field's closing quote, before the next comma or line end.
    AfterClosingQuote(usize),
    /// A quoted field that opened here and never closed: the record runs to the end.
    Unclosed(usize),
}

/// One record: where it starts, where it ends (after its line end), and its first problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) problem: Option<Problem>,
}

/// The next record at or after `from`, which must be a record boundary. `None` when only
/// blank lines are left, or when the record does not end within `bytes` and `at_end` is false
/// (more of the file is to come). With `at_end`, the last record may end without a line end.
pub(crate) fn next(bytes: &[u8], from: usize, at_end: bool) -> Option<Record> {
    let mut at = from;
    // Blank lines are not records.
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    if at >= bytes.len() {
        return None;
    }
    let start = at;
    let mut problem = None;
    let mut note = |p: Problem| {
        problem.get_or_insert(p);
    };
    // `at` starts a stretch outside quotes: the record's start, or just after a closing quote.
    // Only quotes and line ends matter there, and both are rare, so the search jumps.
    loop {
        let Some(found) = memchr::memchr3(b'"', b'\r', b'\n', &bytes[at..]) else {
            if !at_end {
                return None;
            }
            return Some(Record {
                start,
                end: bytes.len(),
                problem,
            });
        };
        let hit = at + found;
        match bytes[hit] {
            b'"' => {
                // A quote opens a quoted field only at a field's start.
                if !(hit == start || (hit > at && bytes[hit - 1] == b',')) {
                    note(Problem::BareQuote(hit));
                    at = hit + 1;
                    continue;
                }
                at = hit + 1;
                loop {
                    let Some(close) = memchr::memchr(b'"', &bytes[at..]) else {
                        if !at_end {
                            return None;
                        }
                        note(Problem::Unclosed(hit));
                        return Some(Record {
                            start,
                            end: bytes.len(),
                            problem,
                        });
                    };
                    at += close + 1;
                    match bytes.get(at) {
                        // A doubled quote is a quote inside the field.
                        Some(b'"') => at += 1,
                        _ => break,
                    }
                }
                match bytes.get(at) {
                    None | Some(b',' | b'\r' | b'\n') => {}
                    Some(_) => note(Problem::AfterClosingQuote(at)),
                }
            }
            b'\r' => {
                // `\r\n` is one line end; a `\r` last in what was read may be half of one.
                let end = match bytes.get(hit + 1) {
                    Some(b'\n') => hit + 2,
                    None if !at_end => return None,
                    _ => hit + 1,
                };
                return Some(Record {
                    start,
                    end,
                    problem,
                });
            }
            _ => {
                return Some(Record {
                    start,
                    end: hit + 1,
                    problem,
                });
            }
        }
    }
}

/// The end of the last whole record in `bytes` (which starts at a record boundary), and the
/// end of the first record ending at or after `middle`; `None` when no record ends in it.
/// Either cut may fall among blank lines, which belong to no record.
pub(crate) fn cuts(bytes: &[u8], middle: usize) -> Option<(usize, usize)> {
    if memchr::memchr(b'"', bytes).is_none() {
        return plain_cuts(bytes, middle);
    }
    let (mut at, mut half) = (0, None);
    let mut last = None;
    while let Some(record) = next(bytes, at, false) {
        at = record.end;
        last = Some(at);
        if half.is_none() && at >= middle {
            half = Some(at);
        }
    }
    let last = last?;
    Some((last, half.unwrap_or(last).min(last)))
}

/// [`cuts`] for text without a quote, where every line end ends a record.
fn plain_cuts(bytes: &[u8], middle: usize) -> Option<(usize, usize)> {
    let mut end = bytes.len();
    let last = loop {
        let at = memchr::memrchr2(b'\n', b'\r', &bytes[..end])?;
        // A `\r` last in what was read may be half of a `\r\n`.
        if bytes[at] == b'\r' && at + 1 == bytes.len() {
            end = at;
            continue;
        }
        break at + 1;
    };
    let from = middle.min(last);
    let half = match memchr::memchr2(b'\n', b'\r', &bytes[from..last]) {
        Some(found) => {
            let at = from + found;
            if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            }
        }
        None => last,
    };
    Some((last, half.min(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(String, Option<Problem>)> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(r) = next(bytes, at, true) {
            out.push((text[r.start..r.end].to_owned(), r.problem));
            at = r.end;
        }
        out
    }

    #[test]
    fn records_end_at_line_ends_outside_quotes() {
        assert_eq!(
            records("a,b\r\n\"x\ny\",\"q\"\"q\"\n\nlast"),
            [
                ("a,b\r\n".to_owned(), None),
                ("\"x\ny\",\"q\"\"q\"\n".to_owned(), None),
                ("last".to_owned(), None),
            ]
        );
    }

    #[test]
    fn quoting_problems_are_placed() {
        assert_eq!(
            records("a,b\"c,d\nx,\"y\"z,w\n"),
            [
                ("a,b\"c,d\n".to_owned(), Some(Problem::BareQuote(3))),
                (
                    "x,\"y\"z,w\n".to_owned(),
                    Some(Problem::AfterClosingQuote(13))
                ),
            ]
        );
        assert_eq!(
            records("a,b\n\"open,c\nd,e\n"),
            [
                ("a,b\n".to_owned(), None),
                ("\"open,c\nd,e\n".to_owned(), Some(Problem::Unclosed(4))),
            ]
        );
    }

    #[test]
    fn a_record_not_yet_ended_waits_for_more() {
        assert_eq!(next(b"a,\"b\nc", 0, false), None);
        assert_eq!(next(b"a,b\r", 0, false), None);
        assert_eq!(cuts(b"a\nb\nc\nd", 3), Some((6, 4)));
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// Bytes rich in what matters to CSV: commas, quotes and line ends.
        fn csvish() -> impl Strategy<Value = Vec<u8>> {
            proptest::collection::vec(
                prop_oneof![
                    4 => Just(b'a'),
                    2 => Just(b','),
                    2 => Just(b'"'),
                    1 => Just(b'\r'),
                    2 => Just(b'\n'),
                    1 => Just(0xC3),
                ],
                0..200,
            )
        }

        /// Valid RFC 4180 text: fields quoted when they hold a comma, quote or line end.
        fn valid() -> impl Strategy<Value = (Vec<Vec<String>>, Vec<u8>)> {
            let field = proptest::string::string_regex("[a-c,\"\n ]{0,6}").unwrap();
            let row = proptest::collection::vec(field, 1..4);
            (proptest::collection::vec(row, 1..20), any::<bool>()).prop_map(|(rows, crlf)| {
                let mut text = String::new();
                for row in &rows {
                    let fields: Vec<String> = row
                        .iter()
                        .map(|f| {
                            if f.is_empty() || f.contains([',', '"', '\n']) {
                                format!("\"{}\"", f.replace('"', "\"\""))
                            } else {
                                f.clone()
                            }
                        })
                        .collect();
                    text += &fields.join(",");
                    text += if crlf { "\r\n" } else { "\n" };
                }
                (rows, text.into_bytes())
            })
        }

        /// Where the `csv` crate says each record starts.
        fn crate_starts(bytes: &[u8]) -> Vec<usize> {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes);
            let mut record = csv::ByteRecord::new();
            let mut starts = Vec::new();
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                // The crate places a record where its reading began, before blank lines.
                let mut at = record.position().map_or(0, |p| p.byte() as usize);
                while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
                    at += 1;
                }
                starts.push(at);
            }
            starts
        }

        fn scanned(bytes: &[u8]) -> Vec<Record> {
            let mut out = Vec::new();
            let mut at = 0;
            while let Some(r) = next(bytes, at, true) {
                assert!(r.end > at && r.end <= bytes.len());
                at = r.end;
                out.push(r);
            }
            out
        }

        proptest! {
            #[test]
            fn records_start_where_the_csv_crate_starts_them(bytes in csvish()) {
                let starts: Vec<usize> = scanned(&bytes).iter().map(|r| r.start).collect();
                prop_assert_eq!(starts, crate_starts(&bytes));
            }

            #[test]
            fn cuts_of_any_prefix_fall_between_records(bytes in csvish(), k in 0usize..200, m in 0usize..200) {
                let records = scanned(&bytes);
                let prefix = &bytes[..k.min(bytes.len())];
                if let Some((last, half)) = cuts(prefix, m.min(prefix.len())) {
                    prop_assert!(half <= last && last > 0);
                    for cut in [last, half] {
                        prop_assert!(
                            records.iter().all(|r| cut <= r.start || cut >= r.end),
                            "{} splits a record of {:?}", cut, records
                        );
                    }
                }
            }

            #[test]
            fn cuts_of_text_without_quotes_fall_between_records(
                bytes in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b','), Just(b'\r'), Just(b'\n')], 0..100),
                k in 0usize..100,
                m in 0usize..100,
            ) {
                let records = scanned(&bytes);
                let prefix = &bytes[..k.min(bytes.len())];
                if let Some((last, half)) = cuts(prefix, m.min(prefix.len())) {
                    prop_assert!(half <= last && last > 0);
                    // No line end is left after the last cut of what was read.
                    prop_assert!(!prefix[last..].contains(&b'\n'));
                    for cut in [last, half] {
                        prop_assert!(
                            records.iter().all(|r| cut <= r.start || cut >= r.end),
                            "{} splits a record of {:?}", cut, records
                        );
                    }
                }
            }

            #[test]
            fn every_problem_lies_inside_its_record(bytes in csvish()) {
                for r in scanned(&bytes) {
                    if let Some(Problem::BareQuote(at) | Problem::AfterClosingQuote(at) | Problem::Unclosed(at)) = r.problem {
                        prop_assert!(r.start <= at && at < r.end);
                        prop_assert!(matches!(bytes[at], b'"') || matches!(r.problem, Some(Problem::AfterClosingQuote(_))));
                    }
                }
            }

            #[test]
            fn valid_text_has_no_problem_and_cuts_keep_the_crate_records((rows, bytes) in valid(), m in 0usize..400) {
                let records = scanned(&bytes);
                prop_assert!(records.iter().all(|r| r.problem.is_none()));
                prop_assert_eq!(records.len(), rows.len());
                // Reading the two parts apart gives what the crate reads from the whole.
                let (last, half) = cuts(&bytes, m.min(bytes.len())).unwrap();
                prop_assert_eq!(last, bytes.len());
                let read = |part: &[u8]| -> Vec<Vec<String>> {
                    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(part)
                        .records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
                };
                let mut parts = read(&bytes[..half]);
                parts.extend(read(&bytes[half..]));
                prop_assert_eq!(&parts, &read(&bytes));
                prop_assert_eq!(parts, rows);
            }
        }
    }
}
