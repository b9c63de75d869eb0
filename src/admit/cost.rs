//! Query cost: every field costs 1, and what a list field selects costs once per item it may
//! return, its `first` argument (20 when not given) or 10 for lists without one; a
//! connection's `edges` and `nodes` are the page already paid for, and introspection costs 1.
//! This is the rule async-graphql's own complexity check cannot apply through interface
//! fields, so it runs on the parsed document, before execution, against a table of the
//! schema's fields read once from its SDL. It runs outside async-graphql's extension hooks:
//! any extension adds a hook to every field's resolution, which a cheap query pays for
//! dearly.

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, Selection, SelectionSet, ServiceDocument, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, Variables};
use async_graphql_value::{ConstValue, Value};
use rustc_hash::FxHashMap;

use super::{Reason, Refused};

/// Items assumed for a paged field without `first`.
const DEFAULT_FIRST: u64 = 20;
/// Items assumed for a list field that takes no `first`.
const DEFAULT_LIST: u64 = 10;
/// Named fragments nested (one spreading the next) beyond this are refused: a real query
/// nests a few, and the walks over the document recurse once per level.
pub(crate) const MAX_FRAGMENT_NESTING: usize = 32;
/// Selection sets (fields' and fragments') nested beyond this are refused. async-graphql
/// refuses beyond one more, with a message of its own; this check runs first.
pub(crate) const MAX_NESTING: usize = 32;

/// What costing needs to know of each field of each object and interface type.
///
/// The maps hold the schema's names only, fixed at start-up, so a fast unkeyed hash is safe:
/// a request can look names up but never add any.
#[derive(Debug, Default)]
pub struct CostModel {
    types: FxHashMap<String, FxHashMap<String, FieldShape>>,
}

#[derive(Debug)]
struct FieldShape {
    /// What the field costs itself, before what it selects: 1, or more for a field that
    /// computes (see [`CostModel::weigh`]).
    own: u64,
    /// The named type it returns.
    returns: String,
    /// Whether it returns a list.
    list: bool,
    /// Whether it takes a `first` argument.
    paged: bool,
}

impl CostModel {
    /// Reads the fields of a schema from its parsed SDL.
    pub fn from_sdl(doc: &ServiceDocument) -> Self {
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
                        own: 1,
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

    /// Prices a field of `type_name` at `own` before what it selects, for a field whose
    /// answer takes work beyond reading the data (an analytics computation). A field the
    /// schema does not have is left alone.
    pub fn weigh(mut self, type_name: &str, field: &str, own: u64) -> Self {
        if let Some(shape) = self
            .types
            .get_mut(type_name)
            .and_then(|fields| fields.get_mut(field))
        {
            shape.own = own.max(1);
        }
        self
    }

    /// The cost of a document (of its costliest operation), or its refusal when that passes
    /// `limit`. Every operation in the document is costed, selected or not.
    pub fn check(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
        limit: u64,
        max_depth: usize,
    ) -> Result<u64, Refused> {
        let costing = self.measure(doc, variables, limit, max_depth);
        tracing::trace!(steps = costing.steps, "query costed");
        costing.outcome
    }

    /// Costs a document, with how many selections the walk visited.
    ///
    /// The walk is linear in the document: fragments are refused if they spread themselves or
    /// nest too deep, before anything walks them, and then each fragment is costed once (its
    /// cost depends only on its own selections and type condition) and remembered. It stops as
    /// soon as an operation's running cost passes the limit.
    pub(crate) fn measure(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
        limit: u64,
        max_depth: usize,
    ) -> Costing {
        let mut coster = Coster {
            model: self,
            variables,
            limit,
            fragments: FxHashMap::default(),
            steps: 0,
        };
        let outcome = fragment_order(doc).and_then(|order| {
            for name in order {
                let fragment = &doc.fragments[&name].node;
                let cost = coster.selection_set(
                    &fragment.selection_set.node,
                    fragment.type_condition.node.on.node.as_str(),
                );
                coster.fragments.insert(name, cost);
            }
            let mut highest = 0;
            for (_, op) in doc.operations.iter() {
                let walked = coster.selection_set(&op.node.selection_set.node, "Query");
                if let Cost::Within(cost) = walked.cost {
                    highest = highest.max(cost);
                }
                let message = if let Cost::Over(at_least) = walked.cost {
                    format!("Query is too complex: it costs at least {at_least}, the limit is {limit}.")
                } else if walked.depth > max_depth {
                    format!(
                        "Query is nested too deep: its fields nest {} deep, the limit is {max_depth}.",
                        walked.depth
                    )
                } else if walked.nesting > MAX_NESTING {
                    format!(
                        "Query is nested too deep: its selections nest {} deep, fragments included, the limit is {MAX_NESTING}.",
                        walked.nesting
                    )
                } else {
                    continue;
                };
                return Err(Refused::new(Reason::LimitExceeded, message, Some(op.pos)));
            }
            Ok(highest)
        });
        Costing {
            outcome,
            steps: coster.steps,
        }
    }
}

/// What costing a document found, and how many selections it visited to find it.
pub(crate) struct Costing {
    /// The cost of the costliest operation; refused past the limit, or for fragments that
    /// spread themselves or nest too deep.
    pub(crate) outcome: Result<u64, Refused>,
    /// How many selections the walk visited.
    pub(crate) steps: u64,
}

/// The document's fragments in an order where each comes after every fragment it spreads, so
/// costing them in that order finds every spread already costed. A fragment that spreads
/// itself, directly or not, is `GRAPHQL_VALIDATION_FAILED`; nesting deeper than
/// [`MAX_FRAGMENT_NESTING`] is `LIMIT_EXCEEDED`. Spreads of unknown fragments are left to
/// validation. The search keeps its own stack, so a long chain cannot overflow the thread's.
fn fragment_order(doc: &ExecutableDocument) -> Result<Vec<Name>, Refused> {
    let spreads: FxHashMap<&Name, Vec<&Name>> = doc
        .fragments
        .iter()
        .map(|(name, fragment)| {
            let mut out = Vec::new();
            spreads_in(&fragment.node.selection_set.node, &mut out);
            out.retain(|spread| doc.fragments.contains_key(*spread));
            (name, out)
        })
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: FxHashMap<&Name, Mark> = FxHashMap::default();
    let mut order = Vec::with_capacity(doc.fragments.len());
    let mut roots: Vec<&Name> = doc.fragments.keys().collect();
    roots.sort();
    for root in roots {
        if marks.contains_key(root) {
            continue;
        }
        // Each frame: a fragment and how many of its spreads have been followed.
        let mut stack: Vec<(&Name, usize)> = vec![(root, 0)];
        marks.insert(root, Mark::Open);
        while let Some(&mut (name, ref mut next)) = stack.last_mut() {
            let Some(&spread) = spreads[name].get(*next) else {
                marks.insert(name, Mark::Done);
                order.push(name.clone());
                stack.pop();
                continue;
            };
            *next += 1;
            match marks.get(spread) {
                Some(Mark::Done) => {}
                Some(Mark::Open) => {
                    let from = stack.iter().position(|(n, _)| *n == spread).unwrap_or(0);
                    let cycle: Vec<&str> = stack[from..]
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .chain([spread.as_str()])
                        .collect();
                    let pos = doc.fragments[spread].pos;
                    let message =
                        format!("fragment `{spread}` spreads itself: {}", cycle.join(" → "));
                    return Err(Refused::new(Reason::ValidationFailed, message, Some(pos)));
                }
                None => {
                    if stack.len() >= MAX_FRAGMENT_NESTING {
                        let message = format!(
                            "fragments nest more than {MAX_FRAGMENT_NESTING} deep (`{root}` spreads a fragment that spreads another, and so on)"
                        );
                        let pos = doc.fragments[root].pos;
                        return Err(Refused::new(Reason::LimitExceeded, message, Some(pos)));
                    }
                    marks.insert(spread, Mark::Open);
                    stack.push((spread, 0));
                }
            }
        }
    }
    Ok(order)
}

/// The names of the fragments a selection set spreads, its inline fragments included.
fn spreads_in<'a>(set: &'a SelectionSet, out: &mut Vec<&'a Name>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set.node, out),
            Selection::FragmentSpread(spread) => out.push(&spread.node.fragment_name.node),
            Selection::InlineFragment(inline) => spreads_in(&inline.node.selection_set.node, out),
        }
    }
}

/// The named type inside a type reference: `[Relation!]!` → `Relation`.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// A cost so far: within the limit, or past it (with what was counted when it passed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cost {
    Within(u64),
    Over(u64),
}

impl Cost {
    fn map(self, f: impl Fn(u64) -> u64) -> Cost {
        match self {
            Cost::Within(c) => Cost::Within(f(c)),
            Cost::Over(c) => Cost::Over(f(c)),
        }
    }
}

/// What a walk found of a selection set: its cost, how deep its fields nest (a field with
/// no selection is 1 deep), and how deep its selection sets nest, fragments included.
#[derive(Clone, Copy, Debug)]
struct Walked {
    cost: Cost,
    depth: usize,
    nesting: usize,
}

impl Walked {
    const NOTHING: Walked = Walked {
        cost: Cost::Within(0),
        depth: 0,
        nesting: 0,
    };
}

struct Coster<'a> {
    model: &'a CostModel,
    variables: &'a Variables,
    limit: u64,
    /// What each named fragment's walk found, computed once.
    fragments: FxHashMap<Name, Walked>,
    steps: u64,
}

impl Coster<'_> {
    /// Walks a selection set on `type_name`, stopping as soon as its cost passes the limit.
    fn selection_set(&mut self, set: &SelectionSet, type_name: &str) -> Walked {
        let mut total: u64 = 0;
        let (mut depth, mut nesting) = (0, 0);
        for selection in &set.items {
            self.steps += 1;
            let walked = match &selection.node {
                Selection::Field(field) => self.field(&field.node, type_name),
                Selection::FragmentSpread(spread) => self
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .copied()
                    // An unknown fragment: validation refuses it.
                    .unwrap_or(Walked::NOTHING),
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |c| c.node.on.node.as_str());
                    self.selection_set(&inline.node.selection_set.node, on)
                }
            };
            depth = depth.max(walked.depth);
            nesting = nesting.max(walked.nesting);
            let cost = match walked.cost {
                Cost::Within(c) => match total.saturating_add(c) {
                    t if t > self.limit => Cost::Over(t),
                    t => Cost::Within(t),
                },
                Cost::Over(c) => Cost::Over(total.saturating_add(c)),
            };
            match cost {
                Cost::Within(t) => total = t,
                over => {
                    return Walked {
                        cost: over,
                        depth,
                        nesting: nesting + 1,
                    };
                }
            }
        }
        Walked {
            cost: Cost::Within(total),
            depth,
            nesting: nesting + 1,
        }
    }

    fn field(&mut self, field: &Field, type_name: &str) -> Walked {
        let model = self.model;
        let shape = model
            .types
            .get(type_name)
            .and_then(|t| t.get(field.name.node.as_str()));
        let leaf = field.selection_set.node.items.is_empty();
        let inner = match shape {
            _ if leaf => Walked::NOTHING,
            Some(shape) => self.selection_set(&field.selection_set.node, &shape.returns),
            // Introspection, or an unknown field (validation judges it): walked for its depth.
            None => self.selection_set(&field.selection_set.node, ""),
        };
        let (depth, nesting) = (inner.depth + 1, inner.nesting);
        let cost = match shape {
            // Introspection is bounded by the schema's size, not by the data.
            None if field.name.node.starts_with("__") => Cost::Within(1),
            None => inner.cost.map(|c| c.saturating_add(1)),
            Some(shape) => {
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
                // A page of none still pays for one item, so that what it selects is bounded.
                inner
                    .cost
                    .map(|c| shape.own.saturating_add(items.max(1).saturating_mul(c)))
            }
        };
        Walked {
            cost,
            depth,
            nesting,
        }
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

#[cfg(test)]
mod tests {
    use async_graphql::parser::{parse_query, parse_schema};

    use super::*;

    /// The cost table of phonegraph's schema, as committed (a test holds the file to the
    /// code's SDL).
    fn model() -> CostModel {
        let sdl = parse_schema(include_str!("../../schema/schema.graphql")).unwrap();
        CostModel::from_sdl(&sdl)
    }

    fn measure(query: &str, limit: u64) -> Costing {
        let doc = parse_query(query).unwrap();
        model().measure(&doc, &Variables::default(), limit, 16)
    }

    fn message(costing: &Costing) -> String {
        costing.outcome.as_ref().unwrap_err().message.clone()
    }

    /// A chain of `depth` fragments, each spreading the next twice: 2^depth selections if
    /// each spread were walked again.
    fn doubling_chain(depth: usize) -> String {
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..depth {
            query += &format!("fragment F{i} on Query {{ ...F{n} ...F{n} }}\n", n = i + 1);
        }
        query + &format!("fragment F{depth} on Query {{ stats {{ entities }} }}\n")
    }

    #[test]
    fn the_walk_is_linear_in_the_document_however_fragments_are_spread() {
        for depth in [4, 16, 29] {
            let query = doubling_chain(depth);
            let costing = measure(&query, u64::MAX / 4);
            // Each selection of the document is visited once.
            let selections = query.matches("...").count() + 2;
            assert_eq!(costing.steps, selections as u64, "depth {depth}");
            assert!(costing.outcome.is_ok());
        }
        // The cost itself still counts every time a fragment is spread.
        let costing = measure(&doubling_chain(10), 1 << 20);
        assert!(costing.outcome.is_ok());
        let costing = measure(&doubling_chain(10), 1 << 10);
        assert_eq!(
            message(&costing),
            "Query is too complex: it costs at least 2048, the limit is 1024."
        );
    }

    #[test]
    fn the_walk_stops_once_past_the_limit() {
        let fields = "stats { entities } ".repeat(1000);
        let costing = measure(&format!("{{ {fields} }}"), 10);
        assert_eq!(
            message(&costing),
            "Query is too complex: it costs at least 12, the limit is 10."
        );
        assert!(costing.steps < 20, "{} steps", costing.steps);
    }

    #[test]
    fn a_fragment_cycle_is_refused_before_it_is_walked() {
        let costing = measure(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { stats { entities } ...A }",
            1000,
        );
        assert_eq!(message(&costing), "fragment `A` spreads itself: A → B → A");
        assert_eq!(
            costing.outcome.unwrap_err().reason,
            Reason::ValidationFailed
        );
        assert_eq!(costing.steps, 0);
    }

    #[test]
    fn fragments_nested_too_deep_are_refused() {
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..40 {
            query += &format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1);
        }
        query += "fragment F40 on Query { stats { entities } }";
        let costing = measure(&query, 1000);
        assert_eq!(
            message(&costing),
            "fragments nest more than 32 deep (`F0` spreads a fragment that spreads another, and so on)"
        );
    }

    /// Depth counts fields, as async-graphql's own depth limit does (through fragments, which
    /// add no depth of their own); nesting counts every selection set, fragments included.
    #[test]
    fn depth_counts_fields_and_nesting_counts_every_selection_set() {
        let deep = |query: &str, max_depth| {
            let doc = parse_query(query).unwrap();
            model()
                .measure(&doc, &Variables::default(), u64::MAX / 4, max_depth)
                .outcome
                .err()
                .map(|e| e.message)
        };
        let query = "{ entity(id: \"x\") { ...F ... on Vendor { products { other { id } } } } }
                     fragment F on Entity { relations { nodes { other { id } } } }";
        // entity → relations → nodes → other → id: 5 fields.
        assert_eq!(deep(query, 5), None);
        assert_eq!(
            deep(query, 4).as_deref(),
            Some("Query is nested too deep: its fields nest 5 deep, the limit is 4.")
        );
        let nested = format!(
            "{{ {}stats {{ entities }}{} }}",
            "... on Query { ".repeat(40),
            " }".repeat(40)
        );
        assert_eq!(
            deep(&nested, 16).as_deref(),
            Some(
                "Query is nested too deep: its selections nest 42 deep, fragments included, the limit is 32."
            )
        );
    }

    #[test]
    fn a_page_of_none_still_pays_for_what_it_selects() {
        let costing = measure(
            "{ entities(first: 0) { nodes { relations(first: 100) { nodes { id } } } } }",
            100,
        );
        assert!(costing.outcome.is_err());
    }
}
