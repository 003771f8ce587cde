//! A fast non-cryptographic hash: of a line, for the incremental counter's content-defined cuts
//! (any hash would do: a cut is only ever placed where it is safe, the hash just spreads them);
//! of a segment, for the table of recent segments; and of the byte-token keys the byte fallback
//! looks up (where std's SipHash cost more than the lookup it served). None of these tables is
//! exposed to keys chosen to collide on purpose beyond making a count slower.

use std::hash::Hasher;

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// FxHash's mixing, eight bytes at a time, with the high bits folded down (the cut test reads
/// the low bits).
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = 0u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(SEED);
    }
    h ^ (h >> 29)
}

/// [`hash_bytes`] as a [`Hasher`] for hash sets of small keys.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes) ^ self.0.rotate_left(17);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
