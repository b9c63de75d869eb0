//! GraphML: one `<key>` for each field a record may have, typed where the value is a number or
//! a flag; lists and objects (aliases, sources with their quotes, status histories) go as JSON
//! text, which Gephi, yEd and networkx keep as a string.

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::{Written, entities, entity_record, relation_record};
use crate::graph::Graph;

/// The fields of an entity record besides its id, with their GraphML types.
const NODE_KEYS: &[(&str, &str)] = &[
    ("kind", "string"),
    ("name", "string"),
    ("aliases", "string"),
    ("description", "string"),
    ("wikidata", "string"),
    ("country", "string"),
    ("date", "string"),
    ("founded", "string"),
    ("released", "string"),
    ("category", "string"),
    ("eventType", "string"),
    ("eventStatus", "string"),
    ("bodyType", "string"),
    ("documentType", "string"),
    ("confidence", "double"),
    ("claimedBy", "string"),
    ("summary", "string"),
    ("title", "string"),
    ("publisher", "string"),
    ("url", "string"),
    ("amounts", "string"),
    ("duration", "string"),
    ("sources", "string"),
];

/// The fields of a relation record besides its id and ends, with their GraphML types.
const EDGE_KEYS: &[(&str, &str)] = &[
    ("kind", "string"),
    ("since", "string"),
    ("until", "string"),
    ("status", "string"),
    ("statusDate", "string"),
    ("confidence", "double"),
    ("market", "string"),
    ("role", "string"),
    ("rank", "long"),
    ("share", "double"),
    ("period", "string"),
    ("target", "string"),
    ("note", "string"),
    ("measure", "string"),
    ("terms", "string"),
    ("claimedBy", "string"),
    ("amounts", "string"),
    ("duration", "string"),
    ("plannedEnd", "string"),
    ("statusHistory", "string"),
    ("sources", "string"),
    ("unsourced", "boolean"),
];

pub(super) fn write(graph: &Graph, out: &mut dyn Write) -> io::Result<Written> {
    out.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
"#,
    )?;
    for (prefix, target, keys) in [("n", "node", NODE_KEYS), ("e", "edge", EDGE_KEYS)] {
        for (name, ty) in keys {
            writeln!(
                out,
                r#"  <key id="{prefix}_{name}" for="{target}" attr.name="{name}" attr.type="{ty}"/>"#
            )?;
        }
    }
    out.write_all(b"  <graph id=\"phonegraph\" edgedefault=\"directed\">\n")?;
    let mut written = Written::default();
    for e in entities(graph) {
        let mut record = entity_record(graph, e);
        let id = record.remove("id").unwrap_or_default();
        write!(out, "    <node id=\"{}\">", Escaped(as_text(&id).as_str()))?;
        data(out, "n", NODE_KEYS, &record)?;
        out.write_all(b"</node>\n")?;
        written.entities += 1;
    }
    for r in graph.all_relations() {
        let mut record = relation_record(graph, r);
        let [id, from, to] = ["id", "from", "to"].map(|f| record.remove(f).unwrap_or_default());
        write!(
            out,
            "    <edge id=\"{}\" source=\"{}\" target=\"{}\">",
            Escaped(as_text(&id).as_str()),
            Escaped(as_text(&from).as_str()),
            Escaped(as_text(&to).as_str())
        )?;
        data(out, "e", EDGE_KEYS, &record)?;
        out.write_all(b"</edge>\n")?;
        written.relations += 1;
    }
    out.write_all(b"  </graph>\n</graphml>\n")?;
    Ok(written)
}

/// The `<data>` of a record, in the order of the keys. A field no key declares is an error,
/// never dropped in silence.
fn data(
    out: &mut dyn Write,
    prefix: &str,
    keys: &[(&str, &str)],
    record: &Map<String, Value>,
) -> io::Result<()> {
    if let Some(field) = record.keys().find(|f| !keys.iter().any(|(k, _)| k == f)) {
        return Err(io::Error::other(format!(
            "the field `{field}` has no GraphML key"
        )));
    }
    for (name, _) in keys {
        if let Some(value) = record.get(*name) {
            write!(
                out,
                "<data key=\"{prefix}_{name}\">{}</data>",
                Escaped(as_text(value).as_str())
            )?;
        }
    }
    Ok(())
}

/// A value as GraphML text: strings as they are, numbers and flags as written, lists and
/// objects as JSON.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text escaped for XML content and attributes; characters XML 1.0 cannot hold (most control
/// characters) become U+FFFD.
struct Escaped<'a>(&'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\t' | '\n' | '\r' => f.write_char(c)?,
                c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                    f.write_char('\u{FFFD}')?
                }
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            Escaped("a<b & \"c\" 'd'>\u{1}\n").to_string(),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}\n"
        );
    }
}
