//! The error codes every GraphQL error carries in `extensions.code`, and the extension that
//! gives parse and validation errors theirs (async-graphql reports depth and complexity
//! failures as bare messages).

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, ServerError, ServerResult, ValidationResult, Variables};

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
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// Whether an error with this code means the request never ran (a "request error" in the
    /// GraphQL-over-HTTP spec, answered 400 under `application/graphql-response+json`).
    pub fn is_request_error(code: &str) -> bool {
        matches!(
            code,
            "GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED" | "LIMIT_EXCEEDED" | "BAD_REQUEST"
        )
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
        GraphError::LimitExceeded(_) => ErrorCode::LimitExceeded,
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

/// Gives parse and validation errors their codes, and holds queries to their cost limit.
pub(crate) struct ErrorCodes {
    /// The highest query cost accepted.
    pub(crate) cost_limit: u64,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes {
            cost_limit: self.cost_limit,
        })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await.map_err(|e| {
            let code = if e.message.starts_with("The recursion depth of the query") {
                ErrorCode::LimitExceeded
            } else {
                ErrorCode::ParseFailed
            };
            with_code(e, code)
        })?;
        super::cost::check(&ctx.schema_env.registry, &doc, variables, self.cost_limit)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = match e.message.as_str() {
                        "Query is nested too deep." | "Query is too complex." => {
                            ErrorCode::LimitExceeded
                        }
                        _ => ErrorCode::ValidationFailed,
                    };
                    with_code(e, code)
                })
                .collect()
        })
    }
}
