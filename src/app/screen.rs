//! What the screen has room for. The drawing (`ui::layout`) follows this rule and so do the
//! keys: a pane that is not drawn cannot be focused, so nothing acts on what cannot be seen.

use super::model::Pane;

/// Below this width the side panel (budget, model, tools, attachments) folds into a
/// one-line summary.
pub const SIDE_MIN_TOTAL_WIDTH: u16 = 72;
/// Below this height (without the hint line), likewise.
pub const SIDE_MIN_HEIGHT: u16 = 14;

/// Whether the side panel, with the tools and attachments panes, is drawn at this size.
/// (Its height, when drawn, always leaves both lists at least three rows.)
pub fn side_panel_drawn((width, height): (u16, u16)) -> bool {
    let main_height = if height >= 3 { height - 1 } else { height };
    width >= SIDE_MIN_TOTAL_WIDTH && main_height >= SIDE_MIN_HEIGHT
}

/// Whether `pane` is drawn at this size.
pub fn pane_drawn(pane: Pane, size: (u16, u16)) -> bool {
    match pane {
        Pane::Request => true,
        Pane::Tools | Pane::Attachments => side_panel_drawn(size),
    }
}
