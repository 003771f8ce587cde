//! Windows drawn over the panes: help, model picker, one-line prompts, the tool editor.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::text::{draw_block, fit, line, panel, styled};
use super::theme::Styles;
use crate::app::{Command, Model, Overlay, Scope, Then, viewer};

pub fn draw(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    match &model.overlay {
        // Drawn by `costs`.
        Overlay::None | Overlay::Compare(_) | Overlay::Cache(_) => {}
        Overlay::Help { scroll } => {
            let r = centered(area, 100, area.height.saturating_sub(2));
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
                .wrap(Wrap { trim: false })
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
            fresh,
        } => {
            let extra = completions.len().min(6) as u16;
            let r = centered(area, 70, 4 + extra + u16::from(error.is_some()));
            Clear.render(r, buf);
            let inner = draw_block(panel(kind.title(), true, styles), r, buf);
            let width = usize::from(inner.width);
            // A value shown as it was is selected: typing replaces it.
            let input_line = if *fresh {
                vec![
                    styled(fit(input, width.saturating_sub(1)), styles.selected),
                    Span::raw("▏"),
                ]
            } else {
                vec![Span::raw(fit_end(&format!("{input}▏"), width))]
            };
            line(buf, inner, inner.y, input_line);
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
        Overlay::Open {
            input,
            selected,
            completions,
            error,
        } => open_window(
            model,
            styles,
            area,
            buf,
            input,
            *selected,
            completions,
            error.as_deref(),
        ),
        Overlay::Viewer {
            title,
            text,
            scroll,
        } => {
            let (width, height) = viewer::text_size((area.width, area.height));
            let r = centered(area, width + 2, height + 2);
            Clear.render(r, buf);
            let keys = |c| model.keymap.hint(Scope::Viewer, c).unwrap_or_default();
            let title = format!(
                "{title} · {} closes · {}{} scroll",
                keys(Command::Cancel),
                keys(Command::Up),
                keys(Command::Down)
            );
            let inner = draw_block(panel(&title, true, styles), r, buf);
            let lines: Vec<Line> = viewer::wrap(text, usize::from(inner.width))
                .into_iter()
                .skip(usize::from(*scroll))
                .take(usize::from(inner.height))
                .map(Line::from)
                .collect();
            Paragraph::new(lines).render(inner, buf);
        }
        Overlay::Unsaved { then } => {
            let name = model.name();
            let doing = match then {
                Then::Quit => "before quitting".to_string(),
                Then::Open(p) => format!("before opening {}", p.display()),
                Then::Stay => String::new(),
            };
            let keys = |c| model.keymap.hint(Scope::Unsaved, c).unwrap_or_default();
            // Where a save goes: the workspace's file, or a name asked for next.
            let to = match &model.path {
                Some(path) if !model.read_only => {
                    let file = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    match file {
                        Some(file) if file != name => format!(" to {file}"),
                        _ => String::new(),
                    }
                }
                _ => " (under a name you choose)".into(),
            };
            let text = vec![
                Line::from(format!(
                    "{name} has unsaved changes. Save them{to} {doing}?"
                )),
                Line::from(""),
                Line::from(vec![
                    styled(keys(Command::Save), styles.key),
                    Span::raw(" save   "),
                    styled(keys(Command::Discard), styles.key),
                    Span::raw(" discard them   "),
                    styled(keys(Command::Cancel), styles.key),
                    Span::raw(" stay"),
                ]),
            ];
            question(styles, area, buf, "Unsaved changes", text);
        }
        Overlay::Overwrite { linked, .. } if !linked.is_empty() => {
            let keys = |c| model.keymap.hint(Scope::Overwrite, c).unwrap_or_default();
            let text = vec![
                Line::from(format!(
                    "{} changed on disk since budgie read it. Replace it with budgie's text?",
                    linked.join(", ")
                )),
                Line::from(""),
                Line::from(vec![
                    styled(keys(Command::Confirm), styles.key),
                    Span::raw(" replace it   "),
                    styled(keys(Command::Cancel), styles.key),
                    Span::raw(" do not save"),
                ]),
            ];
            question(styles, area, buf, "Linked file changed", text);
        }
        Overlay::Overwrite { path, .. } => {
            let keys = |c| model.keymap.hint(Scope::Overwrite, c).unwrap_or_default();
            let text = vec![
                Line::from(format!("{} exists. Replace it?", path.display())),
                Line::from(""),
                Line::from(vec![
                    styled(keys(Command::Confirm), styles.key),
                    Span::raw(" replace it   "),
                    styled(keys(Command::Cancel), styles.key),
                    Span::raw(" choose another name"),
                ]),
            ];
            question(styles, area, buf, "Replace the file?", text);
        }
        Overlay::ToolEditor {
            editor,
            error,
            replacing,
        } => {
            let r = centered(area, 80, area.height.saturating_sub(4));
            Clear.render(r, buf);
            let keys = |c| model.keymap.hint(Scope::ToolEditor, c).unwrap_or_default();
            let title = match replacing {
                Some(_) => format!(
                    "Edit tool (JSON) · {} saves · {} cancels",
                    keys(Command::Confirm),
                    keys(Command::Cancel)
                ),
                None => format!(
                    "New tool (JSON) · {} adds · {} cancels",
                    keys(Command::Confirm),
                    keys(Command::Cancel)
                ),
            };
            let inner = draw_block(panel(&title, true, styles), r, buf);
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

/// A small window with a question and its keys, as tall as its wrapped text.
fn question(styles: &Styles, area: Rect, buf: &mut Buffer, title: &str, text: Vec<Line>) {
    let width: u16 = 70;
    let rows: usize = text
        .iter()
        .map(|line| viewer::wrap(&line.to_string(), usize::from(width - 2)).len())
        .sum();
    let r = centered(
        area,
        width,
        u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2),
    );
    Clear.render(r, buf);
    let inner = draw_block(panel(title, true, styles), r, buf);
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .render(inner, buf);
}

/// The open window: a path line, then the recent files (the picked one highlighted).
#[allow(clippy::too_many_arguments)]
fn open_window(
    model: &Model,
    styles: &Styles,
    area: Rect,
    buf: &mut Buffer,
    input: &str,
    selected: Option<usize>,
    completions: &[String],
    error: Option<&str>,
) {
    let choices = model.recent_choices(input);
    let listed = if completions.is_empty() {
        choices.len().clamp(1, 12)
    } else {
        completions.len().min(12)
    };
    let r = centered(area, 90, listed as u16 + 4 + u16::from(error.is_some()));
    Clear.render(r, buf);
    let keys = |c| model.keymap.hint(Scope::Open, c).unwrap_or_default();
    let title = format!(
        "Open · type a path ({} completes) or pick a recent file ({}{}) · {} opens",
        keys(Command::Complete),
        keys(Command::Up),
        keys(Command::Down),
        keys(Command::Confirm)
    );
    let inner = draw_block(panel(&title, true, styles), r, buf);
    let width = usize::from(inner.width);
    line(
        buf,
        inner,
        inner.y,
        vec![
            styled("path: ", styles.dim),
            Span::raw(fit_end(&format!("{input}▏"), width.saturating_sub(6))),
        ],
    );
    let mut y = inner.y + 1;
    if let Some(e) = error {
        line(buf, inner, y, vec![styled(fit(e, width), styles.error)]);
        y += 1;
    }
    if !completions.is_empty() {
        for c in completions.iter().take(12) {
            line(buf, inner, y, vec![styled(fit(c, width), styles.dim)]);
            y += 1;
        }
        return;
    }
    if choices.is_empty() {
        line(buf, inner, y, vec![styled("no recent files", styles.dim)]);
        return;
    }
    let offset = super::lists::list_offset(selected.unwrap_or(0), 12);
    for (i, path) in choices.iter().enumerate().skip(offset).take(12) {
        let style = if selected == Some(i) {
            styles.selected
        } else {
            styles.text
        };
        let text = fit_end(&path.display().to_string(), width);
        line(buf, inner, y, vec![styled(text, style)]);
        y += 1;
    }
}

/// `text` cut from the front to `width` columns ("…end"): the end of a path is what tells.
fn fit_end(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_string();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    let mut out = String::from("…");
    out.extend(kept.into_iter().rev());
    out
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
