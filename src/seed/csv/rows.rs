//! Checking rows: a nodes or edges row read as the entity or relation it stands for, or the
//! problem with it, placed in its row.

use std::hash::BuildHasher;

use csv::ByteRecord;
use rustc_hash::FxBuildHasher;

use super::read::{Placed, each_record, next_record, records};
use crate::graph::{
    EntityDetail, EntityIx, GraphBuilder, NewRelation, RelationDetail, StatusChange,
};
use crate::model::{
    Day, EntityKind, EventStatus, EventType, InlineId, KindSet, PartialDate, ProductCategory,
    RelationKind, Status, Validity, Window, days_from_civil_checked,
};
use crate::seed::rules::{self, Broken};

/// Where a column is, by name.
pub(super) struct Columns {
    pub(super) index: Vec<Option<usize>>,
}

impl Columns {
    pub(super) fn get<'r>(&self, record: &'r ByteRecord, which: usize) -> &'r [u8] {
        self.index[which]
            .and_then(|i| record.get(i))
            .map_or(&[][..], trim)
    }
}

pub(super) fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// One problem of a row, before it is placed.
pub(super) struct RowError {
    pub(super) field: Option<usize>,
    pub(super) message: String,
    pub(super) hint: Option<String>,
}

/// What a rule found wrong with a field.
fn broke(field: Option<usize>, broken: Broken) -> RowError {
    RowError {
        field,
        message: broken.message,
        hint: broken.hint,
    }
}

fn row_error(field: Option<usize>, message: impl Into<String>, hint: Option<&str>) -> RowError {
    RowError {
        field,
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
}

pub(super) fn place(record: &ByteRecord, e: RowError) -> Placed {
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
pub(super) fn column(record: &ByteRecord, field: Option<usize>) -> usize {
    field.and_then(|f| record.range(f)).map_or(1, |r| {
        let before = &record.as_slice()[..r.start];
        // Fields lose their separators in the record: add one comma per earlier field.
        String::from_utf8_lossy(before).chars().count() + field.unwrap_or(0) + 1
    })
}

/// The rows of one part of a nodes file, checked, with their ids and names in one buffer,
/// and how many lines the part spans.
#[derive(Default)]
pub(super) struct NodeRows {
    pub(super) rows: Vec<Result<NodeRow, Placed>>,
    pub(super) text: String,
    pub(super) lines: u64,
}

/// A checked nodes row: its id and name as spans of [`NodeRows::text`], its line within its
/// part and the column of its id (for a duplicate-id error, found only when it is added).
pub(super) struct NodeRow {
    pub(super) id: (u32, u32),
    pub(super) name: (u32, u32),
    pub(super) kind: EntityKind,
    pub(super) country: Option<[u8; 2]>,
    pub(super) date: Option<Day>,
    pub(super) detail: Option<Box<EntityDetail>>,
    pub(super) line: u64,
    pub(super) id_column: usize,
}

impl NodeRows {
    /// Reads and checks the rows of a chunk's halves, which hold whole records.
    pub(super) fn read(&mut self, c: &Columns, width: usize, halves: [&[u8]; 2]) {
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

    pub(super) fn clear(&mut self) {
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
pub(super) fn text_at(text: &str, (at, len): (u32, u32)) -> &str {
    &text[at as usize..(at + len) as usize]
}

/// Reads and checks one nodes row, keeping its id and name in `text`.
fn node(c: &Columns, record: &ByteRecord, text: &mut String) -> Result<NodeRow, RowError> {
    let field = |i: usize| c.index[i];
    let id = String::from_utf8_lossy(c.get(record, 0));
    rules::id(&id).map_err(|b| broke(field(0), b))?;
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
    let name = rules::name(name).map_err(|b| broke(field(2), b))?;
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
        id: push_text(text, &id),
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
    let (aliases, description, wikidata, category, event_type, status) =
        (text(0), text(1), text(2), text(3), text(4), text(5));
    let believed = confidence(c, record, 11)?;
    if aliases.is_none()
        && description.is_none()
        && wikidata.is_none()
        && category.is_none()
        && event_type.is_none()
        && status.is_none()
        && believed.is_none()
    {
        return Ok(None);
    }
    if believed.is_some() {
        rules::applies("confidence", kind).map_err(|b| broke(c.index[11], b))?;
    }
    if let Some(w) = &wikidata {
        rules::wikidata(w).map_err(|b| broke(c.index[7], b))?;
    }
    let category = word(
        c.index[8],
        kind,
        ("category", "category"),
        category.as_deref(),
        ProductCategory::parse,
        ProductCategory::names,
    )?;
    let event_type = word(
        c.index[9],
        kind,
        ("type", "event type"),
        event_type.as_deref(),
        EventType::parse,
        EventType::names,
    )?;
    let event_status = word(
        c.index[10],
        kind,
        ("status", "event status"),
        status.as_deref(),
        EventStatus::parse,
        EventStatus::names,
    )?;
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
        event_status,
        confidence: believed,
        ..EntityDetail::default()
    })))
}

/// The rows of one part of an edges file, checked, and how many lines the part spans; kept
/// from chunk to chunk with the memo of recently resolved ids.
pub(super) struct EdgeRows {
    pub(super) rows: Vec<Result<NewRelation, Placed>>,
    pub(super) lines: u64,
    recent: RecentIds,
}

impl EdgeRows {
    pub(super) fn new() -> Self {
        EdgeRows {
            rows: Vec::new(),
            lines: 0,
            recent: RecentIds::new(),
        }
    }

    /// Reads and checks the rows of `bytes`, which hold whole records.
    pub(super) fn read(
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

/// How many rows ahead of the one being added a nodes chunk looks its id up, so that the
/// index's lines are in cache when the add comes (the figures are in bench/README.md).
pub(super) const NODES_AHEAD: usize = 16;

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
    pub(super) id: InlineId,
    pub(super) found: Option<(EntityIx, EntityKind)>,
}
/// Slots in the memo (a power of two): 2 MiB of 32-byte slots, small enough to stay in cache
/// and large enough to hold the hubs and the rows in flight (the sizes tried are in
/// bench/README.md).
const RECENT_SLOTS: usize = 1 << 16;

impl RecentIds {
    pub(super) fn new() -> Self {
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
    let (kind, swap) = relation_kind(&kind_text).map_err(|b| broke(c.index[2], b))?;
    let mut from = endpoint(c, record, 0, from)?;
    let mut to = endpoint(c, record, 1, to)?;
    if swap {
        std::mem::swap(&mut from, &mut to);
    }
    let since =
        optional_day(c.get(record, 3)).map_err(|m| row_error(c.index[3], m, Some(ISO_DATE)))?;
    let until =
        optional_day(c.get(record, 4)).map_err(|m| row_error(c.index[4], m, Some(ISO_DATE)))?;
    let validity = Validity {
        from: since.map(|d| PartialDate::from_day(d).into()),
        until: until.map(|d| PartialDate::from_day(d).into()),
    };
    rules::time_order(&validity, "since", "until").map_err(|b| broke(c.index[4], b))?;
    // The ids are written out only to say what is wrong: one id is one entity.
    if from.0 == to.0 || !rules::ends_fit(kind, from.1, to.1) {
        let id = |which| String::from_utf8_lossy(c.get(record, which));
        let (from_id, to_id) = if swap { (id(1), id(0)) } else { (id(0), id(1)) };
        rules::endpoints(kind, (&from_id, from.1), (&to_id, to.1))
            .map_err(|b| broke(c.index[2], b))?;
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
    let confidence = confidence(c, record, 5)?.unwrap_or(1.0);
    let detail = edge_detail(builder, c, record, kind, validity)?;
    Ok(NewRelation {
        from,
        to,
        kind,
        window: window(since, until),
        confidence,
        unsourced: false,
        detail,
        source,
    })
}

fn edge_detail(
    builder: &GraphBuilder,
    c: &Columns,
    record: &ByteRecord,
    kind: RelationKind,
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
        Some(s) => {
            let status = rules::vocabulary(&s, "status", Status::parse, Status::names)
                .and_then(|status| rules::status_fits(kind, status).map(|()| status))
                .map_err(|b| broke(c.index[6], b))?;
            vec![StatusChange::new(status, validity.from, None, Vec::new())]
        }
    };
    let market = match text(market) {
        None => None,
        Some(m) => Some(
            rules::reference(builder, &m, KindSet::of(&[EntityKind::Market]), false)
                .map_err(|b| broke(c.index[8], b))?,
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

/// A word of a vocabulary in a kind-specific column (`field`, named as a `what`), if given.
/// The confidence in column `i`, if given: a number from 0 to 1.
fn confidence(c: &Columns, record: &ByteRecord, i: usize) -> Result<Option<f32>, RowError> {
    let text = c.get(record, i);
    if text.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .ok_or_else(|| {
            row_error(
                c.index[i],
                format!(
                    "confidence `{}` is not a number",
                    String::from_utf8_lossy(text)
                ),
                Some("write a number from 0 (doubtful) to 1 (certain)"),
            )
        })
        .and_then(|v| rules::confidence(v).map_err(|b| broke(c.index[i], b)))
        .map(Some)
}

fn word<T>(
    at: Option<usize>,
    kind: EntityKind,
    (field, what): (&str, &str),
    text: Option<&str>,
    parse: fn(&str) -> Option<T>,
    names: fn() -> String,
) -> Result<Option<T>, RowError> {
    text.map(|t| {
        rules::applies(field, kind)
            .and_then(|()| rules::vocabulary(t, what, parse, names))
            .map_err(|b| broke(at, b))
    })
    .transpose()
}

/// A CSV relation kind: a canonical name in any case (`MAKES`), or `INVOLVES`, which is
/// `participant_in` seen from the event; the flag says the ends must be swapped.
fn relation_kind(text: &str) -> Result<(RelationKind, bool), Broken> {
    if text.eq_ignore_ascii_case("involves") {
        return Ok((RelationKind::ParticipantIn, true));
    }
    RelationKind::parse(text)
        .map(|kind| (kind, false))
        .ok_or_else(|| {
            let names = format!("{} in any case, or INVOLVES", RelationKind::names());
            rules::unknown(text, "relation kind", &names)
        })
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
