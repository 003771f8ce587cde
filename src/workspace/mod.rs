//! Workspaces: the whole draft (the request plus budgie's own state), on disk and in memory.
//! Autosave, recovery, import/export live beside this file. (Issue 6.)
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
//! attachments and tools. The full format is in docs/workspace-format.md.
//!
//! How the runtime drives it (the reducer stays pure; every call below is an effect):
//! - start: `recovery::RecoveryStore::default_location()?.pending_for(file)` (or `pending()`
//!   with no file) → offer to restore; `recovery::discard` if declined.
//! - open: [`open`] → [`Opened`] (`warnings` to show; `read_only`; `save_path()`). On error,
//!   [`WorkspaceError::can_open_read_only`] says whether to offer [`open_read_only`]; else
//!   offer to start fresh. The file is never written in either case.
//! - each edit: `autosave::Autosaver::edited(now)`; sleep until `deadline()`; when
//!   `due(now)`: `start()`, run `autosave::write_recovery(workspace, origin, SystemTime::now())`,
//!   then `finished(revision, ok, now)`.
//! - save: [`save`]/[`save_as`], then `RecoveryStore::clear(origin)` (and `clear(None)` when
//!   an untitled draft got its first name) and `Autosaver::saved_elsewhere(revision)`;
//!   `recent::push(path)`. The writes block: run them off the UI task (`spawn_blocking`).
//! - quit with unsaved edits: leave the recovery file; the next start offers it.

pub mod atomic;
pub mod attach;
pub mod autosave;
pub mod format;
pub mod recent;
pub mod recovery;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::input::InputError;
use crate::request::{Content, ContentBlock, Request};

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
}

impl Workspace {
    pub fn from_request(request: Request) -> Self {
        Workspace {
            request,
            budget: None,
            notes: String::new(),
            disabled_tools: BTreeSet::new(),
        }
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
        request
    }
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
    let extra = match block {
        ContentBlock::Image(b) | ContentBlock::Document(b) => &b.extra,
        _ => return true,
    };
    extra
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

/// What a file turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A budgie workspace.
    Workspace,
    /// A plain count_tokens request body.
    Request,
    /// A full messages.create body (max_tokens, temperature… kept, not counted).
    CreateBody,
    /// A request body found inside a log line or a wrapper object.
    LogLine,
}

/// A file opened as a workspace.
#[derive(Debug, Clone)]
pub struct Opened {
    pub workspace: Workspace,
    /// Saving over the file is not allowed (newer format, or the user asked).
    pub read_only: bool,
    /// Things worth telling the user that did not stop the file from opening.
    pub warnings: Vec<String>,
    pub kind: SourceKind,
    /// The file it came from (`None` for text decoded without a file).
    pub path: Option<PathBuf>,
}

impl Opened {
    /// Where "save" should write: the file itself when it is a writable workspace, else a
    /// new `NAME.budgie.json` beside it (an imported request file is never replaced by a
    /// workspace without asking).
    pub fn save_path(&self) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        if self.read_only {
            return None;
        }
        if self.kind == SourceKind::Workspace {
            return Some(path.clone());
        }
        Some(suggested_workspace_path(path))
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

/// Why a workspace could not be opened or saved.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Read(#[from] InputError),
    #[error("{path}: cannot save ({source}); the draft is still open and in the recovery file — try saving under another name", path = .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not saving over it: {reason}; save under another name", path = .path.display())]
    Refused { path: PathBuf, reason: String },
}

impl WorkspaceError {
    /// The file could still be shown read-only (a newer or partly corrupt workspace).
    pub fn can_open_read_only(&self) -> bool {
        matches!(
            self,
            WorkspaceError::Read(InputError::NewerFormat { .. } | InputError::Corrupt { .. })
        )
    }
}

/// Open a workspace, a request JSON, a messages.create body or a log holding one. Referenced
/// attachments are read and checked against their hash (problems become warnings). A newer
/// or corrupt workspace is refused; see [`WorkspaceError::can_open_read_only`] and
/// [`open_read_only`].
pub fn open(path: &Path) -> Result<Opened, WorkspaceError> {
    let (path, text) = crate::input::read_text(&path.to_string_lossy())?;
    let mut opened = format::decode(&path, &text)?;
    finish_open(&path, &mut opened);
    Ok(opened)
}

/// Open a file without ever writing to it; also reads what it can of a workspace from a
/// newer budgie or one with a damaged field (its `request` must still be readable).
pub fn open_read_only(path: &Path) -> Result<Opened, WorkspaceError> {
    let (path, text) = crate::input::read_text(&path.to_string_lossy())?;
    let mut opened = match format::decode(&path, &text) {
        Ok(opened) => opened,
        Err(InputError::NewerFormat { .. } | InputError::Corrupt { .. }) => {
            format::decode_newer_leniently(&path, &text)?
        }
        Err(e) => return Err(e.into()),
    };
    opened.read_only = true;
    finish_open(&path, &mut opened);
    Ok(opened)
}

fn finish_open(path: &Path, opened: &mut Opened) {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut warnings: Vec<String> = attach::resolve(&mut opened.workspace, base)
        .into_iter()
        .map(|w| format!("{}: {w}", path.display()))
        .collect();
    warnings.extend(
        crate::input::check_request(path, &opened.workspace.to_request())
            .into_iter()
            .map(|e| e.to_string()),
    );
    opened.warnings.extend(warnings);
    opened.path = Some(path.to_path_buf());
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
    let on_disk = attach::prepare_for_save(workspace, base, options.embed);
    atomic::write(path, format::encode(&on_disk).as_bytes()).map_err(|source| {
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
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| refuse("it is not a text file budgie wrote".into()))?;
    match format::decode(path, text) {
        Ok(opened) if opened.kind == SourceKind::Workspace => Ok(()),
        Ok(_) => Err(refuse(format!(
            "it is a request file, not a workspace (save the workspace as {} instead)",
            suggested_workspace_path(path).display()
        ))),
        Err(InputError::NewerFormat { version, .. }) => Err(refuse(format!(
            "it is a workspace written by a newer budgie (format {version})"
        ))),
        Err(InputError::Corrupt { .. }) => Err(refuse("it is a corrupt workspace".into())),
        Err(_) => Err(refuse(
            "it is not a workspace or request budgie can read".into(),
        )),
    }
}
