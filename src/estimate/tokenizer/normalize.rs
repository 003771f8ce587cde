//! The text normalisation the API applies before tokenizing: NFC, controls and private use
//! removed, exotic spaces folded to U+0020, and (v3 only) curly quotes folded to ASCII.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::{IsNormalized, is_nfc_quick};

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

/// Normalise `text`; `fold_quotes` folds ‘ ’ “ ” to ASCII (v3).
pub(crate) fn normalize(text: &str, fold_quotes: bool) -> Cow<'_, str> {
    // ASCII without controls other than TAB and LF is already normal: the common case.
    if text
        .bytes()
        .all(|b| (b' '..0x7f).contains(&b) || b == b'\n' || b == b'\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // One pass doing what the API does in order: strip controls, fold decomposed SARA AM,
    // then drop private use and fold spaces and quotes. Private use is removed after the
    // Thai fold, so a NIKHAHIT and SARA AA it separated stay two characters.
    let mut private_use_gap = false;
    let mut push = |c: char| {
        if is_stripped_control(c) {
            return;
        }
        if is_private_use(c) {
            private_use_gap = true;
            return;
        }
        if c == '\u{0e32}' && !private_use_gap && out.ends_with('\u{0e4d}') {
            out.pop();
            out.push('\u{0e33}');
            return;
        }
        private_use_gap = false;
        out.push(match c {
            '\0' => ' ',
            _ if is_folded_space(c) => ' ',
            '\u{2018}' | '\u{2019}' if fold_quotes => '\'',
            '\u{201c}' | '\u{201d}' if fold_quotes => '"',
            _ => c,
        });
    };
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text.chars().for_each(&mut push);
    } else {
        text.nfc().for_each(&mut push);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
