//! Turning a query text into a document: its size limit, parse errors told without the text,
//! the limits on directives, and the check that required variables are given, all before
//! validation sees the document.

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationDefinition, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{Pos, Positioned, Variables};

use super::{Reason, Refused};

/// Query texts up to this many bytes parse and cost in well under a millisecond, fine on a
/// thread that serves connections; longer ones are prepared on a blocking thread.
pub const INLINE_QUERY_BYTES: usize = 8 << 10;
/// The most directives one field, fragment or operation may carry.
pub const MAX_DIRECTIVES_PER_LOCATION: usize = 8;
/// The most directives one document may carry.
pub const MAX_DIRECTIVES_PER_DOCUMENT: usize = 256;
/// How many characters of the text each side of a syntax error are quoted.
const EXCERPT_CHARS: usize = 12;

/// Parses a query text within the limits: its size, its directives.
pub fn parse(query: &str, max_bytes: usize) -> Result<ExecutableDocument, Refused> {
    if query.len() > max_bytes {
        let message = format!(
            "the query text is {} bytes, more than the limit of {max_bytes}: send a shorter query",
            query.len(),
        );
        return Err(Refused::new(Reason::LimitExceeded, message, None));
    }
    let document = async_graphql::parser::parse_query(query).map_err(|e| parse_error(query, e))?;
    check_directives(&document)?;
    Ok(document)
}

/// A parse error in words, with its place and at most a short excerpt of the text there.
fn parse_error(query: &str, e: async_graphql::parser::Error) -> Refused {
    use async_graphql::parser::Error;
    let pos = e.positions().next();
    let (message, code) = match &e {
        Error::Syntax { message, start, .. } => {
            // The parser's message draws the whole line; keep only what it expected.
            let expected = message
                .lines()
                .filter_map(|l| l.trim().strip_prefix("= "))
                .next()
                .unwrap_or("unexpected input");
            let message = format!(
                "syntax error at line {}, column {}: {expected}, near `{}`",
                start.line,
                start.column,
                excerpt(query, *start)
            );
            (message, Reason::ParseFailed)
        }
        Error::MultipleOperations { .. } => (
            "a document with an anonymous operation may hold no other operation".to_owned(),
            Reason::ParseFailed,
        ),
        Error::OperationDuplicated { operation, .. } => (
            format!("the operation `{operation}` is defined twice"),
            Reason::ParseFailed,
        ),
        Error::FragmentDuplicated { fragment, .. } => (
            format!("the fragment `{fragment}` is defined twice"),
            Reason::ParseFailed,
        ),
        Error::MissingOperation => (
            "the document has no operation".to_owned(),
            Reason::ParseFailed,
        ),
        Error::RecursionLimitExceeded => (
            "the query nests deeper than the parser allows".to_owned(),
            Reason::LimitExceeded,
        ),
        // Schema-document errors: a query text never raises them.
        _ => ("the query is not GraphQL".to_owned(), Reason::ParseFailed),
    };
    Refused::new(code, message, pos)
}

/// A few characters of `text` around `at` (1-based line and column, in characters), on one line.
fn excerpt(text: &str, at: Pos) -> String {
    let line = text.lines().nth(at.line.saturating_sub(1)).unwrap_or("");
    let chars: Vec<char> = line.chars().collect();
    let at = at.column.saturating_sub(1).min(chars.len());
    let from = at.saturating_sub(EXCERPT_CHARS);
    let to = (at + EXCERPT_CHARS).min(chars.len());
    chars[from..to]
        .iter()
        .map(|&c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Refuses a document with too many directives in one place or in all.
fn check_directives(document: &ExecutableDocument) -> Result<(), Refused> {
    let mut count = Count::default();
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        count.place(&operation.directives)?;
        for variable in &operation.variable_definitions {
            count.variable(variable)?;
        }
        count.selections(&operation.selection_set.node)?;
    }
    for fragment in document.fragments.values() {
        count.place(&fragment.node.directives)?;
        count.selections(&fragment.node.selection_set.node)?;
    }
    Ok(())
}

#[derive(Default)]
struct Count {
    total: usize,
}

impl Count {
    fn place(&mut self, directives: &[Positioned<Directive>]) -> Result<(), Refused> {
        let Some(first) = directives.first() else {
            return Ok(());
        };
        if directives.len() > MAX_DIRECTIVES_PER_LOCATION {
            let message = format!(
                "{} directives in one place, more than the limit of {MAX_DIRECTIVES_PER_LOCATION}",
                directives.len()
            );
            return Err(limit(message, first.pos));
        }
        self.total += directives.len();
        if self.total > MAX_DIRECTIVES_PER_DOCUMENT {
            let message =
                format!("more than {MAX_DIRECTIVES_PER_DOCUMENT} directives in the document");
            return Err(limit(message, first.pos));
        }
        Ok(())
    }

    fn variable(&mut self, variable: &Positioned<VariableDefinition>) -> Result<(), Refused> {
        self.place(&variable.node.directives)
    }

    fn selections(&mut self, set: &SelectionSet) -> Result<(), Refused> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    self.place(&field.node.directives)?;
                    self.selections(&field.node.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => self.place(&spread.node.directives)?,
                Selection::InlineFragment(inline) => {
                    self.place(&inline.node.directives)?;
                    self.selections(&inline.node.selection_set.node)?;
                }
            }
        }
        Ok(())
    }
}

fn limit(message: String, pos: Pos) -> Refused {
    Refused::new(Reason::LimitExceeded, message, Some(pos))
}

/// The request error for the first variable of the selected operation that is required (of
/// non-null type, without a default) and not given: GraphQL coerces variables before
/// executing, so a missing one fails the request rather than the fields that use it.
pub fn unprovided(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Option<Refused> {
    let operation = selected(doc, operation_name)?;
    let missing = operation.variable_definitions.iter().find(|d| {
        let d = &d.node;
        !d.var_type.node.nullable
            && d.default_value.is_none()
            && !variables.contains_key(&d.name.node)
    })?;
    let message = format!(
        "Variable \"${}\" of required type \"{}\" was not provided.",
        missing.node.name.node, missing.node.var_type.node
    );
    Some(Refused::new(
        Reason::ValidationFailed,
        message,
        Some(missing.pos),
    ))
}

/// The operation a request runs: the named one, or the only one.
pub fn selected<'d>(
    doc: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    let mut operations = doc.operations.iter();
    let found = match operation_name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => operations
            .next()
            .filter(|_| doc.operations.iter().count() == 1),
    };
    found.map(|(_, op)| &op.node)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The limit on a query text's size, as served by default.
    const MAX_BYTES: usize = 64 << 10;

    fn error(query: &str) -> (String, Reason) {
        let e = parse(query, MAX_BYTES).unwrap_err();
        (e.message, e.reason)
    }

    #[test]
    fn a_syntax_error_says_where_and_quotes_only_a_little() {
        let long = "x".repeat(10_000);
        let (message, code) = error(&format!("{{ entity(id: \"a\") {{ id }} ) {long} }}"));
        assert_eq!(code, Reason::ParseFailed);
        assert_eq!(
            message,
            "syntax error at line 1, column 26: expected selection, near `\"a\") { id } ) xxxxxxxxxx`"
        );
        assert!(message.len() < 200, "{message}");
    }

    #[test]
    fn a_text_over_the_limit_is_refused_before_parsing() {
        let (message, code) = error(&" ".repeat(MAX_BYTES + 1));
        assert_eq!(code, Reason::LimitExceeded);
        assert_eq!(
            message,
            "the query text is 65537 bytes, more than the limit of 65536: send a shorter query"
        );
    }

    #[test]
    fn directives_are_limited_per_place_and_per_document() {
        let (message, code) = error(&format!("{{ id {} }}", "@skip(if: false) ".repeat(9)));
        assert_eq!(code, Reason::LimitExceeded);
        assert_eq!(
            message,
            "9 directives in one place, more than the limit of 8"
        );
        let fields: String = (0..40)
            .map(|i| format!("a{i}: id {} ", "@include(if: true) ".repeat(7)))
            .collect();
        let (message, _) = error(&format!("{{ {fields} }}"));
        assert_eq!(message, "more than 256 directives in the document");
        assert!(
            parse(
                &format!("{{ id {} }}", "@skip(if: false) ".repeat(8)),
                MAX_BYTES
            )
            .is_ok()
        );
    }
}
