//! Cypher for Neo4j 5, as a `cypher-shell -f` script: a uniqueness constraint, then for each
//! kind batches of rows set with `:param {rows: [...]};` and merged by one
//! `UNWIND $rows AS row MERGE …` statement. Entities are `:Entity` nodes with their kind's
//! label (`:Vendor`, `:GovernmentBody`); relations are relationships of their kind (`MAKES`).
//! Neo4j properties hold only values and lists of values, so lists of objects (sources with
//! their quotes, status histories, amounts) are JSON text.

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::{Written, entity_record, relation_record};
use crate::graph::Graph;
use crate::model::{EntityKind, RelationKind};

/// Rows per `:param` batch: small enough for one transaction, large enough to be quick.
const BATCH: usize = 1000;

pub(super) fn write(graph: &Graph, out: &mut dyn Write) -> io::Result<Written> {
    writeln!(
        out,
        "// phonegraph: {} entities and {} relations, for Neo4j 5. Run: cypher-shell -f FILE",
        graph.entity_count(),
        graph.relation_count()
    )?;
    out.write_all(
        b"CREATE CONSTRAINT phonegraph_entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE;\n",
    )?;
    let mut written = Written::default();
    for &kind in EntityKind::ALL {
        let statement = format!(
            "UNWIND $rows AS row MERGE (e:Entity {{id: row.id}}) SET e:{}, e += row.props;",
            label(kind)
        );
        let entities = graph.entities_of(Some(kind));
        batches(out, entities, &statement, &["id"], |e| {
            entity_record(graph, e)
        })?;
        written.entities += entities.len();
    }
    let mut by_kind = vec![Vec::new(); RelationKind::ALL.len()];
    for r in graph.all_relations() {
        let kind = graph.relation(r).kind;
        let at = RelationKind::ALL.iter().position(|&k| k == kind);
        by_kind[at.unwrap_or(0)].push(r);
    }
    for (&kind, relations) in RelationKind::ALL.iter().zip(&by_kind) {
        let statement = format!(
            "UNWIND $rows AS row MATCH (a:Entity {{id: row.from}}) MATCH (b:Entity {{id: row.to}}) \
             MERGE (a)-[r:{} {{id: row.id}}]->(b) SET r += row.props;",
            kind.as_str().to_ascii_uppercase()
        );
        batches(out, relations, &statement, &["from", "to", "id"], |r| {
            let mut record = relation_record(graph, r);
            record.remove("kind");
            record
        })?;
        written.relations += relations.len();
    }
    Ok(written)
}

/// Writes `items` in batches of [`BATCH`]: a `:param {rows: [...]};` line, then `statement`,
/// which reads it. Each row has the record's `keys` as its own fields (`{id: …}`), and the
/// rest of the record under `props`.
fn batches<T: Copy>(
    out: &mut dyn Write,
    items: &[T],
    statement: &str,
    keys: &[&str],
    record: impl Fn(T) -> Map<String, Value>,
) -> io::Result<()> {
    for batch in items.chunks(BATCH) {
        out.write_all(b":param {rows: [")?;
        for (i, &item) in batch.iter().enumerate() {
            let mut record = record(item);
            out.write_all(if i > 0 { b", {" } else { b"{" })?;
            for key in keys {
                write!(out, "{key}: ")?;
                literal(out, &record.remove(*key).unwrap_or_default())?;
                out.write_all(b", ")?;
            }
            out.write_all(b"props: ")?;
            props(out, &record)?;
            out.write_all(b"}")?;
        }
        out.write_all(b"]};\n")?;
        writeln!(out, "{statement}")?;
    }
    Ok(())
}

/// A kind's node label: `government_body` → `GovernmentBody`.
fn label(kind: EntityKind) -> String {
    kind.as_str()
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A record's fields as a Cypher map of property values.
fn props(out: &mut dyn Write, record: &Map<String, Value>) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, (name, value)) in record.iter().enumerate() {
        if i > 0 {
            out.write_all(b", ")?;
        }
        // Field names are the API's, plain identifiers: written without backticks.
        write!(out, "{name}: ")?;
        match value {
            Value::Array(items) if items.iter().all(Value::is_string) => {
                out.write_all(b"[")?;
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.write_all(b", ")?;
                    }
                    literal(out, item)?;
                }
                out.write_all(b"]")?;
            }
            Value::Array(_) | Value::Object(_) => {
                literal(out, &Value::String(value.to_string()))?;
            }
            _ => literal(out, value)?,
        }
    }
    out.write_all(b"}")
}

/// A string, number, flag or null as a Cypher literal.
fn literal(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    match value {
        Value::String(s) => {
            let mut text = String::with_capacity(s.len() + 2);
            text.push('"');
            for c in s.chars() {
                match c {
                    '"' => text.push_str("\\\""),
                    '\\' => text.push_str("\\\\"),
                    '\n' => text.push_str("\\n"),
                    '\r' => text.push_str("\\r"),
                    '\t' => text.push_str("\\t"),
                    c if (c as u32) < 0x20 => text.push_str(&format!("\\u{:04x}", c as u32)),
                    c => text.push(c),
                }
            }
            text.push('"');
            out.write_all(text.as_bytes())
        }
        Value::Number(n) => write!(out, "{n}"),
        Value::Bool(b) => write!(out, "{b}"),
        _ => out.write_all(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: Value) -> String {
        let mut out = Vec::new();
        literal(&mut out, &value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_cypher_literals() {
        assert_eq!(
            text(Value::from("say \"hi\"\\\n\u{1}")),
            r#""say \"hi\"\\\n\u0001""#
        );
        assert_eq!(text(Value::from(0.7)), "0.7");
    }

    #[test]
    fn labels_are_pascal_case() {
        assert_eq!(label(EntityKind::GovernmentBody), "GovernmentBody");
        assert_eq!(label(EntityKind::Vendor), "Vendor");
    }
}
