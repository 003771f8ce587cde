//! Property tests: import → export → import keeps every field, known or not, in every body
//! and snippet form that carries JSON; and a batch of generated requests survives the Python
//! literal form (checked by Python itself).

use budgie::export::{self, Body, Format};
use budgie::workspace::{Workspace, format};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Any JSON value (for unknown fields), a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e15f64..1e15).prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Unknown keys that cannot collide with a field budgie models.
fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("x_[a-z_]{1,8}", any_json(), 0..3)
        .prop_map(|m| m.into_iter().collect())
}

fn with(mut base: Map<String, Value>, extra: Map<String, Value>) -> Value {
    base.extend(extra);
    Value::Object(base)
}

fn block() -> impl Strategy<Value = Value> {
    prop_oneof![
        (any::<String>(), unknown_fields()).prop_map(|(t, x)| {
            with(json!({"type": "text", "text": t}).as_object().unwrap().clone(), x)
        }),
        ("[A-Za-z0-9+/]{0,40}", unknown_fields()).prop_map(|(d, x)| {
            with(
                json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": d}})
                    .as_object()
                    .unwrap()
                    .clone(),
                x,
            )
        }),
        ("[a-z_]{1,10}", any_json(), unknown_fields()).prop_map(|(n, input, x)| {
            with(
                json!({"type": "tool_use", "id": "toolu_1", "name": n, "input": input})
                    .as_object()
                    .unwrap()
                    .clone(),
                x,
            )
        }),
        (any::<String>(), any::<bool>()).prop_map(|(c, e)| {
            json!({"type": "tool_result", "tool_use_id": "toolu_1", "content": c, "is_error": e})
        }),
        // A block type budgie does not know yet, kept whole.
        ("future_[a-z]{1,6}", any_json()).prop_map(|(t, p)| json!({"type": t, "payload": p})),
    ]
}

fn message() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("user"), Just("assistant")],
        prop_oneof![
            any::<String>().prop_map(Value::from),
            prop::collection::vec(block(), 0..4).prop_map(Value::from),
        ],
        unknown_fields(),
    )
        .prop_map(|(role, content, x)| {
            with(
                json!({"role": role, "content": content})
                    .as_object()
                    .unwrap()
                    .clone(),
                x,
            )
        })
}

/// A request body: known fields, optional create-only fields, unknown fields anywhere.
fn request_value() -> impl Strategy<Value = Value> {
    (
        "[a-z0-9-]{1,20}",
        prop::option::of(prop_oneof![
            any::<String>().prop_map(Value::from),
            prop::collection::vec(any::<String>(), 0..3).prop_map(|ts| {
                Value::from(
                    ts.into_iter()
                        .map(|t| json!({"type": "text", "text": t}))
                        .collect::<Vec<_>>(),
                )
            }),
        ]),
        prop::collection::vec(message(), 0..4),
        prop::option::of(1u64..100_000),
        prop::option::of((0u32..=100).prop_map(|t| t as f64 / 100.0)),
        prop::option::of(prop::collection::vec(
            ("[a-zA-Z0-9_-]{1,20}", unknown_fields()),
            0..3,
        )),
        unknown_fields(),
    )
        .prop_map(
            |(model, system, messages, max_tokens, temperature, tools, x)| {
                let mut m = Map::new();
                m.insert("model".into(), Value::from(model));
                if let Some(s) = system {
                    m.insert("system".into(), s);
                }
                m.insert("messages".into(), Value::from(messages));
                if let Some(t) = max_tokens {
                    m.insert("max_tokens".into(), Value::from(t));
                }
                if let Some(t) = temperature {
                    m.insert("temperature".into(), json!(t));
                }
                if let Some(tools) = tools {
                    let tools: Vec<Value> = tools
                        .into_iter()
                        .map(|(name, tx)| {
                            with(
                                json!({"name": name, "input_schema": {"type": "object"}})
                                    .as_object()
                                    .unwrap()
                                    .clone(),
                                tx,
                            )
                        })
                        .collect();
                    m.insert("tools".into(), Value::from(tools));
                }
                with(m, x)
            },
        )
}

fn count_body(value: &Value) -> Value {
    let mut v = value.clone();
    for f in budgie::request::CREATE_ONLY_FIELDS {
        v.as_object_mut().unwrap().remove(*f);
    }
    v
}

/// The body of a heredoc curl snippet: the lines between the delimiter lines.
fn heredoc_body(snippet: &str) -> String {
    let start = snippet.find("<<'").unwrap() + 3;
    let end = start + snippet[start..].find('\'').unwrap();
    let delimiter = &snippet[start..end];
    let lines: Vec<&str> = snippet.lines().collect();
    let open = lines
        .iter()
        .position(|l| l.ends_with(&format!("<<'{delimiter}'")))
        .unwrap();
    let close = open
        + 1
        + lines[open + 1..]
            .iter()
            .position(|l| *l == delimiter)
            .unwrap();
    lines[open + 1..close].join("\n")
}

/// Undo POSIX single quoting: `'…'` with `'\''` for each quote.
fn shell_unquote(arg: &str) -> String {
    arg.strip_prefix('\'')
        .and_then(|a| a.strip_suffix('\''))
        .unwrap()
        .replace(r"'\''", "'")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn import_export_import_keeps_every_field(value in request_value()) {
        let text = value.to_string();
        let request = export::import(&text).unwrap();
        let exported: Value = serde_json::from_str(&export::json(&request, Body::Create)).unwrap();
        // Every field kept; messages.create's required max_tokens added when missing.
        let mut expected = value.clone();
        expected
            .as_object_mut()
            .unwrap()
            .entry("max_tokens")
            .or_insert(Value::from(export::default_max_tokens(&request)));
        prop_assert_eq!(&exported, &expected);
        let again = export::import(&export::json(&request, Body::Create)).unwrap();
        prop_assert_eq!(&again, &export::import(&expected.to_string()).unwrap());
        let counted: Value = serde_json::from_str(&export::json(&request, Body::Count)).unwrap();
        prop_assert_eq!(counted, count_body(&value));
    }

    #[test]
    fn workspace_round_trip_keeps_every_field(value in request_value(), budget in prop::option::of(1u64..10_000_000), notes in any::<String>()) {
        let request = export::import(&value.to_string()).unwrap();
        let mut ws = Workspace::from_request(request);
        ws.budget = budget;
        ws.notes = notes;
        let text = format::encode(&ws);
        let back = budgie::intake::import::import(std::path::Path::new("w"), &text, None)
            .unwrap()
            .workspace;
        prop_assert_eq!(&back, &ws);
        prop_assert_eq!(serde_json::to_value(&back.request).unwrap(), value);
    }

    #[test]
    fn curl_bodies_are_the_json_body(value in request_value()) {
        let request = export::import(&value.to_string()).unwrap();
        let heredoc = export::export(&request, Body::Count, Format::CurlHeredoc);
        let body: Value = serde_json::from_str(&heredoc_body(&heredoc)).unwrap();
        prop_assert_eq!(body, count_body(&value));
        let inline = export::export(&request, Body::Count, Format::CurlInline);
        let arg = inline.lines().last().unwrap().trim().strip_prefix("--data-binary ").unwrap();
        let body: Value = serde_json::from_str(&shell_unquote(arg)).unwrap();
        prop_assert_eq!(body, count_body(&value));
    }
}

/// 64 generated requests as Python literals in one file; Python evaluates each with
/// `ast.literal_eval` and prints it as JSON, which must equal the original.
#[test]
fn python_literals_evaluate_to_the_body() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let values: Vec<Value> = (0..64)
        .map(|_| request_value().new_tree(&mut runner).unwrap().current())
        .collect();
    let mut script = String::from("import ast, json\nliterals = [\n");
    for v in &values {
        let literal = budgie::export::snippets::py_literal(v, 0);
        script.push_str(&format!(
            "    {},\n",
            budgie::export::snippets::py_literal(&Value::from(literal), 0)
        ));
    }
    script.push_str("]\nfor text in literals:\n    print(json.dumps(ast.literal_eval(text)))\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("literals.py");
    std::fs::write(&file, script).unwrap();
    let out = std::process::Command::new("python3")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let back: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back.len(), values.len());
    for (got, want) in back.iter().zip(&values) {
        assert_eq!(got, want);
    }
}
