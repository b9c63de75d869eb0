//! A list type whose items resolve one after another.

use std::borrow::Cow;
use std::ops::Deref;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};

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
        let mut values = Vec::with_capacity(self.0.len());
        for (idx, item) in self.0.iter().enumerate() {
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
