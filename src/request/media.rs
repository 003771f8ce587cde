//! The kinds of file the API takes as attachments, and how to tell them from their bytes
//! (magic numbers), never from a name or a label. Used for files being attached (`intake`)
//! and for data already inside a request (`validate`).

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

/// Image media types the API takes (Anthropic's vision docs: JPEG, PNG, GIF, WebP).
pub const IMAGE_MEDIA_TYPES: &[&str] = &["image/jpeg", "image/png", "image/gif", "image/webp"];

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

    /// What a file name claims, from its extension.
    pub fn from_extension(path: &std::path::Path) -> Option<MediaKind> {
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

/// What unrecognised bytes look like, for messages ("it is an HTML page — …").
pub fn describe_bytes(bytes: &[u8]) -> String {
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
        assert_eq!(describe_bytes(b"hello"), "it is text");
    }
}
