//! The real binary in tmux: a tmux server of our own (its own socket, killed on drop), keys
//! sent as a user types them, and waits that poll the screen for text instead of sleeping.
//!
//! Skipped when tmux is missing, except under CI (`CI` set), where that is a failure.

use std::path::Path;
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
        Self::start_sized(name, command, 120, 40)
    }

    /// Start `command` in a `width`×`height` window.
    pub fn start_sized(name: &str, command: &str, width: u16, height: u16) -> Option<Tmux> {
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
                &width.to_string(),
                "-y",
                &height.to_string(),
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

    /// Press several named keys in one `send-keys`, so they reach the program in one write
    /// (as a terminal sends Esc and the key typed right after it).
    pub fn keys_together(&self, names: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(names);
        self.cmd(&args);
    }

    /// Resize the window (the program sees a terminal resize).
    pub fn resize(&self, width: u16, height: u16) {
        self.cmd(&[
            "resize-window",
            "-t",
            "main",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
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

/// The environment that points budgie at a (fake) API at `base_url`, with the test key.
pub fn api_env(base_url: &str) -> String {
    format!(
        "ANTHROPIC_API_KEY={} ANTHROPIC_BASE_URL={base_url}",
        crate::support::TEST_KEY
    )
}

/// budgie with `args`, in `home` (also its BUDGIE_HOME), with `env` set; after it exits, its
/// status and the terminal's mode are printed.
pub fn shell_command(home: &Path, env: &str, args: &str) -> String {
    format!(
        "sh -c 'cd {home} && env -u ANTHROPIC_API_KEY -u ANTHROPIC_BASE_URL -u NO_COLOR BUDGIE_HOME={home} {env} {bin} {args}; \
         echo BUDGIE_EXIT=$?; stty -a; echo BUDGIE_DONE; sleep 600'",
        home = home.display(),
        bin = env!("CARGO_BIN_EXE_budgie"),
    )
}

pub fn assert_restored(t: &Tmux) {
    let screen = t.wait_for("budgie to exit", |s| s.contains("BUDGIE_DONE"));
    assert!(screen.contains("BUDGIE_EXIT=0"), "{screen}");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    assert_eq!(t.format("#{mouse_any_flag}"), "0", "mouse capture off");
    // stty after exit: canonical mode and echo are back (raw mode would show -icanon -echo).
    let words: Vec<&str> = screen.split_whitespace().collect();
    assert!(words.contains(&"icanon"), "{screen}");
    assert!(words.contains(&"echo"), "{screen}");
}

/// Poll `done` (a file appearing, say) until it holds; panic after [`WAIT`].
pub fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
