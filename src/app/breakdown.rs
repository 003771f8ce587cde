//! Where the tokens go, in the workbench: the count per section (system, each tool, each
//! turn, each attachment, thinking, framing), largest first; exact figures once the request
//! has been attributed (leave-one-out counts, `attribution::exact`), offline ones otherwise;
//! where selecting a section jumps; and what switching a tool, an attachment or thinking
//! would change (the what-if).

use std::time::{Duration, Instant};

use super::doc::{self, Slot};
use super::model::Model;
use crate::attribution::{Share, Source};
use crate::estimate::Section;
use crate::request::{Content, ContentBlock, Request, Role};
use crate::workspace::{Workspace, block_enabled};

/// How long the change a structural edit made stays beside the total.
pub const DELTA_SHOWN_FOR: Duration = Duration::from_secs(6);

/// Where the exact attribution stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Attribution {
    /// Never asked (or the content changed since: offline figures).
    #[default]
    Idle,
    /// Counting: `done` of `of` counts, for the content of `revision`.
    Running {
        revision: u64,
        done: usize,
        of: usize,
    },
    /// Exact shares of the content of `revision` (they sum to `total`).
    Exact {
        revision: u64,
        total: u64,
        shares: Vec<Share>,
    },
    /// The last attribution stopped on an error.
    Failed { message: String },
}

/// One row of the breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub section: Section,
    /// "tool get_weather", "turn 3 (user)", "image in turn 1"…
    pub label: String,
    pub tokens: i64,
    pub source: Source,
    /// What stood in for the section in its leave-one-out count, if anything.
    pub note: Option<String>,
    /// Where selecting the row goes (`None`: framing, which belongs to no one part).
    pub jump: Option<Jump>,
}

/// What selecting a row jumps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    /// A block in the request pane.
    Block(Slot),
    /// A tool in the tools pane (its index in the request's tools).
    Tool(usize),
    /// An attachment in the attachments pane (its index in `doc::attachments`).
    Attachment(usize),
    /// The thinking setting (its prompt).
    Thinking,
}

/// The rows, largest first, and the total they add up to: exact when the current content
/// has been attributed, else offline.
pub fn rows(model: &Model) -> (Vec<Row>, u64) {
    if let Some((total, shares)) = exact_shares(model) {
        let mut rows: Vec<Row> = shares
            .iter()
            .map(|share| Row {
                label: label(&share.section, &model.ws),
                jump: jump(&share.section, &model.ws),
                section: share.section.clone(),
                tokens: share.tokens,
                source: Source::Exact,
                note: share.note.clone(),
            })
            .collect();
        largest_first(&mut rows);
        return (rows, total);
    }
    let mut rows: Vec<Row> = model
        .offline
        .sections(&model.ws)
        .into_iter()
        .filter(|(section, tokens)| *tokens != 0 || *section != Section::Framing)
        .map(|(section, tokens)| Row {
            label: label(&section, &model.ws),
            jump: jump(&section, &model.ws),
            section,
            tokens,
            source: Source::Offline,
            note: None,
        })
        .collect();
    largest_first(&mut rows);
    (rows, model.offline.total())
}

/// What a block's header shows: its turn's section (the system prompt's, all its blocks), as
/// the breakdown counts it.
pub fn header_figure(model: &Model, slot: Slot) -> (i64, Source) {
    let (rows, _) = rows(model);
    let mine = |section: &Section| match slot {
        Slot::System(_) => matches!(section, Section::System(_)),
        Slot::Turn(t, _) => *section == Section::Message(t),
    };
    let tokens = rows
        .iter()
        .filter(|r| mine(&r.section))
        .map(|r| r.tokens)
        .sum();
    let source = if exact_shares(model).is_some() {
        Source::Exact
    } else {
        Source::Offline
    };
    (tokens, source)
}

/// The exact shares, when they are of the content shown now.
pub fn exact_shares(model: &Model) -> Option<(u64, &[Share])> {
    match &model.attribution {
        Attribution::Exact {
            revision,
            total,
            shares,
        } if *revision == model.revision => Some((*total, shares.as_slice())),
        _ => None,
    }
}

fn largest_first(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        b.tokens
            .cmp(&a.tokens)
            .then_with(|| a.section.cmp(&b.section))
            .then_with(|| a.label.cmp(&b.label))
    });
}

/// A section in the words the screen uses.
pub fn label(section: &Section, ws: &Workspace) -> String {
    let request = &ws.request;
    match section {
        Section::System(None) => "system".into(),
        Section::System(Some(i)) => format!("system block {}", i + 1),
        Section::Tool(name) => format!("tool {name}"),
        Section::Message(i) => format!("turn {} ({})", i + 1, role_name(request, *i)),
        Section::Attachment(i, j) => {
            let kind = workspace_block(ws, *i, *j)
                .and_then(|b| block(request, *i, b))
                .map_or("attachment", |block| match block {
                    ContentBlock::Image(_) => "image",
                    ContentBlock::Document(_) => "document",
                    _ => "attachment",
                });
            format!("{kind} in turn {}", i + 1)
        }
        Section::Thinking => "thinking".into(),
        Section::OutputFormat => "output format".into(),
        // The same section as `budgie count --breakdown`'s framing; with tools on, most of
        // it is the tool-use prompt.
        Section::Framing
            if ws
                .request
                .tools
                .iter()
                .flatten()
                .any(|t| !ws.disabled_tools.contains(&t.name)) =>
        {
            "framing + tool-use prompt".into()
        }
        Section::Framing => "framing".into(),
    }
}

fn role_name(request: &Request, i: usize) -> &'static str {
    match request.messages.get(i).map(|m| m.role) {
        Some(Role::User) => "user",
        Some(Role::Assistant) => "assistant",
        Some(Role::System) => "system",
        None => "?",
    }
}

fn block(request: &Request, message: usize, index: usize) -> Option<&ContentBlock> {
    match &request.messages.get(message)?.content {
        Content::Blocks(blocks) => blocks.get(index),
        Content::Text(_) => None,
    }
}

/// The workspace's index of block `sent` of message `message` in the request sent (which
/// leaves out switched-off attachments).
fn workspace_block(ws: &Workspace, message: usize, sent: usize) -> Option<usize> {
    match &ws.request.messages.get(message)?.content {
        Content::Blocks(blocks) => blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| block_enabled(b))
            .nth(sent)
            .map(|(i, _)| i),
        Content::Text(_) => (sent == 0).then_some(0),
    }
}

/// Where selecting `section` goes; `None` for framing (it belongs to no one part).
pub fn jump(section: &Section, ws: &Workspace) -> Option<Jump> {
    let request = &ws.request;
    match section {
        Section::System(i) => Some(Jump::Block(Slot::System(i.unwrap_or(0)))),
        Section::Tool(name) => request
            .tools
            .as_ref()?
            .iter()
            .position(|t| t.name == *name)
            .map(Jump::Tool),
        Section::Message(i) => doc::slots(request)
            .into_iter()
            .find(|s| s.turn() == Some(*i))
            .map(Jump::Block),
        Section::Attachment(i, j) => {
            let b = workspace_block(ws, *i, *j)?;
            doc::attachments(request)
                .iter()
                .position(|(slot, _)| *slot == Slot::Turn(*i, b))
                .map(Jump::Attachment)
        }
        Section::Thinking => Some(Jump::Thinking),
        Section::OutputFormat | Section::Framing => None,
    }
}

/// What switching the selected tool (or attachment) would change the total by: its exact
/// leave-one-out share when the content has been attributed and it is on, else the offline
/// difference. `None` when nothing is selected.
pub fn toggle_tool_delta(model: &Model, index: usize) -> Option<(i64, Source)> {
    let tool = model.ws.request.tools.as_ref()?.get(index)?;
    let on = !model.ws.disabled_tools.contains(&tool.name);
    if on && let Some(exact) = exact_delta(model, &Section::Tool(tool.name.clone())) {
        return Some((exact, Source::Exact));
    }
    let delta = *model.offline.tool_switch.get(&tool.name)?;
    Some((delta, Source::Offline))
}

/// [`toggle_tool_delta`] for the attachment at `index` in `doc::attachments`.
pub fn toggle_attachment_delta(model: &Model, index: usize) -> Option<(i64, Source)> {
    let (slot, block) = *doc::attachments(&model.ws.request).get(index)?;
    let on = block_enabled(block);
    if on
        && let Some(section) = sent_attachment_section(&model.ws, slot)
        && let Some(exact) = exact_delta(model, &section)
    {
        return Some((exact, Source::Exact));
    }
    let cost = i64::try_from(*model.offline.attachment_costs.get(&slot)?).unwrap_or(0);
    Some((if on { -cost } else { cost }, Source::Offline))
}

/// The section an attachment that is on has in the request sent.
fn sent_attachment_section(ws: &Workspace, slot: Slot) -> Option<Section> {
    let Slot::Turn(t, b) = slot else { return None };
    let Content::Blocks(blocks) = &ws.request.messages.get(t)?.content else {
        return None;
    };
    let sent = blocks[..b].iter().filter(|x| block_enabled(x)).count();
    Some(Section::Attachment(t, sent))
}

/// Minus the exact share of `section` (switching it off saves that much), when attributed
/// without a stand-in.
fn exact_delta(model: &Model, section: &Section) -> Option<i64> {
    let (_, shares) = exact_shares(model)?;
    let share = shares
        .iter()
        .find(|s| s.section == *section && s.note.is_none())?;
    Some(-share.tokens)
}

/// "−387 tokens (−$0.0012 per request)": a change of the total, with what it means per
/// request at the model's input price.
pub fn delta_text(model: &Model, delta: i64) -> String {
    let info = model.model_info();
    let dollars = delta as f64 * info.input_price_per_mtok / 1_000_000.0;
    let sign = if delta < 0 { "−" } else { "+" };
    format!(
        "{sign}{} tokens ({sign}${:.4} per request)",
        crate::numbers::group(delta.unsigned_abs()),
        dollars.abs()
    )
}

/// The change the last structural edit made, while it is shown (a few seconds).
pub fn recent_delta(model: &Model) -> Option<i64> {
    let (delta, at) = model.last_delta?;
    (model.now.saturating_duration_since(at) < DELTA_SHOWN_FOR).then_some(delta)
}

/// How long an attribution of `left` more counts takes at the limiter's rate.
pub fn time_left(left: usize, rpm: u32) -> Duration {
    Duration::from_secs_f64(left as f64 * 60.0 / f64::from(rpm.max(1)))
}

/// "attributing 12/30 · 11 s left at 100/min"
pub fn progress_text(done: usize, of: usize, rpm: u32) -> String {
    let left = time_left(of.saturating_sub(done), rpm).as_secs_f64().ceil();
    format!("attributing {done}/{of} · {left} s left at {rpm}/min")
}

/// When the change was made, for [`recent_delta`].
pub fn stamp(delta: i64, now: Instant) -> Option<(i64, Instant)> {
    (delta != 0).then_some((delta, now))
}
