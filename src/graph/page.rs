//! Pages of a list: the items from a position, at most so many, and how long the list is.

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items, each with its position in the whole list.
    pub items: Vec<(usize, T)>,
    /// The position the page starts at.
    pub start: usize,
    /// How many items the whole list has.
    pub total: usize,
}

impl<T> Page<T> {
    /// The items of `all` from `start`, at most `size` of them. `all` is walked once, to the
    /// end, to count it; only the page's items are kept.
    pub fn of(all: impl IntoIterator<Item = T>, start: usize, size: usize) -> Self {
        let mut items = Vec::with_capacity(size.min(128));
        let mut total = 0;
        for (i, item) in all.into_iter().enumerate() {
            if i >= start && items.len() < size {
                items.push((i, item));
            }
            total += 1;
        }
        Page {
            items,
            start,
            total,
        }
    }

    /// Whether items follow the page.
    pub fn has_next(&self) -> bool {
        self.start + self.items.len() < self.total
    }

    /// Whether items come before the page.
    pub fn has_previous(&self) -> bool {
        self.start > 0
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn a_page_keeps_its_items_and_counts_the_rest() {
        let page = Page::of('a'..='e', 1, 2);
        assert_eq!(page.items, [(1, 'b'), (2, 'c')]);
        assert_eq!(page.total, 5);
        assert!(page.has_next() && page.has_previous());
        let last = Page::of('a'..='e', 3, 10);
        assert_eq!(last.items, [(3, 'd'), (4, 'e')]);
        assert!(!last.has_next());
        let past = Page::of('a'..='e', 9, 2);
        assert!(past.items.is_empty() && !past.has_next() && past.has_previous());
        let first = Page::of('a'..='e', 0, 0);
        assert!(first.items.is_empty() && first.has_next() && !first.has_previous());
    }
}
