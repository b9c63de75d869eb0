//! The domain vocabulary: entity ids and kinds, relation kinds, partial dates and validity
//! windows.
//!
//! Invariant: this module knows nothing of files, graphs or GraphQL; it has no serde and no
//! async-graphql types, so every layer above can share it.

pub mod bulk;
pub mod date;
pub mod id;
pub mod kind;
pub mod quantity;
pub mod validity;

pub use date::{
    DateBound, DateError, Day, PartialDate, Precision, Tie, Wording, check_relative,
    days_from_civil_checked, weekday,
};
pub use id::{InlineId, RelationId, is_valid_id};
pub use kind::{
    BodyType, DocumentType, EntityKind, EventStatus, EventType, KindSet, Measure, ProductCategory,
    RelationKind, RelationSpec, Status,
};
pub use quantity::{Amount, Duration, QuantityError, totals};
pub use validity::{Known, Phase, Presence, Validity, Window, in_force, standing};
