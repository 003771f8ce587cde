//! The breakdown pane: where the tokens go, a row per section, largest first, each with its
//! tokens and share of the total ("~" marks offline figures); scrolls to keep the selected
//! row in view. The title says whether the figures are exact, and how an attribution goes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

use super::lists::list_offset;
use super::text::{draw_block, fit, line, panel, styled};
use super::theme::Styles;
use crate::app::breakdown::{self, Attribution};
use crate::app::{Model, Pane};
use crate::attribution::Source;
use crate::numbers::group_signed;

pub fn breakdown(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let focused = model.pane == Pane::Breakdown;
    let (rows, total) = breakdown::rows(model);
    let exact = breakdown::exact_shares(model).is_some();
    let title = title(model, exact);
    let inner = draw_block(panel(&title, focused, styles), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let width = usize::from(inner.width);
    let shown = usize::from(inner.height);
    let offset = list_offset(model.breakdown_sel, shown);
    for (i, row) in rows.iter().enumerate().skip(offset).take(shown) {
        let share = if total == 0 {
            0
        } else {
            (row.tokens as f64 * 100.0 / total as f64).round() as i64
        };
        let approx = if row.source == Source::Offline {
            "~"
        } else {
            ""
        };
        // A figure measured with a stand-in for its section is marked.
        let mark = if row.note.is_some() { "*" } else { "" };
        let figure = format!("{approx}{}{mark} {share:>3} %", group_signed(row.tokens));
        let label = fit(&row.label, width.saturating_sub(figure.width() + 1));
        let pad = width.saturating_sub(label.width() + figure.width());
        let selected = focused && i == model.breakdown_sel;
        let style = if selected {
            styles.selected
        } else {
            ratatui::style::Style::default()
        };
        line(
            buf,
            inner,
            inner.y + (i - offset) as u16,
            vec![
                styled(label, style),
                styled(" ".repeat(pad), style),
                styled(figure, if selected { style } else { styles.dim }),
            ],
        );
    }
    if rows.is_empty() {
        line(
            buf,
            inner,
            inner.y,
            vec![Span::raw(fit("nothing to count", width))],
        );
    }
}

/// "Breakdown · offline", "Breakdown · exact", "Breakdown · attributing 3/12 · 7 s left at
/// 100/min".
fn title(model: &Model, exact: bool) -> String {
    match &model.attribution {
        Attribution::Running { done, of, .. } => {
            let rpm = model
                .limit
                .rpm
                .unwrap_or_else(|| model.settings.effective_rpm());
            format!("Breakdown · {}", breakdown::progress_text(*done, *of, rpm))
        }
        Attribution::Failed { .. } if !exact => "Breakdown · offline (exact failed)".into(),
        _ if exact => "Breakdown · exact".into(),
        _ => "Breakdown · offline".into(),
    }
}
