//! The text the API turns a request's structure into before counting it.
//!
//! Recorded API traffic (see `scripts/fit-structure.py`) is explained exactly when tool
//! definitions, tool calls, tool results and output schemas are counted as the text below:
//!
//! - a tool definition is `<function>{"description": …, "name": …, "parameters": …}</function>`,
//!   the JSON as Python's `json.dumps(…, sort_keys=True)` writes it (", " and ": ", non-ASCII
//!   escaped), one line per tool;
//! - a run of tool calls is the `function_calls` block Claude writes, in the `antml`
//!   namespace, with string parameters as they are and other values as JSON;
//! - a run of tool results is their contents inside `<function_results>…</function_results>`;
//! - an output schema is the schema as `json.dumps(…, indent=2)` writes it, keys in order.
//!
//! The constants around these texts live in assets/models.json.

use serde_json::Value;

use crate::request::{ContentBlock, Tool, ToolResultBlock, ToolResultContent, ToolUseBlock};

/// The XML namespace of Claude's tool-call tags.
const NS: &str = "antml:";

/// The tools' definitions, one `<function>` line each (custom tools only).
pub fn tool_definitions<'a>(tools: impl IntoIterator<Item = &'a Tool>) -> String {
    let mut out = String::new();
    for tool in tools {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str("<function>");
        let mut fields = serde_json::Map::new();
        if let Some(d) = &tool.description {
            fields.insert("description".into(), Value::String(d.clone()));
        }
        fields.insert("name".into(), Value::String(tool.name.clone()));
        fields.insert(
            "parameters".into(),
            tool.input_schema.clone().unwrap_or(Value::Null),
        );
        write_json(&mut out, &Value::Object(fields), &PY_SORTED_ASCII, 0);
        out.push_str("</function>");
    }
    out
}

/// One assistant turn's run of consecutive tool calls.
pub fn tool_calls(calls: &[&ToolUseBlock]) -> String {
    let mut out = format!("<{NS}function_calls>\n");
    for call in calls {
        out.push_str(&format!("<{NS}invoke name=\"{}\">\n", call.name));
        if let Value::Object(params) = &call.input {
            for (name, value) in params {
                out.push_str(&format!("<{NS}parameter name=\"{name}\">"));
                match value {
                    Value::String(s) => out.push_str(s),
                    other => write_json(&mut out, other, &PY_PLAIN, 0),
                }
                out.push_str(&format!("</{NS}parameter>\n"));
            }
        }
        out.push_str(&format!("</{NS}invoke>\n"));
    }
    out.push_str(&format!("</{NS}function_calls>"));
    out
}

/// One user turn's run of consecutive tool results (their texts; images inside a result are
/// counted as images).
pub fn tool_results(results: &[&ToolResultBlock]) -> String {
    let mut out = String::from("<function_results>");
    for result in results {
        out.push_str(&result_text(result));
    }
    out.push_str("</function_results>");
    out
}

/// The text of one tool result: a string as it is, text blocks joined by newlines.
pub fn result_text(result: &ToolResultBlock) -> String {
    match &result.content {
        None => String::new(),
        Some(ToolResultContent::Text(t)) => t.clone(),
        Some(ToolResultContent::Blocks(blocks)) => blocks
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text(t) => Some(t.text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// An output schema as the output-format instructions hold it.
pub fn output_schema(schema: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, schema, &PY_INDENTED_ASCII, 0);
    out
}

/// How Python's `json.dumps` was called.
struct PyJson {
    sort_keys: bool,
    ensure_ascii: bool,
    indent: Option<usize>,
}

const PY_SORTED_ASCII: PyJson = PyJson {
    sort_keys: true,
    ensure_ascii: true,
    indent: None,
};
const PY_PLAIN: PyJson = PyJson {
    sort_keys: false,
    ensure_ascii: false,
    indent: None,
};
const PY_INDENTED_ASCII: PyJson = PyJson {
    sort_keys: false,
    ensure_ascii: true,
    indent: Some(2),
};

/// `value` as Python's `json.dumps` writes it under `how`.
fn write_json(out: &mut String, value: &Value, how: &PyJson, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s, how.ensure_ascii),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separate(out, how, depth + 1, i == 0);
                write_json(out, item, how, depth + 1);
            }
            close(out, how, depth);
            out.push(']');
        }
        Value::Object(fields) => {
            if fields.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut entries: Vec<(&String, &Value)> = fields.iter().collect();
            if how.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                separate(out, how, depth + 1, i == 0);
                write_string(out, key, how.ensure_ascii);
                out.push_str(": ");
                write_json(out, item, how, depth + 1);
            }
            close(out, how, depth);
            out.push('}');
        }
    }
}

/// What comes before an item: a comma unless it is the first, then a newline and indent (or
/// a space without indent).
fn separate(out: &mut String, how: &PyJson, depth: usize, first: bool) {
    match how.indent {
        Some(width) => {
            if !first {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
        None => {
            if !first {
                out.push_str(", ");
            }
        }
    }
}

fn close(out: &mut String, how: &PyJson, depth: usize) {
    if let Some(width) = how.indent {
        out.push('\n');
        out.push_str(&" ".repeat(width * depth));
    }
}

fn write_string(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ensure_ascii && !(' '..='~').contains(&c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Python writes it: integers as they are, floats as `repr` does (shortest
/// round-trip digits; exponent form below 1e-4 and from 1e16, with a sign and two digits).
fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        out.push_str(&python_float(f));
    } else {
        out.push_str(&n.to_string());
    }
}

fn python_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.25e-5", "1e21", "-3.5e0".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn py(v: Value, how: &PyJson) -> String {
        let mut out = String::new();
        write_json(&mut out, &v, how, 0);
        out
    }

    #[test]
    fn json_is_written_as_python_writes_it() {
        // Expected strings are what CPython 3.11's json.dumps prints for the same values.
        let v = json!({"b": [1, 2.5, null], "a": {"é": "ünï \"q\"\n", "z": true}});
        assert_eq!(
            py(v.clone(), &PY_SORTED_ASCII),
            r#"{"a": {"z": true, "\u00e9": "\u00fcn\u00ef \"q\"\n"}, "b": [1, 2.5, null]}"#
        );
        assert_eq!(
            py(v.clone(), &PY_PLAIN),
            "{\"b\": [1, 2.5, null], \"a\": {\"é\": \"ünï \\\"q\\\"\\n\", \"z\": true}}"
        );
        assert_eq!(
            py(json!({"a": [], "b": {}, "c": [1]}), &PY_INDENTED_ASCII),
            "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1\n  ]\n}"
        );
        assert_eq!(py(json!("😀"), &PY_SORTED_ASCII), r#""\ud83d\ude00""#);
    }

    #[test]
    fn floats_follow_python_repr() {
        for (f, want) in [
            (1.0, "1.0"),
            (2.5, "2.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e16, "1e+16"),
            (123456789012345.0, "123456789012345.0"),
            (-0.5, "-0.5"),
            (1.5e-7, "1.5e-07"),
        ] {
            assert_eq!(python_float(f), want, "{f}");
        }
    }

    #[test]
    fn a_tool_is_one_function_line_with_sorted_keys() {
        let tool: Tool = serde_json::from_value(json!({
            "name": "get_weather",
            "description": "Weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
            "cache_control": {"type": "ephemeral"}
        }))
        .expect("a tool");
        assert_eq!(
            tool_definitions([&tool, &tool]).lines().next(),
            Some(
                r#"<function>{"description": "Weather", "name": "get_weather", "parameters": {"properties": {"city": {"type": "string"}}, "type": "object"}}</function>"#
            )
        );
        assert_eq!(tool_definitions([&tool, &tool]).lines().count(), 2);
    }

    #[test]
    fn tool_calls_keep_strings_and_write_other_values_as_json() {
        let call: ToolUseBlock = serde_json::from_value(json!({
            "id": "t1", "name": "add", "input": {"a": 2, "note": "hi", "xs": [1, 2]}
        }))
        .expect("a call");
        let text = tool_calls(&[&call]);
        assert!(text.contains(&format!("<{NS}parameter name=\"note\">hi</{NS}parameter>")));
        assert!(text.contains(&format!(
            "<{NS}parameter name=\"xs\">[1, 2]</{NS}parameter>"
        )));
        assert!(text.starts_with(&format!("<{NS}function_calls>\n<{NS}invoke name=\"add\">")));
    }
}
