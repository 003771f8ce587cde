//! The cost views' keys and replies: opening the comparison and the cache view, scrolling,
//! switching between them, asking for exact counts; putting a breakpoint on the selected
//! block; exact counts coming back.

use super::{notice, structure_changed};
use crate::app::costs::{CacheView, CompareView, missing_exact};
use crate::app::doc::{self, Slot};
use crate::app::keymap::Command;
use crate::app::model::{ExactState, Model, Overlay, Pane};
use crate::app::msg::Effect;
use crate::registry::{ModelInfo, Registry};
use crate::request::cache_control::{Position, toggle_breakpoint};

/// Open the comparison (`Command::Compare`) or the cache view (`Command::CachePlan`).
pub(super) fn open(model: &mut Model, command: Command) {
    model.editor = None;
    let request = model.ws.to_request();
    // The workbench's own exact count of this content is one of the figures.
    if let ExactState::Exact { tokens, .. } = model.exact {
        model.costs.counts.insert(request.content_hash(), tokens);
    }
    model.overlay = match command {
        Command::CachePlan => Overlay::Cache(Box::new(CacheView::open(&request))),
        _ => Overlay::Compare(Box::new(CompareView::open(&request))),
    };
}

/// A key bound in the views.
pub(super) fn on_key(model: &mut Model, overlay: Overlay, command: Option<Command>) -> Vec<Effect> {
    let scrolled = |scroll: u16| match command {
        Some(Command::Up) => scroll.saturating_sub(1),
        Some(Command::Down) => scroll.saturating_add(1),
        Some(Command::PageUp) => scroll.saturating_sub(10),
        Some(Command::PageDown) => scroll.saturating_add(10),
        _ => scroll,
    };
    match command {
        Some(Command::Cancel) => return Vec::new(),
        Some(c @ (Command::Compare | Command::CachePlan)) => {
            let same = matches!(
                (&overlay, c),
                (Overlay::Compare(_), Command::Compare) | (Overlay::Cache(_), Command::CachePlan)
            );
            if same {
                model.overlay = overlay;
            } else {
                open(model, c);
            }
            return Vec::new();
        }
        _ => {}
    }
    let effects = if command == Some(Command::CountExactly) {
        count_exactly(model, &overlay)
    } else {
        Vec::new()
    };
    model.overlay = match overlay {
        Overlay::Compare(mut view) => {
            view.scroll = scrolled(view.scroll);
            Overlay::Compare(view)
        }
        Overlay::Cache(mut view) => {
            view.scroll = scrolled(view.scroll);
            Overlay::Cache(view)
        }
        other => other,
    };
    effects
}

/// Ask for the exact counts the open view lacks (each through the limiter, once a session).
fn count_exactly(model: &mut Model, overlay: &Overlay) -> Vec<Effect> {
    if let ExactState::Offline { reason } = &model.exact {
        let reason = reason.clone();
        notice(
            model,
            format!("offline ({reason}): exact counts need ANTHROPIC_API_KEY"),
        );
        return Vec::new();
    }
    let request = model.ws.to_request();
    let models: Vec<&ModelInfo> = match overlay {
        Overlay::Compare(view) => view.models.iter().map(|m| &m.model).collect(),
        Overlay::Cache(view) => vec![&view.counts.model],
        _ => return Vec::new(),
    };
    let jobs = missing_exact(&request, &models, &model.costs);
    if jobs.is_empty() {
        notice(model, "every figure shown is exact already".into());
        return Vec::new();
    }
    model.costs.pending += jobs.len();
    model.costs.failed = None;
    notice(
        model,
        format!("counting {} requests exactly (rate-limited)", jobs.len()),
    );
    vec![Effect::CountForCosts(jobs)]
}

/// An exact count for a cost view came back.
pub(super) fn on_counted(model: &mut Model, hash: String, result: Result<u64, String>) {
    model.costs.pending = model.costs.pending.saturating_sub(1);
    match result {
        Ok(tokens) => {
            model.costs.counts.insert(hash, tokens);
        }
        Err(e) => model.costs.failed = Some(e),
    }
}

/// Put or take away a cache breakpoint on the selected block (request pane), tool (tools
/// pane) or attachment (attachments pane).
pub(super) fn breakpoint(model: &mut Model) -> Vec<Effect> {
    let at = match model.pane {
        Pane::Request => match model.focus {
            Slot::System(i) => Position::System(i),
            Slot::Turn(message, block) => Position::Block { message, block },
        },
        Pane::Tools => Position::Tool(model.tool_sel),
        Pane::Attachments => match doc::attachments(&model.ws.request).get(model.attach_sel) {
            Some((Slot::Turn(message, block), _)) => Position::Block {
                message: *message,
                block: *block,
            },
            _ => {
                notice(model, "no attachment selected".into());
                return Vec::new();
            }
        },
        Pane::Breakdown => {
            notice(
                model,
                "breakpoints go on a block, a tool or an attachment: select it in its pane".into(),
            );
            return Vec::new();
        }
    };
    match toggle_breakpoint(&mut model.ws.request, at) {
        Ok(on) => {
            let minimum = Registry::builtin()
                .lookup(&model.ws.request.model)
                .min_cacheable_tokens
                .value;
            let text = if on {
                format!(
                    "cache breakpoint on {} (5m; caches from {} tokens on this model)",
                    at.path(),
                    crate::numbers::group(minimum)
                )
            } else {
                format!("cache breakpoint removed from {}", at.path())
            };
            notice(model, text);
            model.editor = None;
            structure_changed(model)
        }
        Err(e) => {
            notice(model, format!("{}: {e}", at.path()));
            Vec::new()
        }
    }
}
