//! The request pane: the system prompt, then each turn with its role and blocks; the focused
//! text block is open in the editor.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::widgets::Widget;

use super::layout::{self, PREVIEW_LINES};
use super::text::{draw_block, fit, line, panel, styled};
use super::theme::Styles;
use crate::app::budget::group;
use crate::app::doc::{self, Slot, SlotContent};
use crate::app::{Model, Pane};
use crate::request::Role;

pub fn draw(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let title = title(model);
    let focused = model.pane == Pane::Request;
    // Small screens give the border's rows to the text.
    let inner = if layout::request_bordered(area) {
        draw_block(panel(&title, focused, styles), area, buf)
    } else {
        area
    };
    let mut bottom = inner.y;
    for entry in layout::entries(model, inner) {
        if let Some(h) = entry.header {
            header(model, styles, entry.slot, h, buf);
        }
        body(model, styles, entry.slot, entry.body, buf);
        bottom = entry.body.bottom();
    }
    if model.ws.request.messages.is_empty() {
        // The API takes no request without a turn: say so where the turns would be.
        let new_turn = model
            .keymap
            .hint(crate::app::Scope::Navigate, crate::app::Command::NewTurn)
            .unwrap_or_default();
        let text = format!(
            "no turns: the API needs at least one user message ({new_turn} in navigation adds one)"
        );
        line(
            buf,
            inner,
            bottom,
            vec![styled(fit(&text, usize::from(inner.width)), styles.error)],
        );
    }
}

fn title(model: &Model) -> String {
    let mut t = format!("Request · {}", model.name());
    if model.read_only {
        t.push_str(" (read-only)");
    }
    if model.unsaved {
        t.push_str(" *");
    }
    t
}

fn header(model: &Model, styles: &Styles, slot: Slot, area: Rect, buf: &mut Buffer) {
    let request = &model.ws.request;
    let (label, style) = match slot {
        Slot::System(_) => ("system".to_string(), styles.system),
        Slot::Turn(t, _) => {
            let role = request.messages.get(t).map_or(Role::User, |m| m.role);
            let style = match role {
                Role::User => styles.user,
                Role::Assistant | Role::System => styles.assistant,
            };
            (format!("{} #{}", doc::role_name(role), t + 1), style)
        }
    };
    let label = match linked_names(request, slot) {
        Some(names) => format!("{label} · {names}"),
        None => label,
    };
    // The same figure as the breakdown's row for this turn (or the system prompt).
    let (tokens, source) = crate::app::breakdown::header_figure(model, slot);
    let approx = if source == crate::attribution::Source::Offline {
        "~"
    } else {
        ""
    };
    let right = format!("{approx}{} tok", crate::numbers::group_signed(tokens));
    let width = usize::from(area.width);
    let left = fit(
        &format!("▍{label}"),
        width.saturating_sub(unicode_width::UnicodeWidthStr::width(right.as_str()) + 1),
    );
    let pad = width.saturating_sub(
        unicode_width::UnicodeWidthStr::width(left.as_str())
            + unicode_width::UnicodeWidthStr::width(right.as_str()),
    );
    let spans = if pad > 0 {
        vec![
            styled(left, style),
            Span::raw(" ".repeat(pad)),
            styled(right, styles.dim),
        ]
    } else {
        vec![styled(left, style)]
    };
    line(buf, area, area.y, spans);
}

/// The files the blocks under this header are linked to ("system.md"), if any.
fn linked_names(request: &crate::request::Request, slot: Slot) -> Option<String> {
    use crate::workspace::links::linked_file;
    let extras: Vec<&serde_json::Map<String, serde_json::Value>> = match slot {
        Slot::System(_) => match &request.system {
            Some(crate::request::System::Blocks(b)) => b.iter().map(|b| &b.extra).collect(),
            _ => Vec::new(),
        },
        Slot::Turn(t, _) => match request.messages.get(t).map(|m| &m.content) {
            Some(crate::request::Content::Blocks(b)) => b
                .iter()
                .filter_map(|b| match b {
                    crate::request::ContentBlock::Text(tb) => Some(&tb.extra),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
    };
    let names: Vec<&str> = extras
        .into_iter()
        .filter_map(linked_file)
        .map(|f| f.rsplit('/').next().unwrap_or(f))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn body(model: &Model, styles: &Styles, slot: Slot, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    if let Some(editor) = model.editor.as_ref().filter(|e| e.slot == slot) {
        // A bar down the left marks the block being typed in.
        for y in area.y..area.bottom() {
            line(buf, area, y, vec![styled("▌", styles.border_focused)]);
        }
        let gutter = layout::EDITOR_GUTTER.min(area.width);
        let text_area = Rect::new(area.x + gutter, area.y, area.width - gutter, area.height);
        editor.drawn_at(text_area.width, text_area.height);
        editor.area.render(text_area, buf);
        return;
    }
    let focused = model.focus == slot && model.pane == Pane::Request;
    let marker = if focused { "› " } else { "  " };
    let base = if focused {
        styles.selected
    } else {
        styles.text
    };
    let width = usize::from(area.width).saturating_sub(2);
    match doc::content(&model.ws.request, slot) {
        Some(SlotContent::Text(text)) | Some(SlotContent::Thinking(text)) => {
            let thinking = matches!(
                doc::content(&model.ws.request, slot),
                Some(SlotContent::Thinking(_))
            );
            if text.is_empty() {
                let hint = if thinking {
                    "(empty thinking)"
                } else {
                    "(empty)"
                };
                line(
                    buf,
                    area,
                    area.y,
                    vec![styled(marker, base), styled(hint, styles.dim)],
                );
                return;
            }
            // Counting newline bytes is fast even in a 1 MB prompt (it vectorises).
            let total =
                text.bytes().filter(|b| *b == b'\n').count() + usize::from(!text.ends_with('\n'));
            for (i, l) in text.lines().take(PREVIEW_LINES).enumerate() {
                let y = area.y + i as u16;
                if y >= area.bottom() {
                    break;
                }
                let mut shown = if thinking && i == 0 {
                    format!("[thinking] {l}")
                } else {
                    l.to_string()
                };
                if i + 1 == PREVIEW_LINES.min(total) && total > PREVIEW_LINES {
                    shown = format!("{shown} … (+{} lines)", total - PREVIEW_LINES);
                }
                let style = if thinking {
                    base.add_modifier(Modifier::ITALIC)
                } else {
                    base
                };
                line(
                    buf,
                    area,
                    y,
                    vec![
                        styled(if i == 0 { marker } else { "  " }, base),
                        styled(fit(&shown, width), style),
                    ],
                );
            }
        }
        Some(SlotContent::Block(block)) => {
            let mut summary = doc::block_summary(block);
            if matches!(
                block,
                crate::request::ContentBlock::Image(_) | crate::request::ContentBlock::Document(_)
            ) {
                if !crate::workspace::block_enabled(block) {
                    summary.push_str(" (off)");
                }
                if let Some(cost) = model.offline.attachment_costs.get(&slot) {
                    summary.push_str(&format!(" ~{} tok", group(*cost)));
                }
            }
            line(
                buf,
                area,
                area.y,
                vec![styled(marker, base), styled(fit(&summary, width), base)],
            );
        }
        None => {}
    }
}
