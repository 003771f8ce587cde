//! Parsed attachments kept between estimates, so a keystroke does not re-read images and
//! PDFs. Entries not used by the latest estimate are dropped, so memory follows what the
//! request holds now.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use super::image::{self, ImageError, ImageInfo};
use super::pdf::{self, PdfError, PdfInfo};
use super::text;
use crate::registry::Family;

/// Identifies base64 data cheaply: its length and a hash of its first 64 KiB and last 4 KiB.
/// An image's size is in its header and a PDF's trailer is at its end; attachments are
/// replaced whole, not edited in the middle, so this does not need to hash megabytes on every
/// keystroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataKey {
    len: usize,
    hash: u64,
}

impl DataKey {
    pub fn of(data: &str) -> DataKey {
        const HEAD: usize = 64 * 1024;
        const TAIL: usize = 4 * 1024;
        let bytes = data.as_bytes();
        let mut hasher = DefaultHasher::new();
        bytes[..bytes.len().min(HEAD)].hash(&mut hasher);
        bytes[bytes.len().saturating_sub(TAIL)..].hash(&mut hasher);
        DataKey {
            len: bytes.len(),
            hash: hasher.finish(),
        }
    }
}

/// A PDF as read once, with its per-page text tokens per tokenizer family.
#[derive(Debug)]
pub struct PdfEntry {
    pub info: PdfInfo,
    text_tokens: HashMap<Family, Arc<Vec<u64>>>,
}

impl PdfEntry {
    /// Tokens of each page's text in `family`, counted once.
    pub fn text_tokens(&mut self, family: Family) -> Arc<Vec<u64>> {
        let info = &self.info;
        self.text_tokens
            .entry(family)
            .or_insert_with(|| {
                Arc::new(
                    info.text_per_page
                        .iter()
                        // A page without text adds no text at all (not an empty text's marker).
                        .map(|t| {
                            if t.trim().is_empty() {
                                0
                            } else {
                                text::count_text(family, t)
                            }
                        })
                        .collect(),
                )
            })
            .clone()
    }
}

#[derive(Debug, Default)]
pub struct AttachmentCache {
    images: HashMap<DataKey, Result<ImageInfo, ImageError>>,
    pdfs: HashMap<DataKey, Result<PdfEntry, PdfError>>,
    used: HashSet<DataKey>,
}

impl AttachmentCache {
    pub fn image(&mut self, data: &str) -> Result<ImageInfo, ImageError> {
        let key = DataKey::of(data);
        self.used.insert(key);
        self.images
            .entry(key)
            .or_insert_with(|| image::describe_image_base64(data))
            .clone()
    }

    pub fn pdf(&mut self, data: &str) -> Result<&mut PdfEntry, PdfError> {
        let key = DataKey::of(data);
        self.used.insert(key);
        self.pdfs
            .entry(key)
            .or_insert_with(|| {
                pdf::describe_pdf_base64(data).map(|info| PdfEntry {
                    info,
                    text_tokens: HashMap::new(),
                })
            })
            .as_mut()
            .map_err(|e| e.clone())
    }

    /// Forget what the estimate just finished did not use.
    pub fn sweep(&mut self) {
        let used = std::mem::take(&mut self.used);
        self.images.retain(|k, _| used.contains(k));
        self.pdfs.retain(|k, _| used.contains(k));
    }

    /// Number of attachments held (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.images.len() + self.pdfs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
