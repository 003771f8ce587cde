//! `budgie count` end to end: the built binary against a local fake API.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::TEST_KEY;
use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const A: &str =
    r#"{"model":"claude-sonnet-4-5","system":"A","messages":[{"role":"user","content":"Hello"}]}"#;
const B: &str =
    r#"{"model":"claude-sonnet-4-5","system":"B","messages":[{"role":"user","content":"Hello"}]}"#;
/// Parses, but fails validation: count_tokens takes no BMP.
const BAD: &str = r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"Qk0="}}]}]}"#;

/// A directory with the given files.
fn files(named: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in named {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

/// Counts 11 for system "A", 22 for system "B".
async fn fake_api() -> MockServer {
    let server = MockServer::start().await;
    for (system, tokens) in [("A", 11), ("B", 22)] {
        Mock::given(method("POST"))
            .and(path("/v1/messages/count_tokens"))
            .and(body_partial_json(json!({ "system": system })))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("request-id", format!("req_{system}"))
                    .set_body_json(json!({ "input_tokens": tokens })),
            )
            .mount(&server)
            .await;
    }
    server
}

/// `budgie ARGS` in `dir`, with the key and base given (or unset), budgie's home kept in the
/// temp dir, and `stdin` piped in.
fn budgie(dir: &Path, args: &[&str], api: Option<(&str, &str)>, stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_budgie"));
    command
        .arg("count")
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join(".budgie-home"))
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some((base, key)) = api {
        command
            .env("ANTHROPIC_BASE_URL", base)
            .env("ANTHROPIC_API_KEY", key);
    }
    let mut child = command.spawn().expect("budgie runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    child.wait_with_output().expect("budgie finishes")
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn counts_come_from_the_server_and_a_bad_file_does_not_stop_the_rest() {
    let server = fake_api().await;
    let dir = files(&[("a.json", A), ("b.json", B), ("bad.json", BAD)]);
    let out = budgie(
        dir.path(),
        &["--json", "a.json", "bad.json", "b.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["file"], "a.json");
    assert_eq!(lines[0]["model"], "claude-sonnet-4-5");
    assert_eq!(lines[0]["input_tokens"], 11);
    assert_eq!(lines[0]["source"], "exact");
    assert_eq!(lines[0]["request_id"], "req_A");
    assert_eq!(lines[1]["file"], "bad.json");
    assert_eq!(lines[1]["error"]["type"], "validation_error");
    assert_eq!(
        lines[1]["error"]["message"],
        "messages[0].content[0]: image media_type \"image/bmp\" is not one of image/jpeg, \
         image/png, image/gif, image/webp"
    );
    assert_eq!(lines[2]["input_tokens"], 22);
    // The invalid file never reached the API.
    assert_eq!(server.received_requests().await.expect("recorded").len(), 2);
    assert_eq!(out.status.code(), Some(2), "an input error: exit 2");
}

#[tokio::test]
async fn plain_output_is_one_line_per_file_and_errors_go_to_stderr() {
    let server = fake_api().await;
    let dir = files(&[
        ("a.json", A),
        ("bad.json", BAD),
        ("broken.json", "{\n \"model\": }"),
    ]);
    let out = budgie(
        dir.path(),
        &["a.json", "bad.json", "broken.json", "missing.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    assert_eq!(
        stdout(&out),
        "a.json: 11 tokens (claude-sonnet-4-5, exact)\n"
    );
    let err = stderr(&out);
    assert!(
        err.contains("bad.json: messages[0].content[0]: image media_type \"image/bmp\""),
        "{err}"
    );
    assert!(
        err.contains("broken.json: malformed JSON at line 2, column"),
        "{err}"
    );
    assert!(
        err.contains("missing.json: cannot read: no such file"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn a_slow_count_is_reported_on_stderr_when_it_is_not_a_terminal() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(6))
                .set_body_json(json!({ "input_tokens": 11 })),
        )
        .mount(&server)
        .await;
    let dir = files(&[("a.json", A)]);
    let out = budgie(
        dir.path(),
        &["--json", "a.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_lines(&out)[0]["input_tokens"], 11);
    // Five seconds without news: a line says the run is waiting, and for what.
    assert!(
        stderr(&out).contains("counting 1/1: waiting for an answer (5 s so far)"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn explain_says_the_parts_in_plain_words_offline_and_beside_an_exact_count() {
    let with_tool = r#"{"model":"claude-opus-4-7","system":"A","messages":[{"role":"user","content":"Hello"}],
        "tools":[{"name":"get_weather","input_schema":{"type":"object"}}]}"#;
    let dir = files(&[("a.json", A), ("t.json", with_tool)]);
    let out = budgie(dir.path(), &["--offline", "--explain", "t.json"], None, "");
    let text = stdout(&out);
    assert!(text.contains("tool get_weather"), "{text}");
    assert!(
        text.contains("tool-use prompt") && text.contains("added once to any request with tools"),
        "{text}"
    );
    assert!(text.contains("resting on a guess:"), "{text}");
    // No internal names: constants, type names, document sections.
    for word in [
        "tool_definitions_join",
        "system_part_separator",
        "Structural",
        "§",
        "family v",
    ] {
        assert!(!text.contains(word), "{word} in {text}");
    }
    // With a key: the exact count, and the offline parts beside it.
    let server = fake_api().await;
    let out = budgie(
        dir.path(),
        &["--explain", "a.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    let text = stdout(&out);
    assert!(text.contains("a.json: 11 tokens"), "{text}");
    assert!(
        text.contains("the API counted 11; budgie's offline count comes to"),
        "{text}"
    );
    assert!(text.contains("system prompt"), "{text}");
}

#[tokio::test]
async fn over_budget_exits_1_and_says_by_how_much() {
    let server = fake_api().await;
    let dir = files(&[("a.json", A), ("b.json", B)]);
    let out = budgie(
        dir.path(),
        &["--budget", "15", "a.json", "b.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    assert_eq!(
        stdout(&out),
        "a.json: 11 tokens (claude-sonnet-4-5, exact)\n\
         b.json: 22 tokens (claude-sonnet-4-5, exact) — over budget by 7\n"
    );
    assert_eq!(out.status.code(), Some(1));
    let json = budgie(
        dir.path(),
        &["--json", "--budget", "15", "b.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    let line = &json_lines(&json)[0];
    assert_eq!(
        (line["budget"].clone(), line["over_budget"].clone()),
        (json!(15), json!(true))
    );
    assert_eq!(json.status.code(), Some(1));
}

/// A server that always answers with this error.
async fn failing_api(status: u16, error_type: &str, message: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("request-id", "req_fail")
                .set_body_json(json!({
                    "type": "error",
                    "error": {"type": error_type, "message": message},
                    "request_id": "req_fail"
                })),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn api_errors_exit_3_with_the_apis_type_message_and_hint() {
    for (status, error_type, hint) in [
        (401, "authentication_error", "check ANTHROPIC_API_KEY"),
        (400, "invalid_request_error", "fix what the message names"),
        (404, "not_found_error", "budgie models"),
        (403, "permission_error", "may not do this"),
    ] {
        let server = failing_api(status, error_type, "the server's words").await;
        let dir = files(&[("a.json", A)]);
        let out = budgie(
            dir.path(),
            &["--json", "a.json"],
            Some((&server.uri(), TEST_KEY)),
            "",
        );
        let line = &json_lines(&out)[0];
        assert_eq!(line["file"], "a.json");
        assert_eq!(line["error"]["type"], error_type);
        assert_eq!(line["error"]["message"], "the server's words");
        assert_eq!(line["error"]["status"], status);
        assert_eq!(line["error"]["request_id"], "req_fail");
        let shown_hint = line["error"]["hint"].as_str().unwrap_or_default();
        assert!(shown_hint.contains(hint), "{status}: {shown_hint}");
        assert_eq!(out.status.code(), Some(3), "{status}");

        let plain = budgie(dir.path(), &["a.json"], Some((&server.uri(), TEST_KEY)), "");
        let err = stderr(&plain);
        assert!(
            err.contains(&format!(
                "a.json: {error_type} (HTTP {status}): the server's words [request-id req_fail]"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("a.json: hint: {shown_hint}")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn an_overloaded_api_is_retried_then_reported() {
    let server = failing_api(529, "overloaded_error", "Overloaded").await;
    let dir = files(&[("a.json", A)]);
    let out = budgie(
        dir.path(),
        &["--json", "a.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 3);
    let line = &json_lines(&out)[0];
    assert_eq!(line["error"]["type"], "overloaded_error");
    assert!(
        line["error"]["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("tried 3 times"),
        "{line}"
    );
    assert_eq!(out.status.code(), Some(3));
}

#[tokio::test]
async fn the_worst_failure_sets_the_exit_status() {
    let server = failing_api(401, "authentication_error", "no").await;
    let dir = files(&[("a.json", A), ("bad.json", BAD)]);
    let out = budgie(
        dir.path(),
        &["--json", "bad.json", "a.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    assert_eq!(json_lines(&out).len(), 2);
    assert_eq!(
        out.status.code(),
        Some(3),
        "API failure (3) outranks input error (2)"
    );
}

#[tokio::test]
async fn without_a_key_counts_are_offline_with_one_note() {
    let dir = files(&[("a.json", A), ("b.json", B)]);
    let out = budgie(dir.path(), &["--json", "a.json", "b.json"], None, "");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(line["source"], "offline");
        assert!(
            line["input_tokens"].as_u64().is_some_and(|n| n > 0),
            "{line}"
        );
    }
    let err = stderr(&out);
    assert_eq!(err.matches("ANTHROPIC_API_KEY").count(), 1, "{err}");
    assert_eq!(out.status.code(), Some(0));

    let plain = budgie(dir.path(), &["a.json"], None, "");
    let line = stdout(&plain);
    assert!(
        line.starts_with("a.json: ") && line.contains(" tokens (claude-sonnet-4-5, offline"),
        "{line}"
    );
}

#[tokio::test]
async fn offline_flag_never_calls_the_api() {
    let server = fake_api().await;
    let dir = files(&[("a.json", A)]);
    let out = budgie(
        dir.path(),
        &["--offline", "--json", "a.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    assert_eq!(json_lines(&out)[0]["source"], "offline");
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
    assert_eq!(stderr(&out), "", "no note: offline was asked for");
}

#[tokio::test]
async fn exact_without_a_key_is_a_usage_error() {
    let dir = files(&[("a.json", A)]);
    let out = budgie(dir.path(), &["--exact", "a.json"], None, "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--exact needs ANTHROPIC_API_KEY"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn exact_with_an_unreachable_api_exits_3() {
    let base = closed_port_url();
    let dir = files(&[("a.json", A), ("b.json", B)]);
    let out = budgie(
        dir.path(),
        &["--exact", "--json", "a.json", "b.json"],
        Some((&base, TEST_KEY)),
        "",
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(line["error"]["type"], "connection_error", "{line}");
        assert!(
            line["error"]["hint"]
                .as_str()
                .unwrap_or_default()
                .contains(&base),
            "{line}"
        );
    }
    assert_eq!(out.status.code(), Some(3));
}

#[tokio::test]
async fn an_unreachable_api_without_exact_falls_back_to_offline() {
    let base = closed_port_url();
    let dir = files(&[("a.json", A), ("b.json", B)]);
    let out = budgie(
        dir.path(),
        &["--json", "a.json", "b.json"],
        Some((&base, TEST_KEY)),
        "",
    );
    let lines = json_lines(&out);
    for line in &lines {
        assert_eq!(line["source"], "offline", "{line}");
        assert_eq!(line["note"], "API unreachable: connection_error");
    }
    assert!(
        stderr(&out).contains("counting offline from here on"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test]
async fn stdin_a_directory_and_a_glob_are_inputs() {
    let server = fake_api().await;
    let dir = files(&[("a.json", A), ("b.json", B), ("notes.txt", "not json")]);
    let api = Some((server.uri(), TEST_KEY.to_string()));
    let api = api.as_ref().map(|(b, k)| (b.as_str(), k.as_str()));

    let from_stdin = budgie(dir.path(), &["--json", "-"], api, B);
    let line = &json_lines(&from_stdin)[0];
    assert_eq!(
        (line["file"].clone(), line["input_tokens"].clone()),
        (json!("-"), json!(22))
    );

    let from_dir = budgie(dir.path(), &["--json", "."], api, "");
    let counted: Vec<(String, u64)> = json_lines(&from_dir)
        .iter()
        .map(|l| {
            let file = l["file"].as_str().unwrap_or_default();
            let name = Path::new(file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            (
                name.to_string(),
                l["input_tokens"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        counted,
        vec![("a.json".to_string(), 11), ("b.json".to_string(), 22)]
    );

    let from_glob = budgie(dir.path(), &["--json", "*.json"], api, "");
    assert_eq!(json_lines(&from_glob).len(), 2);
    let nothing = budgie(dir.path(), &["--json", "*.yaml"], api, "");
    assert_eq!(
        json_lines(&nothing)[0]["error"]["message"],
        "no files match this pattern"
    );
    assert_eq!(nothing.status.code(), Some(2));
}

#[tokio::test]
async fn model_override_and_create_only_fields_shape_the_body_sent() {
    let server = fake_api().await;
    let create_body = r#"{"model":"claude-sonnet-4-5","max_tokens":1024,"temperature":0.5,"system":"A","messages":[{"role":"user","content":"Hello"}]}"#;
    let dir = files(&[("create.json", create_body)]);
    let out = budgie(
        dir.path(),
        &["--json", "--model", "claude-opus-4-6", "create.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    assert_eq!(json_lines(&out)[0]["model"], "claude-opus-4-6");
    let received = server.received_requests().await.expect("recorded");
    let sent: Value = serde_json::from_slice(&received[0].body).expect("json");
    assert_eq!(
        sent,
        json!({"model":"claude-opus-4-6","system":"A","messages":[{"role":"user","content":"Hello"}]})
    );
}

#[tokio::test]
async fn a_workspace_counts_its_request_without_disabled_parts() {
    let server = fake_api().await;
    let png = crate::support::base64(&crate::support::files::png(8, 8));
    let workspace = json!({
        "budgie_workspace": 1,
        "budget": 10,
        "disabled_tools": ["get_time"],
        "request": {
            "model": "claude-sonnet-4-5",
            "system": "A",
            "tools": [
                {"name": "get_weather", "input_schema": {"type": "object"}},
                {"name": "get_time", "input_schema": {"type": "object"}}
            ],
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": "Hello"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png},
                 "x_budgie": {"path": "a.png", "enabled": false}},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png},
                 "x_budgie": {"path": "b.png"}}
            ]}]
        }
    });
    let dir = files(&[("draft.budgie.json", &workspace.to_string())]);
    let out = budgie(
        dir.path(),
        &["--json", "draft.budgie.json"],
        Some((&server.uri(), TEST_KEY)),
        "",
    );
    let line = &json_lines(&out)[0];
    assert_eq!(line["input_tokens"], 11);
    assert_eq!(line["budget"], 10, "the workspace's own budget applies");
    assert_eq!(out.status.code(), Some(1));
    let received = server.received_requests().await.expect("recorded");
    let sent: Value = serde_json::from_slice(&received[0].body).expect("json");
    assert_eq!(
        sent,
        json!({
            "model": "claude-sonnet-4-5",
            "system": "A",
            "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": "Hello"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png}}
            ]}]
        })
    );
}

#[tokio::test]
async fn the_key_never_appears_in_the_output() {
    let key = "test-key-must-stay-secret";
    let server = failing_api(401, "authentication_error", &format!("bad key {key}")).await;
    let dir = files(&[("a.json", A)]);
    for args in [&["a.json"][..], &["--json", "a.json"][..]] {
        let out = budgie(dir.path(), args, Some((&server.uri(), key)), "");
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("must-stay-secret"), "{all}");
        assert!(all.contains("authentication_error"), "{all}");
    }
}

#[tokio::test]
async fn a_pdf_that_is_not_a_pdf_and_a_mislabelled_png_are_refused_by_name() {
    use crate::support::requests;
    let server = fake_api().await;
    let dir = files(&[
        ("fake-pdf.json", &requests::pdf_that_is_text()),
        ("png-as-jpeg.json", &requests::png_labelled_jpeg()),
    ]);
    for api in [Some((server.uri(), TEST_KEY.to_string())), None] {
        let api = api.as_ref().map(|(b, k)| (b.as_str(), k.as_str()));
        let out = budgie(
            dir.path(),
            &["--json", "fake-pdf.json", "png-as-jpeg.json"],
            api,
            "",
        );
        let lines = json_lines(&out);
        assert_eq!(lines[0]["error"]["type"], "validation_error", "{lines:?}");
        assert_eq!(lines[0]["error"]["message"], requests::PDF_THAT_IS_TEXT);
        assert_eq!(lines[1]["error"]["message"], requests::PNG_LABELLED_JPEG);
        assert_eq!(out.status.code(), Some(2));
    }
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty(),
        "nothing the API would refuse was sent"
    );
}

#[test]
fn an_offline_batch_counts_side_by_side_and_reports_in_input_order() {
    // The largest file first: counted side by side, later files finish before it.
    let texts: Vec<(String, String)> = (0..24)
        .map(|i| {
            let text = format!("Line {i} of a batch, with some words ü 漢字 {{}}.\n")
                .repeat((24 - i) * 400);
            let body = json!({
                "model": "claude-sonnet-4-5",
                "messages": [{ "role": "user", "content": text }],
            });
            (format!("r{i:02}.json"), body.to_string())
        })
        .collect();
    let named: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let dir = files(&named);
    let mut args = vec!["--offline", "--json"];
    args.extend(named.iter().map(|(name, _)| *name));
    let output = budgie(dir.path(), &args, None, "");
    assert!(output.status.success(), "{output:?}");
    let lines = json_lines(&output);
    let reported: Vec<&str> = lines
        .iter()
        .map(|l| l["file"].as_str().expect("file"))
        .collect();
    let expected: Vec<&str> = named.iter().map(|(name, _)| *name).collect();
    assert_eq!(reported, expected);
    for ((name, text), line) in named.iter().zip(&lines) {
        let request = budgie::request::parse(text).expect("request");
        let tokens = budgie::estimate::estimate(&request).input_tokens;
        assert_eq!(line["input_tokens"], json!(tokens), "{name}");
    }
}
