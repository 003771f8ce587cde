//! A block or a tool in the user's own editor (`E`): the reducer's side (what is handed over,
//! what comes back, one undoable edit, a tool checked), and the real binary in tmux with a
//! scripted `$EDITOR` that checks it got the terminal (normal screen, no raw mode, no mouse
//! capture, its keys not read by budgie).

use std::path::Path;

use crate::support::tmux::{Tmux, assert_restored, shell_command};
use crate::support::workbench::*;
use budgie::app::doc::{self, Slot, SlotContent};
use budgie::app::{EditTarget, Effect, Msg, Overlay, Pane};
use crossterm::event::KeyCode;

fn text_at(m: &budgie::app::Model, slot: Slot) -> String {
    doc::content(&m.ws.request, slot)
        .and_then(SlotContent::text)
        .unwrap_or("")
        .to_string()
}

fn last_notice(m: &budgie::app::Model) -> String {
    m.notice
        .as_ref()
        .map(|(n, _)| n.clone())
        .unwrap_or_default()
}

/// `E` in navigation on the focused block: the effect that hands it to the editor.
fn open_in_editor(m: &mut budgie::app::Model) -> (EditTarget, String) {
    let effects = send(m, [key(KeyCode::Esc), ch('E')]);
    effects
        .into_iter()
        .find_map(|e| match e {
            Effect::EditExternally {
                target,
                text,
                extension,
                ..
            } => {
                assert!(extension == "md" || extension == "json");
                Some((target, text))
            }
            _ => None,
        })
        .expect("E hands the block to the editor")
}

#[test]
fn the_edited_text_comes_back_as_one_undoable_edit_counted_at_once() {
    let mut m = example_online();
    let slot = m.focus;
    let before_text = text_at(&m, slot);
    let before_count = m.offline.total();
    let (target, original) = open_in_editor(&mut m);
    assert_eq!(target, EditTarget::Slot(slot));
    assert_eq!(original, before_text);
    // Editors end the file with a line end the text did not have: it does not come back.
    let edited = format!("{before_text}\nAnd a second paragraph, written in vi, about rain.\n");
    let effects = send(
        &mut m,
        [Msg::EditedExternally {
            target,
            original,
            result: Ok(edited.clone()),
        }],
    );
    assert_eq!(text_at(&m, slot), edited.trim_end_matches('\n'));
    assert!(effects.contains(&Effect::CountExact), "{effects:?}");
    assert!(m.offline.total() > before_count);
    assert_eq!(
        m.offline.total(),
        full_estimate(&m),
        "counted at once, right"
    );
    assert!(m.unsaved);
    assert!(last_notice(&m).contains("edited in your editor"));
    // One undo takes the whole edit back, and the count with it.
    send(&mut m, [ch('u')]);
    assert_eq!(text_at(&m, slot), before_text);
    assert_eq!(m.offline.total(), before_count);
    assert_eq!(m.focus, slot);
    send(&mut m, [ch('U')]);
    assert_eq!(text_at(&m, slot), edited.trim_end_matches('\n'));
}

#[test]
fn an_editor_that_fails_changes_nothing_and_says_so() {
    let mut m = example_offline();
    let slot = m.focus;
    let before = m.ws.clone();
    let (target, original) = open_in_editor(&mut m);
    send(
        &mut m,
        [Msg::EditedExternally {
            target,
            original,
            result: Err("the editor `vi` exited with status 1".into()),
        }],
    );
    assert_eq!(m.ws, before);
    assert!(!m.unsaved);
    assert_eq!(
        last_notice(&m),
        "the editor `vi` exited with status 1; nothing changed"
    );
    assert_eq!(m.focus, slot);
}

#[test]
fn a_tool_opens_as_pretty_json_and_an_invalid_one_stays_in_the_tool_editor() {
    let mut m = example_offline();
    send(&mut m, [key(KeyCode::Esc), ch('t')]);
    assert_eq!(m.pane, Pane::Tools);
    let effects = send(&mut m, [ch('E')]);
    let Some(Effect::EditExternally {
        target,
        text,
        extension,
        ..
    }) = effects.into_iter().next()
    else {
        panic!("E hands the tool to the editor");
    };
    assert_eq!(target, EditTarget::Tool(0));
    assert_eq!(extension, "json");
    assert!(text.contains("\n  \"name\": \"get_weather\""), "{text}");
    let before = m.ws.clone();

    // A schema that is not an object: nothing changes, the text is kept in the tool editor.
    let broken = text.replace("\"type\": \"object\"", "\"type\": \"string\"");
    assert_ne!(broken, text);
    send(
        &mut m,
        [Msg::EditedExternally {
            target,
            original: text.clone(),
            result: Ok(broken.clone()),
        }],
    );
    assert_eq!(m.ws, before);
    let Overlay::ToolEditor {
        editor,
        error,
        replacing,
    } = &m.overlay
    else {
        panic!("the tool editor is open: {:?}", m.overlay);
    };
    assert_eq!(editor.lines().join("\n"), broken.trim_end_matches('\n'));
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("input_schema.type")),
        "{error:?}"
    );
    assert_eq!(*replacing, Some(0));
    send(&mut m, [key(KeyCode::Esc)]);

    // A valid edit replaces the tool, as one undoable edit.
    let renamed = text.replace("get_weather", "get_forecast");
    send(
        &mut m,
        [Msg::EditedExternally {
            target,
            original: text,
            result: Ok(renamed),
        }],
    );
    let tools = m.ws.request.tools.clone().expect("tools");
    assert_eq!(tools[0].name, "get_forecast");
    assert_eq!(m.offline.total(), full_estimate(&m));
    send(&mut m, [ch('u')]);
    assert_eq!(m.ws.request, before.request);
}

/// A scripted `$EDITOR`: it records the terminal's modes as it finds them, asks for a word
/// on the terminal (budgie must not read it), and puts the word in place of "weather".
fn write_editor_script(dir: &Path) -> std::path::PathBuf {
    let script = dir.join("editor.sh");
    let body = format!(
        r#"#!/bin/sh
stty -a > {dir}/stty.txt
tmux display-message -p 'alternate=#{{alternate_on}} mouse=#{{mouse_any_flag}}' > {dir}/modes.txt
printf 'SCRIPTED-EDITOR waiting for a word: '
read word
sed -i "s/weather/$word/" "$1"
"#,
        dir = dir.display()
    );
    std::fs::write(&script, body).expect("write the script");
    let status = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .expect("chmod");
    assert!(status.success());
    script
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

const WORKSPACE: &str = r#"{"budgie_workspace":1,"request":{"model":"claude-sonnet-4-5",
    "messages":[{"role":"user","content":"What is the weather?"}]}}"#;

#[test]
fn the_terminal_goes_to_the_editor_and_comes_back_with_the_text() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("w.budgie.json"), WORKSPACE).expect("write");
    let script = write_editor_script(home.path());
    let env = format!("VISUAL= EDITOR={}", script.display());
    let Some(t) = Tmux::start(
        "external-editor",
        &shell_command(home.path(), &env, "w.budgie.json"),
    ) else {
        return;
    };
    let screen = t.wait_for("the first frame", |s| {
        count_line(s).is_some() && s.contains("weather?")
    });
    let before = count_line(&screen).expect("count");
    t.key("Escape");
    t.wait_for_text("Enter edit");
    t.keys("E");
    // The editor has the terminal: budgie's screen is gone, raw mode and mouse capture off.
    t.wait_for_text("SCRIPTED-EDITOR waiting for a word");
    let modes = std::fs::read_to_string(home.path().join("modes.txt")).expect("modes");
    assert_eq!(modes.trim(), "alternate=0 mouse=0");
    let stty = std::fs::read_to_string(home.path().join("stty.txt")).expect("stty");
    let words: Vec<&str> = stty.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "{stty}"
    );
    // Every key typed goes to the editor, none to budgie.
    t.keys("thunderstorm forecast for the whole long weekend");
    t.key("Enter");
    let after = t.wait_for("the edited text and its count", |s| {
        s.contains("thunderstorm forecast for the whole long weekend?")
            && count_line(s).is_some_and(|c| c != before)
    });
    assert_eq!(
        t.format("#{alternate_on}"),
        "1",
        "budgie took the screen back"
    );
    assert_eq!(t.format("#{mouse_any_flag}"), "1", "and the mouse");
    assert!(after.contains("edited in your editor"), "{after}");
    // One undo brings the old text back, and its count.
    t.keys("u");
    t.wait_for("the old text back", |s| {
        s.contains("What is the weather?") && count_line(s).as_deref() == Some(before.as_str())
    });
    // Keys reach budgie again: quit, discarding, and the terminal is restored.
    t.key("C-q");
    t.wait_for_text("has unsaved changes");
    t.keys("d");
    assert_restored(&t);
}

#[test]
fn an_editor_that_exits_non_zero_changes_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("w.budgie.json"), WORKSPACE).expect("write");
    let script = home.path().join("fail.sh");
    std::fs::write(&script, "#!/bin/sh\necho changed > \"$1\"\nexit 3\n").expect("write");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .expect("chmod");
    let env = format!("VISUAL={}", script.display());
    let Some(t) = Tmux::start(
        "external-fail",
        &shell_command(home.path(), &env, "w.budgie.json"),
    ) else {
        return;
    };
    t.wait_for_text("weather?");
    t.key("Escape");
    t.keys("E");
    let screen = t.wait_for_text("exited with status 3; nothing changed");
    assert!(screen.contains("What is the weather?"), "{screen}");
    // Nothing changed: quitting does not ask.
    t.key("C-q");
    assert_restored(&t);
}
