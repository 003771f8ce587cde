//! A fast non-cryptographic hash for the caches (keys are our own text, not adversarial input
//! across a trust boundary; a collision costs a slower lookup, never a wrong count, since the
//! maps compare whole keys).

use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hash, eight bytes at a time (FxHash's mixing).
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ word).wrapping_mul(SEED);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(SEED);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        // Fold the high bits down: hashbrown picks buckets from the top, cuts test the bottom.
        self.0 ^ (self.0 >> 29)
    }
}

pub(crate) type FastHash = BuildHasherDefault<WordHasher>;

pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = WordHasher::default();
    h.write(bytes);
    h.finish()
}

impl std::fmt::Debug for WordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WordHasher")
    }
}
