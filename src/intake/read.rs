//! Bytes and text from a path (or standard input), with a size cap, naming the file in every
//! error: a device or a pipe that never ends is refused, not read forever; text must be
//! UTF-8 (UTF-16 and stray bytes are named with where they are).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::InputError;
use crate::request::limits::MAX_REQUEST_BYTES;

/// A file larger than this is not read as a request at all (a workspace with embedded
/// attachments may be somewhat over the request limit; anything far beyond it is not a
/// draft).
pub const MAX_READ_BYTES: u64 = 8 * MAX_REQUEST_BYTES;

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

pub(crate) fn io_error(path: &Path, e: std::io::Error) -> InputError {
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

/// A path as the user typed it, with a leading `~/` standing for their home directory.
pub fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => format!("{}/{rest}", home.to_string_lossy()),
        _ => path.to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_error_names_offset_and_line() {
        let err = utf8(Path::new("x.json"), b"ab\ncd\xffef".to_vec()).expect_err("bad");
        let msg = err.to_string();
        assert!(msg.contains("byte 5") && msg.contains("line 2"), "{msg}");
    }
}
