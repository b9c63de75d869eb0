//! The loaded graph written out for other tools: GraphML (Gephi, yEd, networkx), a JSON graph
//! (JSON Graph Format), the bulk CSV layout phonegraph imports, Cypher for Neo4j 5, and NDJSON
//! for stream tools.
//!
//! Every format writes the same records (`entity_record`, `relation_record`): what an entity or
//! a relation says, under the API's field names, with its sources and quotes. Each writer
//! streams: it holds one record at a time (Cypher a batch), never the whole output.

mod csv;
mod cypher;
mod graphml;
mod json;

use std::io::{self, Write};

use serde_json::{Map, Value};

use crate::graph::{Citation, EntityIx, Graph, RelationIx};
use crate::model::{DateBound, PartialDate};

pub use csv::{edges as csv_edges, nodes as csv_nodes};

/// A format the graph can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// GraphML: typed attributes on nodes and edges; lists and objects as JSON text.
    Graphml,
    /// A JSON graph (JSON Graph Format v2): nodes by id, edges with their metadata.
    Json,
    /// The bulk CSV layout (`nodes.csv`, `edges.csv`), which `--csv` loads again.
    Csv,
    /// Cypher for Neo4j 5, run by `cypher-shell -f`: batches of parameters and
    /// `UNWIND $rows … MERGE` statements.
    Cypher,
    /// One JSON object a line: the entities, then the relations.
    Ndjson,
}

impl Format {
    /// Every format, in the order the help lists them.
    pub const ALL: [Format; 5] = [
        Format::Graphml,
        Format::Json,
        Format::Csv,
        Format::Cypher,
        Format::Ndjson,
    ];

    /// The format's name on the command line, in `GET /export?format=`, and as a file name
    /// ending.
    pub fn name(self) -> &'static str {
        match self {
            Format::Graphml => "graphml",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Cypher => "cypher",
            Format::Ndjson => "ndjson",
        }
    }

    /// The media type of a file in the format (CSV: of each of its two files).
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Graphml => "application/graphml+xml",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Cypher => "text/plain; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| "the formats are graphml, json, csv, cypher and ndjson".to_owned())
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Entities written.
    pub entities: usize,
    /// Relations written.
    pub relations: usize,
    /// What the format could not hold, in words (CSV only; empty for the others).
    pub left_out: Vec<String>,
}

/// Writes the graph in one of the single-file formats (all but CSV, which is two files: see
/// [`csv_nodes`] and [`csv_edges`]).
pub fn write(graph: &Graph, format: Format, out: &mut dyn Write) -> io::Result<Written> {
    match format {
        Format::Graphml => graphml::write(graph, out),
        Format::Json => json::graph(graph, out),
        Format::Ndjson => json::lines(graph, out),
        Format::Cypher => cypher::write(graph, out),
        Format::Csv => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "CSV is two files: write nodes and edges apart",
        )),
    }
}

/// Every entity, in the store's order.
fn entities(graph: &Graph) -> impl Iterator<Item = EntityIx> + '_ {
    graph.entities_of(None).iter().copied()
}

/// A date as the API writes it: `2018`, `2018-02`, `2018-Q1`, `2018-02-14`, or a range.
fn date(bound: &DateBound) -> Value {
    Value::String(bound.to_string())
}

/// A 0–1 figure kept as `f32`, written with the digits it was given (0.7, not 0.69999…).
fn figure(x: f32) -> Value {
    x.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn id(graph: &Graph, e: EntityIx) -> Value {
    Value::String(graph.entity(e).id.to_owned())
}

fn citations(graph: &Graph, list: &[Citation]) -> Value {
    Value::Array(
        list.iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("source".into(), id(graph, c.source));
                put(&mut m, "quote", c.quote.as_deref().map(Value::from));
                put(&mut m, "claimedBy", c.claimed_by.map(|p| id(graph, p)));
                Value::Object(m)
            })
            .collect(),
    )
}

fn amounts(list: &[crate::model::Amount]) -> Option<Value> {
    (!list.is_empty()).then(|| {
        Value::Array(
            list.iter()
                .map(|a| {
                    let mut m = Map::new();
                    m.insert("value".into(), Value::String(a.value.to_string()));
                    m.insert("currency".into(), Value::String(a.currency.code().into()));
                    put(&mut m, "what", a.what.as_deref().map(Value::from));
                    Value::Object(m)
                })
                .collect(),
        )
    })
}

fn put(record: &mut Map<String, Value>, field: &str, value: Option<Value>) {
    if let Some(value) = value {
        record.insert(field.to_owned(), value);
    }
}

fn text(value: Option<&str>) -> Option<Value> {
    value.map(Value::from)
}

/// An entity as every format writes it: `id`, `kind`, `name`, and each property it has, under
/// the API's field names; `sources` lists what supports it, with quotes.
pub(crate) fn entity_record(graph: &Graph, e: EntityIx) -> Map<String, Value> {
    let view = graph.entity(e);
    let d = graph.entity_detail(e);
    let mut r = Map::new();
    r.insert("id".into(), Value::from(view.id));
    r.insert("kind".into(), Value::from(view.kind.as_str()));
    r.insert("name".into(), Value::from(view.name));
    if !d.aliases.is_empty() {
        r.insert("aliases".into(), Value::from(d.aliases.clone()));
    }
    put(&mut r, "description", text(d.description.as_deref()));
    put(&mut r, "wikidata", text(d.wikidata.as_deref()));
    put(
        &mut r,
        "country",
        text(view.country.or(d.iso_code.as_deref())),
    );
    let day = view
        .date
        .map(|day| date(&PartialDate::from_day(day).into()));
    put(&mut r, "date", day.or_else(|| d.date.as_ref().map(date)));
    put(&mut r, "founded", d.founded.as_ref().map(date));
    put(&mut r, "released", d.released.as_ref().map(date));
    put(&mut r, "category", d.category.map(|c| c.as_str().into()));
    put(&mut r, "eventType", d.event_type.map(|t| t.as_str().into()));
    put(
        &mut r,
        "eventStatus",
        d.event_status.map(|s| s.as_str().into()),
    );
    put(&mut r, "bodyType", d.body_type.map(|t| t.as_str().into()));
    put(
        &mut r,
        "documentType",
        d.document_type.map(|t| t.as_str().into()),
    );
    put(&mut r, "confidence", d.confidence.map(figure));
    put(&mut r, "claimedBy", d.claimed_by.map(|p| id(graph, p)));
    put(&mut r, "summary", text(d.summary.as_deref()));
    put(&mut r, "title", text(d.title.as_deref()));
    put(&mut r, "publisher", text(d.publisher.as_deref()));
    put(&mut r, "url", text(d.url.as_deref()));
    put(&mut r, "amounts", amounts(&d.amounts));
    put(&mut r, "duration", d.duration.map(|x| x.to_string().into()));
    if !d.sources.is_empty() {
        r.insert("sources".into(), citations(graph, &d.sources));
    }
    r
}

/// A relation as every format writes it: its `id`, its ends, `kind`, validity (`since`,
/// `until`), latest `status` and its `statusHistory`, `confidence`, `sources` with quotes,
/// and each other property it has.
pub(crate) fn relation_record(graph: &Graph, ix: RelationIx) -> Map<String, Value> {
    let rec = graph.relation(ix);
    let d = graph.relation_detail(ix);
    let validity = graph.validity(ix);
    let mut r = Map::new();
    r.insert("id".into(), Value::String(graph.relation_id(ix)));
    r.insert("from".into(), id(graph, rec.from));
    r.insert("to".into(), id(graph, rec.to));
    r.insert("kind".into(), Value::from(rec.kind.as_str()));
    put(&mut r, "since", validity.from.as_ref().map(date));
    put(&mut r, "until", validity.until.as_ref().map(date));
    if let Some(latest) = d.status_history.last() {
        r.insert("status".into(), Value::from(latest.status.as_str()));
        put(&mut r, "statusDate", latest.date.as_ref().map(date));
    }
    r.insert("confidence".into(), figure(rec.confidence));
    put(&mut r, "market", d.market.map(|m| id(graph, m)));
    put(&mut r, "role", text(d.role.as_deref()));
    put(&mut r, "rank", d.rank.map(Value::from));
    put(&mut r, "share", d.share.map(figure));
    put(&mut r, "period", d.period.as_ref().map(date));
    put(&mut r, "target", d.target.as_ref().map(date));
    put(&mut r, "note", text(d.note.as_deref()));
    put(&mut r, "measure", d.measure.map(|m| m.as_str().into()));
    put(&mut r, "terms", text(d.terms.as_deref()));
    put(&mut r, "claimedBy", d.claimed_by.map(|p| id(graph, p)));
    put(&mut r, "amounts", amounts(&d.amounts));
    put(&mut r, "duration", d.duration.map(|x| x.to_string().into()));
    if let Some(planned) = &d.planned_end {
        let mut m = Map::new();
        m.insert("date".into(), date(&planned.date));
        m.insert("confidence".into(), figure(planned.confidence));
        m.insert("sources".into(), citations(graph, &planned.sources));
        r.insert("plannedEnd".into(), Value::Object(m));
    }
    if !d.status_history.is_empty() {
        let steps = d.status_history.iter().map(|step| {
            let mut m = Map::new();
            m.insert("status".into(), Value::from(step.status.as_str()));
            put(&mut m, "date", step.date.as_ref().map(date));
            put(&mut m, "event", step.event.map(|e| id(graph, e)));
            m.insert("confidence".into(), figure(step.confidence));
            m.insert("sources".into(), citations(graph, &step.sources));
            Value::Object(m)
        });
        r.insert("statusHistory".into(), Value::Array(steps.collect()));
    }
    r.insert(
        "sources".into(),
        citations(graph, &graph.relation_citations(ix)),
    );
    if rec.unsourced {
        r.insert("unsourced".into(), Value::Bool(true));
    }
    r
}
