//! A small keyed cache that starts over when full: what both the parsed-document cache and the
//! analytics cache need. Keys are query texts or argument strings; the data never changes, so
//! an entry never goes stale, and starting over is enough to bound memory.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

/// A map from text keys to cloneable values, bounded both in entries and in bytes (each
/// entry's key plus the size its owner declares for the value), safe to share between
/// requests.
#[derive(Debug)]
pub(crate) struct Bounded<V> {
    entries: Mutex<Entries<V>>,
    capacity: usize,
    max_bytes: usize,
}

#[derive(Debug)]
struct Entries<V> {
    map: FxHashMap<String, V>,
    bytes: usize,
}

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Entries {
            map: FxHashMap::default(),
            bytes: 0,
        }
    }
}

impl<V: Clone> Bounded<V> {
    /// A cache of at most `capacity` entries and `max_bytes` bytes.
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Bounded {
            entries: Mutex::default(),
            capacity,
            max_bytes,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.entries.lock().ok()?.map.get(key).cloned()
    }

    /// Keeps `value` under `key`, emptying the cache first when it would be too full. An entry
    /// larger than the whole cache is not kept.
    pub(crate) fn put(&self, key: String, value: V, value_bytes: usize) {
        let bytes = key.len().saturating_add(value_bytes);
        if bytes > self.max_bytes {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.map.contains_key(&key) {
                return;
            }
            if entries.map.len() >= self.capacity || entries.bytes + bytes > self.max_bytes {
                *entries = Entries::default();
            }
            entries.bytes += bytes;
            entries.map.insert(key, value);
        }
    }

    /// How many bytes the entries are counted as.
    pub(crate) fn bytes(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_starts_over() {
        let cache = Bounded::new(2, 1000);
        cache.put("a".into(), 1, 0);
        cache.put("b".into(), 2, 0);
        assert_eq!(cache.get("a"), Some(1));
        cache.put("c".into(), 3, 0);
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.get("c"), Some(3));
    }

    #[test]
    fn the_cache_is_bounded_in_bytes() {
        let cache = Bounded::new(100, 100);
        cache.put("a".into(), 1, 59);
        cache.put("b".into(), 2, 39);
        assert_eq!(cache.bytes(), 100);
        cache.put("c".into(), 3, 9);
        assert_eq!((cache.get("a"), cache.get("c")), (None, Some(3)));
        assert_eq!(cache.bytes(), 10);
        cache.put("huge".into(), 4, 200);
        assert_eq!(cache.get("huge"), None);
        assert_eq!(cache.bytes(), 10);
    }
}
