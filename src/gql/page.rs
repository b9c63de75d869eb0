//! Relay connections: pages of relations and entities with opaque cursors, and the limits on
//! a page.

use async_graphql::{ComplexObject, Result, SimpleObject};
use base64::Engine as _;

use super::engine::list::{List, Objects, One};
use super::entity::Entity;
use super::error::bad_input;
use super::relation::Relation;
use crate::graph;

/// The most items one page may hold.
pub const MAX_PAGE: i32 = 100;
/// The page size when `first` is not given.
pub const DEFAULT_PAGE: i32 = 20;

/// Paging state of a connection (Relay).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first item on the page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item on the page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// A relation on a page, with its cursor.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct RelationEdge {
    /// Where this item is, for `after`.
    pub cursor: String,
    /// The relation.
    pub node: One<Relation>,
}

/// A page of relations (Relay connection).
#[derive(SimpleObject, Clone)]
#[graphql(complex, serial)]
pub struct RelationConnection {
    /// The items of this page.
    pub edges: Objects<RelationEdge>,
    /// Paging state.
    pub page_info: One<PageInfo>,
    /// How many items match in all pages.
    pub total_count: u64,
}

#[ComplexObject]
impl RelationConnection {
    /// The relations of this page, without cursors.
    async fn nodes(&self) -> Objects<Relation> {
        self.edges.iter().map(|e| e.node.0.clone()).collect()
    }
}

/// An entity on a page, with its cursor.
#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct EntityEdge {
    /// Where this item is, for `after`.
    pub cursor: String,
    /// The entity.
    pub node: Entity,
}

/// A page of entities (Relay connection).
#[derive(SimpleObject, Clone)]
#[graphql(complex, serial)]
pub struct EntityConnection {
    /// The items of this page.
    pub edges: Objects<EntityEdge>,
    /// Paging state.
    pub page_info: One<PageInfo>,
    /// How many items match in all pages.
    pub total_count: u64,
}

#[ComplexObject]
impl EntityConnection {
    /// The entities of this page, without cursors.
    async fn nodes(&self) -> List<Entity> {
        self.edges.iter().map(|e| e.node.clone()).collect()
    }
}

/// Checks `first` against the page limits.
pub(crate) fn page_size(first: Option<i32>) -> Result<usize> {
    match first.unwrap_or(DEFAULT_PAGE) {
        n if !(0..=MAX_PAGE).contains(&n) => Err(bad_input(format!(
            "first must be between 0 and {MAX_PAGE}, not {n}"
        ))),
        n => Ok(n as usize),
    }
}

/// Encodes a cursor: opaque to clients, stable for the same data.
pub(crate) fn encode_cursor(prefix: &str, key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{prefix}:{key}"))
}

/// Decodes a cursor made by [`encode_cursor`] with the same prefix.
pub(crate) fn decode_cursor(prefix: &str, cursor: &str) -> Result<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(prefix)?.strip_prefix(':').map(str::to_owned))
        .ok_or_else(|| bad_input(format!("`{cursor}` is not a cursor of this list")))
}

/// The page of `all` after the cursor `after` (an offset cursor with `prefix`), `first` long.
pub(crate) fn offset_page<T>(
    all: impl IntoIterator<Item = T>,
    prefix: &str,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<graph::Page<T>> {
    let size = page_size(first)?;
    let start = match after {
        None => 0,
        Some(c) => {
            decode_cursor(prefix, c)?
                .parse::<usize>()
                .map_err(|_| bad_input(format!("`{c}` is not a cursor of this list")))?
                + 1
        }
    };
    Ok(graph::Page::of(all, start, size))
}

/// A connection's page info and its edges, made from a page of items.
pub(crate) fn edges<T, E>(
    page: graph::Page<T>,
    mut edge: impl FnMut(usize, T) -> E,
    cursor: impl Fn(&E) -> &String,
) -> (One<PageInfo>, Objects<E>, u64) {
    let (has_next_page, has_previous_page, total) =
        (page.has_next(), page.has_previous(), page.total);
    let edges: Vec<E> = page.items.into_iter().map(|(i, t)| edge(i, t)).collect();
    let info = PageInfo {
        has_next_page,
        has_previous_page,
        start_cursor: edges.first().map(|e| cursor(e).clone()),
        end_cursor: edges.last().map(|e| cursor(e).clone()),
    };
    (One(info), Objects(edges), total as u64)
}

/// Pages through a list of relations by offset cursors. Only the page's items become
/// `Relation`s: a giant carrier's first five relations should not cost its thousands.
pub(crate) fn relation_page<T>(
    all: impl Iterator<Item = T>,
    first: Option<i32>,
    after: Option<&str>,
    relation: impl Fn(T) -> Relation,
) -> Result<RelationConnection> {
    let page = offset_page(all, "r", first, after)?;
    let (page_info, edges, total_count) = edges(
        page,
        |i, item| RelationEdge {
            cursor: encode_cursor("r", &i.to_string()),
            node: One(relation(item)),
        },
        |e| &e.cursor,
    );
    Ok(RelationConnection {
        edges,
        page_info,
        total_count,
    })
}
