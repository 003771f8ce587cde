//! The read-only viewer: a block, a tool or an attachment in full (what the panes cut to a
//! line or three), and the messages of the session. Its text is wrapped here, to the width
//! the window gets, so the scroll can stop at the end.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::budget::group;
use super::doc::{self, Slot, SlotContent};
use super::model::Model;
use crate::request::ContentBlock;
use crate::workspace::ANNOTATION;

/// The viewer window's size on a screen of `size`: (width, height) of its text.
pub fn text_size(size: (u16, u16)) -> (u16, u16) {
    let width = size.0.min(100).saturating_sub(2);
    let height = size.1.saturating_sub(2).saturating_sub(2);
    (width, height)
}

/// The furthest the viewer scrolls: its last line at the bottom.
pub fn max_scroll(text: &str, size: (u16, u16)) -> u16 {
    let (width, height) = text_size(size);
    let rows = wrap(text, usize::from(width)).len();
    u16::try_from(rows.saturating_sub(usize::from(height))).unwrap_or(u16::MAX)
}

/// `text` wrapped to `width` columns: at spaces where it can, inside a word longer than a
/// line where it must. Line breaks are kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let mut current = String::new();
        let mut used = 0;
        for word in line.split_inclusive(' ') {
            let w = word.width();
            if used + word.trim_end().width() > width && used > 0 {
                out.push(std::mem::take(&mut current).trim_end().to_string());
                used = 0;
            }
            if w <= width.saturating_sub(used) || used > 0 {
                current.push_str(word);
                used += w;
                continue;
            }
            // A word longer than the line: cut it.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > 0 {
                    out.push(std::mem::take(&mut current));
                    used = 0;
                }
                current.push(c);
                used += cw;
            }
        }
        out.push(current.trim_end().to_string());
    }
    out
}

/// The title and text of a slot: its text, a tool call or result as JSON, an attachment's
/// details.
pub fn slot(model: &Model, slot: Slot) -> Option<(String, String)> {
    let request = &model.ws.request;
    let place = match slot {
        Slot::System(_) => "system".to_string(),
        Slot::Turn(t, b) => {
            let role = request.messages.get(t).map(|m| doc::role_name(m.role))?;
            format!("{role} #{} · block {}", t + 1, b + 1)
        }
    };
    match doc::content(request, slot)? {
        SlotContent::Text(text) => Some((place, text.to_string())),
        SlotContent::Thinking(text) => Some((format!("{place} · thinking"), text.to_string())),
        SlotContent::Block(block @ (ContentBlock::Image(_) | ContentBlock::Document(_))) => Some((
            format!("{place} · {}", block.kind()),
            attachment(model, slot, block),
        )),
        SlotContent::Block(block) => {
            let json = serde_json::to_string_pretty(block).unwrap_or_default();
            Some((format!("{place} · {}", block.kind()), json))
        }
    }
}

/// An attachment's details: its file, type, size and token cost (never its data).
fn attachment(model: &Model, slot: Slot, block: &ContentBlock) -> String {
    let (ContentBlock::Image(mb) | ContentBlock::Document(mb)) = block else {
        return String::new();
    };
    let mut lines = Vec::new();
    let note = mb.extra.get(ANNOTATION);
    if let Some(path) = note.and_then(|a| a.get("path")).and_then(|p| p.as_str()) {
        lines.push(format!("file: {path}"));
    }
    lines.push(format!(
        "source: {}{}",
        mb.source.kind,
        mb.source
            .media_type
            .as_ref()
            .map(|m| format!(", {m}"))
            .unwrap_or_default()
    ));
    if let Some(n) = mb.source.data_len() {
        lines.push(format!("size: {}", crate::bytes::human(n)));
    }
    if let Some(url) = &mb.source.url {
        lines.push(format!("url: {url}"));
    }
    if let Some(pages) = note.and_then(|a| a.get("pages")).and_then(|p| p.as_u64()) {
        lines.push(format!("pages: {pages}"));
    }
    let on = crate::workspace::block_enabled(block);
    lines.push(format!(
        "sent: {}",
        if on { "yes" } else { "no (switched off)" }
    ));
    if let Some(cost) = model.offline.attachment_costs.get(&slot) {
        lines.push(format!("tokens: ~{} (offline)", group(*cost)));
    }
    lines.join("\n")
}

/// The title and text of the tool at `i`: its definition as JSON, and what it costs.
pub fn tool(model: &Model, i: usize) -> Option<(String, String)> {
    let tool = model.ws.request.tools.as_ref()?.get(i)?;
    let json = serde_json::to_string_pretty(tool).unwrap_or_default();
    let mut text = String::new();
    if let Some(line) = model.offline.tool_cost_line(&tool.name) {
        text.push_str(&line);
        text.push_str("\n\n");
    }
    text.push_str(&json);
    Some((format!("tool {}", tool.name), text))
}

/// The whole breakdown: every section with its tokens, its share of the total, where its
/// figure comes from, and what stood in for it in an exact count.
pub fn breakdown(model: &Model) -> Option<(String, String)> {
    let (rows, total) = crate::app::breakdown::rows(model);
    if rows.is_empty() {
        return None;
    }
    let width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::with_capacity(rows.len() + 2);
    for row in &rows {
        let share = if total == 0 {
            0.0
        } else {
            row.tokens as f64 * 100.0 / total as f64
        };
        lines.push(format!(
            "{:<width$}  {:>9}  {share:>5.1} %  {}",
            row.label,
            crate::numbers::group_signed(row.tokens),
            row.source.name()
        ));
        if let Some(note) = &row.note {
            lines.push(format!("    {note}"));
        }
    }
    lines.push(format!(
        "{:<width$}  {:>9}",
        "total",
        crate::numbers::group(total)
    ));
    Some(("Where the tokens go".into(), lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 5), vec!["a", "", "b"]);
        assert_eq!(wrap("日本語テキスト", 6), vec!["日本語", "テキス", "ト"]);
    }
}
