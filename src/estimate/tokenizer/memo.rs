//! Remembered tiling costs of short stream segments (words, punctuation, indentation).
//!
//! A text repeats a few thousand distinct words many times over, so most segments are found
//! here rather than tiled. The table is built for that lookup: open addressing over one flat
//! slot array, with the keys' bytes side by side in one arena, so remembering a segment
//! allocates nothing once the table has grown and a lookup touches one slot and one key.

use super::hash::hash_bytes;

/// Longest segment the table keeps (a slot stores lengths and costs in a byte).
pub(crate) const MAX_KEY_LEN: usize = 64;
/// Forget everything past this many segments, to bound memory (about 20 MB when full).
const MAX_ENTRIES: usize = 1 << 18;
const INITIAL_SLOTS: usize = 1 << 12;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The key's hash; also picks the slot.
    hash: u32,
    /// The key's bytes: `keys[start..start + len]`. `len == 0` marks an empty slot.
    start: u32,
    len: u8,
    cost: u8,
}

#[derive(Debug, Default)]
pub(crate) struct Memo {
    slots: Vec<Slot>,
    keys: Vec<u8>,
    entries: usize,
}

impl Memo {
    /// The cost of `segment` (1..=MAX_KEY_LEN bytes), computed by `tile` on first sight.
    pub(crate) fn cost(&mut self, segment: &[u8], tile: impl FnOnce(&[u8]) -> u64) -> u64 {
        debug_assert!((1..=MAX_KEY_LEN).contains(&segment.len()));
        if self.slots.is_empty() {
            self.slots = vec![Slot::default(); INITIAL_SLOTS];
        }
        // Fold the high half in: the low bits pick the slot.
        let full = hash_bytes(segment);
        let hash = (full ^ (full >> 32)) as u32;
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot.len == 0 {
                break;
            }
            if slot.hash == hash && self.key(slot) == segment {
                return u64::from(slot.cost);
            }
            at = (at + 1) & mask;
        }
        let cost = tile(segment);
        // A segment of at most 64 bytes costs at most one token per byte.
        let Ok(stored) = u8::try_from(cost) else {
            return cost;
        };
        if self.entries >= MAX_ENTRIES || self.keys.len() + segment.len() > u32::MAX as usize {
            self.clear_entries();
            at = hash as usize & mask;
        }
        self.slots[at] = Slot {
            hash,
            start: self.keys.len() as u32,
            len: segment.len() as u8,
            cost: stored,
        };
        self.keys.extend_from_slice(segment);
        self.entries += 1;
        // Keep the table at most half full, so probe runs stay short.
        if self.entries * 2 > self.slots.len() {
            self.grow();
        }
        cost
    }

    fn key(&self, slot: Slot) -> &[u8] {
        let start = slot.start as usize;
        &self.keys[start..start + usize::from(slot.len)]
    }

    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.len != 0) {
            let mut at = slot.hash as usize & mask;
            while self.slots[at].len != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    /// Forget every segment but keep the memory, for the next batch of words.
    fn clear_entries(&mut self) {
        self.slots.fill(Slot::default());
        self.keys.clear();
        self.entries = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_each_segment_once() {
        let mut memo = Memo::default();
        let mut tiled = 0;
        let words: Vec<Vec<u8>> = (0..20_000u32)
            .map(|n| format!("w{n}").into_bytes())
            .collect();
        for round in 0..2 {
            for (n, word) in words.iter().enumerate() {
                let cost = memo.cost(word, |_| {
                    tiled += 1;
                    n as u64 % 50 + 1
                });
                assert_eq!(cost, n as u64 % 50 + 1, "round {round}, word {n}");
            }
        }
        // Tiled on first sight only, through several doublings of the table.
        assert_eq!(tiled, words.len());
    }

    #[test]
    fn costs_too_large_for_a_slot_are_not_kept() {
        let mut memo = Memo::default();
        assert_eq!(memo.cost(b"abc", |_| 300), 300);
        assert_eq!(memo.cost(b"abc", |_| 7), 7);
    }
}
