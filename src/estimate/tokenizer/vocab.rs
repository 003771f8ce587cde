//! A measured vocabulary: the asset format written by `scripts/vendor_tokenizer.py`, read into
//! the trie the tiler walks, and the byte fallback for characters no piece covers.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::io::Read;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use flate2::read::GzDecoder;

use super::hash::FastHasher;
use super::stream::MARKER_BYTES;
use super::trie::Trie;

/// Why an asset could not be read. Assets are compiled in, so this is a build defect.
#[derive(Debug, thiserror::Error)]
pub enum VocabError {
    #[error("tokenizer asset is not valid gzip: {0}")]
    Gzip(#[from] std::io::Error),
    #[error("tokenizer asset is malformed: {0}")]
    Format(&'static str),
}

/// One family's vocabulary and the scalars its encoder reads.
#[derive(Debug)]
pub struct Vocab {
    /// Distinguishes vocabularies in per-thread caches.
    pub(crate) id: u32,
    pub(crate) trie: Trie,
    byte_tokens: HashSet<u64, BuildHasherDefault<FastHasher>>,
    /// [`Vocab::byte_floor`] of each character of planes 0 to 3 met so far (0: not yet known),
    /// as the characters that need it recur all through a text.
    floors: Box<[AtomicU8]>,
    /// v3 folds the four curly quotes to ASCII.
    pub(crate) fold_quotes: bool,
    /// Shortest all-caps span that takes the caps marker; `None` where the family has none.
    pub(crate) allcaps_min: Option<usize>,
}

impl Vocab {
    /// Parse a gzip'd asset.
    pub fn from_gzip(gz: &[u8]) -> Result<Vocab, VocabError> {
        let mut raw = Vec::with_capacity(gz.len() * 3);
        GzDecoder::new(gz).read_to_end(&mut raw)?;
        let mut r = Reader { buf: &raw, at: 0 };
        if r.take(6)? != b"btok1\n" {
            return Err(VocabError::Format("bad magic"));
        }
        let fold_quotes = r.byte()? != 0;
        let allcaps_min = match r.byte()? {
            0 => None,
            n => Some(usize::from(n)),
        };
        let pieces = r.items()?;
        if !pieces.is_sorted() {
            return Err(VocabError::Format("pieces are not sorted"));
        }
        let byte_tokens = r
            .items()?
            .into_iter()
            .chain(pieces.iter().copied().filter(|p| is_single_char(p)))
            .filter_map(pack_bytes)
            .collect();
        static NEXT_ID: AtomicU32 = AtomicU32::new(0);
        Ok(Vocab {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            trie: Trie::from_sorted(&pieces)?,
            byte_tokens,
            floors: (0..FLOORS_KEPT).map(|_| AtomicU8::new(0)).collect(),
            fold_quotes,
            allcaps_min,
        })
    }

    /// Tokens for one character no piece covers: a minimum tiling of its UTF-8 bytes over the
    /// byte-prefix tokens, each lone byte costing one.
    pub(crate) fn byte_floor(&self, bytes: &[u8]) -> u32 {
        let Some(slot) = code_point(bytes).and_then(|c| self.floors.get(c)) else {
            return self.tile_bytes(bytes);
        };
        match slot.load(Ordering::Relaxed) {
            0 => {
                let floor = self.tile_bytes(bytes);
                // At most four bytes, so at most four tokens.
                slot.store(floor as u8, Ordering::Relaxed);
                floor
            }
            known => u32::from(known),
        }
    }

    /// [`Vocab::byte_floor`], worked out.
    fn tile_bytes(&self, bytes: &[u8]) -> u32 {
        let n = bytes.len();
        let mut best = [u32::MAX; 5];
        best[0] = 0;
        for end in 1..=n.min(4) {
            for start in 0..end {
                let edge = end - start == 1
                    || pack_bytes(&bytes[start..end])
                        .is_some_and(|k| self.byte_tokens.contains(&k));
                if edge && best[start] != u32::MAX {
                    best[end] = best[end].min(best[start] + 1);
                }
            }
        }
        if n > 4 { n as u32 } else { best[n] }
    }
}

/// Characters below this code point have their byte floor kept (planes 0 to 3).
const FLOORS_KEPT: usize = 0x4_0000;

/// The code point of a multi-byte UTF-8 character.
fn code_point(bytes: &[u8]) -> Option<usize> {
    let low = |b: u8| usize::from(b & 0x3F);
    match *bytes {
        [lead @ 0xC0..=0xDF, b1] => Some(usize::from(lead & 0x1F) << 6 | low(b1)),
        [lead @ 0xE0..=0xEF, b1, b2] => {
            Some(usize::from(lead & 0x0F) << 12 | low(b1) << 6 | low(b2))
        }
        [lead @ 0xF0..=0xF7, b1, b2, b3] => {
            Some(usize::from(lead & 0x07) << 18 | low(b1) << 12 | low(b2) << 6 | low(b3))
        }
        _ => None,
    }
}

/// A whole character's bytes (no marker byte) — the cost-1 characters also count as byte tokens.
fn is_single_char(piece: &[u8]) -> bool {
    piece.len() <= 4
        && std::str::from_utf8(piece).is_ok_and(|s| s.chars().count() == 1)
        && !piece.iter().any(|b| MARKER_BYTES.contains(b))
}

/// Up to four bytes and their length in one key.
fn pack_bytes(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    let mut word = [0u8; 4];
    word[..bytes.len()].copy_from_slice(bytes);
    Some(u64::from(u32::from_le_bytes(word)) | (bytes.len() as u64) << 32)
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], VocabError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(VocabError::Format("truncated"))?;
        let out = &self.buf[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, VocabError> {
        Ok(self.take(1)?[0])
    }

    fn items(&mut self) -> Result<Vec<&'a [u8]>, VocabError> {
        let count = self.take(4)?;
        let count = u32::from_le_bytes([count[0], count[1], count[2], count[3]]) as usize;
        (0..count)
            .map(|_| {
                let len = usize::from(self.byte()?);
                self.take(len)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::Family;
    use crate::estimate::tokenizer::tokenizer;

    #[test]
    fn remembered_byte_floors_are_the_worked_out_ones() {
        for family in [Family::V3, Family::V4_7] {
            let vocab = tokenizer(family).vocab;
            let sample = ('\u{80}'..='\u{3ffff}').chain(['\u{e0001}', '\u{10fffd}']);
            for c in sample {
                let mut utf8 = [0; 4];
                let bytes = c.encode_utf8(&mut utf8).as_bytes();
                assert_eq!(code_point(bytes), Some(c as usize), "{c:?}");
                let worked_out = vocab.tile_bytes(bytes);
                assert!((1..=4).contains(&worked_out), "{c:?}");
                for _ in 0..2 {
                    assert_eq!(vocab.byte_floor(bytes), worked_out, "{family:?} {c:?}");
                }
            }
        }
    }
}
