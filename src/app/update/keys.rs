//! Key presses: a burst of plain typing goes into the editor in one edit; anything bound in
//! the keymap runs its command; an open window takes the keys first. Pastes go where the
//! keys would.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{Input, Key as TaKey, TextArea};

use super::commands::{run, undo};
use super::files::quit;
use super::overlays::on_overlay_key;
use super::{content_changed, notice, structure_changed};
use crate::app::doc::{self, Slot};
use crate::app::keymap::{Command, Scope};
use crate::app::model::{Model, Overlay, Pane};
use crate::app::msg::Effect;
use crate::app::tool_edit;
use crate::intake::paste::normalize_paste;

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    // Overlays take the keys first (Ctrl-Q still quits).
    if !matches!(model.overlay, Overlay::None) {
        if model.keymap.lookup(Scope::Global, &key) == Some(Command::Quit) {
            return quit(model);
        }
        return on_overlay_key(model, key);
    }
    if let Some(command) = model.keymap.lookup(Scope::Global, &key) {
        return run(model, command);
    }
    if model.editor.is_some() {
        return match model.keymap.lookup(Scope::Editor, &key) {
            // Typing is undone in the editor; with no typing left to undo, the last change
            // to the structure is (a turn just added, say).
            Some(Command::Undo) => {
                let mut typed = false;
                let effects = edit(model, |area| {
                    typed = area.undo();
                    typed
                });
                if typed {
                    return effects;
                }
                // What the widget no longer remembers of a long block's typing is one
                // entry of the undo history.
                if let Some(editor) = &mut model.editor
                    && let Some(change) = editor.take_undo()
                {
                    model.history.record("typing".into(), change);
                }
                undo(model, false)
            }
            Some(Command::Redo) => {
                let mut typed = false;
                let effects = edit(model, |area| {
                    typed = area.redo();
                    typed
                });
                if typed { effects } else { undo(model, true) }
            }
            Some(command) => run(model, command),
            None => edit(model, |area| area.input(to_input(&key))),
        };
    }
    match model.keymap.lookup(Scope::Navigate, &key) {
        Some(command) => run(model, command),
        None => Vec::new(),
    }
}

/// One key read on its own (perhaps Esc and a key, read together: see `split_escape`).
pub(super) fn on_key_event(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match split_escape(model, &key) {
        Some([esc, key]) => {
            let mut effects = on_key(model, esc);
            effects.extend(on_lone_key(model, key));
            effects
        }
        None => on_lone_key(model, key),
    }
}

/// The Alt characters the editor widget (ratatui-textarea) has bindings of its own for:
/// word moves and deletes, top and bottom, paragraphs (and Alt with Backspace, Delete and
/// the arrows).
const EDITOR_ALT_CHARS: &str = "bdfhnp<>[]";

/// A terminal sends Alt+key as ESC followed by the key, and so it sends Esc pressed with a
/// key right after it when both land in one read (a fast typist, tmux, a slow link):
/// crossterm reports both as Alt+key. An Alt+key that nothing binds where the keys go now
/// (the keymap, or the editor's own Alt keys) is taken as Esc, then the key; `None` keeps
/// the key as it is.
fn split_escape(model: &Model, key: &KeyEvent) -> Option<[KeyEvent; 2]> {
    if key.modifiers - KeyModifiers::SHIFT != KeyModifiers::ALT {
        return None;
    }
    let widget_binds = match key.code {
        KeyCode::Char(c) => EDITOR_ALT_CHARS.contains(c),
        KeyCode::Backspace
        | KeyCode::Delete
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Up
        | KeyCode::Down => true,
        _ => false,
    };
    let scope = super::overlays::scope(&model.overlay).unwrap_or_else(|| model.scope());
    let in_widget = match model.overlay {
        Overlay::None => model.editor.is_some(),
        Overlay::ToolEditor { .. } => true,
        _ => false,
    };
    let bound = model.keymap.lookup(Scope::Global, key).is_some()
        || model.keymap.lookup(scope, key).is_some()
        || (in_widget && widget_binds);
    if bound {
        return None;
    }
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    let mut plain = *key;
    plain.modifiers.remove(KeyModifiers::ALT);
    Some([esc, plain])
}

/// One key on its own. A character typed into the editor is remembered: when a burst of
/// typing follows at once (a paste without bracketed paste, whose first key the terminal
/// delivered alone), the burst takes it in, so one undo takes back the whole paste.
pub(super) fn on_lone_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let changes = model.changes;
    let typed = typed_text(model, &key);
    let effects = on_key(model, key);
    if let (Some(c), Some(editor)) = (typed, &model.editor)
        && model.changes != changes
    {
        model.lone_key = Some((editor.slot, c));
    }
    effects
}

/// The character a key types into the open editor (Enter a newline), if it is typing and
/// not a binding.
fn typed_text(model: &Model, key: &KeyEvent) -> Option<char> {
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let text = match key.code {
        KeyCode::Char(c) if plain => Some(c),
        KeyCode::Enter if plain => Some('\n'),
        _ => None,
    };
    text.filter(|_| {
        matches!(model.overlay, Overlay::None)
            && model.editor.is_some()
            && model.keymap.lookup(Scope::Global, key).is_none()
            && model.keymap.lookup(Scope::Editor, key).is_none()
    })
}

/// A burst of keys: runs of plain typing are inserted with one edit (the editor re-wraps
/// its text on every edit, so 2,000 single edits cost far more than one); anything bound to
/// a command, or any key outside the editor, goes through `on_key` in order. `lone_key`: a
/// character typed alone just before, which a burst of typing takes in (see `on_lone_key`).
pub(super) fn on_keys(
    model: &mut Model,
    keys: Vec<KeyEvent>,
    lone_key: Option<(Slot, char)>,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut pending = String::new();
    // The lone key's slot, while the burst has only typed into the same block since.
    let mut merge =
        lone_key.filter(|(slot, _)| model.editor.as_ref().is_some_and(|e| e.slot == *slot));
    let keys = keys
        .into_iter()
        .flat_map(|key| match split_escape(model, &key) {
            Some(both) => both.to_vec(),
            None => vec![key],
        });
    for key in keys.collect::<Vec<_>>() {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let text = match key.code {
            KeyCode::Char(c) if plain => Some(c),
            KeyCode::Enter if plain => Some('\n'),
            _ => None,
        };
        let typing = text.is_some() && typed_text(model, &key).is_some();
        match text {
            Some(c) if typing => pending.push(c),
            _ => {
                if !pending.is_empty() {
                    let run = std::mem::take(&mut pending);
                    effects.extend(insert_run(model, &run, merge.take()));
                }
                merge = None;
                effects.extend(on_key(model, key));
            }
        }
    }
    if !pending.is_empty() {
        effects.extend(insert_run(model, &pending, merge));
    }
    effects.dedup();
    effects
}

/// Insert a run of typing as one edit; with `lone`, the character typed alone just before
/// is taken back first and goes in with the run (one undo for both).
fn insert_run(model: &mut Model, run: &str, lone: Option<(Slot, char)>) -> Vec<Effect> {
    edit(model, |area| {
        let text = match lone {
            Some((_, c)) if area.undo() => format!("{c}{run}"),
            _ => run.to_string(),
        };
        area.insert_str(&text)
    })
}

/// Run `change` on the open editor; if the text changed, write it back and recount it.
/// Either way, the editor's window then follows the cursor (see `app::editor`).
pub(super) fn edit(
    model: &mut Model,
    change: impl FnOnce(&mut TextArea<'static>) -> bool,
) -> Vec<Effect> {
    let Some(editor) = &mut model.editor else {
        return Vec::new();
    };
    if !change(&mut editor.area) {
        follow_cursor(model);
        return Vec::new();
    }
    let slot = editor.slot;
    let effects = if editor.whole() {
        write_whole(model, slot)
    } else {
        // A window of a long block: splice it back in place (the block cannot become empty
        // or appear, as there is text outside the window).
        let Some(text) = doc::text_mut(&mut model.ws.request, slot) else {
            return Vec::new();
        };
        editor.write_back(text);
        model.offline.text_changed(slot, text);
        content_changed(model)
    };
    follow_cursor(model);
    effects
}

/// The editor holds the whole block: write it all back.
fn write_whole(model: &mut Model, slot: Slot) -> Vec<Effect> {
    let Some(editor) = &model.editor else {
        return Vec::new();
    };
    let text = editor.window_text();
    let plain = doc::is_plain_text(&model.ws.request, slot);
    let was_none = model.ws.request.system.is_none() && matches!(slot, Slot::System(_));
    if !doc::set_text(&mut model.ws.request, slot, text) {
        return Vec::new();
    }
    let now_none = model.ws.request.system.is_none() && matches!(slot, Slot::System(_));
    if plain && was_none == now_none {
        let text = doc::content(&model.ws.request, slot)
            .and_then(doc::SlotContent::text)
            .unwrap_or("");
        model.offline.text_changed(slot, text);
        content_changed(model)
    } else {
        // Thinking text, or the system prompt appearing/disappearing: the structure moved.
        structure_changed(model)
    }
}

/// Move the editor's window when the cursor nears its edge; the typing done in the old
/// window goes to the undo history.
pub(super) fn follow_cursor(model: &mut Model) {
    let Some(editor) = &mut model.editor else {
        return;
    };
    let Some(text) = doc::content(&model.ws.request, editor.slot).and_then(doc::SlotContent::text)
    else {
        return;
    };
    if let Some(undo) = editor.follow(text) {
        model.history.record("typing".into(), undo);
    }
}

pub(super) fn on_paste(model: &mut Model, text: &str) -> Vec<Effect> {
    // The one rule for pasted text: line endings made LF, control characters dropped.
    let paste = normalize_paste(text);
    let text = paste.text;
    match &mut model.overlay {
        Overlay::Prompt {
            input,
            fresh,
            completions,
            ..
        } => {
            if std::mem::take(fresh) {
                input.clear();
            }
            input.push_str(text.lines().next().unwrap_or(""));
            completions.clear();
            return Vec::new();
        }
        Overlay::Open {
            input,
            selected,
            completions,
            ..
        } => {
            input.push_str(text.lines().next().unwrap_or("").trim());
            *selected = None;
            completions.clear();
            return Vec::new();
        }
        Overlay::ToolEditor {
            editor,
            error,
            replacing,
        } => {
            editor.insert_str(&text);
            *error = tool_edit::check(&editor.lines().join("\n"), &model.ws, *replacing).err();
            return Vec::new();
        }
        Overlay::ModelPicker { filter, selected } => {
            filter.push_str(text.trim());
            *selected = 0;
            return Vec::new();
        }
        Overlay::Help { .. }
        | Overlay::Compare(_)
        | Overlay::Cache(_)
        | Overlay::Viewer { .. }
        | Overlay::Unsaved { .. }
        | Overlay::Overwrite { .. } => return Vec::new(),
        Overlay::None => {}
    }
    if model.editor.is_none() && model.pane == Pane::Request {
        model.open_editor();
    }
    let effects = edit(model, |area| area.insert_str(&text));
    if let Some(large) = paste.notice {
        notice(model, large);
    } else if paste.removed_controls > 0 {
        notice(
            model,
            format!(
                "pasted without {} control character(s) (terminal escapes)",
                paste.removed_controls
            ),
        );
    }
    effects
}

/// crossterm key → the editor's input (ratatui-textarea's own conversion, by value).
pub(super) fn to_input(key: &KeyEvent) -> Input {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    let key = match key.code {
        KeyCode::Char(c) => TaKey::Char(c),
        KeyCode::Backspace => TaKey::Backspace,
        KeyCode::Enter => TaKey::Enter,
        KeyCode::Left => TaKey::Left,
        KeyCode::Right => TaKey::Right,
        KeyCode::Up => TaKey::Up,
        KeyCode::Down => TaKey::Down,
        KeyCode::Tab => TaKey::Tab,
        KeyCode::Delete => TaKey::Delete,
        KeyCode::Home => TaKey::Home,
        KeyCode::End => TaKey::End,
        KeyCode::PageUp => TaKey::PageUp,
        KeyCode::PageDown => TaKey::PageDown,
        KeyCode::Esc => TaKey::Esc,
        KeyCode::F(n) => TaKey::F(n),
        _ => TaKey::Null,
    };
    Input {
        key,
        ctrl,
        alt,
        shift,
    }
}
