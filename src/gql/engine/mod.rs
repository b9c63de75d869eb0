//! The devices that make answers cheaper by relying on async-graphql's internals, in one place,
//! behind a switch ([`Engine`]) that runs stock async-graphql instead.
//!
//! The fast engine adds, on top of what stock async-graphql does:
//! - in-place resolution (`list`): list items and the fields of our objects resolve one after
//!   another, without a boxed future per field and a task per list item;
//! - the validation shortcut (`inputs`): a text that passed full validation once is validated
//!   again only in what depends on the request, its variables;
//! - request-local counts: each request gets its own handle on the data and its own copy of
//!   the cached document's response keys, so the threads answering requests do not count the
//!   same references.
//!
//! Invariant: both engines give byte-identical response bodies, errors included. The
//! integration tests send every analyst question and every HTTP test's request to both and
//! compare the bodies.
//!
//! async-graphql is pinned exactly (`Cargo.toml`). On upgrade, check what these devices copy:
//! - `list::answer` and `list::merge`: how `resolver_utils::resolve_container` collects fields
//!   (fragments, `@skip`/`@include`, merged response keys, a field error leaving the key out);
//! - `list::selected`: that `ContextSelectionSet`, `ContainerType::resolve_field` and the
//!   registry's `implements` keep their shape;
//! - `inputs`: that `ValidationMode::Fast` still checks variables only, and which values it
//!   coerces;
//! - then run the tests: the two engines must still agree byte for byte.

mod inputs;
pub(crate) mod list;

use std::str::FromStr;
use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet, ServiceDocument,
};
use async_graphql::{Name, Request};

use super::{Data, PhoneSchema, Store};

/// How queries run: as stock async-graphql runs them, or with the devices of this module.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// async-graphql's own execution and validation.
    Stock,
    /// The devices of `gql::engine`, with the same answers.
    #[default]
    Fast,
}

impl Engine {
    /// The engine's name, as `--engine` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Stock => "stock",
            Engine::Fast => "fast",
        }
    }
}

impl FromStr for Engine {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "stock" => Ok(Engine::Stock),
            "fast" => Ok(Engine::Fast),
            other => Err(format!("`{other}` is not an engine: use stock or fast")),
        }
    }
}

/// Marks a request run by the fast engine: the `list` types resolve in place when they find
/// it, and as stock async-graphql otherwise.
pub(crate) struct InPlace;

/// Whether the request being resolved runs on the fast engine.
pub(crate) fn in_place<T>(ctx: &async_graphql::context::ContextBase<'_, T>) -> bool {
    ctx.data_opt::<InPlace>().is_some()
}

/// What the fast engine keeps beside the schema: the same schema validating only what depends
/// on the request, and the input types its variables are checked against.
pub(super) struct Fast {
    prevalidated: PhoneSchema,
    inputs: inputs::InputTypes,
}

impl Fast {
    /// `prevalidated` is the app's schema built with `ValidationMode::Fast`; `sdl` its SDL.
    pub(super) fn new(prevalidated: PhoneSchema, sdl: &ServiceDocument) -> Self {
        Fast {
            prevalidated,
            inputs: inputs::InputTypes::from_sdl(sdl),
        }
    }

    /// Readies a request for a parsed document: picks the schema to run it on (`full`, unless
    /// the text passed full validation before and the request's variables are all of their
    /// declared types) and gives it its own handle on the data and its own response keys.
    pub(super) fn ready<'s>(
        &'s self,
        full: &'s PhoneSchema,
        data: &Arc<Data>,
        document: &ExecutableDocument,
        validated: bool,
        mut request: Request,
    ) -> (&'s PhoneSchema, Request) {
        let known = validated
            && self.inputs.accepts(
                document,
                request.operation_name.as_deref(),
                &request.variables,
            );
        let mut document = document.clone();
        own_keys(&mut document);
        request.set_parsed_query(document);
        let request = request.data::<Store>(Arc::new(data.clone())).data(InPlace);
        (if known { &self.prevalidated } else { full }, request)
    }
}

/// Gives a request's copy of a cached document response keys of its own.
///
/// Every object of an answer is keyed by its fields' names, each a counted reference to the
/// name in the document. Every request with the same text shares the cached document's names,
/// so the two threads answering requests would count every key of every answer on the same
/// few cache lines and pass them back and forth.
fn own_keys(document: &mut ExecutableDocument) {
    fn renew(name: &mut Name) {
        *name = Name::new(name.as_str());
    }
    fn walk(set: &mut SelectionSet) {
        for selection in &mut set.items {
            match &mut selection.node {
                Selection::Field(field) => {
                    let field = &mut field.node;
                    renew(&mut field.name.node);
                    if let Some(alias) = &mut field.alias {
                        renew(&mut alias.node);
                    }
                    walk(&mut field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => walk(&mut fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    match &mut document.operations {
        DocumentOperations::Single(operation) => walk(&mut operation.node.selection_set.node),
        DocumentOperations::Multiple(operations) => operations
            .values_mut()
            .for_each(|operation| walk(&mut operation.node.selection_set.node)),
    }
    for fragment in document.fragments.values_mut() {
        walk(&mut fragment.node.selection_set.node);
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    /// Every response key of a document's fields, with where its text lives.
    fn keys(document: &ExecutableDocument) -> Vec<(String, usize)> {
        fn walk(set: &SelectionSet, out: &mut Vec<(String, usize)>) {
            for selection in &set.items {
                match &selection.node {
                    Selection::Field(field) => {
                        let key = field.node.response_key().node.as_str();
                        out.push((key.to_owned(), key.as_ptr() as usize));
                        walk(&field.node.selection_set.node, out);
                    }
                    Selection::InlineFragment(fragment) => {
                        walk(&fragment.node.selection_set.node, out)
                    }
                    Selection::FragmentSpread(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        let mut operations: Vec<_> = document.operations.iter().collect();
        operations.sort_by_key(|(name, _)| name.map(|n| n.as_str().to_owned()));
        for (_, operation) in operations {
            walk(&operation.node.selection_set.node, &mut out);
        }
        let mut fragments: Vec<_> = document.fragments.iter().collect();
        fragments.sort_by_key(|(name, _)| name.as_str().to_owned());
        for (_, fragment) in fragments {
            walk(&fragment.node.selection_set.node, &mut out);
        }
        out
    }

    #[test]
    fn a_request_gets_response_keys_of_its_own() {
        let cached = parse_query(
            "query A { entity(id: \"x\") { id ... on Vendor { n: name } ...F } } \
             query B { stats { entities } } fragment F on Entity { kind }",
        )
        .unwrap();
        let mut copy = cached.clone();
        own_keys(&mut copy);
        let (before, after) = (keys(&cached), keys(&copy));
        let names = |k: &[(String, usize)]| k.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&after),
            ["entity", "id", "n", "stats", "entities", "kind"]
        );
        assert_eq!(names(&after), names(&before));
        for ((name, at), (_, was)) in after.iter().zip(&before) {
            assert_ne!(at, was, "`{name}` still shares the cached document's text");
        }
    }

    #[test]
    fn an_engine_is_named_as_the_flag_takes_it() {
        for engine in [Engine::Stock, Engine::Fast] {
            assert_eq!(engine.as_str().parse::<Engine>(), Ok(engine));
        }
        assert_eq!(
            "turbo".parse::<Engine>(),
            Err("`turbo` is not an engine: use stock or fast".to_owned())
        );
    }
}
