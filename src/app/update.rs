//! The reducer: the only place the workbench's state changes. No I/O, no clock reads: the
//! time arrives in the `Msg`, and everything to do outside comes back as an `Effect`.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{Input, Key as TaKey, TextArea, WrapMode};

use super::doc::{self, Slot};
use super::keymap::{Command, Scope};
use super::model::{ExactState, Model, Overlay, Pane, PromptKind};
use super::msg::{CountEvent, CountFailure, Effect, Msg, Pointer, Target};
use super::tool_edit;
use crate::request::{Content, ContentBlock, Role, Thinking};

/// Apply one `Msg`; return what the runtime must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Keys(keys) => on_keys(model, keys),
        Msg::Paste(text) => on_paste(model, &text),
        Msg::Pointer(pointer) => on_pointer(model, pointer),
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
        Msg::Count(event) => {
            on_count(model, event);
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
        Msg::AttachmentRead { turn, result } => on_attachment(model, turn, result),
        Msg::ToolRead { path, result } => match result {
            Ok(text) => add_tools_from_text(model, &text, &path.display().to_string()),
            Err(e) => {
                notice(model, format!("{}: {e}", path.display()));
                Vec::new()
            }
        },
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
                    *current = common_prefix(&input, &options);
                    *completions = options;
                }
            }
            Vec::new()
        }
    }
}

fn notice(model: &mut Model, text: String) {
    model.notice = Some((text, model.now));
}

// ---------------------------------------------------------------------------------------
// Counting

/// The counted content changed: recount offline (already done by the caller) and ask for an
/// exact count after the pause.
fn content_changed(model: &mut Model) -> Vec<Effect> {
    model.revision += 1;
    model.unsaved = true;
    if matches!(model.exact, ExactState::Offline { .. }) {
        return Vec::new();
    }
    model.exact = ExactState::Pending;
    vec![Effect::CountExact]
}

/// Something other than a text changed (turns, roles, tools, attachments, model).
fn structure_changed(model: &mut Model) -> Vec<Effect> {
    model.offline.rebuild(&model.ws);
    content_changed(model)
}

fn on_count(model: &mut Model, event: CountEvent) {
    let offline = matches!(model.exact, ExactState::Offline { .. });
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
                Ok(tokens) => ExactState::Exact { tokens, at },
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
}

// ---------------------------------------------------------------------------------------
// Keys

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
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
        if let Some(command) = model.keymap.lookup(Scope::Editor, &key) {
            return run(model, command);
        }
        return edit(model, |area| area.input(to_input(&key)));
    }
    match model.keymap.lookup(Scope::Navigate, &key) {
        Some(command) => run(model, command),
        None => Vec::new(),
    }
}

/// A burst of keys: runs of plain typing are inserted with one edit (the editor re-wraps
/// its text on every edit, so 2,000 single edits cost far more than one); anything bound to
/// a command, or any key outside the editor, goes through `on_key` in order.
fn on_keys(model: &mut Model, keys: Vec<KeyEvent>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut pending = String::new();
    for key in keys {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let text = match key.code {
            KeyCode::Char(c) if plain => Some(c),
            KeyCode::Enter if plain => Some('\n'),
            _ => None,
        };
        let typing = text.is_some()
            && matches!(model.overlay, Overlay::None)
            && model.editor.is_some()
            && model.keymap.lookup(Scope::Global, &key).is_none()
            && model.keymap.lookup(Scope::Editor, &key).is_none();
        match text {
            Some(c) if typing => pending.push(c),
            _ => {
                if !pending.is_empty() {
                    let run = std::mem::take(&mut pending);
                    effects.extend(edit(model, |area| area.insert_str(&run)));
                }
                effects.extend(on_key(model, key));
            }
        }
    }
    if !pending.is_empty() {
        effects.extend(edit(model, |area| area.insert_str(&pending)));
    }
    effects.dedup();
    effects
}

/// Run `change` on the open editor; if the text changed, write it back and recount it.
fn edit(model: &mut Model, change: impl FnOnce(&mut TextArea<'static>) -> bool) -> Vec<Effect> {
    let Some(editor) = &mut model.editor else {
        return Vec::new();
    };
    if !change(&mut editor.area) {
        return Vec::new();
    }
    let slot = editor.slot;
    let text = editor.area.lines().join("\n");
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

fn run(model: &mut Model, command: Command) -> Vec<Effect> {
    match command {
        Command::Quit => quit(model),
        Command::Save => save(model),
        Command::Help => {
            model.overlay = Overlay::Help { scroll: 0 };
            Vec::new()
        }
        Command::NextPane => {
            focus_pane(model, model.pane.next());
            Vec::new()
        }
        Command::PrevPane => {
            focus_pane(model, model.pane.prev());
            Vec::new()
        }
        Command::Navigate => {
            model.editor = None;
            Vec::new()
        }
        Command::Edit => {
            match model.pane {
                Pane::Request => {
                    model.open_editor();
                }
                Pane::Tools | Pane::Attachments => return run(model, Command::Toggle),
            }
            Vec::new()
        }
        Command::Up => {
            move_selection(model, -1);
            Vec::new()
        }
        Command::Down => {
            move_selection(model, 1);
            Vec::new()
        }
        Command::NewTurn => new_turn(model),
        Command::DeleteTurn => delete_turn(model),
        Command::Undo => undo_delete(model),
        Command::SwitchRole => switch_role(model),
        Command::Tools => {
            focus_pane(model, Pane::Tools);
            Vec::new()
        }
        Command::Attach => {
            open_prompt(model, PromptKind::AttachPath, String::new());
            Vec::new()
        }
        Command::Model => {
            model.overlay = Overlay::ModelPicker {
                filter: String::new(),
                selected: 0,
            };
            if model.api_models.is_empty() && !matches!(model.exact, ExactState::Offline { .. }) {
                return vec![Effect::RefreshModels];
            }
            Vec::new()
        }
        Command::Budget => {
            let current = model.ws.budget.map(|b| b.to_string()).unwrap_or_default();
            open_prompt(model, PromptKind::Budget, current);
            Vec::new()
        }
        Command::Thinking => {
            let current = match &model.ws.request.thinking {
                Some(t) if t.kind == "adaptive" => "adaptive".to_string(),
                _ => model
                    .thinking_budget()
                    .map(|b| b.to_string())
                    .unwrap_or_default(),
            };
            open_prompt(model, PromptKind::Thinking, current);
            Vec::new()
        }
        Command::Export => {
            open_prompt(model, PromptKind::ExportPath, "request.json".into());
            Vec::new()
        }
        Command::Toggle => toggle(model),
        Command::Remove => remove(model),
        Command::ToolFromFile => {
            open_prompt(model, PromptKind::ToolFile, String::new());
            Vec::new()
        }
        Command::NewTool => {
            let mut editor = TextArea::new(
                tool_edit::TEMPLATE
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>(),
            );
            editor.set_wrap_mode(WrapMode::WordOrGlyph);
            let error = tool_edit::check(tool_edit::TEMPLATE, &model.ws).err();
            model.overlay = Overlay::ToolEditor {
                editor: Box::new(editor),
                error,
            };
            Vec::new()
        }
    }
}

fn quit(model: &mut Model) -> Vec<Effect> {
    // Nothing typed is lost: unsaved work goes to the draft file on the way out.
    if model.unsaved {
        vec![
            Effect::Save {
                path: None,
                workspace: Box::new(model.ws.clone()),
            },
            Effect::Quit,
        ]
    } else {
        vec![Effect::Quit]
    }
}

fn save(model: &mut Model) -> Vec<Effect> {
    let path = if model.read_only {
        None
    } else {
        model.path.clone()
    };
    vec![Effect::Save {
        path,
        workspace: Box::new(model.ws.clone()),
    }]
}

fn focus_pane(model: &mut Model, pane: Pane) {
    model.pane = pane;
    if pane != Pane::Request {
        model.editor = None;
    }
}

fn open_prompt(model: &mut Model, kind: PromptKind, input: String) {
    model.editor = None;
    model.overlay = Overlay::Prompt {
        kind,
        input,
        error: None,
        completions: Vec::new(),
    };
}

fn move_selection(model: &mut Model, delta: isize) {
    match model.pane {
        Pane::Request => {
            let slots = doc::slots(&model.ws.request);
            let i = slots.iter().position(|s| *s == model.focus).unwrap_or(0);
            let j = (i as isize + delta).clamp(0, slots.len().saturating_sub(1) as isize) as usize;
            if let Some(slot) = slots.get(j) {
                model.focus = *slot;
            }
            model.editor = None;
        }
        Pane::Tools => {
            model.tool_sel = step(model.tool_sel, delta, model.tool_count());
        }
        Pane::Attachments => {
            let n = doc::attachments(&model.ws.request).len();
            model.attach_sel = step(model.attach_sel, delta, n);
        }
    }
}

fn step(i: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (i as isize + delta).clamp(0, len as isize - 1) as usize
}

fn new_turn(model: &mut Model) -> Vec<Effect> {
    let messages = &mut model.ws.request.messages;
    let (at, role) = match model.focus.turn() {
        Some(t) if t < messages.len() => (t + 1, doc::other_role(messages[t].role)),
        _ => (0, Role::User),
    };
    messages.insert(at, doc::new_turn(role));
    model.pane = Pane::Request;
    model.focus = Slot::Turn(at, 0);
    model.open_editor();
    structure_changed(model)
}

fn delete_turn(model: &mut Model) -> Vec<Effect> {
    let Some(t) = model.focus.turn() else {
        notice(model, "the system prompt is not a turn".into());
        return Vec::new();
    };
    if t >= model.ws.request.messages.len() {
        return Vec::new();
    }
    let removed = model.ws.request.messages.remove(t);
    model.undo.push((t, removed));
    let undo_key = model
        .keymap
        .hint(Scope::Navigate, Command::Undo)
        .unwrap_or_default();
    notice(model, format!("turn deleted ({undo_key} brings it back)"));
    model.editor = None;
    let slots = doc::slots(&model.ws.request);
    model.focus = slots
        .iter()
        .rev()
        .find(|s| s.turn().is_some_and(|x| x < t))
        .or_else(|| slots.iter().find(|s| s.turn() == Some(t)))
        .copied()
        .unwrap_or(Slot::System(0));
    structure_changed(model)
}

fn undo_delete(model: &mut Model) -> Vec<Effect> {
    let Some((t, message)) = model.undo.pop() else {
        notice(model, "nothing to undo".into());
        return Vec::new();
    };
    let t = t.min(model.ws.request.messages.len());
    model.ws.request.messages.insert(t, message);
    model.focus = Slot::Turn(t, 0);
    notice(model, "turn restored".into());
    structure_changed(model)
}

fn switch_role(model: &mut Model) -> Vec<Effect> {
    let Some(t) = model.focus.turn() else {
        return Vec::new();
    };
    let Some(message) = model.ws.request.messages.get_mut(t) else {
        return Vec::new();
    };
    message.role = doc::other_role(message.role);
    structure_changed(model)
}

fn toggle(model: &mut Model) -> Vec<Effect> {
    match model.pane {
        Pane::Tools => toggle_tool(model, model.tool_sel),
        Pane::Attachments => toggle_attachment(model, model.attach_sel),
        Pane::Request => {
            // On an attachment block in the request pane, toggle it too.
            let attachments = doc::attachments(&model.ws.request);
            match attachments.iter().position(|(s, _)| *s == model.focus) {
                Some(i) => toggle_attachment(model, i),
                None => Vec::new(),
            }
        }
    }
}

fn toggle_tool(model: &mut Model, i: usize) -> Vec<Effect> {
    let Some(name) = model
        .ws
        .request
        .tools
        .as_ref()
        .and_then(|t| t.get(i))
        .map(|t| t.name.clone())
    else {
        return Vec::new();
    };
    if !model.ws.disabled_tools.remove(&name) {
        model.ws.disabled_tools.insert(name);
    }
    model.offline.rebuild_structure(&model.ws);
    content_changed(model)
}

fn toggle_attachment(model: &mut Model, i: usize) -> Vec<Effect> {
    let Some((slot, enabled)) = doc::attachments(&model.ws.request)
        .get(i)
        .map(|(s, b)| (*s, doc::attachment_enabled(b)))
    else {
        return Vec::new();
    };
    doc::set_attachment_enabled(&mut model.ws.request, slot, !enabled);
    model.offline.rebuild_structure(&model.ws);
    content_changed(model)
}

fn remove(model: &mut Model) -> Vec<Effect> {
    match model.pane {
        Pane::Tools => {
            let Some(tools) = &mut model.ws.request.tools else {
                return Vec::new();
            };
            if model.tool_sel >= tools.len() {
                return Vec::new();
            }
            let tool = tools.remove(model.tool_sel);
            if tools.is_empty() {
                model.ws.request.tools = None;
            }
            model.ws.disabled_tools.remove(&tool.name);
            model.tool_sel = model.tool_sel.min(model.tool_count().saturating_sub(1));
            notice(model, format!("tool {} removed", tool.name));
            structure_changed(model)
        }
        Pane::Attachments => {
            let Some(slot) = doc::attachments(&model.ws.request)
                .get(model.attach_sel)
                .map(|(s, _)| *s)
            else {
                return Vec::new();
            };
            doc::remove_block(&mut model.ws.request, slot);
            let n = doc::attachments(&model.ws.request).len();
            model.attach_sel = model.attach_sel.min(n.saturating_sub(1));
            model.focus = Slot::System(0);
            model.editor = None;
            notice(model, "attachment removed".into());
            structure_changed(model)
        }
        Pane::Request => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// Overlays

fn on_overlay_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
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

fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => format!("{}/{rest}", home.to_string_lossy()),
        _ => path.to_string(),
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

/// The turn an attachment goes into: the focused user turn, else the last user turn, else a
/// new one (`messages.len()`).
fn attach_target(model: &Model) -> usize {
    let messages = &model.ws.request.messages;
    match model.focus.turn() {
        Some(t) if messages.get(t).is_some_and(|m| m.role == Role::User) => t,
        _ => messages
            .iter()
            .rposition(|m| m.role == Role::User)
            .unwrap_or(messages.len()),
    }
}

fn on_attachment(
    model: &mut Model,
    turn: usize,
    result: Result<Box<ContentBlock>, String>,
) -> Vec<Effect> {
    let block = match result {
        Ok(block) => *block,
        Err(e) => {
            notice(model, e);
            return Vec::new();
        }
    };
    let messages = &mut model.ws.request.messages;
    if turn >= messages.len() {
        messages.push(doc::new_turn(Role::User));
    }
    let t = turn.min(messages.len() - 1);
    let message = &mut messages[t];
    // Images go before the text, as the API docs recommend.
    let blocks = match std::mem::replace(&mut message.content, Content::Blocks(Vec::new())) {
        Content::Text(text) if text.is_empty() => vec![block],
        Content::Text(text) => vec![block, ContentBlock::text(text)],
        Content::Blocks(mut blocks) => {
            let at = blocks
                .iter()
                .position(|b| !matches!(b, ContentBlock::Image(_) | ContentBlock::Document(_)))
                .unwrap_or(blocks.len());
            blocks.insert(at, block);
            blocks
        }
    };
    message.content = Content::Blocks(blocks);
    model.editor = None;
    model.focus = Slot::Turn(t, 0);
    model.pane = Pane::Attachments;
    notice(model, "attached".into());
    structure_changed(model)
}

fn add_tools_from_text(model: &mut Model, text: &str, origin: &str) -> Vec<Effect> {
    match tool_edit::parse_tools(text, &model.ws) {
        Ok(tools) => {
            let mut effects = Vec::new();
            for tool in tools {
                effects = add_tool(model, tool);
            }
            effects
        }
        Err(e) => {
            notice(model, format!("{origin}: {e}"));
            Vec::new()
        }
    }
}

fn add_tool(model: &mut Model, tool: crate::request::Tool) -> Vec<Effect> {
    let name = tool.name.clone();
    model
        .ws
        .request
        .tools
        .get_or_insert_with(Vec::new)
        .push(tool);
    model.tool_sel = model.tool_count().saturating_sub(1);
    model.pane = Pane::Tools;
    model.editor = None;
    notice(model, format!("tool {name} added"));
    structure_changed(model)
}

// ---------------------------------------------------------------------------------------
// Paste and mouse

fn on_paste(model: &mut Model, text: &str) -> Vec<Effect> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    match &mut model.overlay {
        Overlay::Prompt { input, .. } => {
            input.push_str(text.lines().next().unwrap_or(""));
            return Vec::new();
        }
        Overlay::ToolEditor { editor, error } => {
            editor.insert_str(&text);
            *error = tool_edit::check(&editor.lines().join("\n"), &model.ws).err();
            return Vec::new();
        }
        Overlay::ModelPicker { filter, selected } => {
            filter.push_str(text.trim());
            *selected = 0;
            return Vec::new();
        }
        Overlay::Help { .. } => return Vec::new(),
        Overlay::None => {}
    }
    if model.editor.is_none() && model.pane == Pane::Request {
        model.open_editor();
    }
    edit(model, |area| area.insert_str(&text))
}

fn on_pointer(model: &mut Model, pointer: Pointer) -> Vec<Effect> {
    if !matches!(model.overlay, Overlay::None) {
        return Vec::new();
    }
    let target = match pointer {
        Pointer::Click(target) => target,
        Pointer::ScrollDown => {
            move_selection(model, 1);
            return Vec::new();
        }
        Pointer::ScrollUp => {
            move_selection(model, -1);
            return Vec::new();
        }
    };
    match target {
        Target::Nothing => Vec::new(),
        Target::Pane(pane) => {
            focus_pane(model, pane);
            Vec::new()
        }
        Target::Slot(slot) => {
            model.pane = Pane::Request;
            if model.editor.as_ref().is_some_and(|e| e.slot == slot) {
                return Vec::new();
            }
            model.focus = slot;
            model.open_editor();
            Vec::new()
        }
        Target::Tool { index, checkbox } => {
            focus_pane(model, Pane::Tools);
            model.tool_sel = index;
            if checkbox {
                toggle_tool(model, index)
            } else {
                Vec::new()
            }
        }
        Target::Attachment { index, checkbox } => {
            focus_pane(model, Pane::Attachments);
            model.attach_sel = index;
            if checkbox {
                toggle_attachment(model, index)
            } else {
                Vec::new()
            }
        }
    }
}

/// crossterm key → the editor's input (ratatui-textarea's own conversion, by value).
fn to_input(key: &KeyEvent) -> Input {
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

fn common_prefix(input: &str, options: &[String]) -> String {
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
