//! Name and alias search: case- and accent-insensitive, prefix matches first.
//!
//! Every name and alias is folded once (NFKD, combining marks dropped, lowercased) into one
//! arena string; the index is a sorted list of word starts into it, so a prefix query is two
//! binary searches and the index costs a few bytes per word rather than a string per entry.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::record::EntityIx;
use super::table::sort_by_text;

const END: char = '\u{0}';

/// Folds text for matching: decomposed, without accents, lowercase, whitespace collapsed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(&mut out, text);
    out
}

/// Appends `text` folded (see [`fold`]) to `out`.
fn fold_into(out: &mut String, text: &str) {
    let at = out.len();
    if text.is_ascii()
        && !text.contains("  ")
        && text.trim() == text
        && !text.contains(['\t', '\n', '\r'])
    {
        // The common case needs neither decomposition nor whitespace work.
        out.push_str(text);
        out[at..].make_ascii_lowercase();
        return;
    }
    let mut space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() || c == END {
            space = out.len() > at;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
}

/// How well an entity matched a query; lower is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchRank {
    /// A name or alias equals the query.
    Exact,
    /// A name or alias starts with the query.
    Prefix,
    /// A word inside a name or alias starts with the query.
    WordPrefix,
    /// The query occurs elsewhere inside a name or alias.
    Substring,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Where the word starts in the arena.
    at: u32,
    /// Where its name or alias ends.
    end: u32,
    entity: u32,
}

/// The search index of a graph.
#[derive(Debug, Default)]
pub struct SearchIndex {
    arena: String,
    /// Whole names and aliases, by folded text.
    names: Vec<Entry>,
    /// Later words of names and aliases, by folded text from the word on.
    words: Vec<Entry>,
    /// Where each folded text starts in the arena, and whose it is, in arena order.
    texts: Vec<(u32, u32)>,
}

impl SearchIndex {
    pub(crate) fn build<'a>(
        names_in: impl Iterator<Item = (EntityIx, &'a str, &'a [String])>,
    ) -> Self {
        // Sized for one text and one later word an entity, so that the lists do not leave a
        // trail of outgrown copies behind while the graph is built.
        let entities = names_in.size_hint().0;
        let mut arena = String::new();
        let (mut names, mut words) = (Vec::with_capacity(entities), Vec::with_capacity(entities));
        let mut texts = Vec::with_capacity(entities);
        for (EntityIx(i), name, aliases) in names_in {
            for text in std::iter::once(name).chain(aliases.iter().map(String::as_str)) {
                let start = arena.len() as u32;
                fold_into(&mut arena, text);
                let end = arena.len() as u32;
                if end == start {
                    continue;
                }
                texts.push((start, i));
                let entry = |at| Entry { at, end, entity: i };
                names.push(entry(start));
                let mut word_start = false;
                for (off, c) in arena[start as usize..].char_indices() {
                    if word_start {
                        words.push(entry(start + off as u32));
                    }
                    word_start = !c.is_alphanumeric();
                }
                arena.push(END);
            }
        }
        let text = |e: &Entry| &arena.as_bytes()[e.at as usize..e.end as usize];
        for list in [&mut names, &mut words] {
            sort_by_text(list, text, |a, b| a.entity.cmp(&b.entity));
        }
        SearchIndex {
            arena,
            names,
            words,
            texts,
        }
    }

    /// Entities whose name or alias matches `query`, best first (rank, then entity order), at
    /// most `limit`. An empty query matches nothing.
    pub fn search(&self, query: &str, limit: usize) -> Vec<(EntityIx, MatchRank)> {
        self.search_where(query, limit, |_| true)
    }

    /// Like [`SearchIndex::search`], counting only entities `keep` accepts, so a narrow search
    /// still stops at its limit.
    pub fn search_where(
        &self,
        query: &str,
        limit: usize,
        keep: impl Fn(EntityIx) -> bool,
    ) -> Vec<(EntityIx, MatchRank)> {
        let q = fold(query);
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut seen = rustc_hash::FxHashSet::default();
        let mut found: Vec<(u32, MatchRank)> = Vec::with_capacity(limit.min(64));
        // Whole names first: in key order an exact match sorts before the longer keys it
        // prefixes, so the first hits are the best and the scan stops at `limit`.
        for (list, whole) in [(&self.names, true), (&self.words, false)] {
            let lo = list.partition_point(|e| self.key(e) < q.as_str());
            for e in &list[lo..] {
                if found.len() == limit {
                    break;
                }
                let key = self.key(e);
                if !key.starts_with(&q) {
                    break;
                }
                let rank = match (whole, key.len() == q.len()) {
                    (true, true) => MatchRank::Exact,
                    (true, false) => MatchRank::Prefix,
                    (false, _) => MatchRank::WordPrefix,
                };
                if keep(EntityIx(e.entity)) && seen.insert(e.entity) {
                    found.push((e.entity, rank));
                }
            }
        }
        // Infix matches are the fallback: a scan over the arena, only when prefixes run short.
        let mut from = 0;
        while found.len() < limit
            && let Some(pos) = self.arena[from..].find(&q)
        {
            let entity = self.entity_at((from + pos) as u32);
            if keep(EntityIx(entity)) && seen.insert(entity) {
                found.push((entity, MatchRank::Substring));
            }
            from += pos + q.len().max(1);
        }
        // Exact whole names may follow prefixes of other names in key order; rank settles it.
        found.sort_by_key(|&(_, rank)| rank);
        found.into_iter().map(|(e, r)| (EntityIx(e), r)).collect()
    }

    fn key(&self, e: &Entry) -> &str {
        &self.arena[e.at as usize..e.end as usize]
    }

    /// The entity whose folded text contains arena position `at`.
    fn entity_at(&self, at: u32) -> u32 {
        let i = self.texts.partition_point(|&(start, _)| start <= at);
        self.texts[i - 1].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_sort_by_their_whole_text_then_entity() {
        let texts = [
            "galaxy note ultra 20",
            "galaxy note ultra 3",
            "galaxy note ultra",
            "galaxy",
            "galaxy\0",
            "galaxy",
            "galaxy note ultra 20",
            "a",
        ];
        let mut arena = Vec::new();
        let mut list = Vec::new();
        for (entity, text) in texts.iter().enumerate().rev() {
            let at = arena.len() as u32;
            arena.extend_from_slice(text.as_bytes());
            let end = arena.len() as u32;
            list.push(Entry {
                at,
                end,
                entity: entity as u32,
            });
        }
        let text = |e: &Entry| &arena[e.at as usize..e.end as usize];
        sort_by_text(&mut list, text, |a, b| a.entity.cmp(&b.entity));
        let sorted: Vec<(&str, u32)> = list
            .iter()
            .map(|e| (texts[e.entity as usize], e.entity))
            .collect();
        let mut expected: Vec<(&str, u32)> = texts.iter().copied().zip(0..).collect();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
    }

    #[test]
    fn folding_drops_case_accents_and_extra_space() {
        assert_eq!(fold("  Kùzu   Corp "), "kuzu corp");
        assert_eq!(fold("小米"), "小米");
        assert_eq!(fold("ÉCOLE"), "ecole");
    }

    #[test]
    fn folding_into_an_arena_leaves_what_is_there() {
        let mut arena = String::from("xiaomi\0");
        fold_into(&mut arena, "  Kùzu   Corp ");
        fold_into(&mut arena, "AT&T");
        assert_eq!(arena, "xiaomi\0kuzu corpat&t");
    }
}
