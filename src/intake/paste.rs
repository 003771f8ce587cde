//! Pasted text, normalised for the editor in one pass. Nothing the user pastes is lost
//! except invisible control characters (which terminals can smuggle in), and those are
//! counted.

/// Pastes above this size are accepted but reported, so the UI can say so.
pub const LARGE_PASTE_BYTES: usize = 1024 * 1024;

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
    fn paste_normalises_line_endings_and_drops_controls() {
        let p = normalize_paste("a\r\nb\rc\n\x1b[31md\te\u{0}");
        assert_eq!(p.text, "a\nb\nc\n[31md\te");
        assert_eq!(p.lines, 4);
        assert_eq!(p.removed_controls, 2);
        assert_eq!(p.notice, None);
    }
}
