//! Request bodies found in other programs' output: JSON lines, the Python SDK's debug log
//! (`Request options: {...}`, a Python dict), the TypeScript SDK's (`sending request {…}`,
//! JavaScript object notation), and bodies nested in wrapper objects (`json_data`, `body`…).

use serde_json::{Map, Value};

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

pub(super) fn wrapped_body(map: &Map<String, Value>) -> Option<Value> {
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
