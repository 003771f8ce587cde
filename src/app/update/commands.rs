//! What each bound command does to the draft, and the replies its effects come back with
//! (an attachment read, a tool file read). Every structural edit goes through the history
//! (`super::change`), so it can be undone.

use ratatui_textarea::{TextArea, WrapMode};

use super::{change, exact, files, key_for, notice, recount_after};
use crate::app::doc::{self, Slot};
use crate::app::history::Change;
use crate::app::keymap::Command;
use crate::app::model::{ExactState, Model, Overlay, Pane, PromptKind, Then};
use crate::app::msg::Effect;
use crate::app::tool_edit;
use crate::app::viewer;
use crate::request::{Content, ContentBlock, Role};
use crate::workspace::ANNOTATION;

/// How many items PgUp and PgDn move in a list.
const PAGE: isize = 10;

pub(super) fn run(model: &mut Model, command: Command) -> Vec<Effect> {
    match command {
        Command::Quit => files::quit(model),
        Command::QuitHint => {
            let quit = model
                .keymap
                .hint(crate::app::keymap::Scope::Global, Command::Quit)
                .unwrap_or_default();
            let nav = key_for(model, Command::Quit);
            notice(
                model,
                format!(
                    "{quit} quits ({nav} in navigation); it asks first when there are unsaved \
                     changes"
                ),
            );
            Vec::new()
        }
        Command::Save => files::save(model, Then::Stay),
        Command::SaveAs => {
            model.after_save = None;
            files::ask_name(model, None);
            Vec::new()
        }
        Command::Open => {
            files::open_window(model);
            Vec::new()
        }
        Command::Help => {
            model.overlay = Overlay::Help { scroll: 0 };
            Vec::new()
        }
        Command::NextPane => {
            cycle_pane(model, Pane::next);
            Vec::new()
        }
        Command::PrevPane => {
            cycle_pane(model, Pane::prev);
            Vec::new()
        }
        Command::Navigate => {
            model.editor = None;
            Vec::new()
        }
        Command::Edit => edit(model),
        Command::ExternalEdit => super::external::open(model),
        Command::View => {
            view(model);
            Vec::new()
        }
        Command::Log => {
            let mut text: Vec<&str> = model.log.iter().rev().map(String::as_str).collect();
            if text.is_empty() {
                text.push("(no messages yet)");
            }
            model.overlay = Overlay::Viewer {
                title: "Messages, newest first".into(),
                text: text.join("\n\n"),
                scroll: 0,
            };
            Vec::new()
        }
        Command::Up => move_selection(model, -1),
        Command::Down => move_selection(model, 1),
        Command::PageUp => move_selection(model, -PAGE),
        Command::PageDown => move_selection(model, PAGE),
        Command::First => move_selection(model, isize::MIN),
        Command::Last => move_selection(model, isize::MAX),
        Command::NewTurn => new_turn(model),
        Command::DeleteTurn => delete_turn(model),
        Command::Undo => undo(model, false),
        Command::Redo => undo(model, true),
        Command::SwitchRole => switch_role(model),
        Command::Tools => {
            if model.pane_drawn(Pane::Tools) {
                focus_pane(model, Pane::Tools);
            } else {
                hidden_pane(model);
            }
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
        Command::Recount => exact::recount(model),
        Command::Toggle => toggle(model),
        Command::Remove => remove(model),
        Command::ToolFromFile => {
            open_prompt(model, PromptKind::ToolFile, String::new());
            Vec::new()
        }
        Command::NewTool => {
            open_tool_editor(model, tool_edit::TEMPLATE, None);
            Vec::new()
        }
        Command::Compare | Command::CachePlan => {
            super::costs::open(model, command);
            Vec::new()
        }
        Command::Breakpoint => super::costs::breakpoint(model),
        Command::Attribute => super::breakdown::attribute(model),
        // A window's own commands: bound in the panes, they have nothing to act on.
        Command::Discard
        | Command::Cancel
        | Command::Confirm
        | Command::Complete
        | Command::CountExactly => Vec::new(),
    }
}

/// Tab and Shift-Tab: the next pane the screen shows.
fn cycle_pane(model: &mut Model, step: fn(Pane) -> Pane) {
    let mut pane = step(model.pane);
    while !model.pane_drawn(pane) {
        pane = step(pane);
    }
    if pane == model.pane && pane == Pane::Request && !model.pane_drawn(Pane::Tools) {
        hidden_pane(model);
    }
    focus_pane(model, pane);
}

fn hidden_pane(model: &mut Model) {
    notice(
        model,
        format!(
            "the tools and attachments panes need a terminal of at least {}×{}",
            crate::app::screen::SIDE_MIN_TOTAL_WIDTH,
            crate::app::screen::SIDE_MIN_HEIGHT + 1
        ),
    );
}

pub(super) fn focus_pane(model: &mut Model, pane: Pane) {
    model.pane = pane;
    if pane != Pane::Request {
        model.editor = None;
    }
}

/// A one-line prompt. A prompt opened on a current value shows it selected: typing
/// replaces it, the arrows and Backspace edit it.
pub(super) fn open_prompt(model: &mut Model, kind: PromptKind, input: String) {
    model.editor = None;
    model.overlay = Overlay::Prompt {
        kind,
        fresh: !input.is_empty(),
        input,
        error: None,
        completions: Vec::new(),
    };
}

/// Enter: type in the selected block; edit the selected tool's JSON; pick another file for
/// the selected attachment.
fn edit(model: &mut Model) -> Vec<Effect> {
    match model.pane {
        Pane::Request => {
            if !model.open_editor() {
                // Not text: read it instead (a tool call, an image…).
                view(model);
            }
        }
        Pane::Tools => {
            let Some(text) = model.selected_tool_json() else {
                notice(model, "no tool to edit".into());
                return Vec::new();
            };
            let at = model.tool_sel;
            open_tool_editor(model, &text, Some(at));
        }
        Pane::Attachments => {
            let Some((slot, block)) = doc::attachments(&model.ws.request)
                .get(model.attach_sel)
                .map(|(s, b)| (*s, *b))
            else {
                notice(model, "no attachment to edit".into());
                return Vec::new();
            };
            let path = match block {
                ContentBlock::Image(mb) | ContentBlock::Document(mb) => mb
                    .extra
                    .get(ANNOTATION)
                    .and_then(|a| a.get("path"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                _ => String::new(),
            };
            open_prompt(model, PromptKind::ReplaceAttachment(slot), path);
        }
        Pane::Breakdown => return super::breakdown::go_to(model),
    }
    Vec::new()
}

pub(super) fn open_tool_editor(model: &mut Model, text: &str, replacing: Option<usize>) {
    let mut editor = TextArea::new(text.lines().map(str::to_string).collect::<Vec<_>>());
    editor.set_wrap_mode(WrapMode::WordOrGlyph);
    let error = tool_edit::check(text, &model.ws, replacing).err();
    model.editor = None;
    model.overlay = Overlay::ToolEditor {
        editor: Box::new(editor),
        error,
        replacing,
    };
}

/// Read the selected block, tool or attachment in full, without editing it.
fn view(model: &mut Model) {
    let shown = match model.pane {
        Pane::Request => viewer::slot(model, model.focus),
        Pane::Tools => viewer::tool(model, model.tool_sel),
        Pane::Attachments => doc::attachments(&model.ws.request)
            .get(model.attach_sel)
            .and_then(|(slot, _)| viewer::slot(model, *slot)),
        Pane::Breakdown => viewer::breakdown(model),
    };
    match shown {
        Some((title, text)) => {
            model.editor = None;
            model.overlay = Overlay::Viewer {
                title,
                text,
                scroll: 0,
            };
        }
        None => notice(model, "nothing selected to read".into()),
    }
}

/// Move the selection by `delta` (isize::MIN/MAX: to the first/last) in the focused list.
pub(super) fn move_selection(model: &mut Model, delta: isize) -> Vec<Effect> {
    match model.pane {
        Pane::Request => {
            let slots = doc::slots(&model.ws.request);
            let i = slots.iter().position(|s| *s == model.focus).unwrap_or(0);
            if let Some(slot) = slots.get(step(i, delta, slots.len())) {
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
        Pane::Breakdown => super::breakdown::move_selection(model, delta),
    }
    Vec::new()
}

pub(super) fn step(i: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len as isize - 1;
    (i as isize).saturating_add(delta).clamp(0, last) as usize
}

fn new_turn(model: &mut Model) -> Vec<Effect> {
    let messages = &model.ws.request.messages;
    let (at, role) = match model.focus.turn() {
        Some(t) if t < messages.len() => (t + 1, doc::other_role(messages[t].role)),
        _ => (0, Role::User),
    };
    let what = format!("new {} turn", doc::role_name(role));
    let message = doc::new_turn(role);
    let effects = change(model, what, Change::InsertTurn { at, message }).unwrap_or_default();
    model.pane = Pane::Request;
    model.focus = Slot::Turn(at, 0);
    model.open_editor();
    effects
}

fn delete_turn(model: &mut Model) -> Vec<Effect> {
    let Some(t) = model.focus.turn() else {
        notice(model, "the system prompt is not a turn".into());
        return Vec::new();
    };
    let Some(role) = model.ws.request.messages.get(t).map(|m| m.role) else {
        return Vec::new();
    };
    let what = format!("{} #{} deleted", doc::role_name(role), t + 1);
    let Some(effects) = change(model, what.clone(), Change::RemoveTurn { at: t }) else {
        return Vec::new();
    };
    let undo_key = key_for(model, Command::Undo);
    notice(model, format!("{what} ({undo_key} brings it back)"));
    model.editor = None;
    let slots = doc::slots(&model.ws.request);
    model.focus = slots
        .iter()
        .rev()
        .find(|s| s.turn().is_some_and(|x| x < t))
        .or_else(|| slots.iter().find(|s| s.turn() == Some(t)))
        .copied()
        .unwrap_or(Slot::System(0));
    effects
}

/// Undo (or redo) the last structural edit, and show what it was about.
pub(super) fn undo(model: &mut Model, redo: bool) -> Vec<Effect> {
    let result = if redo {
        model.history.redo(&mut model.ws)
    } else {
        model.history.undo(&mut model.ws)
    };
    let (what, applied) = match result {
        Ok(done) => done,
        Err(e) => {
            notice(model, e);
            return Vec::new();
        }
    };
    model.editor = None;
    if let Change::SpliceText { slot, at, .. } = &applied {
        // Typing undone: back in the editor, where it was.
        model.focus = *slot;
        model.pane = Pane::Request;
        model.open_editor_at(Some(*at));
    } else if let Some(slot) = applied.slot() {
        model.focus = slot;
        model.pane = Pane::Request;
    } else if let Some(t) = applied.turn() {
        let slots = doc::slots(&model.ws.request);
        if let Some(slot) = slots.iter().find(|s| s.turn() == Some(t)) {
            model.focus = *slot;
        }
    }
    if let Some(i) = applied.tool() {
        model.tool_sel = i;
    }
    let before = model.offline.total();
    let effects = recount_after(model, applied.recount());
    let delta = super::breakdown::delta_since(model, before)
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    let text = if redo {
        format!("redone: {what}{delta}")
    } else {
        let key = key_for(model, Command::Redo);
        format!("undone: {what}{delta} ({key} redoes)")
    };
    notice(model, text);
    effects
}

fn switch_role(model: &mut Model) -> Vec<Effect> {
    let Some(t) = model.focus.turn() else {
        return Vec::new();
    };
    let Some(role) = model.ws.request.messages.get(t).map(|m| m.role) else {
        return Vec::new();
    };
    let role = doc::other_role(role);
    let what = format!("turn #{} made {}", t + 1, doc::role_name(role));
    change(model, what, Change::SetRole { turn: t, role }).unwrap_or_default()
}

fn toggle(model: &mut Model) -> Vec<Effect> {
    match model.pane {
        Pane::Tools => toggle_tool(model, model.tool_sel),
        Pane::Attachments => toggle_attachment(model, model.attach_sel),
        Pane::Breakdown => super::breakdown::toggle(model),
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
    let enabled = model.ws.disabled_tools.contains(&name);
    let what = format!(
        "tool {name} switched {}",
        if enabled { "on" } else { "off" }
    );
    change(model, what, Change::SetToolEnabled { name, enabled }).unwrap_or_default()
}

pub(super) fn toggle_attachment(model: &mut Model, i: usize) -> Vec<Effect> {
    let Some((slot, name, enabled)) = doc::attachments(&model.ws.request)
        .get(i)
        .map(|(s, b)| (*s, attachment_label(b), crate::workspace::block_enabled(b)))
    else {
        return Vec::new();
    };
    let what = format!("{name} switched {}", if enabled { "off" } else { "on" });
    let switch = Change::SetAttachmentEnabled {
        slot,
        enabled: !enabled,
    };
    change(model, what, switch).unwrap_or_default()
}

/// "attachment budgie.png", "image" when it names no file.
fn attachment_label(block: &ContentBlock) -> String {
    match block {
        ContentBlock::Image(mb) | ContentBlock::Document(mb) => match doc::attachment_name(mb) {
            Some(name) => format!("attachment {name}"),
            None => format!("attached {}", block.kind()),
        },
        other => other.kind().to_string(),
    }
}

/// Remove the selected tool or attachment; the notice says which key brings it back.
fn remove(model: &mut Model) -> Vec<Effect> {
    let (what, edit) = match model.pane {
        Pane::Tools => {
            let Some(tool) = model.selected_tool() else {
                return Vec::new();
            };
            (
                format!("tool {} removed", tool.name),
                Change::RemoveTool { at: model.tool_sel },
            )
        }
        Pane::Attachments => {
            let Some((Slot::Turn(turn, at), block)) = doc::attachments(&model.ws.request)
                .get(model.attach_sel)
                .map(|(s, b)| (*s, *b))
            else {
                return Vec::new();
            };
            (
                format!("{} removed", attachment_label(block)),
                Change::RemoveBlock { turn, at },
            )
        }
        Pane::Request | Pane::Breakdown => return Vec::new(),
    };
    let Some(effects) = change(model, what.clone(), edit) else {
        return Vec::new();
    };
    let undo_key = key_for(model, Command::Undo);
    let delta = super::breakdown::recent_delta_text(model);
    notice(model, format!("{what}{delta} ({undo_key} brings it back)"));
    effects
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

/// An attachment read from disk: into turn `turn` (before its text, as the API docs
/// recommend for images), or in place of the attachment at `replace`. The selection moves
/// to it.
pub(super) fn on_attachment(
    model: &mut Model,
    turn: usize,
    replace: Option<Slot>,
    result: Result<Box<ContentBlock>, String>,
) -> Vec<Effect> {
    let block = match result {
        Ok(block) => *block,
        Err(e) => {
            notice(model, e);
            return Vec::new();
        }
    };
    let label = attachment_label(&block);
    let messages = &model.ws.request.messages;
    let (edit, slot) = if let Some(Slot::Turn(t, b)) = replace {
        let Some(mut message) = messages.get(t).cloned() else {
            return Vec::new();
        };
        let Content::Blocks(blocks) = &mut message.content else {
            return Vec::new();
        };
        let Some(old) = blocks.get_mut(b) else {
            return Vec::new();
        };
        *old = block;
        (Change::SetTurn { at: t, message }, Slot::Turn(t, b))
    } else if turn >= messages.len() {
        let mut message = doc::new_turn(Role::User);
        message.content = Content::Blocks(vec![block]);
        let at = messages.len();
        (Change::InsertTurn { at, message }, Slot::Turn(at, 0))
    } else {
        let mut message = messages[turn].clone();
        let (blocks, at) =
            match std::mem::replace(&mut message.content, Content::Text(String::new())) {
                Content::Text(text) if text.is_empty() => (vec![block], 0),
                Content::Text(text) => (vec![block, ContentBlock::text(text)], 0),
                Content::Blocks(mut blocks) => {
                    let at = blocks
                        .iter()
                        .position(|b| {
                            !matches!(b, ContentBlock::Image(_) | ContentBlock::Document(_))
                        })
                        .unwrap_or(blocks.len());
                    blocks.insert(at, block);
                    (blocks, at)
                }
            };
        message.content = Content::Blocks(blocks);
        (Change::SetTurn { at: turn, message }, Slot::Turn(turn, at))
    };
    attached(model, edit, slot, label)
}

fn attached(model: &mut Model, edit: Change, slot: Slot, label: String) -> Vec<Effect> {
    let what = format!("{label} attached");
    let Some(effects) = change(model, what.clone(), edit) else {
        return Vec::new();
    };
    model.editor = None;
    model.focus = slot;
    if let Some(i) = doc::attachments(&model.ws.request)
        .iter()
        .position(|(s, _)| *s == slot)
    {
        model.attach_sel = i;
    }
    if model.pane_drawn(Pane::Attachments) {
        model.pane = Pane::Attachments;
    }
    notice(model, what);
    effects
}

pub(super) fn add_tools_from_text(model: &mut Model, text: &str, origin: &str) -> Vec<Effect> {
    match tool_edit::parse_tools(text, &model.ws) {
        Ok(tools) => {
            let names: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
            let first = model.tool_count();
            let inserts = tools
                .into_iter()
                .enumerate()
                .map(|(i, tool)| Change::InsertTool {
                    at: first + i,
                    tool,
                    enabled: true,
                })
                .collect();
            let what = format!("tool {} added", names.join(", "));
            tool_added(model, what, Change::Many(inserts), first + names.len() - 1)
        }
        Err(e) => {
            notice(model, format!("{origin}: {e}"));
            Vec::new()
        }
    }
}

/// A tool written in the tool editor: a new one, or in place of the one at `replacing`.
pub(super) fn save_tool(
    model: &mut Model,
    tool: crate::request::Tool,
    replacing: Option<usize>,
) -> Vec<Effect> {
    match replacing {
        Some(at) => {
            let mut tool = tool;
            // The editors show the definition without budgie's annotation (a linked file):
            // the edited tool keeps the old one.
            if let Some(note) = model
                .ws
                .request
                .tools
                .as_ref()
                .and_then(|t| t.get(at))
                .and_then(|t| t.extra.get(ANNOTATION))
            {
                tool.extra
                    .entry(ANNOTATION.to_string())
                    .or_insert_with(|| note.clone());
            }
            let what = format!("tool {} edited", tool.name);
            tool_added(model, what, Change::SetTool { at, tool }, at)
        }
        None => {
            let at = model.tool_count();
            let what = format!("tool {} added", tool.name);
            let insert = Change::InsertTool {
                at,
                tool,
                enabled: true,
            };
            tool_added(model, what, insert, at)
        }
    }
}

fn tool_added(model: &mut Model, what: String, edit: Change, select: usize) -> Vec<Effect> {
    let Some(effects) = change(model, what.clone(), edit) else {
        return Vec::new();
    };
    model.tool_sel = select.min(model.tool_count().saturating_sub(1));
    if model.pane_drawn(Pane::Tools) {
        model.pane = Pane::Tools;
    }
    model.editor = None;
    notice(model, what);
    effects
}
