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

/// Thai SARA AM written decomposed (NIKHAHIT + SARA AA) is composed; NFC leaves it alone.
const THAI_DECOMPOSED_AM: &str = "\u{0e4d}\u{0e32}";

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
    let keep = |c: char, out: &mut String| {
        if c == '\0' {
            out.push(' ');
        } else if !is_stripped_control(c) {
            out.push(c);
        }
    };
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text.chars().for_each(|c| keep(c, &mut out));
    } else {
        text.nfc().for_each(|c| keep(c, &mut out));
    }
    // The Thai fold sees the text with controls already gone, before private use is stripped.
    if out.contains(THAI_DECOMPOSED_AM) {
        out = out.replace(THAI_DECOMPOSED_AM, "\u{0e33}");
    }
    let needs_pass = out
        .chars()
        .any(|c| is_private_use(c) || is_folded_space(c) || (fold_quotes && is_curly_quote(c)));
    if !needs_pass {
        return Cow::Owned(out);
    }
    Cow::Owned(
        out.chars()
            .filter(|&c| !is_private_use(c))
            .map(|c| match c {
                _ if is_folded_space(c) => ' ',
                '\u{2018}' | '\u{2019}' if fold_quotes => '\'',
                '\u{201c}' | '\u{201d}' if fold_quotes => '"',
                _ => c,
            })
            .collect(),
    )
}

fn is_curly_quote(c: char) -> bool {
    matches!(c, '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}')
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
        assert_eq!(normalize("\u{0e4d}\u{0e32}", false), "\u{0e33}");
    }
}
