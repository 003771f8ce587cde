//! Blocks backed by files (`"x_budgie": {"file": …}`): `budgie count` and `budgie export`
//! read the files (a missing one is an input error naming the block and the path), and the
//! workbench shows the file's name, reloads it when it changes on disk, writes edits back
//! on save and asks before replacing a file that changed under it.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::tmux::{Tmux, assert_restored, shell_command, wait_until};

const SYSTEM: &str = "You are a meteorologist. Answer in one short paragraph, in metric units.";
const TOOL: &str = r#"{
  "name": "get_weather",
  "description": "Current weather for a city",
  "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
}"#;

/// A workspace whose system prompt and tool live in files beside it.
const LINKED: &str = r#"{"budgie_workspace": 1, "request": {
  "model": "claude-sonnet-4-5",
  "system": [{"type": "text", "x_budgie": {"file": "prompts/system.md"}}],
  "tools": [{"x_budgie": {"file": "tools/weather.json"}}],
  "messages": [{"role": "user", "content": "Will it rain in Oslo?"}]}}"#;

fn prompt_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("prompts")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("tools")).expect("mkdir");
    std::fs::write(dir.path().join("prompts/system.md"), SYSTEM).expect("write");
    std::fs::write(dir.path().join("tools/weather.json"), TOOL).expect("write");
    std::fs::write(dir.path().join("w.budgie.json"), LINKED).expect("write");
    dir
}

fn budgie(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_budgie"))
        .current_dir(dir)
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .env("BUDGIE_HOME", dir.join("home"))
        .args(args)
        .output()
        .expect("budgie runs")
}

fn tokens(output: &Output) -> u64 {
    let line: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    line["input_tokens"].as_u64().expect("a count")
}

#[test]
fn count_and_export_read_the_linked_files() {
    let dir = prompt_repo();
    // The same request with the texts written in: the reference.
    let tool: Value = serde_json::from_str(TOOL).expect("json");
    let inline = serde_json::json!({
        "model": "claude-sonnet-4-5",
        "system": [{"type": "text", "text": SYSTEM}],
        "tools": [tool],
        "messages": [{"role": "user", "content": "Will it rain in Oslo?"}]
    });
    std::fs::write(dir.path().join("inline.json"), inline.to_string()).expect("write");
    let linked = budgie(
        dir.path(),
        &["count", "--offline", "--json", "w.budgie.json"],
    );
    assert!(linked.status.success(), "{linked:?}");
    let reference = budgie(dir.path(), &["count", "--offline", "--json", "inline.json"]);
    assert_eq!(tokens(&linked), tokens(&reference));
    // A longer file counts more: the file is what is counted.
    std::fs::write(
        dir.path().join("prompts/system.md"),
        format!("{SYSTEM} Mention the wind speed and the chance of rain."),
    )
    .expect("write");
    let longer = budgie(
        dir.path(),
        &["count", "--offline", "--json", "w.budgie.json"],
    );
    assert!(tokens(&longer) > tokens(&linked));

    let export = budgie(dir.path(), &["export", "--format", "json", "w.budgie.json"]);
    assert!(export.status.success(), "{export:?}");
    let body: Value = serde_json::from_slice(&export.stdout).expect("json");
    assert_eq!(
        body["system"][0]["text"].as_str(),
        Some(format!("{SYSTEM} Mention the wind speed and the chance of rain.").as_str())
    );
    assert_eq!(body["tools"][0]["name"], "get_weather");
    assert_eq!(body["tools"][0]["input_schema"]["required"][0], "city");
    let text = String::from_utf8_lossy(&export.stdout);
    assert!(!text.contains("x_budgie"), "never sent: {text}");
}

#[test]
fn a_missing_linked_file_is_an_input_error_naming_the_block_and_the_path() {
    let dir = prompt_repo();
    std::fs::remove_file(dir.path().join("prompts/system.md")).expect("rm");
    let count = budgie(dir.path(), &["count", "--offline", "w.budgie.json"]);
    assert_eq!(count.status.code(), Some(2), "{count:?}");
    let stderr = String::from_utf8_lossy(&count.stderr);
    assert!(
        stderr.contains("request.system[0]")
            && stderr.contains("linked file prompts/system.md cannot be read (no such file)"),
        "{stderr}"
    );
    let export = budgie(dir.path(), &["export", "w.budgie.json"]);
    assert_eq!(export.status.code(), Some(2), "{export:?}");
    let stderr = String::from_utf8_lossy(&export.stderr);
    assert!(stderr.contains("prompts/system.md"), "{stderr}");
    assert!(export.stdout.is_empty());
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn the_workbench_reloads_writes_back_and_asks_when_the_file_changed_under_it() {
    let dir = prompt_repo();
    let system = dir.path().join("prompts/system.md");
    let Some(t) = Tmux::start("linked", &shell_command(dir.path(), "", "w.budgie.json")) else {
        return;
    };
    // The header names the file; the block shows its text.
    t.wait_for("the linked system prompt", |s| {
        s.contains("system · system.md") && s.contains("You are a meteorologist")
    });
    // Changed on disk, no edits here: reloaded.
    std::fs::write(&system, "You are a cheerful forecaster.").expect("write");
    t.wait_for("the reload", |s| {
        s.contains("You are a cheerful forecaster.") && s.contains("changed on disk: reloaded")
    });
    // Edited here and saved: written back to the file; the workspace keeps only the link.
    t.key("Escape");
    t.wait_for_text("Enter edit");
    t.keys("k");
    t.key("Enter");
    t.keys(" Keep it short.");
    t.wait_for_text("Keep it short.");
    t.key("C-s");
    wait_until("the file written back", || {
        read(&system) == "You are a cheerful forecaster. Keep it short."
    });
    let saved = read(&dir.path().join("w.budgie.json"));
    assert!(saved.contains("prompts/system.md"), "{saved}");
    assert!(
        !saved.contains("cheerful"),
        "the text lives in its file: {saved}"
    );
    assert!(!saved.contains("sha256"), "{saved}");
    // Edited here and changed on disk: the edits are kept, and saving asks first.
    t.keys(" Use emoji.");
    t.wait_for_text("Use emoji.");
    std::fs::write(&system, "Written by a colleague.").expect("write");
    t.wait_for_text("your edits here are kept");
    t.key("C-s");
    t.wait_for_text("changed on disk since budgie read it");
    assert_eq!(
        read(&system),
        "Written by a colleague.",
        "not replaced before asked"
    );
    t.keys("y");
    wait_until("the file replaced", || {
        read(&system) == "You are a cheerful forecaster. Keep it short. Use emoji."
    });
    t.wait_for("the save to finish", |s| {
        s.contains("saved ") && !s.contains("changed on disk since")
    });
    t.key("C-q");
    assert_restored(&t);
}

/// The reducer's side: a reload is one undoable change that leaves the workspace as saved as
/// it was; edits of its own keep the block from reloading; a linked tool edited in an editor
/// stays linked.
#[test]
fn a_change_on_disk_reloads_only_a_block_without_edits_of_its_own() {
    use crate::support::workbench::{ch, key, model, send};
    use budgie::app::doc::{self, Slot, SlotContent};
    use budgie::app::{EditTarget, Msg};
    use crossterm::event::KeyCode;

    let dir = prompt_repo();
    let opened = budgie::intake::open(&dir.path().join("w.budgie.json")).expect("opens");
    assert!(opened.problems.is_empty(), "{:?}", opened.problems);
    let mut m = model(opened.workspace, Some("no API key"));
    let system = |m: &budgie::app::Model| {
        doc::content(&m.ws.request, Slot::System(0))
            .and_then(SlotContent::text)
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(system(&m), SYSTEM);
    let before = m.offline.total();
    let changed = |text: &str| Msg::LinkedFileChanged {
        file: "prompts/system.md".into(),
        result: Ok(text.into()),
    };
    send(&mut m, [changed("Short.")]);
    assert_eq!(system(&m), "Short.");
    assert!(m.offline.total() < before, "counted at once");
    assert!(!m.unsaved, "the workspace file itself did not change");
    send(&mut m, [key(KeyCode::Esc), ch('u')]);
    assert_eq!(system(&m), SYSTEM, "undo goes back");

    // Edited here since the file was read: the edits stay.
    send(&mut m, [changed("Short.")]);
    send(
        &mut m,
        [Msg::EditedExternally {
            target: EditTarget::Slot(Slot::System(0)),
            original: "Short.".into(),
            result: Ok("Short, edited in budgie.".into()),
        }],
    );
    send(&mut m, [changed("A colleague's version.")]);
    assert_eq!(system(&m), "Short, edited in budgie.");
    let notice = m
        .notice
        .as_ref()
        .map(|(n, _)| n.clone())
        .unwrap_or_default();
    assert!(notice.contains("your edits here are kept"), "{notice}");

    // A linked tool edited in an editor keeps its link (the editor does not show it).
    send(&mut m, [ch('t')]);
    let effects = send(&mut m, [ch('E')]);
    let Some(budgie::app::Effect::EditExternally { target, text, .. }) = effects.first().cloned()
    else {
        panic!("E hands the tool over: {effects:?}");
    };
    assert!(!text.contains("x_budgie"), "{text}");
    send(
        &mut m,
        [Msg::EditedExternally {
            target,
            original: text.clone(),
            result: Ok(text.replace("Current weather", "The weather now")),
        }],
    );
    let tool = &m.ws.request.tools.as_ref().expect("tools")[0];
    assert_eq!(
        tool.description.as_deref(),
        Some("The weather now for a city")
    );
    assert_eq!(
        budgie::workspace::links::linked_file(&tool.extra),
        Some("tools/weather.json")
    );
}
