//! The breakdown pane: moving through its sections, jumping to one, asking for exact figures
//! (`B`: leave-one-out counts through the limiter) and their news; and the what-if, the
//! change a structural edit made, shown beside the total.

use super::commands::{focus_pane, open_prompt, step, toggle_attachment, toggle_tool};
use super::notice;
use crate::app::breakdown::{self, Attribution, Jump};
use crate::app::model::{ExactState, Model, Pane, PromptKind};
use crate::app::msg::{AttributionEvent, Effect};

pub(super) fn move_selection(model: &mut Model, delta: isize) {
    let rows = breakdown::rows(model).0.len();
    model.breakdown_sel = step(model.breakdown_sel, delta, rows);
}

/// The selected section's jump target.
fn selected(model: &Model) -> Option<Jump> {
    let (rows, _) = breakdown::rows(model);
    rows.get(model.breakdown_sel)?.jump
}

/// Enter: go to the selected section (its block, tool or attachment; the thinking prompt).
pub(super) fn go_to(model: &mut Model) -> Vec<Effect> {
    match selected(model) {
        Some(Jump::Block(slot)) => {
            focus_pane(model, Pane::Request);
            model.focus = slot;
            model.editor = None;
        }
        Some(Jump::Tool(i)) if model.pane_drawn(Pane::Tools) => {
            focus_pane(model, Pane::Tools);
            model.tool_sel = i;
        }
        Some(Jump::Attachment(i)) if model.pane_drawn(Pane::Attachments) => {
            focus_pane(model, Pane::Attachments);
            model.attach_sel = i;
        }
        Some(Jump::Thinking) => {
            let current = model
                .thinking_budget()
                .map(|b| b.to_string())
                .unwrap_or_default();
            open_prompt(model, PromptKind::Thinking, current);
        }
        Some(Jump::Tool(_) | Jump::Attachment(_)) => {
            notice(model, "that pane needs a larger terminal".into());
        }
        None => notice(
            model,
            "framing belongs to no one part: the message frame, the joins between parts, and \
             the tool-use prompt"
                .into(),
        ),
    }
    Vec::new()
}

/// Space on a tool or attachment row switches it, as in its own pane.
pub(super) fn toggle(model: &mut Model) -> Vec<Effect> {
    match selected(model) {
        Some(Jump::Tool(i)) => toggle_tool(model, i),
        Some(Jump::Attachment(i)) => toggle_attachment(model, i),
        _ => {
            notice(model, "only tools and attachments switch on and off".into());
            Vec::new()
        }
    }
}

/// `B`: attribute the request exactly; again while it runs: stop.
pub(super) fn attribute(model: &mut Model) -> Vec<Effect> {
    if let Attribution::Running { .. } = model.attribution {
        model.attribution = Attribution::Idle;
        notice(model, "exact attribution stopped".into());
        return vec![Effect::CancelAttribution];
    }
    if let ExactState::Offline { reason } = &model.exact {
        let text = format!("exact attribution needs the API ({reason}); the figures are offline");
        notice(model, text);
        return Vec::new();
    }
    if breakdown::exact_shares(model).is_some() {
        notice(
            model,
            "the breakdown is already exact for this content".into(),
        );
        return Vec::new();
    }
    let request = model.ws.to_request();
    let estimate = crate::estimate::estimate(&request);
    let of = crate::attribution::plan(&request, &estimate).len() + 1;
    model.attribution = Attribution::Running {
        revision: model.revision,
        done: 0,
        of,
    };
    vec![Effect::Attribute {
        revision: model.revision,
        request: Box::new(request),
    }]
}

pub(super) fn on_event(model: &mut Model, event: AttributionEvent) {
    match event {
        AttributionEvent::Progress { revision, done, of } => {
            if matches!(model.attribution, Attribution::Running { revision: r, .. } if r == revision)
            {
                model.attribution = Attribution::Running { revision, done, of };
            }
        }
        AttributionEvent::Done {
            revision,
            total,
            shares,
        } => {
            if matches!(model.attribution, Attribution::Running { revision: r, .. } if r == revision)
            {
                let stale = revision != model.revision;
                model.attribution = Attribution::Exact {
                    revision,
                    total,
                    shares,
                };
                model.breakdown_sel = 0;
                notice(
                    model,
                    if stale {
                        "attributed, but the request changed meanwhile: the figures shown are offline".into()
                    } else {
                        "the breakdown is exact now (leave-one-out counts)".into()
                    },
                );
            }
        }
        AttributionEvent::Failed { revision, message } => {
            if matches!(model.attribution, Attribution::Running { revision: r, .. } if r == revision)
            {
                super::log(model, format!("exact attribution failed: {message}"));
                model.attribution = Attribution::Failed { message };
            }
        }
    }
}

/// After a structural edit: the change it made to the total, kept beside the total for a
/// few seconds; said in words for the status line ("−387 tokens (−$0.0012 per request)").
/// `None` when the total did not move.
pub(super) fn delta_since(model: &mut Model, before: u64) -> Option<String> {
    let delta = model.offline.total() as i64 - before as i64;
    model.last_delta = breakdown::stamp(delta, model.now);
    (delta != 0).then(|| breakdown::delta_text(model, delta))
}

/// ": −387 tokens (−$0.0012 per request)" when the last edit moved the total just now.
pub(super) fn recent_delta_text(model: &Model) -> String {
    breakdown::recent_delta(model)
        .map(|d| format!(": {}", breakdown::delta_text(model, d)))
        .unwrap_or_default()
}
