//! The on-disk workspace format, version 1 (docs/workspace-format.md): a request plus
//! budgie's own state. Files of other kinds (request bodies, logs) are read by `intake`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{FORMAT_VERSION, Workspace, WorkspaceError};
use crate::request::{self, Request};

/// The top-level key that marks a workspace and carries its format version.
pub const MARKER: &str = "budgie_workspace";

const KNOWN_KEYS: &[&str] = &[
    MARKER,
    "request",
    "budget",
    "notes",
    "disabled_tools",
    "variables",
];

#[derive(Debug, Serialize, Deserialize)]
struct WorkspaceFile {
    budgie_workspace: u64,
    request: Request,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    budget: Option<u64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notes: String,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    disabled_tools: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    variables: BTreeMap<String, String>,
    /// Top-level keys this budgie does not know, in file order (told, never saved back).
    #[serde(flatten, skip_serializing)]
    unknown: Map<String, Value>,
}

/// A workspace read from its JSON, and what is worth telling the user about it.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub workspace: Workspace,
    pub warnings: Vec<String>,
}

/// Whether a JSON object is a workspace (it carries the format marker).
pub fn is_workspace(map: &Map<String, Value>) -> bool {
    map.contains_key(MARKER)
}

/// The workspace as a JSON value in format 1.
pub fn to_value(workspace: &Workspace) -> Value {
    let mut map = Map::new();
    map.insert(MARKER.into(), Value::from(FORMAT_VERSION));
    map.insert(
        "request".into(),
        serde_json::to_value(&workspace.request).unwrap_or(Value::Null),
    );
    if let Some(budget) = workspace.budget {
        map.insert("budget".into(), Value::from(budget));
    }
    if !workspace.notes.is_empty() {
        map.insert("notes".into(), Value::from(workspace.notes.clone()));
    }
    if !workspace.disabled_tools.is_empty() {
        map.insert(
            "disabled_tools".into(),
            Value::from(workspace.disabled_tools.iter().cloned().collect::<Vec<_>>()),
        );
    }
    if !workspace.variables.is_empty() {
        map.insert(
            "variables".into(),
            serde_json::to_value(&workspace.variables).unwrap_or(Value::Null),
        );
    }
    Value::Object(map)
}

/// The workspace as pretty JSON text with a trailing newline (diff-friendly).
pub fn encode(workspace: &Workspace) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(workspace)).unwrap_or_default();
    text.push('\n');
    text
}

/// serde's type names in words a user reads.
fn plain_serde_message(message: &str) -> String {
    message
        .replace("expected u64", "expected a whole number (0 or more)")
        .replace("expected u32", "expected a whole number (0 or more)")
        .replace("expected a sequence", "expected a list")
        .replace("expected a map", "expected an object")
}

/// Decode a workspace (a JSON object carrying [`MARKER`]). `path` only names the file in
/// messages. A newer format or a damaged field is refused, never guessed at.
pub fn decode_value(path: &Path, map: Map<String, Value>) -> Result<Decoded, WorkspaceError> {
    let version = map.get(MARKER).cloned().unwrap_or(Value::Null);
    let Some(version) = version.as_u64() else {
        return Err(WorkspaceError::Corrupt {
            path: path.into(),
            field: MARKER.into(),
            message: format!(
                "the format version must be a whole number, not {}",
                request::json_kind(&version)
            ),
        });
    };
    if version > FORMAT_VERSION {
        return Err(WorkspaceError::NewerFormat {
            path: path.into(),
            version,
        });
    }
    if version == 0 {
        return Err(WorkspaceError::Corrupt {
            path: path.into(),
            field: MARKER.into(),
            message: "format version 0 does not exist".into(),
        });
    }
    let unknown: Vec<&String> = map
        .keys()
        .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    let warnings = unknown_fields_warning(path, unknown);
    let mut map = map;
    if let Some(request) = map.get_mut("request") {
        super::links::fill_placeholders(request);
    }
    let file: WorkspaceFile =
        serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
            let field = e.path().to_string();
            WorkspaceError::Corrupt {
                path: path.into(),
                field: if field == "." {
                    "workspace".into()
                } else {
                    field
                },
                message: plain_serde_message(&e.into_inner().to_string()),
            }
        })?;
    Ok(Decoded {
        workspace: Workspace {
            request: file.request,
            budget: file.budget,
            notes: file.notes,
            disabled_tools: file.disabled_tools,
            variables: file.variables,
        },
        warnings,
    })
}

/// A workspace of this format, read straight from `reader` into its types: no JSON tree in
/// between, which would hold a large request a second time. `None` for anything else or
/// anything wrong (a newer or damaged workspace, bad JSON, a request without a model): the
/// caller then reads it with [`decode_value`], which names what is wrong. `model` replaces
/// the request's model.
pub fn decode_reader(
    path: &Path,
    reader: impl std::io::Read,
    model: Option<&str>,
) -> Option<Decoded> {
    decoded(path, serde_json::from_reader(reader).ok()?, model)
}

/// [`decode_reader`] for a file's bytes already in memory (faster to parse).
pub fn decode_slice(path: &Path, bytes: &[u8], model: Option<&str>) -> Option<Decoded> {
    decoded(path, serde_json::from_slice(bytes).ok()?, model)
}

fn decoded(path: &Path, file: WorkspaceFile, model: Option<&str>) -> Option<Decoded> {
    if !(1..=FORMAT_VERSION).contains(&file.budgie_workspace) {
        return None;
    }
    let mut request = file.request;
    if let Some(model) = model {
        request.model = model.to_string();
    }
    Some(Decoded {
        warnings: unknown_fields_warning(path, file.unknown.keys()),
        workspace: Workspace {
            request,
            budget: file.budget,
            notes: file.notes,
            disabled_tools: file.disabled_tools,
            variables: file.variables,
        },
    })
}

fn unknown_fields_warning<'a>(
    path: &Path,
    unknown: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let unknown: Vec<String> = unknown.into_iter().map(|k| format!("`{k}`")).collect();
    if unknown.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "{}: ignored unknown workspace fields {} (they will not be saved back)",
        path.display(),
        unknown.join(", ")
    )]
}

/// Read what can be read of a workspace budgie could not decode (`why`: one from a newer
/// budgie, or one with a damaged field): its `request`, `budget` and `notes`, ignoring
/// everything else. For opening read-only; the file is never written.
pub fn decode_leniently(
    path: &Path,
    value: &Map<String, Value>,
    why: &WorkspaceError,
) -> Result<Decoded, WorkspaceError> {
    let corrupt = |field: String, message: String| WorkspaceError::Corrupt {
        path: path.into(),
        field,
        message,
    };
    let request = value
        .get("request")
        .cloned()
        .ok_or_else(|| corrupt("request".into(), "missing".into()))?;
    let request = request::from_value(request).map_err(|e| match e {
        request::ParseError::Shape { path, message } => corrupt(format!("request.{path}"), message),
        other => corrupt("request".into(), other.to_string()),
    })?;
    let mut workspace = Workspace::from_request(request);
    workspace.budget = value.get("budget").and_then(Value::as_u64);
    workspace.notes = value
        .get("notes")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(tools) = value.get("disabled_tools").and_then(Value::as_array) {
        workspace.disabled_tools = tools
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect();
    }
    let warning = match why {
        WorkspaceError::Corrupt { field, message, .. } => format!(
            "{}: corrupt workspace ({field}: {message}); opened read-only, showing what could be read",
            path.display()
        ),
        _ => format!(
            "{}: written by a newer budgie; opened read-only, showing only what this version understands",
            path.display()
        ),
    };
    Ok(Decoded {
        workspace,
        warnings: vec![warning],
    })
}

/// The sha256 of a decoded workspace's canonical form: used to tell whether a draft changed.
pub fn fingerprint(workspace: &Workspace) -> String {
    crate::bytes::sha256_hex(encode(workspace).as_bytes())
}
