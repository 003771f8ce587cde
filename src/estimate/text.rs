//! Text → tokens for one tokenizer family, without any frame.
//!
//! The engine is `super::tokenizer`; this is the seam the rest of budgie calls.

use super::Family;

/// Tokens of `text` in `family`'s vocabulary (no message frame).
pub fn count_text(family: Family, text: &str) -> u64 {
    super::tokenizer::count(family, text)
}

/// True while `count_text` is an approximation rather than the real tokenizer.
pub const APPROXIMATE: bool = false;
