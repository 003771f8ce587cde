//! Images: the real format from the magic bytes, dimensions from the header alone, and the
//! patch cost `ceil(w/28) * ceil(h/28)` after the tier's resize rule (Anthropic's vision docs).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::registry::{ImageTier, Registry, TierRule};

/// The four image formats the Messages API takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl ImageFormat {
    /// The `media_type` the API expects for this format.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
        }
    }

    /// The format these bytes really are, from their magic number.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(ImageFormat::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(ImageFormat::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(ImageFormat::Gif),
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => Some(ImageFormat::Webp),
            _ => None,
        }
    }
}

/// What the header of an image says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("not base64: {0}")]
    Base64(String),
    #[error("not a JPEG, PNG, GIF or WebP image (the first bytes match none of them)")]
    UnknownFormat,
    #[error("a {0} image whose header gives no size: {1}")]
    BadHeader(&'static str, String),
}

/// Format and size of an image from its bytes (only the header is read).
pub fn describe_image(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    let format = ImageFormat::sniff(bytes).ok_or(ImageError::UnknownFormat)?;
    let size = imagesize::blob_size(bytes)
        .map_err(|e| ImageError::BadHeader(format.media_type(), e.to_string()))?;
    Ok(ImageInfo {
        format,
        width: u32::try_from(size.width).unwrap_or(u32::MAX),
        height: u32::try_from(size.height).unwrap_or(u32::MAX),
    })
}

/// Format and size of a base64 image, decoding only as much of the prefix as the header
/// needs: 4 KiB first, then doubling (a JPEG's size can sit behind a large EXIF block).
pub fn describe_image_base64(data: &str) -> Result<ImageInfo, ImageError> {
    let data = data.trim();
    let mut prefix_chars = 4096usize;
    loop {
        let whole = prefix_chars >= data.len();
        // A prefix must end on a 4-character boundary to decode on its own.
        let end = if whole {
            data.len()
        } else {
            prefix_chars - prefix_chars % 4
        };
        let Some(chunk) = data.get(..end) else {
            return Err(ImageError::Base64("non-ASCII character in the data".into()));
        };
        let bytes = STANDARD
            .decode(chunk)
            .map_err(|e| ImageError::Base64(e.to_string()))?;
        match describe_image(&bytes) {
            Ok(info) => return Ok(info),
            Err(ImageError::BadHeader(..)) if !whole => prefix_chars *= 4,
            Err(e) => return Err(e),
        }
    }
}

/// The size an image is resized to before it is cut into patches: keep the aspect ratio and
/// take the largest width (height `max(round(w/aspect), 1)`) whose patch grid fits the tier's
/// edge and token cap; a tall image is handled by swapping the axes.
pub fn resized(width: u32, height: u32, rule: TierRule) -> (u32, u32) {
    if width == 0 || height == 0 {
        return (0, 0);
    }
    if height > width {
        let (h, w) = resized(height, width, rule);
        return (w, h);
    }
    let aspect = f64::from(width) / f64::from(height);
    let height_for = |w: u32| ((f64::from(w) / aspect).round_ties_even() as u32).max(1);
    let patches = |px: u32| u64::from(px.div_ceil(rule.patch_px));
    let patch = u64::from(rule.patch_px);
    let fits = |w: u32| {
        let h = height_for(w);
        patches(w) * patch <= u64::from(rule.max_edge_px)
            && patches(h) * patch <= u64::from(rule.max_edge_px)
            && patches(w) * patches(h) <= rule.max_tokens
    };
    // `fits` only gets harder as w grows, so binary-search the largest w that fits.
    let (mut lo, mut hi) = (1u32, width);
    if !fits(lo) {
        return (1, 1);
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid) { lo = mid } else { hi = mid - 1 }
    }
    (lo, height_for(lo))
}

/// Tokens of one image of this size at this tier (wrapper not included).
pub fn image_tokens(width: u32, height: u32, tier: ImageTier) -> u64 {
    tokens_for_rule(width, height, Registry::builtin().tier_rule(tier))
}

/// [`image_tokens`] with an explicit resize rule.
pub fn tokens_for_rule(width: u32, height: u32, rule: TierRule) -> u64 {
    let (columns, rows) = patch_grid(width, height, rule);
    columns * rows
}

/// The patches an image is cut into after resizing: (columns, rows).
pub fn patch_grid(width: u32, height: u32, rule: TierRule) -> (u64, u64) {
    let (w, h) = resized(width, height, rule);
    (
        u64::from(w.div_ceil(rule.patch_px)),
        u64::from(h.div_ceil(rule.patch_px)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG header (signature + IHDR) claiming `w` x `h`.
    pub(crate) fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        b.extend_from_slice(&13u32.to_be_bytes());
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn the_vision_docs_reference_table_comes_out_exactly() {
        let standard = [
            ((200, 200), 64),
            ((1000, 1000), 1296),
            ((1092, 1092), 1521),
            ((1920, 1080), 1560),
            ((2000, 1500), 1564),
            ((3840, 2160), 1560),
        ];
        for ((w, h), want) in standard {
            assert_eq!(image_tokens(w, h, ImageTier::Standard), want, "{w}x{h}");
        }
        let high = [
            ((1920, 1080), 2691),
            ((2000, 1500), 3888),
            ((3840, 2160), 4784),
        ];
        for ((w, h), want) in high {
            assert_eq!(image_tokens(w, h, ImageTier::High), want, "{w}x{h}");
        }
    }

    #[test]
    fn a_tall_image_costs_what_its_wide_twin_costs() {
        for tier in [ImageTier::Standard, ImageTier::High] {
            assert_eq!(
                image_tokens(1080, 1920, tier),
                image_tokens(1920, 1080, tier)
            );
            assert_eq!(
                image_tokens(1500, 2000, tier),
                image_tokens(2000, 1500, tier)
            );
        }
    }

    #[test]
    fn small_images_are_not_resized() {
        // 10x10 px is one patch; 56x28 is two.
        assert_eq!(image_tokens(10, 10, ImageTier::Standard), 1);
        assert_eq!(image_tokens(56, 28, ImageTier::Standard), 2);
        assert_eq!(image_tokens(0, 10, ImageTier::Standard), 0);
    }

    /// The documented resize rule read literally: scan widths down from the original.
    fn resized_by_scanning(width: u32, height: u32, rule: TierRule) -> (u32, u32) {
        if height > width {
            let (h, w) = resized_by_scanning(height, width, rule);
            return (w, h);
        }
        let aspect = f64::from(width) / f64::from(height);
        let edge = u64::from(rule.max_edge_px);
        for w in (1..=width).rev() {
            let h = ((f64::from(w) / aspect).round_ties_even() as u32).max(1);
            let (pw, ph) = (u64::from(w.div_ceil(28)), u64::from(h.div_ceil(28)));
            if pw * 28 <= edge && ph * 28 <= edge && pw * ph <= rule.max_tokens {
                return (w, h);
            }
        }
        (1, 1)
    }

    #[test]
    fn the_binary_search_agrees_with_a_plain_scan() {
        let r = Registry::builtin();
        for tier in [ImageTier::Standard, ImageTier::High] {
            let rule = r.tier_rule(tier);
            for w in (1..=6000).step_by(371) {
                for h in (1..=6000).step_by(293) {
                    assert_eq!(
                        resized(w, h, rule),
                        resized_by_scanning(w, h, rule),
                        "{w}x{h} {tier:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_format_comes_from_the_bytes() {
        let info = describe_image(&png_header(123, 321)).expect("png");
        assert_eq!(
            info,
            ImageInfo {
                format: ImageFormat::Png,
                width: 123,
                height: 321
            }
        );
        let gif = [b'G', b'I', b'F', b'8', b'9', b'a', 10, 0, 20, 0, 0, 0, 0];
        let info = describe_image(&gif).expect("gif");
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Gif, 10, 20)
        );
        assert_eq!(
            describe_image(b"%PDF-1.7 hello"),
            Err(ImageError::UnknownFormat)
        );
    }

    #[test]
    fn base64_images_decode_only_what_the_header_needs() {
        let mut bytes = png_header(640, 480);
        // A large body the header reader never needs; invalid base64 in it would be an
        // error only if it were decoded.
        bytes.extend(std::iter::repeat_n(0u8, 30_000));
        let mut data = STANDARD.encode(&bytes);
        data.push_str("!!!!");
        let info = describe_image_base64(&data).expect("header decodes");
        assert_eq!((info.width, info.height), (640, 480));
        assert!(matches!(
            describe_image_base64("@@@@"),
            Err(ImageError::Base64(_))
        ));
    }

    #[test]
    fn a_jpeg_size_behind_a_large_segment_is_found() {
        // SOI, an APP1 segment of ~60 KB, then SOF0 with the size.
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE1];
        let app_len: u16 = 60_000;
        b.extend_from_slice(&app_len.to_be_bytes());
        b.extend(std::iter::repeat_n(0u8, usize::from(app_len) - 2));
        b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        b.extend_from_slice(&300u16.to_be_bytes()); // height
        b.extend_from_slice(&400u16.to_be_bytes()); // width
        b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        let info = describe_image_base64(&STANDARD.encode(&b)).expect("jpeg");
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Jpeg, 400, 300)
        );
    }
}
