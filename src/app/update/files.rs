//! Saving, opening and quitting, and the questions they ask first: unsaved changes are never
//! left behind without the user's say (save, discard or stay), a file is never replaced
//! without asking unless it is the workspace's own, and a workspace without a file asks for
//! a name.

use std::path::{Path, PathBuf};

use super::commands::open_prompt;
use super::notice;
use crate::app::keymap::Command;
use crate::app::model::{ExactState, Model, Overlay, PromptKind, Then};
use crate::app::msg::{Effect, Loaded, SaveFailure};
use crate::workspace::recent;

/// Quit: at once when everything is saved, else after asking.
pub(super) fn quit(model: &mut Model) -> Vec<Effect> {
    if model.unsaved {
        model.editor = None;
        model.overlay = Overlay::Unsaved { then: Then::Quit };
        Vec::new()
    } else {
        vec![Effect::Quit]
    }
}

/// Save to the workspace's file, then `then`; a workspace without one (untitled, or opened
/// read-only) asks for a name first.
pub(super) fn save(model: &mut Model, then: Then) -> Vec<Effect> {
    model.after_save = Some(then);
    match model.path.clone() {
        Some(path) if !model.read_only => {
            let replace = model.overwrite_ok;
            vec![save_effect(model, path, replace, false)]
        }
        _ => {
            ask_name(model, None);
            Vec::new()
        }
    }
}

/// The save-as prompt, filled with `input` or a suggestion (typing replaces it).
pub(super) fn ask_name(model: &mut Model, input: Option<String>) {
    let suggestion = input.or_else(|| suggested_path(model).map(|p| p.display().to_string()));
    open_prompt(model, PromptKind::SaveAs, suggestion.unwrap_or_default());
}

/// Where to save by default: the workspace's file; beside a read-only file, a workspace of
/// the same name; an untitled draft, a new file of its own in budgie's data dir.
fn suggested_path(model: &Model) -> Option<PathBuf> {
    if !model.read_only
        && let Some(path) = &model.path
    {
        return Some(path.clone());
    }
    if let Some(source) = &model.source {
        let beside = crate::workspace::suggested_workspace_path(source);
        if beside != *source {
            return Some(beside);
        }
    }
    model.draft_path.clone()
}

/// Save to a path typed in the prompt.
pub(super) fn save_to(model: &mut Model, path: PathBuf) -> Vec<Effect> {
    // The workspace's own file is replaced without asking; any other file is asked about.
    let own = model.overwrite_ok && !model.read_only && model.path.as_deref() == Some(&path);
    vec![save_effect(model, path, own, false)]
}

fn save_effect(model: &Model, path: PathBuf, replace: bool, replace_links: bool) -> Effect {
    Effect::Save {
        path,
        workspace: Box::new(model.ws.clone()),
        replace,
        replace_links,
        changes: model.changes,
    }
}

pub(super) fn on_saved(
    model: &mut Model,
    path: PathBuf,
    changes: u64,
    result: Result<(), SaveFailure>,
) -> Vec<Effect> {
    let then = model.after_save.take().unwrap_or(Then::Stay);
    match result {
        Ok(()) => {
            remember(model, &path);
            model.source = Some(path.clone());
            model.path = Some(path.clone());
            model.overwrite_ok = true;
            model.read_only = false;
            // What was typed while the save ran is not in the file.
            if changes == model.changes {
                model.unsaved = false;
            }
            notice(model, format!("saved {}", path.display()));
            go_on(model, then)
        }
        Err(SaveFailure::Exists) => {
            model.editor = None;
            model.overlay = Overlay::Overwrite {
                path,
                then,
                linked: Vec::new(),
            };
            Vec::new()
        }
        Err(SaveFailure::LinkedChanged(linked)) => {
            model.editor = None;
            model.overlay = Overlay::Overwrite { path, then, linked };
            Vec::new()
        }
        Err(SaveFailure::Failed(e)) => {
            let stay = match then {
                Then::Stay => String::new(),
                Then::Quit => " (budgie stays open; the draft is in the recovery file)".into(),
                Then::Open(_) => " (the other file was not opened)".into(),
            };
            notice(model, format!("not saved: {}: {e}{stay}", path.display()));
            Vec::new()
        }
    }
}

/// After the changes were saved or discarded: quit, open the other file, or nothing.
fn go_on(model: &mut Model, then: Then) -> Vec<Effect> {
    match then {
        Then::Stay => Vec::new(),
        // More was typed while saving: ask again rather than leave it behind.
        Then::Quit | Then::Open(_) if model.unsaved => {
            model.overlay = Overlay::Unsaved { then };
            Vec::new()
        }
        Then::Quit => vec![Effect::Quit],
        Then::Open(path) => vec![Effect::Open { path }],
    }
}

/// A key in the question about unsaved changes.
pub(super) fn on_unsaved_key(
    model: &mut Model,
    command: Option<Command>,
    then: Then,
) -> Vec<Effect> {
    match command {
        Some(Command::Save) => save(model, then),
        Some(Command::Discard) => match then {
            Then::Stay => Vec::new(),
            Then::Quit => vec![Effect::Quit],
            Then::Open(path) => vec![Effect::Open { path }],
        },
        Some(Command::Cancel) => Vec::new(),
        _ => {
            model.overlay = Overlay::Unsaved { then };
            Vec::new()
        }
    }
}

/// A key in the question about replacing a file.
pub(super) fn on_overwrite_key(
    model: &mut Model,
    command: Option<Command>,
    path: PathBuf,
    then: Then,
    linked: Vec<String>,
) -> Vec<Effect> {
    match command {
        Some(Command::Confirm) => {
            model.after_save = Some(then);
            // Asked about linked files: the workspace file itself was cleared to be written.
            let links = !linked.is_empty();
            vec![save_effect(model, path, true, links)]
        }
        Some(Command::Cancel) if !linked.is_empty() => {
            notice(
                model,
                format!(
                    "not saved: {} changed on disk; budgie's text is kept",
                    linked.join(", ")
                ),
            );
            Vec::new()
        }
        Some(Command::Cancel) => {
            model.after_save = Some(then);
            ask_name(model, Some(path.display().to_string()));
            if let Overlay::Prompt { fresh, .. } = &mut model.overlay {
                // Back to the name to change it, not to type a new one from scratch.
                *fresh = false;
            }
            Vec::new()
        }
        _ => {
            model.overlay = Overlay::Overwrite { path, then, linked };
            Vec::new()
        }
    }
}

/// The open window: recent files, or a path typed.
pub(super) fn open_window(model: &mut Model) {
    model.editor = None;
    model.overlay = Overlay::Open {
        input: String::new(),
        selected: (!model.recent_choices("").is_empty()).then_some(0),
        completions: Vec::new(),
        error: None,
    };
}

/// Open `path` in place of the workspace, after asking about unsaved changes.
pub(super) fn open(model: &mut Model, path: PathBuf) -> Vec<Effect> {
    if model.unsaved {
        model.overlay = Overlay::Unsaved {
            then: Then::Open(path),
        };
        return Vec::new();
    }
    vec![Effect::Open { path }]
}

pub(super) fn on_opened(
    model: &mut Model,
    path: PathBuf,
    result: Result<Box<Loaded>, String>,
) -> Vec<Effect> {
    match result {
        Ok(loaded) => {
            let warnings = loaded.warnings.clone();
            model.replace_workspace(*loaded);
            remember(model, &path);
            notice(model, format!("opened {}", path.display()));
            for warning in warnings {
                notice(model, warning);
            }
            if matches!(model.exact, ExactState::Offline { .. }) {
                Vec::new()
            } else {
                vec![Effect::CountExact]
            }
        }
        Err(e) => {
            notice(model, e.clone());
            model.overlay = Overlay::Open {
                input: path.display().to_string(),
                selected: None,
                completions: Vec::new(),
                error: Some(e),
            };
            Vec::new()
        }
    }
}

/// Put `path` first in the in-memory recent list (the runtime keeps the file's, and hands
/// over absolute paths).
fn remember(model: &mut Model, path: &Path) {
    model.recent = recent::pushed(&model.recent, path);
}
