//! Offline counting: the tokenizer families and the structure of a request (frames, tools,
//! images, PDFs, thinking).
//!
//! `text` turns text into tokens; `structure` walks a request and adds everything else, each
//! constant taken from the registry (assets/models.json) with where it came from.
//!
//! [`estimate`] counts a request once (`budgie count`, and the workbench's skeleton count in
//! `app::offline_count`, which then keeps each text's count itself). An [`Estimator`] counts
//! the same request again and again: it keeps images and PDFs parsed between calls (keyed by
//! their data) and drops the ones the request no longer holds.

pub mod attachment_cache;
pub mod image;
pub mod pdf;
mod structure;
pub mod text;
pub mod thinking;
pub mod tokenizer;
pub mod tools;

use crate::request::Request;
pub use image::{ImageFormat, ImageInfo, describe_image, image_tokens};
pub use pdf::{PdfInfo, describe_pdf};
// The tokenizer families and tool-use tables are registry data; counting is named by them.
use crate::registry::Registry;
pub use crate::registry::{Family, ToolTable};
pub use structure::trailing_whitespace_uncounted;

/// Tokens by section of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub system: u64,
    /// The tool-use prompt plus the tool definitions.
    pub tools: u64,
    /// Text, tool_use / tool_result, thinking and search results in the turns.
    pub messages: u64,
    /// Images and documents.
    pub attachments: u64,
    /// Frame, per-turn overheads, thinking configuration.
    pub overhead: u64,
}

/// An offline count and how it was made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimate {
    pub input_tokens: u64,
    pub breakdown: Breakdown,
    /// The tokenizer family used (e.g. "v3").
    pub family: String,
    /// Parts of the count that rest on a guess; empty when fully backed by measurements.
    pub unverified: Vec<String>,
    /// How the count was made, one line per constant used (`--explain`).
    pub explain: Vec<String>,
    /// True while the count is a plain approximation rather than the tokenizer's.
    pub approximate: bool,
    /// Things in the request the API would reject or that could not be counted, each with
    /// where it is (e.g. `messages[0].content[1]: media_type says image/png but …`).
    pub problems: Vec<String>,
}

/// Choices a count can be made under.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EstimateOptions {
    /// The tool-use prompt table to use; `None` means the model's `default_tool_table`, else
    /// the one in force (registry `tool_table_in_force`). `Some(ToolTable::Y2025)` reproduces 2025 measurements such as
    /// the docs' 403 for the get_weather example; such counts are marked unverified.
    pub tool_table: Option<ToolTable>,
}

/// Counts requests offline, keeping parsed attachments between calls.
#[derive(Debug, Default)]
pub struct Estimator {
    options: EstimateOptions,
    cache: attachment_cache::AttachmentCache,
}

impl Estimator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_options(options: EstimateOptions) -> Self {
        Estimator {
            options,
            cache: Default::default(),
        }
    }

    pub fn options(&self) -> EstimateOptions {
        self.options
    }

    pub fn set_options(&mut self, options: EstimateOptions) {
        self.options = options;
    }

    /// Count `request` offline. Images and PDFs seen in the previous call are not parsed
    /// again; those no longer in the request are forgotten.
    pub fn estimate(&mut self, request: &Request) -> Estimate {
        let registry = Registry::builtin();
        let model = registry.lookup(&request.model);
        let e =
            structure::Walker::new(&model, registry, &mut self.cache).run(request, &self.options);
        self.cache.sweep();
        e
    }

    /// Number of parsed attachments held.
    pub fn cached_attachments(&self) -> usize {
        self.cache.len()
    }
}

/// Count `request` offline (one-shot; use an [`Estimator`] when counting repeatedly).
pub fn estimate(request: &Request) -> Estimate {
    Estimator::new().estimate(request)
}

/// [`estimate`] under explicit options.
pub fn estimate_with(request: &Request, options: EstimateOptions) -> Estimate {
    Estimator::with_options(options).estimate(request)
}
