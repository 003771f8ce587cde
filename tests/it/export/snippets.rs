//! Exported snippets are valid and carry exactly the request: each is run by its real
//! interpreter against a stand-in for the SDK (or curl) that prints what it was given.

use std::path::Path;
use std::process::Command;

use budgie::export::{self, Body, Format};
use budgie::request::Request;
use serde_json::{Value, json};

/// Strings that break naive quoting in shell, Python and JavaScript.
fn tricky() -> (Request, Value) {
    let value = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 256,
        "temperature": 0.7,
        "system": [{"type": "text", "text": "Quotes ' \" ''' \"\"\" and \\ backslash \\", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": "$HOME `id` $(rm -rf /) %s {} \n\tnew line\r\n\u{2028}sep é 日本 🦜"},
            {"role": "assistant", "content": [{"type": "text", "text": "BUDGIE_JSON"}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "EOF\nBUDGIE_JSON\n'"},
                {"type": "future_block", "payload": {"null": null, "float": 1.5e-7, "big": 9007199254740991u64, "neg": -3}}
            ]}
        ],
        "tools": [{"name": "get_weather", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "x_new_api_field": [true, false, null]
    });
    (budgie::request::from_value(value.clone()).unwrap(), value)
}

fn count_body(value: &Value) -> Value {
    let mut v = value.clone();
    for f in budgie::request::CREATE_ONLY_FIELDS {
        v.as_object_mut().unwrap().remove(*f);
    }
    v
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.env("ANTHROPIC_API_KEY", "test-key").output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn json_export_is_the_body() {
    let (request, value) = tricky();
    let create: Value = serde_json::from_str(&export::json(&request, Body::Create)).unwrap();
    assert_eq!(create, value);
    let count: Value = serde_json::from_str(&export::json(&request, Body::Count)).unwrap();
    assert_eq!(count, count_body(&value));
}

/// Run a curl snippet in bash with `curl` replaced by a function that records its arguments
/// and its standard input.
fn run_curl(snippet: &str, dir: &Path) -> (Vec<String>, String) {
    let script = dir.join("snippet.sh");
    std::fs::write(&script, snippet).unwrap();
    let wrapper = format!(
        "curl() {{ printf '%s\\0' \"$@\" > '{d}/args'; if [ \"${{@: -1}}\" = '@-' ] || printf '%s\\n' \"$@\" | grep -qx -- '@-'; then cat > '{d}/stdin'; fi; }}\n. '{s}'\n",
        d = dir.display(),
        s = script.display()
    );
    run(Command::new("bash")
        .arg("-c")
        .arg(wrapper)
        .env_remove("ANTHROPIC_BASE_URL"));
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let args: Vec<String> = args
        .split('\0')
        .filter(|a| !a.is_empty())
        .map(String::from)
        .collect();
    let stdin = std::fs::read_to_string(dir.join("stdin")).unwrap_or_default();
    (args, stdin)
}

#[test]
fn curl_heredoc_sends_the_count_body() {
    let (request, value) = tricky();
    let dir = tempfile::tempdir().unwrap();
    let snippet = export::export(&request, Body::Count, Format::CurlHeredoc);
    assert!(snippet.contains("x-api-key: $ANTHROPIC_API_KEY"));
    let (args, stdin) = run_curl(&snippet, dir.path());
    assert_eq!(
        args[0],
        "https://api.anthropic.com/v1/messages/count_tokens"
    );
    assert!(
        args.contains(&"x-api-key: test-key".to_string()),
        "{args:?}"
    );
    assert!(args.contains(&"anthropic-version: 2023-06-01".to_string()));
    let body: Value = serde_json::from_str(&stdin).unwrap();
    assert_eq!(body, count_body(&value));
}

#[test]
fn curl_inline_sends_the_create_body() {
    let (request, value) = tricky();
    let dir = tempfile::tempdir().unwrap();
    let snippet = export::export(&request, Body::Create, Format::CurlInline);
    let (args, _) = run_curl(&snippet, dir.path());
    assert_eq!(args[0], "https://api.anthropic.com/v1/messages");
    let body: Value = serde_json::from_str(args.last().unwrap()).unwrap();
    assert_eq!(body, value);
}

const FAKE_PYTHON_SDK: &str = r#"
import json
class _Result:
    input_tokens = 0
    usage = {}
class _Messages:
    def _record(self, extra_body=None, **kwargs):
        kwargs.update(extra_body or {})
        print(json.dumps(kwargs))
        return _Result()
    count_tokens = _record
    create = _record
class Anthropic:
    def __init__(self, api_key):
        assert api_key == "test-key"
        self.messages = _Messages()
"#;

#[test]
fn python_snippet_parses_and_passes_the_body() {
    let (request, value) = tricky();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("anthropic.py"), FAKE_PYTHON_SDK).unwrap();
    for (body, expected) in [
        (Body::Count, count_body(&value)),
        (Body::Create, value.clone()),
    ] {
        let snippet = export::export(&request, body, Format::Python);
        assert!(snippet.contains("os.environ[\"ANTHROPIC_API_KEY\"]"));
        let file = dir.path().join("snippet.py");
        std::fs::write(&file, &snippet).unwrap();
        run(Command::new("python3")
            .arg("-c")
            .arg("import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read())")
            .arg(&file));
        let out = run(Command::new("python3")
            .arg(&file)
            .env("PYTHONPATH", dir.path()));
        let sent: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(sent, expected, "{snippet}");
    }
}

const FAKE_TS_SDK: &str = r#"
module.exports = class Anthropic {
  constructor(options) {
    if (options.apiKey !== "test-key") throw new Error("apiKey not from the environment");
    const record = async (body) => { console.log(JSON.stringify(body)); return { input_tokens: 0, usage: {} }; };
    this.messages = { countTokens: record, create: record };
  }
};
"#;

#[test]
fn typescript_snippet_runs_and_passes_the_body() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node is not installed: skipping the TypeScript run");
        return;
    }
    let (request, value) = tricky();
    let dir = tempfile::tempdir().unwrap();
    let sdk = dir.path().join("node_modules/@anthropic-ai/sdk");
    std::fs::create_dir_all(&sdk).unwrap();
    std::fs::write(
        sdk.join("package.json"),
        r#"{"name":"@anthropic-ai/sdk","main":"index.js"}"#,
    )
    .unwrap();
    std::fs::write(sdk.join("index.js"), FAKE_TS_SDK).unwrap();
    for (body, expected) in [
        (Body::Count, count_body(&value)),
        (Body::Create, value.clone()),
    ] {
        let snippet = export::export(&request, body, Format::TypeScript);
        assert!(snippet.contains("process.env.ANTHROPIC_API_KEY"));
        // Node 20 runs JavaScript: drop the one TypeScript construct, the final type assertion.
        let cut = snippet.rfind(" as unknown as Anthropic.").unwrap();
        let close = cut + snippet[cut..].find(')').unwrap();
        let js = format!("{}{}", &snippet[..cut], &snippet[close..]);
        let file = dir.path().join("snippet.mjs");
        std::fs::write(&file, js).unwrap();
        let out = run(Command::new("node").arg(&file).current_dir(dir.path()));
        let sent: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(sent, expected);
    }
}

#[test]
fn no_export_holds_a_key_value() {
    let (request, _) = tricky();
    for format in [
        Format::Json,
        Format::CurlHeredoc,
        Format::CurlInline,
        Format::Python,
        Format::TypeScript,
    ] {
        for body in [Body::Count, Body::Create] {
            let text = export::export(&request, body, format);
            assert!(!text.contains("test-key"), "{format:?}");
            if format != Format::Json {
                assert!(
                    text.contains("ANTHROPIC_API_KEY"),
                    "{format:?} does not read the key from the environment"
                );
            }
        }
    }
}

#[test]
fn create_bodies_get_max_tokens_when_missing_and_say_so() {
    let mut request = Request::single_text("m", "hi");
    let snippet = export::export(&request, Body::Create, Format::Python);
    assert!(snippet.contains("\"max_tokens\": 1024"), "{snippet}");
    // The JSON body too: messages.create refuses a body without it.
    assert!(export::json(&request, Body::Create).contains("\"max_tokens\": 1024"));
    assert!(!export::json(&request, Body::Count).contains("max_tokens"));
    let note = export::max_tokens_note(&request).expect("a note");
    assert!(note.contains("max_tokens 1024"), "{note}");
    // With thinking, room for the thinking budget and the answer.
    request.thinking = Some(budgie::request::Thinking {
        kind: "enabled".into(),
        budget_tokens: Some(4000),
        extra: Default::default(),
    });
    assert!(export::json(&request, Body::Create).contains("\"max_tokens\": 5024"));
    // An explicit max_tokens at or below the thinking budget is named: the API refuses it.
    request
        .extra
        .insert("max_tokens".into(), serde_json::Value::from(1024));
    let note = export::max_tokens_note(&request).expect("a note");
    assert!(
        note.contains("not above thinking.budget_tokens 4000"),
        "{note}"
    );
}
