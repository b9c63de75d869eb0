//! A small keyed cache that starts over when full: what both the parsed-document cache and the
//! analytics cache need. Keys are query texts or argument strings; the data never changes, so
//! an entry never goes stale, and starting over is enough to bound memory.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

/// A bounded map from text keys to cloneable values, safe to share between requests.
#[derive(Debug)]
pub(crate) struct Bounded<V> {
    entries: Mutex<FxHashMap<String, V>>,
    capacity: usize,
}

impl<V: Clone> Bounded<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Bounded {
            entries: Mutex::default(),
            capacity,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    /// Keeps `value` under `key`, emptying the cache first when it is full.
    pub(crate) fn put(&self, key: String, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_starts_over() {
        let cache = Bounded::new(2);
        cache.put("a".into(), 1);
        cache.put("b".into(), 2);
        assert_eq!(cache.get("a"), Some(1));
        cache.put("c".into(), 3);
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.get("c"), Some(3));
    }
}
