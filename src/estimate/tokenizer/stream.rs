//! Normalised text → the marked stream the tiler covers.
//!
//! The text is cut into runs of one class; a word is written between ⟨bow⟩ and ⟨eow⟩ with its
//! case folded into a ⟨shift⟩/⟨caps⟩ marker, punctuation and digits take a boundary marker on a
//! side that touches a space, and a single space between two words is the ⟨eow⟩⟨bow⟩ seam
//! rather than a character. The stream is UTF-8 with each marker as one byte UTF-8 never uses,
//! so pieces and stream compare byte for byte.

use super::char_info::char_info;
use super::chars::{
    ASCII_CLASS, CaseMark, Class, HardKind, case_mark, hard_kind, is_digit_run, is_selector,
    push_cased_body,
};
use super::normalize::PLAIN_ASCII;

pub(crate) const BOW: u8 = 0xF8;
pub(crate) const EOW: u8 = 0xF9;
pub(crate) const SHIFT: u8 = 0xFA;
pub(crate) const CAPS: u8 = 0xFB;
pub(crate) const MARKER_BYTES: [u8; 4] = [BOW, EOW, SHIFT, CAPS];

/// Where a piece of text sits in the message, which decides how its edges are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edges {
    /// The text opens the message: the frame's own ⟨bow⟩ is its left neighbour.
    pub at_start: bool,
    /// Whether the family's frame ends in a ⟨bow⟩ that stands for one leading space (v3, v4.7).
    pub frame_bow: bool,
    /// The raw text began with a space (before normalisation could expose or make one).
    pub raw_head_space: bool,
}

#[derive(Debug, Clone, Copy)]
struct Run<'a> {
    class: Class,
    body: &'a str,
}

/// The class of each plain ASCII byte (printable, TAB, LF); `None` for the other ASCII bytes,
/// which normalisation strips or folds.
static PLAIN_CLASS: [Option<Class>; 128] = {
    let mut table = [None; 128];
    let mut b = 0;
    while b < 128 {
        if PLAIN_ASCII[b] {
            table[b] = Some(ASCII_CLASS[b]);
        }
        b += 1;
    }
    table
};

/// Split into maximal runs of one class, then split hard runs where the pretokenizer's
/// alternative (punctuation / number / letter) changes. With `inert_for: Some(fold_quotes)`,
/// `None` as soon as a character is not inert for normalisation (see `normalize`).
fn runs(text: &str, inert_for: Option<bool>) -> Option<Vec<Run<'_>>> {
    let bytes = text.as_bytes();
    // Code averages a run every three or four bytes.
    let mut out: Vec<Run<'_>> = Vec::with_capacity(bytes.len() / 3 + 1);
    let mut start = 0;
    let mut current: Option<Class> = None;
    let mut i = 0;
    while i < bytes.len() {
        let (class, stray, len) = match bytes[i] {
            b @ 0..0x80 => {
                if inert_for.is_some() && PLAIN_CLASS[usize::from(b)].is_none() {
                    return None;
                }
                (ASCII_CLASS[usize::from(b)], false, 1)
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or_default();
                let info = char_info(c);
                if inert_for.is_some_and(|fold_quotes| !info.is_inert(fold_quotes)) {
                    return None;
                }
                let class = info.class();
                // A combining mark with no letter before it to ride on.
                let stray = class == Class::Wordy && info.is_stray_mark();
                (class, stray, c.len_utf8())
            }
        };
        let class_here = if stray { Class::StrayMark } else { class };
        match current {
            Some(cur) if class == cur || (cur == Class::StrayMark && stray) => {}
            Some(cur) => {
                out.push(Run {
                    class: cur,
                    body: &text[start..i],
                });
                start = i;
                current = Some(class_here);
            }
            None => current = Some(class_here),
        }
        i += len;
        // The rest of a plain ASCII run of the same class, without the per-character checks.
        if class_here == class {
            while i < bytes.len()
                && bytes[i] < 0x80
                && PLAIN_CLASS[usize::from(bytes[i])] == Some(class)
            {
                i += 1;
            }
        }
    }
    if let Some(class) = current {
        out.push(Run {
            class,
            body: &text[start..],
        });
    }
    Some(split_hard_runs(out))
}

fn split_hard_runs(runs: Vec<Run<'_>>) -> Vec<Run<'_>> {
    let multi_char_hard = |r: &Run<'_>| r.class == Class::Hard && r.body.chars().nth(1).is_some();
    if !runs.iter().any(multi_char_hard) {
        return runs;
    }
    let mut out = Vec::with_capacity(runs.len());
    for run in runs {
        if run.class != Class::Hard || run.body.chars().nth(1).is_none() {
            out.push(run);
            continue;
        }
        let mut start = 0;
        let mut kind: Option<HardKind> = None;
        for (i, c) in run.body.char_indices() {
            // A variation selector rides its base's sub-run.
            if is_selector(c) && kind.is_some() {
                continue;
            }
            let k = hard_kind(c);
            if kind.is_some_and(|cur| cur != k) {
                out.push(Run {
                    class: Class::Hard,
                    body: &run.body[start..i],
                });
                start = i;
            }
            kind = Some(k);
        }
        out.push(Run {
            class: Class::Hard,
            body: &run.body[start..],
        });
    }
    out
}

fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

fn last_char(s: &str) -> Option<char> {
    s.chars().next_back()
}

fn border_char(c: Option<char>) -> bool {
    c.is_some_and(|c| is_selector(c) || char_info(c).marks_like_punct())
}

/// The first character of a hard run takes a left border marker.
fn hard_bow(body: &str) -> bool {
    border_char(first_char(body))
}

/// The last character of a hard run takes a right border marker.
fn hard_eow(body: &str) -> bool {
    border_char(last_char(body))
}

/// A digit run writes ⟨bow⟩ by a space when its first character is a border digit.
fn digit_bow(body: &str) -> bool {
    is_digit_run(body) && first_char(body).is_some_and(|c| char_info(c).is_border_digit())
}

/// …and ⟨eow⟩ when its last one is.
fn digit_eow(body: &str) -> bool {
    is_digit_run(body) && last_char(body).is_some_and(|c| char_info(c).is_border_digit())
}

/// Write the marked stream of `text` (already normalised, trailing newlines of the message
/// already removed) into `out`.
pub(crate) fn write_stream(
    text: &str,
    edges: Edges,
    allcaps_min: Option<usize>,
    out: &mut Vec<u8>,
) {
    let text = without_frame_space(text, edges);
    let runs = runs(text, None).expect("every character is taken");
    Writer {
        runs: &runs,
        edges,
        allcaps_min,
    }
    .write(out);
}

/// [`write_stream`] of `text` as it is, if normalisation would leave it so: every character
/// inert (see `normalize`), as most texts are. Otherwise `false`, having written nothing, and
/// the caller writes the normalised text; so the common case reads the text once, not twice.
pub(crate) fn write_stream_if_normal(
    text: &str,
    edges: Edges,
    allcaps_min: Option<usize>,
    fold_quotes: bool,
    out: &mut Vec<u8>,
) -> bool {
    let text = without_frame_space(text, edges);
    let Some(runs) = runs(text, Some(fold_quotes)) else {
        return false;
    };
    Writer {
        runs: &runs,
        edges,
        allcaps_min,
    }
    .write(out);
    true
}

/// The frame's ⟨bow⟩ is the one leading space; two or more stay a whitespace token.
fn without_frame_space(text: &str, edges: Edges) -> &str {
    if edges.at_start
        && edges.frame_bow
        && edges.raw_head_space
        && text.starts_with(' ')
        && !text.starts_with("  ")
    {
        &text[1..]
    } else {
        text
    }
}

struct Writer<'r, 'a> {
    runs: &'r [Run<'a>],
    edges: Edges,
    allcaps_min: Option<usize>,
}

impl Writer<'_, '_> {
    fn class(&self, i: usize) -> Option<Class> {
        self.runs.get(i).map(|r| r.class)
    }

    /// A lone `'` opening the word after it (`'First`, `a 'b`).
    fn opens_word(&self, i: usize) -> bool {
        self.runs[i].body == "'"
            && matches!(self.class(i + 1), Some(Class::Wordy | Class::StrayMark))
    }

    /// Does run `i` touch a space on its left? The message start counts when the frame ends in
    /// ⟨bow⟩; the message end never does.
    fn space_left(&self, i: usize) -> bool {
        match i.checked_sub(1) {
            None => self.edges.at_start && self.edges.frame_bow,
            Some(j) => self.runs[j].class == Class::Space && self.runs[j].body.ends_with(' '),
        }
    }

    /// …on its right? Only a single space: a run of two or more kills the marker.
    fn space_right(&self, i: usize) -> bool {
        self.runs.get(i + 1).is_some_and(|r| {
            r.class == Class::Space && r.body.starts_with(' ') && !r.body.starts_with("  ")
        })
    }

    /// Whether this run writes a right-hand border marker of its own.
    fn takes_right_border(&self, run: Run<'_>) -> bool {
        run.class == Class::Punct
            || hard_eow(run.body)
            || (matches!(run.class, Class::Digit | Class::Hard) && digit_eow(run.body))
    }

    /// A lone apostrophe before a lowercase contraction suffix is that word's opening boundary.
    #[inline]
    fn contraction_seam(&self, i: usize) -> bool {
        const SUFFIXES: [&str; 7] = ["s", "t", "d", "m", "ll", "re", "ve"];
        if i == 0 {
            return false;
        }
        let prev = self.runs[i - 1];
        if prev.class != Class::Punct || prev.body != "'" || !SUFFIXES.contains(&self.runs[i].body)
        {
            return false;
        }
        i < 2 || !self.takes_right_border(self.runs[i - 2])
    }

    /// The frame's ⟨bow⟩ is written here unless the first run supplies its own.
    fn head(&self, out: &mut Vec<u8>) {
        if !self.edges.at_start || !self.edges.frame_bow {
            return;
        }
        let Some(&first) = self.runs.first() else {
            // Content that normalises away still pays for the frame's ⟨bow⟩.
            out.push(BOW);
            return;
        };
        let head_quote = self.opens_word(0);
        let own_bow = !head_quote
            && (matches!(first.class, Class::Wordy | Class::Punct | Class::StrayMark)
                || hard_bow(first.body)
                || (matches!(first.class, Class::Digit | Class::Hard) && digit_bow(first.body))
                || (first.class == Class::Space && first.body.starts_with(' ')));
        if !own_bow {
            out.push(if head_quote { b' ' } else { BOW });
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        let start = out.len();
        self.head(out);
        let mut lowered = String::new();
        // Where a space that may be a seam belongs, until the next run shows whether it is.
        let mut seam: Option<usize> = None;
        for (i, &run) in self.runs.iter().enumerate() {
            if run.class == Class::Space
                && run.body == " "
                && out.len() > start + 1
                && out.last() == Some(&EOW)
            {
                seam = Some(out.len());
                continue;
            }
            self.write_run(i, run, out, &mut lowered);
            // The seam: `⟨eow⟩ ␠ [case markers] ⟨bow⟩` loses its space, which the marker
            // pair encodes; any other space is written after all (the rarer case, so the
            // space is put in rather than taken out).
            if let Some(at) = seam.take()
                && out[at..].iter().find(|&&b| b != SHIFT && b != CAPS) != Some(&BOW)
            {
                out.insert(at, b' ');
            }
        }
        if seam.is_some() {
            out.push(b' ');
        }
    }

    fn write_run(&self, i: usize, run: Run<'_>, out: &mut Vec<u8>, lowered: &mut String) {
        let body = run.body;
        match run.class {
            Class::Wordy => {
                let fused = i > 0 && self.runs[i - 1].class == Class::StrayMark;
                let mark = case_mark(body, self.allcaps_min, fused);
                match mark {
                    CaseMark::Literal => {}
                    CaseMark::Shift => out.push(SHIFT),
                    CaseMark::Caps => out.push(CAPS),
                }
                if !fused && !self.contraction_seam(i) {
                    out.push(BOW);
                }
                if mark == CaseMark::Literal {
                    out.extend_from_slice(body.as_bytes());
                } else if body.is_ascii() {
                    let at = out.len();
                    out.extend_from_slice(body.as_bytes());
                    out[at..].make_ascii_lowercase();
                } else {
                    lowered.clear();
                    push_cased_body(lowered, body, mark);
                    out.extend_from_slice(lowered.as_bytes());
                }
                out.push(EOW);
            }
            Class::StrayMark => {
                out.push(BOW);
                out.extend_from_slice(body.as_bytes());
                // A letter after the marks is the rest of the same word.
                if self.class(i + 1) != Some(Class::Wordy) {
                    out.push(EOW);
                }
            }
            // Whitespace and ASCII numbers take no markers (no space class character borders
            // like punctuation, and no ASCII digit is a border digit).
            Class::Space => out.extend_from_slice(body.as_bytes()),
            Class::Digit if body.is_ascii() => out.extend_from_slice(body.as_bytes()),
            _ if run.class == Class::Punct || hard_bow(body) || hard_eow(body) => {
                let punct = run.class == Class::Punct;
                if self.space_left(i) && !self.opens_word(i) && (punct || hard_bow(body)) {
                    out.push(BOW);
                }
                out.extend_from_slice(body.as_bytes());
                if self.space_right(i) && (punct || hard_eow(body)) {
                    out.push(EOW);
                }
            }
            Class::Digit | Class::Hard if is_digit_run(body) => {
                if digit_bow(body) && self.space_left(i) {
                    out.push(BOW);
                }
                out.extend_from_slice(body.as_bytes());
                if digit_eow(body) && self.space_right(i) {
                    out.push(EOW);
                }
            }
            _ => out.extend_from_slice(body.as_bytes()),
        }
    }
}

/// A stream in ctok's public notation (⟨bow⟩, ⟨eow⟩, ⟨shift⟩, ⟨caps⟩).
pub(crate) fn render(stream: &[u8]) -> String {
    let mut s = String::new();
    for chunk in stream.utf8_chunks() {
        s.push_str(chunk.valid());
        for &b in chunk.invalid() {
            s.push_str(match b {
                BOW => "⟨bow⟩",
                EOW => "⟨eow⟩",
                SHIFT => "⟨shift⟩",
                CAPS => "⟨caps⟩",
                _ => "\u{fffd}",
            });
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, edges: Edges, caps: Option<usize>) -> String {
        let mut out = Vec::new();
        write_stream(text, edges, caps, &mut out);
        super::render(&out)
    }

    const START: Edges = Edges {
        at_start: true,
        frame_bow: true,
        raw_head_space: false,
    };

    #[test]
    fn words_punctuation_and_seams() {
        // The README's documented example stream for "hello, world".
        assert_eq!(
            render("hello, world", START, Some(4)),
            "⟨bow⟩hello⟨eow⟩,⟨eow⟩⟨bow⟩world⟨eow⟩"
        );
    }

    #[test]
    fn case_markers() {
        assert_eq!(
            render("NASA likes Tokens", START, Some(4)),
            "⟨caps⟩⟨bow⟩nasa⟨eow⟩⟨bow⟩likes⟨eow⟩⟨shift⟩⟨bow⟩tokens⟨eow⟩"
        );
        // No caps marker in v4.7, and short or mixed capitals stay literal.
        assert_eq!(render("NASA", START, None), "⟨bow⟩NASA⟨eow⟩");
        assert_eq!(
            render("QQ WiFi", START, Some(4)),
            "⟨bow⟩QQ⟨eow⟩⟨bow⟩WiFi⟨eow⟩"
        );
    }

    #[test]
    fn contraction_suffix_takes_the_apostrophe_as_boundary() {
        assert_eq!(render("it's", START, Some(4)), "⟨bow⟩it⟨eow⟩'s⟨eow⟩");
        assert_eq!(render("x'llo", START, Some(4)), "⟨bow⟩x⟨eow⟩'⟨bow⟩llo⟨eow⟩");
    }
}
