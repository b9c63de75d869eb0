//! The schema's input types, read once from its SDL, and the check that lets a known-valid
//! document skip the static part of validation.
//!
//! GraphQL validation of a document is static except for one rule: async-graphql also checks
//! the request's variable values against the arguments they fill. So once a document has
//! passed full validation, a later request with the same text needs only that check, which
//! [`InputTypes::accepts`] makes against the types the operation declares for its variables.
//! Those types are, by validation, no wider than the arguments they fill, so a value of the
//! declared type fits the argument. The check is deliberately strict: a value it is unsure of
//! (a top-level null, an unknown type, a one-of input) sends the request through full
//! validation, so answers and error messages never depend on whether the text was seen before.

use async_graphql::Variables;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, ServiceDocument, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql_value::ConstValue;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::admit::selected;

/// The enums and input objects of a schema (with a fast unkeyed hash, as in `CostModel`: the
/// names are the schema's, fixed at start-up).
#[derive(Debug, Default)]
pub(crate) struct InputTypes {
    types: FxHashMap<String, Input>,
}

#[derive(Debug)]
enum Input {
    /// An enum and its values.
    Enum(FxHashSet<String>),
    /// An input object's fields: type, and whether a default stands in when it is missing.
    Object(FxHashMap<String, (Type, bool)>),
}

impl InputTypes {
    /// The enums and input objects of a parsed SDL. One-of input objects are left out, so a
    /// value for one is never taken on trust.
    pub(crate) fn from_sdl(doc: &ServiceDocument) -> Self {
        let mut types = FxHashMap::default();
        for definition in &doc.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let ty = &ty.node;
            let input = match &ty.kind {
                TypeKind::Enum(e) => Input::Enum(
                    e.values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect(),
                ),
                TypeKind::InputObject(o)
                    if !ty.directives.iter().any(|d| d.node.name.node == "oneOf") =>
                {
                    Input::Object(
                        o.fields
                            .iter()
                            .map(|f| {
                                let f = &f.node;
                                let defaulted = f.default_value.is_some();
                                (f.name.node.to_string(), (f.ty.node.clone(), defaulted))
                            })
                            .collect(),
                    )
                }
                _ => continue,
            };
            types.insert(ty.name.node.to_string(), input);
        }
        InputTypes { types }
    }

    /// Whether every variable the selected operation declares and the request gives is a
    /// non-null value of its declared type. `false` also when no single operation is selected.
    pub(crate) fn accepts(
        &self,
        doc: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> bool {
        let Some(operation) = selected(doc, operation_name) else {
            return false;
        };
        operation.variable_definitions.iter().all(|definition| {
            let definition = &definition.node;
            match variables.get(&definition.name.node) {
                None => true,
                Some(ConstValue::Null) => false,
                Some(value) => self.fits(&definition.var_type.node, value),
            }
        })
    }

    /// Whether `value` is a value of `ty`, as GraphQL's input coercion reads it (a single item
    /// stands for a one-item list).
    fn fits(&self, ty: &Type, value: &ConstValue) -> bool {
        match (value, &ty.base) {
            (ConstValue::Null, _) => ty.nullable,
            (ConstValue::List(items), BaseType::List(item)) => {
                items.iter().all(|v| self.fits(item, v))
            }
            (_, BaseType::List(item)) => self.fits(item, value),
            (_, BaseType::Named(name)) => self.fits_named(name, value),
        }
    }

    fn fits_named(&self, name: &str, value: &ConstValue) -> bool {
        match (name, value) {
            ("Int", ConstValue::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
            ("Float", ConstValue::Number(_))
            | ("String", ConstValue::String(_))
            | ("Boolean", ConstValue::Boolean(_))
            | ("ID", ConstValue::String(_)) => true,
            ("ID", ConstValue::Number(n)) => n.is_i64(),
            ("Int" | "Float" | "String" | "Boolean" | "ID", _) => false,
            // The one scalar of ours: a known text with a date variable skips full validation
            // only when the date is one.
            ("Date", value) => <crate::gql::Date as async_graphql::ScalarType>::is_valid(value),
            _ => match (self.types.get(name), value) {
                (Some(Input::Enum(values)), ConstValue::String(v)) => values.contains(v.as_str()),
                (Some(Input::Enum(values)), ConstValue::Enum(v)) => values.contains(v.as_str()),
                (Some(Input::Object(fields)), ConstValue::Object(given)) => {
                    given.keys().all(|k| fields.contains_key(k.as_str()))
                        && fields.iter().all(|(field, (ty, defaulted))| {
                            match given.get(field.as_str()) {
                                Some(v) => self.fits(ty, v),
                                None => ty.nullable || *defaulted,
                            }
                        })
                }
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
        scalar Date
        enum Kind { VENDOR CARRIER }
        input Where { kind: Kind, ids: [ID!], first: Int! = 20, name: String! }
        input Pick @oneOf { a: Int, b: Int }
    "#;

    fn accepts(query: &str, variables: serde_json::Value) -> bool {
        let types = InputTypes::from_sdl(&async_graphql::parser::parse_schema(SDL).unwrap());
        let doc = async_graphql::parser::parse_query(query).unwrap();
        types.accepts(&doc, None, &Variables::from_json(variables))
    }

    #[test]
    fn a_date_is_accepted_only_when_it_is_one() {
        assert!(accepts(
            "query($d: Date) { a }",
            serde_json::json!({ "d": "2018-Q4..2019-Q1" })
        ));
        assert!(!accepts(
            "query($d: Date) { a }",
            serde_json::json!({ "d": "2018-13" })
        ));
        assert!(!accepts(
            "query($d: Date) { a }",
            serde_json::json!({ "d": 2018 })
        ));
    }

    #[test]
    fn values_of_the_declared_type_are_accepted() {
        let q = "query($w: Where!, $n: Int, $k: [Kind!], $f: Float, $b: Boolean, $i: ID) { a }";
        let vars = serde_json::json!({
            "w": { "kind": "VENDOR", "ids": "x", "name": "n" },
            "n": 3, "k": ["CARRIER"], "f": 1, "b": true, "i": 7,
        });
        assert!(accepts(q, vars));
        assert!(accepts(
            q,
            serde_json::json!({ "w": { "name": "n", "ids": null } })
        ));
    }

    #[test]
    fn anything_else_goes_through_full_validation() {
        for vars in [
            serde_json::json!({ "n": "3" }),
            serde_json::json!({ "n": 3_000_000_000_i64 }),
            serde_json::json!({ "n": null }),
            serde_json::json!({ "k": ["NOT_A_KIND"] }),
            serde_json::json!({ "k": [null] }),
            serde_json::json!({ "w": { "name": "n", "other": 1 } }),
            serde_json::json!({ "w": { "kind": "VENDOR" } }),
            serde_json::json!({ "w": "VENDOR" }),
            serde_json::json!({ "p": { "a": 1 } }),
            serde_json::json!({ "i": 1.5 }),
        ] {
            let q = "query($w: Where, $n: Int, $k: [Kind!], $p: Pick, $i: ID) { a }";
            assert!(!accepts(q, vars.clone()), "{vars}");
        }
        assert!(!accepts(
            "query A { a } query B { a }",
            serde_json::json!({})
        ));
    }
}
