//! The error codes every GraphQL error carries in `extensions.code`, and the coding of the
//! errors async-graphql raises without one.

use async_graphql::{ErrorExtensions, ServerError};

use crate::graph::GraphError;

/// Every code the API puts in `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The query text is not GraphQL.
    ParseFailed,
    /// The query does not fit the schema, or its variables do not fit the query.
    ValidationFailed,
    /// The query is deeper or more complex than allowed.
    LimitExceeded,
    /// An argument is well-typed but not acceptable (`first` above 100, a bad date).
    BadUserInput,
    /// A computation was given an id no entity has.
    NotFound,
    /// The HTTP request is not a GraphQL request (bad JSON, no query, wrong method or media type).
    BadRequest,
    /// The request took longer than `--request-timeout`.
    Timeout,
    /// The answer is larger than `--max-response-bytes`.
    ResponseTooLarge,
    /// `changes(since:)` was given a version the server does not remember.
    VersionUnknown,
    /// A subscriber fell behind and missed events: it reads `changes(since:)`.
    EventsMissed,
    /// A persisted query was sent by its hash alone, and the server does not hold its text:
    /// send the text with the hash (Apollo's automatic persisted queries).
    PersistedQueryNotFound,
    /// A bug: the error is logged and nothing of it is shown.
    Internal,
}

impl ErrorCode {
    /// The code as it appears in responses.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            ErrorCode::VersionUnknown => "VERSION_UNKNOWN",
            ErrorCode::EventsMissed => "EVENTS_MISSED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// A field error with a code.
pub fn coded(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

/// `BAD_USER_INPUT` with a message.
pub fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    coded(ErrorCode::BadUserInput, message)
}

/// A graph refusal as a GraphQL error: `NOT_FOUND` for unknown ids, else `BAD_USER_INPUT`.
pub fn graph_error(e: GraphError) -> async_graphql::Error {
    let code = match e {
        GraphError::NotFound(_) => ErrorCode::NotFound,
        GraphError::LimitExceeded(_) | GraphError::TooManyItems(_) => ErrorCode::LimitExceeded,
        GraphError::Timeout | GraphError::Cancelled => ErrorCode::Timeout,
        _ => ErrorCode::BadUserInput,
    };
    coded(code, e.to_string())
}

pub(crate) fn with_code(mut e: ServerError, code: ErrorCode) -> ServerError {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code.as_str());
    }
    e
}

/// A request `admit` refused, as a GraphQL error with its code.
pub(crate) fn refused(refused: crate::admit::Refused) -> (ErrorCode, ServerError) {
    use crate::admit::Reason;
    let code = match refused.reason {
        Reason::ParseFailed => ErrorCode::ParseFailed,
        Reason::ValidationFailed => ErrorCode::ValidationFailed,
        Reason::LimitExceeded => ErrorCode::LimitExceeded,
    };
    (
        code,
        with_code(ServerError::new(refused.message, refused.pos), code),
    )
}

/// Gives an error async-graphql raised without a code its code: before execution (`before`)
/// `GRAPHQL_VALIDATION_FAILED` (an unknown field or operation, a variable of the wrong type;
/// the limits are ours and checked first, with their own codes); during execution,
/// `INTERNAL`.
pub(crate) fn code_uncoded(e: ServerError, before: bool) -> ServerError {
    let code = if before {
        ErrorCode::ValidationFailed
    } else {
        ErrorCode::Internal
    };
    with_code(e, code)
}

/// Keeps the first `max` errors and adds one saying how many more there were, with the code
/// of the last one kept (so a list of request errors stays one).
pub(crate) fn cap(errors: &mut Vec<ServerError>, max: usize) {
    if errors.len() <= max {
        return;
    }
    let left_out = errors.len() - max;
    errors.truncate(max);
    let code = errors
        .last()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|x| x.get("code"))
        .cloned();
    let mut more = ServerError::new(
        format!("{left_out} more errors were found and left out: fix these first"),
        None,
    );
    if let Some(code) = code {
        more.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
    errors.push(more);
}
