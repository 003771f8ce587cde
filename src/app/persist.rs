//! Workspace JSON in and out, for the workbench.
//!
//! REPLACE ON MERGE: a minimal reader/writer of the format documented in
//! `src/workspace/mod.rs` (version 1), kept here only until the workspace module's own
//! load/save lands; swap these functions for it. Request JSON (a bare Messages API body) is
//! accepted too and opens as a new workspace.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::request::{self, Request};
use crate::workspace::Workspace;

pub const EXAMPLE: &str = include_str!("../../assets/example.budgie.json");

/// The example workspace shipped with budgie.
pub fn example() -> Workspace {
    // The asset is ours and checked by a test.
    from_json(EXAMPLE).unwrap_or_else(|_| {
        Workspace::from_request(Request::single_text(crate::config::DEFAULT_MODEL, ""))
    })
}

/// Read a workspace file or a bare request body.
pub fn from_json(text: &str) -> Result<Workspace, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "malformed JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let Value::Object(mut map) = value else {
        return Err("expected a JSON object (a workspace or a request)".into());
    };
    if !map.contains_key("budgie_workspace") {
        let request = request::from_value(Value::Object(map)).map_err(|e| e.to_string())?;
        return Ok(Workspace::from_request(request));
    }
    match map.get("budgie_workspace").and_then(Value::as_u64) {
        Some(1) => {}
        other => {
            return Err(format!(
                "budgie_workspace: unsupported version {}",
                other.map_or("(not a number)".to_string(), |v| v.to_string())
            ));
        }
    }
    let request = map
        .remove("request")
        .ok_or_else(|| "request: missing".to_string())?;
    let request = request::from_value(request).map_err(|e| format!("request.{e}"))?;
    let budget = match map.get("budget") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| "budget: must be a whole number of tokens".to_string())?,
        ),
    };
    let notes = map
        .get("notes")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let disabled_tools: BTreeSet<String> = map
        .get("disabled_tools")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(Workspace {
        request,
        budget,
        notes,
        disabled_tools,
    })
}

/// The workspace file's text (format version 1).
pub fn to_json(ws: &Workspace) -> String {
    let mut map = Map::new();
    map.insert("budgie_workspace".into(), Value::from(1));
    map.insert(
        "request".into(),
        serde_json::to_value(&ws.request).unwrap_or(Value::Null),
    );
    if let Some(b) = ws.budget {
        map.insert("budget".into(), Value::from(b));
    }
    if !ws.notes.is_empty() {
        map.insert("notes".into(), Value::from(ws.notes.clone()));
    }
    if !ws.disabled_tools.is_empty() {
        map.insert(
            "disabled_tools".into(),
            Value::from(ws.disabled_tools.iter().cloned().collect::<Vec<_>>()),
        );
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default();
    text.push('\n');
    text
}

/// The request as it would be sent (disabled parts left out, annotations stripped).
pub fn request_json(ws: &Workspace) -> String {
    let mut text = serde_json::to_string_pretty(&ws.to_request()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Content, ContentBlock};

    #[test]
    fn the_example_has_a_system_prompt_turns_a_tool_and_an_image() {
        let ws = from_json(EXAMPLE).expect("the example parses");
        assert!(ws.request.system.is_some());
        assert!(ws.request.messages.len() >= 2);
        let tools = ws.request.tools.as_ref().expect("tools");
        assert_eq!(tools[0].name, "get_weather");
        let has_png = ws.request.messages.iter().any(|m| match &m.content {
            Content::Blocks(b) => b.iter().any(|b| matches!(b, ContentBlock::Image(_))),
            Content::Text(_) => false,
        });
        assert!(has_png);
    }

    #[test]
    fn a_workspace_survives_a_round_trip() {
        let mut ws = from_json(EXAMPLE).expect("example");
        ws.disabled_tools.insert("get_weather".into());
        ws.budget = Some(1234);
        let back = from_json(&to_json(&ws)).expect("reads back");
        assert_eq!(back, ws);
    }

    #[test]
    fn a_bare_request_opens_too() {
        let ws = from_json(r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
            .expect("request");
        assert_eq!(ws.request.model, "m");
        assert_eq!(ws.budget, None);
    }

    #[test]
    fn errors_say_where() {
        let e = from_json(r#"{"budgie_workspace":1,"request":{"model":"m"}}"#).expect_err("bad");
        assert!(e.contains("messages"), "{e}");
        let e = from_json("{\n oops").expect_err("bad");
        assert!(e.contains("line 2"), "{e}");
    }
}
