//! The common case read fast: a file holding a well-formed request body, or a workspace of
//! this format, parsed as it is read straight into its types. Neither the file's text nor a
//! JSON tree is held beside the request, so a request of the API's largest size (32 MiB)
//! takes about twice its size at the peak instead of three or four times.
//!
//! Anything unusual gives `None` — not a regular file, a byte order mark, not an object, a
//! log or a wrapper, a syntax or shape error, a newer or damaged workspace, a request
//! without a model — and the caller reads the file the general way (`import`), which tells
//! these apart and names what is wrong by line and column or by field.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::import::{Imported, SourceKind, imported_request};
use super::read::MAX_READ_BYTES;
use crate::request::Request;
use crate::workspace::format::{self, Decoded};

/// How far into a file a workspace's marker is looked for: budgie writes it first.
const WORKSPACE_HEAD: usize = 1024;

/// serde_json reads a reader byte by byte: a large buffer keeps that to memory copies.
const BUFFER: usize = 1 << 16;

/// Files up to this size are read whole and parsed from memory, which is faster than from a
/// reader; larger ones are parsed as they are read. Held whole, a file of N bytes peaks at
/// about 3N (the bytes, serde_json's scratch for a long string, the string), within the
/// target of 2N + 30 MB up to 22 MB; read as a stream it peaks at about 2N.
const READ_WHOLE_BYTES: u64 = 16 * 1024 * 1024;

/// Read `path` as a request body or a workspace of this format, when it is one and well
/// formed. `model` replaces the request's model.
pub fn import_file(path: &Path, model: Option<&str>) -> Option<Imported> {
    import_file_with(path, model, READ_WHOLE_BYTES)
}

/// [`import_file`], parsing from memory files up to `read_whole_bytes` and larger ones as
/// they are read (both ways are tested on the same files).
pub fn import_file_with(
    path: &Path,
    model: Option<&str>,
    read_whole_bytes: u64,
) -> Option<Imported> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_READ_BYTES {
        return None;
    }
    let mut file = File::open(path).ok()?;
    let mut head = Vec::with_capacity(WORKSPACE_HEAD);
    (&mut file)
        .take(WORKSPACE_HEAD as u64)
        .read_to_end(&mut head)
        .ok()?;
    // A request starts with `{`; a byte order mark, UTF-16 or a log goes the general way.
    if head.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let workspace = contains(&head, format!("\"{}\"", format::MARKER).as_bytes());
    if meta.len() <= read_whole_bytes {
        let mut bytes = head;
        bytes.reserve(meta.len().saturating_sub(bytes.len() as u64) as usize + 1);
        // Read no further than the general reader would: a file that grows past the cap
        // fails to parse here and is refused there.
        file.take(MAX_READ_BYTES + 1 - bytes.len() as u64)
            .read_to_end(&mut bytes)
            .ok()?;
        return if workspace {
            decoded(format::decode_slice(path, &bytes, model)?)
        } else {
            request(path, serde_json::from_slice(&bytes).ok()?, model)
        };
    }
    let rest = file.take(MAX_READ_BYTES + 1 - head.len() as u64);
    let reader = BufReader::with_capacity(BUFFER, head.as_slice().chain(rest));
    if workspace {
        decoded(format::decode_reader(path, reader, model)?)
    } else {
        request(path, serde_json::from_reader(reader).ok()?, model)
    }
}

fn decoded(decoded: Decoded) -> Option<Imported> {
    let Decoded {
        workspace,
        warnings,
    } = decoded;
    Some(Imported {
        workspace,
        kind: SourceKind::Workspace,
        warnings,
    })
}

/// A request body as imported, or `None` when the general reader would read it otherwise.
fn request(path: &Path, mut request: Request, model: Option<&str>) -> Option<Imported> {
    // The general reader takes an object with the marker for a workspace, wherever it is.
    if request.extra.contains_key(format::MARKER) {
        return None;
    }
    if let Some(model) = model {
        request.model = model.to_string();
    }
    Some(imported_request(path, request, SourceKind::Request))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
