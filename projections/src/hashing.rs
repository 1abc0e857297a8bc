//! A fast, non-cryptographic hasher for the in-memory maps of a batch.
//!
//! The maps are keyed by complaint ids and small integers taken from our own
//! event log, never by untrusted input, so resistance to collision attacks
//! (what the standard SipHash buys) is not needed, while hashing is a visible
//! share of a rebuild's time. This is the multiply-rotate scheme of rustc's
//! FxHasher.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// The hasher state.
#[derive(Clone, Copy, Default)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_i64(&mut self, value: i64) {
        self.add(value as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits (which pick the bucket) depending
        // on the low input bits only; keys that differ in their last bytes
        // would collide. A final avalanche (murmur3's fmix64) spreads them.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A `HashMap` with the fast hasher.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_alike_and_different_keys_usually_not() {
        let mut map: FastMap<&str, u32> = FastMap::default();
        for (i, key) in ["a", "b", "complaint-1", "complaint-2", ""]
            .iter()
            .enumerate()
        {
            map.insert(key, i as u32);
        }
        assert_eq!(map.get("complaint-2"), Some(&3));
        assert_eq!(map.len(), 5);
    }
}
