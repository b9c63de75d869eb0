//! The domain vocabulary: entity and relation kinds, partial dates and validity windows.
//!
//! Invariant: this module knows nothing of files, graphs or GraphQL; it has no serde and no
//! async-graphql types, so every layer above can share it.

pub mod date;
pub mod kind;
pub mod validity;

pub use date::{DateBound, DateError, Day, PartialDate, Precision, days_from_civil_checked};
pub use kind::{
    EntityKind, EventType, KindSet, ProductCategory, RelationKind, RelationSpec, Status,
};
pub use validity::{Presence, Validity, Window};

/// Whether `id` is a valid entity id: non-empty lowercase ASCII letters, digits and `-`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
