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

/// A byte trie over the pieces, laid out for the tiler's inner loop. A reference to a node
/// carries the node's "a piece ends here" flag in its top bit, so a step never loads the node
/// just to test it. Each node's edges are contiguous `u32`s (target reference above, label in
/// the low byte), so a small node is one cache line; the root and nodes with many children
/// use a dense 256-entry table instead.
#[derive(Debug)]
pub(crate) struct Trie {
    root: Box<[u32; 256]>,
    nodes: Vec<Node>,
    /// `(target id << 8) | label`, with the target's terminal flag in bit 31.
    edges: Vec<u32>,
    dense: Vec<u32>,
    /// Node ids, in the same order as `nodes`, that are terminal (for `pieces()` in tests).
    #[cfg(test)]
    terminal: Vec<bool>,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    /// First edge in `edges`, or first entry in `dense` when `dense` is set.
    first: u32,
    edge_count: u16,
    dense: bool,
}

/// "No node".
pub(crate) const NONE: u32 = u32::MAX;
const TERMINAL: u32 = 1 << 31;
/// Node ids fit in 23 bits (the edge keeps the label in the low byte).
const MAX_NODES: usize = 1 << 23;

/// Nodes with at least this many children get a dense table.
const DENSE_FROM: u16 = 16;

impl Trie {
    /// Build from pieces in byte order; shared prefixes are adjacent, so each node's children
    /// are the groups of its range that agree on the next byte.
    fn from_sorted(pieces: &[&[u8]]) -> Result<Trie, VocabError> {
        let mut nodes = vec![Node {
            first: 0,
            edge_count: 0,
            dense: false,
        }];
        let mut terminal = vec![false];
        // (target, label) per node, built first, packed after.
        let mut children: Vec<Vec<(u32, u8)>> = vec![Vec::new()];
        let mut work = vec![(0u32, 0usize, pieces.len(), 0usize)];
        while let Some((node, lo, hi, depth)) = work.pop() {
            let mut start = lo;
            if start < hi && pieces[start].len() == depth {
                terminal[node as usize] = true;
                start += 1;
            }
            let mut i = start;
            while i < hi {
                let label = pieces[i][depth];
                let mut j = i + 1;
                while j < hi && pieces[j][depth] == label {
                    j += 1;
                }
                let child = nodes.len() as u32;
                nodes.push(Node {
                    first: 0,
                    edge_count: 0,
                    dense: false,
                });
                terminal.push(false);
                children.push(Vec::new());
                children[node as usize].push((child, label));
                work.push((child, i, j, depth + 1));
                i = j;
            }
        }
        if nodes.len() >= MAX_NODES {
            return Err(VocabError::Format("too many trie nodes"));
        }
        let reference = |id: u32| id | if terminal[id as usize] { TERMINAL } else { 0 };
        let mut trie = Trie {
            root: Box::new([NONE; 256]),
            nodes,
            edges: Vec::new(),
            dense: Vec::new(),
            #[cfg(test)]
            terminal: terminal.clone(),
        };
        for (id, kids) in children.iter().enumerate() {
            let node = &mut trie.nodes[id];
            node.edge_count = kids.len() as u16;
            if id == 0 {
                for &(child, label) in kids {
                    trie.root[usize::from(label)] = reference(child);
                }
            } else if kids.len() >= usize::from(DENSE_FROM) {
                node.dense = true;
                node.first = trie.dense.len() as u32;
                trie.dense.resize(trie.dense.len() + 256, NONE);
                for &(child, label) in kids {
                    trie.dense[node.first as usize + usize::from(label)] = reference(child);
                }
            } else {
                node.first = trie.edges.len() as u32;
                trie.edges.extend(kids.iter().map(|&(child, label)| {
                    (reference(child) & !TERMINAL) << 8
                        | u32::from(label)
                        | (reference(child) & TERMINAL)
                }));
            }
        }
        Ok(trie)
    }

    /// The node after `label` from the root, or `NONE`.
    #[inline]
    pub(crate) fn start(&self, label: u8) -> u32 {
        self.root[usize::from(label)]
    }

    /// The node after `label` from `node`, or `NONE`.
    #[inline]
    pub(crate) fn step(&self, node: u32, label: u8) -> u32 {
        let n = self.nodes[(node & !TERMINAL) as usize];
        let first = n.first as usize;
        if n.dense {
            return self.dense[first + usize::from(label)];
        }
        let edges = &self.edges[first..first + usize::from(n.edge_count)];
        match edges.iter().find(|&&e| e as u8 == label) {
            Some(&e) => (e & TERMINAL) | ((e & !TERMINAL) >> 8),
            None => NONE,
        }
    }

    /// Whether a piece ends at `node` (a reference from `start` or `step`).
    #[inline]
    pub(crate) fn is_terminal(node: u32) -> bool {
        node & TERMINAL != 0
    }

    /// Heap bytes held, for the memory report.
    pub(crate) fn heap_bytes(&self) -> usize {
        256 * 4
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.edges.capacity() * 4
            + self.dense.capacity() * 4
    }
}

#[cfg(test)]
impl Trie {
    /// Every piece, for tests that check properties of the whole vocabulary.
    pub(crate) fn pieces(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut work: Vec<(u32, Vec<u8>)> = vec![(0, Vec::new())];
        while let Some((id, prefix)) = work.pop() {
            if self.terminal[id as usize] {
                out.push(prefix.clone());
            }
            for label in 0..=255u8 {
                let next = if id == 0 {
                    self.start(label)
                } else {
                    self.step(id, label)
                };
                if next != NONE {
                    let mut p = prefix.clone();
                    p.push(label);
                    work.push((next & !TERMINAL, p));
                }
            }
        }
        out
    }
}
