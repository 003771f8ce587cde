//! End to end (issue 6): type into the real workbench in tmux, kill it with SIGKILL, start it
//! again and find the draft offered for restore.
//!
//! budgie restores the autosaved draft by itself on the next start (it is what the user was
//! looking at) and says so on the hint line; Ctrl-S then saves it. The library half of this
//! test (SIGKILL during autosave never leaves a broken recovery) is tests/workspace_crash.rs.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Text the workbench shows once it is ready for typing (the key-hint line).
const READY: &str = "Ctrl-Q quit";
/// The start of the notice shown when the draft was restored.
const RESTORED: &str = "restored the draft";
/// What is typed; unusual enough to find on screen.
const TYPED: &str = "parakeet-7731 draft survives";

fn tmux(socket: &Path, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(socket: &Path, text: &str, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        let screen = tmux(socket, &["capture-pane", "-p", "-t", "t"]);
        if screen.contains(text) {
            return screen;
        }
        assert!(
            start.elapsed() < timeout,
            "`{text}` never appeared; screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_budgie(socket: &Path, home: &Path) {
    let command = format!(
        "env -u ANTHROPIC_API_KEY BUDGIE_HOME='{}' '{}'",
        home.display(),
        env!("CARGO_BIN_EXE_budgie")
    );
    tmux(
        socket,
        &[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "120",
            "-y",
            "40",
            &command,
        ],
    );
}

#[test]
fn sigkill_while_typing_then_restart_restores_the_draft() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI"
        );
        eprintln!("skipped: tmux is not installed");
        return;
    }
    assert_eq!(
        budgie::runtime::RESTORED_NOTE.get(..RESTORED.len()),
        Some(RESTORED)
    );
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("tmux.sock");
    let home = dir.path().join("home");

    start_budgie(&socket, &home);
    wait_for(&socket, READY, Duration::from_secs(10));
    tmux(&socket, &["send-keys", "-t", "t", "-l", TYPED]);
    wait_for(&socket, TYPED, Duration::from_secs(5));

    // Autosave happens within `autosave_ms` (1 s) of the edit: wait for the recovery file
    // rather than sleeping a fixed time.
    let store = budgie::workspace::recovery::RecoveryStore::new(&home.join("data"));
    let start = Instant::now();
    while !store.all_pending().iter().any(|r| {
        serde_json::to_string(&r.workspace.request)
            .unwrap()
            .contains(TYPED)
    }) {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "no autosave within 3 s of typing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let pid = tmux(
        &socket,
        &["display-message", "-p", "-t", "t", "#{pane_pid}"],
    );
    let status = Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .unwrap();
    assert!(status.success());
    tmux(&socket, &["kill-server"]);

    start_budgie(&socket, &home);
    wait_for(&socket, RESTORED, Duration::from_secs(10));
    wait_for(&socket, TYPED, Duration::from_secs(5));
    tmux(&socket, &["kill-server"]);
}
