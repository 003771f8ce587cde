//! Recount a long message by segments, reusing the counts of segments that did not change.
//!
//! A message is cut only after a newline that is followed by a character which survives
//! normalisation and is not a newline or a mark. Such a cut is invisible to the count:
//! * normalisation is local there (nothing composes with, or is stripped next to, a newline);
//! * every vocabulary piece containing a newline is all newlines (`tests::newline_pieces_are_pure`),
//!   so no piece spans from the newline into what follows;
//! * the stream rules that look across a run boundary read only the character next to it, and
//!   on both sides of the cut that is the same newline-ended whitespace; no seam space, word or
//!   punctuation run crosses a newline.
//!
//! So the count of the message is the sum of its segments' counts, each made with its position
//! (first segment: the frame's edge; last: the trailing newlines), for any choice of safe cuts.
//! On each call the counter compares the new text with the previous one, keeps the segments
//! that lie wholly in the unchanged head and tail, and re-cuts and recounts only the middle.
//! The property test below checks the result against a full recount.

use super::hash::hash_bytes;
use super::{Position, Tokenizer, tokenizer};
use crate::estimate::Family;

/// Keeps the previous text's segment counts, so a keystroke in a 1 MB prompt recounts one
/// segment (about a kilobyte).
#[derive(Debug)]
pub struct IncrementalCounter {
    tokenizer: &'static Tokenizer,
    /// The text last counted and its segments, in order, covering it.
    text: String,
    segments: Vec<Segment>,
    /// Cut only where the preceding line's hash has these bits clear (content-defined, so
    /// cuts do not depend on where the segment began); 0 cuts at every safe boundary.
    cut_mask: u64,
    /// Force a cut at the next safe boundary once a segment is this long.
    max_segment: usize,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    start: usize,
    end: usize,
    tokens: u64,
}

/// Bytes of margin kept between a reused cut and a change, so the character after the cut
/// (which decides whether the cut is safe) is unchanged too.
const MARGIN: usize = 4;

impl IncrementalCounter {
    /// A counter for `family`, with segments of about a kilobyte of prose or code.
    pub fn new(family: Family) -> IncrementalCounter {
        IncrementalCounter::with_segmenting(family, 0xF, 16 * 1024)
    }

    fn with_segmenting(family: Family, cut_mask: u64, max_segment: usize) -> IncrementalCounter {
        IncrementalCounter {
            tokenizer: tokenizer(family),
            text: String::new(),
            segments: Vec::new(),
            cut_mask,
            max_segment,
        }
    }

    pub fn family(&self) -> Family {
        self.tokenizer.family()
    }

    /// Tokens of `text` as a whole message's text (frame excluded); always equal to
    /// `tokenizer::count(family, text)`.
    pub fn count(&mut self, text: &str) -> u64 {
        if text == self.text && !self.segments.is_empty() {
            return self.total();
        }
        let (old, new) = (self.text.as_bytes(), text.as_bytes());
        let prefix = common_prefix(old, new);
        let suffix = common_suffix(old, new).min(old.len().min(new.len()) - prefix);
        // Segments wholly in the unchanged head keep their counts (none was the last).
        let head = self
            .segments
            .iter()
            .take_while(|s| s.end + MARGIN <= prefix)
            .count();
        // …and so do those wholly in the unchanged tail, shifted.
        let tail_from = old.len() - suffix;
        let tail = self.segments[head..]
            .iter()
            .position(|s| s.start > tail_from)
            .map_or(self.segments.len(), |k| head + k);
        let middle_start = self.segments[..head].last().map_or(0, |s| s.end);
        let middle_end = self
            .segments
            .get(tail)
            .map_or(new.len(), |s| s.start + new.len() - old.len());

        let mut segments = Vec::with_capacity(self.segments.len() + 8);
        segments.extend_from_slice(&self.segments[..head]);
        let mut at = middle_start;
        for piece in segments_of(
            &text[middle_start..middle_end],
            self.cut_mask,
            self.max_segment,
        ) {
            let end = at + piece.len();
            let position = Position {
                first: at == 0,
                last: end == new.len(),
            };
            segments.push(Segment {
                start: at,
                end,
                tokens: self.tokenizer.count_segment(piece, position),
            });
            at = end;
        }
        segments.extend(self.segments[tail..].iter().map(|s| Segment {
            start: s.start + new.len() - old.len(),
            end: s.end + new.len() - old.len(),
            tokens: s.tokens,
        }));
        self.segments = segments;
        self.text.clear();
        self.text.push_str(text);
        self.total()
    }

    fn total(&self) -> u64 {
        self.segments.iter().map(|s| s.tokens).sum()
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    // Compare in blocks first: the slice equality is vectorised.
    const BLOCK: usize = 4096;
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..n]
        .iter()
        .zip(&b[at..n])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let n = a.len().min(b.len());
    let mut k = 0;
    while k + BLOCK <= n
        && a[a.len() - k - BLOCK..a.len() - k] == b[b.len() - k - BLOCK..b.len() - k]
    {
        k += BLOCK;
    }
    k + a[..a.len() - k]
        .iter()
        .rev()
        .zip(b[..b.len() - k].iter().rev())
        .take(n - k)
        .take_while(|(x, y)| x == y)
        .count()
}

/// Where `text` may be cut: just after a newline, before a character that is not a newline,
/// a mark, or a character normalisation removes.
fn is_safe_start(c: char) -> bool {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    match c {
        ' ' | '\t' => true,
        '\n' | '\0' | '\x01'..='\x1f' | '\x7f'..='\u{9f}' | '\u{e000}'..='\u{f8ff}' => false,
        _ if c.is_ascii() => true,
        _ => c.general_category_group() != GeneralCategoryGroup::Mark,
    }
}

/// Split a long `text` into pieces of at least `size` bytes (but the last), each cut at the
/// first safe boundary after that size.
pub(super) fn long_text_pieces(text: &str, size: usize) -> Vec<&str> {
    // A line hashes to zero once in 2^64, and a cut there would be safe too: the size chooses.
    segments_of(text, u64::MAX, size)
}

/// Split `text` into segments at safe boundaries chosen by content.
fn segments_of(text: &str, cut_mask: u64, max_segment: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut segment_start = 0;
    let mut line_start = 0;
    for (nl, _) in text.match_indices('\n') {
        let cut = nl + 1;
        let line = &text[line_start..cut];
        line_start = cut;
        let Some(next) = text[cut..].chars().next() else {
            break;
        };
        if !is_safe_start(next) {
            continue;
        }
        let chosen =
            hash_bytes(line.as_bytes()) & cut_mask == 0 || cut - segment_start >= max_segment;
        if chosen {
            out.push(&text[segment_start..cut]);
            segment_start = cut;
        }
    }
    out.push(&text[segment_start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn newline_pieces_are_pure() {
        // The cut rule rests on this: no piece joins a newline to anything but newlines.
        for family in [Family::V3, Family::V4_7] {
            let vocab = tokenizer(family).vocab;
            for piece in vocab.trie.pieces() {
                if piece.contains(&b'\n') {
                    assert!(piece.iter().all(|&b| b == b'\n'), "{family:?}: {piece:?}");
                }
            }
        }
    }

    #[test]
    fn cuts_only_before_safe_characters() {
        let text = "a\nb\n\nc\n\u{301}d\n\u{1}e\n f";
        let segs = segments_of(text, 0, usize::MAX);
        assert_eq!(segs, ["a\n", "b\n\n", "c\n\u{301}d\n\u{1}e\n", " f"]);
        assert_eq!(segs.concat(), text);
    }

    /// Pieces of text that exercise every rule near a line break.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "\n", "\n\n", " ", "  ", "\t", "\r\n", "a", "Word", "NASA", "it's", "'s", "'", "x",
            "don't", "123", "٣", "½", "(", ");", "!", ",", ".", "—", "é", "e\u{301}", "\u{301}",
            "\u{94d}", "中文", "。", "？", "😀", "\u{fe0f}", "\u{a0}", "\u{3000}", "\u{1}",
            "\u{e000}", "\0", "‘", "”", "İ", "ẞ", "Σ", "\u{fdd0}", "ー", " '", "'a",
        ])
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(fragment(), 0..60).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn incremental_equals_full_recount(
            base in text(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, text()), 1..6),
            family in prop::sample::select(vec![Family::V3, Family::V4_7, Family::V4_8]),
        ) {
            let full = tokenizer(family);
            // Every safe boundary cut, and the default content-defined cuts with a tiny cap.
            let mut fine = IncrementalCounter::with_segmenting(family, 0, usize::MAX);
            let mut coarse = IncrementalCounter::with_segmenting(family, 0x3, 24);
            let mut current = base;
            prop_assert_eq!(fine.count(&current), full.count(&current));
            prop_assert_eq!(coarse.count(&current), full.count(&current));
            for (at, remove, insert) in edits {
                let boundaries: Vec<usize> = current
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([current.len()])
                    .collect();
                let start = boundaries[at.index(boundaries.len())];
                let end = boundaries
                    .iter()
                    .copied()
                    .find(|&b| b >= start)
                    .map(|b| {
                        let k = boundaries.iter().position(|&x| x == b).unwrap_or(0);
                        boundaries[(k + remove).min(boundaries.len() - 1)]
                    })
                    .unwrap_or(start);
                current.replace_range(start..end, &insert);
                let expected = full.count(&current);
                prop_assert_eq!(fine.count(&current), expected, "text {:?}", current);
                prop_assert_eq!(coarse.count(&current), expected, "text {:?}", current);
            }
        }
    }
}
