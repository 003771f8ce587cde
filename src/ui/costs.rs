//! The cost views drawn over the panes — the model comparison and the prompt-cache plan — and
//! the markers on the request pane's blocks that carry a cache breakpoint. Pure drawing: the
//! figures come from `app::costs` and `cost`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::layout;
use super::overlay::centered;
use super::text::{draw_block, line, panel, styled};
use super::theme::Styles;
use crate::app::costs::{CacheView, CompareView, ExactCosts};
use crate::app::doc::Slot;
use crate::app::{Command, Model, Overlay, Scope};
use crate::cost::compare::family_notes;
use crate::cost::prices::long_context_note;
use crate::numbers::{group, short};
use crate::request::cache_control::{Position, auto_position, breakpoints};

/// The open cost view, if any.
pub fn draw(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let (title, lines, scroll) = match &model.overlay {
        Overlay::Compare(view) => (
            title(model, "Models"),
            compare_lines(model, view, styles),
            view.scroll,
        ),
        Overlay::Cache(view) => (
            title(model, "Prompt cache"),
            cache_lines(model, view, styles),
            view.scroll,
        ),
        _ => return,
    };
    let r = centered(area, 118, area.height.saturating_sub(2));
    Clear.render(r, buf);
    let inner = draw_block(panel(&title, true, styles), r, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(inner, buf);
}

fn title(model: &Model, name: &str) -> String {
    let key = |c| model.keymap.hint(Scope::Costs, c).unwrap_or_default();
    format!(
        "{name} · {} count exactly · {} models · {} cache · {} closes",
        key(Command::CountExactly),
        key(Command::Compare),
        key(Command::CachePlan),
        key(Command::Cancel)
    )
}

/// "~1,234" offline, "1,234" exact (as everywhere in the workbench).
fn tokens(n: u64, exact: bool) -> String {
    if exact {
        group(n)
    } else {
        format!("~{}", group(n))
    }
}

/// How the exact counting goes: counting, failed, or how to ask.
fn status(model: &Model, costs: &ExactCosts, styles: &Styles) -> Line<'static> {
    let key = model
        .keymap
        .hint(Scope::Costs, Command::CountExactly)
        .unwrap_or_default();
    if costs.pending > 0 {
        return Line::from(styled(
            format!("counting {} exactly (rate-limited)…", costs.pending),
            styles.notice,
        ));
    }
    if let Some(e) = &costs.failed {
        return Line::from(styled(format!("exact count failed: {e}"), styles.error));
    }
    Line::from(styled(
        format!("~N is offline; {key} asks count_tokens for exact figures"),
        styles.dim,
    ))
}

fn compare_lines(model: &Model, view: &CompareView, styles: &Styles) -> Vec<Line<'static>> {
    let rows = view.rows(&model.costs);
    let cached = rows.iter().any(|r| r.cache.is_some());
    let mut out = vec![status(model, &model.costs, styles), Line::from("")];
    let mut header = format!(
        "  {:<18} {:>10} {:>6} {:>7} {:>4} {:>10} {:>10} {:>10}",
        "model", "tokens", "window", "used", "fits", "input", "output ≤", "batch in"
    );
    if cached {
        header.push_str(&format!(" {:>10} {:>10}", "1st cached", "repeat"));
    }
    out.push(Line::from(styled(header, styles.title)));
    for r in &rows {
        let current = r.model.id == view.baseline;
        let text = format!(
            "{} {:<18} {:>10} {:>6} {:>6.1}% ",
            if current { "●" } else { " " },
            r.model.id,
            tokens(r.input_tokens, r.exact),
            short(r.model.context_window),
            r.percent_of_window(),
        );
        let fits = format!("{:>4} ", if r.fits { "yes" } else { "NO" });
        let mut rest = format!(
            "{:>10} {:>10} {:>10}",
            format!(
                "{}{}",
                r.cost.input,
                if r.cost.long_context { "*" } else { "" }
            ),
            r.cost.output_max.to_string(),
            r.cost.batch_input.to_string()
        );
        if let Some(plan) = &r.cache {
            rest.push_str(&format!(
                " {:>10} {:>10}",
                plan.first_request.to_string(),
                plan.repeat_request.to_string()
            ));
            if plan.breakpoints.iter().any(|b| !b.cacheable) {
                rest.push_str(" !");
            }
        }
        let base = if current { styles.title } else { styles.text };
        out.push(Line::from(vec![
            Span::styled(text, base),
            Span::styled(fits, if r.fits { base } else { styles.error }),
            Span::styled(rest, base),
        ]));
    }
    out.push(Line::from(""));
    let mut notes = family_notes(&rows, &view.baseline);
    notes.push(match view.output.max_tokens {
        Some(max) => format!(
            "output ≤: all of max_tokens ({}) written; used and fits count {} reserved tokens",
            group(max),
            group(view.output.reserve())
        ),
        None => "output ≤: max_tokens is not set, so each model's maximum output".to_string(),
    });
    for r in &rows {
        if let Some(note) = long_context_note(&r.model) {
            notes.push(if r.cost.long_context {
                format!("{note} — applies here (*)")
            } else {
                note
            });
        }
    }
    if cached {
        notes.push(
            "1st cached / repeat: input with the cache as planned, first and within the TTL; \
             ! marks a breakpoint that does not cache on that model"
                .into(),
        );
    }
    out.extend(notes.into_iter().map(|n| Line::from(styled(n, styles.dim))));
    for r in &rows {
        for warning in r.cache.iter().flat_map(|plan| {
            plan.breakpoints
                .iter()
                .filter_map(|b| b.warning(&plan.model))
        }) {
            out.push(Line::from(styled(format!("! {warning}"), styles.error)));
        }
    }
    out
}

fn cache_lines(model: &Model, view: &CacheView, styles: &Styles) -> Vec<Line<'static>> {
    let exact = &model.costs;
    let plan = view.counts.plan(exact);
    let info = &view.counts.model;
    let (total, _, total_exact) = view.counts.figures(exact);
    let mut out = vec![status(model, exact, styles), Line::from("")];
    out.push(Line::from(vec![
        styled(format!("{} ", info.id), styles.title),
        Span::raw(format!(
            "· request {} tokens · caches from {} tokens",
            tokens(total, total_exact),
            group(plan.minimum)
        )),
        styled(
            if info.min_cacheable_tokens.verified {
                String::new()
            } else {
                " (unverified: sources disagree)".to_string()
            },
            styles.dim,
        ),
    ]));
    out.push(Line::from(styled(
        format!("minimum: {}", info.min_cacheable_tokens.source),
        styles.dim,
    )));
    out.push(Line::from(""));
    if plan.breakpoints.is_empty() {
        let key = model
            .keymap
            .hint(Scope::Navigate, Command::Breakpoint)
            .unwrap_or_default();
        out.push(Line::from(format!(
            "No cache breakpoints. Close this view, select a block (or a tool) and press {key} \
             to put one."
        )));
    }
    for b in &plan.breakpoints {
        let (verdict, style) = match b.warning(&info.id) {
            Some(w) => (w, styles.error),
            None => (
                format!(
                    "{}: {} tokens, at least {}: caches",
                    b.at,
                    tokens(b.prefix_tokens, total_exact),
                    group(b.minimum)
                ),
                styles.exact,
            ),
        };
        out.push(Line::from(vec![
            styled(format!("◆ {} ", b.ttl.name()), styles.key),
            styled(verdict, style),
        ]));
    }
    if !plan.breakpoints.is_empty() {
        out.push(Line::from(""));
        out.push(Line::from(crate::cost::cache::summary(&plan)));
    }
    if let Some(s) = view.suggestion(exact) {
        out.push(Line::from(styled(
            format!("suggestion (offline counts): {s}"),
            styles.notice,
        )));
    }
    if let Some(note) = long_context_note(info) {
        out.push(Line::from(styled(note, styles.dim)));
    }
    let problems: Vec<String> = crate::request::validate::validate(&model.ws.to_request())
        .into_iter()
        .filter(|p| p.path.contains("cache_control"))
        .map(|p| p.to_string())
        .collect();
    for p in problems {
        out.push(Line::from(styled(p, styles.error)));
    }
    out.push(Line::from(""));
    out.push(Line::from(styled(
        "A prefix is the request cut after the breakpoint's block (tools, then system, then \
         messages; before the first message with a one-character stand-in). Costs are input \
         only: output bills the same with or without the cache.",
        styles.dim,
    )));
    out
}

/// "◆5m" at the right end of each request-pane block that carries a breakpoint ("◆auto" for
/// the top-level one, on the block it lands on).
pub fn markers(model: &Model, styles: &Styles, request_area: Rect, buf: &mut Buffer) {
    let request = &model.ws.request;
    let marked: Vec<(Slot, String)> = breakpoints(request)
        .iter()
        .filter_map(|b| {
            let at = match b.at {
                Position::Auto => auto_position(request)?,
                other => other,
            };
            let slot = match at {
                Position::System(i) => Slot::System(i),
                Position::Block { message, block } => Slot::Turn(message, block),
                _ => return None,
            };
            let label = match (b.at, b.ttl()) {
                (Position::Auto, _) => "◆auto".to_string(),
                (_, Ok(ttl)) => format!("◆{}", ttl.name()),
                (_, Err(_)) => "◆?".to_string(),
            };
            Some((slot, label))
        })
        .collect();
    if marked.is_empty() {
        return;
    }
    let inner = layout::request_inner(request_area);
    for entry in layout::entries(model, inner) {
        let editing = model.editor.as_ref().is_some_and(|e| e.slot == entry.slot);
        let Some(label) = marked
            .iter()
            .filter(|(s, _)| *s == entry.slot)
            .map(|(_, l)| l.as_str())
            .reduce(|_, last| last)
        else {
            continue;
        };
        // On the block's first line, not over the text being typed.
        if editing {
            continue;
        }
        let row = entry.body;
        let width = unicode_width::UnicodeWidthStr::width(label) as u16 + 1;
        if row.width <= width + 8 || row.height == 0 {
            continue;
        }
        let at = Rect::new(row.right() - width, row.y, width, 1);
        let style: Style = styles.key;
        line(
            buf,
            at,
            at.y,
            vec![Span::raw(" "), styled(label.to_string(), style)],
        );
    }
}
