//! Undo and redo of structural edits: turns added, deleted or switched, tools and
//! attachments added, edited, removed or switched off, the model, thinking and the budget.
//! (Typing inside a block has the editor's own undo; in a long block, typing the editor's
//! window has moved on from comes back here as one `SpliceText`.)
//!
//! Every structural edit is a [`Change`] applied through [`Change::apply`], which returns
//! the change that undoes it; the history keeps those. Undoing applies one and keeps what it
//! returns for redo, so undo and redo are the same operation.

use serde_json::Value;

use super::doc::{self, Slot};
use crate::request::{Content, ContentBlock, Message, Role, Thinking, Tool};
use crate::workspace::Workspace;

/// How many edits can be undone.
pub const MAX_UNDO: usize = 200;

/// One structural edit of the workspace.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    InsertTurn {
        at: usize,
        message: Message,
    },
    RemoveTurn {
        at: usize,
    },
    /// Replace a whole turn (an attachment added or replaced in it).
    SetTurn {
        at: usize,
        message: Message,
    },
    SetRole {
        turn: usize,
        role: Role,
    },
    /// Put a block back into a turn (an attachment removed).
    InsertBlock {
        turn: usize,
        at: usize,
        block: ContentBlock,
    },
    RemoveBlock {
        turn: usize,
        at: usize,
    },
    SetAttachmentEnabled {
        slot: Slot,
        enabled: bool,
    },
    InsertTool {
        at: usize,
        tool: Tool,
        enabled: bool,
    },
    RemoveTool {
        at: usize,
    },
    /// Replace a tool's definition (edited in the tool editor).
    SetTool {
        at: usize,
        tool: Tool,
    },
    SetToolEnabled {
        name: String,
        enabled: bool,
    },
    SetModel(String),
    /// Thinking and `max_tokens` change together (the API wants max_tokens above the
    /// thinking budget).
    SetThinking {
        thinking: Option<Thinking>,
        max_tokens: Option<Value>,
    },
    SetBudget(Option<u64>),
    /// Replace `len` bytes at byte `at` of a text block with `text` (typing in a long block,
    /// once the editor's window has moved on from it).
    SpliceText {
        slot: Slot,
        at: usize,
        len: usize,
        text: String,
    },
    /// Replace a block's whole text (edited in the user's own editor).
    SetText {
        slot: Slot,
        text: String,
    },
    /// Several changes made as one edit, applied in order.
    Many(Vec<Change>),
}

impl Change {
    /// Apply the change to `ws`; returns the change that undoes it, or `None` when the
    /// workspace no longer has what the change refers to (nothing is changed then).
    pub fn apply(self, ws: &mut Workspace) -> Option<Change> {
        let request = &mut ws.request;
        Some(match self {
            Change::InsertTurn { at, message } => {
                if at > request.messages.len() {
                    return None;
                }
                request.messages.insert(at, message);
                Change::RemoveTurn { at }
            }
            Change::RemoveTurn { at } => {
                if at >= request.messages.len() {
                    return None;
                }
                let message = request.messages.remove(at);
                Change::InsertTurn { at, message }
            }
            Change::SetTurn { at, message } => {
                let slot = request.messages.get_mut(at)?;
                let old = std::mem::replace(slot, message);
                Change::SetTurn { at, message: old }
            }
            Change::SetRole { turn, role } => {
                let message = request.messages.get_mut(turn)?;
                let old = std::mem::replace(&mut message.role, role);
                Change::SetRole { turn, role: old }
            }
            Change::InsertBlock { turn, at, block } => {
                let message = request.messages.get_mut(turn)?;
                let blocks = match &mut message.content {
                    Content::Blocks(blocks) if at <= blocks.len() => blocks,
                    _ => return None,
                };
                blocks.insert(at, block);
                Change::RemoveBlock { turn, at }
            }
            Change::RemoveBlock { turn, at } => {
                let block = doc::remove_block(request, Slot::Turn(turn, at))?;
                Change::InsertBlock { turn, at, block }
            }
            Change::SetAttachmentEnabled { slot, enabled } => {
                let (_, block) = doc::attachments(request)
                    .into_iter()
                    .find(|(s, _)| *s == slot)?;
                let was = crate::workspace::block_enabled(block);
                doc::set_attachment_enabled(request, slot, enabled);
                Change::SetAttachmentEnabled { slot, enabled: was }
            }
            Change::InsertTool { at, tool, enabled } => {
                let tools = request.tools.get_or_insert_with(Vec::new);
                if at > tools.len() || tools.iter().any(|t| t.name == tool.name) {
                    if tools.is_empty() {
                        request.tools = None;
                    }
                    return None;
                }
                if enabled {
                    ws.disabled_tools.remove(&tool.name);
                } else {
                    ws.disabled_tools.insert(tool.name.clone());
                }
                tools.insert(at, tool);
                Change::RemoveTool { at }
            }
            Change::RemoveTool { at } => {
                let tools = request.tools.as_mut()?;
                if at >= tools.len() {
                    return None;
                }
                let tool = tools.remove(at);
                if tools.is_empty() {
                    request.tools = None;
                }
                let enabled = !ws.disabled_tools.remove(&tool.name);
                Change::InsertTool { at, tool, enabled }
            }
            Change::SetTool { at, tool } => {
                let tools = request.tools.as_mut()?;
                let taken = tools
                    .iter()
                    .enumerate()
                    .any(|(i, t)| i != at && t.name == tool.name);
                if taken {
                    return None;
                }
                let slot = tools.get_mut(at)?;
                let old = std::mem::replace(slot, tool);
                // The switch follows the tool when its name changes.
                if old.name != slot.name && ws.disabled_tools.remove(&old.name) {
                    ws.disabled_tools.insert(slot.name.clone());
                }
                Change::SetTool { at, tool: old }
            }
            Change::SetToolEnabled { name, enabled } => {
                let known = request
                    .tools
                    .as_ref()
                    .is_some_and(|t| t.iter().any(|t| t.name == name));
                if !known {
                    return None;
                }
                let was = !ws.disabled_tools.contains(&name);
                if enabled {
                    ws.disabled_tools.remove(&name);
                } else {
                    ws.disabled_tools.insert(name.clone());
                }
                Change::SetToolEnabled { name, enabled: was }
            }
            Change::SpliceText {
                slot,
                at,
                len,
                text,
            } => {
                let block = doc::text_mut(request, slot)?;
                let end = at.checked_add(len)?;
                if end > block.len() || !block.is_char_boundary(at) || !block.is_char_boundary(end)
                {
                    return None;
                }
                let old = block[at..end].to_string();
                block.replace_range(at..end, &text);
                Change::SpliceText {
                    slot,
                    at,
                    len: text.len(),
                    text: old,
                }
            }
            Change::SetModel(model) => {
                Change::SetModel(std::mem::replace(&mut request.model, model))
            }
            Change::SetThinking {
                thinking,
                max_tokens,
            } => {
                let old_thinking = std::mem::replace(&mut request.thinking, thinking);
                let old_max = match max_tokens {
                    Some(v) => request.extra.insert("max_tokens".into(), v),
                    None => request.extra.shift_remove("max_tokens"),
                };
                Change::SetThinking {
                    thinking: old_thinking,
                    max_tokens: old_max,
                }
            }
            Change::SetBudget(budget) => {
                Change::SetBudget(std::mem::replace(&mut ws.budget, budget))
            }
            Change::SetText { slot, text } => {
                let old = doc::content(request, slot)?.text()?.to_string();
                if !doc::set_text(request, slot, text) {
                    return None;
                }
                Change::SetText { slot, text: old }
            }
            Change::Many(changes) => {
                let mut undo = Vec::with_capacity(changes.len());
                for change in changes {
                    match change.apply(ws) {
                        Some(inverse) => undo.push(inverse),
                        None => {
                            // Put back what was done so far: all or nothing.
                            for inverse in undo.into_iter().rev() {
                                let _ = inverse.apply(ws);
                            }
                            return None;
                        }
                    }
                }
                undo.reverse();
                Change::Many(undo)
            }
        })
    }

    /// What must be counted again after the change.
    pub fn recount(&self) -> Recount {
        match self {
            Change::SetBudget(_) => Recount::Nothing,
            Change::SetAttachmentEnabled { .. } | Change::SetToolEnabled { .. } => {
                Recount::Structure
            }
            Change::Many(changes) => changes
                .iter()
                .map(Change::recount)
                .max()
                .unwrap_or(Recount::Nothing),
            _ => Recount::All,
        }
    }

    /// The turn the change is about, to show it after an undo.
    pub fn turn(&self) -> Option<usize> {
        match self {
            Change::InsertTurn { at, .. }
            | Change::RemoveTurn { at }
            | Change::SetTurn { at, .. } => Some(*at),
            Change::SetRole { turn, .. }
            | Change::InsertBlock { turn, .. }
            | Change::RemoveBlock { turn, .. } => Some(*turn),
            Change::SetAttachmentEnabled { slot, .. }
            | Change::SpliceText { slot, .. }
            | Change::SetText { slot, .. } => slot.turn(),
            Change::Many(changes) => changes.iter().find_map(Change::turn),
            _ => None,
        }
    }

    /// The block whose text the change replaced, to show it after an undo.
    pub fn slot(&self) -> Option<Slot> {
        match self {
            Change::SetText { slot, .. } => Some(*slot),
            Change::Many(changes) => changes.iter().find_map(Change::slot),
            _ => None,
        }
    }

    /// The tool the change is about (its place in the list), to select it after an undo.
    pub fn tool(&self) -> Option<usize> {
        match self {
            Change::InsertTool { at, .. }
            | Change::RemoveTool { at }
            | Change::SetTool { at, .. } => Some(*at),
            Change::Many(changes) => changes.iter().find_map(Change::tool),
            _ => None,
        }
    }
}

/// What a change makes stale in the counts, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recount {
    /// Nothing counted (the budget).
    Nothing,
    /// Only the structure: the texts are the same (a tool or attachment switched).
    Structure,
    /// Everything: turns, blocks, tools or the model changed.
    All,
}

/// One entry: what undoes an edit, and the edit's name ("tool get_weather removed").
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    what: String,
    change: Change,
}

/// The edits that can be undone, and those undone that can be redone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    undo: Vec<Entry>,
    redo: Vec<Entry>,
}

impl History {
    /// Apply `change` (named `what`) and remember how to undo it. A new edit forgets what
    /// was undone. `false` when the change did not apply.
    pub fn apply(&mut self, ws: &mut Workspace, what: String, change: Change) -> bool {
        let Some(inverse) = change.apply(ws) else {
            return false;
        };
        self.redo.clear();
        self.undo.push(Entry {
            what,
            change: inverse,
        });
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        true
    }

    /// Remember an edit made already (typing), undone by `undo`. A new edit forgets what
    /// was undone.
    pub fn record(&mut self, what: String, undo: Change) {
        self.redo.clear();
        self.undo.push(Entry { what, change: undo });
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
    }

    /// Undo the last edit. `Ok((what, change undone))`; `Err` says why nothing happened.
    pub fn undo(&mut self, ws: &mut Workspace) -> Result<(String, Change), String> {
        Self::step(&mut self.undo, &mut self.redo, ws, "nothing to undo")
    }

    /// Redo the last undone edit.
    pub fn redo(&mut self, ws: &mut Workspace) -> Result<(String, Change), String> {
        Self::step(&mut self.redo, &mut self.undo, ws, "nothing to redo")
    }

    fn step(
        from: &mut Vec<Entry>,
        to: &mut Vec<Entry>,
        ws: &mut Workspace,
        empty: &str,
    ) -> Result<(String, Change), String> {
        let entry = from.pop().ok_or_else(|| empty.to_string())?;
        let applied = entry.change.clone();
        match entry.change.apply(ws) {
            Some(inverse) => {
                to.push(Entry {
                    what: entry.what.clone(),
                    change: inverse,
                });
                Ok((entry.what, applied))
            }
            None => Err(format!(
                "cannot undo {}: the draft changed since",
                entry.what
            )),
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    fn ws() -> Workspace {
        Workspace::from_request(
            parse(
                r#"{"model":"m","messages":[
                {"role":"user","content":"hi"},
                {"role":"assistant","content":"hello"}],
                "tools":[{"name":"a","input_schema":{"type":"object"}},
                         {"name":"b","input_schema":{"type":"object"}}]}"#,
            )
            .expect("valid"),
        )
    }

    #[test]
    fn every_change_undoes_and_redoes_to_the_same_workspace() {
        let tool = ws().request.tools.expect("tools")[0].clone();
        let changes = vec![
            Change::RemoveTurn { at: 0 },
            Change::SetRole {
                turn: 1,
                role: Role::User,
            },
            Change::RemoveTool { at: 1 },
            Change::SetToolEnabled {
                name: "a".into(),
                enabled: false,
            },
            Change::SetTool {
                at: 0,
                tool: Tool {
                    name: "renamed".into(),
                    ..tool
                },
            },
            Change::SetModel("other".into()),
            Change::SetBudget(Some(5)),
            Change::SetText {
                slot: Slot::Turn(0, 0),
                text: "edited elsewhere".into(),
            },
            Change::SetThinking {
                thinking: None,
                max_tokens: Some(Value::from(9)),
            },
        ];
        for change in changes {
            let mut w = ws();
            let mut h = History::default();
            let before = w.clone();
            assert!(h.apply(&mut w, "x".into(), change.clone()), "{change:?}");
            let after = w.clone();
            assert_ne!(before, after, "{change:?} changed nothing");
            h.undo(&mut w).expect("undo");
            assert_eq!(w, before, "undo of {change:?}");
            h.redo(&mut w).expect("redo");
            assert_eq!(w, after, "redo of {change:?}");
        }
    }

    #[test]
    fn a_disabled_tool_comes_back_disabled() {
        let mut w = ws();
        let mut h = History::default();
        w.disabled_tools.insert("b".into());
        let before = w.clone();
        h.apply(&mut w, "x".into(), Change::RemoveTool { at: 1 });
        assert!(!w.disabled_tools.contains("b"));
        h.undo(&mut w).expect("undo");
        assert_eq!(w, before);
    }

    #[test]
    fn a_new_edit_forgets_the_redo() {
        let mut w = ws();
        let mut h = History::default();
        h.apply(&mut w, "x".into(), Change::SetBudget(Some(1)));
        h.undo(&mut w).expect("undo");
        h.apply(&mut w, "y".into(), Change::SetBudget(Some(2)));
        assert_eq!(h.redo(&mut w).expect_err("nothing"), "nothing to redo");
    }

    #[test]
    fn a_change_that_no_longer_fits_changes_nothing() {
        let mut w = ws();
        let before = w.clone();
        let many = Change::Many(vec![
            Change::SetBudget(Some(3)),
            Change::RemoveTurn { at: 7 },
        ]);
        assert_eq!(many.apply(&mut w), None);
        assert_eq!(w, before);
    }
}
