//! Query cost: every field costs 1, and what a list field selects costs once per item it may
//! return, its `first` argument (20 when not given) or 10 for lists without one; a
//! connection's `edges` and `nodes` are the page already paid for, and introspection costs 1.
//! This is the rule async-graphql's own complexity check cannot apply through interface
//! fields, so it runs on the parsed document, before execution, against a table of the
//! schema's fields read once from its SDL. It runs outside async-graphql's extension hooks:
//! any extension adds a hook to every field's resolution, which costs a cheap query a fifth
//! of its throughput.

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Selection, SelectionSet, ServiceDocument, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{ServerError, Variables};
use async_graphql_value::{ConstValue, Value};
use rustc_hash::FxHashMap;

use super::error::{ErrorCode, with_code};

/// Items assumed for a paged field without `first`.
const DEFAULT_FIRST: u64 = 20;
/// Items assumed for a list field that takes no `first`.
const DEFAULT_LIST: u64 = 10;
/// Fragment nesting beyond this is refused (validation would reject a cycle later anyway).
const MAX_FRAGMENT_DEPTH: usize = 64;

/// What costing needs to know of each field of each object and interface type.
///
/// The maps hold the schema's names only, fixed at start-up, so a fast unkeyed hash is safe:
/// a request can look names up but never add any.
#[derive(Debug, Default)]
pub(crate) struct CostModel {
    types: FxHashMap<String, FxHashMap<String, FieldShape>>,
}

#[derive(Debug)]
struct FieldShape {
    /// The named type it returns.
    returns: String,
    /// Whether it returns a list.
    list: bool,
    /// Whether it takes a `first` argument.
    paged: bool,
}

impl CostModel {
    /// Reads the fields of a schema from its parsed SDL.
    pub(crate) fn from_sdl(doc: &ServiceDocument) -> Self {
        let mut types = FxHashMap::default();
        for definition in &doc.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let fields = match &ty.node.kind {
                TypeKind::Object(o) => &o.fields,
                TypeKind::Interface(i) => &i.fields,
                _ => continue,
            };
            let shapes = fields
                .iter()
                .map(|f| {
                    let f = &f.node;
                    let shape = FieldShape {
                        returns: named(&f.ty.node).to_owned(),
                        list: matches!(f.ty.node.base, BaseType::List(_)),
                        paged: f.arguments.iter().any(|a| a.node.name.node == "first"),
                    };
                    (f.name.node.to_string(), shape)
                })
                .collect();
            types.insert(ty.node.name.node.to_string(), shapes);
        }
        CostModel { types }
    }

    /// Refuses a document whose cost exceeds `limit` with `LIMIT_EXCEEDED`. Every operation
    /// in the document is costed, selected or not.
    pub(crate) fn check(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
        limit: u64,
    ) -> Result<(), ServerError> {
        for (_, op) in doc.operations.iter() {
            let cost = Coster {
                model: self,
                doc,
                variables,
            }
            .selection_set(&op.node.selection_set.node, "Query", 0);
            if cost > limit {
                let message =
                    format!("Query is too complex: it costs {cost}, the limit is {limit}.");
                let e = ServerError::new(message, Some(op.pos));
                return Err(with_code(e, ErrorCode::LimitExceeded));
            }
        }
        Ok(())
    }
}

/// The named type inside a type reference: `[Relation!]!` → `Relation`.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

struct Coster<'a> {
    model: &'a CostModel,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
}

impl Coster<'_> {
    fn selection_set(&self, set: &SelectionSet, type_name: &str, depth: usize) -> u64 {
        if depth > MAX_FRAGMENT_DEPTH {
            return u64::MAX / 2;
        }
        let mut total: u64 = 0;
        for selection in &set.items {
            let cost = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.name.node.starts_with("__") {
                        // Introspection is bounded by the schema's size, not by the data.
                        total = total.saturating_add(1);
                        continue;
                    }
                    let shape = self
                        .model
                        .types
                        .get(type_name)
                        .and_then(|t| t.get(field.name.node.as_str()));
                    let Some(shape) = shape else {
                        // An unknown or introspection field: validation judges it; cost it as
                        // one plus what it selects.
                        let inner = self.selection_set(&field.selection_set.node, "", depth + 1);
                        total = total.saturating_add(1 + inner);
                        continue;
                    };
                    let inner =
                        self.selection_set(&field.selection_set.node, &shape.returns, depth + 1);
                    let items = if shape.paged {
                        field
                            .arguments
                            .iter()
                            .find(|(name, _)| name.node == "first")
                            .and_then(|(_, v)| self.int(&v.node))
                            .unwrap_or(DEFAULT_FIRST)
                    } else if shape.list && !type_name.ends_with("Connection") {
                        // A connection's `edges` and `nodes` are the page its field paid for.
                        DEFAULT_LIST
                    } else {
                        1
                    };
                    1u64.saturating_add(items.saturating_mul(inner))
                }
                Selection::FragmentSpread(spread) => {
                    match self.doc.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => self.selection_set(
                            &fragment.node.selection_set.node,
                            fragment.node.type_condition.node.on.node.as_str(),
                            depth + 1,
                        ),
                        None => 0,
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |c| c.node.on.node.as_str());
                    self.selection_set(&inline.node.selection_set.node, on, depth + 1)
                }
            };
            total = total.saturating_add(cost);
        }
        total
    }

    fn int(&self, value: &Value) -> Option<u64> {
        let number = match value {
            Value::Variable(name) => match self.variables.get(name) {
                Some(ConstValue::Number(n)) => n.as_i64(),
                _ => None,
            },
            Value::Number(n) => n.as_i64(),
            _ => None,
        };
        number.map(|n| n.max(0) as u64)
    }
}
