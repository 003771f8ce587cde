//! `budgie count --format markdown [--baseline old.jsonl]`: the table for a pull-request
//! comment, against a local fake API with known counts.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::TEST_KEY;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn request(system: &str) -> String {
    json!({"model": "claude-sonnet-4-5", "system": system,
           "messages": [{"role": "user", "content": "Hello"}]})
    .to_string()
}

/// count_tokens answers 110 for system "A", 22 for "B", 7 for "D".
async fn fake_api() -> MockServer {
    let server = MockServer::start().await;
    for (system, tokens) in [("A", 110), ("B", 22), ("D", 7)] {
        Mock::given(method("POST"))
            .and(path("/v1/messages/count_tokens"))
            .and(body_partial_json(json!({ "system": system })))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({ "input_tokens": tokens })),
            )
            .mount(&server)
            .await;
    }
    server
}

fn budgie(dir: &Path, args: &[&str], base: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_budgie"))
        .arg("count")
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join(".budgie-home"))
        .env("ANTHROPIC_BASE_URL", base)
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .output()
        .expect("budgie runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// a.json (110), b.json (22), d.json (7) and a baseline: a was 100, b was 22, c (gone since)
/// was 5; d is new.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, system) in [("a.json", "A"), ("b.json", "B"), ("d.json", "D")] {
        std::fs::write(dir.path().join(name), request(system)).expect("write");
    }
    let baseline = [
        json!({"file": "a.json", "model": "claude-sonnet-4-5", "input_tokens": 100, "source": "exact"}),
        json!({"file": "b.json", "model": "claude-sonnet-4-5", "input_tokens": 22, "source": "exact"}),
        json!({"file": "c.json", "model": "claude-sonnet-4-5", "input_tokens": 5, "source": "exact"}),
    ]
    .map(|v| v.to_string())
    .join("\n");
    std::fs::write(dir.path().join("old.jsonl"), baseline).expect("write");
    dir
}

#[tokio::test]
async fn the_table_says_the_change_per_file_against_the_baseline() {
    let server = fake_api().await;
    let dir = project();
    let out = budgie(
        dir.path(),
        &[
            "--format",
            "markdown",
            "--baseline",
            "old.jsonl",
            "a.json",
            "b.json",
            "d.json",
        ],
        &server.uri(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows[0], "| File | Model | Tokens | Budget | Change |");
    assert_eq!(rows[1], "| :-- | :-- | --: | --: | --: |");
    assert_eq!(
        rows[2],
        "| a.json | claude-sonnet-4-5 | 110 | — | +10 tokens (+10.0 %) |"
    );
    assert_eq!(
        rows[3],
        "| b.json | claude-sonnet-4-5 | 22 | — | no change |"
    );
    assert_eq!(rows[4], "| d.json | claude-sonnet-4-5 | 7 | — | new |");
    assert_eq!(
        rows[5],
        "| c.json | claude-sonnet-4-5 | — | — | removed (was 5 tokens) |"
    );
    assert_eq!(rows[7], "3 files, 139 tokens in all.");
}

#[tokio::test]
async fn a_file_over_budget_is_marked_and_exits_1() {
    let server = fake_api().await;
    let dir = project();
    let out = budgie(
        dir.path(),
        &[
            "--format", "markdown", "--budget", "100", "a.json", "b.json",
        ],
        &server.uri(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = stdout(&out);
    // No baseline: no Change column.
    assert!(
        table.starts_with("| File | Model | Tokens | Budget |\n"),
        "{table}"
    );
    assert!(
        table.contains("| a.json | claude-sonnet-4-5 | 110 | 100 — **over by 10** |"),
        "{table}"
    );
    assert!(
        table.contains("| b.json | claude-sonnet-4-5 | 22 | 100 |"),
        "{table}"
    );
    assert!(table.contains("**1 over budget**"), "{table}");
}

#[tokio::test]
async fn a_file_that_cannot_be_counted_is_a_row_and_a_line_on_stderr() {
    let server = fake_api().await;
    let dir = project();
    std::fs::write(dir.path().join("bad.json"), "{ nope").expect("write");
    let out = budgie(
        dir.path(),
        &["--format", "markdown", "a.json", "bad.json"],
        &server.uri(),
    );
    assert_eq!(out.status.code(), Some(2));
    let table = stdout(&out);
    assert!(
        table.contains("| bad.json | — | **error:** malformed JSON at line 1"),
        "{table}"
    );
    assert!(
        stderr(&out).contains("bad.json: malformed JSON"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn json_and_format_json_write_the_same_lines() {
    let server = fake_api().await;
    let dir = project();
    // --no-cache: the second run would otherwise say "cached".
    let json = budgie(
        dir.path(),
        &["--no-cache", "--json", "a.json"],
        &server.uri(),
    );
    let format = budgie(
        dir.path(),
        &["--no-cache", "--format", "json", "a.json"],
        &server.uri(),
    );
    assert_eq!(stdout(&json), stdout(&format));
    let line: serde_json::Value = serde_json::from_str(stdout(&json).trim()).expect("JSON");
    assert_eq!(line["input_tokens"], 110);
    // A --json run's output is a baseline as it stands.
    std::fs::write(dir.path().join("run.jsonl"), stdout(&json)).expect("write");
    let out = budgie(
        dir.path(),
        &["--format", "markdown", "--baseline", "run.jsonl", "a.json"],
        &server.uri(),
    );
    assert!(stdout(&out).contains("| a.json | claude-sonnet-4-5 | 110 | — | no change |"));
}

#[test]
fn a_malformed_baseline_names_file_and_line_and_counts_nothing() {
    let dir = project();
    std::fs::write(
        dir.path().join("old.jsonl"),
        "{\"file\":\"a.json\",\"model\":\"m\",\"input_tokens\":1}\n{\"file\": \"b.json\", oops}\n",
    )
    .expect("write");
    // No server: a count would fail with exit 3, not 2.
    let out = budgie(
        dir.path(),
        &["--format", "markdown", "--baseline", "old.jsonl", "a.json"],
        "http://127.0.0.1:9",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("budgie count: old.jsonl:2: not JSON"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn options_that_do_not_fit_the_format_are_refused() {
    let dir = project();
    for (args, says) in [
        (
            &["--baseline", "old.jsonl", "a.json"][..],
            "--baseline is for --format markdown",
        ),
        (
            &["--format", "markdown", "--breakdown", "a.json"][..],
            "leave out --explain and --breakdown",
        ),
        (
            &["--format", "markdown", "--compare", "a.json"][..],
            "cannot show --compare",
        ),
        (
            &["--json", "--format", "text", "a.json"][..],
            "cannot be used with",
        ),
    ] {
        let out = budgie(dir.path(), args, "http://127.0.0.1:9");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}
