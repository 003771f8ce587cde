//! Images and PDFs of known size for the probes, made in code: a one-colour PNG of any size,
//! and a PDF of one page of any size, blank or showing a line of text.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

/// A `width`×`height` RGB PNG of one colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    // Each scanline: filter byte 0 (none), then the pixels.
    let mut scanline = vec![0u8];
    scanline.extend([40u8, 120, 200].repeat(width as usize));
    let raw = scanline.repeat(height as usize);
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing into memory cannot fail.
    let _ = encoder.write_all(&raw);
    let idat = encoder.finish().unwrap_or_default();

    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit, RGB, deflate, no filter, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(kind);
    out.extend(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend(crc.finalize().to_be_bytes());
}

/// A one-page PDF of `width_pt`×`height_pt` points, showing `text` in Helvetica (or blank).
pub fn pdf(width_pt: u32, height_pt: u32, text: Option<&str>) -> Vec<u8> {
    pdf_pages(width_pt, height_pt, &[text])
}

/// A PDF with one page of `width_pt`×`height_pt` points per entry, each showing its text in
/// Helvetica (or blank).
pub fn pdf_pages(width_pt: u32, height_pt: u32, pages: &[Option<&str>]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for text in pages {
        let mut operations = Vec::new();
        if let Some(text) = text {
            operations = vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 10.into()]),
                Operation::new("Td", vec![10.into(), (height_pt as i64 / 2).into()]),
                Operation::new("Tj", vec![Object::string_literal(*text)]),
                Operation::new("ET", vec![]),
            ];
        }
        let content = Content { operations }.encode().unwrap_or_default();
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Count" => kids.len() as i64,
            "Kids" => kids,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
            "MediaBox" => vec![0.into(), 0.into(), width_pt.into(), height_pt.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = doc.save_to(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::{describe_image, describe_pdf};

    #[test]
    fn the_png_has_the_size_asked_for() {
        let info = describe_image(&png(56, 112)).expect("a PNG");
        assert_eq!((info.width, info.height), (56, 112));
    }

    #[test]
    fn the_pdf_has_its_page_size_and_text() {
        let info = describe_pdf(&pdf(144, 216, Some("Quarterly figures"))).expect("a PDF");
        assert_eq!(info.pages, 1);
        assert_eq!(info.page_sizes, vec![(144.0, 216.0)]);
        assert!(
            info.text_per_page[0].contains("Quarterly figures"),
            "{info:?}"
        );
        let blank = describe_pdf(&pdf(144, 144, None)).expect("a PDF");
        assert!(blank.text_per_page[0].trim().is_empty());
        let two = describe_pdf(&pdf_pages(100, 80, &[None, Some("Second")])).expect("a PDF");
        assert_eq!(two.page_sizes, vec![(100.0, 80.0); 2]);
        assert!(two.text_per_page[1].contains("Second"));
    }
}
