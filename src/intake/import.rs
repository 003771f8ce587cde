//! What a text holds: a budgie workspace, a count_tokens body, a messages.create body, or a
//! log (or a wrapper object) with a request body inside. `path` only names the file in
//! messages.

use std::path::Path;

use serde_json::Value;

use super::InputError;
use super::log::{find_body_in_log, wrapped_body};
use crate::request::{self, CREATE_ONLY_FIELDS};
use crate::workspace::Workspace;
use crate::workspace::format::{self, Decoded};

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

/// A text read as a workspace.
#[derive(Debug, Clone)]
pub struct Imported {
    pub workspace: Workspace,
    pub kind: SourceKind,
    /// Things worth telling the user that did not stop the import.
    pub warnings: Vec<String>,
}

/// Read `text`. `model`, when given, replaces the request's model (and names one for a
/// request that has none).
pub fn import(path: &Path, text: &str, model: Option<&str>) -> Result<Imported, InputError> {
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
                let whence = format!("found on line {line} of a log");
                return nested_body(path, value, model, &whence);
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
                message: request::strip_position(&json_error.to_string()),
            });
        }
    };
    import_value(path, value, model)
}

/// Read what can be read of a workspace budgie may not write: one from a newer budgie or
/// with a damaged field (its `request` must still be readable). Anything else is read as
/// [`import`] reads it.
pub fn import_leniently(path: &Path, text: &str) -> Result<Imported, InputError> {
    match import(path, text, None) {
        Err(InputError::Workspace(why)) if why.can_open_read_only() => {
            let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
                return Err(InputError::Workspace(why));
            };
            let Decoded {
                workspace,
                warnings,
            } = format::decode_leniently(path, &map, &why)?;
            Ok(Imported {
                workspace,
                kind: SourceKind::Workspace,
                warnings,
            })
        }
        other => other,
    }
}

/// Starts like a JSON object document. (Not `[`: log lines such as `[2026-11-21 10:00]` or
/// `[log_1a2b] sending request {` start with it too, and a request is never an array.)
fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// Read an already-parsed JSON value.
pub fn import_value(
    path: &Path,
    value: Value,
    model: Option<&str>,
) -> Result<Imported, InputError> {
    let Value::Object(mut map) = value else {
        return Err(InputError::NotARequest {
            path: path.into(),
            hint: "the file holds JSON that is not an object",
        });
    };
    if format::is_workspace(&map) {
        if let Some(request) = map.get_mut("request") {
            set_model(request, model);
        }
        let Decoded {
            workspace,
            warnings,
        } = format::decode_value(path, map)?;
        return Ok(Imported {
            workspace,
            kind: SourceKind::Workspace,
            warnings,
        });
    }
    if map.contains_key("messages") {
        return from_request_value(path, Value::Object(map), SourceKind::Request, model);
    }
    if let Some(inner) = wrapped_body(&map) {
        return nested_body(path, inner, model, "nested in the file");
    }
    Err(InputError::NotARequest {
        path: path.into(),
        hint: "a request needs at least `model` and `messages`",
    })
}

/// A request body found inside something else (a log, a wrapper object), said so first.
fn nested_body(
    path: &Path,
    body: Value,
    model: Option<&str>,
    whence: &str,
) -> Result<Imported, InputError> {
    let mut imported = from_request_value(path, body, SourceKind::LogLine, model)?;
    imported.warnings.insert(
        0,
        format!("{}: imported the request body {whence}", path.display()),
    );
    Ok(imported)
}

fn set_model(request: &mut Value, model: Option<&str>) {
    if let (Value::Object(map), Some(model)) = (request, model) {
        map.insert("model".into(), Value::from(model));
    }
}

fn from_request_value(
    path: &Path,
    mut value: Value,
    kind: SourceKind,
    model: Option<&str>,
) -> Result<Imported, InputError> {
    set_model(&mut value, model);
    let request = request::from_value(value).map_err(|e| parse_error(path, e))?;
    Ok(imported_request(path, request, kind))
}

/// A parsed request as a workspace; a messages.create body is said to be one.
pub(super) fn imported_request(
    path: &Path,
    request: request::Request,
    kind: SourceKind,
) -> Imported {
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
    Imported {
        workspace: Workspace::from_request(request),
        kind,
        warnings,
    }
}

/// A request that does not parse, as an input error naming the file. A missing model says
/// how to name one.
fn parse_error(path: &Path, e: request::ParseError) -> InputError {
    match e {
        request::ParseError::Syntax {
            line,
            column,
            message,
        } => InputError::Json {
            path: path.into(),
            line,
            column,
            message,
        },
        request::ParseError::Shape {
            path: field,
            message,
        } => {
            let message = if field == "request" && message == "missing field `model`" {
                format!("{message}: name one in the file, or pass --model")
            } else {
                message
            };
            InputError::Shape {
                path: path.into(),
                field,
                message,
            }
        }
    }
}
