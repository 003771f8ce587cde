//! The side panel: model, budget bar with the count's source and age, breakdown; and the
//! one-line summary that replaces it on small screens.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::text::{bar, draw_block, fit, line, panel, styled};
use super::theme::{Styles, level_style};
use crate::app::budget::{group, short};
use crate::app::{BudgetView, ExactState, Level, Model};

/// "exact · 2 s ago", "offline", "counting…", "rate-limited · next count in 3 s", or the
/// error with when it is tried again. Every wait says what it waits for.
pub fn source_text(model: &Model) -> (String, SourceKind) {
    // The offline figure carries how this model's offline counts have compared with the
    // API's: "offline, exact on 48/50 recent".
    let offline = match model.drift_label() {
        Some(label) => format!("offline, {label}"),
        None => "offline".to_string(),
    };
    // The limiter holds the request back (its own spacing, or a server's retry-after).
    let held = model.limit.next_slot_in;
    let held_back = held >= std::time::Duration::from_secs(1);
    let limited = |secs: u64| format!("rate-limited · next count in {secs} s");
    match &model.exact {
        ExactState::Offline { reason } => (format!("{offline} ({reason})"), SourceKind::Offline),
        ExactState::Pending if held_back => (
            format!("{offline} · {}", limited(secs_of(held))),
            SourceKind::Offline,
        ),
        ExactState::Pending => (
            format!("{offline} · exact after a pause"),
            SourceKind::Offline,
        ),
        ExactState::Counting if held_back => (limited(secs_of(held)), SourceKind::Problem),
        ExactState::Counting => ("counting…".into(), SourceKind::Offline),
        ExactState::RateLimited { until } => {
            (limited(secs_until(model.now, *until)), SourceKind::Problem)
        }
        ExactState::Exact { at, .. } => (
            format!(
                "exact · {} s ago",
                model.now.saturating_duration_since(*at).as_secs()
            ),
            SourceKind::Exact,
        ),
        ExactState::Failed { message } => {
            let again = match model.retry {
                Some(retry) => format!("retry in {} s · ", secs_until(model.now, retry.at)),
                None => String::new(),
            };
            (format!("{again}{message}"), SourceKind::Problem)
        }
    }
}

fn secs_of(wait: std::time::Duration) -> u64 {
    wait.as_millis().div_ceil(1000) as u64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Exact,
    Offline,
    Problem,
}

fn secs_until(now: Instant, until: Instant) -> u64 {
    until
        .saturating_duration_since(now)
        .as_millis()
        .div_ceil(1000) as u64
}

fn source_style(styles: &Styles, kind: SourceKind) -> ratatui::style::Style {
    match kind {
        SourceKind::Exact => styles.exact,
        SourceKind::Offline => styles.dim,
        SourceKind::Problem => styles.error,
    }
}

/// The count as shown: "1,234" exact, "~1,234" offline.
fn count_text(model: &Model) -> String {
    let (n, exact) = model.shown_count();
    if exact {
        group(n)
    } else {
        format!("~{}", group(n))
    }
}

pub fn budget(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let inner = draw_block(panel("Budget", false, styles), area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let width = usize::from(inner.width);
    let view = model.budget_view();
    let style = level_style(model.theme, view.level);
    let mut y = inner.y;
    line(buf, inner, y, {
        let mut spans = vec![styled(
            format!("{} tokens", count_text(model)),
            styles.title,
        )];
        // What the last structural edit changed, for a few seconds.
        if let Some(delta) = crate::app::breakdown::recent_delta(model) {
            let sign = if delta < 0 { "−" } else { "+" };
            spans.push(styled(
                format!(" {sign}{}", group(delta.unsigned_abs())),
                styles.title,
            ));
        }
        spans.push(Span::raw("  "));
        spans.push(styled(budget_label(&view), style));
        spans
    });
    y += 1;
    bar_line(model, buf, inner, y, &view, "budget ");
    y += 1;
    let ctx = model.context_view();
    bar_line(model, buf, inner, y, &ctx, "context");
    y += 1;
    let (source, kind) = source_text(model);
    line(
        buf,
        inner,
        y,
        vec![styled(fit(&source, width), source_style(styles, kind))],
    );
    y += 1;
    let rate = rate_text(model);
    match model.limit.shared {
        // Shared through Redis: on two lines when one is too narrow for it.
        Some(shared) if rate.chars().count() > width => {
            let rpm = model
                .limit
                .rpm
                .unwrap_or_else(|| model.settings.effective_rpm());
            let (head, tail) = crate::limiter::summary_parts(rpm, Some(shared));
            let style = if shared.reachable {
                styles.dim
            } else {
                styles.error
            };
            line(buf, inner, y, vec![styled(fit(&head, width), style)]);
            if let Some(tail) = tail {
                line(buf, inner, y + 1, vec![styled(fit(&tail, width), style)]);
            }
        }
        _ => line(buf, inner, y, vec![styled(fit(&rate, width), styles.dim)]),
    }
}

/// "98 requests left this minute", or the configured rate until the limiter has spoken; shared
/// through Redis, "limit 100/min · shared via redis (3 clients seen)".
pub fn rate_text(model: &Model) -> String {
    if let Some(shared) = model.limit.shared {
        let rpm = model
            .limit
            .rpm
            .unwrap_or_else(|| model.settings.effective_rpm());
        return crate::limiter::summary(rpm, Some(shared));
    }
    match model.limit.left_this_minute {
        Some(n) => format!("{n} requests left this minute"),
        None => format!("limit {} requests/min", model.settings.effective_rpm()),
    }
}

/// "of 2,000 (61 %)" or "over by 34".
fn budget_label(view: &BudgetView) -> String {
    if view.level == Level::Over {
        format!("over by {}", group(view.over_by))
    } else {
        format!("of {} ({} %)", group(view.limit), view.percent())
    }
}

fn bar_line(model: &Model, buf: &mut Buffer, inner: Rect, y: u16, view: &BudgetView, name: &str) {
    let style = level_style(model.theme, view.level);
    let label = if view.level == Level::Over {
        format!(" over by {}", group(view.over_by))
    } else {
        format!(" {:>3} %", view.percent())
    };
    let room = usize::from(inner.width).saturating_sub(name.len() + 1 + label.chars().count());
    if room < 3 {
        line(buf, inner, y, vec![styled(format!("{name}{label}"), style)]);
        return;
    }
    // Over budget: no clipped full bar, the overflow is said in words.
    let (filled, empty) = if view.level == Level::Over {
        ("!".repeat(room), String::new())
    } else {
        bar(view.ratio, room)
    };
    line(
        buf,
        inner,
        y,
        vec![
            Span::raw(format!("{name} ")),
            styled(filled, style),
            Span::raw(empty),
            styled(label, style),
        ],
    );
}

pub fn model(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let inner = draw_block(panel("Model", false, styles), area, buf);
    let info = model.model_info();
    let width = usize::from(inner.width);
    let mut y = inner.y;
    let name = match (info.unverified, calibrated_on(&info)) {
        (false, None) => info.display_name.clone(),
        (true, None) => format!("{} (unknown: guessed)", info.display_name),
        (false, Some(date)) => format!("{} · calibrated {date}", info.display_name),
        (true, Some(date)) => format!("{} (unknown) · calibrated {date}", info.display_name),
    };
    line(buf, inner, y, vec![styled(fit(&name, width), styles.title)]);
    y += 1;
    let id = format!("{} · {}", info.id, info.family.name());
    line(buf, inner, y, vec![styled(fit(&id, width), styles.dim)]);
    y += 1;
    let (n, _) = model.shown_count();
    // As billed: past a long-context threshold the whole request costs more.
    let rules = crate::registry::Registry::builtin().price_rules();
    let cost = crate::cost::prices::rates(&info, rules, n)
        .input
        .times(n)
        .dollars();
    line(
        buf,
        inner,
        y,
        vec![Span::raw(fit(
            &format!(
                "{} ctx · ${}/MTok in · ${cost:.4}",
                short(info.context_window),
                trim_price(info.input_price_per_mtok)
            ),
            width,
        ))],
    );
    y += 1;
    let thinking = match &model.ws.request.thinking {
        Some(t) if t.kind == "adaptive" => "adaptive".to_string(),
        Some(t) if t.kind == "enabled" => {
            format!("{} tok", group(t.budget_tokens.unwrap_or(0)))
        }
        _ => "off".into(),
    };
    line(
        buf,
        inner,
        y,
        vec![Span::raw(fit(
            &format!(
                "thinking {thinking} · max out {}",
                match model.output_reserve() {
                    0 => "not set".to_string(),
                    n => group(n),
                }
            ),
            width,
        ))],
    );
}

/// The day this model's structure was last measured on this machine (`budgie calibrate`).
fn calibrated_on(info: &crate::registry::ModelInfo) -> Option<&str> {
    let c = &info.calibration;
    c.constants
        .values()
        .chain(&c.frame)
        .chain(&c.tool_prompt_auto_none)
        .chain(&c.tool_prompt_any_tool)
        .map(|m| m.date.as_str())
        .max()
}

fn trim_price(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}")
    }
}

/// One line for small screens: "~1,234 / 2,000 61 % · offline".
pub fn summary(model: &Model, styles: &Styles, area: Rect, buf: &mut Buffer) {
    let view = model.budget_view();
    let style = level_style(model.theme, view.level);
    let (source, kind) = source_text(model);
    let figure = if view.level == Level::Over {
        format!("{} over by {}", count_text(model), group(view.over_by))
    } else {
        format!(
            "{}/{} {}%",
            count_text(model),
            short(view.limit),
            view.percent()
        )
    };
    let width = usize::from(area.width);
    let figure = fit(&figure, width);
    let rest = width.saturating_sub(unicode_width::UnicodeWidthStr::width(figure.as_str()) + 3);
    let mut spans = vec![styled(figure, style)];
    if rest > 0 {
        spans.push(Span::raw(" · "));
        spans.push(styled(fit(&source, rest), source_style(styles, kind)));
    }
    line(buf, area, area.y, spans);
}
