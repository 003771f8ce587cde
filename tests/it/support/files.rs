//! Real, tiny image and PDF files built in code (no downloads).

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

/// The PNG signature and an IHDR chunk claiming `width`×`height`: all a header reader needs
/// (no pixel data, CRC not checked).
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend(13u32.to_be_bytes());
    b.extend(b"IHDR");
    b.extend(width.to_be_bytes());
    b.extend(height.to_be_bytes());
    b.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}

/// A `width`×`height` RGB PNG of one colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    // Each scanline: filter byte 0 (none), then RGB pixels.
    let mut scanline = vec![0u8];
    scanline.extend([200u8, 120, 40].repeat(width as usize));
    let raw = scanline.repeat(height as usize);
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(&raw).expect("zlib in memory");
    let idat = encoder.finish().expect("zlib in memory");

    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit, RGB, deflate, no filter, no interlace

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &idat);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(kind);
    out.extend(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend(data);
    out.extend(crc32(&crc_input).to_be_bytes());
}

/// CRC-32 (IEEE), as PNG chunks need.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A `width`×`height` mid-grey baseline JPEG: one component, every 8×8 block coded as DC
/// difference 0 plus end-of-block, with one-code Huffman tables for both (code `0`).
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8]; // SOI
    // DQT: table 0, all ones.
    out.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out.extend([1u8; 64]);
    // SOF0: 8-bit, height, width, 1 component (id 1, 1×1 sampling, table 0).
    out.extend([0xFF, 0xC0, 0x00, 0x0B, 0x08]);
    out.extend(height.to_be_bytes());
    out.extend(width.to_be_bytes());
    out.extend([0x01, 0x01, 0x11, 0x00]);
    // DHT: DC table 0 with one 1-bit code for category 0; AC table 0 with one for EOB.
    for class in [0x00u8, 0x10] {
        out.extend([0xFF, 0xC4, 0x00, 0x14, class]);
        let mut counts = [0u8; 16];
        counts[0] = 1;
        out.extend(counts);
        out.push(0x00);
    }
    // SOS: 1 component (id 1, tables 0/0), spectral 0..63, no approximation.
    out.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    let blocks = usize::from(width.div_ceil(8)) * usize::from(height.div_ceil(8));
    // Two zero bits per block, padded with ones: bytes are 0x00 until the last, never 0xFF.
    let bits = blocks * 2;
    let mut data = vec![0u8; bits.div_ceil(8)];
    let used_in_last = bits % 8;
    if used_in_last != 0
        && let Some(last) = data.last_mut()
    {
        *last = 0xFF >> used_in_last;
    }
    out.extend(data);
    out.extend([0xFF, 0xD9]); // EOI
    out
}

/// A one-page PDF (US Letter) showing `text`.
pub fn pdf(text: &str) -> Vec<u8> {
    pdf_pages(&[Some(text)])
}

/// A PDF with one US Letter page per entry: `Some(text)` shows the text in Helvetica, `None`
/// leaves the page blank. The MediaBox and the font sit on the page tree root, so pages
/// inherit them.
pub fn pdf_pages(pages: &[Option<&str>]) -> Vec<u8> {
    write_pdf(pages, false)
}

/// [`pdf_pages`] with a standard-security `/Encrypt` dictionary in the trailer: a PDF the
/// API refuses.
pub fn encrypted_pdf(pages: &[Option<&str>]) -> Vec<u8> {
    write_pdf(pages, true)
}

/// Written by hand, with a correct xref table, so no test depends on the PDF library under
/// test to make its inputs. Objects: 1 catalog, 2 page tree, 3 font, then each page followed
/// by its content stream, then the `/Encrypt` dictionary.
fn write_pdf(pages: &[Option<&str>], encrypt: bool) -> Vec<u8> {
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        String::new(), // the page tree, once the pages' numbers are known
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    let mut kids = Vec::new();
    for text in pages {
        let page = objects.len() + 1;
        kids.push(format!("{page} 0 R"));
        match text {
            Some(text) => {
                let stream = format!("BT /F1 24 Tf 72 700 Td ({}) Tj ET", pdf_escape(text));
                objects.push(format!(
                    "<< /Type /Page /Parent 2 0 R /Contents {} 0 R >>",
                    page + 1
                ));
                objects.push(format!(
                    "<< /Length {} >>\nstream\n{stream}\nendstream",
                    stream.len()
                ));
            }
            None => objects.push("<< /Type /Page /Parent 2 0 R >>".into()),
        }
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} /MediaBox [0 0 612 792] \
         /Resources << /Font << /F1 3 0 R >> >> >>",
        kids.join(" "),
        pages.len()
    );
    let mut trailer_extra = String::new();
    if encrypt {
        objects.push(
            "<< /Filter /Standard /V 1 /R 2 /O (0123456789abcdef0123456789abcdef) \
             /U (0123456789abcdef0123456789abcdef) /P -44 >>"
                .into(),
        );
        trailer_extra = format!(" /Encrypt {} 0 R /ID [(abc) (abc)]", objects.len());
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R{trailer_extra} >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn pdf_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}
