//! Query cost: every field costs 1, and what a list field selects costs once per item it may
//! return. How many that is, the data says ([`Sizes`]): the length of the named entity's own
//! row where the query names it (`entity(id: "apple")`), else the data's longest row of that
//! field, and never more than a paged field's `first` (20 when not given). A connection's
//! `edges` and `nodes` are the page already paid for. Introspection is priced the same way
//! against the schema's own size. Lists of scalars cost an item each.
//!
//! This is the rule async-graphql's own complexity check cannot apply through interface
//! fields, so it runs on the parsed document, before execution, against a table of the
//! schema's fields read once from its SDL. It runs outside async-graphql's extension hooks:
//! any extension adds a hook to every field's resolution, which a cheap query pays for
//! dearly.

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, Selection, SelectionSet, ServiceDocument, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};
use rustc_hash::FxHashMap;

use super::{Reason, Refused};

/// Items assumed for a paged field without `first`.
const DEFAULT_FIRST: u64 = 20;
/// Items assumed for a list field that takes no `first` and that [`Sizes`] does not size.
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
    /// How many wrappers (list, non-null) a type reference of the schema has on average,
    /// rounded up: how many `ofType` a field's or an argument's type has before it is `null`.
    wrapping: u64,
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
    /// How many items the list holds whatever the data, in thousandths: introspection's
    /// lists, sized by the schema's averages.
    fixed: Option<u64>,
    /// Its arguments' default values, as the SDL gives them.
    defaults: Vec<(Name, ConstValue)>,
}

/// A field as a query calls it, for [`Sizes`] to size: where it is read, its arguments (with
/// the request's variables and the SDL's defaults), and what the fields above it made known.
pub struct Call<'a> {
    /// The type the field is read on.
    pub on: &'a str,
    /// The field's name.
    pub field: &'a str,
    /// What the selection the field is in was read on.
    pub scope: Scope,
    arguments: &'a [(Positioned<Name>, Positioned<Value>)],
    defaults: &'a [(Name, ConstValue)],
    variables: &'a Variables,
}

impl Call<'_> {
    /// An argument's value, from the query, its variables, or the SDL's default.
    fn argument(&self, name: &str) -> Option<ConstValue> {
        match self.arguments.iter().find(|(n, _)| n.node == name) {
            Some((_, value)) => value
                .node
                .clone()
                .into_const_with(|v| self.variables.get(&v).cloned().ok_or(()))
                .ok(),
            None => self
                .defaults
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone()),
        }
    }

    /// Whether the query gives the argument (its default does not count).
    pub fn has(&self, name: &str) -> bool {
        self.arguments.iter().any(|(n, _)| n.node == name)
    }

    /// A whole-number argument; a negative one is 0.
    pub fn int(&self, name: &str) -> Option<u64> {
        match self.argument(name)? {
            ConstValue::Number(n) => n.as_i64().map(|n| n.max(0) as u64),
            _ => None,
        }
    }

    /// A string, id or enum argument.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.argument(name)? {
            ConstValue::String(s) => Some(s),
            ConstValue::Enum(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// A list of enum (or string) values; one value is a list of one.
    pub fn texts(&self, name: &str) -> Vec<String> {
        let one = |v: ConstValue| match v {
            ConstValue::String(s) => Some(s),
            ConstValue::Enum(e) => Some(e.to_string()),
            _ => None,
        };
        match self.argument(name) {
            Some(ConstValue::List(items)) => items.into_iter().filter_map(one).collect(),
            Some(value) => one(value).into_iter().collect(),
            None => Vec::new(),
        }
    }
}

/// What the fields above a selection made known: the entity it is read on, when the query
/// names it, and a bound on its lists that an argument above set (`neighbourhood(limit:)` on
/// the neighbourhood's nodes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The entity, as [`Sizes`] numbers it.
    pub of: Option<u32>,
    /// A bound on the selection's lists.
    pub bound: Option<u64>,
    /// The selection returns nothing: the entity the query names does not exist.
    pub none: bool,
}

/// What the data says of a query's lists, asked while it is priced.
pub trait Sizes {
    /// The most items the list field `call` returns: for the scope's entity when it is known,
    /// else for any; `None` where the data does not bound it (a paged field then costs its
    /// page, another list a default).
    fn items(&self, call: &Call<'_>) -> Option<u64>;

    /// What the field's own selection is read on: the entity its arguments name, a bound
    /// they set.
    fn scope(&self, call: &Call<'_>) -> Scope;

    /// What the field costs beyond its own point for the work it does before it answers (a
    /// scan of many entities): none unless said.
    fn work(&self, _call: &Call<'_>) -> u64 {
        0
    }
}

/// Sizes for a schema with no data: every list its page or the default.
pub struct NoData;

impl Sizes for NoData {
    fn items(&self, _: &Call<'_>) -> Option<u64> {
        None
    }

    fn scope(&self, _: &Call<'_>) -> Scope {
        Scope::default()
    }
}

impl CostModel {
    /// Reads the fields of a schema from its parsed SDL, and sizes introspection by it.
    pub fn from_sdl(doc: &ServiceDocument) -> Self {
        let introspection = async_graphql::parser::parse_schema(INTROSPECTION)
            .expect("the introspection SDL parses");
        let mut model = CostModel {
            types: FxHashMap::default(),
            wrapping: 0,
        };
        let (mut wrappers_total, mut references) = (0, 0);
        model.read(doc, &mut wrappers_total, &mut references);
        model.read(&introspection, &mut wrappers_total, &mut references);
        model.wrapping = wrappers_total.div_ceil(references.max(1));
        for (on, field, items) in introspection_sizes(&[doc, &introspection]) {
            if let Some(shape) = model.types.get_mut(on).and_then(|t| t.get_mut(field)) {
                shape.fixed = Some(items);
            }
        }
        let query = model.types.entry("Query".to_owned()).or_default();
        for (name, returns) in [("__schema", "__Schema"), ("__type", "__Type")] {
            let shape = FieldShape {
                own: 1,
                returns: returns.to_owned(),
                list: false,
                paged: false,
                fixed: None,
                defaults: Vec::new(),
            };
            query.insert(name.to_owned(), shape);
        }
        model
    }

    /// Reads the fields of each object and interface type, counting their type references and
    /// the wrappers around them.
    fn read(&mut self, doc: &ServiceDocument, wrappers_total: &mut u64, references: &mut u64) {
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
                    let arguments = f.arguments.iter().map(|a| &a.node.ty.node);
                    for ty in arguments.chain([&f.ty.node]) {
                        *wrappers_total += wrappers(ty);
                        *references += 1;
                    }
                    let shape = FieldShape {
                        own: 1,
                        returns: named(&f.ty.node).to_owned(),
                        list: matches!(f.ty.node.base, BaseType::List(_)),
                        paged: f.arguments.iter().any(|a| a.node.name.node == "first"),
                        fixed: None,
                        defaults: f
                            .arguments
                            .iter()
                            .filter_map(|a| {
                                let value = a.node.default_value.as_ref()?.node.clone();
                                Some((a.node.name.node.clone(), value))
                            })
                            .collect(),
                    };
                    (f.name.node.to_string(), shape)
                })
                .collect();
            self.types.insert(ty.node.name.node.to_string(), shapes);
        }
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

    /// The cost of a document (of its costliest operation), with its lists sized by `sizes`,
    /// or its refusal when that passes `limit`. Every operation in the document is costed,
    /// selected or not.
    pub fn check(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
        sizes: &dyn Sizes,
        limit: u64,
        max_depth: usize,
    ) -> Result<u64, Refused> {
        let costing = self.measure(doc, variables, sizes, limit, max_depth);
        tracing::trace!(steps = costing.steps, "query costed");
        costing.outcome
    }

    /// Costs a document, with how many selections the walk visited.
    ///
    /// Fragments are refused if they spread themselves or nest too deep, before anything walks
    /// them. Then a fragment is costed once for each scope it is spread in (its cost depends
    /// only on its own selections, its type condition and the scope) and remembered. Every
    /// field walked adds at least 1 to the cost, so the walk stops, within the limit's number
    /// of steps, as soon as an operation's running cost passes the limit.
    pub(crate) fn measure(
        &self,
        doc: &ExecutableDocument,
        variables: &Variables,
        sizes: &dyn Sizes,
        limit: u64,
        max_depth: usize,
    ) -> Costing {
        let mut coster = Coster {
            model: self,
            doc,
            variables,
            sizes,
            limit,
            fragments: FxHashMap::default(),
            steps: 0,
        };
        let outcome = check_fragments(doc).and_then(|()| {
            let mut highest = 0;
            for (_, op) in doc.operations.iter() {
                let root = match op.node.ty {
                    async_graphql::parser::types::OperationType::Query => "Query",
                    async_graphql::parser::types::OperationType::Mutation => "Mutation",
                    async_graphql::parser::types::OperationType::Subscription => "Subscription",
                };
                let walked =
                    coster.selection_set(&op.node.selection_set.node, root, Scope::default());
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

/// Checks the document's fragments before anything walks them: a fragment that spreads
/// itself, directly or not, is `GRAPHQL_VALIDATION_FAILED`; nesting deeper than
/// [`MAX_FRAGMENT_NESTING`] is `LIMIT_EXCEEDED`. Spreads of unknown fragments are left to
/// validation. The search keeps its own stack, so a long chain cannot overflow the thread's.
fn check_fragments(doc: &ExecutableDocument) -> Result<(), Refused> {
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
    Ok(())
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

/// How many wrappers a type reference has: `[Relation!]!` has 3.
fn wrappers(ty: &Type) -> u64 {
    u64::from(!ty.nullable)
        + match &ty.base {
            BaseType::Named(_) => 0,
            BaseType::List(inner) => 1 + wrappers(inner),
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
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    sizes: &'a dyn Sizes,
    limit: u64,
    /// What each named fragment's walk found in each scope, computed once.
    fragments: FxHashMap<(&'a Name, Scope), Walked>,
    steps: u64,
}

impl<'a> Coster<'a> {
    /// Walks a selection set on `type_name`, stopping as soon as its cost passes the limit.
    fn selection_set(&mut self, set: &'a SelectionSet, type_name: &str, scope: Scope) -> Walked {
        let mut total: u64 = 0;
        let (mut depth, mut nesting) = (0, 0);
        for selection in &set.items {
            self.steps += 1;
            let walked = match &selection.node {
                Selection::Field(field) => self.field(&field.node, type_name, scope),
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, scope)
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |c| c.node.on.node.as_str());
                    self.selection_set(&inline.node.selection_set.node, on, scope)
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

    /// A named fragment spread in `scope`: walked once per scope, then remembered.
    fn fragment(&mut self, name: &'a Name, scope: Scope) -> Walked {
        if let Some(walked) = self.fragments.get(&(name, scope)) {
            return *walked;
        }
        // An unknown fragment: validation refuses it.
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Walked::NOTHING;
        };
        let fragment = &fragment.node;
        let on = fragment.type_condition.node.on.node.as_str();
        let walked = self.selection_set(&fragment.selection_set.node, on, scope);
        self.fragments.insert((name, scope), walked);
        walked
    }

    fn field(&mut self, field: &'a Field, type_name: &str, scope: Scope) -> Walked {
        let model = self.model;
        let name = field.name.node.as_str();
        let shape = model.types.get(type_name).and_then(|t| t.get(name));
        let leaf = field.selection_set.node.items.is_empty();
        let call = Call {
            on: type_name,
            field: name,
            scope,
            arguments: &field.arguments,
            defaults: shape.map_or(&[], |s| s.defaults.as_slice()),
            variables: self.variables,
        };
        // A type reference's `ofType` is `null` past its wrappers: a field's or an argument's
        // type has the schema's average, a named type (`types`, `__type`…) none.
        let of_type = (type_name, name) == ("__Type", "ofType");
        let wrapping_left = scope.bound.unwrap_or(0);
        let inner_scope = match shape {
            _ if leaf => None,
            None => Some(Scope::default()),
            Some(_) if of_type => Some(Scope {
                bound: Some(wrapping_left.saturating_sub(1)),
                ..Scope::default()
            }),
            Some(shape) if shape.returns == "__Type" => Some(Scope {
                bound: Some(if name == "type" { model.wrapping } else { 0 }),
                ..Scope::default()
            }),
            Some(_) => Some(self.sizes.scope(&call)),
        };
        let inner = match (shape, inner_scope) {
            (_, None) => Walked::NOTHING,
            (Some(shape), Some(inner_scope)) => {
                self.selection_set(&field.selection_set.node, &shape.returns, inner_scope)
            }
            // An unknown field (validation judges it): walked for its depth.
            (None, Some(inner_scope)) => {
                self.selection_set(&field.selection_set.node, "", inner_scope)
            }
        };
        let (depth, nesting) = (inner.depth + 1, inner.nesting);
        let nothing = !leaf && inner_scope.is_some_and(|s| s.none);
        let cost = match shape {
            // `__typename`.
            None if name.starts_with("__") => Cost::Within(1),
            Some(shape) if nothing => Cost::Within(shape.own),
            Some(_) if of_type && wrapping_left == 0 => Cost::Within(1),
            None => inner.cost.map(|c| c.saturating_add(1)),
            Some(shape) => {
                if let Some(thousandths) = shape.fixed {
                    // Introspection reads the schema, never the data.
                    let each = if leaf { Cost::Within(1) } else { inner.cost };
                    let cost = each.map(|c| {
                        let items = thousandths.saturating_mul(c).div_ceil(1000);
                        shape.own.saturating_add(items)
                    });
                    return Walked {
                        cost,
                        depth,
                        nesting,
                    };
                }
                let items = if shape.paged {
                    let first = call.int("first").unwrap_or(DEFAULT_FIRST);
                    self.sizes
                        .items(&call)
                        .map_or(first, |rows| rows.min(first))
                } else if shape.list && !type_name.ends_with("Connection") {
                    // A connection's `edges` and `nodes` are the page its field paid for.
                    self.sizes.items(&call).unwrap_or(DEFAULT_LIST)
                } else {
                    1
                };
                // A list of scalars pays for each item.
                let each = if leaf && shape.list {
                    Cost::Within(1)
                } else {
                    inner.cost
                };
                // A page of none still pays for one item, so that what it selects is bounded.
                each.map(|c| shape.own.saturating_add(items.max(1).saturating_mul(c)))
            }
        };
        Walked {
            cost,
            depth,
            nesting,
        }
    }
}

/// The introspection types, as the GraphQL specification defines them, priced as any other.
const INTROSPECTION: &str = "
type __Schema { description: String types: [__Type!]! queryType: __Type! mutationType: __Type
  subscriptionType: __Type directives: [__Directive!]! }
type __Type { kind: __TypeKind! name: String description: String specifiedByURL: String
  fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!]
  possibleTypes: [__Type!] enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields(includeDeprecated: Boolean = false): [__InputValue!] ofType: __Type
  isOneOf: Boolean }
type __Field { name: String! description: String
  args(includeDeprecated: Boolean = false): [__InputValue!]! type: __Type!
  isDeprecated: Boolean! deprecationReason: String }
type __InputValue { name: String! description: String type: __Type! defaultValue: String
  isDeprecated: Boolean! deprecationReason: String }
type __EnumValue { name: String! description: String isDeprecated: Boolean!
  deprecationReason: String }
type __Directive { name: String! description: String locations: [__DirectiveLocation!]!
  args(includeDeprecated: Boolean = false): [__InputValue!]! isRepeatable: Boolean! }
";

/// Scalars every schema has, which its SDL leaves out.
const BUILT_IN_SCALARS: u64 = 5;
/// Directives every schema has (`include`, `skip`, `deprecated`, `specifiedBy`, `oneOf`).
const BUILT_IN_DIRECTIVES: u64 = 5;

/// The length of each introspection list, in thousandths, from the schema's own size. A list
/// below a type's (its fields, their arguments) holds the average of its kind, so a query
/// reading them all (`__schema { types { fields { args { name } } } }`) is priced at what it
/// reads in all.
fn introspection_sizes(docs: &[&ServiceDocument]) -> Vec<(&'static str, &'static str, u64)> {
    let (mut types, mut directives) = (BUILT_IN_SCALARS + 2, BUILT_IN_DIRECTIVES);
    let (mut fields, mut args, mut interfaces, mut possible, mut values, mut inputs) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    for definition in docs.iter().flat_map(|d| &d.definitions) {
        match definition {
            TypeSystemDefinition::Type(ty) => {
                types += 1;
                let (own, implements) = match &ty.node.kind {
                    TypeKind::Object(o) => (&o.fields, o.implements.len()),
                    TypeKind::Interface(i) => (&i.fields, i.implements.len()),
                    TypeKind::Enum(e) => {
                        values += e.values.len() as u64;
                        continue;
                    }
                    TypeKind::InputObject(i) => {
                        inputs += i.fields.len() as u64;
                        continue;
                    }
                    TypeKind::Union(u) => {
                        possible += u.members.len() as u64;
                        continue;
                    }
                    TypeKind::Scalar => continue,
                };
                // Each `implements` is one entry in the type's interfaces and one in the
                // interface's possible types.
                interfaces += implements as u64;
                possible += implements as u64;
                fields += own.len() as u64;
                args += own
                    .iter()
                    .map(|f| f.node.arguments.len() as u64)
                    .sum::<u64>();
            }
            TypeSystemDefinition::Directive(_) => directives += 1,
            TypeSystemDefinition::Schema(_) => {}
        }
    }
    let per = |total: u64, of: u64| (total * 1000).div_ceil(of.max(1));
    vec![
        ("__Schema", "types", types * 1000),
        ("__Schema", "directives", directives * 1000),
        ("__Type", "fields", per(fields, types)),
        ("__Type", "interfaces", per(interfaces, types)),
        ("__Type", "possibleTypes", per(possible, types)),
        ("__Type", "enumValues", per(values, types)),
        ("__Type", "inputFields", per(inputs, types)),
        ("__Field", "args", per(args, fields)),
        ("__Directive", "args", 2000),
    ]
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
        model().measure(&doc, &Variables::default(), &NoData, limit, 16)
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
                .measure(
                    &doc,
                    &Variables::default(),
                    &NoData,
                    u64::MAX / 4,
                    max_depth,
                )
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
