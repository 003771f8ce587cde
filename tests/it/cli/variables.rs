//! `{{name}}` variables in `budgie count`: the workspace's values filled in, unfilled ones
//! named, and `--vars` cases counted one by one against a local fake API.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::TEST_KEY;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// count_tokens answers 10 for system "Hi Ann", 30 for "Hi Bo", 20 for "Hi Cy".
async fn fake_api() -> MockServer {
    let server = MockServer::start().await;
    for (system, tokens) in [("Hi Ann", 10), ("Hi Bo", 30), ("Hi Cy", 20)] {
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

fn workspace(variables: Value) -> String {
    json!({"budgie_workspace": 1, "variables": variables,
           "request": {"model": "claude-sonnet-4-5", "system": "Hi {{who}}",
                       "messages": [{"role": "user", "content": "Hello"}]}})
    .to_string()
}

fn budgie(dir: &Path, args: &[&str], base: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_budgie"));
    command
        .arg("count")
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join(".budgie-home"))
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL");
    if let Some(base) = base {
        command
            .env("ANTHROPIC_BASE_URL", base)
            .env("ANTHROPIC_API_KEY", TEST_KEY);
    }
    command.output().expect("budgie runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

#[tokio::test]
async fn the_workspace_values_are_filled_in_before_counting() {
    let server = fake_api().await;
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "w.budgie.json",
        &workspace(json!({"who": "Bo"})),
    );
    let out = budgie(
        dir.path(),
        &["--json", "w.budgie.json"],
        Some(&server.uri()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(line["input_tokens"], 30);
    assert!(
        !stderr(&out).contains("without a value"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unfilled_variable_is_named_with_where_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "w.budgie.json", &workspace(json!({})));
    let out = budgie(dir.path(), &["w.budgie.json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "w.budgie.json: variables without a value, counted as the placeholder text: \
             {{who}} in system"
        ),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn cases_give_min_median_max_and_the_largest_in_each_form() {
    let server = fake_api().await;
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "w.budgie.json",
        &workspace(json!({"who": "Ann"})),
    );
    write(
        dir.path(),
        "cases.jsonl",
        "{\"who\":\"Ann\"}\n{\"who\":\"Bo\"}\n{\"who\":\"Cy\"}\n",
    );
    write(
        dir.path(),
        "cases.json",
        r#"[{"who":"Ann"},{"who":"Bo"},{"who":"Cy"}]"#,
    );
    write(dir.path(), "cases.csv", "who\nAnn\nBo\nCy\n");
    for (file, largest) in [
        ("cases.jsonl", "line 2"),
        ("cases.json", "case 2"),
        ("cases.csv", "line 3"),
    ] {
        let out = budgie(
            dir.path(),
            &["--vars", file, "--budget", "25", "w.budgie.json"],
            Some(&server.uri()),
        );
        // The largest case (30) is over the budget of 25.
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with("w.budgie.json: 30 tokens"),
            "{file}: {text}"
        );
        assert!(
            text.contains(&format!(
                "3 cases: min 10, median 20, max 30 (the largest: {largest})"
            )),
            "{file}: {text}"
        );
    }
    let out = budgie(
        dir.path(),
        &["--json", "--vars", "cases.jsonl", "w.budgie.json"],
        Some(&server.uri()),
    );
    let line: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        line["cases"],
        json!({"count": 3, "min": 10, "median": 20, "max": 30, "largest": "line 2"})
    );
    assert_eq!(line["input_tokens"], 30);
}

#[test]
fn a_bad_case_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "w.budgie.json", &workspace(json!({})));
    write(
        dir.path(),
        "cases.jsonl",
        "{\"who\":\"Ann\"}\n{\"who\": oops}\n",
    );
    let out = budgie(
        dir.path(),
        &["--vars", "cases.jsonl", "w.budgie.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("budgie count: cases.jsonl:2: not JSON"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}
