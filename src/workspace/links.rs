//! Blocks backed by files: a text block (system or turn) or a tool may carry
//! `"x_budgie": {"file": "prompts/system.md"}` (a path relative to the workspace's folder).
//! The file holds the block's text (a tool's: its JSON definition); the workspace file holds
//! only the link. On open the files are read in (`resolve`); saving writes edited texts back
//! (`write_back`), atomically, and never over a file that changed on disk since it was read
//! unless told to. In memory the annotation also keeps `sha256`, the hash of the file's text
//! as last read or written, to tell such a change; it is never saved nor sent.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{ANNOTATION, Workspace};
use crate::request::validate::Problem;
use crate::request::{Content, ContentBlock, System, Tool};

/// The annotation's key for the linked file.
pub const FILE: &str = "file";
/// The annotation's key for the hash of the file's text as last read or written (in memory).
pub const SHA: &str = "sha256";

/// The linked file named in an annotation-bearing `extra`, if any.
pub fn linked_file(extra: &Map<String, Value>) -> Option<&str> {
    extra.get(ANNOTATION)?.get(FILE)?.as_str()
}

fn base_sha(extra: &Map<String, Value>) -> Option<&str> {
    extra.get(ANNOTATION)?.get(SHA)?.as_str()
}

fn set_sha(extra: &mut Map<String, Value>, sha: Option<String>) {
    if let Some(Value::Object(note)) = extra.get_mut(ANNOTATION) {
        match sha {
            Some(sha) => note.insert(SHA.into(), Value::from(sha)),
            None => note.remove(SHA),
        };
    }
}

/// What a link stands for, with the field it is at ("system[0]", "messages[1].content[0]",
/// "tools[2]") and mutable access to what the file fills in.
enum Linked<'a> {
    Text {
        field: String,
        text: &'a mut String,
        extra: &'a mut Map<String, Value>,
    },
    Tool {
        field: String,
        tool: &'a mut Tool,
    },
}

fn linked_mut(workspace: &mut Workspace) -> Vec<Linked<'_>> {
    let request = &mut workspace.request;
    let mut out = Vec::new();
    if let Some(System::Blocks(blocks)) = &mut request.system {
        for (i, b) in blocks.iter_mut().enumerate() {
            if linked_file(&b.extra).is_some() {
                out.push(Linked::Text {
                    field: format!("system[{i}]"),
                    text: &mut b.text,
                    extra: &mut b.extra,
                });
            }
        }
    }
    for (t, message) in request.messages.iter_mut().enumerate() {
        if let Content::Blocks(blocks) = &mut message.content {
            for (j, block) in blocks.iter_mut().enumerate() {
                if let ContentBlock::Text(b) = block
                    && linked_file(&b.extra).is_some()
                {
                    out.push(Linked::Text {
                        field: format!("messages[{t}].content[{j}]"),
                        text: &mut b.text,
                        extra: &mut b.extra,
                    });
                }
            }
        }
    }
    if let Some(tools) = &mut request.tools {
        for (i, tool) in tools.iter_mut().enumerate() {
            if linked_file(&tool.extra).is_some() {
                out.push(Linked::Tool {
                    field: format!("tools[{i}]"),
                    tool,
                });
            }
        }
    }
    out
}

/// Every file the request's blocks and tools are linked to, as the links name them.
pub fn files(request: &crate::request::Request) -> Vec<String> {
    let mut extras: Vec<&Map<String, Value>> = Vec::new();
    if let Some(System::Blocks(blocks)) = &request.system {
        extras.extend(blocks.iter().map(|b| &b.extra));
    }
    for message in &request.messages {
        if let Content::Blocks(blocks) = &message.content {
            extras.extend(blocks.iter().filter_map(|b| match b {
                ContentBlock::Text(t) => Some(&t.extra),
                _ => None,
            }));
        }
    }
    if let Some(tools) = &request.tools {
        extras.extend(tools.iter().map(|t| &t.extra));
    }
    let mut files: Vec<String> = extras
        .into_iter()
        .filter_map(linked_file)
        .map(str::to_string)
        .collect();
    files.sort();
    files.dedup();
    files
}

/// Before the request is decoded: a linked text block may leave out `text`, a linked tool
/// everything but the link (the file has it). Fill in what decoding needs; `resolve` reads
/// the real values.
pub fn fill_placeholders(request: &mut Value) {
    let linked = |v: &Map<String, Value>| {
        v.get(ANNOTATION)
            .and_then(|a| a.get(FILE))
            .is_some_and(Value::is_string)
    };
    let fill_text = |blocks: Option<&mut Value>| {
        if let Some(Value::Array(blocks)) = blocks {
            for block in blocks {
                if let Value::Object(b) = block
                    && linked(b)
                {
                    b.entry("type").or_insert_with(|| Value::from("text"));
                    b.entry("text").or_insert_with(|| Value::from(""));
                }
            }
        }
    };
    let Value::Object(request) = request else {
        return;
    };
    fill_text(request.get_mut("system"));
    if let Some(Value::Array(messages)) = request.get_mut("messages") {
        for message in messages {
            fill_text(message.get_mut("content"));
        }
    }
    if let Some(Value::Array(tools)) = request.get_mut("tools") {
        for tool in tools {
            if let Value::Object(t) = tool
                && linked(t)
            {
                t.entry("name")
                    .or_insert_with(|| Value::from("linked_tool"));
            }
        }
    }
}

/// The file a link names, relative to the workspace's folder `base`.
pub fn path_of(base: &Path, file: &str) -> PathBuf {
    super::attach::resolve_path(base, file)
}

/// Read every linked file into its block (a tool: the JSON definition, the link kept). A file
/// that cannot be read, or a tool file that is not a tool, is a problem naming the field and
/// the file; the block keeps what it had.
pub fn resolve(workspace: &mut Workspace, base: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for linked in linked_mut(workspace) {
        match linked {
            Linked::Text { field, text, extra } => {
                let file = linked_file(extra).unwrap_or_default().to_string();
                match std::fs::read_to_string(path_of(base, &file)) {
                    Ok(contents) => {
                        set_sha(extra, Some(crate::bytes::sha256_hex(contents.as_bytes())));
                        *text = contents;
                    }
                    Err(e) => problems.push(unreadable(field, &file, &e)),
                }
            }
            Linked::Tool { field, tool } => {
                let file = linked_file(&tool.extra).unwrap_or_default().to_string();
                let contents = match std::fs::read_to_string(path_of(base, &file)) {
                    Ok(c) => c,
                    Err(e) => {
                        problems.push(unreadable(field, &file, &e));
                        continue;
                    }
                };
                match tool_from_json(&contents, &tool.extra) {
                    Ok(read) => {
                        *tool = read;
                        set_sha(
                            &mut tool.extra,
                            Some(crate::bytes::sha256_hex(contents.as_bytes())),
                        );
                    }
                    Err(message) => problems.push(Problem {
                        path: field,
                        message: format!("linked tool file {file}: {message}"),
                    }),
                }
            }
        }
    }
    problems
}

fn unreadable(field: String, file: &str, e: &std::io::Error) -> Problem {
    let why = if e.kind() == std::io::ErrorKind::NotFound {
        "no such file".to_string()
    } else {
        e.to_string()
    };
    Problem {
        path: field,
        message: format!(
            "linked file {file} cannot be read ({why}); restore it or fix the path in x_budgie.file"
        ),
    }
}

/// A tool definition from a linked file's JSON, carrying the block's annotation `note`.
fn tool_from_json(text: &str, note: &Map<String, Value>) -> Result<Tool, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("malformed JSON at line {}, column {}", e.line(), e.column()))?;
    let mut tool: Tool = serde_json::from_value(value).map_err(|e| e.to_string())?;
    if let Some(a) = note.get(ANNOTATION) {
        tool.extra.insert(ANNOTATION.into(), a.clone());
    }
    Ok(tool)
}

/// The file's text for a tool: its definition without budgie's annotation, pretty-printed.
fn tool_file_text(tool: &Tool) -> String {
    let mut plain = tool.clone();
    plain.extra.remove(ANNOTATION);
    let mut text = serde_json::to_string_pretty(&plain).unwrap_or_default();
    text.push('\n');
    text
}

/// What saving leaves of linked blocks in the workspace file: the link only (a text block
/// with an empty text, a tool with its name), without the in-memory hash.
pub fn strip_for_save(workspace: &mut Workspace) {
    for linked in linked_mut(workspace) {
        match linked {
            Linked::Text { text, extra, .. } => {
                text.clear();
                set_sha(extra, None);
            }
            Linked::Tool { tool, .. } => {
                let note = tool.extra.remove(ANNOTATION);
                *tool = Tool {
                    kind: None,
                    name: tool.name.clone(),
                    description: None,
                    input_schema: None,
                    extra: Map::new(),
                };
                if let Some(note) = note {
                    tool.extra.insert(ANNOTATION.into(), note);
                }
                set_sha(&mut tool.extra, None);
            }
        }
    }
}

/// Linked files that changed on disk since budgie read them and would be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub files: Vec<String>,
}

/// Write each linked block's text to its file where it differs from the file (atomically).
/// Unless `replace`, nothing is written when a file changed on disk since it was read (its
/// hash is not the one remembered) and would be replaced: the answer names those files.
/// Returns the files written; the hashes in `workspace` are brought up to date.
pub fn write_back(
    workspace: &mut Workspace,
    base: &Path,
    replace: bool,
) -> Result<Result<Vec<String>, Conflict>, (String, std::io::Error)> {
    let mut plan = Vec::new();
    let mut conflicts = Vec::new();
    for linked in linked_mut(workspace) {
        let (file, text, sha) = match &linked {
            Linked::Text { text, extra, .. } => (
                linked_file(extra).unwrap_or_default().to_string(),
                (**text).clone(),
                base_sha(extra).map(str::to_string),
            ),
            Linked::Tool { tool, .. } => (
                linked_file(&tool.extra).unwrap_or_default().to_string(),
                tool_file_text(tool),
                base_sha(&tool.extra).map(str::to_string),
            ),
        };
        let path = path_of(base, &file);
        let on_disk = std::fs::read(&path).ok();
        if on_disk.as_deref() == Some(text.as_bytes()) || same_tool(&linked, on_disk.as_deref()) {
            continue;
        }
        let disk_sha = on_disk.as_deref().map(crate::bytes::sha256_hex);
        if disk_sha.is_some() && disk_sha != sha && !replace {
            conflicts.push(file.clone());
        }
        plan.push((file, path, text));
    }
    if !conflicts.is_empty() {
        return Ok(Err(Conflict { files: conflicts }));
    }
    let mut written = Vec::new();
    for (file, path, text) in &plan {
        crate::atomic_file::write(path, text.as_bytes()).map_err(|e| (file.clone(), e))?;
        written.push(file.clone());
    }
    remember_as_on_disk(workspace);
    Ok(Ok(written))
}

/// A linked tool whose file already holds the same definition (however it is laid out).
fn same_tool(linked: &Linked<'_>, on_disk: Option<&[u8]>) -> bool {
    let (Linked::Tool { tool, .. }, Some(bytes)) = (linked, on_disk) else {
        return false;
    };
    let Ok(read) = serde_json::from_slice::<Tool>(bytes) else {
        return false;
    };
    let mut plain = (**tool).clone();
    plain.extra.remove(ANNOTATION);
    read == plain
}

/// After a save: every linked file holds its block's text, so the hashes are the texts'.
fn remember_as_on_disk(workspace: &mut Workspace) {
    for linked in linked_mut(workspace) {
        match linked {
            Linked::Text { text, extra, .. } => {
                let sha = crate::bytes::sha256_hex(text.as_bytes());
                set_sha(extra, Some(sha));
            }
            Linked::Tool { tool, .. } => {
                let sha = crate::bytes::sha256_hex(tool_file_text(tool).as_bytes());
                set_sha(&mut tool.extra, Some(sha));
            }
        }
    }
}

/// The hashes of linked texts as `write_back` leaves them, for the workbench to take over
/// after a save: (field, hash).
pub fn hashes(workspace: &Workspace) -> Vec<(String, Option<String>)> {
    let mut copy = workspace.clone();
    linked_mut(&mut copy)
        .into_iter()
        .map(|l| match l {
            Linked::Text { field, extra, .. } => (field, base_sha(extra).map(str::to_string)),
            Linked::Tool { field, tool } => (field, base_sha(&tool.extra).map(str::to_string)),
        })
        .collect()
}

/// Take over hashes from `hashes` (after a save), for the fields still linked.
pub fn set_hashes(workspace: &mut Workspace, hashes: &[(String, Option<String>)]) {
    for linked in linked_mut(workspace) {
        let (field, extra) = match linked {
            Linked::Text { field, extra, .. } => (field, extra),
            Linked::Tool { field, tool } => (field, &mut tool.extra),
        };
        if let Some((_, sha)) = hashes.iter().find(|(f, _)| *f == field) {
            set_sha(extra, sha.clone());
        }
    }
}

/// Remove budgie's annotation from text blocks and tools (what is sent never carries it).
pub fn strip_annotations(request: &mut crate::request::Request) {
    if let Some(System::Blocks(blocks)) = &mut request.system {
        for b in blocks {
            b.extra.remove(ANNOTATION);
        }
    }
    for message in &mut request.messages {
        if let Content::Blocks(blocks) = &mut message.content {
            for block in blocks {
                if let ContentBlock::Text(b) = block {
                    b.extra.remove(ANNOTATION);
                }
            }
        }
    }
    if let Some(tools) = &mut request.tools {
        for tool in tools {
            tool.extra.remove(ANNOTATION);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(dir: &Path) -> Workspace {
        std::fs::write(dir.join("system.md"), "Be brief.").expect("write");
        let mut value: Value = serde_json::from_str(
            r#"{"model":"m","system":[{"type":"text","x_budgie":{"file":"system.md"}}],
                "messages":[{"role":"user","content":"hi"}]}"#,
        )
        .expect("json");
        fill_placeholders(&mut value);
        let request = serde_json::from_value(value).expect("request");
        let mut ws = Workspace::from_request(request);
        assert!(resolve(&mut ws, dir).is_empty());
        ws
    }

    fn system_text(ws: &Workspace) -> String {
        match &ws.request.system {
            Some(System::Blocks(b)) => b[0].text.clone(),
            _ => String::new(),
        }
    }

    #[test]
    fn a_linked_block_reads_its_file_and_writes_back_asking_on_conflict() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ws = workspace(dir.path());
        assert_eq!(system_text(&ws), "Be brief.");
        if let Some(System::Blocks(b)) = &mut ws.request.system {
            b[0].text = "Be very brief.".into();
        }
        // Changed on disk since it was read: not replaced without being told.
        std::fs::write(dir.path().join("system.md"), "Changed elsewhere.").expect("write");
        let answer = write_back(&mut ws, dir.path(), false).expect("io");
        assert_eq!(
            answer,
            Err(Conflict {
                files: vec!["system.md".into()]
            })
        );
        let on_disk = std::fs::read_to_string(dir.path().join("system.md")).expect("read");
        assert_eq!(on_disk, "Changed elsewhere.");
        let answer = write_back(&mut ws, dir.path(), true).expect("io");
        assert_eq!(answer, Ok(vec!["system.md".to_string()]));
        let on_disk = std::fs::read_to_string(dir.path().join("system.md")).expect("read");
        assert_eq!(on_disk, "Be very brief.");
        // Now in step: a further edit is written without a question.
        if let Some(System::Blocks(b)) = &mut ws.request.system {
            b[0].text = "Be kind.".into();
        }
        assert_eq!(
            write_back(&mut ws, dir.path(), false).expect("io"),
            Ok(vec!["system.md".to_string()])
        );
    }

    #[test]
    fn the_link_is_neither_saved_with_its_text_nor_sent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = workspace(dir.path());
        let mut saved = ws.clone();
        strip_for_save(&mut saved);
        let json = serde_json::to_string(&saved.request).expect("json");
        assert!(!json.contains("Be brief."), "{json}");
        assert!(
            json.contains(r#""x_budgie":{"file":"system.md"}"#),
            "{json}"
        );
        let sent = serde_json::to_string(&ws.to_request()).expect("json");
        assert!(!sent.contains("x_budgie"), "{sent}");
        assert!(sent.contains("Be brief."), "{sent}");
    }

    #[test]
    fn a_missing_file_names_the_block_and_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ws = workspace(dir.path());
        std::fs::remove_file(dir.path().join("system.md")).expect("rm");
        let problems = resolve(&mut ws, dir.path());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "system[0]");
        assert!(
            problems[0]
                .message
                .contains("linked file system.md cannot be read (no such file)")
        );
    }
}
