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

/// The side panel's fixed parts, top down: the budget panel (a line more when the rate
/// limit is shared, which takes two lines to say) and the model panel.
pub fn budget_height(shared: bool) -> u16 {
    if shared { 8 } else { 7 }
}
pub const MODEL_HEIGHT: u16 = 6;
/// The breakdown's least height (it grows with its rows when there is room), and what it
/// leaves at least for the tools and attachments lists.
pub const BREAKDOWN_MIN: u16 = 7;
pub const LISTS_MIN: u16 = 6;

/// The side panel's heights for a side column `height` rows tall: (budget, model, whether
/// the breakdown is drawn).
pub fn side_heights(height: u16, shared: bool) -> (u16, u16, bool) {
    let budget = budget_height(shared).min(height);
    let left = height - budget;
    let model = if left >= MODEL_HEIGHT + 6 {
        MODEL_HEIGHT
    } else {
        0
    };
    (budget, model, left - model >= BREAKDOWN_MIN + LISTS_MIN)
}

/// Whether `pane` is drawn at this size (`shared`: the rate limit is shared, see
/// [`budget_height`]).
pub fn pane_drawn(pane: Pane, size: (u16, u16), shared: bool) -> bool {
    match pane {
        Pane::Request => true,
        Pane::Tools | Pane::Attachments => side_panel_drawn(size),
        Pane::Breakdown => {
            let main_height = if size.1 >= 3 { size.1 - 1 } else { size.1 };
            side_panel_drawn(size) && side_heights(main_height, shared).2
        }
    }
}
