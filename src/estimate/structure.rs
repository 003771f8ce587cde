//! Everything in a request besides plain text: frame, turns, tools, blocks, attachments,
//! thinking. Walks a request once and fills an [`Estimate`], naming every constant it uses.

use std::collections::BTreeSet;

use serde_json::Value;

use super::attachment_cache::AttachmentCache;
use super::image;
use super::pdf;
use super::thinking::{self, TurnShape};
use super::tools::{self, ChoiceColumn};
use super::{Estimate, EstimateOptions, text};
use crate::registry::{Constant, ImageTier, ModelInfo, Registry};
use crate::request::limits::{
    MANY_IMAGES, MANY_IMAGES_MAX_SIDE as MAX_SIDE_WHEN_MANY, MAX_IMAGE_SIDE, ModelLimits,
};
use crate::request::{
    Content, ContentBlock, MediaBlock, Request, Role, Source, System, ToolResultContent,
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

/// Which section of the breakdown a count goes to.
#[derive(Clone, Copy)]
enum Section {
    Messages,
    Attachments,
}

pub(crate) struct Walker<'a> {
    model: &'a ModelInfo,
    registry: &'static Registry,
    cache: &'a mut AttachmentCache,
    e: Estimate,
    /// Signed sums, so a negative fitted constant cannot underflow mid-way.
    messages: i64,
    attachments: i64,
    constants_used: BTreeSet<&'static str>,
    images: usize,
    large_images: usize,
    pages_without_text: Vec<String>,
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
            constants_used: BTreeSet::new(),
            images: 0,
            large_images: 0,
            pages_without_text: Vec::new(),
        }
    }

    fn text(&self, s: &str) -> i64 {
        i64::try_from(text::count_text(self.model.family, s)).unwrap_or(i64::MAX)
    }

    /// Use a constant: note it in `explain` once, and in `unverified` when it is a guess.
    fn constant(
        &mut self,
        name: &'static str,
        pick: fn(&Registry) -> &Constant,
    ) -> &'static Constant {
        let c = pick(self.registry);
        if self.constants_used.insert(name) {
            self.e
                .explain
                .push(format!("{name} = {} ({})", c.value, c.source));
            if !c.measured {
                // The short form; `--explain` carries the source in full.
                let kind = c.source.split(':').next().unwrap_or("guess");
                self.e
                    .unverified
                    .push(format!("{name} = {} ({kind})", c.value));
            }
        }
        c
    }

    fn problem(&mut self, path: &str, message: impl std::fmt::Display) {
        self.e.problems.push(format!("{path}: {message}"));
    }

    fn add(&mut self, section: Section, tokens: i64) {
        match section {
            Section::Messages => self.messages += tokens,
            Section::Attachments => self.attachments += tokens,
        }
    }

    pub(crate) fn run(mut self, request: &Request, options: &EstimateOptions) -> Estimate {
        let m = self.model;
        self.e.explain.push(format!(
            "model {} → tokenizer family {}, message frame {}, image tier {}{}",
            m.id,
            m.family.name(),
            m.frame,
            m.image_tier.name(),
            if text::APPROXIMATE {
                " (text approximated: the tokenizer is not built in yet)"
            } else {
                ""
            }
        ));
        if m.unverified {
            self.e.unverified.push(format!(
                "unknown model {}: counted as the newest family ({}) with its defaults",
                request.model,
                m.family.name()
            ));
        }
        self.system(request);
        self.tools(request, options);
        self.messages(request);
        self.thinking_config(request);
        self.finish()
    }

    fn system(&mut self, request: &Request) {
        let tokens = match &request.system {
            None => 0,
            Some(System::Text(t)) => self.text(t),
            Some(System::Blocks(blocks)) => blocks.iter().map(|b| self.text(&b.text)).sum(),
        };
        self.e.breakdown.system = tokens.max(0) as u64;
    }

    fn tools(&mut self, request: &Request, options: &EstimateOptions) {
        let Some(list) = &request.tools else { return };
        let mut json_tokens = 0i64;
        let mut custom = 0usize;
        for (i, tool) in list.iter().enumerate() {
            if tool.is_custom() {
                custom += 1;
                json_tokens += self.text(&tools::tool_json(tool));
            } else {
                self.problem(
                    &format!("tools[{i}]"),
                    format!(
                        "count_tokens rejects server tools ({} is of type {}); not counted",
                        tool.name,
                        tool.kind.as_deref().unwrap_or("?")
                    ),
                );
            }
        }
        if custom == 0 {
            return;
        }
        let in_force = self.registry.tool_table_in_force();
        let table = options
            .tool_table
            .or(self.model.default_tool_table)
            .unwrap_or(in_force.table);
        let column = ChoiceColumn::of(request.tool_choice.as_ref());
        let prompt = tools::tool_prompt(self.model, table, in_force.table, column);
        self.e.explain.push(format!(
            "tool-use prompt {} tokens ({} table, tool_choice {}; source: {}; table in force: {} — {})",
            prompt.tokens,
            prompt.table.name(),
            column.name(),
            prompt.source,
            in_force.table.name(),
            in_force.source
        ));
        if let Some(doubt) = prompt.doubt {
            self.e.unverified.push(doubt);
        }
        self.e.explain.push(format!(
            "{custom} tool definition(s) as compact JSON: {json_tokens} tokens"
        ));
        let adjust = self
            .constant("tools_json_adjustment", |r| {
                &r.constants().tools_json_adjustment
            })
            .tokens();
        let total = i64::try_from(prompt.tokens).unwrap_or(i64::MAX) + json_tokens + adjust;
        self.e.breakdown.tools = total.max(0) as u64;
    }

    fn messages(&mut self, request: &Request) {
        let turns = merge_turns(request);
        if turns.is_empty() {
            return;
        }
        self.e.breakdown.overhead += self.model.frame;
        if turns.len() > 1 {
            let per_turn = self
                .constant("per_turn_overhead", |r| &r.constants().per_turn_overhead)
                .tokens();
            let extra = per_turn * (turns.len() as i64 - 1);
            self.e.breakdown.overhead += extra.max(0) as u64;
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
            let last = turn.pieces.len().saturating_sub(1);
            for (i, (path, _, piece)) in turn.pieces.iter().enumerate() {
                // Opus 5 does not count trailing ASCII whitespace at the end of a turn's text.
                let strip = self.model.strips_trailing_whitespace && i == last;
                match piece {
                    Piece::Text(t) => {
                        let t = if strip {
                            t.trim_end_matches(is_ascii_ws)
                        } else {
                            t
                        };
                        let n = self.text(t);
                        self.add(Section::Messages, n);
                    }
                    Piece::Block(b) => self.block(path, b, thinking_counts, strip),
                }
            }
        }
    }

    fn block(&mut self, path: &str, block: &ContentBlock, thinking_counts: bool, strip: bool) {
        match block {
            ContentBlock::Text(t) => {
                let s = if strip {
                    t.text.trim_end_matches(is_ascii_ws)
                } else {
                    &t.text
                };
                let n = self.text(s);
                self.add(Section::Messages, n);
            }
            ContentBlock::Image(m) => self.image(path, m),
            ContentBlock::Document(m) => self.document(path, m),
            ContentBlock::ToolUse(t) => {
                let n = self.text(&t.name) + self.text(&t.input.to_string());
                let w = self
                    .constant("tool_use_wrapper", |r| &r.constants().tool_use_wrapper)
                    .tokens();
                self.add(Section::Messages, n + w);
            }
            ContentBlock::ToolResult(r) => {
                let w = self
                    .constant("tool_result_wrapper", |r| {
                        &r.constants().tool_result_wrapper
                    })
                    .tokens();
                self.add(Section::Messages, w);
                match &r.content {
                    None => {}
                    Some(ToolResultContent::Text(t)) => {
                        let n = self.text(t);
                        self.add(Section::Messages, n);
                    }
                    Some(ToolResultContent::Blocks(blocks)) => {
                        for (j, b) in blocks.iter().enumerate() {
                            self.block(&format!("{path}.content[{j}]"), b, thinking_counts, false);
                        }
                    }
                }
            }
            ContentBlock::Thinking(t) => {
                if thinking_counts {
                    let w = self
                        .constant("thinking_wrapper", |r| &r.constants().thinking_wrapper)
                        .tokens();
                    let n = self.text(&t.thinking);
                    self.add(Section::Messages, n + w);
                }
            }
            ContentBlock::RedactedThinking(r) => {
                if thinking_counts {
                    let per = self
                        .constant("redacted_thinking_chars_per_token", |r| {
                            &r.constants().redacted_thinking_chars_per_token
                        })
                        .value;
                    let n = if per > 0.0 {
                        (r.data.len() as f64 / per).ceil() as i64
                    } else {
                        0
                    };
                    self.add(Section::Messages, n);
                }
            }
            ContentBlock::SearchResult(s) => {
                let w = self
                    .constant("search_result_wrapper", |r| {
                        &r.constants().search_result_wrapper
                    })
                    .tokens();
                let mut n = self.text(&s.source) + self.text(&s.title) + w;
                for c in &s.content {
                    n += self.text(&c.text);
                }
                self.add(Section::Messages, n);
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

    fn image(&mut self, path: &str, m: &MediaBlock) {
        let Some(data) = base64_data(path, &m.source, "image", &mut self.e.problems) else {
            self.e
                .unverified
                .push(format!("{path}: image not counted (no base64 data)"));
            return;
        };
        let info = match self.cache.image(data) {
            Ok(info) => info,
            Err(err) => {
                self.problem(path, format!("image not counted: {err}"));
                self.e
                    .unverified
                    .push(format!("{path}: unreadable image not counted"));
                return;
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
        let tokens = image::tokens_for_rule(info.width, info.height, rule);
        let wrapper = self
            .constant("image_wrapper", |r| &r.constants().image_wrapper)
            .tokens();
        self.e.explain.push(format!(
            "{path}: {} {}x{} px → {w}x{h} at the {} tier → {tokens} tokens + wrapper {wrapper}",
            info.format.media_type(),
            info.width,
            info.height,
            tier.name()
        ));
        self.add(
            Section::Attachments,
            i64::try_from(tokens).unwrap_or(i64::MAX) + wrapper,
        );
    }

    fn document(&mut self, path: &str, m: &MediaBlock) {
        let wrapper = self
            .constant("document_wrapper", |r| &r.constants().document_wrapper)
            .tokens();
        self.add(Section::Attachments, wrapper);
        for field in ["title", "context"] {
            if let Some(Value::String(s)) = m.extra.get(field) {
                let n = self.text(s);
                self.add(Section::Attachments, n);
            }
        }
        match m.source.kind.as_str() {
            "text" => {
                let n = self.text(m.source.data.as_deref().unwrap_or(""));
                self.add(Section::Attachments, n);
            }
            "content" => {
                for (j, b) in m.source.content.iter().flatten().enumerate() {
                    let before = self.messages;
                    self.block(&format!("{path}.source.content[{j}]"), b, false, false);
                    // A document's content is an attachment, whatever its blocks are.
                    let moved = self.messages - before;
                    self.messages = before;
                    self.attachments += moved;
                }
            }
            _ => self.pdf(path, &m.source),
        }
    }

    fn pdf(&mut self, path: &str, source: &Source) {
        let Some(data) = base64_data(path, source, "document", &mut self.e.problems) else {
            self.e
                .unverified
                .push(format!("{path}: document not counted (no base64 data)"));
            return;
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
                return;
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
        let dpi = self
            .constant("pdf_page_dpi", |r| &r.constants().pdf_page_dpi)
            .value;
        let tier = self.model.image_tier;
        let rule = self.registry.tier_rule(tier);
        let image_tokens: u64 = sizes
            .iter()
            .map(|&(w, h)| pdf::page_image_tokens(w, h, dpi, rule))
            .sum();
        let text_total: u64 = text_tokens.iter().sum();
        self.e.explain.push(format!(
            "{path}: PDF of {pages} page(s): text {text_total} tokens + page images {image_tokens} tokens ({dpi} dpi, {} tier)",
            tier.name()
        ));
        if tier == ImageTier::High {
            self.e.unverified.push(format!(
                "{path}: PDF page images at the high tier depend on the guessed {dpi} dpi"
            ));
        }
        if !empty_pages.is_empty() {
            let list = empty_pages
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            self.pages_without_text
                .push(format!("{path} page(s) {list}"));
        }
        self.add(
            Section::Attachments,
            i64::try_from(text_total + image_tokens).unwrap_or(i64::MAX),
        );
    }

    fn thinking_config(&mut self, request: &Request) {
        let Some(t) = &request.thinking else { return };
        if t.kind == "disabled" {
            return;
        }
        let n = self
            .constant("thinking_config_overhead", |r| {
                &r.constants().thinking_config_overhead
            })
            .tokens();
        self.e.breakdown.overhead += n.max(0) as u64;
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
        self.e.input_tokens = b.system + b.tools + b.messages + b.attachments + b.overhead;
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
