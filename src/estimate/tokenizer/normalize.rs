//! The text normalisation the API applies before tokenizing: NFC, controls and private use
//! removed, exotic spaces folded to U+0020, and (v3 only) curly quotes folded to ASCII.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::{IsNormalized, is_nfc_quick};

use super::char_info::char_info;

/// C0/C1 controls the API strips (every Cc except TAB, LF and NUL).
fn is_stripped_control(c: char) -> bool {
    matches!(c, '\x01'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}')
}

/// BMP private use: stripped, its neighbours joining.
fn is_private_use(c: char) -> bool {
    ('\u{e000}'..='\u{f8ff}').contains(&c)
}

/// Space separators tokenized exactly like U+0020 (all Zs but U+3000, plus Zl and Zp).
fn is_folded_space(c: char) -> bool {
    matches!(
        c,
        '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}'
    )
}

/// Plain ASCII: printable, TAB or LF. Normalisation leaves it as it is.
pub(crate) const PLAIN_ASCII: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b >= 0x20 && b < 0x7f) || b == 0x0a || b == 0x09;
        b += 1;
    }
    table
};

fn is_plain_ascii(b: u8) -> bool {
    PLAIN_ASCII[usize::from(b)]
}

/// Normalise `text`; `fold_quotes` folds ‘ ’ “ ” to ASCII (v3).
///
/// Most characters are inert: NFC leaves them as they are whatever surrounds them (combining
/// class 0, quick check Yes: a starter nothing before it composes with) and the folding after
/// NFC leaves them too (plain ASCII is the common case). Such a character is a boundary NFC
/// does not look across, except that what follows may compose with it. So only a chunk of
/// other characters, with the inert character before it, is normalised (and composed only if
/// the quick check asks); everything else is copied, and a text with no such chunk is
/// returned as it is.
pub(crate) fn normalize(text: &str, fold_quotes: bool) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut folder: Option<Folder> = None;
    // `text[..copied]` is in the folder's output.
    let mut copied = 0;
    // Where the character before `i` starts.
    let mut previous = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Plain ASCII a run at a time: the common case.
        let plain = bytes[i..]
            .iter()
            .position(|&b| !is_plain_ascii(b))
            .unwrap_or(bytes.len() - i);
        if plain > 0 {
            (previous, i) = (i + plain - 1, i + plain);
            continue;
        }
        let (inert, len) = inert_at(text, i, fold_quotes);
        if inert {
            (previous, i) = (i, i + len);
            continue;
        }
        let chunk_start = previous;
        let mut end = i + len;
        while end < bytes.len() {
            let (inert, len) = inert_at(text, end, fold_quotes);
            if inert {
                break;
            }
            end += len;
        }
        let folder = folder.get_or_insert_with(|| Folder {
            out: String::with_capacity(text.len()),
            private_use_gap: false,
            fold_quotes,
        });
        folder.push_plain(&text[copied..chunk_start]);
        let chunk = &text[chunk_start..end];
        if is_nfc_quick(chunk.chars()) == IsNormalized::Yes {
            chunk.chars().for_each(|c| folder.push(c));
        } else {
            chunk.nfc().for_each(|c| folder.push(c));
        }
        (copied, previous, i) = (end, end, end);
    }
    match folder {
        None => Cow::Borrowed(text),
        Some(mut folder) => {
            folder.push_plain(&text[copied..]);
            Cow::Owned(folder.out)
        }
    }
}

/// Whether the character at byte `i` of `text` is inert (see [`normalize`]), and its length.
#[inline]
fn inert_at(text: &str, i: usize, fold_quotes: bool) -> (bool, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return (is_plain_ascii(b), 1);
    }
    let c = text[i..].chars().next().unwrap_or_default();
    (char_info(c).is_inert(fold_quotes), c.len_utf8())
}

/// Whether [`Folder::push`] writes `c` as it is and leaves no state that changes how the next
/// character is folded.
pub(crate) fn folds_unchanged(c: char) -> bool {
    !(is_stripped_control(c)
        || is_private_use(c)
        || is_folded_space(c)
        || matches!(
            c,
            '\0' | '\u{0e32}' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}'
        ))
}

/// What the API does after NFC, in order: strip controls, fold decomposed SARA AM, then drop
/// private use and fold spaces and quotes. Private use is removed after the Thai fold, so a
/// NIKHAHIT and SARA AA it separated stay two characters.
struct Folder {
    out: String,
    private_use_gap: bool,
    fold_quotes: bool,
}

impl Folder {
    /// Text that passes through unchanged: inert characters (see [`normalize`]).
    fn push_plain(&mut self, plain: &str) {
        if !plain.is_empty() {
            self.out.push_str(plain);
            self.private_use_gap = false;
        }
    }

    fn push(&mut self, c: char) {
        if is_stripped_control(c) {
            return;
        }
        if is_private_use(c) {
            self.private_use_gap = true;
            return;
        }
        if c == '\u{0e32}' && !self.private_use_gap && self.out.ends_with('\u{0e4d}') {
            self.out.pop();
            self.out.push('\u{0e33}');
            return;
        }
        self.private_use_gap = false;
        self.out.push(match c {
            '\0' => ' ',
            _ if is_folded_space(c) => ' ',
            '\u{2018}' | '\u{2019}' if self.fold_quotes => '\'',
            '\u{201c}' | '\u{201d}' if self.fold_quotes => '"',
            _ => c,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The whole text composed at once, then folded: what [`normalize`] must equal.
    fn reference(text: &str, fold_quotes: bool) -> String {
        let mut folder = Folder {
            out: String::new(),
            private_use_gap: false,
            fold_quotes,
        };
        text.nfc().for_each(|c| folder.push(c));
        folder.out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Composing a stretch at a time, and only where the quick check asks, changes nothing.
        #[test]
        fn stretchwise_is_whole_text_normalisation(
            fragments in prop::collection::vec(prop_oneof![
                prop::sample::select(vec![
                    "e", "E", " ", "x1", "\n", "\u{301}", "\u{308}", "\u{327}", "\u{323}",
                    "\u{300}", "a\u{308}", "\u{1e0d}", "\u{1100}", "\u{1161}", "\u{11a8}",
                    "\u{ac00}", "\u{915}\u{93c}", "\u{9c7}", "\u{9be}", "\u{b47}\u{b3e}",
                    "\u{0e4d}", "\u{0e32}", "\u{e000}", "\u{1}", "\r", "\0", "\u{a0}",
                    "\u{2018}", "\u{201d}", "\u{4e2d}", "\u{2126}", "\u{212b}", "\u{f900}",
                    "\u{1d15e}", "\u{3099}", "\u{304b}", "\u{5d0}\u{5b7}\u{5bc}",
                ]).prop_map(str::to_string),
                "\\PC{0,4}",
            ], 0..24),
            fold_quotes: bool,
        ) {
            let text = fragments.concat();
            prop_assert_eq!(normalize(&text, fold_quotes), reference(&text, fold_quotes));
        }
    }

    #[test]
    fn composes_and_strips() {
        // e + combining acute composes to é (NFC); CR and BEL are stripped; NUL reads as space.
        assert_eq!(normalize("e\u{301}\r\n\x07a\0b", false), "é\na b");
    }

    #[test]
    fn quotes_fold_only_when_asked() {
        assert_eq!(normalize("‘a’ “b”", true), "'a' \"b\"");
        assert_eq!(normalize("‘a’", false), "‘a’");
        // U+201E is a different token and never folds.
        assert_eq!(normalize("„", true), "„");
    }

    #[test]
    fn folds_spaces_and_private_use() {
        assert_eq!(
            normalize("a\u{a0}b\u{e000}c\u{3000}", false),
            "a bc\u{3000}"
        );
        // Thai SARA AM written decomposed is composed (NFC leaves it alone), also across a
        // stripped control, but not across stripped private use.
        assert_eq!(normalize("\u{0e4d}\u{0e32}", false), "\u{0e33}");
        assert_eq!(normalize("\u{0e4d}\u{1}\u{0e32}", false), "\u{0e33}");
        assert_eq!(
            normalize("\u{0e4d}\u{e000}\u{0e32}", false),
            "\u{0e4d}\u{0e32}"
        );
    }
}
