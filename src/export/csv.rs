//! The bulk CSV layout (`docs/curating.md`, "Bulk CSV"): `nodes.csv` and `edges.csv`, which
//! `--csv` loads again. The layout holds less than the curated files: it has no source
//! entities (each edges file is its own source), no quotes, one status a relation, and dates
//! to the day. What it cannot hold is counted in [`Written::left_out`], never dropped in
//! silence.

use std::io::{self, Write};

use super::Written;
use crate::graph::{EntityIx, Graph};
use crate::model::bulk::{EDGE_COLUMNS, EDGE_OPTIONAL, NODE_COLUMNS, NODE_OPTIONAL};
use crate::model::{DateBound, EntityKind, PartialDate};

/// `nodes.csv`: every entity but sources.
pub fn nodes(graph: &Graph, out: &mut dyn Write) -> io::Result<Written> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(NODE_COLUMNS.iter().chain(&NODE_OPTIONAL))?;
    let (mut written, mut sources, mut no_code, mut rounded) = (Written::default(), 0, 0, 0);
    for &e in graph.entities_of(None) {
        let view = graph.entity(e);
        let d = graph.entity_detail(e);
        if view.kind == EntityKind::Source {
            sources += 1;
            continue;
        }
        if !held(graph, e) {
            no_code += 1;
            continue;
        }
        let date = match view.date {
            Some(day) => PartialDate::from_day(day).to_string(),
            None => match d.founded.or(d.released).or(d.date) {
                Some(bound) => {
                    rounded += usize::from(bound.first_day() != bound.last_day());
                    first_day(bound)
                }
                None => String::new(),
            },
        };
        let confidence = d.confidence.map(|c| c.to_string()).unwrap_or_default();
        csv.write_record([
            view.id,
            view.kind.as_str(),
            view.name,
            country(graph, e).unwrap_or(""),
            &date,
            &d.aliases.join("|"),
            d.description.as_deref().unwrap_or(""),
            d.wikidata.as_deref().unwrap_or(""),
            d.category.map_or("", |c| c.as_str()),
            d.event_type.map_or("", |t| t.as_str()),
            d.event_status.map_or("", |s| s.as_str()),
            &confidence,
        ])?;
        written.entities += 1;
    }
    csv.flush()?;
    for (n, what) in [
        (
            sources,
            "sources (the layout has none: each edges file is the source its rows cite)",
        ),
        (
            no_code,
            "markets without a two-letter code (the layout needs one)",
        ),
        (
            rounded,
            "entity dates known to a month, quarter or year, written as their first day",
        ),
    ] {
        say(&mut written, n, what);
    }
    Ok(written)
}

/// The country code an entity's row gives: its own country, or a market's ISO code.
fn country(graph: &Graph, e: EntityIx) -> Option<&str> {
    let code = graph.entity_detail(e).iso_code.as_deref();
    graph.entity(e).country.or(code)
}

/// Whether `nodes.csv` holds an entity: any but a source, or a market without a two-letter
/// code (the layout needs one).
fn held(graph: &Graph, e: EntityIx) -> bool {
    match graph.kind_of(e) {
        EntityKind::Source => false,
        EntityKind::Market => country(graph, e).is_some_and(|c| c.len() == 2),
        _ => true,
    }
}

/// `edges.csv`: every relation between entities `nodes.csv` holds.
pub fn edges(graph: &Graph, out: &mut dyn Write) -> io::Result<Written> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(EDGE_COLUMNS.iter().chain(&EDGE_OPTIONAL))?;
    let mut written = Written::default();
    let (mut cut, mut rounded, mut histories, mut sourced) = (0, 0, 0, 0);
    for r in graph.all_relations() {
        let rec = graph.relation(r);
        let d = graph.relation_detail(r);
        let ends = [Some(rec.from), Some(rec.to), d.market];
        if !ends.into_iter().flatten().all(|e| held(graph, e)) {
            cut += 1;
            continue;
        }
        let validity = graph.validity(r);
        let mut day = |bound: Option<DateBound>| match bound {
            Some(bound) => {
                rounded += usize::from(bound.first_day() != bound.last_day());
                first_day(bound)
            }
            None => String::new(),
        };
        let (since, until) = (day(validity.from), day(validity.until));
        let status = d.status_history.last().map_or("", |s| s.status.as_str());
        histories += usize::from(d.status_history.len() > 1);
        sourced += usize::from(d.sources.iter().any(|c| c.quote.is_some()));
        let market = d.market.map_or("", |m| graph.entity(m).id);
        let kind = rec.kind.as_str().to_ascii_uppercase();
        csv.write_record([
            graph.entity(rec.from).id,
            graph.entity(rec.to).id,
            &kind,
            &since,
            &until,
            &rec.confidence.to_string(),
            status,
            d.role.as_deref().unwrap_or(""),
            market,
            d.note.as_deref().unwrap_or(""),
        ])?;
        written.relations += 1;
    }
    csv.flush()?;
    for (n, what) in [
        (
            cut,
            "relations with a source, or a market without a code, at an end",
        ),
        (
            rounded,
            "relation dates known to a month, quarter or year, written as their first day",
        ),
        (histories, "status histories reduced to their latest status"),
        (sourced, "relations whose quotes the layout cannot hold"),
    ] {
        say(&mut written, n, what);
    }
    Ok(written)
}

/// Says what the layout could not hold, and how many times: `what: n`, when there was any.
fn say(written: &mut Written, n: usize, what: &str) {
    if n > 0 {
        written.left_out.push(format!("{what}: {n}"));
    }
}

/// A date bound's first day, as an ISO day.
fn first_day(bound: DateBound) -> String {
    PartialDate::from_day(bound.first_day()).to_string()
}
