//! Output values that resolve one thing after another: `List`, whose items resolve in a loop,
//! `Objects`, whose items' fields resolve in place, `One`, a single object resolved the same
//! way, and `object`, which resolves one object so. Under the stock engine each resolves as
//! async-graphql resolves a `Vec<T>` or a `T`.

use std::borrow::Cow;
use std::ops::Deref;

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ServerError, ServerResult, Value,
};

use super::in_place;

/// Counts a list's items against the request's budget: past it, the request stops (and
/// answers a request error, see `AppState::execute`).
fn count(
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
    items: usize,
) -> ServerResult<()> {
    crate::gql::budget(ctx).items(items as u64).map_err(|e| {
        ctx.set_error_path(crate::gql::error::graph_error(e).into_server_error(field.pos))
    })
}

/// A list of `T`, seen by the schema exactly as `Vec<T>` (`[T!]!`), whose items are resolved
/// in a loop.
///
/// async-graphql resolves a `Vec<T>`'s items concurrently: above 30 items each becomes a task
/// of a `FuturesOrdered`, with its own allocation, waker and poll. Nothing below the root
/// awaits anything (see `Query`), so that concurrency buys nothing, and for a 500-node
/// neighbourhood it was the largest single cost. The schema installs no extension; one that
/// hooks `resolve` would not see these items one by one.
#[derive(Clone, Debug)]
pub struct List<T>(pub Vec<T>);

impl<T> Deref for List<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        List(iter.into_iter().collect())
    }
}

impl<T: OutputType> OutputType for List<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T>>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T>>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T>>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        count(ctx, field, self.0.len())?;
        if !in_place(ctx) {
            return self.0.as_slice().resolve(ctx, field).await;
        }
        // Boxed once per list, as `Objects` does (see there).
        Box::pin(Self::resolve_items(&self.0, ctx, field)).await
    }
}

impl<T: OutputType> List<T> {
    async fn resolve_items(
        items: &[T],
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let mut values = Vec::with_capacity(items.len());
        for (idx, item) in items.iter().enumerate() {
            let ctx_idx = ctx.with_index(idx);
            let value = item
                .resolve(&ctx_idx, field)
                .await
                .map_err(|err| ctx_idx.set_error_path(err))?;
            values.push(value);
        }
        Ok(Value::List(values))
    }
}

/// A list of objects `T`, seen by the schema exactly as `Vec<T>` (`[T!]!`), whose items have
/// their selected fields resolved one after another straight into their answers.
///
/// `#[Object]`'s own resolution, even `serial`, makes a boxed future of every selected field of
/// every item and then awaits them in turn: for a 500-node neighbourhood asking a field or two
/// of each node, that machinery cost more than reading the graph. Here the selection set
/// (fragments included) is walked once for the whole list, then each item's fields are
/// awaited in place, with the same results: a failing field is reported at its path and left
/// out, a response key selected twice has its answers merged, and an item with nothing
/// selected is `null`.
///
/// Items of any other type (an interface, whose fragments name fields only its implementations
/// resolve) resolve as a `List`'s do; so they do when the schema has a custom directive, which
/// wraps each field's resolution. The schema installs no extension (as for `List`).
#[derive(Clone, Debug)]
pub struct Objects<T>(pub Vec<T>);

impl<T> Deref for Objects<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> FromIterator<T> for Objects<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Objects(iter.into_iter().collect())
    }
}

impl<T: ContainerType + OutputType> OutputType for Objects<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T>>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T>>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T>>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        count(ctx, field, self.0.len())?;
        if !in_place(ctx) {
            return self.0.as_slice().resolve(ctx, field).await;
        }
        // The items resolve in a future of their own, boxed once per list. Inline, it made the
        // future of every object with a list field, and so every field future up to the root,
        // as large as the largest list's (about 2 KB), copied whole at every box and move.
        Box::pin(self.resolve_objects(ctx, field)).await
    }
}

impl<T: ContainerType + OutputType> Objects<T> {
    async fn resolve_objects(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let env = &ctx.schema_env;
        let object = matches!(
            env.registry.types.get(T::type_name().as_ref()),
            Some(MetaType::Object { .. })
        );
        if !object || !env.custom_directives.is_empty() {
            return List::resolve_items(&self.0, ctx, field).await;
        }
        let fields = selection::<T>(ctx)?;
        let mut values = Vec::with_capacity(self.0.len());
        for (idx, item) in self.0.iter().enumerate() {
            values.push(answer(&ctx.with_index(idx), item, &fields).await);
        }
        Ok(Value::List(values))
    }
}

/// One object `T`, seen by the schema exactly as `T`, whose selected fields resolve in place as
/// each item of `Objects` does.
///
/// async-graphql resolves an object's fields as boxed futures collected through a set of
/// futures, even where the object is a relation's two dates, which a page of relations asking
/// their validity and status pays for on every item. Fields
/// returning one object of ours (`Entity` has its own in-place resolution) return it wrapped
/// in `One`.
#[derive(Clone, Debug)]
pub struct One<T>(pub T);

impl<T: ContainerType + OutputType> OutputType for One<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        object(ctx, &self.0, field).await
    }
}

/// Resolves one object of type `T` as `Objects` resolves each of its items: for a value that
/// stands for one of several object types (an interface's), once its type is known.
pub(crate) async fn object<T: ContainerType + OutputType>(
    ctx: &ContextSelectionSet<'_>,
    item: &T,
    field: &Positioned<Field>,
) -> ServerResult<Value> {
    if !in_place(ctx) || !ctx.schema_env.custom_directives.is_empty() {
        return item.resolve(ctx, field).await;
    }
    let fields = selection::<T>(ctx)?;
    Ok(answer(ctx, item, &fields).await)
}

/// `item`'s answer: each of `fields` resolved in turn (see `Objects`).
async fn answer<T: ContainerType + OutputType>(
    ctx: &ContextSelectionSet<'_>,
    item: &T,
    fields: &[&Positioned<Field>],
) -> Value {
    let mut values = IndexMap::with_capacity(fields.len());
    for field in fields {
        let value = if field.node.name.node == "__typename" {
            Value::String(item.introspection_type_name().into_owned())
        } else {
            match item.resolve_field(&ctx.with_field(field)).await {
                Ok(value) => value.unwrap_or_default(),
                Err(e) => {
                    ctx.add_error(e);
                    continue;
                }
            }
        };
        merge(&mut values, field.node.response_key().node.clone(), value);
    }
    if values.is_empty() {
        Value::Null
    } else {
        Value::Object(values)
    }
}

/// The fields the context's selection set selects on `T`, in order (see `selected`).
fn selection<'a, T: OutputType>(
    ctx: &ContextSelectionSet<'a>,
) -> ServerResult<Vec<&'a Positioned<Field>>> {
    let mut fields = Vec::new();
    selected::<T>(ctx, &ctx.item.node, &mut fields)?;
    Ok(fields)
}

/// Appends the fields `set` selects on `T`, in order, entering the fragments that apply to it.
fn selected<'a, T: OutputType>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    fields: &mut Vec<&'a Positioned<Field>>,
) -> ServerResult<()> {
    for selection in &set.items {
        let (condition, set) = match &selection.node {
            Selection::Field(field) => {
                fields.push(field);
                continue;
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let Some(fragment) = ctx.query_env.fragments.get(name) else {
                    return Err(ServerError::new(
                        format!(r#"Unknown fragment "{name}"."#),
                        Some(spread.pos),
                    ));
                };
                (
                    Some(&fragment.node.type_condition.node.on.node),
                    &fragment.node.selection_set.node,
                )
            }
            Selection::InlineFragment(fragment) => (
                fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map(|c| &c.node.on.node),
                &fragment.node.selection_set.node,
            ),
        };
        let applies = condition.is_none_or(|on| {
            let name = T::type_name();
            on.as_str() == name
                || ctx
                    .schema_env
                    .registry
                    .implements
                    .get(name.as_ref())
                    .is_some_and(|interfaces| interfaces.contains(on.as_str()))
        });
        if applies {
            selected::<T>(ctx, set, fields)?;
        }
    }
    Ok(())
}

/// Adds a field's answer under its response key; a key answered twice keeps its first scalar
/// and merges objects, and lists of objects item by item, as async-graphql does.
fn merge(answer: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    let previous = match answer.entry(key) {
        Entry::Vacant(vacant) => {
            vacant.insert(value);
            return;
        }
        Entry::Occupied(occupied) => occupied.into_mut(),
    };
    match (previous, value) {
        (Value::Object(previous), Value::Object(value)) => {
            for (key, value) in value {
                merge(previous, key, value);
            }
        }
        (Value::List(previous), Value::List(value)) => {
            for (previous, value) in previous.iter_mut().zip(value) {
                if let (Value::Object(previous), Value::Object(value)) = (previous, value) {
                    for (key, value) in value {
                        merge(previous, key, value);
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Error, Interface, Object, Schema};

    use super::*;

    /// A numbered item: `fails` fails for item 1.
    struct Item(u32);

    #[Object]
    impl Item {
        async fn n(&self) -> u32 {
            self.0
        }
        async fn fails(&self) -> Result<u32, Error> {
            fails(self.0)
        }
        async fn next(&self) -> Leaf {
            Leaf(self.0 + 1)
        }
        async fn pair(&self) -> Vec<Leaf> {
            vec![Leaf(self.0), Leaf(self.0 + 1)]
        }
    }

    /// What an item leads to.
    struct Leaf(u32);

    #[Object]
    impl Leaf {
        async fn n(&self) -> u32 {
            self.0
        }
        async fn fails(&self) -> Result<u32, Error> {
            fails(self.0)
        }
    }

    fn fails(n: u32) -> Result<u32, Error> {
        match n {
            1 => Err(Error::new("number 1 fails")),
            n => Ok(n),
        }
    }

    #[derive(Interface)]
    #[graphql(field(name = "n", ty = "u32"))]
    enum Numbered {
        Item(Item),
    }

    /// A `Numbered` resolved in place once its object type is known, as `gql::Entity` is.
    struct Flat(Numbered);

    impl OutputType for Flat {
        fn type_name() -> Cow<'static, str> {
            Numbered::type_name()
        }

        fn introspection_type_name(&self) -> Cow<'static, str> {
            self.0.introspection_type_name()
        }

        fn create_type_info(registry: &mut Registry) -> String {
            Numbered::create_type_info(registry)
        }

        async fn resolve(
            &self,
            ctx: &ContextSelectionSet<'_>,
            field: &Positioned<Field>,
        ) -> ServerResult<Value> {
            let Numbered::Item(item) = &self.0;
            object(ctx, item, field).await
        }
    }

    struct Root;

    #[Object]
    impl Root {
        async fn slow(&self) -> Vec<Item> {
            (0..3).map(Item).collect()
        }
        async fn fast(&self) -> Objects<Item> {
            (0..3).map(Item).collect()
        }
        async fn slow_numbered(&self) -> Vec<Numbered> {
            (0..3).map(|n| Numbered::Item(Item(n))).collect()
        }
        async fn fast_numbered(&self) -> Objects<Numbered> {
            (0..3).map(|n| Numbered::Item(Item(n))).collect()
        }
        async fn flat_numbered(&self) -> Vec<Flat> {
            (0..3).map(|n| Flat(Numbered::Item(Item(n)))).collect()
        }
        async fn slow_one(&self) -> Item {
            Item(1)
        }
        async fn fast_one(&self) -> One<Item> {
            One(Item(1))
        }
    }

    /// The answer to `query` with `LIST` read as `list`, its name put back as `LIST`.
    async fn answer(query: &str, list: &str) -> String {
        let schema = Schema::build(Root, EmptyMutation, EmptySubscription)
            .data(super::super::InPlace)
            .finish();
        let response = schema.execute(query.replace("LIST", list)).await;
        serde_json::to_string(&response)
            .unwrap()
            .replace(list, "LIST")
    }

    #[tokio::test]
    async fn objects_answer_as_async_graphql_does() {
        for query in [
            "{ LIST { n __typename } }",
            "{ LIST { n fails } }",
            "{ LIST { a: n a: n b: next { n } b: next { fails } n n } }",
            "{ LIST { ...F ... on Item { next { n } } ... on Numbered { n } ... { fails } } } \
             fragment F on Item { fails n }",
            "{ LIST { pair { n } pair { fails } } }",
            "{ LIST { n @skip(if: true) next @include(if: false) { n } fails } }",
            "{ LIST { ... @skip(if: true) { n } } }",
            "query($no: Boolean = false) { LIST { next @include(if: $no) { n } } }",
        ] {
            let expected = answer(query, "slow").await;
            assert!(expected.contains(r#""data":{"LIST":["#), "{expected}");
            assert_eq!(answer(query, "fast").await, expected, "{query}");
        }
        // For an interface, whose fragments name its implementations' fields.
        for query in [
            "{ LIST { n ... on Item { fails next { n } } } }",
            "{ LIST { __typename ...F ... on Numbered { n } } } fragment F on Numbered { ... on Item { pair { n } } }",
        ] {
            let expected = answer(query, "slowNumbered").await;
            assert!(expected.contains(r#"{"n":3}"#), "{expected}");
            assert_eq!(answer(query, "fastNumbered").await, expected, "{query}");
            assert_eq!(answer(query, "flatNumbered").await, expected, "{query}");
        }
        // For a single object (item 1, whose `fails` fails, as does its first `pair`).
        for query in [
            "{ LIST { n fails next { n fails } __typename } }",
            "{ LIST { a: n a: n b: next { n } b: next { fails } pair { n } pair { fails } } }",
            "{ LIST { ...F ... on Item { next { n } } ... { n @skip(if: true) } } } \
             fragment F on Item { fails n }",
        ] {
            let expected = answer(query, "slowOne").await;
            assert!(expected.contains(r#""data":{"LIST":{"#), "{expected}");
            assert!(expected.contains("number 1 fails"), "{expected}");
            assert_eq!(answer(query, "fastOne").await, expected, "{query}");
        }
    }
}
