//! A file to attach (image, PDF or text), checked by its bytes against the API's limits and
//! turned into the image or document block that remembers where it came from.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Map, Value};

use super::InputError;
use super::read::read_bytes;
use crate::request::limits::{MAX_IMAGE_BASE64_BYTES, MAX_IMAGE_SIDE, MAX_PDF_BYTES, ModelLimits};
use crate::request::media::{MediaKind, describe_bytes};
use crate::request::{ContentBlock, MediaBlock, Source};
use crate::workspace::ANNOTATION;

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

impl Attachment {
    /// The image or document block for this file. Its annotation remembers the file (its
    /// absolute path and sha256, so a saved workspace may refer to it instead of carrying
    /// it) and, for a PDF, its page count for the attachments pane.
    pub fn to_block(&self) -> ContentBlock {
        let path = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let mut note = Map::new();
        note.insert(
            "path".into(),
            Value::from(path.to_string_lossy().into_owned()),
        );
        note.insert("sha256".into(), Value::from(self.sha256()));
        if let AttachmentInfo::Pdf { pages } = self.info {
            note.insert("pages".into(), Value::from(pages));
        }
        let mut extra = Map::new();
        extra.insert(ANNOTATION.into(), Value::Object(note));
        let (kind, data) = match self.kind {
            MediaKind::Text => ("text", String::from_utf8_lossy(&self.bytes).into_owned()),
            _ => ("base64", self.base64()),
        };
        let block = MediaBlock {
            source: Source {
                kind: kind.into(),
                media_type: Some(self.media_type.into()),
                data: Some(data),
                content: None,
                url: None,
                file_id: None,
                extra: Map::new(),
            },
            extra,
        };
        if self.kind.is_image() {
            ContentBlock::Image(block)
        } else {
            ContentBlock::Document(block)
        }
    }
}

/// Length of the base64 text for `n` bytes.
pub fn base64_len(n: u64) -> u64 {
    n.div_ceil(3) * 4
}

/// Read and check an attachment against `limits` (the model's; `ModelLimits::default()` for
/// the API's outer limits): the type comes from the bytes, never from the name.
pub fn read_attachment(path: &Path, limits: ModelLimits) -> Result<Attachment, InputError> {
    // The largest attachment is a PDF at 32 MB; images are capped lower below.
    let bytes = read_bytes(path, MAX_PDF_BYTES, "the attachment")?;
    check_attachment(path, bytes, limits)
}

/// Check attachment bytes (already read) as if they came from `path`.
pub fn check_attachment(
    path: &Path,
    bytes: Vec<u8>,
    limits: ModelLimits,
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
                    Some(_) => Err(super::read::utf8(path, bytes).err().unwrap_or(
                        InputError::Unsupported {
                            path: path.into(),
                            found: "invalid UTF-8".into(),
                        },
                    )),
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
    if encoded > MAX_IMAGE_BASE64_BYTES {
        return Err(InputError::TooLarge {
            path: path.into(),
            what: "the image as base64",
            size: encoded,
            limit: MAX_IMAGE_BASE64_BYTES,
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
    if width > u64::from(MAX_IMAGE_SIDE) || height > u64::from(MAX_IMAGE_SIDE) {
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

fn check_pdf(path: &Path, bytes: &[u8], limits: ModelLimits) -> Result<AttachmentInfo, InputError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_length_is_four_thirds_rounded_up() {
        assert_eq!(base64_len(0), 0);
        assert_eq!(base64_len(1), 4);
        assert_eq!(base64_len(3), 4);
        assert_eq!(base64_len(4), 8);
    }

    #[test]
    fn an_attachment_that_is_not_what_its_name_says_is_refused_with_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("photo.png");
        std::fs::write(&path, b"plain text, not a PNG").expect("write");
        let e = read_attachment(&path, ModelLimits::default()).expect_err("not an image");
        assert!(e.to_string().contains("photo.png"), "{e}");
    }
}
