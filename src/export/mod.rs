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
    /// added as [`DEFAULT_MAX_TOKENS`] when the draft has none — for snippets only; JSON
    /// export never adds anything.
    Create,
}

/// What `max_tokens` a create snippet gets when the draft has none.
pub const DEFAULT_MAX_TOKENS: u64 = 1024;

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
        Body::Create => serde_json::to_value(request).unwrap_or(Value::Null),
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
