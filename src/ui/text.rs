//! Small text helpers measured in display columns (CJK and emoji are two wide).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Widget};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` cut to `width` columns, with "…" when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A bordered box with a title; `focused` brightens the border.
pub fn panel<'a>(title: &'a str, focused: bool, styles: &super::Styles) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            styles.border_focused
        } else {
            styles.border
        })
        .title(Span::styled(format!(" {title} "), styles.title))
}

/// Draw `block` and return its inner area.
pub fn draw_block(block: Block, area: Rect, buf: &mut Buffer) -> Rect {
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// Draw one line in `area` (cut to fit).
pub fn line(buf: &mut Buffer, area: Rect, y: u16, spans: Vec<Span>) {
    if y < area.y || y >= area.bottom() || area.width == 0 {
        return;
    }
    buf.set_line(area.x, y, &Line::from(spans), area.width);
}

/// A text bar of `width` cells filled to `ratio` (0..=1): "█████░░░░░".
pub fn bar(ratio: f64, width: usize) -> (String, String) {
    let ratio = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let filled = ((ratio * width as f64).round() as usize).min(width);
    ("█".repeat(filled), "░".repeat(width - filled))
}

pub fn styled(text: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(text.into(), style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_wide_characters_as_two() {
        assert_eq!(fit("日本語テキスト", 6), "日本…");
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("abcd", 0), "");
    }

    #[test]
    fn bars_never_overflow() {
        assert_eq!(bar(2.0, 4), ("████".into(), String::new()));
        assert_eq!(bar(f64::NAN, 2).0.chars().count(), 2);
        assert_eq!(bar(0.5, 4), ("██".into(), "░░".into()));
    }
}
