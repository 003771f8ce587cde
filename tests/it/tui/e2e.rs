//! The real binary in tmux: start it, type, see the count change, quit, and check the
//! terminal is restored. Waits poll the screen for text; there are no fixed sleeps.
//!
//! Skipped when tmux is missing, except under CI (`CI` set), where that is a failure.

use crate::support::fake_rate_api::{FakeRateApi, FakeRateConfig};
use crate::support::tmux::{Tmux, assert_restored, shell_command};

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

#[test]
fn type_see_the_offline_count_change_quit_restored() {
    let home = tempfile::tempdir().expect("tempdir");
    let Some(t) = Tmux::start("offline", &shell_command(home.path(), "", "")) else {
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
    // Unsaved work: quitting asks; saving an untitled draft asks where, suggesting a file
    // of its own in budgie's drafts folder.
    t.key("C-q");
    t.wait_for_text("has unsaved changes");
    t.keys("s");
    t.wait_for_text("Save the workspace as");
    t.key("Enter");
    assert_restored(&t);
    let drafts: Vec<_> = std::fs::read_dir(home.path().join("data/drafts"))
        .expect("the drafts folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    let text = std::fs::read_to_string(&drafts[0]).expect("the draft was written");
    assert!(text.contains("Berkeley?"));
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
    // The fake answers 7 + the words of the text; no rate limit worth the name.
    let runtime = tokio::runtime::Runtime::new().expect("runtime for the fake API");
    let api = runtime.block_on(FakeRateApi::start(FakeRateConfig::new(1_000_000)));
    let requests = || api.stats().ok;
    let env = crate::support::tmux::api_env(&api.uri());
    let Some(t) = Tmux::start("exact", &shell_command(home.path(), &env, "")) else {
        return;
    };
    let first = t.wait_for("the first exact count", |s| s.contains("exact ·"));
    assert_eq!(requests(), 1, "one request for the opening content");
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
    assert_eq!(requests(), 2, "one request per pause");
    // Moving the cursor changes nothing counted: no request.
    t.key("Left");
    t.key("Right");
    t.key("C-q");
    t.wait_for_text("has unsaved changes");
    t.keys("d");
    assert_restored(&t);
    assert_eq!(requests(), 2);
    // Each exact count was kept beside the offline count of the same content (drift).
    let text = std::fs::read_to_string(home.path().join("data/drift.json"))
        .expect("the drift record was written");
    let drift: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let models = drift["models"].as_object().expect("models");
    assert_eq!(models.len(), 1, "{drift}");
    let samples = models.values().next().expect("one model")["samples"]
        .as_array()
        .expect("samples")
        .clone();
    assert_eq!(samples.len(), 2, "{drift}");
    assert!(
        samples.iter().all(|s| s["offline"] != s["exact"]),
        "{drift}"
    );
}

#[test]
fn a_request_the_api_would_refuse_opens_with_its_block_named() {
    use crate::support::requests;
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join("fake-pdf.json"),
        requests::pdf_that_is_text(),
    )
    .expect("write");
    let command = shell_command(home.path(), "", "fake-pdf.json");
    let Some(t) = Tmux::start("refused", &command) else {
        return;
    };
    // Opened all the same (nothing is lost), with the problem named where it is.
    t.wait_for("the problem named", |s| {
        s.contains("fake-pdf.json: messages[0].content[0]: document data is not a PDF")
    });
    t.key("C-q");
    assert_restored(&t);
}

#[test]
fn on_a_tiny_terminal_nothing_acts_on_the_hidden_panes() {
    let home = tempfile::tempdir().expect("tempdir");
    let command = shell_command(home.path(), "", "");
    let Some(t) = Tmux::start_sized("tiny", &command, 40, 12) else {
        return;
    };
    t.wait_for_text("offline");
    // Tab, t, Space and x at 40×12: the tools and attachments panes are not drawn, so
    // nothing is focused there and nothing is switched or removed blind.
    t.key("Escape");
    t.wait_for_text("Enter edit");
    t.key("Tab");
    t.wait_for_text("the tools and");
    for k in ["t", "Space", "x", "Tab", "Space", "x"] {
        t.key(k);
    }
    // Nothing changed: quitting asks nothing (on a screen big enough to read the status).
    t.resize(120, 40);
    t.wait_for_text("Tools");
    t.key("C-q");
    assert_restored(&t);
}
