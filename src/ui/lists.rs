//! The tools and attachments panes: one row per item with a checkbox and its token cost.

use base64::Engine;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::text::{draw_block, fit, line, panel, styled};
use super::theme::Styles;
use crate::app::breakdown;
use crate::app::budget::group;
use crate::app::doc;
use crate::app::{Model, Pane};
use crate::attribution::Source;
use crate::request::ContentBlock;

/// The first row shown so that `selected` is visible in `rows` rows.
pub fn list_offset(selected: usize, rows: usize) -> usize {
    if rows == 0 {
        return 0;
    }
    selected.saturating_sub(rows - 1)
}

pub fn tools(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let focused = model.pane == Pane::Tools;
    let inner = draw_block(panel("Tools", focused, styles), area, buf);
    let tools = model.ws.request.tools.as_deref().unwrap_or(&[]);
    if tools.is_empty() {
        line(
            buf,
            inner,
            inner.y,
            vec![styled(
                fit(
                    "none · f: from file · w: write one",
                    usize::from(inner.width),
                ),
                styles.dim,
            )],
        );
        return;
    }
    // The last row says what any tool brings along: the shared tool-use prompt.
    let shared_row = inner.height >= 2;
    let rows = usize::from(inner.height) - usize::from(shared_row);
    if shared_row {
        let any_on = tools
            .iter()
            .any(|t| !model.ws.disabled_tools.contains(&t.name));
        let text = if any_on {
            "+ shared tool-use prompt"
        } else {
            "+ tool-use prompt if any on"
        };
        let cost = format!("~{}", group(model.offline.tool_prompt));
        let width = usize::from(inner.width);
        let text = fit(text, width.saturating_sub(cost.len() + 1));
        let pad =
            width.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()) + cost.len());
        line(
            buf,
            inner,
            inner.bottom() - 1,
            vec![
                styled(text, styles.dim),
                Span::raw(" ".repeat(pad)),
                styled(cost, styles.dim),
            ],
        );
    }
    let offset = list_offset(model.tool_sel, rows);
    for (i, tool) in tools.iter().enumerate().skip(offset).take(rows) {
        let on = !model.ws.disabled_tools.contains(&tool.name);
        let selected = focused && i == model.tool_sel;
        let cost = if selected {
            // What switching it would do to the total, before doing it.
            what_if(on, breakdown::toggle_tool_delta(model, i))
        } else {
            None
        };
        let cost = cost.unwrap_or_else(|| {
            model
                .offline
                .tool_costs
                .get(&tool.name)
                .map(|c| format!("~{}", group(*c)))
                .unwrap_or_default()
        });
        let server = if tool.is_custom() { "" } else { " (server)" };
        row(
            buf,
            inner,
            inner.y + (i - offset) as u16,
            on,
            &format!("{}{server}", tool.name),
            &cost,
            selected,
            styles,
        );
    }
}

pub fn attachments(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let focused = model.pane == Pane::Attachments;
    let inner = draw_block(panel("Attachments", focused, styles), area, buf);
    let list = doc::attachments(&model.ws.request);
    if list.is_empty() {
        line(
            buf,
            inner,
            inner.y,
            vec![styled(
                fit("none · a: attach image or PDF", usize::from(inner.width)),
                styles.dim,
            )],
        );
        return;
    }
    let rows = usize::from(inner.height);
    let offset = list_offset(model.attach_sel, rows);
    for (i, (slot, block)) in list.iter().enumerate().skip(offset).take(rows) {
        let on = crate::workspace::block_enabled(block);
        let cost = if focused && i == model.attach_sel {
            what_if(on, breakdown::toggle_attachment_delta(model, i))
        } else {
            None
        };
        let cost = cost.unwrap_or_else(|| {
            model
                .offline
                .attachment_costs
                .get(slot)
                .map(|c| format!("~{}", group(*c)))
                .unwrap_or_default()
        });
        row(
            buf,
            inner,
            inner.y + (i - offset) as u16,
            crate::workspace::block_enabled(block),
            &describe(block),
            &cost,
            focused && i == model.attach_sel,
            styles,
        );
    }
}

/// The selected row's what-if: "off −570" (switching it off saves 570), "on ~+7" ("~":
/// offline).
fn what_if(on: bool, delta: Option<(i64, Source)>) -> Option<String> {
    let (delta, source) = delta?;
    let approx = if source == Source::Offline { "~" } else { "" };
    let sign = if delta < 0 { "−" } else { "+" };
    let switch = if on { "off" } else { "on" };
    Some(format!(
        "{switch} {approx}{sign}{}",
        group(delta.unsigned_abs())
    ))
}

/// "budgie.png 56×42 4.3 KB" / "report.pdf 120 KB".
pub fn describe(block: &ContentBlock) -> String {
    let (ContentBlock::Image(mb) | ContentBlock::Document(mb)) = block else {
        return doc::block_summary(block);
    };
    let name = doc::attachment_name(mb).unwrap_or_else(|| block.kind().to_string());
    let Some(data) = mb.source.data.as_deref() else {
        return format!("{name} ({})", mb.source.kind);
    };
    let size = crate::bytes::human(mb.source.data_len().unwrap_or_default());
    let dims = if matches!(block, ContentBlock::Image(_)) {
        // The header is enough for the dimensions: decode only the start.
        let head = &data[..data.len().min(4096) / 4 * 4];
        base64::engine::general_purpose::STANDARD
            .decode(head)
            .ok()
            .and_then(|bytes| imagesize::blob_size(&bytes).ok())
            .map(|s| format!(" {}×{}", s.width, s.height))
            .unwrap_or_default()
    } else {
        mb.extra
            .get(crate::workspace::ANNOTATION)
            .and_then(|a| a.get("pages"))
            .and_then(serde_json::Value::as_u64)
            .map(|n| format!(" {n} p."))
            .unwrap_or_default()
    };
    format!("{name}{dims} {size}")
}

#[allow(clippy::too_many_arguments)]
fn row(
    buf: &mut Buffer,
    inner: Rect,
    y: u16,
    on: bool,
    name: &str,
    cost: &str,
    selected: bool,
    styles: &Styles,
) {
    let width = usize::from(inner.width);
    let check = if on { "[x] " } else { "[ ] " };
    let room = width.saturating_sub(check.len() + cost.len() + 1);
    let name = fit(name, room);
    let pad = width.saturating_sub(
        check.len() + unicode_width::UnicodeWidthStr::width(name.as_str()) + cost.len(),
    );
    let style = if selected {
        styles.selected
    } else if on {
        styles.text
    } else {
        styles.dim
    };
    line(
        buf,
        inner,
        y,
        vec![
            styled(check, style),
            styled(name, style),
            Span::styled(" ".repeat(pad), style),
            styled(cost.to_string(), if selected { style } else { styles.dim }),
        ],
    );
}
