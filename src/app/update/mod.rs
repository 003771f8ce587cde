//! The reducer: the only place the workbench's state changes. No I/O, no clock reads: the
//! time arrives in the `Msg`, and everything to do outside comes back as an `Effect`.
//!
//! This file dispatches messages and keeps the counts current; the rest is split where the
//! input comes from:
//! - `keys`: key presses, bursts of typing and pastes, into the editor or to a command
//! - `commands`: what each bound command does to the draft (and the replies it waits for)
//! - `files`: saving, opening and quitting, and the questions they ask first
//! - `exact`: the exact count's news, and asking again after a failure
//! - `external`: a block or tool opened in the user's own editor, and what comes back
//! - `overlays`: keys while a window is open (help, model picker, prompts, tool editor…)
//! - `linked`: a file a block is linked to changed on disk
//! - `pointer`: clicks and scrolling
//! - `costs`: the model comparison and the cache view, cache breakpoints

mod breakdown;
mod commands;
mod costs;
mod exact;
mod external;
mod files;
mod keys;
mod linked;
mod overlays;
mod pointer;

use super::doc;
use super::history::{Change, Recount};
use super::model::{ExactState, Model, Overlay, Pane};
use super::msg::{Effect, Msg};

/// How many messages the messages window keeps.
const LOG_LINES: usize = 500;

/// Apply one `Msg`; return what the runtime must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    // News from the background leaves a lone key typed just before a burst as it was.
    let lone_key = match msg {
        Msg::Tick(_) | Msg::Limit(_) | Msg::Count(_) | Msg::Models(_) | Msg::Attribution(_) => {
            model.lone_key
        }
        _ => model.lone_key.take(),
    };
    match msg {
        Msg::Key(key) => keys::on_key_event(model, key),
        Msg::Keys(keys) => keys::on_keys(model, keys, lone_key),
        Msg::Paste(text) => keys::on_paste(model, &text),
        Msg::Pointer(pointer) => pointer::on_pointer(model, pointer),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            // A pane the screen has no room for cannot keep the keys.
            if !model.pane_drawn(model.pane) {
                commands::focus_pane(model, Pane::Request);
            }
            Vec::new()
        }
        Msg::Tick(now) => {
            model.now = now;
            exact::on_tick(model)
        }
        Msg::Count(event) => exact::on_count(model, event),
        Msg::Drift {
            model: id,
            summary,
            warning,
        } => {
            model.drift.insert(id, summary);
            if let Some(warning) = warning {
                notice(model, warning);
            }
            Vec::new()
        }
        Msg::Attribution(event) => {
            breakdown::on_event(model, event);
            Vec::new()
        }
        Msg::Limit(status) => {
            model.limit = status;
            Vec::new()
        }
        Msg::Models(result) => {
            match result {
                Ok(models) => model.api_models = models,
                Err(e) => notice(model, format!("could not list models: {e}")),
            }
            Vec::new()
        }
        Msg::Saved {
            path,
            changes,
            result,
            linked,
        } => {
            crate::workspace::links::set_hashes(&mut model.ws, &linked);
            files::on_saved(model, path, changes, result)
        }
        Msg::Opened { path, result } => files::on_opened(model, path, result),
        Msg::Exported { path, result } => {
            match result {
                Ok(()) => notice(model, format!("exported {}", path.display())),
                Err(e) => notice(model, format!("not exported: {}: {e}", path.display())),
            }
            Vec::new()
        }
        Msg::AttachmentRead {
            turn,
            replace,
            result,
        } => commands::on_attachment(model, turn, replace, result),
        Msg::ToolRead { path, result } => match result {
            Ok(text) => commands::add_tools_from_text(model, &text, &path.display().to_string()),
            Err(e) => {
                notice(model, format!("{}: {e}", path.display()));
                Vec::new()
            }
        },
        Msg::CostCounted { hash, result } => {
            costs::on_counted(model, hash, result);
            Vec::new()
        }
        Msg::LinkedFileChanged { file, result } => linked::on_changed(model, &file, result),
        Msg::EditedExternally {
            target,
            original,
            result,
        } => external::on_edited(model, target, &original, result),
        Msg::Completions { input, options } => {
            overlays::on_completions(model, input, options);
            Vec::new()
        }
    }
}

/// Show `text` on the hint line and keep it in the messages window.
pub(super) fn notice(model: &mut Model, text: String) {
    log(model, text.clone());
    model.notice = Some((text, model.now));
}

/// Keep `text` in the messages window (once, when it repeats the last one).
pub(super) fn log(model: &mut Model, text: String) {
    if model.log.last() != Some(&text) {
        model.log.push(text);
        if model.log.len() > LOG_LINES {
            model.log.remove(0);
        }
    }
}

/// The key bound to `command` in navigation, for a notice ("u undoes").
pub(super) fn key_for(model: &Model, command: super::keymap::Command) -> String {
    model
        .keymap
        .hint(super::keymap::Scope::Navigate, command)
        .unwrap_or_default()
}

/// The counted content changed: recount offline (already done by the caller) and ask for an
/// exact count after the pause.
pub(super) fn content_changed(model: &mut Model) -> Vec<Effect> {
    model.revision += 1;
    model.mark_changed();
    model.retry = None;
    if matches!(model.exact, ExactState::Offline { .. }) {
        return Vec::new();
    }
    model.exact = ExactState::Pending;
    vec![Effect::CountExact]
}

/// Something other than a text changed (turns, roles, tools, attachments, model).
pub(super) fn structure_changed(model: &mut Model) -> Vec<Effect> {
    model.offline.rebuild(&model.ws);
    content_changed(model)
}

/// Make a structural edit through the history, so it can be undone; then recount what it
/// touched. `None` when the edit did not apply (nothing changed).
pub(super) fn change(model: &mut Model, what: String, change: Change) -> Option<Vec<Effect>> {
    let recount = change.recount();
    let before = model.offline.total();
    if !model.history.apply(&mut model.ws, what.clone(), change) {
        return None;
    }
    let effects = recount_after(model, recount);
    // What it changed, said at once ("tool x switched off: −387 tokens (−$0.0012 per
    // request)"); the undo key brings it back.
    if let Some(delta) = breakdown::delta_since(model, before) {
        notice(model, format!("{what}: {delta}"));
    }
    Some(effects)
}

pub(super) fn recount_after(model: &mut Model, recount: Recount) -> Vec<Effect> {
    fix_selection(model);
    match recount {
        Recount::Nothing => {
            model.mark_changed();
            Vec::new()
        }
        Recount::Structure => {
            model.offline.rebuild_structure(&model.ws);
            content_changed(model)
        }
        Recount::All => structure_changed(model),
    }
}

/// After the structure changed: the focus on a block that exists, selections within their
/// lists, the editor on the focused block only.
pub(super) fn fix_selection(model: &mut Model) {
    let slots = doc::slots(&model.ws.request);
    if !slots.contains(&model.focus) {
        model.focus = slots
            .iter()
            .rev()
            .find(|s| **s <= model.focus)
            .or(slots.first())
            .copied()
            .unwrap_or(doc::Slot::System(0));
    }
    if model.editor.as_ref().is_some_and(|e| e.slot != model.focus) {
        model.editor = None;
    }
    model.tool_sel = model.tool_sel.min(model.tool_count().saturating_sub(1));
    let attachments = doc::attachments(&model.ws.request).len();
    model.attach_sel = model.attach_sel.min(attachments.saturating_sub(1));
    if !matches!(model.overlay, Overlay::None) {
        return;
    }
    if !model.pane_drawn(model.pane) {
        model.pane = Pane::Request;
    }
}
