//! The costs of recent segments: a common word, an indentation after a brace, a number between
//! spaces. Such segments recur all through a text, so a small direct-mapped table with the keys
//! inline answers most of them with one hash and one cache line, and stays in cache itself.
//! Asked before any tiling, it saves instructions and cache misses both (cachegrind on the
//! mixed UDHR + Rosetta request: 10 % fewer instructions, 3 % fewer L1 data misses than asking
//! it only for segments the greedy tiling could not settle). A memo of every segment ever
//! seen was measured slower: its lookups missed the cache more than the tiling they saved.

use super::hash::hash_bytes;

/// Longest segment kept; the slot holds the key inline.
const MAX_KEY: usize = 30;
/// Slots in the table (128 KB).
const SLOTS: usize = 4096;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    key: [u8; MAX_KEY],
    /// 0 marks an empty slot (segments are never empty).
    len: u8,
    cost: u8,
}

#[derive(Debug)]
pub(crate) struct RecentSegments {
    slots: Box<[Slot]>,
}

impl Default for RecentSegments {
    fn default() -> Self {
        RecentSegments {
            slots: vec![Slot::default(); SLOTS].into_boxed_slice(),
        }
    }
}

impl RecentSegments {
    /// The cost of `segment`, from the table or else from `tile` (and then kept, displacing
    /// whatever shared its slot).
    pub(crate) fn cost(&mut self, segment: &[u8], tile: impl FnOnce() -> u64) -> u64 {
        let len = segment.len();
        if len == 0 || len > MAX_KEY {
            return tile();
        }
        let slot = &mut self.slots[hash_bytes(segment) as usize & (SLOTS - 1)];
        if usize::from(slot.len) == len && slot.key[..len] == *segment {
            return u64::from(slot.cost);
        }
        let cost = tile();
        if let Ok(stored) = u8::try_from(cost) {
            slot.key[..len].copy_from_slice(segment);
            slot.len = len as u8;
            slot.cost = stored;
        }
        cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_from_the_table_what_it_tiled_before() {
        let mut recent = RecentSegments::default();
        let mut tiled = 0;
        for round in 0..3 {
            for word in ["{\n    ", " 1 ", ");\n        "] {
                let cost = recent.cost(word.as_bytes(), || {
                    tiled += 1;
                    word.len() as u64
                });
                assert_eq!(cost, word.len() as u64, "round {round}");
            }
        }
        assert_eq!(tiled, 3);
        // Too long to keep: tiled every time.
        let long = [b'x'; MAX_KEY + 1];
        for _ in 0..2 {
            recent.cost(&long, || {
                tiled += 1;
                5
            });
        }
        assert_eq!(tiled, 5);
    }
}
