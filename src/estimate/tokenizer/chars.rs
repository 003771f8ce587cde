//! What kind of character each codepoint is for the encoder: its stream class, its border
//! behaviour, and its case. Unicode data decides most of it; the enumerated tables are measured
//! facts (ctok 1.3.0's findings against count_tokens) that no Unicode property reproduces.

use unicode_normalization::char::canonical_combining_class;
use unicode_properties::{GeneralCategory as Gc, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::char_info::{Numeric, char_info};

/// The stream class of one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Letters that take the word model: boundary markers and case rewriting.
    Wordy,
    /// Characters that tile alone (CJK, emoji, most symbols).
    Hard,
    /// ASCII and Arabic-Indic decimal digits.
    Digit,
    /// ASCII punctuation and symbols, and a few measured non-ASCII ones.
    Punct,
    /// Whitespace.
    Space,
    /// A run of combining marks with no base in front of it (a run class only).
    StrayMark,
}

/// Non-ASCII symbols that tile over the punctuation vocabulary; measured one by one.
const PUNCT_SYMS: &str = "—»«•°„–−£§€…√→（№†└│།·─═█";

/// Category-So members of CJK Symbols and Punctuation that read as ideographic punctuation.
const IDEOGRAPHIC_SYMBOLS: &str = "〄〒〓〠〶〷〾〿";

/// Symbol-letter blocks measured to take the full word model like Latin letters.
const SYMBOL_LETTERS: [(u32, u32); 4] = [
    (0x16EE, 0x16F0),
    (0x2160, 0x2188),
    (0x24B6, 0x24E9),
    (0xA6E6, 0xA6EF),
];

/// Case pairs from Unicode 16 that the source models know, spelled out in case the platform's
/// tables predate them.
const NEW_CASE_PAIRS: [(char, char); 2] = [('\u{1c89}', '\u{1c8a}'), ('\u{a7cb}', '\u{0264}')];

/// `ϴ` measures as caseless although Unicode calls it a capital.
const UNCASED: char = '\u{03f4}';

fn in_ranges(c: char, ranges: &[(u32, u32)]) -> bool {
    let o = c as u32;
    ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&o))
}

pub(crate) fn is_selector(c: char) -> bool {
    ('\u{fe00}'..='\u{fe0f}').contains(&c)
}

fn is_new_cased(c: char) -> bool {
    NEW_CASE_PAIRS.iter().any(|&(u, l)| c == u || c == l)
}

fn is_mark(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Mark
}

/// Characters on the isolated path although Unicode calls them letters.
fn is_hard_letter(c: char) -> bool {
    let o = c as u32;
    o >= 0x10000
        || (0x4E00..=0x9FFF).contains(&o)
        || (0x3400..=0x4DBF).contains(&o)
        || (0xF900..=0xFAFF).contains(&o)
        || (0xAC00..=0xD7A3).contains(&o)
        // Ideographic iteration and closing marks continue the Han run they follow.
        || matches!(o, 0x3005 | 0x3006 | 0x3031..=0x3035 | 0x303B | 0x303C)
}

/// The stream class of each ASCII byte, looked up rather than matched in the hot loop.
pub(crate) static ASCII_CLASS: [Class; 128] = {
    let mut table = [Class::Hard; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => Class::Wordy,
            b'0'..=b'9' => Class::Digit,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => Class::Space,
            c if c.is_ascii_punctuation() => Class::Punct,
            _ => Class::Hard,
        };
        b += 1;
    }
    table
};

/// The stream class of `c`.
pub(crate) fn classify(c: char) -> Class {
    if c.is_ascii() {
        return ASCII_CLASS[c as usize];
    }
    if is_new_cased(c) {
        return Class::Wordy;
    }
    let cat = c.general_category();
    let group = c.general_category_group();
    let o = c as u32;
    if group == GeneralCategoryGroup::Separator {
        return Class::Space;
    }
    if in_ranges(c, &SYMBOL_LETTERS) {
        return Class::Wordy;
    }
    if cat == Gc::DecimalNumber
        && ((0x0660..=0x0669).contains(&o) || (0x06F0..=0x06F9).contains(&o))
    {
        return Class::Digit;
    }
    if PUNCT_SYMS.contains(c) {
        return Class::Punct;
    }
    if is_selector(c) {
        return Class::Hard;
    }
    if group == GeneralCategoryGroup::Mark {
        return if o < 0x10000 && c.is_alphabetic() {
            Class::Wordy
        } else {
            Class::Hard
        };
    }
    if group == GeneralCategoryGroup::Letter && !is_hard_letter(c) {
        return Class::Wordy;
    }
    Class::Hard
}

/// A BMP mark that is not Alphabetic (and not a variation selector) closes a word.
pub(crate) fn is_separator(c: char) -> bool {
    !c.is_ascii() && (c as u32) < 0x10000 && is_mark(c) && !is_selector(c) && !c.is_alphabetic()
}

/// A Syriac vowel point or superscript alaph: a word-forming letter wherever it has no base.
fn is_syriac_vowel(c: char) -> bool {
    c == '\u{0711}' || ('\u{0730}'..='\u{073f}').contains(&c)
}

/// A combining mark that, with nothing before it to attach to, opens a word of its own.
pub(crate) fn is_stray_mark(c: char) -> bool {
    !is_syriac_vowel(c) && canonical_combining_class(c) != 0 && !is_separator(c)
}

/// Whether the border-marker branch claims `c`: punctuation, symbols, format and unassigned
/// characters and separator marks in the BMP, except ideographic punctuation.
pub(crate) fn marks_like_punct(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    if c as u32 >= 0x10000 {
        return false;
    }
    if is_separator(c) {
        return true;
    }
    let group = c.general_category_group();
    let cat = c.general_category();
    let ideographic = ('\u{3001}'..='\u{303f}').contains(&c)
        && (group == GeneralCategoryGroup::Punctuation || IDEOGRAPHIC_SYMBOLS.contains(c));
    let claimed = matches!(
        group,
        GeneralCategoryGroup::Punctuation | GeneralCategoryGroup::Symbol
    ) || matches!(cat, Gc::Format | Gc::Unassigned);
    claimed && !ideographic
}

/// Digits that take border markers: every non-ASCII decimal digit and every other number,
/// below U+10000.
pub(crate) fn is_border_digit(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    let cat = c.general_category();
    (c as u32) < 0x10000 && (cat == Gc::OtherNumber || (cat == Gc::DecimalNumber && !c.is_ascii()))
}

/// A non-empty run of one numeric category (Nd or No).
pub(crate) fn is_digit_run(body: &str) -> bool {
    let mut chars = body.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if first.is_ascii_digit() {
        return chars.all(|c| c.is_ascii_digit() || char_info(c).numeric() == Numeric::Decimal);
    }
    let numeric = char_info(first).numeric();
    numeric != Numeric::None && chars.all(|c| char_info(c).numeric() == numeric)
}

/// Which alternative of the pretokenizer a character of a hard run belongs to; a hard run
/// splits where this changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HardKind {
    Punct,
    Number,
    Letter,
}

pub(crate) fn hard_kind(c: char) -> HardKind {
    let info = char_info(c);
    if info.marks_like_punct() {
        HardKind::Punct
    } else if info.is_border_digit() {
        HardKind::Number
    } else {
        HardKind::Letter
    }
}

// ---- case ------------------------------------------------------------------------------------

/// Append the lowercase of `c` as the models see it.
pub(crate) fn push_lower(out: &mut String, c: char) {
    if c == UNCASED {
        out.push(c);
    } else if let Some(&(_, l)) = NEW_CASE_PAIRS.iter().find(|&&(u, _)| u == c) {
        out.push(l);
    } else if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.extend(c.to_lowercase());
    }
}

/// Whether `c` lowers to nothing but itself.
pub(crate) fn lowers_to_self(c: char) -> bool {
    if c == UNCASED || c.is_ascii() {
        return !c.is_ascii_uppercase();
    }
    if NEW_CASE_PAIRS.iter().any(|&(u, _)| u == c) {
        return false;
    }
    let mut l = c.to_lowercase();
    l.next() == Some(c) && l.next().is_none()
}

/// A capital: an Uppercase character that lowers to something else.
pub(crate) fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase();
    }
    if c == UNCASED {
        return false;
    }
    NEW_CASE_PAIRS.iter().any(|&(u, _)| u == c) || (c.is_uppercase() && !lowers_to_self(c))
}

pub(crate) fn is_lower(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    NEW_CASE_PAIRS.iter().any(|&(_, l)| l == c) || c.is_lowercase()
}

/// A letter or mark that cannot be lowered into a caps body: caseless, or a capital whose
/// lowercase is itself.
fn is_unlowerable(c: char) -> bool {
    let letter_or_mark = is_new_cased(c)
        || matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark
        );
    letter_or_mark && !is_lower(c) && (!is_upper(c) || lowers_to_self(c))
}

/// The case marker a word takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaseMark {
    /// Spelled as written.
    Literal,
    /// Title case: the shift marker and the lowered word.
    Shift,
    /// All caps: the caps marker and the lowered word.
    Caps,
}

/// Decide how a word is spelled: a marker fires only on a whole word that is purely title case
/// or (long enough) purely capitals; anything mixed stays literal. `head_mark` means a stray
/// mark opened the word, so no marker can claim its first letter.
pub(crate) fn case_mark(word: &str, allcaps_min: Option<usize>, head_mark: bool) -> CaseMark {
    let Some(first) = word.chars().next() else {
        return CaseMark::Literal;
    };
    if head_mark {
        return CaseMark::Literal;
    }
    if word.is_ascii() {
        return ascii_case_mark(word, allcaps_min);
    }
    // One scan for both (`str::contains` with a non-ASCII char sets up a substring search on
    // every call).
    let (mut sharp_s, mut dotted_i) = (false, false);
    for c in word.chars() {
        sharp_s |= c == 'ẞ';
        dotted_i |= c == 'İ';
    }
    if sharp_s {
        return CaseMark::Literal;
    }
    if dotted_i {
        // İ is transparent to the title-case test but blocks at the head.
        let tail_upper = word[first.len_utf8()..]
            .chars()
            .any(|c| c != 'İ' && char_info(c).is_upper());
        return if char_info(first).is_upper() && first != 'İ' && !tail_upper {
            CaseMark::Shift
        } else {
            CaseMark::Literal
        };
    }
    if let Some(min) = allcaps_min
        && is_all_caps(word)
        && word.chars().count() >= min
        && !word.chars().any(is_unlowerable)
    {
        return CaseMark::Caps;
    }
    let head = char_info(first);
    if head.lowers_to_self() {
        return CaseMark::Literal;
    }
    if head.is_upper()
        && !word[first.len_utf8()..]
            .chars()
            .any(|c| char_info(c).is_upper())
    {
        return CaseMark::Shift;
    }
    CaseMark::Literal
}

/// `case_mark` for an ASCII word (every ASCII letter is cased and lowerable).
fn ascii_case_mark(word: &str, allcaps_min: Option<usize>) -> CaseMark {
    let bytes = word.as_bytes();
    if !bytes[0].is_ascii_uppercase() {
        return CaseMark::Literal;
    }
    let rest_upper = bytes[1..].iter().any(u8::is_ascii_uppercase);
    if !rest_upper {
        return CaseMark::Shift;
    }
    let all_caps = !bytes.iter().any(u8::is_ascii_lowercase);
    match allcaps_min {
        Some(min) if all_caps && bytes.len() >= min => CaseMark::Caps,
        _ => CaseMark::Literal,
    }
}

/// Some cased character, and every cased character a capital.
fn is_all_caps(word: &str) -> bool {
    let mut any = false;
    for c in word.chars() {
        let info = char_info(c);
        if info.is_upper() {
            any = true;
        } else if info.is_lower() {
            return false;
        }
    }
    any
}

/// The word body after `mark`: lowered where a marker fired (İ stays literal in a shifted
/// word; final sigma lowers to σ in a caps body).
pub(crate) fn push_cased_body(out: &mut String, word: &str, mark: CaseMark) {
    match mark {
        CaseMark::Literal => out.push_str(word),
        CaseMark::Shift => {
            let keep_dotted_i = word.chars().any(|c| c == 'İ');
            for (i, c) in word.char_indices() {
                if keep_dotted_i && i > 0 && c == 'İ' {
                    out.push(c);
                } else {
                    push_lower(out, c);
                }
            }
        }
        CaseMark::Caps => {
            for c in word.chars() {
                push_lower(out, c);
            }
        }
    }
}
