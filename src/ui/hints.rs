//! The key-hint line at the bottom, with the latest notice (saved, deleted, warnings) first.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::text::{fit, line, styled};
use super::theme::Styles;
use crate::app::breakdown::Attribution;
use crate::app::{Command, ExactState, Model, Overlay, Pane, Scope};

/// How long a notice stays on the hint line.
pub const NOTICE_FOR: Duration = Duration::from_secs(6);

pub fn draw(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let mut spans: Vec<Span> = Vec::new();
    let mut width = usize::from(area.width);
    if let Some((text, at)) = &model.notice
        && model.now.saturating_duration_since(*at) < NOTICE_FOR
    {
        // A notice too long for the line says where to read it whole.
        let log = model
            .keymap
            .hint(Scope::Navigate, Command::Log)
            .unwrap_or_default();
        let text =
            if unicode_width::UnicodeWidthStr::width(text.as_str()) > width && !log.is_empty() {
                let more = format!(" ({log}: in full)");
                let room = width.saturating_sub(more.chars().count());
                format!("{}{more}", fit(text, room))
            } else {
                fit(text, width)
            };
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
        Overlay::ToolEditor { replacing, .. } => vec![
            (
                Scope::ToolEditor,
                Command::Confirm,
                if replacing.is_some() {
                    "save tool"
                } else {
                    "add tool"
                },
            ),
            (Scope::ToolEditor, Command::Cancel, "cancel"),
        ],
        Overlay::Open { .. } => vec![
            (Scope::Open, Command::Confirm, "open"),
            (Scope::Open, Command::Complete, "complete"),
            (Scope::Open, Command::Cancel, "cancel"),
        ],
        Overlay::Viewer { .. } => vec![
            (Scope::Viewer, Command::Cancel, "close"),
            (Scope::Viewer, Command::PageDown, "page"),
            (Scope::Viewer, Command::Last, "end"),
        ],
        Overlay::Unsaved { .. } => vec![
            (Scope::Unsaved, Command::Save, "save"),
            (Scope::Unsaved, Command::Discard, "discard"),
            (Scope::Unsaved, Command::Cancel, "stay"),
        ],
        Overlay::Overwrite { linked, .. } if !linked.is_empty() => vec![
            (Scope::Overwrite, Command::Confirm, "replace"),
            (Scope::Overwrite, Command::Cancel, "do not save"),
        ],
        Overlay::Overwrite { .. } => vec![
            (Scope::Overwrite, Command::Confirm, "replace"),
            (Scope::Overwrite, Command::Cancel, "another name"),
        ],
        Overlay::None if model.editor.is_some() => {
            let mut v = vec![(Scope::Editor, Command::Navigate, "navigate")];
            if matches!(model.exact, ExactState::Failed { .. }) {
                v.push((Scope::Global, Command::Recount, "count again"));
            }
            v.extend([
                (Scope::Global, Command::NextPane, "panes"),
                (Scope::Global, Command::Save, "save"),
                (Scope::Editor, Command::Undo, "undo"),
                (Scope::Global, Command::Quit, "quit"),
                (Scope::Global, Command::Help, "help"),
            ]);
            v
        }
        Overlay::None => {
            let mut v = match model.pane {
                Pane::Request => vec![
                    (nav, Command::Edit, "edit"),
                    (nav, Command::View, "read"),
                    (nav, Command::NewTurn, "new turn"),
                    (nav, Command::DeleteTurn, "delete"),
                    (nav, Command::Undo, "undo"),
                    (nav, Command::SwitchRole, "role"),
                    (nav, Command::Model, "model"),
                    (nav, Command::Budget, "budget"),
                    (nav, Command::Attach, "attach"),
                    (nav, Command::Thinking, "thinking"),
                    (nav, Command::Help, "help"),
                    (Scope::Global, Command::Quit, "quit"),
                ],
                Pane::Tools => vec![
                    (nav, Command::Toggle, "on/off"),
                    (nav, Command::Edit, "edit"),
                    (nav, Command::ToolFromFile, "from file"),
                    (nav, Command::NewTool, "write"),
                    (nav, Command::Remove, "remove"),
                    (nav, Command::Undo, "undo"),
                    (nav, Command::Help, "help"),
                ],
                Pane::Attachments => vec![
                    (nav, Command::Toggle, "on/off"),
                    (nav, Command::Edit, "other file"),
                    (nav, Command::View, "details"),
                    (nav, Command::Attach, "attach"),
                    (nav, Command::Remove, "remove"),
                    (nav, Command::Undo, "undo"),
                    (nav, Command::Help, "help"),
                ],
                Pane::Breakdown => vec![
                    (nav, Command::Edit, "go to"),
                    (
                        nav,
                        Command::Attribute,
                        if matches!(model.attribution, Attribution::Running { .. }) {
                            "stop"
                        } else {
                            "exact"
                        },
                    ),
                    (nav, Command::Toggle, "on/off"),
                    (nav, Command::View, "all"),
                    (nav, Command::Undo, "undo"),
                    (nav, Command::Help, "help"),
                ],
            };
            if matches!(model.exact, ExactState::Failed { .. }) {
                v.insert(0, (nav, Command::Recount, "count again"));
                v.insert(1, (nav, Command::Log, "full error"));
            }
            v
        }
    };
    list.into_iter()
        .map(|(s, c, what)| (key(s, c), what))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}
