//! Offline counting: the tokenizer families and the structure of a request (frames, tools,
//! images, PDFs, thinking).
//!
//! PLACEHOLDER ENGINE: until the tokenizer lands (issue 3), `estimate` approximates text as
//! characters / 3.5 and says so in `approximate`.

pub mod registry;
pub mod text;
pub mod tokenizer;

use crate::request::{Content, ContentBlock, Request, System};
pub use registry::{Family, ModelInfo, Registry};

/// Tokens by section of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub system: u64,
    pub tools: u64,
    pub messages: u64,
    pub attachments: u64,
    /// Frame and per-turn overheads.
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
}

/// Count `request` offline.
pub fn estimate(request: &Request) -> Estimate {
    let model = Registry::builtin().lookup(&request.model);
    let mut e = Estimate {
        family: model.family.name().to_string(),
        approximate: true,
        ..Default::default()
    };
    let approx = |s: &str| text::count_text(model.family, s);
    if let Some(system) = &request.system {
        e.breakdown.system = match system {
            System::Text(t) => approx(t),
            System::Blocks(b) => b.iter().map(|b| approx(&b.text)).sum(),
        };
    }
    for message in &request.messages {
        e.breakdown.messages += match &message.content {
            Content::Text(t) => approx(t),
            Content::Blocks(blocks) => blocks
                .iter()
                .map(|b| match b {
                    ContentBlock::Text(t) => approx(&t.text),
                    _ => 0,
                })
                .sum(),
        };
    }
    e.breakdown.overhead = model.frame;
    e.input_tokens = e.breakdown.system + e.breakdown.messages + e.breakdown.overhead;
    if model.unverified {
        e.unverified
            .push(format!("unknown model {}", request.model));
    }
    e
}
