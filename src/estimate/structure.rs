//! Everything in a request besides plain text: frame, turns, tools, blocks, attachments,
//! thinking, output formats. Walks a request once and fills an [`Estimate`], naming every
//! constant it uses.
//!
//! The API renders a request as text before counting it (see `render`): the parts before the
//! first turn (the tool-use prompt and tool definitions, thinking and output-format
//! instructions, the system prompt) are joined one separator each; every turn after the first
//! costs a turn separator; inside a turn, each text block, each run of tool calls and each run
//! of tool results is counted on its own and they are joined one block separator each. Images
//! and documents add their patches and wrappers. Texts are counted alone, so the workbench can
//! count each text once and recount only the one being edited.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::attachment_cache::AttachmentCache;
use super::thinking::{self, TurnShape};
use super::tools::{self, ChoiceColumn};
use super::{Estimate, EstimateOptions, Section, image, pdf, render, text};
use crate::registry::{ImageTier, ModelInfo, Registry, Rule, Structural};
use crate::request::limits::{
    MANY_IMAGES, MANY_IMAGES_MAX_SIDE as MAX_SIDE_WHEN_MANY, MAX_IMAGE_SIDE, ModelLimits,
};
use crate::request::{
    Content, ContentBlock, MediaBlock, Request, Role, Source, System, ToolResultBlock,
    ToolResultContent, ToolUseBlock,
};

/// One turn after merging consecutive same-role messages, with where each block came from.
struct Turn<'a> {
    role: Role,
    /// (path for messages, (message index, block index; 0 for a plain-string message), piece)
    pieces: Vec<(String, (usize, usize), Piece<'a>)>,
}

enum Piece<'a> {
    Text(&'a str),
    Block(&'a ContentBlock),
}

/// Which of the five breakdown buckets a count goes to (system and tools are set whole).
#[derive(Clone, Copy)]
enum Bucket {
    Messages,
    Attachments,
    Overhead,
}

/// What a turn's blocks are counted as: its texts and runs, each counted alone, each
/// belonging to the message it came from.
struct Group<'a> {
    message: usize,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Text(&'a str),
    Calls(Vec<&'a ToolUseBlock>),
    Results(Vec<&'a ToolResultBlock>),
    /// A counted thinking block's text.
    Thinking(&'a str),
    /// Tokens worked out already (search results, redacted thinking).
    Counted(i64),
    /// A text document: its tokens and where it is (message, block).
    Attachment(i64, (usize, usize)),
}

pub(crate) struct Walker<'a> {
    model: &'a ModelInfo,
    registry: &'static Registry,
    cache: &'a mut AttachmentCache,
    e: Estimate,
    /// Signed sums, so a negative constant cannot underflow mid-way.
    messages: i64,
    attachments: i64,
    overhead: i64,
    constants_used: BTreeSet<Structural>,
    images: usize,
    large_images: usize,
    pages_without_text: Vec<String>,
    /// The tool_choice column, for the rule on turns that open with a tool call.
    choice: ChoiceColumn,
    /// The opener token is paid once per request.
    opener_paid: bool,
    /// Tokens per section of the request (they add up to the total).
    sections: BTreeMap<Section, i64>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(
        model: &'a ModelInfo,
        registry: &'static Registry,
        cache: &'a mut AttachmentCache,
    ) -> Self {
        Walker {
            model,
            registry,
            cache,
            e: Estimate {
                family: model.family.name().to_string(),
                approximate: text::APPROXIMATE,
                ..Default::default()
            },
            messages: 0,
            attachments: 0,
            overhead: 0,
            constants_used: BTreeSet::new(),
            images: 0,
            large_images: 0,
            pages_without_text: Vec::new(),
            choice: ChoiceColumn::AutoNone,
            opener_paid: false,
            sections: BTreeMap::new(),
        }
    }

    fn text(&self, s: &str) -> i64 {
        i64::try_from(text::count_text(self.model.family, s)).unwrap_or(i64::MAX)
    }

    /// A structural constant's value: noted in `explain` once, and in `unverified` when it
    /// is not backed by a measurement for this model.
    fn constant(&mut self, name: Structural) -> f64 {
        let used = self.registry.constant_for(self.model, name);
        if self.constants_used.insert(name) {
            let c = used.constant;
            self.e.explain.push(if c.calibrated.is_some() {
                format!("{} = {} ({})", name.key(), c.value, c.source)
            } else {
                let whose = if used.model_specific {
                    format!("{}'s own", self.model.id)
                } else {
                    "global".to_string()
                };
                format!("{} = {} ({whose}: {})", name.key(), c.value, c.source)
            });
            if !used.verified {
                let why = if !c.measured {
                    "a guess".to_string()
                } else {
                    let families: Vec<&str> = c.families.iter().map(|f| f.name()).collect();
                    format!("measured on {} models only", families.join(", "))
                };
                self.e
                    .unverified
                    .push(format!("{} = {} ({why})", name.key(), c.value));
            }
        }
        used.constant.value
    }

    /// A whole-token constant used `times` times: its tokens, and the use recorded (the
    /// design of the count: what `budgie calibrate` and scripts/fit-structure.py solve for).
    fn times(&mut self, name: Structural, times: i64) -> i64 {
        let value = self.constant(name);
        *self.e.structure.entry(name).or_insert(0) += times;
        value.round() as i64 * times
    }

    fn problem(&mut self, path: &str, message: impl std::fmt::Display) {
        self.e.problems.push(format!("{path}: {message}"));
    }

    /// Tokens into a bucket of the breakdown and a section of the request.
    fn add(&mut self, bucket: Bucket, section: Section, tokens: i64) {
        match bucket {
            Bucket::Messages => self.messages += tokens,
            Bucket::Attachments => self.attachments += tokens,
            Bucket::Overhead => self.overhead += tokens,
        }
        self.section(section, tokens);
    }

    fn section(&mut self, section: Section, tokens: i64) {
        *self.sections.entry(section).or_insert(0) += tokens;
    }

    pub(crate) fn run(mut self, request: &Request, _options: &EstimateOptions) -> Estimate {
        let m = self.model;
        let frame_note = m
            .calibration
            .frame
            .as_ref()
            .map_or(String::new(), |f| format!(" ({})", f.describe()));
        self.e.explain.push(format!(
            "model {} → tokenizer family {}, message frame {}{frame_note}, image tier {}",
            m.id,
            m.family.name(),
            m.frame,
            m.image_tier.name(),
        ));
        if m.unverified {
            self.e.unverified.push(format!(
                "unknown model {}: counted as the newest family ({}) with its defaults",
                request.model,
                m.family.name()
            ));
        }
        self.choice = ChoiceColumn::of(request.tool_choice.as_ref());
        // The parts before the first turn, joined one separator each.
        let parts = [
            self.system(request),
            self.tools(request),
            self.thinking_config(request),
            self.output_format(request),
        ];
        let present = parts.iter().filter(|p| **p).count();
        if present > 1 {
            let n = self.times(Structural::SystemPartSeparator, present as i64 - 1);
            self.add(Bucket::Overhead, Section::Framing, n);
        }
        self.messages(request);
        self.finish()
    }

    /// The system prompt; whether it is one of the parts before the first turn (it is when it
    /// holds any text).
    fn system(&mut self, request: &Request) -> bool {
        let texts: Vec<&str> = match &request.system {
            None => return false,
            Some(System::Text(t)) => vec![t.as_str()],
            Some(System::Blocks(blocks)) => blocks.iter().map(|b| b.text.as_str()).collect(),
        };
        // Blocks are joined whether or not they hold text yet, so that each text can be
        // counted on its own (the workbench relies on it).
        if texts.len() > 1 {
            let n = self.times(Structural::BlockSeparator, texts.len() as i64 - 1);
            if !self.model.confirmed(Rule::SystemBlocksJoined) {
                self.e.unverified.push(
                    "system: blocks counted as joined like a turn's blocks (no recorded request has several)".into(),
                );
            }
            self.add(Bucket::Overhead, Section::Framing, n);
        }
        // Each text is counted even while empty (an empty text is the tokenizer's one
        // marker), as the workbench's skeleton expects; only a prompt with text is a part.
        let blocks = matches!(request.system, Some(System::Blocks(_)));
        let mut tokens = 0;
        for (i, t) in texts.iter().enumerate() {
            let n = self.text(t);
            self.section(Section::System(blocks.then_some(i)), n);
            tokens += n;
        }
        self.e.breakdown.system = tokens.max(0) as u64;
        texts.iter().any(|t| !t.is_empty())
    }

    fn tools(&mut self, request: &Request) -> bool {
        let Some(list) = &request.tools else {
            return false;
        };
        let mut custom = Vec::new();
        for (i, tool) in list.iter().enumerate() {
            if tool.is_custom() {
                custom.push(tool);
            } else {
                self.problem(
                    &format!("tools[{i}]"),
                    format!(
                        "server tool {} (type {}) cannot be counted offline; the rest is counted",
                        tool.name,
                        tool.kind.as_deref().unwrap_or("?")
                    ),
                );
                self.e.unverified.push(format!(
                    "tools[{i}]: server tool {} not counted offline",
                    tool.name
                ));
            }
        }
        if custom.is_empty() {
            return false;
        }
        let choice = request.tool_choice.as_ref();
        let column = ChoiceColumn::of(choice);
        let published = &self.model.tool_prompt;
        let prompt = match column {
            ChoiceColumn::AutoNone => published.auto_none,
            ChoiceColumn::AnyTool => published.any_tool,
        };
        let calibrated = self
            .model
            .calibrated_tool_prompt(column == ChoiceColumn::AnyTool);
        let source = calibrated.map_or_else(|| published.source.clone(), |c| c.describe());
        self.e.explain.push(format!(
            "tool-use prompt {prompt} tokens (tool_choice {}; {source})",
            column.name(),
        ));
        if !published.measured && calibrated.is_none() {
            self.e.unverified.push(format!(
                "tool-use prompt {prompt} ({}; not yet confirmed on recorded traffic for {})",
                published.source, self.model.id
            ));
        }
        // One line per tool, joined by newlines: each line is counted on its own and each
        // newline is one token (the joined text counts the same on every recorded request).
        let mut json_tokens = 0;
        for (i, tool) in custom.iter().enumerate() {
            let line = render::tool_definitions([*tool]);
            let n = self.text(&line) + i64::from(i > 0);
            self.section(Section::Tool(tool.name.clone()), n);
            json_tokens += n;
        }
        self.e.explain.push(format!(
            "{} tool definition(s) as <function> lines: {json_tokens} tokens",
            custom.len()
        ));
        let mut shared = i64::try_from(prompt).unwrap_or(i64::MAX)
            + self.times(Structural::ToolDefinitionsJoin, 1);
        if let Some(name) = tools::forced_tool(choice) {
            shared += self.times(Structural::ToolChoiceNamed, 1) + self.text(name);
        }
        if tools::parallel_disabled(choice) {
            shared += self.times(Structural::DisableParallelAdjustment, 1);
        }
        self.section(Section::Framing, shared);
        self.e.breakdown.tools = (shared + json_tokens).max(0) as u64;
        true
    }

    fn thinking_config(&mut self, request: &Request) -> bool {
        let Some(t) = &request.thinking else {
            return false;
        };
        match t.kind.as_str() {
            "disabled" => false,
            kind => {
                // A calibration sent both kinds and measured the one the model takes (the API
                // refuses the other).
                if kind != "enabled" && !self.model.calibrated(Structural::ThinkingConfig) {
                    self.e.unverified.push(format!(
                        "thinking {kind}: counted like enabled thinking (measured for enabled only)"
                    ));
                }
                let n = self.times(Structural::ThinkingConfig, 1);
                self.add(Bucket::Overhead, Section::Thinking, n);
                true
            }
        }
    }

    /// Structured outputs: `output_config.format` (or the beta `output_format`).
    fn output_format(&mut self, request: &Request) -> bool {
        let config = request.extra.get("output_config");
        let format = config
            .and_then(|c| c.get("format"))
            .or_else(|| request.extra.get("output_format"));
        if let Some(effort) = config.and_then(|c| c.get("effort")) {
            self.e.unverified.push(format!(
                "output_config.effort {effort}: not counted (no recorded request has one)"
            ));
        }
        let Some(format) = format.filter(|f| !f.is_null()) else {
            return false;
        };
        let Some(schema) = format.get("schema") else {
            self.problem(
                "output_config.format",
                "a json_schema format needs a schema; not counted",
            );
            return false;
        };
        let n = self.times(Structural::OutputFormatPrompt, 1)
            + self.text(&render::output_schema(schema));
        self.add(Bucket::Overhead, Section::OutputFormat, n);
        true
    }

    fn messages(&mut self, request: &Request) {
        let turns = merge_turns(request);
        if turns.is_empty() {
            return;
        }
        self.add(Bucket::Overhead, Section::Framing, self.model.frame as i64);
        if turns.len() > 1 {
            let n = self.times(Structural::TurnSeparator, turns.len() as i64 - 1);
            self.add(Bucket::Overhead, Section::Framing, n);
        }
        if turns.len() != request.messages.len() {
            self.e.explain.push(format!(
                "{} messages merged into {} turns (consecutive same-role turns are joined)",
                request.messages.len(),
                turns.len()
            ));
        }
        let shapes: Vec<TurnShape> = turns
            .iter()
            .map(|t| {
                TurnShape::of(
                    t.role,
                    t.pieces.iter().filter_map(|(_, _, p)| match p {
                        Piece::Block(b) => Some(*b),
                        Piece::Text(_) => None,
                    }),
                )
            })
            .collect();
        let keeps = self.model.thinking_keeps_prior_turns;
        let counts = thinking::thinking_counts(&shapes, keeps);
        self.e.explain.push(if keeps {
            "thinking: every assistant turn's thinking counts (2026 rule for this model)".into()
        } else {
            "thinking: only the current assistant turn's thinking counts (2025 rule)".into()
        });
        for (turn, thinking_counts) in turns.iter().zip(counts) {
            if turn.role == Role::System {
                let n = self.times(Structural::SystemMessageTurn, 1);
                self.add(Bucket::Overhead, Section::Framing, n);
            }
            let groups = self.groups(turn, thinking_counts);
            self.turn_groups(turn.role, groups);
        }
    }

    /// A turn's blocks as groups; images and PDFs are counted on the way.
    fn groups<'t>(&mut self, turn: &'t Turn<'t>, thinking_counts: bool) -> Vec<Group<'t>> {
        let mut groups: Vec<Group<'t>> = Vec::new();
        let last = turn.pieces.len().saturating_sub(1);
        for (i, (path, at, piece)) in turn.pieces.iter().enumerate() {
            let message = at.0;
            // Opus 5 does not count trailing ASCII whitespace at the end of a turn's text.
            let strip = self.model.strips_trailing_whitespace && i == last;
            let trim = |t: &'t str| {
                if strip {
                    t.trim_end_matches(is_ascii_ws)
                } else {
                    t
                }
            };
            let group = |kind: Kind<'t>| Group { message, kind };
            let block = match piece {
                Piece::Text(t) => {
                    groups.push(group(Kind::Text(trim(t))));
                    continue;
                }
                Piece::Block(b) => *b,
            };
            match block {
                ContentBlock::Text(t) => groups.push(group(Kind::Text(trim(&t.text)))),
                ContentBlock::ToolUse(call) => match groups.last_mut() {
                    Some(Group {
                        kind: Kind::Calls(run),
                        ..
                    }) => run.push(call),
                    _ => groups.push(group(Kind::Calls(vec![call]))),
                },
                ContentBlock::ToolResult(result) => {
                    self.result_attachments(path, *at, result);
                    match groups.last_mut() {
                        Some(Group {
                            kind: Kind::Results(run),
                            ..
                        }) => run.push(result),
                        _ => groups.push(group(Kind::Results(vec![result]))),
                    }
                }
                ContentBlock::Image(m) => {
                    if let Some(n) = self.image(path, m) {
                        groups.push(group(Kind::Attachment(n, *at)));
                    }
                }
                ContentBlock::Document(m) => {
                    if let Some(n) = self.document(path, m) {
                        groups.push(group(Kind::Attachment(n, *at)));
                    }
                }
                ContentBlock::Thinking(t) => {
                    if thinking_counts {
                        groups.push(group(Kind::Thinking(&t.thinking)));
                    }
                }
                ContentBlock::RedactedThinking(r) => {
                    if thinking_counts {
                        let per = self.constant(Structural::RedactedThinkingCharsPerToken);
                        let n = if per > 0.0 {
                            (r.data.len() as f64 / per).ceil() as i64
                        } else {
                            0
                        };
                        groups.push(group(Kind::Counted(n)));
                    }
                }
                ContentBlock::SearchResult(s) => {
                    let mut n = self.text(&s.source)
                        + self.text(&s.title)
                        + self.times(Structural::SearchResultWrapper, 1);
                    for c in &s.content {
                        n += self.text(&c.text);
                    }
                    groups.push(group(Kind::Counted(n)));
                }
                ContentBlock::Other(_) => {
                    let kind = block.kind().to_string();
                    self.problem(path, format!("unknown block type {kind:?}; not counted"));
                    self.e.unverified.push(format!(
                        "{path}: block of unknown type {kind:?} not counted"
                    ));
                }
            }
        }
        groups
    }

    /// Count a turn's groups: each alone, joined one block separator each, plus what a run
    /// of tool calls costs beyond its rendering.
    fn turn_groups(&mut self, role: Role, groups: Vec<Group<'_>>) {
        if groups.len() > 1 {
            let n = self.times(Structural::BlockSeparator, groups.len() as i64 - 1);
            self.add(Bucket::Overhead, Section::Framing, n);
        }
        let opens_with_call = matches!(
            groups.first(),
            Some(Group {
                kind: Kind::Calls(_),
                ..
            })
        );
        for group in &groups {
            let section = Section::Message(group.message);
            let n = match &group.kind {
                Kind::Text(t) => self.text(t),
                Kind::Thinking(t) => self.text(t) + self.times(Structural::ThinkingBlockWrapper, 1),
                Kind::Counted(n) => *n,
                Kind::Attachment(n, (i, j)) => {
                    self.add(Bucket::Attachments, Section::Attachment(*i, *j), *n);
                    continue;
                }
                Kind::Results(run) => self.text(&render::tool_results(run)),
                Kind::Calls(run) => {
                    let mut n = self.text(&render::tool_calls(run))
                        + self.times(Structural::ToolCallWrapper, 1);
                    if run.len() > 1 {
                        n += self.times(Structural::ParallelToolCall, run.len() as i64 - 1);
                    }
                    n
                }
            };
            self.add(Bucket::Messages, section, n);
        }
        if role == Role::Assistant
            && opens_with_call
            && self.choice == ChoiceColumn::AutoNone
            && !self.opener_paid
        {
            self.opener_paid = true;
            let n = self.times(Structural::ToolCallOpener, 1);
            self.add(Bucket::Overhead, Section::Framing, n);
        }
    }

    /// Images inside a tool result count as images.
    fn result_attachments(&mut self, path: &str, at: (usize, usize), result: &ToolResultBlock) {
        if let Some(ToolResultContent::Blocks(blocks)) = &result.content {
            for (j, b) in blocks.iter().enumerate() {
                match b {
                    ContentBlock::Image(m) => {
                        if let Some(n) = self.image(&format!("{path}.content[{j}]"), m) {
                            self.add(Bucket::Attachments, Section::Attachment(at.0, at.1), n);
                        }
                    }
                    ContentBlock::Document(m) => {
                        if let Some(n) = self.document(&format!("{path}.content[{j}]"), m) {
                            self.add(Bucket::Attachments, Section::Attachment(at.0, at.1), n);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// An image's tokens (its patches, row tokens and wrapper), or `None` when it cannot be
    /// counted (the reason is a problem).
    fn image(&mut self, path: &str, m: &MediaBlock) -> Option<i64> {
        let Some(data) = base64_data(path, &m.source, "image", &mut self.e.problems) else {
            self.e
                .unverified
                .push(format!("{path}: image not counted (no base64 data)"));
            return None;
        };
        let info = match self.cache.image(data) {
            Ok(info) => info,
            Err(err) => {
                self.problem(path, format!("image not counted: {err}"));
                self.e
                    .unverified
                    .push(format!("{path}: unreadable image not counted"));
                return None;
            }
        };
        if let Some(declared) = m.source.media_type.as_deref()
            && declared != info.format.media_type()
        {
            self.problem(
                path,
                format!(
                    "media_type says {declared} but the bytes are {}",
                    info.format.media_type()
                ),
            );
        }
        if info.width > MAX_IMAGE_SIDE || info.height > MAX_IMAGE_SIDE {
            self.problem(
                path,
                format!(
                    "{}x{} px is over the API's {MAX_IMAGE_SIDE} px limit",
                    info.width, info.height
                ),
            );
        }
        self.images += 1;
        if info.width > MAX_SIDE_WHEN_MANY || info.height > MAX_SIDE_WHEN_MANY {
            self.large_images += 1;
        }
        let tier = self.model.image_tier;
        let rule = self.registry.tier_rule(tier);
        let (w, h) = image::resized(info.width, info.height, rule);
        let (columns, rows) = image::patch_grid(info.width, info.height, rule);
        let row_tokens = self.times(Structural::ImageRowTokens, rows as i64);
        let wrapper = self.times(Structural::ImageWrapper, 1);
        let tokens = i64::try_from(columns * rows).unwrap_or(i64::MAX) + row_tokens;
        self.e.explain.push(format!(
            "{path}: {} {}x{} px → {w}x{h} at the {} tier → {columns}x{rows} patches, {tokens} tokens + wrapper {wrapper}",
            info.format.media_type(),
            info.width,
            info.height,
            tier.name()
        ));
        Some(tokens + wrapper)
    }

    /// A document's tokens (a PDF, a text or a content document), or `None` when it cannot
    /// be counted (the reason is a problem).
    fn document(&mut self, path: &str, m: &MediaBlock) -> Option<i64> {
        let mut titles = 0;
        for field in ["title", "context"] {
            if let Some(Value::String(s)) = m.extra.get(field) {
                titles += self.text(s);
            }
        }
        match m.source.kind.as_str() {
            "text" => {
                let n = self.text(m.source.data.as_deref().unwrap_or(""))
                    + self.times(Structural::DocumentTextWrapper, 1)
                    + titles;
                self.e.unverified.push(format!(
                    "{path}: a text document is counted as its text and the PDF text wrapper (no recorded request has one)"
                ));
                Some(n)
            }
            "content" => {
                let mut n = self.times(Structural::DocumentTextWrapper, 1) + titles;
                for b in m.source.content.iter().flatten() {
                    if let ContentBlock::Text(t) = b {
                        n += self.text(&t.text);
                    }
                }
                self.e.unverified.push(format!(
                    "{path}: a content document is counted as its texts and the PDF text wrapper (no recorded request has one)"
                ));
                Some(n)
            }
            _ => self.pdf(path, &m.source).map(|n| n + titles),
        }
    }

    fn pdf(&mut self, path: &str, source: &Source) -> Option<i64> {
        let Some(data) = base64_data(path, source, "document", &mut self.e.problems) else {
            self.e
                .unverified
                .push(format!("{path}: document not counted (no base64 data)"));
            return None;
        };
        if let Some(mt) = source.media_type.as_deref()
            && mt != "application/pdf"
        {
            self.problem(
                path,
                format!("a base64 document must be application/pdf, not {mt}"),
            );
        }
        let family = self.model.family;
        let (sizes, text_tokens, empty_pages) = match self.cache.pdf(data) {
            Ok(entry) => {
                let tokens = entry.text_tokens(family);
                let empty: Vec<usize> = entry
                    .info
                    .text_per_page
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.trim().is_empty())
                    .map(|(i, _)| i + 1)
                    .collect();
                (entry.info.page_sizes.clone(), tokens, empty)
            }
            Err(err) => {
                self.problem(path, format!("PDF not counted: {err}"));
                self.e
                    .unverified
                    .push(format!("{path}: unreadable PDF not counted"));
                return None;
            }
        };
        let pages = sizes.len();
        let limit = ModelLimits::for_context_window(self.model.context_window).pdf_pages;
        if pages > limit {
            self.problem(
                path,
                format!("{pages} pages is over the API's {limit}-page limit for this model"),
            );
        }
        let dpi = self.constant(Structural::PdfPageDpi);
        let tier = self.model.image_tier;
        let rule = self.registry.tier_rule(tier);
        let (patches, rows) = sizes.iter().fold((0i64, 0i64), |(patches, rows), &(w, h)| {
            let (c, r) = pdf::page_patch_grid(w, h, dpi, rule);
            (patches + (c * r) as i64, rows + r as i64)
        });
        let image_tokens = patches + self.times(Structural::ImageRowTokens, rows);
        let text_total: i64 = text_tokens.iter().map(|&t| t as i64).sum();
        let mut wrapper = self.times(Structural::DocumentWrapper, 1);
        if text_total > 0 {
            wrapper += self.times(Structural::DocumentTextWrapper, 1);
        }
        self.e.explain.push(format!(
            "{path}: PDF of {pages} page(s): text {text_total} tokens + page images {image_tokens} tokens ({dpi} dpi, {} tier) + wrapper {wrapper}",
            tier.name()
        ));
        if pages > 1 && !self.model.confirmed(Rule::PdfWrappersOncePerDocument) {
            self.e.unverified.push(format!(
                "{path}: {pages} pages: the wrappers were measured on one-page PDFs only"
            ));
        }
        if tier == ImageTier::High && !self.model.calibrated(Structural::PdfPageDpi) {
            self.e.unverified.push(format!(
                "{path}: PDF page images at the high tier depend on the guessed {dpi} dpi"
            ));
        }
        if !empty_pages.is_empty() && pages > 1 {
            let list = empty_pages
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            self.pages_without_text
                .push(format!("{path} page(s) {list}"));
        }
        Some(text_total + image_tokens + wrapper)
    }

    fn finish(mut self) -> Estimate {
        if self.images > MANY_IMAGES && self.large_images > 0 {
            self.e.problems.push(format!(
                "request: {} images, and with more than {MANY_IMAGES} each must be at most {MAX_SIDE_WHEN_MANY} px a side ({} are larger)",
                self.images, self.large_images
            ));
        }
        for p in std::mem::take(&mut self.pages_without_text) {
            self.e.unverified.push(format!(
                "{p}: no extractable text (a scan?); only the page image is counted"
            ));
        }
        let b = &mut self.e.breakdown;
        b.messages = self.messages.max(0) as u64;
        b.attachments = self.attachments.max(0) as u64;
        b.overhead = self.overhead.max(0) as u64;
        self.e.input_tokens = b.system + b.tools + b.messages + b.attachments + b.overhead;
        self.e.sections = self.sections.into_iter().collect();
        self.e
    }
}

fn is_ascii_ws(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// The base64 data of an image or document source, or a problem saying why there is none.
fn base64_data<'s>(
    path: &str,
    source: &'s Source,
    what: &str,
    problems: &mut Vec<String>,
) -> Option<&'s str> {
    match (source.kind.as_str(), source.data.as_deref()) {
        ("base64", Some(data)) => Some(data),
        ("url" | "file", _) => {
            problems.push(format!(
                "{path}: count_tokens rejects {what} sources of type {}; send it as base64 to count it",
                source.kind
            ));
            None
        }
        (kind, _) => {
            problems.push(format!(
                "{path}: {what} source of type {kind:?} has no base64 data"
            ));
            None
        }
    }
}

/// The request's messages as turns: consecutive same-role messages are joined, as the API
/// joins them.
fn merge_turns(request: &Request) -> Vec<Turn<'_>> {
    let mut turns: Vec<Turn> = Vec::new();
    for (i, message) in request.messages.iter().enumerate() {
        let pieces: Vec<(String, (usize, usize), Piece)> = match &message.content {
            Content::Text(t) => vec![(format!("messages[{i}].content"), (i, 0), Piece::Text(t))],
            Content::Blocks(blocks) => blocks
                .iter()
                .enumerate()
                .map(|(j, b)| {
                    (
                        format!("messages[{i}].content[{j}]"),
                        (i, j),
                        Piece::Block(b),
                    )
                })
                .collect(),
        };
        match turns.last_mut() {
            Some(turn) if turn.role == message.role => turn.pieces.extend(pieces),
            _ => turns.push(Turn {
                role: message.role,
                pieces,
            }),
        }
    }
    turns
}

/// The message blocks whose trailing ASCII whitespace `model` leaves uncounted — the last block
/// of each merged turn, as (message index, block index; 0 for a plain-string message) — or
/// none where the model counts it. The estimate applies the same rule.
pub fn trailing_whitespace_uncounted(request: &Request, model: &ModelInfo) -> Vec<(usize, usize)> {
    if !model.strips_trailing_whitespace {
        return Vec::new();
    }
    merge_turns(request)
        .iter()
        .filter_map(|turn| turn.pieces.last().map(|(_, at, _)| *at))
        .collect()
}
