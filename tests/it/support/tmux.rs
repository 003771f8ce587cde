//! The real binary in tmux: a tmux server of our own (its own socket, killed on drop), keys
//! sent as a user types them, and waits that poll the screen for text instead of sleeping.
//!
//! Skipped when tmux is missing, except under CI (`CI` set), where that is a failure.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a wait polls before it fails (generous: the machine may be busy).
pub const WAIT: Duration = Duration::from_secs(30);

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Start `command` in a 120×40 window; `None` (a loud skip) when tmux is not installed.
    pub fn start(name: &str, command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is required under CI for the end-to-end tests"
            );
            eprintln!("tmux not found: skipping the end-to-end test");
            return None;
        }
        let socket = format!("budgie-it-{}-{name}", std::process::id());
        let t = Tmux { socket };
        let ok = t
            .cmd(&[
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
                "-s",
                "main",
                command,
            ])
            .status
            .success();
        assert!(ok, "tmux new-session failed");
        Some(t)
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    /// Type `literal` as it is.
    pub fn keys(&self, literal: &str) {
        self.cmd(&["send-keys", "-t", "main", "-l", literal]);
    }

    /// Press a named key ("C-q", "Left", "Escape").
    pub fn key(&self, name: &str) {
        self.cmd(&["send-keys", "-t", "main", name]);
    }

    /// A tmux format about the pane ("#{alternate_on}", "#{pane_pid}").
    pub fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(&self.cmd(&["display-message", "-p", "-t", "main", f]).stdout)
            .trim()
            .to_string()
    }

    /// Poll the screen until `done` says yes; panic with the screen after [`WAIT`].
    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait for `text` to appear on the screen.
    pub fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("`{text}`"), |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}
