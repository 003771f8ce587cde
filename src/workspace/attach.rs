//! Attachments in a workspace: image and document blocks that remember the file they came
//! from (`x_budgie: {path, sha256}`), so a saved workspace can refer to files instead of
//! carrying them. Reading those files back on open is `intake`'s (it checks them); saving
//! by reference is here.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;

use super::{ANNOTATION, Workspace};
use crate::request::{Content, ContentBlock, MediaBlock, ToolResultContent};

/// Every media block of the request with its field path, in document order.
pub fn media_blocks_mut(workspace: &mut Workspace) -> Vec<(String, &mut MediaBlock)> {
    let mut found = Vec::new();
    for (i, message) in workspace.request.messages.iter_mut().enumerate() {
        if let Content::Blocks(blocks) = &mut message.content {
            collect(blocks, &format!("messages[{i}].content"), &mut found);
        }
    }
    found
}

fn collect<'a>(
    blocks: &'a mut [ContentBlock],
    prefix: &str,
    found: &mut Vec<(String, &'a mut MediaBlock)>,
) {
    for (j, block) in blocks.iter_mut().enumerate() {
        let here = format!("{prefix}[{j}]");
        match block {
            ContentBlock::Image(b) | ContentBlock::Document(b) => found.push((here, b)),
            ContentBlock::ToolResult(r) => {
                if let Some(ToolResultContent::Blocks(inner)) = &mut r.content {
                    collect(inner, &format!("{here}.content"), found);
                }
            }
            _ => {}
        }
    }
}

/// Every image and document block, read-only, with its field path.
pub fn media_blocks(workspace: &Workspace) -> Vec<(String, &MediaBlock)> {
    let mut found = Vec::new();
    for (i, message) in workspace.request.messages.iter().enumerate() {
        if let Content::Blocks(blocks) = &message.content {
            collect_ref(blocks, &format!("messages[{i}].content"), &mut found);
        }
    }
    found
}

fn collect_ref<'a>(
    blocks: &'a [ContentBlock],
    prefix: &str,
    found: &mut Vec<(String, &'a MediaBlock)>,
) {
    for (j, block) in blocks.iter().enumerate() {
        match block {
            ContentBlock::Image(b) | ContentBlock::Document(b) => {
                found.push((format!("{prefix}[{j}]"), b));
            }
            ContentBlock::ToolResult(r) => {
                if let Some(ToolResultContent::Blocks(inner)) = &r.content {
                    collect_ref(inner, &format!("{prefix}[{j}].content"), found);
                }
            }
            _ => {}
        }
    }
}

/// The annotation's path and hash, if the block has them.
pub fn reference(block: &MediaBlock) -> Option<(String, String)> {
    let note = block.extra.get(ANNOTATION)?;
    let path = note.get("path")?.as_str()?.to_string();
    let sha = note.get("sha256")?.as_str()?.to_string();
    Some((path, sha))
}

pub fn resolve_path(base: &Path, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() { p } else { base.join(p) }
}

/// The bytes the block's embedded data stands for (base64 decoded, or the text itself).
fn embedded_bytes(block: &MediaBlock) -> Option<Vec<u8>> {
    let data = block.source.data.as_ref()?;
    match block.source.kind.as_str() {
        "base64" => base64::engine::general_purpose::STANDARD.decode(data).ok(),
        "text" => Some(data.clone().into_bytes()),
        _ => None,
    }
}

pub fn set_data(block: &mut MediaBlock, bytes: &[u8]) {
    block.source.data = Some(match block.source.kind.as_str() {
        "text" => String::from_utf8_lossy(bytes).into_owned(),
        _ => base64::engine::general_purpose::STANDARD.encode(bytes),
    });
}

pub fn set_sha(block: &mut MediaBlock, sha: String) {
    if let Some(Value::Object(note)) = block.extra.get_mut(ANNOTATION) {
        note.insert("sha256".into(), Value::from(sha));
    }
}

/// Enabled attachments that have a file reference but no data (their file could not be read
/// and nothing was embedded): `(field path, file)`. Such a request cannot be counted.
pub fn without_data(workspace: &Workspace) -> Vec<(String, String)> {
    media_blocks(workspace)
        .into_iter()
        .filter(|(_, b)| {
            b.source.data.is_none() && matches!(b.source.kind.as_str(), "base64" | "text")
        })
        .filter(|(_, b)| super::media_enabled(b))
        .filter_map(|(field, b)| reference(b).map(|(path, _)| (field, path)))
        .collect()
}

/// The workspace as it should be written: with `embed`, unchanged; without, every attachment
/// whose file still holds exactly the embedded bytes is saved as a reference only. Data that
/// exists nowhere else is always kept.
pub fn prepare_for_save(workspace: &Workspace, base: &Path, embed: bool) -> Workspace {
    let mut out = workspace.clone();
    if embed {
        return out;
    }
    for (_, block) in media_blocks_mut(&mut out) {
        let Some((path, sha)) = reference(block) else {
            continue;
        };
        let Some(bytes) = embedded_bytes(block) else {
            continue;
        };
        if crate::bytes::sha256_hex(&bytes) != sha {
            continue;
        }
        let on_disk = std::fs::read(resolve_path(base, &path))
            .map(|b| crate::bytes::sha256_hex(&b) == sha)
            .unwrap_or(false);
        if on_disk {
            block.source.data = None;
        }
    }
    out
}
