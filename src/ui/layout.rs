//! Where everything goes on the screen. Pure functions of the model and the terminal size,
//! shared by drawing and by mouse hit-testing (here, where the layout is known) so that a
//! click lands on what was drawn.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use crate::app::Slot;
use crate::app::doc::{self, SlotContent};
use crate::app::{Model, Pane, Pointer, Target};

pub use crate::app::screen::{SIDE_MIN_HEIGHT, SIDE_MIN_TOTAL_WIDTH};
/// Columns left of the editor for its focus bar.
pub const EDITOR_GUTTER: u16 = 2;
/// Preview lines of a block that is not being edited.
pub const PREVIEW_LINES: usize = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Areas {
    /// The one-line summary on small screens (count, budget, source).
    pub summary: Option<Rect>,
    pub request: Rect,
    pub side: Option<SideAreas>,
    pub hints: Option<Rect>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SideAreas {
    pub model: Option<Rect>,
    pub budget: Rect,
    pub breakdown: Option<Rect>,
    pub tools: Option<Rect>,
    pub attachments: Option<Rect>,
}

pub fn areas(model: &Model, area: Rect) -> Areas {
    let mut out = Areas::default();
    if area.width == 0 || area.height == 0 {
        return out;
    }
    let mut main = area;
    if main.height >= 3 {
        out.hints = Some(Rect::new(main.x, main.bottom() - 1, main.width, 1));
        main.height -= 1;
    }
    if !crate::app::screen::side_panel_drawn((area.width, area.height)) {
        out.summary = Some(Rect::new(main.x, main.y, main.width, 1));
        main.y += 1;
        main.height -= 1;
        out.request = main;
        return out;
    }
    let side_width = (main.width / 3).clamp(34, 48);
    out.request = Rect::new(main.x, main.y, main.width - side_width, main.height);
    let side = Rect::new(main.right() - side_width, main.y, side_width, main.height);
    out.side = Some(side_areas(model, side));
    out
}

fn side_areas(model: &Model, side: Rect) -> SideAreas {
    use crate::app::screen::{BREAKDOWN_MIN, side_heights};
    // A row per tool and one for the shared tool-use prompt.
    let tools_want = (model.tool_count() as u16 + u16::from(model.tool_count() > 0)).max(1) + 2;
    let attachments_want = (doc::attachments(&model.ws.request).len() as u16).max(1) + 2;
    // Heights first, in priority order: budget, model, tools, attachments, breakdown.
    let (budget_h, model_h, breakdown_fits) =
        side_heights(side.height, model.limit.shared.is_some());
    let left = side.height - budget_h - model_h;
    let reserved = if breakdown_fits { BREAKDOWN_MIN } else { 0 };
    let lists = left - reserved;
    let tools_h = tools_want.min(lists.saturating_sub(3).max(3)).min(lists);
    let attachments_h = attachments_want.min(lists - tools_h);
    // The breakdown takes what the lists leave, up to a row per section (and its frame).
    let breakdown_want = (crate::app::breakdown::rows(model).0.len() as u16 + 2).max(BREAKDOWN_MIN);
    let drawn = |h: u16| if h >= 3 { h } else { 0 };
    let breakdown_h = if breakdown_fits {
        let room = left - drawn(tools_h) - drawn(attachments_h);
        breakdown_want.min(room).max(BREAKDOWN_MIN)
    } else {
        0
    };
    let mut y = side.y;
    let mut take = |h: u16| {
        let r = Rect::new(side.x, y, side.width, h);
        y += h;
        r
    };
    let mut out = SideAreas {
        budget: take(budget_h),
        ..Default::default()
    };
    if model_h > 0 {
        out.model = Some(take(model_h));
    }
    out.tools = (tools_h >= 3).then(|| take(tools_h));
    out.attachments = (attachments_h >= 3).then(|| take(attachments_h));
    if breakdown_h > 0 {
        out.breakdown = Some(take(breakdown_h));
    }
    out
}

/// One drawn entry of the request pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub slot: Slot,
    /// The role/section line, for the first block of a turn and the system prompt.
    pub header: Option<Rect>,
    pub body: Rect,
}

/// The entries visible in the request pane's inner area: the focused one always, then as
/// much before it as fits (keeping up to a third of the room for what follows).
pub fn entries(model: &Model, inner: Rect) -> Vec<Entry> {
    if inner.width == 0 || inner.height == 0 {
        return Vec::new();
    }
    let slots = doc::slots(&model.ws.request);
    let focus_index = slots.iter().position(|s| *s == model.focus).unwrap_or(0);
    let heights: Vec<(u16, u16)> = slots
        .iter()
        .map(|s| (header_height(*s), body_height(model, *s, inner)))
        .collect();
    let total = |i: usize| heights[i].0 + heights[i].1;
    let room = inner.height;
    let focus_h = total(focus_index).min(room);
    let after: u16 = slots[focus_index + 1..]
        .iter()
        .enumerate()
        .map(|(k, _)| total(focus_index + 1 + k))
        .try_fold(0u16, |acc, h| {
            let next = acc.saturating_add(h);
            if next > room { None } else { Some(next) }
        })
        .unwrap_or(room);
    let keep_after = after.min((room - focus_h) / 3);
    let mut above = room - focus_h - keep_after;
    let mut first = focus_index;
    while first > 0 && total(first - 1) <= above {
        above -= total(first - 1);
        first -= 1;
    }
    let mut out = Vec::new();
    let mut y = inner.y;
    for (i, slot) in slots.iter().enumerate().skip(first) {
        let (hh, bh) = heights[i];
        let left = inner.bottom().saturating_sub(y);
        if left == 0 || (i != focus_index && hh + bh > left) {
            break;
        }
        let header = (hh > 0).then(|| Rect::new(inner.x, y, inner.width, 1));
        y += hh.min(left);
        let bh = bh.min(inner.bottom().saturating_sub(y));
        let body = Rect::new(inner.x, y, inner.width, bh);
        y += bh;
        out.push(Entry {
            slot: *slot,
            header,
            body,
        });
    }
    out
}

fn header_height(slot: Slot) -> u16 {
    match slot {
        Slot::System(0) | Slot::Turn(_, 0) => 1,
        _ => 0,
    }
}

fn body_height(model: &Model, slot: Slot, inner: Rect) -> u16 {
    if let Some(editor) = &model.editor
        && editor.slot == slot
    {
        let max = (inner.height.saturating_sub(2) * 2 / 3).max(3);
        return wrapped_rows(
            editor.area.lines(),
            inner.width.saturating_sub(EDITOR_GUTTER),
            max,
        )
        .max(1);
    }
    match doc::content(&model.ws.request, slot) {
        Some(SlotContent::Text(t) | SlotContent::Thinking(t)) => {
            t.lines().take(PREVIEW_LINES).count().max(1) as u16
        }
        _ => 1,
    }
}

/// Screen rows `lines` take at `width`, counting no further than `max`.
fn wrapped_rows(lines: &[String], width: u16, max: u16) -> u16 {
    let width = usize::from(width.max(1));
    let mut rows = 0usize;
    for line in lines {
        rows += line.width().div_ceil(width).max(1);
        if rows >= usize::from(max) {
            return max;
        }
    }
    rows as u16
}

/// Whether the request pane has room for its border.
pub fn request_bordered(request: Rect) -> bool {
    request.width >= 24 && request.height >= 6
}

/// The request pane's inner area (inside its border).
pub fn request_inner(request: Rect) -> Rect {
    if !request_bordered(request) {
        return request;
    }
    Rect::new(
        request.x + 1,
        request.y + 1,
        request.width - 2,
        request.height - 2,
    )
}

/// A terminal mouse event as the workbench takes it: a left click with what it lands on, or
/// a scroll; `None` for the rest (moves, releases, other buttons).
pub fn pointer(model: &Model, mouse: MouseEvent) -> Option<Pointer> {
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            Some(Pointer::Click(hit(model, mouse.column, mouse.row)))
        }
        MouseEventKind::ScrollDown => Some(Pointer::ScrollDown),
        MouseEventKind::ScrollUp => Some(Pointer::ScrollUp),
        _ => None,
    }
}

/// Width of a list row's checkbox "[x] ".
const CHECKBOX: u16 = 4;

/// What a click at (column, row) lands on.
pub fn hit(model: &Model, column: u16, row: u16) -> Target {
    let size = Rect::new(0, 0, model.size.0, model.size.1);
    let a = areas(model, size);
    let inside = |r: Rect| column >= r.x && column < r.right() && row >= r.y && row < r.bottom();
    if inside(a.request) {
        let inner = request_inner(a.request);
        for e in entries(model, inner) {
            if e.header.is_some_and(inside) || inside(e.body) {
                return Target::Slot(e.slot);
            }
        }
        return Target::Pane(Pane::Request);
    }
    let Some(side) = a.side else {
        return Target::Nothing;
    };
    // `footer`: rows at the bottom that are not items (the tools' shared-prompt row).
    let list_hit = |r: Rect, len: usize, selected: usize, footer: u16| -> Option<(usize, bool)> {
        if !inside(r) {
            return None;
        }
        let first = r.y + 1;
        if row < first || row + 1 + footer >= r.bottom() {
            return Some((usize::MAX, false));
        }
        let rows = usize::from(r.height.saturating_sub(2 + footer));
        let index = super::lists::list_offset(selected, rows) + usize::from(row - first);
        let checkbox = column > r.x && column <= r.x + CHECKBOX;
        Some(if index < len {
            (index, checkbox)
        } else {
            (usize::MAX, false)
        })
    };
    if let Some(r) = side.tools
        && let Some((index, checkbox)) = list_hit(
            r,
            model.tool_count(),
            model.tool_sel,
            u16::from(model.tool_count() > 0 && r.height >= 4),
        )
    {
        return if index == usize::MAX {
            Target::Pane(Pane::Tools)
        } else {
            Target::Tool { index, checkbox }
        };
    }
    if let Some(r) = side.attachments {
        let len = doc::attachments(&model.ws.request).len();
        if let Some((index, checkbox)) = list_hit(r, len, model.attach_sel, 0) {
            return if index == usize::MAX {
                Target::Pane(Pane::Attachments)
            } else {
                Target::Attachment { index, checkbox }
            };
        }
    }
    if let Some(r) = side.breakdown {
        let len = crate::app::breakdown::rows(model).0.len();
        if let Some((index, _)) = list_hit(r, len, model.breakdown_sel, 0) {
            return if index == usize::MAX {
                Target::Pane(Pane::Breakdown)
            } else {
                Target::Section(index)
            };
        }
    }
    Target::Nothing
}
