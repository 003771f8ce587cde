//! Keys while a window is open over the panes: the help, the model picker, one-line prompts
//! (budget, thinking, paths), the tool editor and the cost views. What a key does there is the keymap's
//! (its `[help]`, `[model_picker]`, `[prompt]` and `[tool_editor]` sections); typing into a
//! filter, a prompt or the editor is not a binding.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::commands::{add_tool, attach_target, step};
use super::keys::to_input;
use super::{notice, structure_changed};
use crate::app::keymap::{Command, Scope};
use crate::app::model::{Model, Overlay, PromptKind};
use crate::app::msg::Effect;
use crate::app::tool_edit;
use crate::intake::read::expand_home;
use crate::request::Thinking;

/// The key scope of a window.
fn scope(overlay: &Overlay) -> Option<Scope> {
    match overlay {
        Overlay::None => None,
        Overlay::Help { .. } => Some(Scope::Help),
        Overlay::ModelPicker { .. } => Some(Scope::ModelPicker),
        Overlay::Prompt { .. } => Some(Scope::Prompt),
        Overlay::ToolEditor { .. } => Some(Scope::ToolEditor),
        Overlay::Compare(_) | Overlay::Cache(_) => Some(Scope::Costs),
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
                        model.ws.request.model = id.clone();
                        notice(model, format!("model: {id}"));
                        return structure_changed(model);
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
        } => {
            match command {
                Some(Command::Cancel) => return Vec::new(),
                Some(Command::Confirm) => return submit_prompt(model, kind, input),
                Some(Command::Complete) if kind.completes_paths() => {
                    model.overlay = Overlay::Prompt {
                        kind,
                        input: input.clone(),
                        error,
                        completions,
                    };
                    return vec![Effect::Complete { input }];
                }
                _ if key.code == KeyCode::Backspace => {
                    input.pop();
                    completions.clear();
                }
                _ => {
                    if let Some(c) = typed(&key) {
                        input.push(c);
                        completions.clear();
                    }
                }
            }
            model.overlay = Overlay::Prompt {
                kind,
                input,
                error: None,
                completions,
            };
            Vec::new()
        }
        Overlay::ToolEditor { mut editor, error } => {
            match command {
                Some(Command::Cancel) => return Vec::new(),
                Some(Command::Confirm) => {
                    let text = editor.lines().join("\n");
                    return match tool_edit::check(&text, &model.ws) {
                        Ok(tool) => add_tool(model, tool),
                        Err(e) => {
                            model.overlay = Overlay::ToolEditor {
                                editor,
                                error: Some(e),
                            };
                            Vec::new()
                        }
                    };
                }
                _ => {}
            }
            let error = if editor.input(to_input(&key)) {
                tool_edit::check(&editor.lines().join("\n"), &model.ws).err()
            } else {
                error
            };
            model.overlay = Overlay::ToolEditor { editor, error };
            Vec::new()
        }
    }
}

fn submit_prompt(model: &mut Model, kind: PromptKind, input: String) -> Vec<Effect> {
    let trimmed = input.trim();
    let result: Result<Vec<Effect>, String> = match kind {
        PromptKind::Budget => match parse_tokens(trimmed) {
            Ok(budget) => {
                model.ws.budget = budget;
                model.budget_flag = None;
                model.unsaved = true;
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        },
        PromptKind::Thinking => match parse_thinking(trimmed) {
            Ok(thinking) => {
                model.ws.request.thinking = thinking;
                Ok(structure_changed(model))
            }
            Err(e) => Err(e),
        },
        PromptKind::AttachPath if trimmed.is_empty() => Err("type a path".into()),
        PromptKind::AttachPath => {
            let turn = attach_target(model);
            Ok(vec![Effect::ReadAttachment {
                path: PathBuf::from(expand_home(trimmed)),
                turn,
                model: model.ws.request.model.clone(),
            }])
        }
        PromptKind::ToolFile if trimmed.is_empty() => Err("type a path".into()),
        PromptKind::ToolFile => Ok(vec![Effect::ReadTool {
            path: PathBuf::from(expand_home(trimmed)),
        }]),
        PromptKind::ExportPath if trimmed.is_empty() => Err("type a path".into()),
        PromptKind::ExportPath => Ok(vec![Effect::Export {
            path: PathBuf::from(expand_home(trimmed)),
            contents: crate::export::json(&model.ws.to_request(), crate::export::Body::Create),
        }]),
    };
    match result {
        Ok(effects) => effects,
        Err(e) => {
            model.overlay = Overlay::Prompt {
                kind,
                input,
                error: Some(e),
                completions: Vec::new(),
            };
            Vec::new()
        }
    }
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
