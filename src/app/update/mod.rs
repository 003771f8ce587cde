//! The reducer: the only place the workbench's state changes. No I/O, no clock reads: the
//! time arrives in the `Msg`, and everything to do outside comes back as an `Effect`.
//!
//! This file dispatches messages and keeps the counts current; the rest is split where the
//! input comes from:
//! - `keys`: key presses, bursts of typing and pastes, into the editor or to a command
//! - `commands`: what each bound command does to the draft (and the replies it waits for)
//! - `overlays`: keys while a window is open (help, model picker, prompts, tool editor)
//! - `pointer`: clicks and scrolling
//! - `costs`: the model comparison and the cache view, cache breakpoints

mod commands;
mod costs;
mod keys;
mod overlays;
mod pointer;

use super::model::{ExactState, Model, Overlay};
use super::msg::{CountEvent, CountFailure, Effect, Msg};

/// Apply one `Msg`; return what the runtime must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => keys::on_key(model, key),
        Msg::Keys(keys) => keys::on_keys(model, keys),
        Msg::Paste(text) => keys::on_paste(model, &text),
        Msg::Pointer(pointer) => pointer::on_pointer(model, pointer),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            model.now = now;
            if let ExactState::RateLimited { until } = model.exact
                && now >= until
            {
                model.exact = ExactState::Counting;
            }
            Vec::new()
        }
        Msg::Count(event) => on_count(model, event),
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
        Msg::Saved { path, result } => {
            match result {
                Ok(()) => {
                    model.unsaved = false;
                    if model.path.is_none() && !model.read_only {
                        model.path = Some(path.clone());
                    }
                    notice(model, format!("saved {}", path.display()));
                }
                Err(e) => notice(model, format!("not saved: {}: {e}", path.display())),
            }
            Vec::new()
        }
        Msg::Exported { path, result } => {
            match result {
                Ok(()) => notice(model, format!("exported {}", path.display())),
                Err(e) => notice(model, format!("not exported: {}: {e}", path.display())),
            }
            Vec::new()
        }
        Msg::AttachmentRead { turn, result } => commands::on_attachment(model, turn, result),
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
        Msg::Completions { input, options } => {
            if let Overlay::Prompt {
                input: current,
                completions,
                ..
            } = &mut model.overlay
                && *current == input
            {
                if options.len() == 1 {
                    *current = options[0].clone();
                    completions.clear();
                } else {
                    *current = overlays::common_prefix(&input, &options);
                    *completions = options;
                }
            }
            Vec::new()
        }
    }
}

pub(super) fn notice(model: &mut Model, text: String) {
    model.notice = Some((text, model.now));
}

/// The counted content changed: recount offline (already done by the caller) and ask for an
/// exact count after the pause.
pub(super) fn content_changed(model: &mut Model) -> Vec<Effect> {
    model.revision += 1;
    model.unsaved = true;
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

fn on_count(model: &mut Model, event: CountEvent) -> Vec<Effect> {
    let offline = matches!(model.exact, ExactState::Offline { .. });
    let mut effects = Vec::new();
    match event {
        // Reports about older content are stale: a newer request replaces them.
        CountEvent::RateLimited { revision, .. }
        | CountEvent::Started { revision }
        | CountEvent::Done { revision, .. }
            if revision != model.revision || offline => {}
        CountEvent::RateLimited { until, .. } => model.exact = ExactState::RateLimited { until },
        CountEvent::Started { .. } => model.exact = ExactState::Counting,
        CountEvent::Done { result, at, .. } => {
            model.exact = match result {
                Ok(tokens) => {
                    // The offline count of the very content the exact count is for.
                    effects.push(Effect::RecordDrift {
                        request: Box::new(model.ws.to_request()),
                        offline: model.offline.total(),
                        exact: tokens,
                    });
                    ExactState::Exact { tokens, at }
                }
                Err(CountFailure::RateLimited {
                    retry_after: Some(wait),
                    ..
                }) => ExactState::RateLimited { until: at + wait },
                Err(failure) => ExactState::Failed {
                    message: failure.message().to_string(),
                },
            }
        }
    }
    effects
}
