//! Keys while a window is open over the panes: the help, the model picker, one-line prompts
//! (budget, thinking, paths), the tool editor and the cost views. What a key does there is the keymap's
//! (its `[help]`, `[model_picker]`, `[prompt]` and `[tool_editor]` sections); typing into a
//! filter, a prompt or the editor is not a binding.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::commands::{attach_target, save_tool, step};
use super::keys::to_input;
use super::{change, files, notice};
use crate::app::budget::group;
use crate::app::history::Change;
use crate::app::keymap::{Command, Scope};
use crate::app::model::{Model, Overlay, PromptKind};
use crate::app::msg::Effect;
use crate::app::{tool_edit, viewer};
use crate::intake::read::expand_home;
use crate::request::Thinking;
use serde_json::Value;

/// The key scope of a window.
pub(super) fn scope(overlay: &Overlay) -> Option<Scope> {
    match overlay {
        Overlay::None => None,
        Overlay::Help { .. } => Some(Scope::Help),
        Overlay::ModelPicker { .. } => Some(Scope::ModelPicker),
        Overlay::Prompt { .. } => Some(Scope::Prompt),
        Overlay::ToolEditor { .. } => Some(Scope::ToolEditor),
        Overlay::Compare(_) | Overlay::Cache(_) => Some(Scope::Costs),
        Overlay::Open { .. } => Some(Scope::Open),
        Overlay::Viewer { .. } => Some(Scope::Viewer),
        Overlay::Unsaved { .. } => Some(Scope::Unsaved),
        Overlay::Overwrite { .. } => Some(Scope::Overwrite),
    }
}

/// A key typed into a window's text (a filter, a prompt): a character without Ctrl.
fn typed(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

pub(super) fn on_overlay_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let overlay = std::mem::take(&mut model.overlay);
    let command = scope(&overlay).and_then(|scope| model.keymap.lookup(scope, &key));
    match overlay {
        Overlay::None => Vec::new(),
        view @ (Overlay::Compare(_) | Overlay::Cache(_)) => {
            super::costs::on_key(model, view, command)
        }
        Overlay::Help { scroll } => {
            model.overlay = match command {
                Some(Command::Cancel) => Overlay::None,
                Some(Command::Down) => Overlay::Help {
                    scroll: scroll.saturating_add(1),
                },
                Some(Command::Up) => Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                },
                Some(Command::PageDown) => Overlay::Help {
                    scroll: scroll.saturating_add(10),
                },
                Some(Command::PageUp) => Overlay::Help {
                    scroll: scroll.saturating_sub(10),
                },
                _ => Overlay::Help { scroll },
            };
            Vec::new()
        }
        Overlay::Viewer {
            title,
            text,
            scroll,
        } => {
            let end = viewer::max_scroll(&text, model.size);
            let page = viewer::text_size(model.size).1.max(1);
            let scroll = match command {
                Some(Command::Cancel) => return Vec::new(),
                Some(Command::Down) => scroll.saturating_add(1),
                Some(Command::Up) => scroll.saturating_sub(1),
                Some(Command::PageDown) => scroll.saturating_add(page),
                Some(Command::PageUp) => scroll.saturating_sub(page),
                Some(Command::First) => 0,
                Some(Command::Last) => end,
                _ => scroll,
            };
            model.overlay = Overlay::Viewer {
                title,
                text,
                scroll: scroll.min(end),
            };
            Vec::new()
        }
        Overlay::Unsaved { then } => files::on_unsaved_key(model, command, then),
        Overlay::Overwrite { path, then, linked } => {
            files::on_overwrite_key(model, command, path, then, linked)
        }
        Overlay::ModelPicker {
            mut filter,
            mut selected,
        } => {
            let choices = model.model_choices(&filter);
            match command {
                Some(Command::Cancel) => return Vec::new(),
                Some(Command::Confirm) => {
                    if let Some((id, _)) = choices.get(selected)
                        && *id != model.ws.request.model
                    {
                        let id = id.clone();
                        let what = format!("model {id}");
                        let effects =
                            change(model, what, Change::SetModel(id.clone())).unwrap_or_default();
                        notice(model, format!("model: {id}"));
                        return effects;
                    }
                    return Vec::new();
                }
                Some(Command::Up) => selected = selected.saturating_sub(1),
                Some(Command::Down) => selected = step(selected, 1, choices.len()),
                _ if key.code == KeyCode::Backspace => {
                    filter.pop();
                    selected = 0;
                }
                _ => {
                    if let Some(c) = typed(&key) {
                        filter.push(c);
                        selected = 0;
                    }
                }
            }
            model.overlay = Overlay::ModelPicker { filter, selected };
            Vec::new()
        }
        Overlay::Prompt {
            kind,
            mut input,
            error,
            mut completions,
            mut fresh,
        } => {
            match command {
                Some(Command::Cancel) => {
                    if kind == PromptKind::SaveAs {
                        // Not saved: whatever was to follow the save (quit, open) does not.
                        model.after_save = None;
                    }
                    return Vec::new();
                }
                Some(Command::Confirm) => return submit_prompt(model, kind, input),
                Some(Command::Complete) if kind.completes_paths() => {
                    model.overlay = Overlay::Prompt {
                        kind,
                        input: input.clone(),
                        error,
                        completions,
                        fresh: false,
                    };
                    return vec![Effect::Complete { input }];
                }
                _ if key.code == KeyCode::Backspace => {
                    if fresh {
                        input.clear();
                    } else {
                        input.pop();
                    }
                    completions.clear();
                }
                _ => {
                    if let Some(c) = typed(&key) {
                        // A value shown when the prompt opened is replaced by what is typed.
                        if fresh {
                            input.clear();
                        }
                        input.push(c);
                        completions.clear();
                    }
                }
            }
            fresh = fresh
                && !matches!(
                    key.code,
                    KeyCode::Char(_)
                        | KeyCode::Backspace
                        | KeyCode::Left
                        | KeyCode::Right
                        | KeyCode::End
                        | KeyCode::Home
                );
            model.overlay = Overlay::Prompt {
                kind,
                input,
                error: None,
                completions,
                fresh,
            };
            Vec::new()
        }
        Overlay::Open {
            mut input,
            mut selected,
            mut completions,
            error,
        } => {
            let choices = model.recent_choices(&input);
            match command {
                Some(Command::Cancel) => return Vec::new(),
                Some(Command::Confirm) => {
                    let path = match selected.and_then(|i| choices.get(i)) {
                        Some(path) => path.clone(),
                        None if input.trim().is_empty() => {
                            model.overlay = Overlay::Open {
                                input,
                                selected,
                                completions,
                                error: Some("type a path, or pick a recent file with ↑↓".into()),
                            };
                            return Vec::new();
                        }
                        None => PathBuf::from(expand_home(input.trim())),
                    };
                    return files::open(model, path);
                }
                Some(Command::Complete) => {
                    model.overlay = Overlay::Open {
                        input: input.clone(),
                        selected: None,
                        completions,
                        error,
                    };
                    return vec![Effect::Complete { input }];
                }
                Some(Command::Up) => selected = selected.and_then(|i| i.checked_sub(1)),
                Some(Command::Down) if !choices.is_empty() => {
                    selected = Some(selected.map_or(0, |i| step(i, 1, choices.len())));
                }
                _ if key.code == KeyCode::Backspace => {
                    input.pop();
                    selected = None;
                    completions.clear();
                }
                _ => {
                    if let Some(c) = typed(&key) {
                        input.push(c);
                        selected = None;
                        completions.clear();
                    }
                }
            }
            model.overlay = Overlay::Open {
                input,
                selected,
                completions,
                error: None,
            };
            Vec::new()
        }
        Overlay::ToolEditor {
            mut editor,
            error,
            replacing,
        } => {
            match command {
                Some(Command::Cancel) => return Vec::new(),
                Some(Command::Confirm) => {
                    let text = editor.lines().join("\n");
                    return match tool_edit::check(&text, &model.ws, replacing) {
                        Ok(tool) => save_tool(model, tool, replacing),
                        Err(e) => {
                            model.overlay = Overlay::ToolEditor {
                                editor,
                                error: Some(e),
                                replacing,
                            };
                            Vec::new()
                        }
                    };
                }
                _ => {}
            }
            let error = if editor.input(to_input(&key)) {
                tool_edit::check(&editor.lines().join("\n"), &model.ws, replacing).err()
            } else {
                error
            };
            model.overlay = Overlay::ToolEditor {
                editor,
                error,
                replacing,
            };
            Vec::new()
        }
    }
}

/// Path completions for what is typed in a path prompt or the open window: one completes
/// it, several extend it to what they share and are listed.
pub(super) fn on_completions(model: &mut Model, typed: String, options: Vec<String>) {
    let (current, completions) = match &mut model.overlay {
        Overlay::Prompt {
            input, completions, ..
        }
        | Overlay::Open {
            input, completions, ..
        } => (input, completions),
        _ => return,
    };
    if *current != typed {
        return;
    }
    if options.len() == 1 {
        *current = options[0].clone();
        completions.clear();
    } else {
        *current = common_prefix(&typed, &options);
        *completions = options;
    }
}

fn submit_prompt(model: &mut Model, kind: PromptKind, input: String) -> Vec<Effect> {
    let trimmed = input.trim();
    let path = || PathBuf::from(expand_home(trimmed));
    let result: Result<Vec<Effect>, String> = match kind {
        PromptKind::Budget => parse_tokens(trimmed)
            .and_then(|budget| check_budget(model, budget))
            .map(|budget| set_budget(model, budget)),
        PromptKind::Thinking => {
            parse_thinking(trimmed).map(|thinking| set_thinking(model, thinking))
        }
        PromptKind::AttachPath
        | PromptKind::ReplaceAttachment(_)
        | PromptKind::ToolFile
        | PromptKind::ExportPath
        | PromptKind::SaveAs
            if trimmed.is_empty() =>
        {
            Err("type a path".into())
        }
        PromptKind::AttachPath => Ok(vec![Effect::ReadAttachment {
            path: path(),
            turn: attach_target(model),
            replace: None,
            model: model.ws.request.model.clone(),
        }]),
        PromptKind::ReplaceAttachment(slot) => Ok(vec![Effect::ReadAttachment {
            path: path(),
            turn: slot.turn().unwrap_or(0),
            replace: Some(slot),
            model: model.ws.request.model.clone(),
        }]),
        PromptKind::ToolFile => Ok(vec![Effect::ReadTool { path: path() }]),
        PromptKind::ExportPath => {
            let request = model.ws.to_request();
            if let Some(note) = crate::export::max_tokens_note(&request) {
                notice(model, note);
            }
            Ok(vec![Effect::Export {
                path: path(),
                contents: crate::export::json(&request, crate::export::Body::Create),
            }])
        }
        PromptKind::SaveAs => Ok(files::save_to(model, path())),
    };
    match result {
        Ok(effects) => effects,
        Err(e) => {
            model.overlay = Overlay::Prompt {
                kind,
                input,
                error: Some(e),
                completions: Vec::new(),
                fresh: false,
            };
            Vec::new()
        }
    }
}

/// A budget above the model's context window could never be reached: refused.
fn check_budget(model: &Model, budget: Option<u64>) -> Result<Option<u64>, String> {
    let info = model.model_info();
    match budget {
        Some(b) if b > info.context_window => Err(format!(
            "{} is over {}'s context window of {} tokens; a budget is at most that",
            group(b),
            info.id,
            group(info.context_window)
        )),
        _ => Ok(budget),
    }
}

fn set_budget(model: &mut Model, budget: Option<u64>) -> Vec<Effect> {
    model.budget_flag = None;
    if budget == model.ws.budget {
        return Vec::new();
    }
    let what = match budget {
        Some(b) => format!("budget {}", group(b)),
        None => "budget: the context window".into(),
    };
    change(model, what, Change::SetBudget(budget)).unwrap_or_default()
}

/// Thinking on, off or adaptive. messages.create wants `max_tokens` above the thinking
/// budget: a max_tokens at or below it is raised by the budget (what was left for the
/// answer stays left for it), and the notice says so.
fn set_thinking(model: &mut Model, thinking: Option<Thinking>) -> Vec<Effect> {
    let max_tokens = model.ws.request.extra.get("max_tokens").cloned();
    let budget = thinking
        .as_ref()
        .filter(|t| t.kind == "enabled")
        .and_then(|t| t.budget_tokens);
    let raised = match (budget, model.max_tokens()) {
        (Some(b), Some(max)) if max <= b => Some((max, b + max)),
        _ => None,
    };
    let what = match &budget {
        Some(b) => format!("thinking {}", group(*b)),
        None if thinking.is_some() => "thinking adaptive".into(),
        None => "thinking off".into(),
    };
    let edit = Change::SetThinking {
        thinking,
        max_tokens: raised.map(|(_, new)| Value::from(new)).or(max_tokens),
    };
    let effects = change(model, what, edit).unwrap_or_default();
    if let (Some((old, new)), Some(b)) = (raised, budget) {
        notice(
            model,
            format!(
                "max_tokens raised from {} to {}: it must be above the thinking budget \
                 ({} for thinking + {} for the answer)",
                group(old),
                group(new),
                group(b),
                group(old)
            ),
        );
    }
    effects
}

/// "20000", "20,000", "20k", "1.5m" → tokens; empty → none (the context window).
pub fn parse_tokens(text: &str) -> Result<Option<u64>, String> {
    let t = text.replace([',', '_', ' '], "").to_lowercase();
    if t.is_empty() {
        return Ok(None);
    }
    let (digits, scale) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1_000.0),
        Some('m') => (&t[..t.len() - 1], 1_000_000.0),
        _ => (t.as_str(), 1.0),
    };
    match digits.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 && n * scale < 1e15 => {
            Ok(Some((n * scale).round() as u64))
        }
        _ => Err(format!(
            "`{text}` is not a number of tokens (try 20000 or 20k)"
        )),
    }
}

fn parse_thinking(text: &str) -> Result<Option<Thinking>, String> {
    let t = text.to_lowercase();
    match t.as_str() {
        "" | "0" | "off" => Ok(None),
        "adaptive" => Ok(Some(Thinking {
            kind: "adaptive".into(),
            budget_tokens: None,
            extra: Default::default(),
        })),
        _ => match parse_tokens(&t) {
            Ok(Some(n)) if n >= 1024 => Ok(Some(Thinking {
                kind: "enabled".into(),
                budget_tokens: Some(n),
                extra: Default::default(),
            })),
            Ok(_) => Err("a thinking budget is at least 1024 tokens".into()),
            Err(e) => Err(e),
        },
    }
}

pub(super) fn common_prefix(input: &str, options: &[String]) -> String {
    let Some(first) = options.first() else {
        return input.to_string();
    };
    let mut end = first.len();
    for o in &options[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(o.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8()),
        );
    }
    let prefix = &first[..end];
    if prefix.len() > input.len() {
        prefix.to_string()
    } else {
        input.to_string()
    }
}
