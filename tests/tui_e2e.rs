//! The real binary in tmux: start it, type, see the count change, quit, and check the
//! terminal is restored. Waits poll the screen for text; there are no fixed sleeps.
//!
//! Skipped when tmux is missing, except under CI (`CI` set), where that is a failure.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is required under CI for the end-to-end tests"
            );
            eprintln!("tmux not found: skipping the end-to-end test");
            return None;
        }
        let socket = format!("budgie-e2e-{}-{name}", std::process::id());
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

    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn keys(&self, literal: &str) {
        self.cmd(&["send-keys", "-t", "main", "-l", literal]);
    }

    fn key(&self, name: &str) {
        self.cmd(&["send-keys", "-t", "main", name]);
    }

    fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(&self.cmd(&["display-message", "-p", "-t", "main", f]).stdout)
            .trim()
            .to_string()
    }

    /// Poll the screen until `done` says yes; panic with the screen after `WAIT`.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
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
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// The line of the budget panel with the count ("~85 tokens  of 2,000 (4 %)").
fn count_line(screen: &str) -> Option<String> {
    screen.lines().find(|l| l.contains(" tokens ")).map(|l| {
        let start = l.find('│').map_or(0, |i| i + '│'.len_utf8());
        l[start..]
            .split('│')
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    })
}

fn shell_command(home: &Path, env: &str) -> String {
    format!(
        "sh -c 'env -u ANTHROPIC_API_KEY -u ANTHROPIC_BASE_URL -u NO_COLOR BUDGIE_HOME={home} {env} {bin}; \
         echo BUDGIE_EXIT=$?; stty -a; echo BUDGIE_DONE; sleep 600'",
        home = home.display(),
        bin = env!("CARGO_BIN_EXE_budgie"),
    )
}

fn assert_restored(t: &Tmux) {
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

#[test]
fn type_see_the_offline_count_change_quit_restored() {
    let home = tempfile::tempdir().expect("tempdir");
    let Some(t) = Tmux::start("offline", &shell_command(home.path(), "")) else {
        return;
    };
    // The whole first frame: the count and, below it, the word that it is offline.
    let screen = t.wait_for("the first frame", |s| {
        count_line(s).is_some() && s.contains("offline (no API key)")
    });
    // While running, the workbench owns the terminal (so the checks after exit mean something).
    assert_eq!(t.format("#{alternate_on}"), "1");
    assert_eq!(t.format("#{mouse_any_flag}"), "1");
    let before = count_line(&screen).expect("count");
    t.keys(" Will it rain tomorrow in Oakland and in Berkeley?");
    let after = t.wait_for("the count to change", |s| {
        count_line(s).is_some_and(|c| c != before) && s.contains("Berkeley?")
    });
    assert_ne!(count_line(&after), Some(before));
    t.key("C-q");
    assert_restored(&t);
    // Unsaved work was kept in the draft on the way out.
    let draft = home.path().join("data/draft.budgie.json");
    let text = std::fs::read_to_string(&draft).expect("the draft was written");
    assert!(text.contains("Berkeley?"));
}

/// A local fake count_tokens API: answers `input_tokens` = the body's length, counts requests.
fn fake_api() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0usize;
            let mut has_key = false;
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                let lower = header.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                has_key |= lower.starts_with("x-api-key: test-key");
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let (status, answer) = if has_key && request_line.contains("/v1/messages/count_tokens")
            {
                seen.fetch_add(1, Ordering::SeqCst);
                ("200 OK", format!("{{\"input_tokens\":{}}}", body.len()))
            } else {
                ("401 Unauthorized", "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key\"}}".to_string())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, count)
}

#[test]
fn with_a_fake_api_the_exact_count_lands_once_per_pause() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join("config")).expect("config dir");
    std::fs::write(
        home.path().join("config/config.toml"),
        "debounce_ms = 200\n",
    )
    .expect("config");
    let (url, requests) = fake_api();
    let env = format!("ANTHROPIC_API_KEY=test-key ANTHROPIC_BASE_URL={url}");
    let Some(t) = Tmux::start("exact", &shell_command(home.path(), &env)) else {
        return;
    };
    let first = t.wait_for("the first exact count", |s| s.contains("exact ·"));
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "one request for the opening content"
    );
    let before = count_line(&first).expect("count");
    assert!(
        !before.starts_with('~'),
        "exact counts carry no ~: {before}"
    );
    // A burst of typing, then a pause: one more request, for the final content.
    t.keys(" And tomorrow?");
    let after = t.wait_for("the new exact count", |s| {
        s.contains("exact ·") && count_line(s).is_some_and(|c| c != before && !c.starts_with('~'))
    });
    assert!(after.contains("tomorrow?"));
    assert_eq!(requests.load(Ordering::SeqCst), 2, "one request per pause");
    // Moving the cursor changes nothing counted: no request.
    t.key("Left");
    t.key("Right");
    t.key("C-q");
    assert_restored(&t);
    assert_eq!(requests.load(Ordering::SeqCst), 2);
}
