//! The root of an answer in the order its fields were asked.
//!
//! async-graphql resolves a query's root fields concurrently and puts each answer in the
//! response as it finishes, so a field that waits (an analytics computation on a blocking
//! thread, the first time it is asked) would come after fields asked after it. GraphQL wants
//! the response keys in the order of the selection set, and clients that compare answers as
//! text want the same bytes for the same question.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
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
    let mut keys = Vec::with_capacity(answer.len());
    collect_keys(document, &operation.selection_set.node, &mut keys, 0);
    if keys
        .iter()
        .map(|k| k.as_str())
        .eq(answer.keys().map(Name::as_str))
    {
        return;
    }
    let mut ordered = IndexMap::with_capacity(answer.len());
    for key in keys {
        if let Some((key, value)) = answer.shift_remove_entry(key.as_str()) {
            ordered.insert(key, value);
        }
    }
    ordered.extend(answer.drain(..));
    *answer = ordered;
}

/// Whether the operation a request with this name runs asks for the schema itself (`__schema`
/// or `__type`, which only the root has), fragments included.
pub(crate) fn introspects(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    fn asks(document: &ExecutableDocument, set: &SelectionSet, depth: u32) -> bool {
        depth <= 32
            && set.items.iter().any(|selection| match &selection.node {
                Selection::Field(field) => {
                    matches!(field.node.name.node.as_str(), "__schema" | "__type")
                }
                Selection::InlineFragment(fragment) => {
                    asks(document, &fragment.node.selection_set.node, depth + 1)
                }
                Selection::FragmentSpread(spread) => document
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .is_some_and(|f| asks(document, &f.node.selection_set.node, depth + 1)),
            })
    }
    selected(document, operation_name).is_some_and(|op| asks(document, &op.selection_set.node, 0))
}

/// Appends the response keys `set` selects, each once, in order; fragments are entered where
/// they are spread. Validation has refused fragment cycles; `depth` stops a document that was
/// not validated (it has no answer to order).
fn collect_keys(
    document: &ExecutableDocument,
    set: &SelectionSet,
    keys: &mut Vec<Name>,
    depth: u32,
) {
    if depth > 32 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
            Selection::InlineFragment(fragment) => {
                collect_keys(document, &fragment.node.selection_set.node, keys, depth + 1)
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect_keys(document, &fragment.node.selection_set.node, keys, depth + 1);
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
