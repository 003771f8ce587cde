//! Settings are merged once, the same for every command: bad flags and a missing `--config`
//! are refused before anything runs (exit 2), a bad value in the file is named, `--tier`
//! replaces the file's `rpm` in the workbench as in `budgie count`, and an `api_key` in a
//! `--config` file follows the default file's rule (used only while the file is private).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::tmux::Tmux;

const REQUEST: &str =
    r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hello"}]}"#;

/// `budgie ARGS` in `dir` (also its BUDGIE_HOME), with no key in the environment and the
/// API at `base` if given.
fn budgie(dir: &Path, args: &[&str], base: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_budgie"));
    command
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join("home"))
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL");
    if let Some(base) = base {
        command.env("ANTHROPIC_BASE_URL", base);
    }
    command.output().expect("budgie runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn dir_with_request() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), REQUEST).unwrap();
    dir
}

#[test]
fn bad_flags_are_refused_before_anything_runs() {
    let dir = dir_with_request();
    for (args, named) in [
        (&["count", "--rpm", "0", "a.json"][..], "--rpm"),
        (&["count", "--tier", "bogus", "a.json"][..], "not a tier"),
        (&["count", "--budget", "0", "a.json"][..], "--budget"),
        (&["--rpm", "0"][..], "--rpm"),
        (&["--tier", "bogus", "a.json"][..], "not a tier"),
        (&["export", "--budget", "0", "a.json"][..], "--budget"),
    ] {
        let out = budgie(dir.path(), args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing counted");
    }
}

/// The options `--help` lists.
fn options_in_help(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = budgie(dir, args, None);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(|w| w.trim_end_matches(',').to_string())
        .collect()
}

#[test]
fn each_command_lists_only_the_options_that_apply_to_it() {
    let dir = dir_with_request();
    let workbench = options_in_help(dir.path(), &["--help"]);
    let count = options_in_help(dir.path(), &["count", "--help"]);
    let export = options_in_help(dir.path(), &["export", "--help"]);
    let models = options_in_help(dir.path(), &["models", "--help"]);
    let has = |list: &[String], flag: &str| list.iter().any(|w| w == flag);
    assert!(has(&workbench, "--read-only") && has(&workbench, "--rpm"));
    assert!(!has(&workbench, "--explain") && !has(&workbench, "--offline"));
    assert!(has(&count, "--explain") && has(&count, "--budget") && has(&count, "--tier"));
    assert!(!has(&count, "--read-only"), "{count:?}");
    assert!(has(&export, "--create") && has(&export, "--model"));
    for flag in ["--read-only", "--budget", "--tier", "--rpm"] {
        assert!(!has(&export, flag), "{flag} in {export:?}");
    }
    for flag in ["--read-only", "--budget", "--tier", "--rpm", "--model"] {
        assert!(!has(&models, flag), "{flag} in {models:?}");
    }
    // A workbench option before a subcommand is not dropped in silence.
    let out = budgie(dir.path(), &["--model", "x", "count", "a.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("options go after the subcommand (budgie count --model"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_config_file_is_named_and_refused() {
    let dir = dir_with_request();
    for args in [
        &["count", "--offline", "--config", "nope.toml", "a.json"][..],
        &["--config", "nope.toml", "a.json"][..],
        &["models", "--config", "nope.toml"][..],
    ] {
        let out = budgie(dir.path(), args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("--config nope.toml: no such file"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_bad_value_in_the_config_file_names_the_key() {
    let dir = dir_with_request();
    std::fs::write(dir.path().join("c.toml"), "rpm = 0\ntier = \"gold\"\n").unwrap();
    let out = budgie(
        dir.path(),
        &["count", "--offline", "--config", "c.toml", "a.json"],
        None,
    );
    let err = stderr(&out);
    assert!(
        err.contains("c.toml: `rpm` must be a whole number of requests per minute from 1 to"),
        "{err}"
    );
    assert!(err.contains("c.toml: `tier` must be 1, 2, 3, 4"), "{err}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the rest of the file still applies"
    );
}

async fn counting_api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"input_tokens": 12})))
        .mount(&server)
        .await;
    server
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn an_api_key_in_a_config_file_is_used_only_while_the_file_is_private() {
    let server = counting_api().await;
    let dir = dir_with_request();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        format!("api_key = \"{}\"\n", crate::support::TEST_KEY),
    )
    .unwrap();
    let args = ["count", "--exact", "--json", "--config", "c.toml", "a.json"];

    chmod(&config, 0o600);
    let private = budgie(dir.path(), &args, Some(&server.uri()));
    assert_eq!(private.status.code(), Some(0), "{}", stderr(&private));
    let line: serde_json::Value = serde_json::from_slice(&private.stdout).unwrap();
    assert_eq!(
        (line["input_tokens"].clone(), line["source"].clone()),
        (json!(12), json!("exact"))
    );

    chmod(&config, 0o644);
    let shared = budgie(dir.path(), &args, Some(&server.uri()));
    let err = stderr(&shared);
    assert!(
        err.contains("c.toml: holds api_key but group or others can read it (mode 644)")
            && err.contains("chmod 600"),
        "{err}"
    );
    assert!(err.contains("--exact needs ANTHROPIC_API_KEY"), "{err}");
    assert_eq!(shared.status.code(), Some(2));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn a_tier_flag_replaces_the_config_files_rpm_in_the_workbench_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.toml"), "rpm = 60\n").unwrap();
    let command = format!(
        "sh -c 'cd {dir} && env -u ANTHROPIC_API_KEY BUDGIE_HOME={dir}/home {bin} --config c.toml --tier 2; sleep 600'",
        dir = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_budgie"),
    );
    let Some(t) = Tmux::start("tier", &command) else {
        return;
    };
    // Offline, the side panel shows the rate in force: tier 2's, not the file's rpm.
    t.wait_for_text("limit 2000 requests/min");
    t.key("C-q");
}
