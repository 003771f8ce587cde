//! A measured vocabulary: the asset format written by `scripts/vendor_tokenizer.py`, the trie
//! the tiler walks, and the byte fallback for characters no piece covers.

use std::collections::HashSet;
use std::io::Read;
use std::sync::atomic::{AtomicU32, Ordering};

use flate2::read::GzDecoder;

use super::stream::MARKER_BYTES;

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
            trie: Trie::from_sorted(&pieces),
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

/// A byte trie over the pieces, laid out flat: each node's outgoing edges are contiguous and
/// sorted by label. The root and every node with many children also get a dense 256-entry
/// table, since the tiler steps through them most often.
#[derive(Debug)]
pub(crate) struct Trie {
    root: Box<[u32; 256]>,
    nodes: Vec<Node>,
    labels: Vec<u8>,
    targets: Vec<u32>,
    dense: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    first_edge: u32,
    edge_count: u16,
    terminal: bool,
    /// Index of this node's dense table in `Trie::dense`, or `NONE`.
    dense: u32,
}

/// Nodes with at least this many children get a dense table.
const DENSE_FROM: u16 = 16;

/// The id no node has: "no edge".
pub(crate) const NONE: u32 = u32::MAX;

impl Trie {
    /// Build from pieces in byte order; shared prefixes are adjacent, so each node's children
    /// are the groups of its range that agree on the next byte.
    fn from_sorted(pieces: &[&[u8]]) -> Trie {
        let mut trie = Trie {
            root: Box::new([NONE; 256]),
            nodes: vec![Node {
                first_edge: 0,
                edge_count: 0,
                terminal: false,
                dense: NONE,
            }],
            labels: Vec::new(),
            targets: Vec::new(),
            dense: Vec::new(),
        };
        // (node, range of pieces below it, depth)
        let mut work = vec![(0u32, 0usize, pieces.len(), 0usize)];
        while let Some((node, lo, hi, depth)) = work.pop() {
            let mut start = lo;
            if start < hi && pieces[start].len() == depth {
                trie.nodes[node as usize].terminal = true;
                start += 1;
            }
            let first_edge = trie.labels.len() as u32;
            let mut i = start;
            while i < hi {
                let label = pieces[i][depth];
                let mut j = i + 1;
                while j < hi && pieces[j][depth] == label {
                    j += 1;
                }
                let child = trie.nodes.len() as u32;
                trie.nodes.push(Node {
                    first_edge: 0,
                    edge_count: 0,
                    terminal: false,
                    dense: NONE,
                });
                trie.labels.push(label);
                trie.targets.push(child);
                if node == 0 {
                    trie.root[usize::from(label)] = child;
                }
                work.push((child, i, j, depth + 1));
                i = j;
            }
            let n = &mut trie.nodes[node as usize];
            n.first_edge = first_edge;
            n.edge_count = (trie.labels.len() as u32 - first_edge) as u16;
        }
        for id in 0..trie.nodes.len() {
            let node = trie.nodes[id];
            if node.edge_count < DENSE_FROM {
                continue;
            }
            let table = trie.dense.len();
            trie.dense.resize(table + 256, NONE);
            let lo = node.first_edge as usize;
            for k in lo..lo + usize::from(node.edge_count) {
                trie.dense[table + usize::from(trie.labels[k])] = trie.targets[k];
            }
            trie.nodes[id].dense = (table / 256) as u32;
        }
        trie
    }

    /// The node after `label` from the root, or `NONE`.
    #[inline]
    pub(crate) fn start(&self, label: u8) -> u32 {
        self.root[usize::from(label)]
    }

    /// The node after `label` from `node`, or `NONE`.
    #[inline]
    pub(crate) fn step(&self, node: u32, label: u8) -> u32 {
        let n = self.nodes[node as usize];
        if n.dense != NONE {
            return self.dense[n.dense as usize * 256 + usize::from(label)];
        }
        let lo = n.first_edge as usize;
        let labels = &self.labels[lo..lo + usize::from(n.edge_count)];
        match labels.iter().position(|&l| l == label) {
            Some(k) => self.targets[lo + k],
            None => NONE,
        }
    }

    #[inline]
    pub(crate) fn is_terminal(&self, node: u32) -> bool {
        self.nodes[node as usize].terminal
    }

    /// Heap bytes held, for the memory report.
    pub(crate) fn heap_bytes(&self) -> usize {
        256 * 4
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.labels.capacity()
            + self.targets.capacity() * 4
            + self.dense.capacity() * 4
    }
}

#[cfg(test)]
impl Trie {
    /// Every piece, for tests that check properties of the whole vocabulary.
    pub(crate) fn pieces(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut work: Vec<(u32, Vec<u8>)> = vec![(0, Vec::new())];
        while let Some((node, prefix)) = work.pop() {
            let n = self.nodes[node as usize];
            if n.terminal {
                out.push(prefix.clone());
            }
            let lo = n.first_edge as usize;
            for k in lo..lo + usize::from(n.edge_count) {
                let mut p = prefix.clone();
                p.push(self.labels[k]);
                work.push((self.targets[k], p));
            }
        }
        out
    }
}
