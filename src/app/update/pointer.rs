//! Clicks and scrolling. What a click landed on was decided where the layout is known
//! (`ui::layout::pointer`); here it focuses, selects or toggles.

use super::commands::{focus_pane, move_selection, toggle_attachment, toggle_tool};
use crate::app::model::{Model, Overlay, Pane};
use crate::app::msg::{Effect, Pointer, Target};

pub(super) fn on_pointer(model: &mut Model, pointer: Pointer) -> Vec<Effect> {
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
        // A click on a section goes to it.
        Target::Section(index) => {
            focus_pane(model, Pane::Breakdown);
            model.breakdown_sel = index;
            super::breakdown::go_to(model)
        }
    }
}
