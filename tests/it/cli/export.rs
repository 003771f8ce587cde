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
