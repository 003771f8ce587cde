//! The cost views in the real binary, in tmux: a workspace with a long system prompt and a
//! cache breakpoint, seen on every model (where it fits, what it costs, where the breakpoint
//! does not cache) and in the cache view; then exact prefix counts from a fake API.

use std::path::Path;

use crate::support::fake_rate_api::{FakeRateApi, FakeRateConfig};
use crate::support::tmux::Tmux;
use crate::support::tmux::{assert_restored, shell_command};

/// About 1,800 tokens of system prompt on v3 (over Sonnet 4.5's minimum of 1,024, under
/// Haiku 4.5's 4,096), with a breakpoint.
fn write_workspace(dir: &Path) {
    let system = "You are a meticulous legal assistant who reads every clause twice. ".repeat(120);
    let ws = serde_json::json!({
        "budgie_workspace": 1,
        "request": {
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": "Summarise clause 4."}]
        }
    });
    std::fs::write(dir.join("contract.budgie.json"), ws.to_string()).expect("write");
}

#[test]
fn the_comparison_and_the_cache_view_on_a_long_system_prompt() {
    let home = tempfile::tempdir().expect("tempdir");
    write_workspace(home.path());
    let Some(t) = Tmux::start(
        "costs",
        &shell_command(home.path(), "", "contract.budgie.json"),
    ) else {
        return;
    };
    // The marker on the system block; then navigation (a key straight after Esc would read
    // as Alt-key).
    t.wait_for_text("◆5m");
    t.key("Escape");
    t.wait_for_text("n new turn");
    t.keys("c");
    // Every model with its window and fit, the tokenizer families, and the model on which
    // the breakpoint does not cache (waited for whole: a frame may be caught half drawn).
    let wanted = [
        "claude-opus-5",
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-3-haiku",
        "1st cached",
        "counts this",
        "under claude-haiku-4-5's minimum of 4,096",
    ];
    let s = t.wait_for("the comparison", |s| wanted.iter().all(|w| s.contains(w)));
    assert!(!s.contains("under claude-sonnet-4-5's minimum"), "{s}");
    t.keys("C");
    t.wait_for("the cache view", |s| {
        ["Prompt cache", "at least 1,024: caches", "repeat within 5m"]
            .iter()
            .all(|w| s.contains(w))
    });
    t.key("Escape");
    t.key("C-q");
    assert_restored(&t);
}

#[test]
fn exact_prefix_counts_come_from_the_api_on_demand() {
    let home = tempfile::tempdir().expect("tempdir");
    write_workspace(home.path());
    // The fake counts 7 + the words of the messages' texts: the system cut (with its
    // one-word stand-in message) is 8, which is nothing like the offline count.
    let runtime = tokio::runtime::Runtime::new().expect("runtime for the fake API");
    let api = runtime.block_on(FakeRateApi::start(FakeRateConfig::new(1_000_000)));
    let env = crate::support::tmux::api_env(&api.uri());
    let Some(t) = Tmux::start(
        "costs-exact",
        &shell_command(home.path(), &env, "contract.budgie.json"),
    ) else {
        return;
    };
    t.wait_for_text("exact ·");
    let before = api.stats().ok;
    // In navigation (a key straight after Esc would read as Alt-key).
    t.key("Escape");
    t.wait_for_text("n new turn");
    t.keys("C");
    t.wait_for_text("at least 1,024: caches");
    assert_eq!(api.stats().ok, before, "opening the view asks nothing");
    t.keys("e");
    t.wait_for_text("system[0]: 8 tokens, under claude-sonnet-4-5's minimum of 1,024");
    // The workbench had counted the request already: only the system cut is asked, once.
    assert_eq!(api.stats().ok, before + 1);
    t.keys("e");
    t.wait_for_text("every figure shown is exact already");
    assert_eq!(api.stats().ok, before + 1);
    t.key("Escape");
    t.key("C-q");
    assert_restored(&t);
}
