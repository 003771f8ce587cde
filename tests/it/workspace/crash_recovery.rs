//! End to end: type into the real workbench in tmux, kill it with SIGKILL, start it again and
//! find the draft restored.
//!
//! budgie restores the autosaved draft by itself on the next start (it is what the user was
//! looking at) and says so on the hint line; Ctrl-S then saves it. The library half of this
//! test (SIGKILL during autosave never leaves a broken recovery) is `workspace::crash`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::support::tmux::{Tmux, WAIT};

/// Text the workbench shows once it is ready for typing (the key-hint line).
const READY: &str = "Ctrl-Q quit";
/// The start of the notice shown when the draft was restored.
const RESTORED: &str = "restored the draft";
/// What is typed; unusual enough to find on screen.
const TYPED: &str = "parakeet-7731 draft survives";

fn start_budgie(name: &str, home: &Path) -> Option<Tmux> {
    let command = format!(
        "env -u ANTHROPIC_API_KEY BUDGIE_HOME='{}' '{}'",
        home.display(),
        env!("CARGO_BIN_EXE_budgie")
    );
    Tmux::start(name, &command)
}

#[test]
fn sigkill_while_typing_then_restart_restores_the_draft() {
    assert_eq!(
        budgie::runtime::RESTORED_NOTE.get(..RESTORED.len()),
        Some(RESTORED)
    );
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");

    let Some(first) = start_budgie("crash-first", &home) else {
        return;
    };
    first.wait_for_text(READY);
    first.keys(TYPED);
    first.wait_for_text(TYPED);

    // Autosave happens within `autosave_ms` (1 s) of the edit: wait for the recovery file
    // rather than sleeping a fixed time.
    let store = budgie::workspace::recovery::RecoveryStore::new(&home.join("data"));
    let start = Instant::now();
    while !store.all_pending().iter().any(|r| {
        serde_json::to_string(&r.workspace.request)
            .unwrap()
            .contains(TYPED)
    }) {
        assert!(start.elapsed() < WAIT, "no autosave after typing");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let pid = first.format("#{pane_pid}");
    let status = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(status.success());
    drop(first);

    let Some(second) = start_budgie("crash-second", &home) else {
        return;
    };
    second.wait_for_text(RESTORED);
    second.wait_for_text(TYPED);
}
