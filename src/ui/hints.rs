//! The key-hint line at the bottom, with the latest notice (saved, deleted, warnings) first.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::text::{fit, line, styled};
use super::theme::Styles;
use crate::app::{Command, Model, Overlay, Pane, Scope};

/// How long a notice stays on the hint line.
pub const NOTICE_FOR: Duration = Duration::from_secs(6);

pub fn draw(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let mut spans: Vec<Span> = Vec::new();
    let mut width = usize::from(area.width);
    if let Some((text, at)) = &model.notice
        && model.now.saturating_duration_since(*at) < NOTICE_FOR
    {
        let text = fit(text, width);
        width = width.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()) + 2);
        spans.push(styled(text, styles.notice));
        spans.push(Span::raw("  "));
    }
    for (key, what) in hints(model) {
        let piece = key.len() + what.len() + 3;
        if piece > width {
            break;
        }
        width -= piece;
        spans.push(styled(key, styles.key));
        spans.push(styled(format!(" {what}  "), styles.dim));
    }
    line(buf, area, area.y, spans);
}

/// The hints that fit the moment: what the next keys most likely are.
fn hints(model: &Model) -> Vec<(String, &'static str)> {
    let km = &model.keymap;
    let key = |scope: Scope, c: Command| km.hint(scope, c).unwrap_or_default();
    let nav = Scope::Navigate;
    let list: Vec<(Scope, Command, &'static str)> = match &model.overlay {
        Overlay::Help { .. } => vec![(Scope::Help, Command::Cancel, "close")],
        Overlay::ModelPicker { .. } => {
            let picker = Scope::ModelPicker;
            let choose = format!("{}{}", key(picker, Command::Up), key(picker, Command::Down));
            return vec![
                ("type".into(), "filter"),
                (choose, "choose"),
                (key(picker, Command::Confirm), "select"),
                (key(picker, Command::Cancel), "cancel"),
            ];
        }
        Overlay::Prompt { kind, .. } => {
            let mut v = vec![
                (Scope::Prompt, Command::Confirm, "ok"),
                (Scope::Prompt, Command::Cancel, "cancel"),
            ];
            if kind.completes_paths() {
                v.push((Scope::Prompt, Command::Complete, "complete"));
            }
            v
        }
        Overlay::Compare(_) | Overlay::Cache(_) => vec![
            (Scope::Costs, Command::CountExactly, "count exactly"),
            (Scope::Costs, Command::Compare, "models"),
            (Scope::Costs, Command::CachePlan, "cache"),
            (Scope::Costs, Command::Cancel, "close"),
        ],
        Overlay::ToolEditor { .. } => vec![
            (Scope::ToolEditor, Command::Confirm, "add tool"),
            (Scope::ToolEditor, Command::Cancel, "cancel"),
        ],
        Overlay::None if model.editor.is_some() => vec![
            (Scope::Editor, Command::Navigate, "navigate"),
            (Scope::Global, Command::NextPane, "panes"),
            (Scope::Global, Command::Save, "save"),
            (Scope::Global, Command::Quit, "quit"),
            (Scope::Global, Command::Help, "help"),
        ],
        Overlay::None => match model.pane {
            Pane::Request => vec![
                (nav, Command::Edit, "edit"),
                (nav, Command::NewTurn, "new turn"),
                (nav, Command::DeleteTurn, "delete"),
                (nav, Command::SwitchRole, "role"),
                (nav, Command::Model, "model"),
                (nav, Command::Budget, "budget"),
                (nav, Command::Attach, "attach"),
                (nav, Command::Thinking, "thinking"),
                (nav, Command::Help, "help"),
                (Scope::Global, Command::Quit, "quit"),
            ],
            Pane::Tools => vec![
                (nav, Command::Toggle, "toggle"),
                (nav, Command::ToolFromFile, "from file"),
                (nav, Command::NewTool, "write"),
                (nav, Command::Remove, "remove"),
                (nav, Command::Help, "help"),
            ],
            Pane::Attachments => vec![
                (nav, Command::Toggle, "toggle"),
                (nav, Command::Attach, "attach"),
                (nav, Command::Remove, "remove"),
                (nav, Command::Help, "help"),
            ],
        },
    };
    list.into_iter()
        .map(|(s, c, what)| (key(s, c), what))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}
