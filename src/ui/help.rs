//! The help screen: every binding of the keymap in force (defaults plus the user's file).

use ratatui::text::{Line, Span};

use super::theme::Styles;
use crate::app::{Model, Scope};

/// The help text, one line per binding, grouped by where it applies.
pub fn lines(model: &Model, styles: &Styles) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let all = model.keymap.all();
    for scope in [Scope::Global, Scope::Editor, Scope::Navigate] {
        out.push(Line::from(Span::styled(scope.title(), styles.title)));
        for (s, command, keys) in &all {
            if *s != scope {
                continue;
            }
            out.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(", ")), styles.key),
                Span::raw(command.describe()),
            ]));
        }
        out.push(Line::from(""));
    }
    out.push(Line::from(Span::styled("Editing", styles.title)));
    for (keys, what) in [
        ("arrows, Home, End", "move the cursor"),
        ("Ctrl-U / Ctrl-R", "undo / redo typing"),
        ("paste", "inserts in one step"),
        ("mouse", "click a pane or block; click a checkbox to toggle"),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {keys:<18}"), styles.key),
            Span::raw(what),
        ]));
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        "Counts: ~N is offline (local tokenizer); N is exact (count_tokens API).",
        styles.dim,
    )));
    out
}
