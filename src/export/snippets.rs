//! curl, Python and TypeScript snippets. Bodies are written as data literals generated from
//! the JSON (never by pasting strings into code), so any text — quotes, backslashes,
//! newlines, non-ASCII — stays valid in every language.

use serde_json::{Map, Value};

use super::{Body, body_value};
use crate::request::Request;

const VERSION_HEADER: &str = "anthropic-version: 2023-06-01";

fn path(body: Body) -> &'static str {
    match body {
        Body::Count => "/v1/messages/count_tokens",
        Body::Create => "/v1/messages",
    }
}

/// The body a snippet sends (for create, with `max_tokens` filled in when missing).
fn snippet_body(request: &Request, body: Body) -> Value {
    body_value(request, body)
}

/// A curl command. `heredoc`: body in a quoted heredoc (no shell expansion inside);
/// otherwise one single-quoted argument.
pub fn curl(request: &Request, body: Body, heredoc: bool) -> String {
    let value = snippet_body(request, body);
    let mut out = format!(
        "curl \"${{ANTHROPIC_BASE_URL:-https://api.anthropic.com}}{}\" \\\n  \
         --header \"x-api-key: $ANTHROPIC_API_KEY\" \\\n  \
         --header \"{VERSION_HEADER}\" \\\n  \
         --header \"content-type: application/json\" \\\n",
        path(body)
    );
    if heredoc {
        let json = serde_json::to_string_pretty(&value).unwrap_or_default();
        let mut delimiter = String::from("BUDGIE_JSON");
        while json.lines().any(|l| l == delimiter) {
            delimiter.push('_');
        }
        out.push_str(&format!(
            "  --data-binary @- <<'{delimiter}'\n{json}\n{delimiter}\n"
        ));
    } else {
        let json = serde_json::to_string(&value).unwrap_or_default();
        out.push_str(&format!("  --data-binary {}\n", shell_single_quote(&json)));
    }
    out
}

/// `'…'` with each `'` written as `'\''`.
pub fn shell_single_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Top-level parameters every recent Python SDK takes by name; the rest (output_config,
/// cache_control, fields newer than the installed SDK…) goes in `extra_body`, which the SDK
/// merges into the body, so the call never fails on an unknown keyword.
const PY_COUNT_PARAMS: &[&str] = &[
    "model",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
];
/// Long-standing `messages.create` parameters; newer ones go through `extra_body`.
const PY_CREATE_ONLY_PARAMS: &[&str] = &[
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "stream",
    "metadata",
    "service_tier",
];

/// A Python SDK snippet (`pip install anthropic`).
pub fn python(request: &Request, body: Body) -> String {
    let Value::Object(map) = snippet_body(request, body) else {
        return String::new();
    };
    let (known, extra): (Map<String, Value>, Map<String, Value>) =
        map.into_iter().partition(|(k, _)| {
            PY_COUNT_PARAMS.contains(&k.as_str())
                || (body == Body::Create && PY_CREATE_ONLY_PARAMS.contains(&k.as_str()))
        });
    let (method, result) = match body {
        Body::Count => ("count_tokens", "print(response.input_tokens)"),
        Body::Create => ("create", "print(response.usage)"),
    };
    let mut out = String::from(
        "import os\n\nimport anthropic\n\n\
         client = anthropic.Anthropic(api_key=os.environ[\"ANTHROPIC_API_KEY\"])\n\n",
    );
    out.push_str(&format!("response = client.messages.{method}(\n"));
    out.push_str(&format!(
        "    **{},\n",
        py_literal(&Value::Object(known), 1)
    ));
    if !extra.is_empty() {
        out.push_str(&format!(
            "    extra_body={},\n",
            py_literal(&Value::Object(extra), 1)
        ));
    }
    out.push_str(&format!(")\n{result}\n"));
    out
}

/// A Python literal for a JSON value, indented by `level` × 4 spaces. JSON string escapes
/// are all valid in Python string literals, so strings reuse serde_json's quoting.
pub fn py_literal(value: &Value, level: usize) -> String {
    let pad = "    ".repeat(level + 1);
    let close = "    ".repeat(level);
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|v| format!("{pad}{}", py_literal(v, level + 1)))
                .collect();
            format!("[\n{},\n{close}]", inner.join(",\n"))
        }
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{pad}{}: {}",
                        serde_json::to_string(k).unwrap_or_default(),
                        py_literal(v, level + 1)
                    )
                })
                .collect();
            format!("{{\n{},\n{close}}}", inner.join(",\n"))
        }
    }
}

/// A TypeScript SDK snippet (`npm install @anthropic-ai/sdk`). The body is a JSON literal
/// (valid JavaScript) with a double type assertion, so fields the SDK's types do not list
/// yet still compile.
pub fn typescript(request: &Request, body: Body) -> String {
    let value = snippet_body(request, body);
    let json = serde_json::to_string_pretty(&value)
        .unwrap_or_default()
        // U+2028/2029 are valid in JSON strings; escape them for older JavaScript parsers.
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    let (method, params, result) = match body {
        Body::Count => (
            "countTokens",
            "Anthropic.MessageCountTokensParams",
            "console.log(response.input_tokens);",
        ),
        Body::Create => (
            "create",
            "Anthropic.MessageCreateParamsNonStreaming",
            "console.log(response.usage);",
        ),
    };
    format!(
        "import Anthropic from \"@anthropic-ai/sdk\";\n\n\
         const client = new Anthropic({{ apiKey: process.env.ANTHROPIC_API_KEY }});\n\n\
         // `as unknown as`: the body may hold fields newer than the SDK's types.\n\
         const response = await client.messages.{method}({json} as unknown as {params});\n{result}\n"
    )
}
