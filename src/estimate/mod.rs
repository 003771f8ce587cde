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
pub mod prefixes;
pub mod render;
mod structure;
pub mod text;
pub mod thinking;
pub mod tokenizer;
pub mod tools;

use crate::request::Request;
pub use image::{ImageFormat, ImageInfo, describe_image, image_tokens};
pub use pdf::{PdfInfo, describe_pdf};
// The tokenizer families and structural constants are registry data; counting is named by them.
pub use crate::registry::{Family, Structural};
use crate::registry::{ModelInfo, Registry};
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

/// A part of a request that tokens can be attributed to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// The system prompt, or one of its blocks when it is a list.
    System(Option<usize>),
    /// One tool's definition, by name.
    Tool(String),
    /// One message (its texts, tool calls and results, thinking), by index in `messages`.
    Message(usize),
    /// An image or document: (message index, block index).
    Attachment(usize, usize),
    /// The thinking configuration.
    Thinking,
    /// The output format's instructions and schema.
    OutputFormat,
    /// What belongs to no one section: the frame, turn and block separators, the tool-use
    /// prompt.
    Framing,
}

impl Section {
    /// The section's name in `budgie count --breakdown --json`.
    pub fn id(&self) -> String {
        match self {
            Section::System(None) => "system".into(),
            Section::System(Some(i)) => format!("system:{i}"),
            Section::Tool(name) => format!("tool:{name}"),
            Section::Message(i) => format!("message:{i}"),
            Section::Attachment(i, j) => format!("attachment:{i}.{j}"),
            Section::Thinking => "thinking".into(),
            Section::OutputFormat => "output_format".into(),
            Section::Framing => "framing".into(),
        }
    }
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
    /// How many times each whole-token structural constant went into the count: with the
    /// texts, the count is `Σ value × times` — the design a fit or a calibration solves.
    pub structure: std::collections::BTreeMap<Structural, i64>,
    /// Tokens per section of the request; they add up to `input_tokens`.
    pub sections: Vec<(Section, i64)>,
}

/// Choices a count can be made under (none yet besides the request itself).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EstimateOptions {}

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

    /// Count `request` offline as `model` (its frame, tool-use prompt and constants as
    /// given, whatever `request.model` says): how `budgie calibrate` sees what a count is
    /// made of under values it is trying out.
    pub fn estimate_as(&mut self, request: &Request, model: &ModelInfo) -> Estimate {
        let registry = Registry::builtin();
        let e =
            structure::Walker::new(model, registry, &mut self.cache).run(request, &self.options);
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

/// What a system prompt with text adds to `request` besides its text: the separator between
/// it and the other parts before the first turn (tools, thinking, output format), or nothing
/// when there are none. The workbench counts system texts on their own and adds this.
pub fn system_join_tokens(request: &Request) -> u64 {
    let mut without = request.clone();
    without.system = None;
    without.messages.clear();
    let mut with = without.clone();
    // Any text: only the difference besides its own count matters.
    let probe = "x";
    with.system = Some(crate::request::System::Text(probe.into()));
    let family = Registry::builtin().lookup(&request.model).family;
    estimate(&with)
        .input_tokens
        .saturating_sub(estimate(&without).input_tokens)
        .saturating_sub(text::count_text(family, probe))
}

/// [`estimate`] under explicit options.
pub fn estimate_with(request: &Request, options: EstimateOptions) -> Estimate {
    Estimator::with_options(options).estimate(request)
}
