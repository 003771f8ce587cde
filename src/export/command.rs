//! `budgie export`: read a request the way the workbench opens it and write it in another
//! form. Warnings go to standard error; a bad file exits with the input-error status.

use std::io::Write;
use std::path::Path;

use super::{Body, Format};
use crate::cli::{ExportArgs, ExportFormat};
use crate::commands::exit;

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
pub fn run(args: &ExportArgs) -> i32 {
    let opened = if args.file == "-" {
        crate::input::read_text("-")
            .and_then(|(path, text)| crate::workspace::format::decode(&path, &text))
            .map_err(crate::workspace::WorkspaceError::from)
    } else {
        crate::workspace::open(Path::new(&args.file))
    };
    let opened = match opened {
        Ok(o) => o,
        Err(e) => {
            eprintln!("budgie export: {e}");
            return exit::INPUT;
        }
    };
    for warning in &opened.warnings {
        eprintln!("budgie export: warning: {warning}");
    }
    let body = if args.create {
        Body::Create
    } else {
        Body::Count
    };
    let text = super::export(&opened.workspace.to_request(), body, args.format.into());
    match &args.output {
        Some(path) => {
            if let Err(e) = super::write_to_file(path, &text) {
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
