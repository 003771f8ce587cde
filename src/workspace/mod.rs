//! Workspaces: the whole draft (the request plus budgie's own state), in memory and on disk:
//! the file format, saving (atomic, never over a file budgie cannot read), autosave,
//! recovery after a crash, and the recent list. Opening a file is `intake::open`.
//!
//! On disk (format version 1):
//! ```json
//! { "budgie_workspace": 1,
//!   "request": { ...a Messages API request... },
//!   "budget": 20000, "notes": "...", "disabled_tools": ["get_weather"] }
//! ```
//! An attachment block (image or document) may carry budgie's annotation under the key
//! `x_budgie` in the block: `{"path": "...", "sha256": "...", "enabled": false}`. It is
//! budgie's own and never sent: `Workspace::to_request` strips it and leaves out disabled
//! attachments and tools. A text block or a tool may instead be linked to a file
//! (`x_budgie: {"file": "prompts/system.md"}`, see `links`). The full format is in
//! docs/workspace-format.md.

pub mod attach;
pub mod autosave;
mod error;
pub mod format;
pub mod links;
pub mod recent;
pub mod recovery;
pub mod variables;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::request::{Content, ContentBlock, MediaBlock, Request};
pub use error::WorkspaceError;

/// The workspace format this budgie writes and the newest it reads.
pub const FORMAT_VERSION: u64 = 1;

/// The file name ending budgie suggests for workspaces.
pub const EXTENSION: &str = ".budgie.json";

/// The key under which budgie keeps its own notes on a content block.
pub const ANNOTATION: &str = "x_budgie";

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    /// The full request as the user drafts it, including fields count_tokens does not take.
    pub request: Request,
    pub budget: Option<u64>,
    pub notes: String,
    /// Names of tools toggled off (names are unique within a request).
    pub disabled_tools: BTreeSet<String>,
    /// Values of the `{{name}}` placeholders in the request's text.
    pub variables: variables::Values,
}

impl Workspace {
    pub fn from_request(request: Request) -> Self {
        Workspace {
            request,
            budget: None,
            notes: String::new(),
            disabled_tools: BTreeSet::new(),
            variables: variables::Values::new(),
        }
    }

    /// What is counted, with the workspace's variable values filled in (`extra` overriding
    /// them: a test case's), and the placeholders left without a value.
    pub fn filled_request(
        &self,
        extra: Option<&variables::Values>,
    ) -> (Request, Vec<variables::Unfilled>) {
        let mut values = self.variables.clone();
        if let Some(extra) = extra {
            values.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        variables::fill(&self.to_request(), &values)
    }

    /// What is counted and sent: disabled tools and attachments left out, annotations
    /// stripped.
    pub fn to_request(&self) -> Request {
        let mut request = self.request.clone();
        if let Some(tools) = &mut request.tools {
            let before = tools.len();
            tools.retain(|t| !self.disabled_tools.contains(&t.name));
            // All tools off: send none (an empty list would still be a `tools` field), and
            // no tool_choice, which the API refuses without tools.
            if tools.is_empty() && before > 0 {
                request.tools = None;
                request.tool_choice = None;
            }
        }
        for message in &mut request.messages {
            if let Content::Blocks(blocks) = &mut message.content {
                strip_blocks(blocks);
            }
        }
        links::strip_annotations(&mut request);
        request
    }

    /// What [`Workspace::to_request`] gives, borrowed when it would be the request itself
    /// (nothing disabled, no annotation): a large request is then not copied to be checked
    /// or counted.
    pub fn sent_request(&self) -> Cow<'_, Request> {
        let tool_disabled = self
            .request
            .tools
            .iter()
            .flatten()
            .any(|t| self.disabled_tools.contains(&t.name));
        let annotated = self.request.messages.iter().any(|m| match &m.content {
            Content::Blocks(blocks) => any_annotated(blocks),
            Content::Text(_) => false,
        });
        // A block or tool linked to a file carries its link, which is never sent.
        let linked = !links::files(&self.request).is_empty();
        if tool_disabled || annotated || linked {
            Cow::Owned(self.to_request())
        } else {
            Cow::Borrowed(&self.request)
        }
    }
}

/// Whether `strip_blocks` would change anything: an attachment carries budgie's annotation
/// (every disabled one does), also inside tool results.
fn any_annotated(blocks: &[ContentBlock]) -> bool {
    blocks.iter().any(|block| match block {
        ContentBlock::Image(b) | ContentBlock::Document(b) => b.extra.contains_key(ANNOTATION),
        ContentBlock::ToolResult(result) => match &result.content {
            Some(crate::request::ToolResultContent::Blocks(inner)) => any_annotated(inner),
            _ => false,
        },
        _ => false,
    })
}

/// Drop disabled attachments and budgie's annotations, also inside tool results.
fn strip_blocks(blocks: &mut Vec<ContentBlock>) {
    blocks.retain(block_enabled);
    for block in blocks.iter_mut() {
        if let Some(extra) = block_extra_mut(block) {
            extra.remove(ANNOTATION);
        }
        if let ContentBlock::ToolResult(result) = block
            && let Some(crate::request::ToolResultContent::Blocks(inner)) = &mut result.content
        {
            strip_blocks(inner);
        }
    }
}

/// An attachment is on unless its annotation says `"enabled": false`.
pub fn block_enabled(block: &ContentBlock) -> bool {
    match block {
        ContentBlock::Image(b) | ContentBlock::Document(b) => media_enabled(b),
        _ => true,
    }
}

/// An image or document block is on unless its annotation says `"enabled": false`.
pub fn media_enabled(block: &MediaBlock) -> bool {
    block
        .extra
        .get(ANNOTATION)
        .and_then(|a| a.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

fn block_extra_mut(block: &mut ContentBlock) -> Option<&mut serde_json::Map<String, Value>> {
    match block {
        ContentBlock::Image(b) | ContentBlock::Document(b) => Some(&mut b.extra),
        _ => None,
    }
}

/// `dir/name.budgie.json` for `dir/name.json` (or any other file).
pub fn suggested_workspace_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "draft".into());
    let stem = name
        .strip_suffix(EXTENSION)
        .or_else(|| name.strip_suffix(".json"))
        .or_else(|| name.rsplit_once('.').map(|(s, _)| s))
        .unwrap_or(&name);
    path.with_file_name(format!("{stem}{EXTENSION}"))
}

/// How to save.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveOptions {
    /// Embed attachments' data so the file travels alone. Without it, an attachment whose
    /// file still matches its hash is saved as a reference (path + sha256) only.
    pub embed: bool,
}

/// Save the workspace to `path` atomically. Refuses to replace a file budgie cannot read
/// (a corrupt or newer workspace, or anything not JSON) so nothing is ever lost.
pub fn save(
    workspace: &Workspace,
    path: &Path,
    options: SaveOptions,
) -> Result<(), WorkspaceError> {
    guard_overwrite(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut on_disk = attach::prepare_for_save(workspace, base, options.embed);
    // A linked block's text lives in its file (written by `links::write_back`).
    links::strip_for_save(&mut on_disk);
    crate::atomic_file::write(path, format::encode(&on_disk).as_bytes()).map_err(|source| {
        WorkspaceError::Write {
            path: path.into(),
            source,
        }
    })
}

/// Save under a new name: the same as [`save`] (which already refuses to replace a file it
/// cannot read), then remembered in the recent list.
pub fn save_as(
    workspace: &Workspace,
    path: &Path,
    options: SaveOptions,
) -> Result<(), WorkspaceError> {
    save(workspace, path, options)?;
    let _ = recent::push(path);
    Ok(())
}

/// Replace only what budgie can read back: nothing, blank, or a workspace of this format.
fn guard_overwrite(path: &Path) -> Result<(), WorkspaceError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
            return Err(WorkspaceError::Refused {
                path: path.into(),
                reason: "it is a directory".into(),
            });
        }
        Err(_) => return Ok(()), // unreadable: the write will say why
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let refuse = |reason: String| WorkspaceError::Refused {
        path: path.into(),
        reason,
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(refuse("it is not a workspace budgie wrote".into()));
    };
    if !format::is_workspace(&map) {
        return Err(refuse(if map.contains_key("messages") {
            format!(
                "it is a request file, not a workspace (save the workspace as {} instead)",
                suggested_workspace_path(path).display()
            )
        } else {
            "it is not a workspace budgie wrote".into()
        }));
    }
    match format::decode_value(path, map) {
        Ok(_) => Ok(()),
        Err(WorkspaceError::NewerFormat { version, .. }) => Err(refuse(format!(
            "it is a workspace written by a newer budgie (format {version})"
        ))),
        Err(_) => Err(refuse("it is a corrupt workspace".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(text: &str) -> Workspace {
        Workspace::from_request(crate::request::parse(text).expect("request"))
    }

    #[test]
    fn the_sent_request_is_borrowed_only_when_nothing_would_be_left_out() {
        let plain = workspace(
            r#"{"model":"m","tools":[{"name":"t"}],"messages":[{"role":"user","content":[
                {"type":"tool_result","tool_use_id":"x","content":[{"type":"text","text":"a"}]}]}]}"#,
        );
        assert!(matches!(plain.sent_request(), Cow::Borrowed(_)));
        assert_eq!(*plain.sent_request(), plain.to_request());

        let mut tool_off = plain.clone();
        tool_off.disabled_tools.insert("t".into());
        assert!(matches!(tool_off.sent_request(), Cow::Owned(_)));
        assert_eq!(*tool_off.sent_request(), tool_off.to_request());
        assert_ne!(tool_off.to_request(), tool_off.request);

        // An annotated attachment, inside a tool result: the annotation is stripped.
        let annotated = workspace(
            r#"{"model":"m","messages":[{"role":"user","content":[
                {"type":"tool_result","tool_use_id":"x","content":[{"type":"image",
                 "source":{"type":"base64","media_type":"image/png","data":"AA=="},
                 "x_budgie":{"path":"a.png","enabled":false}}]}]}]}"#,
        );
        assert!(matches!(annotated.sent_request(), Cow::Owned(_)));
        assert_eq!(*annotated.sent_request(), annotated.to_request());
        assert_ne!(annotated.to_request(), annotated.request);
        // A text block linked to a file: the link is not sent.
        let linked = workspace(
            r#"{"model":"m","system":[{"type":"text","text":"Be terse.",
                "x_budgie":{"file":"prompts/system.md"}}],
                "messages":[{"role":"user","content":"hi"}]}"#,
        );
        let sent = linked.sent_request();
        assert!(matches!(sent, Cow::Owned(_)));
        assert!(
            !serde_json::to_string(&sent.count_body())
                .expect("json")
                .contains(ANNOTATION)
        );
    }
}
