//! `budgie new`: a workspace built from prompt files.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn budgie(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join(".budgie-home"))
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .expect("budgie runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A prompt repository: a system prompt, two tool files, three example turns.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = [
        (
            "prompts/system.md",
            "You are a support agent.\n".to_string(),
        ),
        (
            "tools/get_order.json",
            json!({"name": "get_order", "description": "Look up an order",
                   "input_schema": {"type": "object"}})
            .to_string(),
        ),
        (
            "tools/refund.json",
            json!([{"name": "refund", "input_schema": {"type": "object"}}]).to_string(),
        ),
        ("examples/q1.md", "Where is my order?".to_string()),
        ("examples/a1.md", "Let me check.".to_string()),
        ("examples/q2.md", "Thanks".to_string()),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

#[test]
fn builds_a_workspace_with_turns_in_the_order_given() {
    let dir = repo();
    let out = budgie(
        dir.path(),
        &[
            "new",
            "--system",
            "prompts/system.md",
            "--tools",
            "tools/get_order.json",
            "tools/refund.json",
            "--user",
            "examples/q1.md",
            "--assistant",
            "examples/a1.md",
            "--user",
            "examples/q2.md",
            "--model",
            "claude-haiku-4-5",
            "--budget",
            "900",
            "-o",
            "support.budgie.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrote support.budgie.json: 1 system block, 2 tools, 3 turns"));
    let text = std::fs::read_to_string(dir.path().join("support.budgie.json")).expect("written");
    let workspace: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(workspace["budgie_workspace"], 1);
    assert_eq!(workspace["budget"], 900);
    let request = &workspace["request"];
    assert_eq!(request["model"], "claude-haiku-4-5");
    assert_eq!(request["system"], "You are a support agent.\n");
    let turns: Vec<(&str, &str)> = request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["content"].as_str().unwrap()))
        .collect();
    assert_eq!(
        turns,
        [
            ("user", "Where is my order?"),
            ("assistant", "Let me check."),
            ("user", "Thanks")
        ]
    );
    let tools: Vec<&str> = request["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["get_order", "refund"]);
    // budgie count takes it as it is.
    let count = budgie(dir.path(), &["count", "--json", "support.budgie.json"]);
    assert_eq!(count.status.code(), Some(0), "{}", stderr(&count));
}

#[test]
fn without_output_the_workspace_goes_to_stdout_and_a_quoted_glob_is_expanded() {
    let dir = repo();
    let out = budgie(
        dir.path(),
        &["new", "--tools", "tools/*.json", "--user", "examples/q1.md"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let workspace: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        workspace["request"]["tools"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn a_bad_tool_file_is_named() {
    let dir = repo();
    std::fs::write(dir.path().join("tools/bad.json"), r#"{"name": "bad"}"#).expect("write");
    let out = budgie(dir.path(), &["new", "--tools", "tools/bad.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "budgie new: tools/bad.json: [0].input_schema: missing"
    );
    let out = budgie(
        dir.path(),
        &["new", "--tools", "tools/refund.json", "tools/refund.json"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tools/refund.json: [0].name: a tool named `refund` exists already"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_file_is_named() {
    let dir = repo();
    let out = budgie(dir.path(), &["new", "--user", "examples/q9.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("examples/q9.md"), "{}", stderr(&out));
}

#[test]
fn an_existing_output_is_replaced_only_with_force_and_never_a_prompt_file() {
    let dir = repo();
    let args = ["new", "--user", "examples/q1.md", "-o", "w.budgie.json"];
    assert_eq!(budgie(dir.path(), &args).status.code(), Some(0));
    let again = budgie(dir.path(), &args);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("pass --force"),
        "{}",
        stderr(&again)
    );
    let forced = budgie(dir.path(), &[&args[..], &["--force"]].concat());
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    // --force replaces a workspace, never the user's own files.
    let over_prompt = budgie(
        dir.path(),
        &[
            "new",
            "--user",
            "examples/q1.md",
            "-o",
            "prompts/system.md",
            "--force",
        ],
    );
    assert_eq!(over_prompt.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("prompts/system.md")).expect("kept"),
        "You are a support agent.\n"
    );
}
