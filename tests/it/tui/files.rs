//! Saving, quitting and opening in the real binary (tmux): unsaved work is never left
//! behind without a question, the recovery file stays until the question is answered, a
//! file is never replaced without asking, a new file name starts a new workspace, and the
//! open window offers the recent files.

use std::path::{Path, PathBuf};

use crate::support::tmux::{Tmux, assert_restored, shell_command, wait_until};

const WORKSPACE: &str = r#"{"budgie_workspace":1,"request":{"model":"claude-sonnet-4-5",
    "messages":[{"role":"user","content":"What is the weather?"}]}}"#;

fn recovery_files(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("data/recovery"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// budgie on `w.budgie.json` in a fresh home, with ` and tomorrow?` typed and autosaved.
fn edited_workspace(name: &str) -> Option<(tempfile::TempDir, Tmux)> {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("w.budgie.json"), WORKSPACE).expect("write");
    let t = Tmux::start(name, &shell_command(home.path(), "", "w.budgie.json"))?;
    t.wait_for_text("weather?");
    t.keys(" and tomorrow?");
    t.wait_for_text("tomorrow?");
    wait_until("the recovery file", || {
        !recovery_files(home.path()).is_empty()
    });
    Some((home, t))
}

#[test]
fn quitting_with_unsaved_edits_asks_and_the_recovery_file_stays_until_answered() {
    let Some((home, t)) = edited_workspace("quit-ask") else {
        return;
    };
    t.key("C-q");
    t.wait_for_text("w.budgie.json has unsaved changes");
    assert_eq!(recovery_files(home.path()).len(), 1, "kept while asking");
    // Stay: nothing is lost, the recovery file is still there.
    t.key("Escape");
    t.wait_for("the question to close", |s| {
        !s.contains("has unsaved changes")
    });
    assert_eq!(recovery_files(home.path()).len(), 1);
    assert!(!read(&home.path().join("w.budgie.json")).contains("tomorrow?"));
    // Save, then quit: the file has the edit, the recovery file is gone.
    t.key("C-q");
    t.wait_for_text("has unsaved changes");
    t.keys("s");
    assert_restored(&t);
    assert!(read(&home.path().join("w.budgie.json")).contains("tomorrow?"));
    assert!(recovery_files(home.path()).is_empty());
}

#[test]
fn discarding_leaves_the_file_as_it_was() {
    let Some((home, t)) = edited_workspace("quit-discard") else {
        return;
    };
    t.key("C-q");
    t.wait_for_text("has unsaved changes");
    t.keys("d");
    assert_restored(&t);
    assert_eq!(read(&home.path().join("w.budgie.json")), WORKSPACE);
    assert!(recovery_files(home.path()).is_empty(), "the user chose");
}

#[test]
fn a_saved_workspace_leaves_no_recovery_file() {
    let Some((home, t)) = edited_workspace("save-clears") else {
        return;
    };
    t.key("C-s");
    t.wait_for_text("saved ");
    wait_until("the recovery file to go", || {
        recovery_files(home.path()).is_empty()
    });
    // Saved: quitting asks nothing.
    t.key("C-q");
    assert_restored(&t);
}

#[test]
fn save_as_completes_the_path_and_asks_before_replacing_a_file() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("alpha.budgie.json"), WORKSPACE).expect("write");
    let Some(t) = Tmux::start("save-as", &shell_command(home.path(), "", "")) else {
        return;
    };
    t.wait_for_text("Request · untitled");
    t.keys(" Which coat?");
    t.key("F12");
    // The suggestion is selected: typing replaces it; Tab completes.
    t.wait_for_text("Save the workspace as");
    t.keys("al");
    t.key("Tab");
    t.wait_for_text("alpha.budgie.json▏");
    t.key("Enter");
    t.wait_for_text("alpha.budgie.json exists. Replace it?");
    // No: back to the name, nothing written.
    t.keys("n");
    t.wait_for_text("Save the workspace as");
    assert_eq!(read(&home.path().join("alpha.budgie.json")), WORKSPACE);
    t.key("Enter");
    t.wait_for_text("exists. Replace it?");
    t.keys("y");
    t.wait_for_text("Request · alpha.budgie.json");
    assert!(read(&home.path().join("alpha.budgie.json")).contains("Which coat?"));
    t.key("C-q");
    assert_restored(&t);
}

#[test]
fn a_new_file_name_starts_a_new_workspace_there() {
    let home = tempfile::tempdir().expect("tempdir");
    let command = shell_command(home.path(), "", "fresh.budgie.json");
    let Some(t) = Tmux::start("new-file", &command) else {
        return;
    };
    t.wait_for_text("fresh.budgie.json: it is written when you save");
    assert!(
        !home.path().join("fresh.budgie.json").exists(),
        "not before a save"
    );
    t.keys("Draft a haiku");
    t.key("C-s");
    t.wait_for("the save", |s| {
        s.lines()
            .any(|l| l.starts_with("saved ") && l.contains("/fresh.budgie.json"))
    });
    assert!(read(&home.path().join("fresh.budgie.json")).contains("Draft a haiku"));
    t.key("C-q");
    assert_restored(&t);
}

#[test]
fn the_open_window_offers_recent_files() {
    let home = tempfile::tempdir().expect("tempdir");
    for name in ["first.budgie.json", "second.budgie.json"] {
        std::fs::write(home.path().join(name), WORKSPACE).expect("write");
    }
    // Open the first once, so it is a recent file.
    let Some(t) = Tmux::start(
        "recent-1",
        &shell_command(home.path(), "", "first.budgie.json"),
    ) else {
        return;
    };
    t.wait_for_text("Request · first.budgie.json");
    t.key("C-q");
    assert_restored(&t);
    drop(t);
    let Some(t) = Tmux::start(
        "recent-2",
        &shell_command(home.path(), "", "second.budgie.json"),
    ) else {
        return;
    };
    t.wait_for_text("Request · second.budgie.json");
    t.key("C-o");
    t.wait_for_text("first.budgie.json");
    t.key("Enter");
    t.wait_for_text("Request · first.budgie.json");
    t.key("C-q");
    assert_restored(&t);
}
