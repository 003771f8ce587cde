//! Tool definitions typed or loaded by the user: JSON and schema checks with messages that
//! say what and where.

use serde_json::Value;

use crate::request::Tool;
use crate::workspace::Workspace;

/// What the tool editor starts with.
pub const TEMPLATE: &str = r#"{
  "name": "my_tool",
  "description": "What the tool does and when to use it",
  "input_schema": {
    "type": "object",
    "properties": {
      "query": { "type": "string", "description": "What to look up" }
    },
    "required": ["query"]
  }
}"#;

/// Check one tool definition; Ok with the tool when it can be added to `ws` (in place of
/// the tool at `replacing`, whose name it may keep).
pub fn check(text: &str, ws: &Workspace, replacing: Option<usize>) -> Result<Tool, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
    check_value(value, ws, "", replacing)
}

/// A file holds one tool, a list of tools, or a request with `tools`.
pub fn parse_tools(text: &str, ws: &Workspace) -> Result<Vec<Tool>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "malformed JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let list = match value {
        Value::Array(list) => list,
        Value::Object(mut map) if map.contains_key("tools") && !map.contains_key("name") => {
            match map.remove("tools") {
                Some(Value::Array(list)) => list,
                _ => return Err("tools: must be a list".into()),
            }
        }
        other => vec![other],
    };
    let mut out: Vec<Tool> = Vec::new();
    for (i, value) in list.into_iter().enumerate() {
        let tool = check_value(value, ws, &format!("[{i}]."), None)?;
        if out.iter().any(|t| t.name == tool.name) {
            return Err(format!("[{i}].name: `{}` appears twice", tool.name));
        }
        out.push(tool);
    }
    if out.is_empty() {
        return Err("no tool definitions in the file".into());
    }
    Ok(out)
}

fn check_value(
    value: Value,
    ws: &Workspace,
    at: &str,
    replacing: Option<usize>,
) -> Result<Tool, String> {
    let Value::Object(map) = &value else {
        return Err(format!("{}must be a JSON object", prefix(at)));
    };
    let name = match map.get("name") {
        Some(Value::String(n)) => n.clone(),
        Some(_) => return Err(format!("{at}name: must be a string")),
        None => return Err(format!("{at}name: missing")),
    };
    if !crate::request::validate::valid_tool_name(&name) {
        return Err(format!(
            "{at}name: `{name}` must be 1–128 letters, digits, _ or -"
        ));
    }
    let custom = matches!(map.get("type"), None | Some(Value::String(_)))
        && map
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "custom");
    if custom {
        match map.get("input_schema") {
            Some(Value::Object(schema)) => {
                if schema.get("type").and_then(Value::as_str) != Some("object") {
                    return Err(format!("{at}input_schema.type: must be \"object\""));
                }
                if let Some(p) = schema.get("properties")
                    && !p.is_object()
                {
                    return Err(format!("{at}input_schema.properties: must be an object"));
                }
                if let Some(r) = schema.get("required")
                    && !r.as_array().is_some_and(|a| a.iter().all(Value::is_string))
                {
                    return Err(format!(
                        "{at}input_schema.required: must be a list of property names"
                    ));
                }
            }
            Some(_) => return Err(format!("{at}input_schema: must be an object")),
            None => return Err(format!("{at}input_schema: missing")),
        }
        if let Some(d) = map.get("description")
            && !d.is_string()
        {
            return Err(format!("{at}description: must be a string"));
        }
    }
    let exists = ws.request.tools.as_ref().is_some_and(|t| {
        t.iter()
            .enumerate()
            .any(|(i, t)| t.name == name && Some(i) != replacing)
    });
    if exists {
        return Err(format!("{at}name: a tool named `{name}` exists already"));
    }
    serde_json::from_value(value).map_err(|e| format!("{}{e}", prefix(at)))
}

/// `at` ("[2]." in a list, "" for the one tool typed) before a message about the whole tool.
fn prefix(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!("{}: ", at.trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;

    fn ws() -> Workspace {
        Workspace::from_request(Request::single_text("m", "hi"))
    }

    #[test]
    fn the_template_is_a_valid_tool() {
        assert_eq!(check(TEMPLATE, &ws(), None).expect("valid").name, "my_tool");
    }

    #[test]
    fn problems_are_named_where_they_are() {
        let e = check(
            r#"{"name":"a b","input_schema":{"type":"object"}}"#,
            &ws(),
            None,
        )
        .expect_err("x");
        assert!(e.starts_with("name:"), "{e}");
        let e = check(
            r#"{"name":"ok","input_schema":{"type":"string"}}"#,
            &ws(),
            None,
        )
        .expect_err("x");
        assert!(e.starts_with("input_schema.type"), "{e}");
        let e = check("{\"name\": ", &ws(), None).expect_err("x");
        assert!(e.starts_with("line 1"), "{e}");
        let e = parse_tools(
            r#"[{"name":"a","input_schema":{"type":"object"}},{"name":"a","input_schema":{"type":"object"}}]"#,
            &ws(),
        )
        .expect_err("dup");
        assert!(e.contains("[1].name"), "{e}");
    }
}
