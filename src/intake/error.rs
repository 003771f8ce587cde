//! Why some input was refused. Every message names the file (or field) and says what to do.

use std::path::{Path, PathBuf};

use crate::request::limits::MAX_IMAGE_SIDE;
use crate::workspace::WorkspaceError;

/// Why some input was refused. Every message names the file or field and says what to do.
/// None of them ever quotes file contents, so a secret in a file cannot leak through one.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: no such file; check the path (relative paths start from {cwd})", path = .path.display(), cwd = .cwd)]
    Missing { path: PathBuf, cwd: String },
    #[error("{path}: cannot read ({source}); check the file's permissions", path = .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: is a directory, not a file; name a file inside it", path = .path.display())]
    Directory { path: PathBuf },
    #[error("{path}: is empty; expected {expected}", path = .path.display())]
    Empty {
        path: PathBuf,
        expected: &'static str,
    },
    #[error("{path}: not valid UTF-8 at byte {offset} (line {line}); save the file as UTF-8", path = .path.display())]
    NotUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
    #[error("{path}: is UTF-16 text; save it as UTF-8 (in PowerShell: `Out-File -Encoding utf8`)", path = .path.display())]
    Utf16 { path: PathBuf },
    #[error("{path}: {what} is {size}, over the limit of {limit}; {advice}", path = .path.display(), size = crate::bytes::human_beside(*.size, *.limit), limit = crate::bytes::human_beside(*.limit, *.size))]
    TooLarge {
        path: PathBuf,
        what: &'static str,
        size: u64,
        limit: u64,
        advice: &'static str,
    },
    #[error("{path}: not a {claimed} file ({found}); attach a PNG, JPEG, GIF, WebP or PDF file, or a UTF-8 text file", path = .path.display())]
    NotWhatItsNameSays {
        path: PathBuf,
        claimed: &'static str,
        found: String,
    },
    #[error("{path}: not a supported attachment ({found}); attach a PNG, JPEG, GIF, WebP or PDF file, or a UTF-8 text file", path = .path.display())]
    Unsupported { path: PathBuf, found: String },
    #[error("{path}: {kind} image header is broken ({reason}); re-export the image", path = .path.display())]
    BrokenImage {
        path: PathBuf,
        kind: &'static str,
        reason: String,
    },
    #[error("{path}: image is {width}×{height} px, over the API's {max} px a side; scale it down", path = .path.display(), max = MAX_IMAGE_SIDE)]
    ImageTooBig {
        path: PathBuf,
        width: u64,
        height: u64,
    },
    #[error("{path}: PDF is encrypted (password-protected); the API takes only unencrypted PDFs: save a decrypted copy, e.g. `qpdf --decrypt in.pdf out.pdf`", path = .path.display())]
    PdfEncrypted { path: PathBuf },
    #[error("{path}: PDF is broken and cannot be read ({reason}); re-save or re-export it", path = .path.display())]
    PdfBroken { path: PathBuf, reason: String },
    #[error("{path}: PDF has {pages} pages, over the limit of {limit} for this model; split it or attach only the pages you need", path = .path.display())]
    PdfTooManyPages {
        path: PathBuf,
        pages: usize,
        limit: usize,
    },
    #[error("{path}: malformed JSON at line {line}, column {column}: {message}; fix the JSON there", path = .path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {field}: {message}", path = .path.display())]
    Shape {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("{path}: not a budgie workspace or a Messages API request (no `messages` field was found); {hint}", path = .path.display())]
    NotARequest { path: PathBuf, hint: &'static str },
    /// A workspace file budgie cannot read (newer or corrupt).
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
}

impl InputError {
    /// The file the problem is in.
    pub fn path(&self) -> &Path {
        match self {
            InputError::Missing { path, .. }
            | InputError::Unreadable { path, .. }
            | InputError::Directory { path }
            | InputError::Empty { path, .. }
            | InputError::NotUtf8 { path, .. }
            | InputError::Utf16 { path }
            | InputError::TooLarge { path, .. }
            | InputError::NotWhatItsNameSays { path, .. }
            | InputError::Unsupported { path, .. }
            | InputError::BrokenImage { path, .. }
            | InputError::ImageTooBig { path, .. }
            | InputError::PdfEncrypted { path }
            | InputError::PdfBroken { path, .. }
            | InputError::PdfTooManyPages { path, .. }
            | InputError::Json { path, .. }
            | InputError::Shape { path, .. }
            | InputError::NotARequest { path, .. } => path,
            InputError::Workspace(e) => e.path(),
        }
    }

    /// The message without the file's name in front, for output that names the file
    /// itself (`budgie count`'s `FILE: message`).
    pub fn reason(&self) -> String {
        let message = self.to_string();
        let prefix = format!("{}: ", self.path().display());
        match message.strip_prefix(&prefix) {
            Some(rest) => rest.to_string(),
            None => message,
        }
    }

    /// The file could still be shown read-only (a newer or partly corrupt workspace).
    pub fn can_open_read_only(&self) -> bool {
        matches!(self, InputError::Workspace(e) if e.can_open_read_only())
    }
}
