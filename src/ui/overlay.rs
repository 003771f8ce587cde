//! Windows drawn over the panes: help, model picker, one-line prompts, the tool editor.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::text::{draw_block, fit, line, panel, styled};
use super::theme::Styles;
use crate::app::{Command, Model, Overlay, Scope};

pub fn draw(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    match &model.overlay {
        // Drawn by `costs`.
        Overlay::None | Overlay::Compare(_) | Overlay::Cache(_) => {}
        Overlay::Help { scroll } => {
            let r = centered(area, 76, area.height.saturating_sub(2));
            Clear.render(r, buf);
            let keys = |c| model.keymap.hint(Scope::Help, c).unwrap_or_default();
            let title = format!(
                "Help · {} closes · {}{} scroll",
                keys(Command::Cancel),
                keys(Command::Up),
                keys(Command::Down)
            );
            let inner = draw_block(panel(&title, true, styles), r, buf);
            Paragraph::new(super::help::lines(model, styles))
                .scroll((*scroll, 0))
                .render(inner, buf);
        }
        Overlay::ModelPicker { filter, selected } => {
            let choices = model.model_choices(filter);
            let h = (choices.len() as u16 + 4).min(area.height);
            let r = centered(area, 60, h);
            Clear.render(r, buf);
            let inner = draw_block(panel("Model · type to filter", true, styles), r, buf);
            if inner.height == 0 {
                return;
            }
            line(
                buf,
                inner,
                inner.y,
                vec![
                    styled("filter: ", styles.dim),
                    Span::raw(format!("{filter}▏")),
                ],
            );
            let rows = usize::from(inner.height.saturating_sub(1));
            let offset = super::lists::list_offset(*selected, rows);
            let width = usize::from(inner.width);
            for (i, (id, name)) in choices.iter().enumerate().skip(offset).take(rows) {
                let current = *id == model.ws.request.model;
                let text = format!("{} {id}  {name}", if current { "●" } else { " " });
                let style = if i == *selected {
                    styles.selected
                } else {
                    styles.text
                };
                line(
                    buf,
                    inner,
                    inner.y + 1 + (i - offset) as u16,
                    vec![styled(fit(&text, width), style)],
                );
            }
            if choices.is_empty() {
                line(
                    buf,
                    inner,
                    inner.y + 1,
                    vec![styled("no model matches", styles.dim)],
                );
            }
        }
        Overlay::Prompt {
            kind,
            input,
            error,
            completions,
        } => {
            let extra = completions.len().min(6) as u16;
            let r = centered(area, 70, 4 + extra + u16::from(error.is_some()));
            Clear.render(r, buf);
            let inner = draw_block(panel(kind.title(), true, styles), r, buf);
            let width = usize::from(inner.width);
            line(
                buf,
                inner,
                inner.y,
                vec![Span::raw(fit(&format!("{input}▏"), width))],
            );
            let mut y = inner.y + 1;
            if let Some(e) = error {
                line(buf, inner, y, vec![styled(fit(e, width), styles.error)]);
                y += 1;
            }
            for c in completions.iter().take(6) {
                line(buf, inner, y, vec![styled(fit(c, width), styles.dim)]);
                y += 1;
            }
        }
        Overlay::ToolEditor { editor, error } => {
            let r = centered(area, 80, area.height.saturating_sub(4));
            Clear.render(r, buf);
            let inner = draw_block(
                panel("New tool (JSON) · Ctrl-S adds · Esc cancels", true, styles),
                r,
                buf,
            );
            if inner.height < 2 {
                return;
            }
            let status = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
            let edit = Rect::new(inner.x, inner.y, inner.width, inner.height - 1);
            editor.render(edit, buf);
            let width = usize::from(inner.width);
            let text = match error {
                Some(e) => styled(fit(&format!("✗ {e}"), width), styles.error),
                None => styled("✓ valid tool definition", styles.exact),
            };
            Paragraph::new(Line::from(text))
                .wrap(Wrap { trim: true })
                .render(status, buf);
        }
    }
}

/// A `width`×`height` rectangle centred in `area` (shrunk to fit).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
