//! The columns of the bulk CSV layout: what `seed` reads and `export` writes, in this order.

/// The columns every `nodes.csv` has.
pub const NODE_COLUMNS: [&str; 5] = ["id", "kind", "name", "country", "date"];

/// The columns a `nodes.csv` may add.
pub const NODE_OPTIONAL: [&str; 7] = [
    "aliases",
    "description",
    "wikidata",
    "category",
    "type",
    "status",
    "confidence",
];

/// The columns every `edges.csv` has.
pub const EDGE_COLUMNS: [&str; 5] = ["from", "to", "kind", "since", "until"];

/// The columns an `edges.csv` may add.
pub const EDGE_OPTIONAL: [&str; 5] = ["confidence", "status", "role", "market", "note"];
