//! JSON: the whole graph as one JSON Graph Format document, or one record a line (NDJSON).

use std::io::{self, Write};

use serde_json::Value;

use super::{Written, entities, entity_record, relation_record};
use crate::graph::Graph;

/// A JSON Graph Format (v2) document: `{"graph": {"directed": true, "nodes": {id: {"label",
/// "metadata"}}, "edges": [{"id", "source", "target", "relation", "metadata"}]}}`.
pub(super) fn graph(graph: &Graph, out: &mut dyn Write) -> io::Result<Written> {
    let mut written = Written::default();
    write!(
        out,
        r#"{{"graph":{{"directed":true,"type":"phonegraph","metadata":{{"entities":{},"relations":{}}},"nodes":{{"#,
        graph.entity_count(),
        graph.relation_count()
    )?;
    for (i, e) in entities(graph).enumerate() {
        let mut record = entity_record(graph, e);
        let id = record.remove("id").unwrap_or_default();
        let label = record.remove("name").unwrap_or_default();
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &id)?;
        out.write_all(b":")?;
        let node = serde_json::json!({ "label": label, "metadata": record });
        serde_json::to_writer(&mut *out, &node)?;
        written.entities += 1;
    }
    out.write_all(br#"},"edges":["#)?;
    for (i, r) in graph.all_relations().enumerate() {
        let mut record = relation_record(graph, r);
        let id = record.remove("id").unwrap_or_default();
        let source = record.remove("from").unwrap_or_default();
        let target = record.remove("to").unwrap_or_default();
        let relation = record.remove("kind").unwrap_or_default();
        if i > 0 {
            out.write_all(b",")?;
        }
        let edge = serde_json::json!({
            "id": id, "source": source, "target": target, "relation": relation,
            "directed": true, "metadata": record,
        });
        serde_json::to_writer(&mut *out, &edge)?;
        written.relations += 1;
    }
    out.write_all(b"]}}\n")?;
    Ok(written)
}

/// One JSON object a line: every entity (`"type": "entity"`), then every relation
/// (`"type": "relation"`), each with the fields of its record.
pub(super) fn lines(graph: &Graph, out: &mut dyn Write) -> io::Result<Written> {
    let mut written = Written::default();
    for e in entities(graph) {
        let mut record = entity_record(graph, e);
        record.insert("type".into(), Value::from("entity"));
        serde_json::to_writer(&mut *out, &record)?;
        out.write_all(b"\n")?;
        written.entities += 1;
    }
    for r in graph.all_relations() {
        let mut record = relation_record(graph, r);
        record.insert("type".into(), Value::from("relation"));
        serde_json::to_writer(&mut *out, &record)?;
        out.write_all(b"\n")?;
        written.relations += 1;
    }
    Ok(written)
}
