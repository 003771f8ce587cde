//! A block or a tool opened in the user's own editor (`$VISUAL`, `$EDITOR`): what is handed
//! over, and what comes back. The text comes back as one edit the history can undo; a tool
//! comes back as JSON and is checked, and JSON that is not a valid tool opens in the tool
//! editor with the problem shown, so the text written is never lost.

use super::commands::{open_tool_editor, save_tool};
use super::{change, key_for, notice};
use crate::app::doc::{self, Slot, SlotContent};
use crate::app::history::Change;
use crate::app::keymap::Command;
use crate::app::model::{Model, Pane};
use crate::app::msg::{EditTarget, Effect};
use crate::app::tool_edit;

/// The selected block (request pane) or tool (tools pane), handed to the user's editor.
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    model.editor = None;
    let (target, text, stem, extension) = match model.pane {
        Pane::Request => {
            let slot = model.focus;
            match doc::content(&model.ws.request, slot) {
                Some(SlotContent::Text(text) | SlotContent::Thinking(text)) => {
                    (EditTarget::Slot(slot), text.to_string(), stem(slot), "md")
                }
                _ => {
                    notice(
                        model,
                        "the selected block is not text: your editor opens text blocks and tools"
                            .into(),
                    );
                    return Vec::new();
                }
            }
        }
        Pane::Tools => {
            let (Some(mut json), Some(tool)) = (model.selected_tool_json(), model.selected_tool())
            else {
                notice(model, "no tool to edit".into());
                return Vec::new();
            };
            json.push('\n');
            let stem = format!("tool-{}", tool.name);
            (EditTarget::Tool(model.tool_sel), json, stem, "json")
        }
        Pane::Attachments => {
            notice(
                model,
                "an attachment is a file: your editor opens text blocks and tools".into(),
            );
            return Vec::new();
        }
        Pane::Breakdown => {
            notice(
                model,
                "go to the section first (Enter): your editor opens text blocks and tools".into(),
            );
            return Vec::new();
        }
    };
    vec![Effect::EditExternally {
        target,
        text,
        stem,
        extension,
    }]
}

/// The temporary file's name: "system", "turn-2" (turns counted from 1).
fn stem(slot: Slot) -> String {
    match slot {
        Slot::System(0) => "system".into(),
        Slot::System(i) => format!("system-{}", i + 1),
        Slot::Turn(t, 0) => format!("turn-{}", t + 1),
        Slot::Turn(t, b) => format!("turn-{}-block-{}", t + 1, b + 1),
    }
}

/// The editor is done. A failure changes nothing and says why; a text comes back as one
/// undoable edit, counted at once; a tool is checked before it replaces the old one.
pub(super) fn on_edited(
    model: &mut Model,
    target: EditTarget,
    original: &str,
    result: Result<String, String>,
) -> Vec<Effect> {
    let text = match result {
        Ok(text) => returned_text(original, &text),
        Err(why) => {
            notice(model, format!("{why}; nothing changed"));
            return Vec::new();
        }
    };
    match target {
        EditTarget::Slot(slot) => {
            let current = doc::content(&model.ws.request, slot).and_then(SlotContent::text);
            if current == Some(text.as_str()) {
                notice(model, "no change made in the editor".into());
                return Vec::new();
            }
            let what = format!("{} edited in your editor", label(slot));
            let Some(effects) = change(model, what.clone(), Change::SetText { slot, text }) else {
                notice(model, format!("{} is gone; nothing changed", label(slot)));
                return Vec::new();
            };
            model.pane = Pane::Request;
            model.focus = slot;
            model.editor = None;
            let undo = key_for(model, Command::Undo);
            notice(model, format!("{what} ({undo} undoes)"));
            effects
        }
        EditTarget::Tool(at) => {
            if text.trim() == original.trim() {
                notice(model, "no change made in the editor".into());
                return Vec::new();
            }
            match tool_edit::check(&text, &model.ws, Some(at)) {
                Ok(tool) => save_tool(model, tool, Some(at)),
                Err(problem) => {
                    // Never lose what was written: it opens in the tool editor, problem shown.
                    open_tool_editor(model, &text, Some(at));
                    notice(
                        model,
                        format!(
                            "the tool from your editor is not valid ({problem}); it is open in \
                             the tool editor to fix"
                        ),
                    );
                    Vec::new()
                }
            }
        }
    }
}

/// The text as the editor left it, without the line end most editors add at the end of a
/// file when the text given had none; Windows line ends made LF.
fn returned_text(original: &str, edited: &str) -> String {
    let mut text = edited.replace("\r\n", "\n");
    if !original.ends_with('\n') && text.ends_with('\n') {
        text.pop();
    }
    text
}

/// "the system prompt", "turn #2".
fn label(slot: Slot) -> String {
    match slot {
        Slot::System(_) => "the system prompt".into(),
        Slot::Turn(t, _) => format!("turn #{}", t + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_end_an_editor_adds_is_dropped_only_when_the_text_had_none() {
        assert_eq!(returned_text("hi", "hello\n"), "hello");
        assert_eq!(returned_text("hi\n", "hello\n"), "hello\n");
        assert_eq!(returned_text("hi", "a\r\nb\r\n"), "a\nb");
        assert_eq!(returned_text("hi", "hello\n\n"), "hello\n");
    }
}
