//! What the normaliser and the stream builder ask about a character (class, borders, digits,
//! case, normalisation), packed in 16 bits and looked up in a table instead of recomputed per
//! character.
//!
//! The answers are the ones [`super::chars`] and the NFC quick check give; finding them takes
//! several binary searches over Unicode tables (general category twice, Alphabetic, combining
//! class) and a substring search, which dominated the time spent on non-Latin text. The table
//! covers the first four planes and fills itself as characters are met: a slot holds 0 until its
//! character is first looked up, then the packed answer, which is the same whichever thread
//! computes it.

use std::sync::atomic::{AtomicU16, Ordering};

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, is_nfc_quick};
use unicode_properties::{GeneralCategory as Gc, UnicodeGeneralCategory};

use super::chars::{
    Class, classify, is_border_digit, is_lower, is_stray_mark, is_upper, lowers_to_self,
    marks_like_punct,
};

/// Codepoints below this are kept in the table (planes 0 to 3: every script, CJK extensions B
/// to G, emoji); the rest are computed on each lookup.
const TABLE_LEN: usize = 0x4_0000;

static TABLE: [AtomicU16; TABLE_LEN] = [const { AtomicU16::new(0) }; TABLE_LEN];

const CLASS_MASK: u16 = 0b111;
const STRAY_MARK: u16 = 1 << 3;
const MARKS_LIKE_PUNCT: u16 = 1 << 4;
const BORDER_DIGIT: u16 = 1 << 5;
const DECIMAL_NUMBER: u16 = 1 << 6;
const OTHER_NUMBER: u16 = 1 << 7;
const NFC_INERT: u16 = 1 << 8;
const FOLD_INERT: u16 = 1 << 9;
const UPPER: u16 = 1 << 10;
const LOWER: u16 = 1 << 11;
const LOWERS_TO_SELF: u16 = 1 << 12;
/// ‘ ’ “ ”: folded to ASCII where the family folds quotes, else left as they are.
const CURLY_QUOTE: u16 = 1 << 13;
/// Set in every computed entry, so 0 means "not yet computed".
const KNOWN: u16 = 1 << 15;

const CLASSES: [Class; 6] = [
    Class::Wordy,
    Class::Hard,
    Class::Digit,
    Class::Punct,
    Class::Space,
    Class::StrayMark,
];

/// The numeric general category of a character, as far as digit runs care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Numeric {
    Decimal,
    Other,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CharInfo(u16);

impl CharInfo {
    fn compute(c: char) -> CharInfo {
        let class = classify(c);
        let class_index = CLASSES
            .iter()
            .position(|&k| k == class)
            .expect("every class is listed") as u16;
        let mut bits = KNOWN | class_index;
        let cat = c.general_category();
        let flags = [
            (STRAY_MARK, is_stray_mark(c)),
            (MARKS_LIKE_PUNCT, marks_like_punct(c)),
            (BORDER_DIGIT, is_border_digit(c)),
            (DECIMAL_NUMBER, cat == Gc::DecimalNumber),
            (OTHER_NUMBER, cat == Gc::OtherNumber),
            (
                NFC_INERT,
                canonical_combining_class(c) == 0
                    && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes,
            ),
            (FOLD_INERT, super::normalize::folds_unchanged(c)),
            (UPPER, is_upper(c)),
            (LOWER, is_lower(c)),
            (LOWERS_TO_SELF, lowers_to_self(c)),
            (
                CURLY_QUOTE,
                matches!(c, '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}'),
            ),
        ];
        for (bit, set) in flags {
            if set {
                bits |= bit;
            }
        }
        CharInfo(bits)
    }

    /// The stream class of the character ([`classify`]).
    #[inline]
    pub(crate) fn class(self) -> Class {
        CLASSES[usize::from(self.0 & CLASS_MASK)]
    }

    /// [`is_stray_mark`].
    #[inline]
    pub(crate) fn is_stray_mark(self) -> bool {
        self.0 & STRAY_MARK != 0
    }

    /// [`marks_like_punct`].
    #[inline]
    pub(crate) fn marks_like_punct(self) -> bool {
        self.0 & MARKS_LIKE_PUNCT != 0
    }

    /// [`is_border_digit`].
    #[inline]
    pub(crate) fn is_border_digit(self) -> bool {
        self.0 & BORDER_DIGIT != 0
    }

    /// Whether the general category is Nd, No or neither.
    #[inline]
    pub(crate) fn numeric(self) -> Numeric {
        if self.0 & DECIMAL_NUMBER != 0 {
            Numeric::Decimal
        } else if self.0 & OTHER_NUMBER != 0 {
            Numeric::Other
        } else {
            Numeric::None
        }
    }

    /// [`is_upper`].
    #[inline]
    pub(crate) fn is_upper(self) -> bool {
        self.0 & UPPER != 0
    }

    /// [`is_lower`].
    #[inline]
    pub(crate) fn is_lower(self) -> bool {
        self.0 & LOWER != 0
    }

    /// [`lowers_to_self`].
    #[inline]
    pub(crate) fn lowers_to_self(self) -> bool {
        self.0 & LOWERS_TO_SELF != 0
    }

    /// Inert for normalisation: a starter that NFC leaves as it is whatever surrounds it
    /// (combining class 0, quick check Yes), which the folding after NFC passes unchanged
    /// (curly quotes do unless `fold_quotes`).
    #[inline]
    pub(crate) fn is_inert(self, fold_quotes: bool) -> bool {
        const BOTH: u16 = NFC_INERT | FOLD_INERT;
        const QUOTE: u16 = NFC_INERT | CURLY_QUOTE;
        self.0 & BOTH == BOTH || (!fold_quotes && self.0 & QUOTE == QUOTE)
    }
}

/// Everything the tokenizer asks about `c`.
#[inline]
pub(crate) fn char_info(c: char) -> CharInfo {
    let Some(slot) = TABLE.get(c as usize) else {
        return CharInfo::compute(c);
    };
    let bits = slot.load(Ordering::Relaxed);
    if bits != 0 {
        return CharInfo(bits);
    }
    let info = CharInfo::compute(c);
    slot.store(info.0, Ordering::Relaxed);
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_answers_what_the_functions_answer() {
        // Every BMP character and a sample of the other planes, twice (computed, then cached).
        let chars = (0..0x1_0000u32)
            .chain((0x1_0000..0x11_0000).step_by(97))
            .filter_map(char::from_u32);
        for c in chars {
            for _ in 0..2 {
                let info = char_info(c);
                assert_eq!(info.class(), classify(c), "{c:?}");
                assert_eq!(info.is_stray_mark(), is_stray_mark(c), "{c:?}");
                assert_eq!(info.marks_like_punct(), marks_like_punct(c), "{c:?}");
                assert_eq!(info.is_border_digit(), is_border_digit(c), "{c:?}");
                assert_eq!(info.is_upper(), is_upper(c), "{c:?}");
                assert_eq!(info.is_lower(), is_lower(c), "{c:?}");
                assert_eq!(info.lowers_to_self(), lowers_to_self(c), "{c:?}");
                let numeric = match c.general_category() {
                    Gc::DecimalNumber => Numeric::Decimal,
                    Gc::OtherNumber => Numeric::Other,
                    _ => Numeric::None,
                };
                assert_eq!(info.numeric(), numeric, "{c:?}");
                let alone_nfc = is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes;
                let starter = canonical_combining_class(c) == 0;
                let folds = super::super::normalize::folds_unchanged(c);
                let quote = matches!(c, '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}');
                assert_eq!(info.is_inert(true), starter && alone_nfc && folds, "{c:?}");
                let inert = starter && alone_nfc && (folds || quote);
                assert_eq!(info.is_inert(false), inert, "{c:?}");
            }
        }
    }
}
