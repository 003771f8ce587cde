//! PDFs: page count, text per page, and page sizes, read with lopdf. Each page costs its
//! extracted text plus the page as an image at the model's tier (Anthropic's PDF docs).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lopdf::{Document, LoadOptions, Object, ObjectId};

use super::image;
use crate::registry::TierRule;

/// What budgie reads from a PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfInfo {
    pub pages: usize,
    /// Extracted text of each page (empty when the page has none, e.g. a scan).
    pub text_per_page: Vec<String>,
    /// Each page's MediaBox as (width, height) in points (1/72 inch).
    pub page_sizes: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("not base64: {0}")]
    Base64(String),
    #[error("the PDF is encrypted; the API takes only unencrypted PDFs")]
    Encrypted,
    #[error("not a readable PDF: {0}")]
    Broken(String),
    #[error("the PDF has no pages")]
    NoPages,
}

/// US Letter, the size a page without a usable MediaBox is taken to have.
const LETTER_PT: (f64, f64) = (612.0, 792.0);

/// Pages, text and page sizes of a PDF.
pub fn describe_pdf(bytes: &[u8]) -> Result<PdfInfo, PdfError> {
    let load = |options: LoadOptions| {
        Document::load_mem_with_options(bytes, options).map_err(|e| {
            let message = e.to_string();
            if message.to_ascii_lowercase().contains("decrypt")
                || message.to_ascii_lowercase().contains("encrypt")
            {
                PdfError::Encrypted
            } else {
                PdfError::Broken(message)
            }
        })
    };
    let mut doc = load(LoadOptions::default())?;
    // A cross-reference table that reads but points at the wrong offsets (common in
    // hand-made PDFs) loses pages' contents; the API's reader still finds them, so rebuild
    // the table by scanning the file.
    let lost_contents = doc.get_pages().values().any(|&page| {
        doc.get_page_contents(page)
            .iter()
            .any(|id| !doc.objects.contains_key(id))
    });
    if lost_contents {
        doc = load(LoadOptions {
            force_reconstruct: true,
            ..LoadOptions::default()
        })?;
    }
    if doc.trailer.get(b"Encrypt").is_ok() || doc.encryption_state.is_some() {
        return Err(PdfError::Encrypted);
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(PdfError::NoPages);
    }
    let mut text_per_page = Vec::with_capacity(pages.len());
    let mut page_sizes = Vec::with_capacity(pages.len());
    for (&number, &page_id) in &pages {
        // A page whose text cannot be extracted still costs its image; its count is then
        // flagged as unverified by the caller (empty text).
        let text = doc.extract_text(&[number]).unwrap_or_default();
        text_per_page.push(if text.trim().is_empty() {
            shown_strings(&doc, page_id)
        } else {
            text
        });
        page_sizes.push(media_box(&doc, page_id).unwrap_or(LETTER_PT));
    }
    Ok(PdfInfo {
        pages: pages.len(),
        text_per_page,
        page_sizes,
    })
}

/// The strings a page's content stream shows (`Tj`, `TJ`, `'`, `"`), read as Latin-1: the
/// fallback when lopdf finds no text because a font has no /Encoding (a simple Type1 font
/// with the standard encoding, as small generated PDFs have).
fn shown_strings(doc: &Document, page_id: ObjectId) -> String {
    let Ok(content) = doc.get_and_decode_page_content(page_id) else {
        return String::new();
    };
    let mut out = String::new();
    let push = |object: &Object, out: &mut String| {
        if let Object::String(bytes, _) = object {
            out.extend(bytes.iter().map(|&b| char::from(b)));
        }
    };
    for op in &content.operations {
        match op.operator.as_str() {
            "Tj" | "'" | "\"" => {
                if let Some(s) = op.operands.last() {
                    push(s, &mut out);
                }
            }
            "TJ" => {
                if let Some(Object::Array(items)) = op.operands.first() {
                    for item in items {
                        push(item, &mut out);
                    }
                }
            }
            "ET" if !out.is_empty() && !out.ends_with('\n') => out.push('\n'),
            _ => {}
        }
    }
    out.trim_end().to_string()
}

/// [`describe_pdf`] on base64 data.
pub fn describe_pdf_base64(data: &str) -> Result<PdfInfo, PdfError> {
    let bytes = STANDARD
        .decode(data.trim())
        .map_err(|e| PdfError::Base64(e.to_string()))?;
    describe_pdf(&bytes)
}

/// The page's MediaBox, inherited from its ancestors when the page has none.
fn media_box(doc: &Document, page_id: ObjectId) -> Option<(f64, f64)> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    // The page tree is shallow; the bound guards against a Parent cycle in a broken file.
    for _ in 0..32 {
        if let Ok(object) = node.get(b"MediaBox") {
            let (_, object) = doc.dereference(object).ok()?;
            let numbers = object
                .as_array()
                .ok()?
                .iter()
                .map(|o| doc.dereference(o).ok().and_then(|(_, o)| o.as_float().ok()))
                .collect::<Option<Vec<f32>>>()?;
            let [x0, y0, x1, y1] = numbers[..] else {
                return None;
            };
            let (w, h) = (f64::from((x1 - x0).abs()), f64::from((y1 - y0).abs()));
            return (w > 0.0 && h > 0.0).then_some((w, h));
        }
        let parent = node.get(b"Parent").ok()?;
        node = match parent {
            Object::Reference(id) => doc.get_dictionary(*id).ok()?,
            Object::Dictionary(d) => d,
            _ => return None,
        };
    }
    None
}

/// A page of `width_pt` x `height_pt` points rendered at `dpi`, in pixels.
pub fn page_pixels(width_pt: f64, height_pt: f64, dpi: f64) -> (u32, u32) {
    let px = |pt: f64| ((pt * dpi / 72.0).round().max(1.0)).min(f64::from(u32::MAX)) as u32;
    (px(width_pt), px(height_pt))
}

/// Tokens of a page as an image at `dpi` under a tier's resize rule.
pub fn page_image_tokens(width_pt: f64, height_pt: f64, dpi: f64, rule: TierRule) -> u64 {
    let (columns, rows) = page_patch_grid(width_pt, height_pt, dpi, rule);
    columns * rows
}

/// The patches a page is cut into as an image at `dpi`: (columns, rows).
pub fn page_patch_grid(width_pt: f64, height_pt: f64, dpi: f64, rule: TierRule) -> (u64, u64) {
    let (w, h) = page_pixels(width_pt, height_pt, dpi);
    image::patch_grid(w, h, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{ImageTier, Registry};

    #[test]
    fn a_letter_or_a4_page_is_about_1500_tokens_at_the_standard_tier() {
        let rule = Registry::builtin().tier_rule(ImageTier::Standard);
        let dpi = Registry::builtin()
            .constant(crate::registry::Structural::PdfPageDpi)
            .value;
        // Independent: 150 dpi letter is 1275 x 1650 px, over the 1568 px edge, so the
        // cap binds; Anthropic's PDF docs: "about 1,500".
        let letter = page_image_tokens(612.0, 792.0, dpi, rule);
        let a4 = page_image_tokens(595.28, 841.89, dpi, rule);
        for t in [letter, a4] {
            assert!((1400..=1568).contains(&t), "{t}");
        }
    }

    #[test]
    fn page_pixels_follow_the_dpi() {
        assert_eq!(page_pixels(612.0, 792.0, 72.0), (612, 792));
        assert_eq!(page_pixels(612.0, 792.0, 150.0), (1275, 1650));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        assert!(matches!(
            describe_pdf(b"not a pdf"),
            Err(PdfError::Broken(_))
        ));
        assert!(matches!(
            describe_pdf_base64("***"),
            Err(PdfError::Base64(_))
        ));
    }
}
