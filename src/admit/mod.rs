//! Admitting a GraphQL request before any schema work: the query text's size, its parse (with
//! errors that quote only a few characters), the limits on directives, the required
//! variables, and the query's cost and depth, priced in one pass against a table read from the
//! schema's SDL.
//!
//! Invariant: this module knows no schema type and no resolver, only GraphQL documents and
//! SDL; it says why it refuses a request ([`Refused`]) and the API layer gives that its code.
//! Everything here takes time linear in the query text.

mod cost;
mod parse;

pub use cost::{Call, CostModel, NoData, Scope, Sizes};
pub use parse::{
    INLINE_QUERY_BYTES, MAX_DIRECTIVES_PER_DOCUMENT, MAX_DIRECTIVES_PER_LOCATION, parse, selected,
    unprovided,
};

use async_graphql::Pos;

/// Why a request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The text is not a GraphQL document.
    ParseFailed,
    /// The document is not valid as it stands (a fragment spreading itself, a required
    /// variable not given).
    ValidationFailed,
    /// The request passes a limit.
    LimitExceeded,
}

/// A refused request: why, in words, and where in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Why.
    pub reason: Reason,
    /// What was wrong, without quoting more than a few characters of the text.
    pub message: String,
    /// Where, if at one place.
    pub pos: Option<Pos>,
}

impl Refused {
    /// A refusal for `reason`.
    pub fn new(reason: Reason, message: impl Into<String>, pos: Option<Pos>) -> Self {
        Refused {
            reason,
            message: message.into(),
            pos,
        }
    }
}
