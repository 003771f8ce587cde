//! Autosave under SIGKILL, without the TUI: a child process "types" into a draft and autosaves
//! it through `Autosaver` + `RecoveryStore` exactly as the runtime will; the parent kills it
//! with SIGKILL at arbitrary moments (often mid-write) and checks that what recovery offers is
//! always a whole, valid draft holding a prefix of what was typed.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use budgie::request::{Content, Request};
use budgie::workspace::Workspace;
use budgie::workspace::autosave::Autosaver;
use budgie::workspace::recovery::RecoveryStore;

const CHILD_ENV: &str = "BUDGIE_CRASH_TEST_DATA_DIR";
const DELAY_MS: u64 = 50;

fn word(i: usize) -> String {
    format!("word{i} ")
}

/// The child: only does anything when the parent starts it with CHILD_ENV set.
#[test]
fn crash_child_types_and_autosaves() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = RecoveryStore::new(&PathBuf::from(dir));
    let mut autosaver = Autosaver::from_millis(DELAY_MS);
    let mut text = String::new();
    // A sizeable draft so that writes take long enough to be interrupted.
    let padding = "lorem ipsum ".repeat(20_000);
    for i in 0.. {
        text.push_str(&word(i));
        autosaver.edited(Instant::now());
        if autosaver.due(Instant::now()) {
            let revision = autosaver.start();
            let mut ws = Workspace::from_request(Request::single_text("m", text.clone()));
            ws.notes = padding.clone();
            let ok = store.write(&ws, None, SystemTime::now()).is_ok();
            autosaver.finished(revision, ok, Instant::now());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn sigkill_during_autosave_never_leaves_a_broken_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let store = RecoveryStore::new(dir.path());
    let full: String = (0..1_000_000).map(word).take(200_000).collect();
    // The child test's full name in this binary (the module path without the crate name).
    let child_test = format!(
        "{}::crash_child_types_and_autosaves",
        module_path!().split_once("::").map_or("", |(_, rest)| rest)
    );
    for round in 0..6u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                child_test.as_str(),
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until a first autosave exists (this round's or an earlier one), then a bit
        // more, different each round.
        let start = Instant::now();
        while store.pending_for(None).is_none() && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(60 + 37 * round));
        child.kill().unwrap(); // SIGKILL on unix
        child.wait().unwrap();

        let recovery = store
            .pending_for(None)
            .expect("a whole recovery file after SIGKILL");
        let Content::Text(text) = &recovery.workspace.request.messages[0].content else {
            panic!("text content")
        };
        assert!(!text.is_empty());
        assert!(
            full.starts_with(text.as_str()),
            "round {round}: not a prefix of what was typed"
        );
        // No temporary files pile up beyond the one a kill may strand.
        let leftovers = std::fs::read_dir(&store.dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp-")
            })
            .count();
        assert!(leftovers <= round as usize + 1);
        budgie::workspace::recovery::discard(&recovery).unwrap();
    }
}
