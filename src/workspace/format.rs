//! The on-disk workspace format (version 1, see docs/workspace-format.md) and the detection of
//! everything else budgie can open: a count_tokens body, a messages.create body, or an SDK log
//! line that holds one.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{FORMAT_VERSION, Opened, SourceKind, Workspace};
use crate::input::{InputError, parse_error};
use crate::request::{self, CREATE_ONLY_FIELDS, Request};

/// The top-level key that marks a workspace and carries its format version.
pub const MARKER: &str = "budgie_workspace";

const KNOWN_KEYS: &[&str] = &[MARKER, "request", "budget", "notes", "disabled_tools"];

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
    Value::Object(map)
}

/// The workspace as pretty JSON text with a trailing newline (diff-friendly).
pub fn encode(workspace: &Workspace) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(workspace)).unwrap_or_default();
    text.push('\n');
    text
}

/// Decode any supported text. `path` only names the file in messages.
pub fn decode(path: &Path, text: &str) -> Result<Opened, InputError> {
    if text.trim().is_empty() {
        return Err(InputError::Empty {
            path: path.into(),
            expected: "a workspace or a request JSON",
        });
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(json_error) => {
            // Not one JSON document: maybe a log with a request body in it.
            // A file that starts like a JSON document is one: report its syntax error
            // (line, column) rather than guess. Only JSON lines are looked for in it.
            let looks_like_json = looks_like_json(text);
            if let Some((value, line)) = find_body_in_log(text, !looks_like_json) {
                let mut opened = from_request_value(path, value, SourceKind::LogLine)?;
                opened.warnings.insert(
                    0,
                    format!(
                        "{}: imported the request body found on line {line} of a log",
                        path.display()
                    ),
                );
                return Ok(opened);
            }
            if !text.trim_start().starts_with(['{', '[']) {
                return Err(InputError::NotARequest {
                    path: path.into(),
                    hint: "it is not JSON (a request starts with `{`) and no request body was found in it as a log",
                });
            }
            return Err(InputError::Json {
                path: path.into(),
                line: json_error.line(),
                column: json_error.column(),
                message: strip_position(&json_error.to_string()),
            });
        }
    };
    decode_value(path, value)
}

/// Starts like a JSON object document. (Not `[`: log lines such as `[2026-11-21 10:00]` or
/// `[log_1a2b] sending request {` start with it too, and a request is never an array.)
fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// serde's type names in words a user reads.
fn plain_serde_message(message: &str) -> String {
    message
        .replace("expected u64", "expected a whole number (0 or more)")
        .replace("expected u32", "expected a whole number (0 or more)")
        .replace("expected a sequence", "expected a list")
        .replace("expected a map", "expected an object")
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Decode an already-parsed JSON value.
pub fn decode_value(path: &Path, value: Value) -> Result<Opened, InputError> {
    let Value::Object(map) = value else {
        return Err(InputError::NotARequest {
            path: path.into(),
            hint: "the file holds JSON that is not an object",
        });
    };
    if let Some(version) = map.get(MARKER) {
        return decode_workspace(path, version.clone(), map);
    }
    if map.contains_key("messages") {
        return from_request_value(path, Value::Object(map), SourceKind::Request);
    }
    if let Some(inner) = wrapped_body(&map) {
        let mut opened = from_request_value(path, inner, SourceKind::LogLine)?;
        opened.warnings.insert(
            0,
            format!(
                "{}: imported the request body nested in the file",
                path.display()
            ),
        );
        return Ok(opened);
    }
    Err(InputError::NotARequest {
        path: path.into(),
        hint: "a request needs at least `model` and `messages`",
    })
}

fn decode_workspace(
    path: &Path,
    version: Value,
    map: Map<String, Value>,
) -> Result<Opened, InputError> {
    let Some(version) = version.as_u64() else {
        return Err(InputError::Corrupt {
            path: path.into(),
            field: MARKER.into(),
            message: format!(
                "the format version must be a whole number, not {}",
                crate::input::json_kind(&version)
            ),
        });
    };
    if version > FORMAT_VERSION {
        return Err(InputError::NewerFormat {
            path: path.into(),
            version,
        });
    }
    if version == 0 {
        return Err(InputError::Corrupt {
            path: path.into(),
            field: MARKER.into(),
            message: "format version 0 does not exist".into(),
        });
    }
    let unknown: Vec<String> = map
        .keys()
        .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
        .map(|k| format!("`{k}`"))
        .collect();
    let file: WorkspaceFile =
        serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
            let field = e.path().to_string();
            InputError::Corrupt {
                path: path.into(),
                field: if field == "." {
                    "workspace".into()
                } else {
                    field
                },
                message: plain_serde_message(&e.into_inner().to_string()),
            }
        })?;
    Ok(Opened {
        workspace: Workspace {
            request: file.request,
            budget: file.budget,
            notes: file.notes,
            disabled_tools: file.disabled_tools,
        },
        read_only: false,
        warnings: if unknown.is_empty() {
            Vec::new()
        } else {
            vec![format!(
                "{}: ignored unknown workspace fields {} (they will not be saved back)",
                path.display(),
                unknown.join(", ")
            )]
        },
        kind: SourceKind::Workspace,
        path: None,
    })
}

/// Read what can be read of a workspace from a newer budgie: its `request`, `budget` and
/// `notes`, ignoring everything else. For opening read-only; the file is never written.
pub fn decode_newer_leniently(path: &Path, text: &str) -> Result<Opened, InputError> {
    let value: Value = serde_json::from_str(text).map_err(|e| InputError::Json {
        path: path.into(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let request = value.get("request").cloned().ok_or(InputError::Corrupt {
        path: path.into(),
        field: "request".into(),
        message: "missing".into(),
    })?;
    let request = request::from_value(request).map_err(|e| parse_error(path, e))?;
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
    Ok(Opened {
        workspace,
        read_only: true,
        warnings: vec![format!(
            "{}: written by a newer budgie; opened read-only, showing only what this version understands",
            path.display()
        )],
        kind: SourceKind::Workspace,
        path: None,
    })
}

fn from_request_value(path: &Path, value: Value, kind: SourceKind) -> Result<Opened, InputError> {
    let request = request::from_value(value).map_err(|e| parse_error(path, e))?;
    let mut warnings = Vec::new();
    let kept: Vec<&str> = CREATE_ONLY_FIELDS
        .iter()
        .copied()
        .filter(|f| request.extra.contains_key(*f))
        .collect();
    let kind = if kept.is_empty() || kind != SourceKind::Request {
        kind
    } else {
        SourceKind::CreateBody
    };
    if !kept.is_empty() {
        warnings.push(format!(
            "{}: a messages.create body; kept {} for export but not sent to count_tokens",
            path.display(),
            kept.join(", ")
        ));
    }
    Ok(Opened {
        workspace: Workspace::from_request(request),
        read_only: false,
        warnings,
        kind,
        path: None,
    })
}

/// Keys under which logs and tools nest the request body: the Python SDK's `json_data`, the
/// TypeScript SDK's `options.body`, and the common `body`, `request`, `params`, `json`.
const BODY_KEYS: &[&str] = &[
    "json_data",
    "body",
    "request",
    "params",
    "json",
    "data",
    "options",
];

fn wrapped_body(map: &Map<String, Value>) -> Option<Value> {
    for key in BODY_KEYS {
        match map.get(*key) {
            Some(Value::Object(inner)) if inner.contains_key("messages") => {
                return Some(Value::Object(inner.clone()));
            }
            Some(Value::Object(inner)) => {
                if let Some(found) = wrapped_body(inner) {
                    return Some(found);
                }
            }
            // A body logged as a JSON string.
            Some(Value::String(s)) if s.contains("\"messages\"") => {
                if let Ok(Value::Object(inner)) = serde_json::from_str::<Value>(s)
                    && inner.contains_key("messages")
                {
                    return Some(Value::Object(inner));
                }
            }
            _ => {}
        }
    }
    None
}

const MAX_CANDIDATES_PER_LINE: usize = 16;

/// Find a request body in log text: the first line holding a JSON object (or a Python dict
/// repr, as the Python SDK's debug log prints `Request options: {...}`) that is a request or
/// wraps one. Returns the body and its 1-based line number.
pub fn find_body_in_log(text: &str, lenient: bool) -> Option<(Value, usize)> {
    for (i, line) in text.lines().enumerate() {
        if !line.contains("messages") {
            continue;
        }
        if !lenient {
            // JSON lines: each line a whole JSON object.
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(line)
                && let Some(body) = body_in(map)
            {
                return Some((body, i + 1));
            }
            continue;
        }
        // A few candidates per line: each attempt may scan to the end of the line.
        for (start, _) in line.match_indices('{').take(MAX_CANDIDATES_PER_LINE) {
            if let Some(body) = body_at(&line[start..]) {
                return Some((body, i + 1));
            }
        }
    }
    if !lenient {
        return None;
    }
    // Bodies printed over several lines: pretty JSON, or the TypeScript SDK's debug log
    // (`sending request { method: 'post', …, body: { … } }`, JavaScript object notation).
    for (start, _) in text.match_indices('{').take(MAX_MULTILINE_CANDIDATES) {
        if let Some(body) = body_at(&text[start..]) {
            return Some((body, 1 + text[..start].matches('\n').count()));
        }
    }
    None
}

const MAX_MULTILINE_CANDIDATES: usize = 64;

/// Stands for JavaScript's `undefined` while converting (a string no log would hold).
const UNDEFINED: &str = "\u{0}budgie:undefined\u{0}";

/// Remove keys whose value was `undefined` (absent, in JavaScript); in arrays it is null.
fn drop_undefined(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| v.as_str() != Some(UNDEFINED))
                .map(|(k, v)| (k, drop_undefined(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| {
                    if v.as_str() == Some(UNDEFINED) {
                        Value::Null
                    } else {
                        drop_undefined(v)
                    }
                })
                .collect(),
        ),
        other => other,
    }
}

/// The request body at the start of `candidate` (JSON, or a Python/JavaScript literal), if
/// it is one or wraps one.
fn body_at(candidate: &str) -> Option<Value> {
    let value = first_json_value(candidate).or_else(|| {
        python_repr_to_json(candidate)
            .and_then(|j| first_json_value(&j))
            .map(drop_undefined)
    });
    let Some(Value::Object(map)) = value else {
        return None;
    };
    body_in(map)
}

/// The object itself if it is a request, else the request it wraps.
fn body_in(map: Map<String, Value>) -> Option<Value> {
    if map.contains_key("messages") && map.contains_key("model") {
        return Some(Value::Object(map));
    }
    wrapped_body(&map)
}

/// The first JSON value at the start of `text`, ignoring whatever follows it.
fn first_json_value(text: &str) -> Option<Value> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    stream.next()?.ok()
}

/// Rewrite a Python literal (dicts, lists, strings in either quote, True/False/None, numbers)
/// or a JavaScript object as Node prints it (unquoted keys, single quotes, undefined) as
/// JSON. Returns None on anything else (a call, a set, `[Object]`…), so it never guesses.
pub fn python_repr_to_json(text: &str) -> Option<String> {
    // Byte-indexed: every character outside strings is ASCII, so no copy of the text into
    // chars is needed (logs can be large).
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut depth = 0i32;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' => {
                let (s, end) = read_quoted(text, i)?;
                out.push_str(&serde_json::to_string(&s).ok()?);
                i = end;
                continue;
            }
            b'{' | b'[' => {
                depth += 1;
                out.push(c as char);
            }
            b'}' | b']' => {
                depth -= 1;
                out.push(c as char);
                if depth == 0 {
                    return Some(out);
                }
            }
            b':' | b',' | b' ' | b'\t' => out.push(c as char),
            b'\n' | b'\r' => out.push(' '),
            c if c.is_ascii_digit() || c == b'-' || c == b'.' || c == b'+' => out.push(c as char),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$')
                {
                    i += 1;
                }
                let word = &text[start..i];
                let mut next = i;
                while next < b.len() && b[next] == b' ' {
                    next += 1;
                }
                if b.get(next) == Some(&b':') {
                    // An unquoted key, as JavaScript prints objects.
                    out.push_str(&serde_json::to_string(word).ok()?);
                    continue;
                }
                match word {
                    "True" | "true" => out.push_str("true"),
                    "False" | "false" => out.push_str("false"),
                    "None" | "null" => out.push_str("null"),
                    // JavaScript's "absent": marked, then removed by `drop_undefined`.
                    "undefined" => out.push_str(&serde_json::to_string(UNDEFINED).ok()?),
                    // e.g. NOT_GIVEN sentinels in the SDK's repr: not JSON, give up.
                    _ => return None,
                }
                continue;
            }
            _ => return None,
        }
        i += 1;
    }
    None
}

/// The string literal starting at byte `start` (its quote), unescaped, and the byte index
/// just after its closing quote.
fn read_quoted(text: &str, start: usize) -> Option<(String, usize)> {
    let quote = text[start..].chars().next()?;
    let body = start + quote.len_utf8();
    let mut s = String::new();
    let mut chars = text[body..].char_indices();
    while let Some((offset, c)) = chars.next() {
        if c == quote {
            return Some((s, body + offset + c.len_utf8()));
        }
        if c != '\\' {
            s.push(c);
            continue;
        }
        let (escape_at, e) = chars.next()?;
        match e {
            'n' => s.push('\n'),
            't' => s.push('\t'),
            'r' => s.push('\r'),
            '0' => s.push('\0'),
            '\\' | '\'' | '"' | '`' => s.push(e),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let from = body + escape_at + 1;
                let hex = text.get(from..from + n)?;
                s.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                for _ in 0..n {
                    chars.next();
                }
            }
            other => {
                s.push('\\');
                s.push(other);
            }
        }
    }
    None
}

/// The sha256 of a decoded workspace's canonical form: used to tell whether a draft changed.
pub fn fingerprint(workspace: &Workspace) -> String {
    crate::bytes::sha256_hex(encode(workspace).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr_becomes_json() {
        let json = python_repr_to_json(
            "{'model': 'm', 'stream': False, 'x': None, 'messages': [{'role': 'user', 'content': \"it's\"}]} trailing",
        )
        .expect("converts");
        let v: Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["messages"][0]["content"], "it's");
        assert_eq!(v["stream"], false);
        assert!(v["x"].is_null());
    }

    #[test]
    fn python_repr_refuses_calls() {
        assert_eq!(python_repr_to_json("{'a': NotGiven()}"), None);
    }
}
