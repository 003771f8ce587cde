//! budgie's offline tokenizer: Claude token counts for text, without the API.
//!
//! The method is the one ctok 1.3.0 (MIT, © 2026 Sander Land) documents, implemented here from
//! its description: normalise the text ([`normalize`]), rewrite it into a stream with word
//! boundary, case and byte markers ([`stream`]), and find the minimum-cost tiling of that
//! stream over the measured vocabulary with a UTF-8 byte fallback ([`tile`]). The vocabularies
//! are ctok's measurements, converted by `scripts/vendor-tokenizer.sh` into
//! `assets/tokenizer/*.btok.gz` and compiled in; each loads once, on first use.
//!
//! Counts here are of the text alone. The message frame (7 / 11 / 6 tokens) is the
//! registry's; the frame's influence on the text's own edges (its trailing ⟨bow⟩ absorbing one
//! leading space, and its closing newlines merging with the text's) is part of the text count.

mod char_info;
mod chars;
mod hash;
mod incremental;
mod normalize;
mod recent;
mod stream;
mod tile;
mod trie;
mod vocab;

use std::cell::RefCell;
use std::sync::OnceLock;

pub use incremental::IncrementalCounter;
pub use vocab::{Vocab, VocabError};

use super::Family;
use stream::{Edges, write_stream, write_stream_if_normal};

static V3_ASSET: &[u8] = include_bytes!("../../../assets/tokenizer/v3.btok.gz");
static V4_7_ASSET: &[u8] = include_bytes!("../../../assets/tokenizer/v4_7.btok.gz");

/// One family's tokenizer: a vocabulary plus how the family's frame meets the text.
#[derive(Debug)]
pub struct Tokenizer {
    family: Family,
    vocab: &'static Vocab,
    /// The frame ends in a ⟨bow⟩ (v3, v4.7); v4.8+ frames do not.
    frame_bow: bool,
}

/// Where a segment of a message sits; decides how its edges are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    /// The segment opens the message.
    pub first: bool,
    /// The segment closes the message.
    pub last: bool,
}

impl Position {
    /// The whole message.
    pub const WHOLE: Position = Position {
        first: true,
        last: true,
    };
}

fn load(asset: &'static [u8]) -> Vocab {
    // The assets are compiled in and covered by tests; a broken one is a build defect.
    Vocab::from_gzip(asset).expect("compiled-in tokenizer asset is valid")
}

fn vocab_v3() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(|| load(V3_ASSET))
}

fn vocab_v4_7() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(|| load(V4_7_ASSET))
}

/// The tokenizer for `family`, loading its vocabulary on first use.
pub fn tokenizer(family: Family) -> &'static Tokenizer {
    static V3: OnceLock<Tokenizer> = OnceLock::new();
    static V4_7: OnceLock<Tokenizer> = OnceLock::new();
    static V4_8: OnceLock<Tokenizer> = OnceLock::new();
    let (cell, vocab, frame_bow): (_, fn() -> &'static Vocab, _) = match family {
        Family::V3 => (&V3, vocab_v3, true),
        Family::V4_7 => (&V4_7, vocab_v4_7, true),
        Family::V4_8 => (&V4_8, vocab_v4_7, false),
    };
    cell.get_or_init(|| Tokenizer {
        family,
        vocab: vocab(),
        frame_bow,
    })
}

/// Forget this thread's recent segment costs (for measurements from cold).
pub fn clear_caches() {
    tile::clear_recent();
}

/// Parse `family`'s compiled-in vocabulary afresh, bypassing the cache (for the load benchmark).
pub fn parse_vocabulary(family: Family) -> Result<Vocab, VocabError> {
    Vocab::from_gzip(match family {
        Family::V3 => V3_ASSET,
        Family::V4_7 | Family::V4_8 => V4_7_ASSET,
    })
}

/// Tokens of `text` as one whole message's text in `family`, frame excluded.
pub fn count(family: Family, text: &str) -> u64 {
    tokenizer(family).count(text)
}

/// The text of the last segment without its trailing newlines, and how many there were; other
/// segments whole.
fn split_tail(text: &str, last: bool) -> (&str, usize) {
    if last {
        let body = text.trim_end_matches('\n');
        (body, text.len() - body.len())
    } else {
        (text, 0)
    }
}

/// Texts longer than this are counted in pieces of about this size.
const PIECE: usize = 64 * 1024;

/// Reused buffers: the stream and the tiler's table.
#[derive(Default)]
struct Scratch {
    stream: Vec<u8>,
    best: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Tokenizer {
    pub fn family(&self) -> Family {
        self.family
    }

    /// Tokens of `text` as a whole message's text, frame excluded.
    ///
    /// A long text is counted a piece of about [`PIECE`] bytes at a time, cut where the
    /// incremental counter may cut (which leaves the sum unchanged, see [`incremental`]), so
    /// the working buffers stay small enough to stay in cache.
    pub fn count(&self, text: &str) -> u64 {
        if text.len() <= PIECE {
            return self.count_segment(text, Position::WHOLE);
        }
        let mut at = 0;
        let mut total = 0;
        for piece in incremental::long_text_pieces(text, PIECE) {
            let end = at + piece.len();
            let position = Position {
                first: at == 0,
                last: end == text.len(),
            };
            total += self.count_segment(piece, position);
            at = end;
        }
        total
    }

    /// Tokens of one segment of a message. The sum over a message's segments equals
    /// [`Tokenizer::count`] of the message when the segments are cut where
    /// [`IncrementalCounter`] cuts them.
    pub fn count_segment(&self, text: &str, position: Position) -> u64 {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch { stream, best } = &mut *scratch;
            let edges = Edges {
                at_start: position.first,
                frame_bow: self.frame_bow,
                raw_head_space: text.starts_with(' '),
            };
            let caps = self.vocab.allcaps_min;
            stream.clear();
            let (body, mut newlines) = split_tail(text, position.last);
            let fold_quotes = self.vocab.fold_quotes;
            if !write_stream_if_normal(body, edges, caps, fold_quotes, stream) {
                let norm = normalize::normalize(text, fold_quotes);
                let body;
                (body, newlines) = split_tail(&norm, position.last);
                stream.clear();
                write_stream(body, edges, caps, stream);
            }
            tile::tile_cost(self.vocab, stream, best)
                + tile::newline_tail_cost(self.vocab, newlines, best)
        })
    }

    /// The marked stream of `text` in ctok's public notation, for `--explain`-style output
    /// and debugging.
    pub fn marked_stream(&self, text: &str) -> String {
        let norm = normalize::normalize(text, self.vocab.fold_quotes);
        let edges = Edges {
            at_start: true,
            frame_bow: self.frame_bow,
            raw_head_space: text.starts_with(' '),
        };
        let mut out = Vec::new();
        write_stream(
            norm.trim_end_matches('\n'),
            edges,
            self.vocab.allcaps_min,
            &mut out,
        );
        stream::render(&out)
    }

    /// Heap bytes the vocabulary's trie holds (the bulk of resident memory).
    pub fn vocabulary_heap_bytes(&self) -> usize {
        self.vocab.trie.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        // ctok's README: "hello, world" is 10 on v3 (frame 7), 15 on v4.7 (11), 10 on v4.8 (6).
        assert_eq!(count(Family::V3, "hello, world"), 3);
        assert_eq!(count(Family::V4_7, "hello, world"), 4);
        assert_eq!(count(Family::V4_8, "hello, world"), 4);
        assert_eq!(
            tokenizer(Family::V3).marked_stream("hello, world"),
            "⟨bow⟩hello⟨eow⟩,⟨eow⟩⟨bow⟩world⟨eow⟩"
        );
    }

    #[test]
    fn empty_text_still_pays_the_frames_bow() {
        // The v3/v4.7 frame's ⟨bow⟩ tiles as itself when nothing absorbs it; v4.8+ has none.
        assert_eq!(count(Family::V3, ""), 1);
        assert_eq!(count(Family::V4_8, ""), 0);
    }

    use proptest::prelude::*;

    proptest! {
        /// Counting a text as it is when normalisation would leave it so, and the normalised
        /// text otherwise, counts what writing the normalised text always would.
        #[test]
        fn text_left_as_it_is_counts_as_normalised(
            fragments in prop::collection::vec(prop_oneof![
                prop::sample::select(vec![
                    "word", "Word", " ", "  ", "\n", "\t", "\r\n", "\u{1}", "\0", "\u{a0}",
                    "\u{2019}s", "\u{201c}", "e\u{301}", "\u{301}", "caf\u{e9}", "\u{4e2d}\u{6587}",
                    "\u{915}\u{94d}\u{937}", "\u{9c7}\u{9be}", "\u{e000}", "\u{0e4d}\u{0e32}",
                    "\u{1f600}", "1,234", "\u{ff01}",
                ]).prop_map(str::to_string),
                "\\PC{0,6}",
            ], 0..16),
            family in prop::sample::select(vec![Family::V3, Family::V4_7, Family::V4_8]),
            first: bool,
            last: bool,
        ) {
            let text = fragments.concat();
            let tok = tokenizer(family);
            let position = Position { first, last };
            let norm = normalize::normalize(&text, tok.vocab.fold_quotes);
            let (body, newlines) = split_tail(&norm, last);
            let edges = Edges {
                at_start: first,
                frame_bow: tok.frame_bow,
                raw_head_space: text.starts_with(' '),
            };
            let (mut stream, mut best) = (Vec::new(), Vec::new());
            write_stream(body, edges, tok.vocab.allcaps_min, &mut stream);
            let expected = tile::tile_cost(tok.vocab, &stream, &mut best)
                + tile::newline_tail_cost(tok.vocab, newlines, &mut best);
            prop_assert_eq!(tok.count_segment(&text, position), expected);
        }
    }

    #[test]
    fn long_text_counts_as_one_segment() {
        // Lines that may be cut after, and some that may not (a mark or a newline next).
        let line = "The QUICK brown fox's \"jump\" \u{2014} 1234 times, in \u{4e2d}\u{6587}\n";
        let other = "\u{301}after a mark\n\n  indented\n";
        let text = format!("{}{}", line.repeat(2000), other).repeat(3);
        assert!(text.len() > 3 * PIECE);
        for family in [Family::V3, Family::V4_7, Family::V4_8] {
            let tok = tokenizer(family);
            assert_eq!(tok.count(&text), tok.count_segment(&text, Position::WHOLE));
        }
    }

    #[test]
    fn both_vocabularies_load() {
        for family in [Family::V3, Family::V4_7] {
            assert!(tokenizer(family).vocabulary_heap_bytes() > 100_000);
        }
    }
}
