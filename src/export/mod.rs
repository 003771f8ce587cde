//! Export a request as JSON, a curl command, or a Python / TypeScript SDK snippet, and hand it
//! to the clipboard (OSC 52) or a file. Import is [`import`]: anything `intake` reads, from
//! text. The `budgie export` command is in `commands::export`.
//!
//! The key is never a value in anything exported: curl uses `$ANTHROPIC_API_KEY`, Python
//! `os.environ["ANTHROPIC_API_KEY"]`, TypeScript `process.env.ANTHROPIC_API_KEY`. Exports
//! take the request only, so there is no key to leak.

pub mod clipboard;
pub mod snippets;

use std::path::Path;

use serde_json::Value;

use crate::intake::InputError;
use crate::request::Request;

pub use clipboard::{Passthrough, osc52};

/// Which body to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// What count_tokens takes: create-only fields (max_tokens, temperature…) left out.
    Count,
    /// The full messages.create body, every field kept. `max_tokens` (required there) is
    /// added when the draft has none ([`default_max_tokens`]); [`max_tokens_note`] says so.
    Create,
}

/// What a create body leaves for the answer when the draft names no `max_tokens`.
pub const DEFAULT_MAX_TOKENS: u64 = 1024;

/// The `max_tokens` a create body gets when the draft has none: [`DEFAULT_MAX_TOKENS`] for
/// the answer, on top of the thinking budget when thinking is on (messages.create wants
/// max_tokens above budget_tokens).
pub fn default_max_tokens(request: &Request) -> u64 {
    DEFAULT_MAX_TOKENS + thinking_budget(request).unwrap_or(0)
}

fn thinking_budget(request: &Request) -> Option<u64> {
    request
        .thinking
        .as_ref()
        .filter(|t| t.kind == "enabled")
        .and_then(|t| t.budget_tokens)
}

/// What to tell the user about `max_tokens` in the create body: that it was added (and
/// why), or that it is at or below the thinking budget, which messages.create refuses.
pub fn max_tokens_note(request: &Request) -> Option<String> {
    match request.extra.get("max_tokens") {
        None => Some(format!(
            "the request has no max_tokens, which messages.create requires: the body has \
             max_tokens {}{} (set max_tokens in the request to choose)",
            default_max_tokens(request),
            match thinking_budget(request) {
                Some(b) => format!(" ({b} for thinking + {DEFAULT_MAX_TOKENS} for the answer)"),
                None => String::new(),
            }
        )),
        Some(value) => {
            let max = value.as_u64()?;
            let budget = thinking_budget(request)?;
            (max <= budget).then(|| {
                format!(
                    "max_tokens {max} is not above thinking.budget_tokens {budget}: \
                     messages.create refuses that; raise max_tokens above {budget}"
                )
            })
        }
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// curl with the body in a quoted heredoc (readable, no escaping).
    CurlHeredoc,
    /// curl with the body as one single-quoted argument (one line, for pasting anywhere).
    CurlInline,
    Python,
    TypeScript,
}

impl Format {
    /// A file name ending that fits the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::CurlHeredoc | Format::CurlInline => "sh",
            Format::Python => "py",
            Format::TypeScript => "ts",
        }
    }
}

/// The body as a JSON value.
pub fn body_value(request: &Request, body: Body) -> Value {
    match body {
        Body::Count => request.count_body(),
        Body::Create => {
            let mut value = serde_json::to_value(request).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut value
                && !map.contains_key("max_tokens")
            {
                map.insert(
                    "max_tokens".into(),
                    Value::from(default_max_tokens(request)),
                );
            }
            value
        }
    }
}

/// The body as pretty JSON with a trailing newline.
pub fn json(request: &Request, body: Body) -> String {
    let mut text = serde_json::to_string_pretty(&body_value(request, body)).unwrap_or_default();
    text.push('\n');
    text
}

/// Export in any format.
pub fn export(request: &Request, body: Body, format: Format) -> String {
    match format {
        Format::Json => json(request, body),
        Format::CurlHeredoc => snippets::curl(request, body, true),
        Format::CurlInline => snippets::curl(request, body, false),
        Format::Python => snippets::python(request, body),
        Format::TypeScript => snippets::typescript(request, body),
    }
}

/// Import a request from text (a workspace, a request, a create body, an SDK log line).
pub fn import(text: &str) -> Result<Request, InputError> {
    crate::intake::import::import(Path::new("<import>"), text, None).map(|i| i.workspace.request)
}

/// Write an export to a file, atomically.
pub fn write_to_file(path: &Path, text: &str) -> std::io::Result<()> {
    crate::atomic_file::write(path, text.as_bytes())
}
