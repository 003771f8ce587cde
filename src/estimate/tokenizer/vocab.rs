//! A measured vocabulary: the asset format written by `scripts/vendor_tokenizer.py`, read into
//! the trie the tiler walks, and the byte fallback for characters no piece covers.

use std::collections::HashSet;
use std::io::Read;
use std::sync::atomic::{AtomicU32, Ordering};

use flate2::read::GzDecoder;

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
    byte_tokens: HashSet<u64>,
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
            fold_quotes,
            allcaps_min,
        })
    }

    /// Tokens for one character no piece covers: a minimum tiling of its UTF-8 bytes over the
    /// byte-prefix tokens, each lone byte costing one.
    pub(crate) fn byte_floor(&self, bytes: &[u8]) -> u32 {
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

/// A whole character's bytes (no marker byte) — the cost-1 characters also count as byte tokens.
fn is_single_char(piece: &[u8]) -> bool {
    std::str::from_utf8(piece).is_ok_and(|s| s.chars().count() == 1)
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
