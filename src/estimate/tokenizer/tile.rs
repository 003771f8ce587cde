//! The minimum-cost tiling of a marked stream: every vocabulary piece costs one token, and a
//! character no piece covers costs its byte fallback. Only the count matters, so any optimal
//! tiling will do; a forward dynamic programme over the trie finds its cost in one pass.

use super::stream::MARKER_BYTES;
use super::vocab::{NONE, Vocab};

/// Length of the unit starting with `lead`: a marker byte or a UTF-8 character.
#[inline]
fn unit_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1, // a marker (the stream holds no stray continuation bytes)
    }
}

/// Tokens in the cheapest tiling of `stream`. `best` is scratch space.
pub(crate) fn tile_cost(vocab: &Vocab, stream: &[u8], best: &mut Vec<u32>) -> u64 {
    let n = stream.len();
    if n == 0 {
        return 0;
    }
    best.clear();
    best.resize(n + 1, u32::MAX);
    best[0] = 0;
    let trie = &vocab.trie;
    let mut i = 0;
    while i < n {
        let lead = stream[i];
        let unit = unit_len(lead);
        let base = best[i];
        let mut covered = false;
        let mut node = trie.start(lead);
        let mut j = i;
        while node != NONE {
            j += 1;
            if trie.is_terminal(node) {
                covered |= j == i + unit;
                let slot = &mut best[j];
                if base + 1 < *slot {
                    *slot = base + 1;
                }
            }
            if j == n {
                break;
            }
            node = trie.step(node, stream[j]);
        }
        if !covered {
            let cost = if MARKER_BYTES.contains(&lead) {
                1
            } else {
                vocab.byte_floor(&stream[i..i + unit])
            };
            let slot = &mut best[i + unit];
            *slot = (*slot).min(base + cost);
        }
        i += unit;
    }
    u64::from(best[n])
}

/// What `n` content-final newlines cost beyond the frame's own closing token: the frame appends
/// two newlines and one token may span into them, so the tokenizer sees `n + 2` of which the
/// frame already pays one. Not monotonic in `n`.
pub(crate) fn newline_tail_cost(vocab: &Vocab, n: usize, best: &mut Vec<u32>) -> u64 {
    if n == 0 {
        return 0;
    }
    let run = vec![b'\n'; n + 2];
    tile_cost(vocab, &run, best) - 1
}
