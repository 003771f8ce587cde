//! Bytes as budgie shows and names them, the same everywhere: sizes for people and sha256
//! digests for hashes and file names.
//!
//! Sizes use binary multiples labelled "KB" and "MB", as the API's own limits are written
//! ("10 MB" of base64 is 10 × 1024 × 1024 bytes, per Anthropic's vision and PDF docs).

use sha2::{Digest, Sha256};

const KB: u64 = 1024;
const MB: u64 = 1024 * 1024;

/// "938 B", "4.3 KB", "20.0 MB".
pub fn human(n: u64) -> String {
    // From 1023.95 KB up, one decimal would say "1024.0 KB": that is "1.0 MB".
    if n >= MB - KB / 20 {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= KB {
        format!("{:.1} KB", n as f64 / KB as f64)
    } else {
        format!("{n} B")
    }
}

/// `n` for a message that compares it with `other` ("over the limit of …"): with the exact
/// bytes too when both would read the same.
pub fn human_beside(n: u64, other: u64) -> String {
    let rounded = human(n);
    if n != other && rounded == human(other) {
        format!("{rounded} ({n} bytes)")
    } else {
        rounded
    }
}

/// The sha256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(938), "938 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1024), "1.0 KB");
        assert_eq!(human(4403), "4.3 KB");
        assert_eq!(human(20_971_572), "20.0 MB");
        assert_eq!(human(32 * 1024 * 1024), "32.0 MB");
        assert_eq!(human(1024 * 1024 - 1), "1.0 MB");
        assert_eq!(
            human_beside(33_554_433, 33_554_432),
            "32.0 MB (33554433 bytes)"
        );
        assert_eq!(human_beside(2048, 33_554_432), "2.0 KB");
    }

    #[test]
    fn sha256_is_the_standard_digest() {
        // FIPS 180-2's test vector for "abc".
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
