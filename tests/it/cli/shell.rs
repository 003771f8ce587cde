//! `budgie completions` and `budgie man`: the generated scripts and pages name every
//! subcommand and every option the command line defines.

use std::process::{Command, Output};

use budgie::cli::Cli;
use clap::CommandFactory;

fn budgie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(args)
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .expect("budgie runs")
}

/// Every subcommand with its long options, and the top level's (as ""), from the real
/// definitions; `--help` and `--version` are clap's own and left out.
fn definitions() -> Vec<(String, Vec<String>)> {
    let mut command = Cli::command();
    command.build();
    let longs = |c: &clap::Command| -> Vec<String> {
        c.get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|l| !["help", "version"].contains(l))
            .map(str::to_string)
            .collect()
    };
    let mut all = vec![(String::new(), longs(&command))];
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        all.push((sub.get_name().to_string(), longs(sub)));
    }
    all
}

#[test]
fn the_definitions_walked_include_the_known_commands_and_options() {
    // Guards the tests below against walking nothing.
    let all = definitions();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "",
        "count",
        "export",
        "calibrate",
        "models",
        "completions",
        "man",
    ] {
        assert!(names.contains(&name), "{name:?} missing from {names:?}");
    }
    let count = &all.iter().find(|(n, _)| n == "count").expect("count").1;
    for long in ["budget", "json", "breakdown", "exact", "offline", "model"] {
        assert!(
            count.iter().any(|l| l == long),
            "--{long} missing: {count:?}"
        );
    }
}

#[test]
fn completion_scripts_name_every_subcommand_and_option() {
    for shell in ["bash", "zsh", "fish"] {
        let out = budgie(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).expect("UTF-8");
        for (sub, longs) in definitions() {
            assert!(script.contains(&sub), "{shell}: no subcommand {sub}");
            for long in longs {
                // fish writes `-l budget`; bash and zsh `--budget`.
                let spelled = if shell == "fish" {
                    format!("-l {long}")
                } else {
                    format!("--{long}")
                };
                assert!(
                    script.contains(&spelled),
                    "{shell}: `{sub}` has no {spelled}"
                );
            }
        }
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let out = budgie(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("budgie.bash");
    std::fs::write(&path, &out.stdout).expect("write");
    let check = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(check.status.success(), "{check:?}");
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_choices() {
    let out = budgie(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bash") && stderr.contains("zsh") && stderr.contains("fish"),
        "{stderr}"
    );
}

/// roff escapes every `-`; the text a reader sees.
fn unescaped(page: &[u8]) -> String {
    String::from_utf8_lossy(page).replace("\\-", "-")
}

#[test]
fn the_man_page_lists_every_subcommand_and_the_top_level_options() {
    let out = budgie(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let page = unescaped(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH budgie 1"),
        "{page}"
    );
    for (sub, longs) in definitions() {
        if sub.is_empty() {
            for long in longs {
                assert!(
                    page.contains(&format!("--{long}")),
                    "budgie(1) has no --{long}"
                );
            }
        } else {
            assert!(page.contains(&sub), "budgie(1) does not list {sub}");
        }
    }
}

#[test]
fn man_dir_writes_a_page_per_subcommand_with_its_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = budgie(&["man", "--dir", &dir.path().display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for (sub, longs) in definitions() {
        let name = if sub.is_empty() {
            "budgie.1".to_string()
        } else {
            format!("budgie-{sub}.1")
        };
        let page = unescaped(&std::fs::read(dir.path().join(&name)).expect(&name));
        for long in longs {
            assert!(
                page.contains(&format!("--{long}")),
                "{name} has no --{long}"
            );
        }
    }
}

#[test]
fn man_dir_that_does_not_exist_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("man1");
    let out = budgie(&["man", "--dir", &missing.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("man1"));
    assert!(!missing.exists());
}
