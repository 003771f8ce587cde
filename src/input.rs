//! Reading what users bring in — attachments, request files, pastes — and refusing bad input
//! with a message that names the file (or field) and says what to do.
//!
//! Limits come from the facts sheet: images at most 10 MB as base64 and 8000 px a side; PDFs
//! standard and unencrypted, at most 32 MB and 600 pages (100 when the model's context window
//! is under 1M); a request body at most 32 MB. "MB" is taken as MiB, as the API's own messages
//! count it (5 MB = 5,242,880 bytes).

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::request::{self, Request};

const MIB: u64 = 1024 * 1024;
/// Largest image the API takes, measured as base64 text.
pub const MAX_IMAGE_BASE64: u64 = 10 * MIB;
/// Largest side of an image in pixels.
pub const MAX_IMAGE_SIDE: u64 = 8000;
/// Largest PDF file.
pub const MAX_PDF_BYTES: u64 = 32 * MIB;
/// Largest request body.
pub const MAX_REQUEST_BYTES: u64 = 32 * MIB;
/// Page limits: 600, or 100 for models whose context window is under 1M tokens.
pub const MAX_PDF_PAGES: usize = 600;
pub const MAX_PDF_PAGES_SMALL_CONTEXT: usize = 100;
/// A file larger than this is not read at all (a workspace with embedded attachments may be
/// somewhat over the request limit; anything far beyond it is not a draft).
pub const MAX_READ_BYTES: u64 = 256 * MIB;
/// Pastes above this size are accepted but reported, so the UI can say so.
pub const LARGE_PASTE_BYTES: usize = MIB as usize;

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
    #[error("{path}: {what} is {size}, over the limit of {limit}; {advice}", path = .path.display(), size = shown(*.size, *.limit), limit = shown(*.limit, *.size))]
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
    #[error("{path}: written by a newer budgie (workspace format {version}; this budgie reads format {supported}); upgrade budgie, or open it read-only", path = .path.display(), supported = crate::workspace::FORMAT_VERSION)]
    NewerFormat { path: PathBuf, version: u64 },
    #[error("{path}: corrupt workspace: {field}: {message}; it was left untouched — open it read-only or start fresh", path = .path.display())]
    Corrupt {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("{path}: {field} must be a JSON object (a JSON Schema like {{\"type\": \"object\", \"properties\": {{…}}}}), not {found}", path = .path.display())]
    ToolSchema {
        path: PathBuf,
        field: String,
        found: &'static str,
    },
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
            | InputError::NotARequest { path, .. }
            | InputError::NewerFormat { path, .. }
            | InputError::Corrupt { path, .. }
            | InputError::ToolSchema { path, .. } => path,
        }
    }
}

/// `n` for a message comparing it with `other`: exact bytes too when both round alike.
fn shown(n: u64, other: u64) -> String {
    let rounded = crate::bytes::human(n);
    if rounded == crate::bytes::human(other) && n != other {
        format!("{rounded} ({n} bytes)")
    } else {
        rounded
    }
}

/// The kinds of attachment the API takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    /// A UTF-8 text file, sent as a plain-text document.
    Text,
}

impl MediaKind {
    pub fn media_type(self) -> &'static str {
        match self {
            MediaKind::Png => "image/png",
            MediaKind::Jpeg => "image/jpeg",
            MediaKind::Gif => "image/gif",
            MediaKind::Webp => "image/webp",
            MediaKind::Pdf => "application/pdf",
            MediaKind::Text => "text/plain",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MediaKind::Png => "PNG",
            MediaKind::Jpeg => "JPEG",
            MediaKind::Gif => "GIF",
            MediaKind::Webp => "WebP",
            MediaKind::Pdf => "PDF",
            MediaKind::Text => "text",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(
            self,
            MediaKind::Png | MediaKind::Jpeg | MediaKind::Gif | MediaKind::Webp
        )
    }

    /// What the file name claims, from its extension.
    pub fn from_extension(path: &Path) -> Option<MediaKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "png" => MediaKind::Png,
            "jpg" | "jpeg" | "jpe" => MediaKind::Jpeg,
            "gif" => MediaKind::Gif,
            "webp" => MediaKind::Webp,
            "pdf" => MediaKind::Pdf,
            "txt" | "md" | "markdown" | "text" | "csv" | "tsv" | "log" => MediaKind::Text,
            _ => return None,
        })
    }

    /// What the bytes are, from their magic numbers. Text is not sniffed here.
    pub fn sniff(bytes: &[u8]) -> Option<MediaKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(MediaKind::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(MediaKind::Webp)
        } else if bytes.starts_with(b"%PDF-") {
            Some(MediaKind::Pdf)
        } else {
            None
        }
    }
}

/// A short description of unrecognised bytes, for messages ("it starts like HTML").
fn describe_bytes(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(512)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let starts = |p: &[u8]| lower.trim_ascii_start().starts_with(p);
    if bytes.is_empty() {
        "the file is empty".into()
    } else if starts(b"<!doctype html") || starts(b"<html") {
        "it is an HTML page — perhaps a download saved an error page".into()
    } else if starts(b"<svg") || starts(b"<?xml") {
        "it is XML/SVG, which the API does not take as an image".into()
    } else if bytes.starts_with(b"PK\x03\x04") {
        "it is a ZIP archive (or an Office document)".into()
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        "it is an HEIC/AVIF/MP4 file; convert it to PNG or JPEG".into()
    } else if bytes.starts_with(b"BM") {
        "it is a BMP image; convert it to PNG".into()
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "it is a TIFF image; convert it to PNG".into()
    } else if let Some(kind) = MediaKind::sniff(bytes) {
        format!("it is a {} file", kind.name())
    } else if std::str::from_utf8(head).is_ok() {
        "it is text".into()
    } else {
        "its first bytes match no supported format".into()
    }
}

/// Details found while checking an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentInfo {
    Image { width: u64, height: u64 },
    Pdf { pages: usize },
    Text { chars: usize },
}

/// A checked attachment, ready to become an image or document block.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub path: PathBuf,
    pub kind: MediaKind,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    pub info: AttachmentInfo,
    /// Accepted, but worth telling the user (e.g. a JPEG named `.png`).
    pub warnings: Vec<String>,
}

impl Attachment {
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }

    pub fn sha256(&self) -> String {
        crate::bytes::sha256_hex(&self.bytes)
    }
}

/// Length of the base64 text for `n` bytes.
pub fn base64_len(n: u64) -> u64 {
    n.div_ceil(3) * 4
}

/// Limits that depend on the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub pdf_pages: usize,
}

impl Limits {
    pub fn for_context_window(context_window: u64) -> Self {
        Limits {
            pdf_pages: if context_window < 1_000_000 {
                MAX_PDF_PAGES_SMALL_CONTEXT
            } else {
                MAX_PDF_PAGES
            },
        }
    }

    /// Limits for a model id, from the registry (unknown ids get the registry's fallback).
    pub fn for_model(model: &str) -> Self {
        let info = crate::registry::Registry::builtin().lookup(model);
        Self::for_context_window(info.context_window)
    }
}

impl Default for Limits {
    /// The API's outer limits; pass the model's limits where the model is known.
    fn default() -> Self {
        Limits {
            pdf_pages: MAX_PDF_PAGES,
        }
    }
}

/// Read a whole file with a size cap, naming the file in every error.
pub fn read_bytes(path: &Path, cap: u64, what: &'static str) -> Result<Vec<u8>, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if meta.is_dir() {
        return Err(InputError::Directory { path: path.into() });
    }
    if meta.len() > cap {
        return Err(InputError::TooLarge {
            path: path.into(),
            what,
            size: meta.len(),
            limit: cap,
            advice: "use a smaller file",
        });
    }
    // Read at most one byte past the cap: a device or a pipe (`/dev/zero`, a FIFO) reports
    // no length and must not be read forever.
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > cap {
        return Err(InputError::TooLarge {
            path: path.into(),
            what,
            size: bytes.len() as u64,
            limit: cap,
            advice: "use a smaller file (it is a stream or device that does not end?)",
        });
    }
    Ok(bytes)
}

fn io_error(path: &Path, e: std::io::Error) -> InputError {
    if e.kind() == std::io::ErrorKind::NotFound {
        InputError::Missing {
            path: path.into(),
            cwd: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| "the current directory".into()),
        }
    } else {
        InputError::Unreadable {
            path: path.into(),
            source: e,
        }
    }
}

/// Check `bytes` as UTF-8; on failure name the byte offset and line.
pub fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, InputError> {
    // Windows tools write UTF-16 (PowerShell's `>`), which is never valid UTF-8: say so.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::Utf16 { path: path.into() });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        InputError::NotUtf8 {
            path: path.into(),
            offset,
            line,
        }
    })?;
    // A UTF-8 byte order mark (Notepad) is not part of the text.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// Read and check an attachment with the API's outer limits.
pub fn read_attachment(path: &Path) -> Result<Attachment, InputError> {
    read_attachment_with(path, Limits::default())
}

/// Read and check an attachment: the type comes from the bytes, never from the name.
pub fn read_attachment_with(path: &Path, limits: Limits) -> Result<Attachment, InputError> {
    // The largest attachment is a PDF at 32 MB; images are capped lower below.
    let bytes = read_bytes(path, MAX_PDF_BYTES, "the attachment")?;
    check_attachment(path, bytes, limits)
}

/// Check attachment bytes (already read) as if they came from `path`.
pub fn check_attachment(
    path: &Path,
    bytes: Vec<u8>,
    limits: Limits,
) -> Result<Attachment, InputError> {
    let claimed = MediaKind::from_extension(path);
    if bytes.is_empty() {
        return Err(InputError::Empty {
            path: path.into(),
            expected: claimed.map_or("an image, a PDF or text", |k| k.name()),
        });
    }
    let mut warnings = Vec::new();
    let kind = match (MediaKind::sniff(&bytes), claimed) {
        (Some(found), Some(claimed)) if found != claimed => {
            if claimed == MediaKind::Text {
                return Err(InputError::NotWhatItsNameSays {
                    path: path.into(),
                    claimed: claimed.name(),
                    found: format!("it is a {} file", found.name()),
                });
            }
            warnings.push(format!(
                "{}: named like a {} file but it is a {} file; sending it as {}",
                path.display(),
                claimed.name(),
                found.name(),
                found.media_type()
            ));
            found
        }
        (Some(found), _) => found,
        (None, Some(claimed)) if claimed != MediaKind::Text => {
            return Err(InputError::NotWhatItsNameSays {
                path: path.into(),
                claimed: claimed.name(),
                found: describe_bytes(&bytes),
            });
        }
        (None, _) => {
            // No binary magic: accept UTF-8 text as a plain-text document.
            if std::str::from_utf8(&bytes).is_err() {
                return match claimed {
                    Some(_) => Err(utf8(path, bytes).err().unwrap_or(InputError::Unsupported {
                        path: path.into(),
                        found: "invalid UTF-8".into(),
                    })),
                    None => Err(InputError::Unsupported {
                        path: path.into(),
                        found: describe_bytes(&bytes),
                    }),
                };
            }
            MediaKind::Text
        }
    };
    let info = match kind {
        MediaKind::Pdf => check_pdf(path, &bytes, limits)?,
        MediaKind::Text => AttachmentInfo::Text {
            chars: String::from_utf8_lossy(&bytes).chars().count(),
        },
        _ => check_image(path, &bytes, kind)?,
    };
    Ok(Attachment {
        path: path.into(),
        kind,
        media_type: kind.media_type(),
        bytes,
        info,
        warnings,
    })
}

fn check_image(path: &Path, bytes: &[u8], kind: MediaKind) -> Result<AttachmentInfo, InputError> {
    let encoded = base64_len(bytes.len() as u64);
    if encoded > MAX_IMAGE_BASE64 {
        return Err(InputError::TooLarge {
            path: path.into(),
            what: "the image as base64",
            size: encoded,
            limit: MAX_IMAGE_BASE64,
            advice: "compress or scale it down (JPEG at a lower quality is usually enough)",
        });
    }
    let size = imagesize::blob_size(bytes).map_err(|e| InputError::BrokenImage {
        path: path.into(),
        kind: kind.name(),
        reason: e.to_string(),
    })?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0 || height == 0 {
        return Err(InputError::BrokenImage {
            path: path.into(),
            kind: kind.name(),
            reason: format!("it claims {width}×{height} px"),
        });
    }
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(InputError::ImageTooBig {
            path: path.into(),
            width,
            height,
        });
    }
    Ok(AttachmentInfo::Image { width, height })
}

/// Whether the trailer (or any dictionary) names an `/Encrypt` entry. A plain byte scan, so
/// even a PDF lopdf could decrypt with an empty password is reported: the API refuses those.
fn pdf_mentions_encrypt(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

fn check_pdf(path: &Path, bytes: &[u8], limits: Limits) -> Result<AttachmentInfo, InputError> {
    if bytes.len() as u64 > MAX_PDF_BYTES {
        return Err(InputError::TooLarge {
            path: path.into(),
            what: "the PDF",
            size: bytes.len() as u64,
            limit: MAX_PDF_BYTES,
            advice: "split it or attach only the pages you need",
        });
    }
    // A download cut short has no end marker; lopdf would otherwise rebuild what it can.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(InputError::PdfBroken {
            path: path.into(),
            reason: "it is truncated: no %%EOF end marker".into(),
        });
    }
    if pdf_mentions_encrypt(bytes) {
        return Err(InputError::PdfEncrypted { path: path.into() });
    }
    let document = lopdf::Document::load_mem(bytes).map_err(|e| match e {
        lopdf::Error::Decryption(_) => InputError::PdfEncrypted { path: path.into() },
        other => InputError::PdfBroken {
            path: path.into(),
            reason: other.to_string(),
        },
    })?;
    if document.was_encrypted() || document.is_encrypted() {
        return Err(InputError::PdfEncrypted { path: path.into() });
    }
    let page_ids = document.get_pages();
    if let Some(missing) = page_ids
        .values()
        .find(|id| document.get_object(**id).is_err())
    {
        return Err(InputError::PdfBroken {
            path: path.into(),
            reason: format!("page object {} {} is missing", missing.0, missing.1),
        });
    }
    let pages = page_ids.len();
    if pages == 0 {
        return Err(InputError::PdfBroken {
            path: path.into(),
            reason: "it has no pages".into(),
        });
    }
    if pages > limits.pdf_pages {
        return Err(InputError::PdfTooManyPages {
            path: path.into(),
            pages,
            limit: limits.pdf_pages,
        });
    }
    Ok(AttachmentInfo::Pdf { pages })
}

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Read a request-like text file (or `-` for standard input) as UTF-8, with the size cap.
pub fn read_text(path_or_dash: &str) -> Result<(PathBuf, String), InputError> {
    if path_or_dash == "-" {
        let path = PathBuf::from(STDIN_NAME);
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_READ_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(&path, e))?;
        if bytes.len() as u64 > MAX_READ_BYTES {
            return Err(InputError::TooLarge {
                path,
                what: "standard input",
                size: bytes.len() as u64,
                limit: MAX_READ_BYTES,
                advice: "a request may be at most 32 MB",
            });
        }
        let text = utf8(&path, bytes)?;
        return Ok((path, text));
    }
    let path = PathBuf::from(path_or_dash);
    let bytes = read_bytes(&path, MAX_READ_BYTES, "the file")?;
    let text = utf8(&path, bytes)?;
    Ok((path, text))
}

/// Read a request file (a workspace, a count_tokens body, a messages.create body, or an SDK
/// log line holding one), strictly: anything that would make the request unsendable is an
/// error. Used by `budgie count`; the workbench opens files leniently with
/// [`crate::workspace::open`].
pub fn read_request_file(path_or_dash: &str) -> Result<crate::workspace::Opened, InputError> {
    let (path, text) = read_text(path_or_dash)?;
    let mut opened = crate::workspace::format::decode(&path, &text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    opened.warnings.extend(
        crate::workspace::attach::resolve(&mut opened.workspace, base)
            .into_iter()
            .map(|w| format!("{}: {w}", path.display())),
    );
    if let Some((field, file)) = crate::workspace::attach::without_data(&opened.workspace)
        .into_iter()
        .next()
    {
        return Err(InputError::Shape {
            path,
            field,
            message: format!(
                "attachment {file} cannot be read and the workspace holds no copy; restore the file or remove the attachment"
            ),
        });
    }
    if let Some(problem) = check_request(&path, &opened.workspace.to_request())
        .into_iter()
        .next()
    {
        return Err(problem);
    }
    opened.path = Some(path);
    Ok(opened)
}

/// Problems that make a request unsendable and that this module owns: tool schemas that are
/// not objects, base64 images over the API's limits, and a body over 32 MB. (Field-level
/// validation is in `request::validate`.) It serialises the body: call it on open and
/// before sending, not on every keystroke.
pub fn check_request(path: &Path, request: &Request) -> Vec<InputError> {
    let mut problems = Vec::new();
    for (i, tool) in request.tools.iter().flatten().enumerate() {
        if let Some(schema) = &tool.input_schema
            && !schema.is_object()
        {
            problems.push(InputError::ToolSchema {
                path: path.into(),
                field: format!("tools[{i}].input_schema (tool `{}`)", tool.name),
                found: json_kind(schema),
            });
        }
    }
    problems.extend(check_images(path, request));
    let size = request.count_body_size();
    if size > MAX_REQUEST_BYTES {
        problems.push(InputError::TooLarge {
            path: path.into(),
            what: "the request body",
            size,
            limit: MAX_REQUEST_BYTES,
            advice: "remove or shrink attachments (images and PDFs are sent as base64)",
        });
    }
    problems
}

/// More than this many images in one request caps every image at 2000 px a side.
pub const MANY_IMAGES: usize = 20;
pub const MANY_IMAGES_MAX_SIDE: u64 = 2000;

/// Image limits inside a request: each base64 image at most 10 MB and 8000 px a side; with
/// more than 20 images, 2000 px a side; at most 100 images on models with a context window
/// under 1M, 600 otherwise.
fn check_images(path: &Path, request: &Request) -> Vec<InputError> {
    use crate::request::{Content, ContentBlock, ToolResultContent};
    fn collect<'a>(blocks: &'a [ContentBlock], prefix: &str, out: &mut Vec<(String, &'a str)>) {
        for (j, block) in blocks.iter().enumerate() {
            match block {
                ContentBlock::Image(b) if b.source.kind == "base64" => {
                    if let Some(data) = &b.source.data {
                        out.push((format!("{prefix}[{j}]"), data));
                    }
                }
                ContentBlock::ToolResult(r) => {
                    if let Some(ToolResultContent::Blocks(inner)) = &r.content {
                        collect(inner, &format!("{prefix}[{j}].content"), out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut images = Vec::new();
    for (i, message) in request.messages.iter().enumerate() {
        if let Content::Blocks(blocks) = &message.content {
            collect(blocks, &format!("messages[{i}].content"), &mut images);
        }
    }
    let mut problems = Vec::new();
    let shape = |field: &str, message: String| InputError::Shape {
        path: path.into(),
        field: field.into(),
        message,
    };
    let context = crate::registry::Registry::builtin()
        .lookup(&request.model)
        .context_window;
    let max_images = if context < 1_000_000 { 100 } else { 600 };
    if images.len() > max_images {
        problems.push(shape(
            "messages",
            format!(
                "{} images, over the limit of {max_images} per request for {}; remove some",
                images.len(),
                request.model
            ),
        ));
    }
    let side_limit = if images.len() > MANY_IMAGES {
        MANY_IMAGES_MAX_SIDE
    } else {
        MAX_IMAGE_SIDE
    };
    for (field, data) in images {
        if data.len() as u64 > MAX_IMAGE_BASE64 {
            problems.push(shape(
                &field,
                format!(
                    "image is {} as base64, over the limit of {}; compress or scale it down",
                    shown(data.len() as u64, MAX_IMAGE_BASE64),
                    crate::bytes::human(MAX_IMAGE_BASE64)
                ),
            ));
            continue;
        }
        if let Some((w, h)) = base64_image_size(data)
            && (w > side_limit || h > side_limit)
        {
            let why = if side_limit == MAX_IMAGE_SIDE {
                String::new()
            } else {
                format!(" in a request with more than {MANY_IMAGES} images")
            };
            problems.push(shape(
                &field,
                format!("image is {w}×{h} px, over {side_limit} px a side{why}; scale it down"),
            ));
        }
    }
    problems
}

/// Width and height from a base64 image's header: the first 64 KB usually hold it (a JPEG
/// with a large EXIF block may need the whole image).
fn base64_image_size(data: &str) -> Option<(u64, u64)> {
    let engine = &base64::engine::general_purpose::STANDARD;
    let head = &data[..data.len().min(65_536)];
    let size = engine
        .decode(head)
        .ok()
        .and_then(|b| imagesize::blob_size(&b).ok())
        .or_else(|| {
            engine
                .decode(data)
                .ok()
                .and_then(|b| imagesize::blob_size(&b).ok())
        })?;
    Some((size.width as u64, size.height as u64))
}

pub fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Map a request parse error to an input error naming the file.
pub fn parse_error(path: &Path, e: request::ParseError) -> InputError {
    match e {
        request::ParseError::Syntax {
            line,
            column,
            message,
        } => InputError::Json {
            path: path.into(),
            line,
            column,
            message,
        },
        request::ParseError::Shape {
            path: field,
            message,
        } => InputError::Shape {
            path: path.into(),
            field,
            message,
        },
    }
}

/// A paste, normalised for the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paste {
    pub text: String,
    /// Size of the normalised text in bytes.
    pub bytes: usize,
    pub lines: usize,
    /// Control characters removed (escape sequences, NULs…), which terminals can smuggle in.
    pub removed_controls: usize,
    /// Set for pastes over [`LARGE_PASTE_BYTES`]: the UI shows it and keeps going.
    pub notice: Option<String>,
}

/// Normalise pasted text in one pass: CRLF and lone CR become LF, C0 control characters other
/// than tab and newline are dropped. Never refuses: nothing the user pastes is lost except
/// invisible control characters, which are counted.
pub fn normalize_paste(raw: &str) -> Paste {
    let mut text = String::with_capacity(raw.len());
    let mut removed = 0usize;
    let mut lines = 1usize;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                text.push('\n');
                lines += 1;
            }
            '\n' => {
                text.push('\n');
                lines += 1;
            }
            '\t' => text.push('\t'),
            c if c.is_control() && (c as u32) < 0x20 || c == '\u{7f}' => removed += 1,
            c => text.push(c),
        }
    }
    let bytes = text.len();
    let notice = (bytes > LARGE_PASTE_BYTES).then(|| {
        format!(
            "large paste: {} in {lines} lines; counting may take a moment",
            crate::bytes::human(bytes as u64)
        )
    });
    Paste {
        text,
        bytes,
        lines,
        removed_controls: removed,
        notice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_the_type() {
        assert_eq!(MediaKind::sniff(b"%PDF-1.7\n"), Some(MediaKind::Pdf));
        assert_eq!(MediaKind::sniff(b"GIF89a...."), Some(MediaKind::Gif));
        assert_eq!(
            MediaKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(MediaKind::Webp)
        );
        assert_eq!(MediaKind::sniff(b"hello"), None);
    }

    #[test]
    fn base64_length_is_four_thirds_rounded_up() {
        assert_eq!(base64_len(0), 0);
        assert_eq!(base64_len(1), 4);
        assert_eq!(base64_len(3), 4);
        assert_eq!(base64_len(4), 8);
    }

    #[test]
    fn page_limit_depends_on_context_window() {
        assert_eq!(Limits::for_context_window(200_000).pdf_pages, 100);
        assert_eq!(Limits::for_context_window(1_000_000).pdf_pages, 600);
    }

    #[test]
    fn paste_normalises_line_endings_and_drops_controls() {
        let p = normalize_paste("a\r\nb\rc\n\x1b[31md\te\u{0}");
        assert_eq!(p.text, "a\nb\nc\n[31md\te");
        assert_eq!(p.lines, 4);
        assert_eq!(p.removed_controls, 2);
        assert_eq!(p.notice, None);
    }

    #[test]
    fn utf8_error_names_offset_and_line() {
        let err = utf8(Path::new("x.json"), b"ab\ncd\xffef".to_vec()).expect_err("bad");
        let msg = err.to_string();
        assert!(msg.contains("byte 5") && msg.contains("line 2"), "{msg}");
    }
}
