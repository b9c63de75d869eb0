//! The entity table: every id and name in one string arena, fixed-size nodes pointing into it,
//! curated detail in a side vector, and a hash index from id to entity that stores only entity
//! numbers (the id text is read back from the arena), so a million entities cost a few dozen
//! bytes each.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::record::{EntityDetail, EntityIx};
use crate::model::{DateBound, Day, EntityKind, InlineId, PartialDate};

const NO_DETAIL: u32 = u32::MAX;
const NO_DATE: Day = Day::MIN;

/// An entity as the table keeps it: 28 bytes.
#[derive(Clone, Copy, Debug)]
struct Node {
    id: (u32, u32),
    name: (u32, u32),
    detail: u32,
    date: Day,
    kind: EntityKind,
    country: [u8; 2],
}

/// What callers see of an entity: borrowed text and plain values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntityView<'g> {
    /// The id.
    pub id: &'g str,
    /// What it is.
    pub kind: EntityKind,
    /// Its display name.
    pub name: &'g str,
    /// An ISO 3166 code given by a bulk row (a market's code, an organisation's headquarters
    /// country), upper case.
    pub country: Option<&'g str>,
    /// A day given by a bulk row (founding, release or event date).
    pub date: Option<Day>,
}

impl EntityView<'_> {
    /// The bulk date as a partial date known to the day.
    pub fn date_bound(&self) -> Option<DateBound> {
        self.date.map(|d| PartialDate::from_day(d).into())
    }
}

/// A new entity for the table.
#[derive(Clone, Debug)]
pub struct NewEntity<'a> {
    /// The id, unique across kinds.
    pub id: &'a str,
    /// What it is.
    pub kind: EntityKind,
    /// Its display name.
    pub name: &'a str,
    /// An ISO 3166 code from a bulk row (two ASCII letters).
    pub country: Option<[u8; 2]>,
    /// A day from a bulk row.
    pub date: Option<Day>,
    /// Curated detail.
    pub detail: Option<EntityDetail>,
    /// Where the entity is defined, as a number only the caller reads: a second entity with
    /// the same id is refused with the first one's (`GraphError::DuplicateId`). Kept while
    /// building only.
    pub defined_at: u64,
}

/// A slot of the id index: the entity number and, for ids of up to 16 bytes, the id itself, so
/// that most lookups compare within the slot instead of chasing the node and the arena (each a
/// likely cache miss at a million entities).
#[derive(Clone, Copy, Debug)]
struct Slot {
    ix: u32,
    kind: EntityKind,
    id: InlineId,
}

impl Slot {
    fn new(ix: u32, id: &str, kind: EntityKind) -> Self {
        Slot {
            ix,
            kind,
            id: InlineId::new(id.as_bytes()),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct EntityTable {
    text: String,
    nodes: Vec<Node>,
    details: Vec<EntityDetail>,
    index: HashTable<Slot>,
}

impl EntityTable {
    pub(crate) fn with_capacity(entities: usize, text: usize) -> Self {
        EntityTable {
            text: String::with_capacity(text),
            nodes: Vec::with_capacity(entities),
            details: Vec::new(),
            index: HashTable::with_capacity(entities),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    fn span(&self, (at, len): (u32, u32)) -> &str {
        &self.text[at as usize..(at + len) as usize]
    }

    fn push_text(&mut self, s: &str) -> (u32, u32) {
        let at = self.text.len() as u32;
        self.text.push_str(s);
        (at, s.len() as u32)
    }

    /// Adds an entity, or gives back the one already holding the id.
    pub(crate) fn insert(&mut self, new: NewEntity<'_>) -> Result<EntityIx, EntityIx> {
        let hash = FxBuildHasher.hash_one(new.id);
        let (text, nodes) = (&self.text, &self.nodes);
        let entry = self.index.entry(
            hash,
            |slot| Self::matches(text, nodes, slot, new.id),
            |slot| FxBuildHasher.hash_one(Self::slot_id(text, nodes, slot)),
        );
        let vacant = match entry {
            hashbrown::hash_table::Entry::Occupied(o) => return Err(EntityIx(o.get().ix)),
            hashbrown::hash_table::Entry::Vacant(v) => v,
        };
        let ix = nodes.len() as u32;
        vacant.insert(Slot::new(ix, new.id, new.kind));
        let id = self.push_text(new.id);
        let name = self.push_text(new.name);
        let detail = match new.detail {
            Some(d) => {
                self.details.push(d);
                (self.details.len() - 1) as u32
            }
            None => NO_DETAIL,
        };
        self.nodes.push(Node {
            id,
            name,
            detail,
            date: new.date.unwrap_or(NO_DATE),
            kind: new.kind,
            country: new.country.unwrap_or([0, 0]),
        });
        Ok(EntityIx(ix))
    }

    fn slot_id<'t>(text: &'t str, nodes: &[Node], slot: &Slot) -> &'t str {
        let n = nodes[slot.ix as usize];
        &text[n.id.0 as usize..(n.id.0 + n.id.1) as usize]
    }

    fn matches(text: &str, nodes: &[Node], slot: &Slot, id: &str) -> bool {
        slot.id
            .holds(id.as_bytes())
            .unwrap_or_else(|| Self::slot_id(text, nodes, slot) == id)
    }

    pub(crate) fn lookup(&self, id: &str) -> Option<EntityIx> {
        self.lookup_kind(id).map(|(ix, _)| ix)
    }

    /// The entity with this id and its kind, read from the index slot alone.
    pub(crate) fn lookup_kind(&self, id: &str) -> Option<(EntityIx, EntityKind)> {
        let hash = FxBuildHasher.hash_one(id);
        self.index
            .find(hash, |slot| {
                Self::matches(&self.text, &self.nodes, slot, id)
            })
            .map(|slot| (EntityIx(slot.ix), slot.kind))
    }

    pub(crate) fn view(&self, ix: EntityIx) -> EntityView<'_> {
        let n = &self.nodes[ix.0 as usize];
        EntityView {
            id: self.span(n.id),
            kind: n.kind,
            name: self.span(n.name),
            country: (n.country != [0, 0])
                .then(|| std::str::from_utf8(&n.country).unwrap_or_default()),
            date: (n.date != NO_DATE).then_some(n.date),
        }
    }

    pub(crate) fn kind(&self, ix: EntityIx) -> EntityKind {
        self.nodes[ix.0 as usize].kind
    }

    pub(crate) fn detail(&self, ix: EntityIx) -> Option<&EntityDetail> {
        match self.nodes[ix.0 as usize].detail {
            NO_DETAIL => None,
            d => Some(&self.details[d as usize]),
        }
    }

    /// An entity's curated detail to change, made empty if it had none.
    pub(crate) fn detail_mut(&mut self, ix: EntityIx) -> &mut EntityDetail {
        if self.nodes[ix.0 as usize].detail == NO_DETAIL {
            self.set_detail(ix, EntityDetail::default());
        }
        &mut self.details[self.nodes[ix.0 as usize].detail as usize]
    }

    pub(crate) fn set_detail(&mut self, ix: EntityIx, detail: EntityDetail) {
        let node = &mut self.nodes[ix.0 as usize];
        if node.detail == NO_DETAIL {
            self.details.push(detail);
            node.detail = (self.details.len() - 1) as u32;
        } else {
            self.details[node.detail as usize] = detail;
        }
    }

    /// Entity numbers sorted by id (see [`sort_by_text`]: a comparison reads neither the node
    /// nor the arena unless two ids share their first 16 bytes).
    pub(crate) fn sorted_by_id(&self) -> Vec<EntityIx> {
        let mut sorted: Vec<EntityIx> = (0..self.nodes.len() as u32).map(EntityIx).collect();
        sort_by_text(
            &mut sorted,
            |e| self.span(self.nodes[e.index()].id).as_bytes(),
            |_, _| Ordering::Equal,
        );
        sorted
    }

    /// Gives the entities new numbers: the one numbered `order[n]` becomes `n`. Returns, for
    /// each old number, the new one. Ids stay where they are in the index; only the numbers
    /// its slots hold change.
    pub(crate) fn renumber(&mut self, order: &[EntityIx]) -> Vec<u32> {
        let mut new_of = vec![0; order.len()];
        for (new, old) in order.iter().enumerate() {
            new_of[old.index()] = new as u32;
        }
        self.nodes = order.iter().map(|old| self.nodes[old.index()]).collect();
        for slot in self.index.iter_mut() {
            slot.ix = new_of[slot.ix as usize];
        }
        new_of
    }

    /// Every entity's curated detail, for rewriting the entity numbers it holds.
    pub(crate) fn details_mut(&mut self) -> &mut [EntityDetail] {
        &mut self.details
    }

    /// Every entity's name and aliases, for the search index.
    pub(crate) fn names(&self) -> impl Iterator<Item = (EntityIx, &str, &[String])> {
        (0..self.nodes.len() as u32).map(move |i| {
            let ix = EntityIx(i);
            let aliases = self.detail(ix).map_or(&[][..], |d| d.aliases.as_slice());
            (ix, self.view(ix).name, aliases)
        })
    }

    pub(crate) fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.nodes.shrink_to_fit();
        self.details.shrink_to_fit();
    }
}

/// Sorts `items` by their texts, then by `then`, in parallel.
///
/// Each item is sorted with its text's first 16 bytes beside it, zero-padded, so that most
/// comparisons read neither the item's record nor its text (cache misses, at a million
/// items). Zero-padded prefixes order as the texts do: where two differ, either both texts
/// have a byte there or the shorter one ended, and is a prefix of the other. Equal prefixes
/// of texts that both fit are the texts but for their length; longer ones are compared whole.
pub(crate) fn sort_by_text<'a, T: Copy + Send + Sync>(
    items: &mut Vec<T>,
    text: impl Fn(&T) -> &'a [u8] + Sync,
    then: impl Fn(&T, &T) -> Ordering + Sync,
) {
    let prefix = |t: &T| {
        let (text, mut prefix) = (text(t), [0; 16]);
        let n = text.len().min(16);
        prefix[..n].copy_from_slice(&text[..n]);
        prefix
    };
    let mut keyed: Vec<([u8; 16], T)> = items.iter().map(|t| (prefix(t), *t)).collect();
    rayon::slice::ParallelSliceMut::par_sort_unstable_by(&mut keyed[..], |(pa, a), (pb, b)| {
        pa.cmp(pb)
            .then_with(|| {
                let (ta, tb) = (text(a), text(b));
                if ta.len() <= 16 && tb.len() <= 16 {
                    ta.len().cmp(&tb.len())
                } else {
                    ta.cmp(tb)
                }
            })
            .then_with(|| then(a, b))
    });
    items.clear();
    items.extend(keyed.into_iter().map(|(_, t)| t));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_index_into_the_arena() {
        let mut t = EntityTable::default();
        let new = |id| NewEntity {
            id,
            kind: EntityKind::Vendor,
            name: "N",
            country: Some(*b"CN"),
            date: None,
            detail: None,
            defined_at: 0,
        };
        let a = t.insert(new("xiaomi")).unwrap();
        let b = t.insert(new("huawei")).unwrap();
        assert_eq!(t.insert(new("xiaomi")), Err(a));
        assert_eq!(t.lookup("huawei"), Some(b));
        assert_eq!(t.lookup("zte"), None);
        assert_eq!(t.view(a).country, Some("CN"));
        let new_of = t.renumber(&[b, a]);
        assert_eq!(new_of, [1, 0]);
        assert_eq!(t.lookup("xiaomi"), Some(EntityIx(1)));
        assert_eq!(t.view(EntityIx(0)).id, "huawei");
        assert_eq!(std::mem::size_of::<Node>(), 28);
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }

    #[test]
    fn ids_sort_as_text_beyond_their_first_sixteen_bytes() {
        let ids = [
            "product-0000000012",
            "product-0000000011",
            "product-00000000",
            "product-000000001",
            "product-0000000",
            "b",
            "a-very-long-id-indeed-2",
            "a",
            "a-very-long-id-indeed-10",
            "ab",
            "product-000000000",
        ];
        let mut t = EntityTable::default();
        for id in ids {
            t.insert(NewEntity {
                id,
                kind: EntityKind::Product,
                name: "N",
                country: None,
                date: None,
                detail: None,
                defined_at: 0,
            })
            .unwrap();
        }
        let sorted: Vec<&str> = t.sorted_by_id().into_iter().map(|e| t.view(e).id).collect();
        let mut expected = ids.to_vec();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
    }
}
