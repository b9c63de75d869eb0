//! The root of an answer in the order its fields were asked.
//!
//! async-graphql resolves a query's root fields concurrently and puts each answer in the
//! response as it finishes, so a field that waits (an analytics computation on a blocking
//! thread, the first time it is asked) would come after fields asked after it. GraphQL wants
//! the response keys in the order of the selection set, and clients that compare answers as
//! text want the same bytes for the same question.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{Name, Value};

use crate::admit::selected;

/// Puts the root fields of `data` in the order the operation selects them. Keys the
/// operation does not name (there are none) would keep their place at the end.
pub(crate) fn in_asked_order(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    data: &mut Value,
) {
    let (Value::Object(answer), Some(operation)) = (data, selected(document, operation_name))
    else {
        return;
    };
    // The keys are borrowed: cloning a cached document's names would count references that
    // every request with its text shares.
    let mut keys: Vec<&str> = Vec::with_capacity(answer.len());
    each_root_field(document, &operation.selection_set.node, 0, &mut |field| {
        let key = field.response_key().node.as_str();
        if !keys.contains(&key) {
            keys.push(key);
        }
    });
    if keys.iter().copied().eq(answer.keys().map(Name::as_str)) {
        return;
    }
    let mut ordered = IndexMap::with_capacity(answer.len());
    for key in keys {
        if let Some((key, value)) = answer.shift_remove_entry(key) {
            ordered.insert(key, value);
        }
    }
    ordered.extend(answer.drain(..));
    *answer = ordered;
}

/// Whether the operation a request with this name runs asks for the schema itself (`__schema`
/// or `__type`, which only the root has), fragments included.
pub(crate) fn introspects(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let mut asks = false;
    if let Some(operation) = selected(document, operation_name) {
        each_root_field(document, &operation.selection_set.node, 0, &mut |field| {
            asks |= matches!(field.name.node.as_str(), "__schema" | "__type");
        });
    }
    asks
}

/// Calls `visit` with each field `set` selects, in order, entering fragments where they are
/// spread. Validation has refused fragment cycles; `depth` stops a document that was not
/// validated.
fn each_root_field<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    depth: u32,
    visit: &mut impl FnMut(&'d Field),
) {
    if depth > 32 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => visit(&field.node),
            Selection::InlineFragment(fragment) => each_root_field(
                document,
                &fragment.node.selection_set.node,
                depth + 1,
                visit,
            ),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    each_root_field(
                        document,
                        &fragment.node.selection_set.node,
                        depth + 1,
                        visit,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    #[test]
    fn root_answers_follow_the_selection_order() {
        let document = parse_query(
            "query Q { a b: c ...F ... { d } } fragment F on Query { e a } query R { z }",
        )
        .unwrap();
        let mut data = Value::from_json(serde_json::json!({
            "d": 4, "b": 2, "e": 5, "a": 1
        }))
        .unwrap();
        in_asked_order(&document, Some("Q"), &mut data);
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            r#"{"a":1,"b":2,"e":5,"d":4}"#
        );
    }
}
