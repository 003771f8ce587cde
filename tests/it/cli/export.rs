//! `budgie export` end to end: an SDK log in, a curl command out; bad input refused.

use std::process::Command;

fn budgie(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join("home"))
        .env("ANTHROPIC_API_KEY", "test-key-not-for-output")
        .output()
        .unwrap()
}

#[test]
fn an_sdk_log_becomes_a_curl_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.log"),
        "DEBUG:anthropic._base_client:Request options: {'method': 'post', 'url': '/v1/messages', 'json_data': {'max_tokens': 1024, 'messages': [{'role': 'user', 'content': 'Hello, Claude'}], 'model': 'claude-sonnet-4-5', 'system': 'You are a scientist'}}\n",
    )
    .unwrap();
    let out = budgie(&["export", "app.log", "--format", "curl"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let curl = String::from_utf8(out.stdout).unwrap();
    assert!(curl.contains("/v1/messages/count_tokens"));
    assert!(curl.contains("$ANTHROPIC_API_KEY") && !curl.contains("test-key-not-for-output"));
    let start = curl.find("<<'BUDGIE_JSON'\n").unwrap() + "<<'BUDGIE_JSON'\n".len();
    let end = curl.rfind("\nBUDGIE_JSON").unwrap();
    let body: serde_json::Value = serde_json::from_str(&curl[start..end]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"model": "claude-sonnet-4-5", "system": "You are a scientist",
            "messages": [{"role": "user", "content": "Hello, Claude"}]})
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1 of a log"));

    let out = budgie(
        &[
            "export", "app.log", "-f", "json", "--create", "-o", "req.json",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("req.json")).unwrap())
            .unwrap();
    assert_eq!(body["max_tokens"], 1024);
}

#[test]
fn a_create_export_without_max_tokens_sets_one_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("req.json"),
        r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}"#,
    )
    .unwrap();
    let out = budgie(
        &["export", "req.json", "-f", "json", "--create"],
        dir.path(),
    );
    assert!(out.status.success());
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["max_tokens"], 1024);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no max_tokens, which messages.create requires"),
        "{stderr}"
    );
}

#[test]
fn bad_input_exits_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"model\": \"m\",\n\"messages\": [}\n",
    )
    .unwrap();
    let out = budgie(&["export", "bad.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json: malformed JSON at line 2, column 14"),
        "{err}"
    );
}

#[test]
fn a_request_the_api_would_refuse_is_not_exported_and_its_block_is_named() {
    use crate::support::requests;
    let dir = tempfile::tempdir().unwrap();
    for (name, text, problem) in [
        (
            "fake-pdf.json",
            requests::pdf_that_is_text(),
            requests::PDF_THAT_IS_TEXT,
        ),
        (
            "png-as-jpeg.json",
            requests::png_labelled_jpeg(),
            requests::PNG_LABELLED_JPEG,
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        for create in [false, true] {
            let mut args = vec!["export", name, "-f", "json", "-o", "out.json"];
            if create {
                args.push("--create");
            }
            let out = budgie(&args, dir.path());
            assert_eq!(out.status.code(), Some(2), "{name}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(&format!("{name}: {problem}")), "{err}");
            assert!(!dir.path().join("out.json").exists(), "nothing written");
        }
    }
}

#[test]
fn a_url_image_exports_as_a_create_body_but_not_as_a_count_body() {
    let dir = tempfile::tempdir().unwrap();
    let body = serde_json::json!({"model": "claude-sonnet-4-5", "max_tokens": 64,
        "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}]}]});
    std::fs::write(dir.path().join("url.json"), body.to_string()).unwrap();
    // messages.create takes url sources; count_tokens does not.
    let create = budgie(
        &["export", "url.json", "-f", "json", "--create"],
        dir.path(),
    );
    assert_eq!(create.status.code(), Some(0));
    let count = budgie(&["export", "url.json", "-f", "json"], dir.path());
    assert_eq!(count.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&count.stderr).contains("count_tokens cannot count url"));
}
