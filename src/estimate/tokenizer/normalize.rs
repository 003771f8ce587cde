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
static PLAIN_ASCII: [bool; 256] = {
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

/// Bytes of plain ASCII at the start of `s`.
fn plain_prefix_len(s: &str) -> usize {
    s.bytes()
        .position(|b| !is_plain_ascii(b))
        .unwrap_or(s.len())
}

/// Normalise `text`; `fold_quotes` folds ‘ ’ “ ” to ASCII (v3).
///
/// NFC is local at every plain ASCII character: it has combining class 0, never composes with
/// what precedes it, and only what follows may compose with it. So the text is taken a stretch
/// at a time, each stretch of other characters with the plain character before it, and only a
/// stretch the quick check does not pass is composed.
pub(crate) fn normalize(text: &str, fold_quotes: bool) -> Cow<'_, str> {
    // Plain ASCII is already normal: the common case.
    if plain_prefix_len(text) == text.len() {
        return Cow::Borrowed(text);
    }
    let mut folder = Folder {
        out: String::with_capacity(text.len()),
        private_use_gap: false,
        fold_quotes,
    };
    let mut rest = text;
    while !rest.is_empty() {
        let plain = plain_prefix_len(rest);
        let other = rest[plain..]
            .bytes()
            .position(is_plain_ascii)
            .map_or(rest.len(), |n| plain + n);
        let stretch = &rest[plain..other];
        let (mut nfc_inert, mut fold_inert) = (true, true);
        for c in stretch.chars() {
            let info = char_info(c);
            nfc_inert &= info.is_nfc_inert();
            fold_inert &= info.is_fold_inert();
        }
        if nfc_inert || is_nfc_quick(stretch.chars()) == IsNormalized::Yes {
            folder.push_plain(&rest[..plain]);
            if fold_inert {
                folder.push_plain(stretch);
            } else {
                stretch.chars().for_each(|c| folder.push(c));
            }
        } else {
            // A mark may compose with the plain character before the stretch.
            let head = plain.saturating_sub(1);
            folder.push_plain(&rest[..head]);
            rest[head..other].nfc().for_each(|c| folder.push(c));
        }
        rest = &rest[other..];
    }
    Cow::Owned(folder.out)
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
    /// Text that passes through unchanged: plain ASCII (see [`is_plain_ascii`]) or characters
    /// that [`folds_unchanged`] says so of.
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
