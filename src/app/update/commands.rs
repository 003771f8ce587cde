//! What each bound command does to the draft, and the replies its effects come back with
//! (an attachment read, a tool file read).

use ratatui_textarea::{TextArea, WrapMode};

use super::{content_changed, notice, structure_changed};
use crate::app::doc::{self, Slot};
use crate::app::keymap::{Command, Scope};
use crate::app::model::{ExactState, Model, Overlay, Pane, PromptKind};
use crate::app::msg::Effect;
use crate::app::tool_edit;
use crate::request::{Content, ContentBlock, Role};

pub(super) fn run(model: &mut Model, command: Command) -> Vec<Effect> {
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
        Command::Compare | Command::CachePlan => {
            super::costs::open(model, command);
            Vec::new()
        }
        Command::Breakpoint => super::costs::breakpoint(model),
        // A window's own commands: bound in the panes, they have nothing to act on.
        Command::Cancel
        | Command::Confirm
        | Command::Complete
        | Command::PageUp
        | Command::PageDown
        | Command::CountExactly => Vec::new(),
    }
}

pub(super) fn quit(model: &mut Model) -> Vec<Effect> {
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

pub(super) fn focus_pane(model: &mut Model, pane: Pane) {
    model.pane = pane;
    if pane != Pane::Request {
        model.editor = None;
    }
}

pub(super) fn open_prompt(model: &mut Model, kind: PromptKind, input: String) {
    model.editor = None;
    model.overlay = Overlay::Prompt {
        kind,
        input,
        error: None,
        completions: Vec::new(),
    };
}

pub(super) fn move_selection(model: &mut Model, delta: isize) {
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

pub(super) fn step(i: usize, delta: isize, len: usize) -> usize {
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

pub(super) fn toggle_tool(model: &mut Model, i: usize) -> Vec<Effect> {
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

pub(super) fn toggle_attachment(model: &mut Model, i: usize) -> Vec<Effect> {
    let Some((slot, enabled)) = doc::attachments(&model.ws.request)
        .get(i)
        .map(|(s, b)| (*s, crate::workspace::block_enabled(b)))
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

/// The turn an attachment goes into: the focused user turn, else the last user turn, else a
/// new one (`messages.len()`).
pub(super) fn attach_target(model: &Model) -> usize {
    let messages = &model.ws.request.messages;
    match model.focus.turn() {
        Some(t) if messages.get(t).is_some_and(|m| m.role == Role::User) => t,
        _ => messages
            .iter()
            .rposition(|m| m.role == Role::User)
            .unwrap_or(messages.len()),
    }
}

pub(super) fn on_attachment(
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

pub(super) fn add_tools_from_text(model: &mut Model, text: &str, origin: &str) -> Vec<Effect> {
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

pub(super) fn add_tool(model: &mut Model, tool: crate::request::Tool) -> Vec<Effect> {
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
