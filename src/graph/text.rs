//! Full-text search over what the data says: names, aliases, titles, descriptions, summaries,
//! causes, notes, roles, terms and the quotes of every citation, ranked, case- and
//! accent-insensitive.
//!
//! Names and aliases are read from the name index `search` uses (a million bulk names would
//! cost an inverted index 117 MB at its peak and a second of start-up, past the memory
//! target; see `bench/README.md`); every other text, which only curated data has, goes into an
//! inverted index written here rather than a search engine's: a sorted word list with posting
//! lists of packed text places, built in one pass at load, answering by intersecting a
//! handful of lists.

use rayon::prelude::*;

use super::GraphError;
use super::budget::Budget;
use super::record::{EntityIx, RelationIx};
use super::search::fold;
use super::store::Graph;

/// Which text of an entity or relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextField {
    /// An entity's name.
    Name,
    /// One of its aliases.
    Alias,
    /// A source's title.
    Title,
    /// An entity's description.
    Description,
    /// An event's summary.
    Summary,
    /// An event's reported cause.
    Cause,
    /// A relation's note.
    Note,
    /// A relation's role.
    Role,
    /// A restriction's terms.
    Terms,
    /// The quote of a citation.
    Quote,
}

impl TextField {
    const ALL: [TextField; 10] = [
        TextField::Name,
        TextField::Alias,
        TextField::Title,
        TextField::Description,
        TextField::Summary,
        TextField::Cause,
        TextField::Note,
        TextField::Role,
        TextField::Terms,
        TextField::Quote,
    ];

    /// How much a match in this field weighs against one elsewhere.
    fn weight(self) -> f64 {
        match self {
            TextField::Name => 4.0,
            TextField::Alias => 3.0,
            TextField::Title => 2.0,
            _ => 1.0,
        }
    }
}

/// What holds a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextHolder {
    /// An entity.
    Entity(EntityIx),
    /// A relation.
    Relation(RelationIx),
}

/// One text of the data: its holder, field, and position among the holder's texts of that
/// field (an alias's, or a citation's: for a relation, `step × 256 + citation`, with step 0
/// for the relation's own sources and `n + 1` for its `n`th status step).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextPlace {
    /// What holds it.
    pub holder: TextHolder,
    /// Which field.
    pub field: TextField,
    /// Which one of the field's texts.
    pub index: u16,
}

/// A text place packed into one number: holder (entities first), field, index.
type Packed = u64;

/// The full-text index: every folded word with the places it occurs in.
#[derive(Debug, Default)]
pub struct TextIndex {
    /// Words in sorted order, each with its places, sorted and unique.
    words: Vec<(Box<str>, Vec<Packed>)>,
    /// How many entities there are (relations' holders are numbered after them).
    entities: u32,
    /// How many places all words have together (at least 1): what a word's rarity is
    /// measured against.
    postings: usize,
}

/// One hit of a search: where, and how well it matched.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextHit {
    /// The text that matched.
    pub place: TextPlace,
    /// Its score: higher is better.
    pub score: f64,
}

/// The words of a text, folded.
fn words(text: &str) -> impl Iterator<Item = String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

impl TextIndex {
    fn pack(&self, place: TextPlace) -> Packed {
        let holder = match place.holder {
            TextHolder::Entity(e) => u64::from(e.0),
            TextHolder::Relation(r) => u64::from(self.entities) + u64::from(r.0),
        };
        holder << 24 | (place.field as u64) << 16 | u64::from(place.index)
    }

    fn unpack(&self, packed: Packed) -> TextPlace {
        let holder = (packed >> 24) as u32;
        TextPlace {
            holder: if holder < self.entities {
                TextHolder::Entity(EntityIx(holder))
            } else {
                TextHolder::Relation(RelationIx(holder - self.entities))
            },
            field: TextField::ALL[((packed >> 16) & 0xff) as usize],
            index: (packed & 0xffff) as u16,
        }
    }

    /// Indexes every text of a built graph.
    pub(super) fn build(graph: &Graph) -> Self {
        let mut index = TextIndex {
            words: Vec::new(),
            entities: graph.entity_count() as u32,
            postings: 1,
        };
        let places: Vec<TextPlace> = graph.text_places().collect();
        let mut pairs: Vec<(String, Packed)> = places
            .par_iter()
            .flat_map_iter(|&place| {
                let packed = index.pack(place);
                let text = graph.text_at(place).unwrap_or_default();
                words(text).map(move |w| (w, packed))
            })
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        for (word, packed) in pairs {
            match index.words.last_mut() {
                Some((last, list)) if **last == *word => list.push(packed),
                _ => index.words.push((word.into_boxed_str(), vec![packed])),
            }
        }
        index.words.shrink_to_fit();
        index.postings = index
            .words
            .iter()
            .map(|(_, l)| l.len())
            .sum::<usize>()
            .max(1);
        index
    }

    /// The places of one word, or of every word starting with it when `prefix` (at most
    /// `PREFIX_WORDS` of them), sorted and unique.
    fn places_of(&self, word: &str, prefix: bool) -> Vec<Packed> {
        let start = self.words.partition_point(|(w, _)| &**w < word);
        if !prefix {
            return match self.words.get(start) {
                Some((w, list)) if **w == *word => list.clone(),
                _ => Vec::new(),
            };
        }
        let mut all: Vec<Packed> = self.words[start..]
            .iter()
            .take_while(|(w, _)| w.starts_with(word))
            .take(PREFIX_WORDS)
            .flat_map(|(_, list)| list.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The texts matching `query`, best first, at most `limit` that `keep` lets through:
    /// names and aliases matching it (as `search` ranks them: whole, prefix, word prefix,
    /// substring), then the other texts holding every word of it (the last also as a prefix,
    /// for searching as one types) by the rarer words they hold, titles first, shorter texts
    /// first among equals, then in data order. `budget` is charged for the places read.
    pub fn search(
        &self,
        graph: &Graph,
        query: &str,
        limit: usize,
        budget: &Budget,
        keep: impl Fn(TextPlace) -> bool,
    ) -> Result<Vec<TextHit>, GraphError> {
        let folded = fold(query);
        let name = |e| TextPlace {
            holder: TextHolder::Entity(e),
            field: TextField::Name,
            index: 0,
        };
        let named = graph
            .search_index()
            .search_where(query, limit, |e| keep(name(e)));
        let mut hits: Vec<TextHit> = named
            .into_iter()
            .map(|(e, rank)| {
                // The name, unless only an alias holds the text.
                let alias = (!fold(graph.entity(e).name).contains(&folded))
                    .then(|| {
                        let aliases = &graph.entity_detail(e).aliases;
                        aliases.iter().position(|a| fold(a).contains(&folded))
                    })
                    .flatten();
                let place = match alias {
                    Some(i) => TextPlace {
                        field: TextField::Alias,
                        index: i as u16,
                        ..name(e)
                    },
                    None => name(e),
                };
                TextHit {
                    place,
                    score: 1000.0 - 100.0 * rank as u8 as f64,
                }
            })
            .collect();
        if hits.len() < limit {
            hits.extend(self.search_texts(graph, query, limit - hits.len(), budget, keep)?);
        }
        Ok(hits)
    }

    /// The texts other than names holding every word of `query` (see [`TextIndex::search`]).
    fn search_texts(
        &self,
        graph: &Graph,
        query: &str,
        limit: usize,
        budget: &Budget,
        keep: impl Fn(TextPlace) -> bool,
    ) -> Result<Vec<TextHit>, GraphError> {
        let terms: Vec<String> = words(query).take(MAX_TERMS).collect();
        let Some(last) = terms.len().checked_sub(1) else {
            return Ok(Vec::new());
        };
        let total = self.postings as f64;
        let mut lists: Vec<(f64, Vec<Packed>)> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let list = self.places_of(t, i == last);
                let idf = (total / (1.0 + list.len() as f64)).ln().max(0.1);
                (idf, list)
            })
            .collect();
        lists.sort_by_key(|(_, l)| l.len());
        // Every hit holds every word: they share one rarity.
        let idf: f64 = lists.iter().map(|(idf, _)| idf).sum();
        let (first, rest) = lists.split_first().expect("a term at least");
        let mut hits = Vec::new();
        for (n, &packed) in first.1.iter().enumerate() {
            if n % 1024 == 0 {
                budget.work(1024)?;
            }
            if !rest.iter().all(|(_, l)| l.binary_search(&packed).is_ok()) {
                continue;
            }
            let place = self.unpack(packed);
            if !keep(place) {
                continue;
            }
            let length = graph.text_at(place).map_or(1, |t| t.len().max(1)) as f64;
            let score = idf * place.field.weight() / (1.0 + length.ln() / 8.0);
            hits.push(TextHit { place, score });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.place.cmp(&b.place)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// The memory the index holds, roughly, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.words
            .iter()
            .map(|(w, l)| w.len() + l.capacity() * 8 + 40)
            .sum()
    }
}

/// The places of one holder: each field it has, then the quotes of its first `quotes`
/// citations (at most 256).
fn holder_places(
    holder: TextHolder,
    fields: Vec<(TextField, bool)>,
    quotes: usize,
) -> impl Iterator<Item = TextPlace> {
    let field = move |(field, present): (TextField, bool)| {
        present.then_some(TextPlace {
            holder,
            field,
            index: 0,
        })
    };
    let quote = move |i: usize| TextPlace {
        holder,
        field: TextField::Quote,
        index: i as u16,
    };
    fields
        .into_iter()
        .filter_map(field)
        .chain((0..quotes.min(256)).map(quote))
}

/// The most words a prefix stands for.
const PREFIX_WORDS: usize = 64;
/// The most words of a query that count.
const MAX_TERMS: usize = 16;

impl Graph {
    /// Every text place of the data, entities' then relations'.
    fn text_places(&self) -> impl Iterator<Item = TextPlace> + '_ {
        let entities = (0..self.entity_count() as u32).flat_map(move |e| {
            let d = self.entity_detail(EntityIx(e));
            let fields = vec![
                (TextField::Title, d.title.is_some()),
                (TextField::Description, d.description.is_some()),
                (TextField::Summary, d.summary.is_some()),
                (TextField::Cause, d.cause.is_some()),
            ];
            holder_places(TextHolder::Entity(EntityIx(e)), fields, d.sources.len())
        });
        let relations = self.all_relations().flat_map(move |r| {
            let d = self.relation_detail(r);
            let holder = TextHolder::Relation(r);
            let steps = d
                .status_history
                .iter()
                .take(255)
                .enumerate()
                .flat_map(move |(s, step)| {
                    (0..step.sources.len().min(256)).map(move |c| TextPlace {
                        holder,
                        field: TextField::Quote,
                        index: ((s + 1) * 256 + c) as u16,
                    })
                });
            let fields = vec![
                (TextField::Note, d.note.is_some()),
                (TextField::Role, d.role.is_some()),
                (TextField::Terms, d.terms.is_some()),
            ];
            holder_places(holder, fields, d.sources.len()).chain(steps)
        });
        entities.chain(relations)
    }

    /// The text at a place, if there is one.
    pub fn text_at(&self, place: TextPlace) -> Option<&str> {
        let i = usize::from(place.index);
        match place.holder {
            TextHolder::Entity(e) => {
                let d = self.entity_detail(e);
                match place.field {
                    TextField::Name => Some(self.entity(e).name),
                    TextField::Alias => d.aliases.get(i).map(String::as_str),
                    TextField::Title => d.title.as_deref(),
                    TextField::Description => d.description.as_deref(),
                    TextField::Summary => d.summary.as_deref(),
                    TextField::Cause => d.cause.as_ref().map(|c| c.text.as_str()),
                    TextField::Quote => d.sources.get(i).and_then(|c| c.quote.as_deref()),
                    _ => None,
                }
            }
            TextHolder::Relation(r) => {
                let d = self.relation_detail(r);
                match place.field {
                    TextField::Note => d.note.as_deref(),
                    TextField::Role => d.role.as_deref(),
                    TextField::Terms => d.terms.as_deref(),
                    TextField::Quote => {
                        let (step, c) = (i / 256, i % 256);
                        let list = match step {
                            0 => &d.sources,
                            s => &d.status_history.get(s - 1)?.sources,
                        };
                        list.get(c).and_then(|c| c.quote.as_deref())
                    }
                    _ => None,
                }
            }
        }
    }

    /// The full-text index.
    pub fn text_index(&self) -> &TextIndex {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::entity;
    use crate::graph::{Citation, EntityDetail, GraphBuilder, NewRelation, RelationDetail};
    use crate::model::{EntityKind as E, RelationKind as K};

    #[test]
    fn words_found_only_in_a_quote_are_found_ranked_and_accent_blind() {
        let mut b = GraphBuilder::new();
        let article = entity(&mut b, "article", E::Source);
        let att = entity(&mut b, "att", E::Carrier);
        let huawei = entity(&mut b, "huawei", E::Vendor);
        let cafe = entity(&mut b, "cafe", E::Retailer);
        b.set_detail(
            cafe,
            EntityDetail {
                aliases: vec!["Café Pressure".into()],
                ..EntityDetail::default()
            },
        );
        let mut deal = NewRelation::bare(att, K::PartnersWith, huawei);
        deal.detail = Some(Box::new(RelationDetail {
            sources: vec![Citation::of(
                article,
                Some("reports suggesting that it was due to political pressure.".into()),
            )],
            ..RelationDetail::default()
        }));
        b.add_relation(deal).unwrap();
        let g = b.finish();
        let budget = Budget::unlimited(u64::MAX);
        let find = |q: &str| -> Vec<(TextField, String)> {
            g.text_index()
                .search(&g, q, 10, &budget, |_| true)
                .unwrap()
                .iter()
                .map(|h| (h.place.field, g.text_at(h.place).unwrap().to_owned()))
                .collect()
        };
        let quote = "reports suggesting that it was due to political pressure.".to_owned();
        assert_eq!(
            find("Political Pressure"),
            [(TextField::Quote, quote.clone())]
        );
        // The last word is a prefix; an alias outranks a quote.
        assert_eq!(
            find("pressu"),
            [
                (TextField::Alias, "Café Pressure".to_owned()),
                (TextField::Quote, quote)
            ]
        );
        // One hit a name: the entity's name matches whole.
        assert_eq!(find("cafe"), [(TextField::Name, "cafe".to_owned())]);
        assert!(find("").is_empty());
        assert!(find("flagship").is_empty());
    }
}
