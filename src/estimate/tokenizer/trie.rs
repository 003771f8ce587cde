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

/// The trie as plain arrays while building; node 0 is the root, and each node's children
/// have consecutive ids.
#[derive(Default)]
struct Shape {
    label: Vec<u8>,
    terminal: Vec<bool>,
    first_child: Vec<u32>,
    child_count: Vec<u32>,
}

impl Shape {
    fn add(&mut self, label: u8) -> u32 {
        self.label.push(label);
        self.terminal.push(false);
        self.first_child.push(0);
        self.child_count.push(0);
        (self.label.len() - 1) as u32
    }

    /// From pieces in byte order: shared prefixes are adjacent, so a node's children are the
    /// groups of its range that agree on the next byte.
    fn of_sorted(pieces: &[&[u8]]) -> Shape {
        let mut shape = Shape::default();
        shape.add(0);
        // (node, pieces[lo..hi] share the node's prefix of `depth` bytes)
        let mut work = vec![(0u32, 0usize, pieces.len(), 0usize)];
        while let Some((node, lo, hi, depth)) = work.pop() {
            let mut i = lo;
            if i < hi && pieces[i].len() == depth {
                shape.terminal[node as usize] = true;
                i += 1;
            }
            shape.first_child[node as usize] = shape.label.len() as u32;
            while i < hi {
                let label = pieces[i][depth];
                let mut j = i + 1;
                while j < hi && pieces[j][depth] == label {
                    j += 1;
                }
                let child = shape.add(label);
                shape.child_count[node as usize] += 1;
                work.push((child, i, j, depth + 1));
                i = j;
            }
        }
        shape
    }

    fn children(&self, id: u32) -> std::ops::Range<u32> {
        let first = self.first_child[id as usize];
        first..first + self.child_count[id as usize]
    }

    fn is_dense(&self, id: u32) -> bool {
        self.child_count[id as usize] as usize >= DENSE_FROM
    }
}

impl Trie {
    /// Build from pieces in byte order.
    pub(crate) fn from_sorted(pieces: &[&[u8]]) -> Result<Trie, VocabError> {
        let shape = Shape::of_sorted(pieces);
        let nodes = shape.label.len();
        // Place each node's children depth-first, the root's in the fixed root table.
        let mut place = vec![0u32; nodes];
        let (mut lists_len, mut tables_len) = (0usize, 0usize);
        let mut stack = vec![0u32];
        while let Some(id) = stack.pop() {
            if id != 0 && shape.is_dense(id) {
                place[id as usize] = tables_len as u32;
                tables_len += 1;
            } else if id != 0 {
                place[id as usize] = lists_len as u32;
                lists_len += shape.child_count[id as usize] as usize;
            }
            stack.extend(shape.children(id).rev());
        }
        if lists_len.max(tables_len) >= MAX_FIRST {
            return Err(VocabError::Format("vocabulary too large for the trie"));
        }
        let reference = |id: u32| {
            let mut node = place[id as usize] << FIRST_SHIFT;
            if shape.terminal[id as usize] {
                node |= TERMINAL;
            }
            if shape.is_dense(id) {
                node |= DENSE;
            } else {
                node |= shape.child_count[id as usize] << COUNT_SHIFT;
            }
            Node(node)
        };
        let mut trie = Trie {
            root: Box::new([Node::NONE; 256]),
            lists: vec![0; lists_len],
            tables: vec![Node::NONE; tables_len * 256],
        };
        for id in 0..nodes as u32 {
            let at = place[id as usize] as usize;
            for (k, child) in shape.children(id).enumerate() {
                let label = shape.label[child as usize];
                let child = reference(child);
                if id == 0 {
                    trie.root[usize::from(label)] = child;
                } else if shape.is_dense(id) {
                    trie.tables[at * 256 + usize::from(label)] = child;
                } else {
                    trie.lists[at + k] = child.0 | u32::from(label);
                }
            }
        }
        Ok(trie)
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
