//! Keys while a window is open over the panes: the help, the model picker, one-line prompts
//! (budget, thinking, paths) and the tool editor.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::commands::{add_tool, attach_target, step};
use super::keys::to_input;
use super::{notice, structure_changed};
use crate::app::model::{Model, Overlay, PromptKind};
use crate::app::msg::Effect;
use crate::app::tool_edit;
use crate::intake::read::expand_home;
use crate::request::Thinking;

pub(super) fn on_overlay_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let overlay = std::mem::take(&mut model.overlay);
    match overlay {
        Overlay::None => Vec::new(),
        Overlay::Help { scroll } => {
            model.overlay = match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Enter => {
                    Overlay::None
                }
                KeyCode::F(1) => Overlay::None,
                KeyCode::Down | KeyCode::Char('j') => Overlay::Help {
                    scroll: scroll.saturating_add(1),
                },
                KeyCode::Up | KeyCode::Char('k') => Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                },
                KeyCode::PageDown => Overlay::Help {
                    scroll: scroll.saturating_add(10),
                },
                KeyCode::PageUp => Overlay::Help {
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
            match key.code {
                KeyCode::Esc => return Vec::new(),
                KeyCode::Enter => {
                    if let Some((id, _)) = choices.get(selected)
                        && *id != model.ws.request.model
                    {
                        model.ws.request.model = id.clone();
                        notice(model, format!("model: {id}"));
                        return structure_changed(model);
                    }
                    return Vec::new();
                }
                KeyCode::Up => selected = selected.saturating_sub(1),
                KeyCode::Down => selected = step(selected, 1, choices.len()),
                KeyCode::Backspace => {
                    filter.pop();
                    selected = 0;
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    filter.push(c);
                    selected = 0;
                }
                _ => {}
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
            match key.code {
                KeyCode::Esc => return Vec::new(),
                KeyCode::Enter => return submit_prompt(model, kind, input),
                KeyCode::Tab if kind.completes_paths() => {
                    model.overlay = Overlay::Prompt {
                        kind,
                        input: input.clone(),
                        error,
                        completions,
                    };
                    return vec![Effect::Complete { input }];
                }
                KeyCode::Backspace => {
                    input.pop();
                    completions.clear();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    input.push(c);
                    completions.clear();
                }
                _ => {}
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
            let is_ctrl_s =
                key.code == KeyCode::Char('s') && key.modifiers.contains(KeyModifiers::CONTROL);
            if key.code == KeyCode::Esc {
                return Vec::new();
            }
            if is_ctrl_s {
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
