//! The help screen: every binding of the keymap in force (defaults plus the user's file).

use ratatui::text::{Line, Span};

use super::theme::Styles;
use crate::app::{Model, Scope};

/// The help text, one line per binding, grouped by where it applies.
pub fn lines(model: &Model, styles: &Styles) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let all = model.keymap.all();
    // The widest list of keys sets the column (a user's keymap may bind many).
    let width = all
        .iter()
        .map(|(_, _, keys)| keys.join(", ").chars().count())
        .max()
        .unwrap_or(0)
        .max(18);
    for scope in Scope::ALL {
        out.push(Line::from(Span::styled(scope.title(), styles.title)));
        for (s, command, keys) in &all {
            if *s != scope {
                continue;
            }
            out.push(Line::from(vec![
                Span::styled(format!("  {:<width$} ", keys.join(", ")), styles.key),
                Span::raw(command.describe_in(scope)),
            ]));
        }
        out.push(Line::from(""));
    }
    out.push(Line::from(Span::styled("Editing", styles.title)));
    for (keys, what) in [
        ("arrows, Home, End", "move the cursor"),
        ("Ctrl-A / Ctrl-E", "start / end of the line"),
        (
            "Ctrl-K / Ctrl-W",
            "delete to the end of the line / the word before",
        ),
        ("paste", "inserts in one step (one undo)"),
        ("mouse", "click a pane or block; click a checkbox to toggle"),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {keys:<width$} "), styles.key),
            Span::raw(what),
        ]));
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        "Counts: ~N is offline (local tokenizer); N is exact (count_tokens API).",
        styles.dim,
    )));
    out.push(Line::from(Span::styled(
        "Offline counts say how often they matched the API (\"exact on 48/50 recent\");",
        styles.dim,
    )));
    out.push(Line::from(Span::styled(
        "`budgie calibrate` measures the request structure against the API.",
        styles.dim,
    )));
    out
}
