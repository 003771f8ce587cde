//! The minimum-cost tiling of a marked stream: every vocabulary piece costs one token, and a
//! character no piece covers costs its byte fallback. Only the count matters, so any optimal
//! tiling will do.
//!
//! In both vocabularies ⟨eow⟩ only ever ends a piece and ⟨bow⟩ only ever starts one (after
//! case markers at most; `tests::markers_sit_at_piece_edges` checks this). So no piece spans
//! the point after an ⟨eow⟩ or before a ⟨bow⟩ with no case marker in front (a cut), and the
//! cheapest tiling of the stream is the sum of the cheapest tilings of the segments between
//! cuts: a word, a punctuation mark, an indentation.
//!
//! Words and indentations recur all through a text, so a segment's cost comes first from a
//! small table of recent segments ([`RecentSegments`]). Otherwise it is tiled: most segments
//! cost one or two tokens, and then the greedy tiling (the longest piece next) is already the
//! cheapest, since a segment costs one only when it is a single piece, which the greedy
//! tiling's first step finds; the others get a forward dynamic programme over the trie, pruned
//! by the greedy cost.

use std::cell::RefCell;

use super::recent::RecentSegments;
use super::stream::{BOW, CAPS, EOW, MARKER_BYTES, SHIFT};
use super::trie::Node;
use super::vocab::Vocab;

thread_local! {
    /// Recent segment costs, by vocabulary id.
    static RECENT: RefCell<Vec<(u32, RecentSegments)>> = const { RefCell::new(Vec::new()) };
}

/// Forget this thread's recent segment costs (for measurements from cold).
pub(crate) fn clear_recent() {
    RECENT.with(|recent| recent.borrow_mut().clear());
}

/// Tokens in the cheapest tiling of `stream`, segment by segment: from the recent segments, or
/// else by [`tile_segment`]. `best` is scratch space.
pub(crate) fn tile_cost(vocab: &Vocab, stream: &[u8], best: &mut Vec<u32>) -> u64 {
    RECENT.with(|recent| {
        let mut tables = recent.borrow_mut();
        let at = match tables.iter().position(|(id, _)| *id == vocab.id) {
            Some(at) => at,
            None => {
                tables.push((vocab.id, RecentSegments::default()));
                tables.len() - 1
            }
        };
        let recent = &mut tables[at].1;
        let mut total = 0;
        let mut start = 0;
        while start < stream.len() {
            let end = segment_end(stream, start);
            let segment = &stream[start..end];
            total += recent.cost(segment, || tile_segment(vocab, segment, best));
            start = end;
        }
        total
    })
}

/// Where the segment starting at `start` ends: at the next cut. Only markers make cuts, and
/// they are the only bytes from ⟨bow⟩ (0xF8) up, so the scan looks for those.
#[inline]
fn segment_end(stream: &[u8], start: usize) -> usize {
    let mut from = start;
    while let Some(k) = stream[from..].iter().position(|&b| b >= BOW) {
        let at = from + k;
        match stream[at] {
            EOW => return at + 1,
            BOW if at > start && !matches!(stream[at - 1], SHIFT | CAPS) => return at,
            _ => from = at + 1,
        }
    }
    stream.len()
}

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

/// What a unit no piece covers costs: a marker is its own token, a character its byte fallback.
fn fallback_cost(vocab: &Vocab, unit: &[u8]) -> u32 {
    if MARKER_BYTES.contains(&unit[0]) {
        1
    } else {
        vocab.byte_floor(unit)
    }
}

/// The greedy tiling's token at `i`: the longest piece there, or the unit's byte fallback.
/// Returns where it ends and what it costs.
#[inline]
fn greedy_token(vocab: &Vocab, stream: &[u8], i: usize) -> (usize, u32) {
    let trie = &vocab.trie;
    let n = stream.len();
    // Pieces are whole characters, so the longest one ends on a character boundary.
    let mut longest = None;
    let mut node = trie.start(stream[i]);
    let mut j = i;
    while node != Node::NONE {
        j += 1;
        if node.is_terminal() {
            longest = Some(j);
        }
        if j == n {
            break;
        }
        node = trie.step(node, stream[j]);
    }
    match longest {
        Some(end) => (end, 1),
        None => {
            let unit = unit_len(stream[i]);
            (i + unit, fallback_cost(vocab, &stream[i..i + unit]))
        }
    }
}

/// Tokens in the greedy tiling: a bound on the cheapest one, and usually equal to it; and
/// whether any of its tokens spans more than one unit (a marker or a character).
fn greedy_cost(vocab: &Vocab, stream: &[u8]) -> (u32, bool) {
    let (mut i, mut cost, mut spans) = (0, 0, false);
    while i < stream.len() {
        let (end, token) = greedy_token(vocab, stream, i);
        spans |= end - i > unit_len(stream[i]);
        (i, cost) = (end, cost + token);
    }
    (cost, spans)
}

/// Tokens in the cheapest tiling of one segment (or any stream).
fn tile_segment(vocab: &Vocab, stream: &[u8], best: &mut Vec<u32>) -> u64 {
    let (bound, spans) = greedy_cost(vocab, stream);
    // Any text costs at least one token, and costs one only when it is a single piece, which
    // the greedy tiling's first step finds; so a greedy cost of one or two is the cheapest.
    // And when no greedy token spans two units, the greedy tiling stopped at every unit and
    // found no piece longer than it there: every tiling then pays each unit alone, a piece
    // (one token) where the greedy tiling found one, else the byte fallback.
    if bound <= 2 || !spans {
        return u64::from(bound);
    }
    cheapest_cost(vocab, stream, bound, best)
}

/// Tokens in the cheapest tiling of `stream`, by dynamic programme over the positions that can
/// still beat `bound` (the cost of a known tiling). `best` is scratch space.
fn cheapest_cost(vocab: &Vocab, stream: &[u8], bound: u32, best: &mut Vec<u32>) -> u64 {
    let n = stream.len();
    best.clear();
    best.resize(n + 1, u32::MAX);
    best[0] = 0;
    let trie = &vocab.trie;
    let mut i = 0;
    while i < n {
        let lead = stream[i];
        let unit = unit_len(lead);
        let base = best[i];
        // Everything after position i costs at least one more token, so a tiling through it
        // cannot beat the bound (nor can one through a position left unreached for that reason).
        if base.saturating_add(1) >= bound {
            i += unit;
            continue;
        }
        let mut covered = false;
        let mut node = trie.start(lead);
        let mut j = i;
        while node != Node::NONE {
            j += 1;
            if node.is_terminal() {
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
            let slot = &mut best[i + unit];
            *slot = (*slot).min(base + fallback_cost(vocab, &stream[i..i + unit]));
        }
        i += unit;
    }
    u64::from(best[n].min(bound))
}

/// What `n` content-final newlines cost beyond the frame's own closing token: the frame appends
/// two newlines and one token may span into them, so the tokenizer sees `n + 2` of which the
/// frame already pays one. Not monotonic in `n`.
pub(crate) fn newline_tail_cost(vocab: &Vocab, n: usize, best: &mut Vec<u32>) -> u64 {
    if n == 0 {
        return 0;
    }
    let run = vec![b'\n'; n + 2];
    tile_segment(vocab, &run, best) - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::Family;
    use crate::estimate::tokenizer::stream::{Edges, write_stream};
    use crate::estimate::tokenizer::tokenizer;
    use proptest::prelude::*;

    /// The marked stream of `text` as a whole message in `family`.
    fn stream_of(family: Family, text: &str) -> Vec<u8> {
        let edges = Edges {
            at_start: true,
            frame_bow: true,
            raw_head_space: false,
        };
        let mut stream = Vec::new();
        write_stream(
            text,
            edges,
            tokenizer(family).vocab.allcaps_min,
            &mut stream,
        );
        stream
    }

    #[test]
    fn markers_sit_at_piece_edges() {
        // The segmenting above is exact only if this holds for every piece.
        for family in [Family::V3, Family::V4_7] {
            for piece in tokenizer(family).vocab.trie.pieces() {
                if let Some(at) = piece.iter().position(|&b| b == EOW) {
                    assert_eq!(at, piece.len() - 1, "{family:?}: ⟨eow⟩ inside {piece:?}");
                }
                if let Some(at) = piece.iter().position(|&b| b == BOW) {
                    assert!(
                        piece[..at].iter().all(|&b| b == SHIFT || b == CAPS),
                        "{family:?}: ⟨bow⟩ after text in {piece:?}"
                    );
                }
            }
        }
    }

    proptest! {
        /// The marker scan cuts where the rule says: after ⟨eow⟩, and before a ⟨bow⟩ with no
        /// case marker in front.
        #[test]
        fn segments_end_at_the_next_cut(
            stream in prop::collection::vec(
                prop_oneof![Just(BOW), Just(EOW), Just(SHIFT), Just(CAPS), Just(b'a'), Just(b' ')],
                1..40,
            ),
            start in 0usize..40,
        ) {
            let start = start % stream.len();
            let rule = (start + 1..stream.len())
                .find(|&i| {
                    stream[i - 1] == EOW
                        || (stream[i] == BOW && !matches!(stream[i - 1], SHIFT | CAPS))
                })
                .unwrap_or(stream.len());
            prop_assert_eq!(segment_end(&stream, start), rule);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The greedy shortcut, the pruning and the recent segments change nothing: the stream
        /// of any text costs what the plain dynamic programme over the whole stream says.
        #[test]
        fn shortcuts_keep_the_cheapest_cost(
            fragments in prop::collection::vec(prop_oneof![
                prop::sample::select(vec![
                    "the", "The", "THE", "tokenizer", "Tokenizers", "QUICKLY", " ", "  ", "\n",
                    "\n    ", "\t", "'s", "'", "{}", "->", "::", "12345", "3.14", "中文", "한국어",
                    "😀", "👍🏽", "e\u{301}", "\u{301}", "Ελληνικά", "ΣΟΦΙΑ", "İstanbul", "№", "—",
                    "«", "½", "\u{fe0f}", "ـ", "ก", "\u{0e33}",
                ]).prop_map(str::to_string),
                // Made-up words and symbol runs, where the longest piece first is often not
                // the cheapest tiling.
                "[a-zA-Z]{1,14}",
                "[ -~]{1,8}",
            ], 0..40),
            family in prop::sample::select(vec![Family::V3, Family::V4_7]),
        ) {
            let tok = tokenizer(family);
            let stream = stream_of(family, &fragments.concat());
            let mut best = Vec::new();
            let plain = cheapest_cost(tok.vocab, &stream, u32::MAX, &mut best);
            prop_assert_eq!(tile_cost(tok.vocab, &stream, &mut best), plain);
            prop_assert_eq!(tile_segment(tok.vocab, &stream, &mut best), plain);
            prop_assert!(u64::from(greedy_cost(tok.vocab, &stream).0) >= plain);
        }
    }

    #[test]
    fn segments_the_greedy_tiling_overpays_get_the_cheapest() {
        // Word fragments where the longest piece first costs a token more than the cheapest
        // tiling (found by search over word fragments).
        for (family, text) in [(Family::V3, "rstand"), (Family::V4_7, "lish")] {
            let tok = tokenizer(family);
            let stream = stream_of(family, text);
            let mut best = Vec::new();
            let cheapest = cheapest_cost(tok.vocab, &stream, u32::MAX, &mut best);
            assert!(
                u64::from(greedy_cost(tok.vocab, &stream).0) > cheapest,
                "{text}"
            );
            assert_eq!(tile_cost(tok.vocab, &stream, &mut best), cheapest, "{text}");
        }
    }

    #[test]
    fn segmented_tiling_equals_whole_tiling() {
        let tok = tokenizer(Family::V3);
        let stream = stream_of(
            Family::V3,
            "The QUICK brown fox's \"jump\" — 1234 times, in 中文 and Ελληνικά; x += 1;",
        );
        let mut best = Vec::new();
        assert_eq!(
            tile_cost(tok.vocab, &stream, &mut best),
            tile_segment(tok.vocab, &stream, &mut best)
        );
    }
}
