//! The API's limits on a request, each written once. From Anthropic's Messages API, vision
//! and PDF support documentation (2025–2026). Sizes are binary multiples: "32 MB" is
//! 32 × 1024 × 1024 bytes, as the API's own error messages count them.
//!
//! The rules that use them are in `validate` (a request) and `intake` (a file to attach).

use crate::registry::Registry;

const MB: u64 = 1024 * 1024;

/// Largest request body.
pub const MAX_REQUEST_BYTES: u64 = 32 * MB;
/// Most messages in one request.
pub const MAX_MESSAGES: usize = 100_000;
/// Largest image, measured as its base64 text (the Anthropic API's limit; Bedrock and
/// Vertex take 5 MB).
pub const MAX_IMAGE_BASE64_BYTES: u64 = 10 * MB;
/// Largest side of an image, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 8000;
/// A request with more than this many images…
pub const MANY_IMAGES: usize = 20;
/// …takes at most this many pixels a side in each.
pub const MANY_IMAGES_MAX_SIDE: u32 = 2000;
/// Largest PDF file.
pub const MAX_PDF_BYTES: u64 = 32 * MB;
/// Smallest `thinking.budget_tokens`.
pub const MIN_THINKING_BUDGET: u64 = 1024;
/// Most `cache_control` breakpoints in one request, the automatic one included (Anthropic's
/// prompt caching docs: a fifth is refused with a 400).
pub const MAX_CACHE_BREAKPOINTS: usize = 4;

/// Limits that depend on the model's context window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// Images in one request: 100 on 200K-context models, 600 on larger ones.
    pub images: usize,
    /// Pages of one PDF: 100 when the context window is under 1M tokens, 600 from 1M.
    pub pdf_pages: usize,
}

impl ModelLimits {
    pub fn for_context_window(context_window: u64) -> Self {
        ModelLimits {
            images: if context_window <= 200_000 { 100 } else { 600 },
            pdf_pages: if context_window < 1_000_000 { 100 } else { 600 },
        }
    }

    /// The limits for a model id, from the registry (an unknown id gets its fallback).
    pub fn for_model(model: &str) -> Self {
        Self::for_context_window(Registry::builtin().lookup(model).context_window)
    }
}

impl Default for ModelLimits {
    /// The API's outer limits, for when the model is not known yet.
    fn default() -> Self {
        Self::for_context_window(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_context_window() {
        assert_eq!(
            ModelLimits::for_context_window(200_000),
            ModelLimits {
                images: 100,
                pdf_pages: 100
            }
        );
        assert_eq!(
            ModelLimits::for_context_window(1_000_000),
            ModelLimits {
                images: 600,
                pdf_pages: 600
            }
        );
        assert_eq!(ModelLimits::for_model("claude-sonnet-4-5").pdf_pages, 100);
        assert_eq!(ModelLimits::for_model("claude-opus-4-6").pdf_pages, 600);
    }
}
