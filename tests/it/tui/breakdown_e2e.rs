//! Exact attribution in the real binary, in tmux, against a fake API whose counts follow a
//! rule of their own (7 + the words of the messages' texts: a tool costs nothing there): `B`
//! in the breakdown shows the server's figures, and a second session asks nothing again (the
//! counts are kept on disk).

use crate::support::fake_rate_api::{FakeRateApi, FakeRateConfig};
use crate::support::tmux::{Tmux, assert_restored, shell_command};

/// In navigation, Tab to the breakdown and press `B`; wait for the exact figures.
fn attribute(t: &Tmux) -> String {
    // A key straight after Esc would read as Alt-key: wait for navigation's hints.
    t.key("Escape");
    t.wait_for_text("n new turn");
    for _ in 0..3 {
        t.key("Tab");
    }
    t.wait_for_text("go to");
    t.keys("B");
    t.wait_for("the exact breakdown", |s| {
        s.contains("Breakdown · exact") && s.contains("tool get_weather")
    })
}

#[test]
fn b_attributes_exactly_from_the_server_and_a_second_session_asks_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime for the fake API");
    let api = runtime.block_on(FakeRateApi::start(FakeRateConfig::new(1_000_000)));
    let env = crate::support::tmux::api_env(&api.uri());
    let Some(t) = Tmux::start(
        "attribute",
        &shell_command(home.path(), &env, "--rpm 100000"),
    ) else {
        return;
    };
    t.wait_for_text("exact ·");
    let before = api.stats().ok;
    let screen = attribute(&t);
    // The fake charges nothing for a tool; offline it is ~73. The row shows the server's 0,
    // without the "~" of an offline figure.
    let tool_row = screen
        .lines()
        .find(|l| l.contains("tool get_weather") && l.contains('%') && !l.contains("[x]"))
        .expect("the tool's row");
    let after_name = tool_row.split("tool get_weather").nth(1).expect("figures");
    assert!(after_name.trim_start().starts_with("0 "), "{tool_row}");
    assert!(!after_name.contains('~'), "{tool_row}");
    let asked = api.stats().ok - before;
    assert!(asked >= 4, "the total and a count per section: {asked}");
    t.key("C-q");
    assert_restored(&t);
    drop(t);

    // Again, in a new session: every count is on disk, nothing is sent for the breakdown.
    let Some(t) = Tmux::start(
        "attribute-again",
        &shell_command(home.path(), &env, "--rpm 100000"),
    ) else {
        return;
    };
    t.wait_for_text("exact ·");
    let before = api.stats().ok;
    attribute(&t);
    assert_eq!(api.stats().ok, before, "a cached attribution sends nothing");
    t.key("C-q");
    assert_restored(&t);
}
