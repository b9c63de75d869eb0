//! The seed files' shape as serde reads it: every field the curators may write, with its span
//! so that each later check can point at the exact place.

use serde::Deserialize;
use toml::Spanned;

/// The kinds of top-level arrays a seed file may hold.
pub(crate) const SECTIONS: &[&str] = &[
    "vendor",
    "carrier",
    "retailer",
    "product",
    "person",
    "market",
    "event",
    "source",
    "government_body",
    "media_outlet",
    "brand",
    "document",
    "relation",
    "addition",
];

/// A date: `"2018-07-13"`, or one the source gives relative to another, with its words:
/// `{ text = "on Friday", anchor = "source", day = "2018-07-13", weekday = "friday" }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawDate {
    Text(String),
    Relative(RawRelative),
}

/// A date given relative to another (see [`RawDate`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRelative {
    pub text: String,
    pub anchor: String,
    pub day: String,
    pub weekday: Option<String>,
    pub offset: Option<String>,
}

/// A citation: `{ source = "id", quote = "…" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCitation {
    pub source: Spanned<String>,
    pub quote: Option<Spanned<String>>,
    pub claimed_by: Option<Spanned<String>>,
}

/// An amount: `{ value = "1000000000", currency = "USD", what = "fine" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAmount {
    pub value: Spanned<String>,
    pub currency: Spanned<String>,
    pub what: Option<String>,
}

/// A relation's planned or reported end: `{ date = "…", confidence = 0.7, sources = […] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlannedEnd {
    pub date: Spanned<RawDate>,
    pub confidence: Option<Spanned<f64>>,
    pub claimed_by: Option<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<RawCitation>,
}

/// An event's reported cause.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCause {
    pub text: Spanned<String>,
    pub confidence: Option<Spanned<f64>>,
    pub claimed_by: Option<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<RawCitation>,
}

/// One `[[vendor]]`, `[[product]]`, … table. Kind-specific fields are checked against the kind
/// after reading, so a misplaced one is reported by name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntity {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub description: Option<String>,
    pub wikidata: Option<Spanned<String>>,
    pub iso_code: Option<Spanned<String>>,
    pub founded: Option<Spanned<String>>,
    pub category: Option<Spanned<String>>,
    pub released: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub event_type: Option<Spanned<String>>,
    pub date: Option<Spanned<RawDate>>,
    pub summary: Option<String>,
    pub cause: Option<Spanned<RawCause>>,
    pub status: Option<Spanned<String>>,
    pub confidence: Option<Spanned<f64>>,
    pub claimed_by: Option<Spanned<String>>,
    #[serde(default)]
    pub amounts: Vec<RawAmount>,
    pub duration: Option<Spanned<String>>,
    #[serde(default)]
    pub after: Vec<Spanned<String>>,
    #[serde(default)]
    pub before: Vec<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub publisher: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub sources: Vec<RawCitation>,
    #[serde(default)]
    pub cite: std::collections::BTreeMap<Spanned<String>, Vec<RawCitation>>,
}

/// A status step: `{ status = "cancelled", date = "2018-01-08", event = "…" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStatus {
    pub status: Spanned<String>,
    pub date: Option<Spanned<RawDate>>,
    pub event: Option<Spanned<String>>,
    pub confidence: Option<Spanned<f64>>,
    pub claimed_by: Option<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<RawCitation>,
}

/// One `[[relation]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRelation {
    pub kind: Spanned<String>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub valid_from: Option<Spanned<RawDate>>,
    pub valid_until: Option<Spanned<RawDate>>,
    pub since_ever: Option<Spanned<bool>>,
    #[serde(default)]
    pub status: Vec<RawStatus>,
    #[serde(default)]
    pub sources: Vec<RawCitation>,
    pub unsourced: Option<Spanned<bool>>,
    pub confidence: Option<Spanned<f64>>,
    pub market: Option<Spanned<String>>,
    pub role: Option<String>,
    pub rank: Option<Spanned<i64>>,
    pub share: Option<Spanned<f64>>,
    pub period: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub note: Option<String>,
    pub measure: Option<Spanned<String>>,
    pub terms: Option<Spanned<String>>,
    pub claimed_by: Option<Spanned<String>>,
    pub planned_end: Option<RawPlannedEnd>,
    #[serde(default)]
    pub amounts: Vec<RawAmount>,
    pub duration: Option<Spanned<String>>,
    #[serde(default)]
    pub after: Vec<Spanned<String>>,
    #[serde(default)]
    pub before: Vec<Spanned<String>>,
}

/// One `[[addition]]` table: what a file adds to an entity or a relation another file defines,
/// named by its id in `to`. Which fields apply depends on what `to` names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAddition {
    pub to: Spanned<String>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub wikidata: Option<Spanned<String>>,
    pub founded: Option<Spanned<String>>,
    pub released: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    #[serde(default)]
    pub cite: std::collections::BTreeMap<Spanned<String>, Vec<RawCitation>>,
    #[serde(default)]
    pub status: Vec<RawStatus>,
    pub valid_until: Option<Spanned<String>>,
    pub planned_end: Option<RawPlannedEnd>,
    #[serde(default)]
    pub after: Vec<Spanned<String>>,
    #[serde(default)]
    pub before: Vec<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<RawCitation>,
}
