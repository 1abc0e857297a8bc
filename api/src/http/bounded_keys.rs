//! A map with a hard bound on its size and O(1) work per access, for state
//! kept per client or per token (rate-limit buckets, unknown tokens).
//!
//! Each shard holds two generations: entries are written to the current one;
//! when it is full, it becomes the previous one and the old previous one is
//! dropped whole. An entry read from the previous generation moves to the
//! current one, so entries in use survive and the quiet ones age out: an
//! approximate least-recently-used order without a list to maintain or a
//! scan to run. A shard never holds more than twice its generation size.
//! Forgetting an entry only makes its client start afresh (a full bucket),
//! which a client would need more distinct keys than the bound to cause.
//!
//! The map is also a state store for `governor`'s keyed rate limiters, so
//! that their memory is bounded too (governor's own keyed store grows with
//! every key until it is pruned by a scan).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, PoisonError};

use governor::nanos::Nanos;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::state::StateStore;

/// Shards, so that clients hashed to different shards do not wait for each other.
const SHARDS: usize = 16;

struct Generations<K, V> {
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
}

/// A bounded map from `K` to `V`.
pub struct BoundedMap<K, V> {
    shards: Box<[Mutex<Generations<K, V>>]>,
    /// Entries per generation per shard.
    generation: usize,
    hasher: RandomState,
}

impl<K: Hash + Eq + Clone, V: Clone> BoundedMap<K, V> {
    /// A map that holds at most about `capacity` entries (never more).
    pub fn new(capacity: usize) -> Self {
        let generation = (capacity / (2 * SHARDS)).max(1);
        BoundedMap {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Generations {
                        current: HashMap::new(),
                        previous: HashMap::new(),
                    })
                })
                .collect(),
            generation,
            hasher: RandomState::new(),
        }
    }

    /// The most entries the map can hold.
    pub fn capacity(&self) -> usize {
        self.generation * 2 * SHARDS
    }

    fn shard(&self, key: &K) -> &Mutex<Generations<K, V>> {
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        &self.shards[index]
    }

    /// Runs `f` on the value of `key` (`None` if absent) and stores what it
    /// returns, all under the shard's lock; `None` from `f` removes the entry.
    pub fn update<T>(&self, key: &K, f: impl FnOnce(Option<V>) -> (T, Option<V>)) -> T {
        let mut shard = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let old = match shard.current.remove(key) {
            Some(value) => Some(value),
            None => shard.previous.remove(key),
        };
        let (result, new) = f(old);
        if let Some(value) = new {
            if shard.current.len() >= self.generation {
                let full = std::mem::take(&mut shard.current);
                shard.previous = full;
            }
            shard.current.insert(key.clone(), value);
        }
        result
    }

    /// The value of `key`, if present (it then counts as recently used).
    pub fn get(&self, key: &K) -> Option<V> {
        self.update(key, |value| (value.clone(), value))
    }

    /// Stores `value` under `key`.
    pub fn insert(&self, key: K, value: V) {
        self.update(&key, |_| ((), Some(value)));
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                shard.current.len() + shard.previous.len()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps only the entries `keep` accepts.
    pub fn retain(&self, keep: impl Fn(&V) -> bool) {
        for shard in self.shards.iter() {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            shard.current.retain(|_, value| keep(value));
            shard.previous.retain(|_, value| keep(value));
        }
    }
}

impl<K: Hash + Eq + Clone> StateStore for BoundedMap<K, Nanos> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &K, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.update(key, |old| match f(old) {
            Ok((result, new)) => (Ok(result), Some(new)),
            // Refused: the state stays as it was.
            Err(error) => (Err(error), old),
        })
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<K> for BoundedMap<K, Nanos> {
    fn retain_recent(&self, drop_below: Nanos) {
        self.retain(|value| *value >= drop_below);
    }

    fn len(&self) -> usize {
        BoundedMap::len(self)
    }

    fn is_empty(&self) -> bool {
        BoundedMap::is_empty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_never_holds_more_than_its_capacity() {
        let map = BoundedMap::new(1_000);
        for key in 0..100_000u32 {
            map.insert(key, key);
            assert!(map.len() <= map.capacity());
        }
        assert!(map.len() <= 1_000, "{}", map.len());
        // The newest entries are there.
        assert_eq!(map.get(&99_999), Some(99_999));
    }

    #[test]
    fn entries_in_use_survive_while_quiet_ones_age_out() {
        let map = BoundedMap::new(64);
        map.insert(u32::MAX, 7);
        for key in 0..10_000u32 {
            map.insert(key, 0);
            // The busy key is read as often as new keys arrive.
            assert_eq!(map.get(&u32::MAX), Some(7), "after {key}");
        }
        assert_eq!(map.get(&0), None);
    }

    #[test]
    fn update_can_remove() {
        let map = BoundedMap::new(10);
        map.insert("a", 1);
        map.update(&"a", |_| ((), None));
        assert_eq!(map.get(&"a"), None);
        assert!(map.is_empty());
    }
}
