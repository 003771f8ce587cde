//! A byte trie over a vocabulary's pieces, laid out for the tiler's inner loop.
//!
//! The tiler walks the trie once from every position of the stream, so a step must cost as
//! little memory traffic as possible. A [`Node`] reference carries everything a step needs to
//! know about the node (where its children are, how many, whether a piece ends there), so a
//! step loads only the node's own list of children: a few contiguous `u32`s, or one entry of a
//! 256-wide table for the nodes with many children. Lists are laid out in depth-first order,
//! so a walk down a long piece tends to stay in neighbouring cache lines.

use super::vocab::VocabError;

/// A reference to a trie node, or [`Node::NONE`], in 32 bits so the hot part of a large
/// vocabulary stays in cache.
///
/// Bits: 8 terminal (a piece ends here), 9 dense (children in a 256-wide table), 10..14 the
/// number of children in a sparse list, 14..32 where the children start (list entry, or table
/// number). The low byte is free, so a sparse list entry is the child's reference with its
/// label in the low byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node(u32);

const LABEL: u32 = 0xFF;
const TERMINAL: u32 = 1 << 8;
const DENSE: u32 = 1 << 9;
const COUNT_SHIFT: u32 = 10;
const COUNT_MASK: u32 = 0xF;
const FIRST_SHIFT: u32 = 14;
/// Lists and tables are addressed in the top 18 bits.
const MAX_FIRST: usize = 1 << (32 - FIRST_SHIFT);

/// Nodes with at least this many children get a dense table (and sparse counts fit 4 bits).
const DENSE_FROM: usize = COUNT_MASK as usize + 1;

impl Node {
    /// No node. Every real reference is non-zero: a leaf ends a piece, any other node has
    /// children.
    pub(crate) const NONE: Node = Node(0);

    /// Whether a piece ends at this node.
    #[inline]
    pub(crate) fn is_terminal(self) -> bool {
        self.0 & TERMINAL != 0
    }

    #[inline]
    fn first(self) -> usize {
        (self.0 >> FIRST_SHIFT) as usize
    }

    #[inline]
    fn child_count(self) -> usize {
        ((self.0 >> COUNT_SHIFT) & COUNT_MASK) as usize
    }
}

#[derive(Debug)]
pub(crate) struct Trie {
    root: Box<[Node; 256]>,
    /// Sparse children lists: each entry a child's reference with its label in the low byte.
    lists: Vec<u32>,
    /// Dense children tables, 256 references each.
    tables: Vec<Node>,
}

/// Lays the trie out while reading the sorted pieces once, depth first: a node's list (or
/// table) is placed before its children's, as a walk down a piece visits them.
struct Builder<'p> {
    pieces: &'p [&'p [u8]],
    lists: Vec<u32>,
    tables: Vec<Node>,
    /// The children (label, piece range) of the nodes on the path being built, a frame each.
    groups: Vec<(u8, usize, usize)>,
}

/// The groups of `pieces[lo..hi]` (all longer than `depth`, sorted) that agree on the byte at
/// `depth`: that byte and the group's range.
fn groups<'p>(
    pieces: &'p [&'p [u8]],
    lo: usize,
    hi: usize,
    depth: usize,
) -> impl Iterator<Item = (u8, usize, usize)> + 'p {
    let mut i = lo;
    std::iter::from_fn(move || {
        let label = pieces[i..hi].first()?[depth];
        let end = i + pieces[i..hi].partition_point(|p| p[depth] <= label);
        let group = (label, i, end);
        i = end;
        Some(group)
    })
}

impl Builder<'_> {
    /// The node of `pieces[lo..hi]`, which share their first `depth` bytes; its children are
    /// laid out (and theirs) before it returns.
    fn node(&mut self, lo: usize, hi: usize, depth: usize) -> Result<Node, VocabError> {
        let pieces = self.pieces;
        // Sorted, so only the first piece can be the shared prefix itself.
        let terminal = pieces[lo].len() == depth;
        let first = if terminal { lo + 1 } else { lo };
        let frame = self.groups.len();
        self.groups.extend(groups(pieces, first, hi, depth));
        let count = self.groups.len() - frame;
        let dense = count >= DENSE_FROM;
        let place = if dense {
            let place = self.tables.len() / 256;
            self.tables.resize(self.tables.len() + 256, Node::NONE);
            place
        } else {
            let place = self.lists.len();
            self.lists.resize(place + count, 0);
            place
        };
        if place >= MAX_FIRST {
            return Err(VocabError::Format("vocabulary too large for the trie"));
        }
        for k in 0..count {
            let (label, lo, hi) = self.groups[frame + k];
            let child = self.node(lo, hi, depth + 1)?;
            if dense {
                self.tables[place * 256 + usize::from(label)] = child;
            } else {
                self.lists[place + k] = child.0 | u32::from(label);
            }
        }
        self.groups.truncate(frame);
        let mut node = (place as u32) << FIRST_SHIFT;
        if terminal {
            node |= TERMINAL;
        }
        if dense {
            node |= DENSE;
        } else {
            node |= (count as u32) << COUNT_SHIFT;
        }
        Ok(Node(node))
    }
}

impl Trie {
    /// Build from pieces in byte order (no duplicates).
    pub(crate) fn from_sorted(pieces: &[&[u8]]) -> Result<Trie, VocabError> {
        let mut builder = Builder {
            pieces,
            lists: Vec::with_capacity(pieces.len() * 2),
            tables: Vec::new(),
            groups: Vec::new(),
        };
        let mut root = Box::new([Node::NONE; 256]);
        // The empty piece, were there one, would be the root itself: nothing to walk.
        let first = usize::from(pieces.first().is_some_and(|p| p.is_empty()));
        for (label, lo, hi) in groups(pieces, first, pieces.len(), 0) {
            root[usize::from(label)] = builder.node(lo, hi, 1)?;
        }
        Ok(Trie {
            root,
            lists: builder.lists,
            tables: builder.tables,
        })
    }

    /// The node after `label` from the root, or `NONE`.
    #[inline]
    pub(crate) fn start(&self, label: u8) -> Node {
        self.root[usize::from(label)]
    }

    /// The node after `label` from `node`, or `NONE`.
    #[inline]
    pub(crate) fn step(&self, node: Node, label: u8) -> Node {
        let first = node.first();
        if node.0 & DENSE != 0 {
            return self.tables[first * 256 + usize::from(label)];
        }
        let list = &self.lists[first..first + node.child_count()];
        match list
            .iter()
            .find(|&&entry| entry & LABEL == u32::from(label))
        {
            Some(&entry) => Node(entry & !LABEL),
            None => Node::NONE,
        }
    }

    /// Heap bytes held, for the memory report.
    pub(crate) fn heap_bytes(&self) -> usize {
        (256 + self.lists.capacity() + self.tables.capacity()) * 4
    }
}

#[cfg(test)]
impl Trie {
    /// Every piece, for tests that check properties of the whole vocabulary.
    pub(crate) fn pieces(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut work: Vec<(Node, Vec<u8>)> = (0..=255u8)
            .map(|label| (self.start(label), vec![label]))
            .filter(|(node, _)| *node != Node::NONE)
            .collect();
        while let Some((node, prefix)) = work.pop() {
            if node.is_terminal() {
                out.push(prefix.clone());
            }
            for label in 0..=255u8 {
                let next = self.step(node, label);
                if next != Node::NONE {
                    let mut p = prefix.clone();
                    p.push(label);
                    work.push((next, p));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_pieces() {
        // Enough children under "a" for a dense table, a few under "b" for a sparse list.
        let mut pieces: Vec<Vec<u8>> = (b'a'..=b'z').map(|c| vec![b'a', c]).collect();
        pieces.extend([
            b"a".to_vec(),
            b"bcd".to_vec(),
            b"bx".to_vec(),
            vec![0xF8, b'q'],
        ]);
        pieces.sort();
        let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        let trie = Trie::from_sorted(&refs).expect("small trie builds");
        let mut found = trie.pieces();
        found.sort();
        assert_eq!(found, pieces);
        // "bc" is a prefix, not a piece; "bz" and "c" are nothing.
        let bc = trie.step(trie.start(b'b'), b'c');
        assert!(bc != Node::NONE && !bc.is_terminal());
        assert_eq!(trie.step(trie.start(b'b'), b'z'), Node::NONE);
        assert_eq!(trie.start(b'c'), Node::NONE);
    }
}
