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
//! (first segment: the frame's edge; last: the trailing newlines). `IncrementalCounter`
//! proves nothing by itself: the property test checks it against a full recount.

use std::collections::HashMap;

use super::hash::{FastHash, hash_bytes};

use super::{Position, Tokenizer, tokenizer};
use crate::estimate::Family;

/// Caches segment counts across calls, so a keystroke in a 1 MB prompt recounts one segment.
#[derive(Debug)]
pub struct IncrementalCounter {
    tokenizer: &'static Tokenizer,
    /// Segment counts by position (first/last) and text.
    cache: [HashMap<Box<str>, Cached, FastHash>; 4],
    generation: u64,
    /// Cut only where the preceding line's hash has these bits clear (content-defined, so an
    /// edit moves no cut but its own); 0 cuts at every safe boundary.
    cut_mask: u64,
    /// Force a cut at the next safe boundary once a segment is this long.
    max_segment: usize,
}

#[derive(Debug, Clone, Copy)]
struct Cached {
    tokens: u64,
    used: u64,
}

impl IncrementalCounter {
    /// A counter for `family`, with segments of about a kilobyte of prose.
    pub fn new(family: Family) -> IncrementalCounter {
        IncrementalCounter::with_segmenting(family, 0xF, 16 * 1024)
    }

    fn with_segmenting(family: Family, cut_mask: u64, max_segment: usize) -> IncrementalCounter {
        IncrementalCounter {
            tokenizer: tokenizer(family),
            cache: Default::default(),
            generation: 0,
            cut_mask,
            max_segment,
        }
    }

    pub fn family(&self) -> Family {
        self.tokenizer.family()
    }

    /// Tokens of `text` as a whole message's text (frame excluded); equal to
    /// `tokenizer::count(family, text)`.
    pub fn count(&mut self, text: &str) -> u64 {
        self.generation += 1;
        let generation = self.generation;
        let segments = segments(text, self.cut_mask, self.max_segment);
        let last = segments.len().saturating_sub(1);
        let mut total = 0;
        for (i, segment) in segments.iter().enumerate() {
            let position = Position {
                first: i == 0,
                last: i == last,
            };
            let map = &mut self.cache[usize::from(position.first) * 2 + usize::from(position.last)];
            let tokens = match map.get_mut(*segment) {
                Some(hit) => {
                    hit.used = generation;
                    hit.tokens
                }
                None => {
                    let tokens = self.tokenizer.count_segment(segment, position);
                    map.insert(
                        (*segment).into(),
                        Cached {
                            tokens,
                            used: generation,
                        },
                    );
                    tokens
                }
            };
            total += tokens;
        }
        self.evict(segments.len());
        total
    }

    /// Drop segments no longer in the text once they outnumber the live ones.
    fn evict(&mut self, live: usize) {
        let held: usize = self.cache.iter().map(HashMap::len).sum();
        if held > 2 * live + 64 {
            let generation = self.generation;
            for map in &mut self.cache {
                map.retain(|_, c| c.used == generation);
            }
        }
    }
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

/// Split `text` into segments at safe boundaries chosen by content.
fn segments(text: &str, cut_mask: u64, max_segment: usize) -> Vec<&str> {
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
        let segs = segments(text, 0, usize::MAX);
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
            let mut counter = IncrementalCounter::with_segmenting(family, 0, usize::MAX);
            let mut current = base;
            prop_assert_eq!(counter.count(&current), full.count(&current));
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
                prop_assert_eq!(counter.count(&current), full.count(&current), "text {:?}", current);
            }
        }
    }
}
