//! `budgie export`: read a request with the reader every command and the workbench share,
//! and write it in another form. Warnings go to standard error; a file that cannot be read,
//! or whose request the API would refuse (each problem named), exits with the input-error
//! status and writes nothing.

use std::io::Write;

use super::exit;
use crate::cli::{ExportArgs, ExportFormat};
use crate::config::Resolved;
use crate::export::{self, Body, Format};
use crate::intake::{self, OpenOptions};
use crate::request::validate::Endpoint;

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Json => Format::Json,
            ExportFormat::Curl => Format::CurlHeredoc,
            ExportFormat::CurlInline => Format::CurlInline,
            ExportFormat::Python => Format::Python,
            ExportFormat::Typescript => Format::TypeScript,
        }
    }
}

/// Run the command; returns the exit status.
pub fn run(settings: &Resolved, args: &ExportArgs) -> i32 {
    settings.warn_on_stderr();
    // The create body goes to messages.create, which takes url and file sources and server
    // tools that count_tokens refuses.
    let endpoint = if args.create {
        Endpoint::Create
    } else {
        Endpoint::CountTokens
    };
    let options = OpenOptions {
        endpoint: Some(endpoint),
        model: settings.model_flag.as_deref(),
        ..Default::default()
    };
    let opened = match intake::open_with(&args.file, options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("budgie export: {e}");
            return exit::INPUT;
        }
    };
    for warning in &opened.warnings {
        eprintln!("budgie export: warning: {warning}");
    }
    if !opened.problems.is_empty() {
        for line in opened.problem_lines() {
            eprintln!("budgie export: {line}");
        }
        eprintln!("budgie export: nothing written: the API would refuse this request");
        return exit::INPUT;
    }
    let body = if args.create {
        Body::Create
    } else {
        Body::Count
    };
    let request = opened.workspace.to_request();
    if args.create
        && let Some(note) = export::max_tokens_note(&request)
    {
        eprintln!("budgie export: {note}");
    }
    let text = export::export(&request, body, args.format.into());
    match &args.output {
        Some(path) => {
            if let Err(e) = export::write_to_file(path, &text) {
                eprintln!("budgie export: {}: cannot write ({e})", path.display());
                return exit::INPUT;
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return exit::INPUT;
            }
        }
    }
    exit::OK
}
