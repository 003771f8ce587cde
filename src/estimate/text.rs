//! Text → tokens for one tokenizer family, without any frame.
//!
//! PLACEHOLDER until the tokenizer lands (issue 3): characters / 3.5, rounded up.

use super::Family;

/// Tokens of `text` in `family`'s vocabulary (no message frame).
pub fn count_text(_family: Family, text: &str) -> u64 {
    (text.chars().count() as f64 / 3.5).ceil() as u64
}

/// True while `count_text` is an approximation rather than the real tokenizer.
pub const APPROXIMATE: bool = true;
