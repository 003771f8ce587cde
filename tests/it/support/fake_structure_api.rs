//! A fake count_tokens API with its own hidden structure: it counts texts with budgie's
//! tokenizer (and renders tool definitions, calls, results and output schemas as budgie's
//! `render` does — that is text, not structure), but everything else — the frame, the
//! tool-use prompt, every separator and wrapper, the page resolution of PDFs — with values
//! of its own that differ from the ones budgie ships. The structure is walked here, over the
//! raw JSON, following docs/offline-structure.md; it shares no code with budgie's walker.
//!
//! Quirks make it misbehave on purpose: parallel calls that cost more each time (no one
//! constant explains them), or noise on some counts. Models can refuse features (400).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use budgie::estimate::text::count_text;
use budgie::estimate::{pdf, render};
use budgie::registry::{Family, Registry, TierRule};
use budgie::request::{ToolResultBlock, ToolUseBlock};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// One model's hidden structure.
#[derive(Debug, Clone)]
pub struct Hidden {
    pub frame: i64,
    pub auto_none: i64,
    pub any_tool: i64,
    pub join: i64,
    pub turn_separator: i64,
    pub block_separator: i64,
    pub system_part_separator: i64,
    pub tool_choice_named: i64,
    pub disable_parallel: i64,
    pub call_wrapper: i64,
    pub parallel_call: i64,
    pub opener: i64,
    pub thinking_config: i64,
    pub output_format_prompt: i64,
    pub image_wrapper: i64,
    pub image_row: i64,
    pub document_wrapper: i64,
    pub document_text_wrapper: i64,
    pub page_dpi: f64,
    pub thinking_block_wrapper: i64,
    pub search_result_wrapper: i64,
    pub system_message_turn: i64,
    /// Earlier assistant turns' thinking counts too.
    pub keeps_prior_thinking: bool,
    /// What is answered with 400: `thinking` (or one kind: `thinking:adaptive`),
    /// `output_config`, `search_result`, `system_message`.
    pub refuses: Vec<&'static str>,
}

impl Hidden {
    /// For claude-sonnet-4-5 (budgie ships 7, 496/588, 1, 3, 1, 1, 2, 1, −4, 52, 1, 29, 81,
    /// 2, 0, 66, 10, 150 dpi, 0, 0, 3): every value differs, the page resolution too.
    pub fn sonnet_4_5() -> Hidden {
        Hidden {
            frame: 9,
            auto_none: 503,
            any_tool: 579,
            join: 2,
            turn_separator: 4,
            block_separator: 2,
            system_part_separator: 3,
            tool_choice_named: 6,
            disable_parallel: -5,
            call_wrapper: -2,
            parallel_call: 38,
            opener: 2,
            thinking_config: 33,
            output_format_prompt: 75,
            image_wrapper: 4,
            image_row: 1,
            document_wrapper: 71,
            document_text_wrapper: 13,
            page_dpi: 100.0,
            thinking_block_wrapper: 3,
            search_result_wrapper: 5,
            system_message_turn: 6,
            keeps_prior_thinking: false,
            refuses: Vec::new(),
        }
    }

    /// What budgie ships for `model`: the fake then agrees with budgie's offline counts.
    pub fn as_shipped(model: &str) -> Hidden {
        let registry = Registry::builtin();
        let m = registry.lookup_shipped(model);
        let c = |name: budgie::registry::Structural| registry.constant_for(&m, name).constant.value;
        use budgie::registry::Structural as S;
        Hidden {
            frame: m.frame as i64,
            auto_none: m.tool_prompt.auto_none as i64,
            any_tool: m.tool_prompt.any_tool as i64,
            join: c(S::ToolDefinitionsJoin) as i64,
            turn_separator: c(S::TurnSeparator) as i64,
            block_separator: c(S::BlockSeparator) as i64,
            system_part_separator: c(S::SystemPartSeparator) as i64,
            tool_choice_named: c(S::ToolChoiceNamed) as i64,
            disable_parallel: c(S::DisableParallelAdjustment) as i64,
            call_wrapper: c(S::ToolCallWrapper) as i64,
            parallel_call: c(S::ParallelToolCall) as i64,
            opener: c(S::ToolCallOpener) as i64,
            thinking_config: c(S::ThinkingConfig) as i64,
            output_format_prompt: c(S::OutputFormatPrompt) as i64,
            image_wrapper: c(S::ImageWrapper) as i64,
            image_row: c(S::ImageRowTokens) as i64,
            document_wrapper: c(S::DocumentWrapper) as i64,
            document_text_wrapper: c(S::DocumentTextWrapper) as i64,
            page_dpi: c(S::PdfPageDpi),
            thinking_block_wrapper: c(S::ThinkingBlockWrapper) as i64,
            search_result_wrapper: c(S::SearchResultWrapper) as i64,
            system_message_turn: c(S::SystemMessageTurn) as i64,
            keeps_prior_thinking: m.thinking_keeps_prior_turns,
            refuses: Vec::new(),
        }
    }

    /// For claude-opus-5 (budgie ships frame 6 and 286/406 for it, and the global constants).
    pub fn opus_5() -> Hidden {
        Hidden {
            frame: 5,
            auto_none: 300,
            any_tool: 421,
            join: 1,
            turn_separator: 5,
            block_separator: 1,
            system_part_separator: 2,
            tool_choice_named: 3,
            disable_parallel: 2,
            call_wrapper: -6,
            parallel_call: 47,
            opener: 0,
            thinking_config: 41,
            output_format_prompt: 90,
            image_wrapper: 3,
            image_row: 0,
            document_wrapper: 58,
            document_text_wrapper: 8,
            page_dpi: 150.0,
            thinking_block_wrapper: 2,
            search_result_wrapper: 4,
            system_message_turn: 4,
            keeps_prior_thinking: true,
            refuses: Vec::new(),
        }
    }
}

/// Ways the fake misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quirk {
    None,
    /// Each parallel call beyond the second costs 4 more than the one before.
    GrowingParallelCalls,
    /// One count in three is one token high.
    Noisy,
}

struct Model {
    hidden: Hidden,
    family: Family,
    rule: TierRule,
}

/// The count the fake gives `body`, or the 400 message it refuses it with.
pub fn count(body: &Value, hidden: &Hidden, quirk: Quirk) -> Result<u64, String> {
    let id = body["model"].as_str().unwrap_or("");
    let registry = Registry::builtin();
    let shipped = registry.lookup_shipped(id);
    let model = Model {
        hidden: hidden.clone(),
        family: shipped.family,
        rule: registry.tier_rule(shipped.image_tier),
    };
    let n = model.count(body)?;
    let noise = match quirk {
        Quirk::Noisy => {
            let digest = budgie::bytes::sha256_hex(body.to_string().as_bytes());
            i64::from(digest.as_bytes()[0].is_multiple_of(3))
        }
        _ => 0,
    };
    Ok((n + noise).max(0) as u64)
}

impl Model {
    fn text(&self, s: &str) -> i64 {
        count_text(self.family, s) as i64
    }

    fn refuse(&self, what: &str) -> Result<(), String> {
        if self.hidden.refuses.contains(&what) {
            Err(format!("{what}: not supported by this model"))
        } else {
            Ok(())
        }
    }

    fn count(&self, body: &Value) -> Result<i64, String> {
        let h = &self.hidden;
        let mut parts: Vec<i64> = Vec::new();
        // The system prompt, when it holds any text.
        match &body["system"] {
            Value::String(s) if !s.is_empty() => parts.push(self.text(s)),
            Value::Array(blocks) => {
                let texts: Vec<&str> = blocks.iter().filter_map(|b| b["text"].as_str()).collect();
                if texts.iter().any(|t| !t.is_empty()) {
                    let joined: i64 = texts.iter().map(|t| self.text(t)).sum::<i64>()
                        + h.block_separator * (texts.len() as i64 - 1);
                    parts.push(joined);
                }
            }
            _ => {}
        }
        let choice = &body["tool_choice"];
        let choice_type = choice["type"].as_str().unwrap_or("auto");
        let any = matches!(choice_type, "any" | "tool");
        if let Some(tools) = body["tools"].as_array().filter(|t| !t.is_empty()) {
            let tools: Vec<budgie::request::Tool> = tools
                .iter()
                .map(|t| serde_json::from_value(t.clone()).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?;
            let mut n = if any { h.any_tool } else { h.auto_none } + h.join;
            for (i, tool) in tools.iter().enumerate() {
                n += self.text(&render::tool_definitions([tool])) + i64::from(i > 0);
            }
            if choice_type == "tool" {
                n += h.tool_choice_named + self.text(choice["name"].as_str().unwrap_or(""));
            }
            if choice["disable_parallel_tool_use"] == json!(true) {
                n += h.disable_parallel;
            }
            parts.push(n);
        }
        if let Some(kind) = body["thinking"]["type"].as_str()
            && kind != "disabled"
        {
            self.refuse("thinking")?;
            self.refuse(&format!("thinking:{kind}"))?;
            parts.push(h.thinking_config);
        }
        if let Some(format) = body["output_config"].get("format") {
            self.refuse("output_config")?;
            let schema = &format["schema"];
            parts.push(h.output_format_prompt + self.text(&render::output_schema(schema)));
        }
        let mut total: i64 = parts.iter().sum();
        if parts.len() > 1 {
            total += h.system_part_separator * (parts.len() as i64 - 1);
        }
        total += self.messages(body, !any)?;
        Ok(total)
    }

    fn messages(&self, body: &Value, auto: bool) -> Result<i64, String> {
        let h = &self.hidden;
        // Consecutive messages of one role are one turn.
        let mut turns: Vec<(String, Vec<Value>)> = Vec::new();
        for m in body["messages"].as_array().into_iter().flatten() {
            let role = m["role"].as_str().unwrap_or("").to_string();
            let blocks = match &m["content"] {
                Value::String(s) => vec![json!({"type": "text", "text": s})],
                Value::Array(b) => b.clone(),
                _ => Vec::new(),
            };
            match turns.last_mut() {
                Some((r, b)) if *r == role => b.extend(blocks),
                _ => turns.push((role, blocks)),
            }
        }
        if turns.is_empty() {
            return Ok(0);
        }
        let mut total = h.frame + h.turn_separator * (turns.len() as i64 - 1);
        // The assistant turn a tool loop is still in (or the last turn, when it is the
        // assistant's) keeps its thinking on every model.
        let only_results = |blocks: &[Value]| {
            !blocks.is_empty() && blocks.iter().all(|b| b["type"] == "tool_result")
        };
        let mut current = None;
        for i in (0..turns.len()).rev() {
            match turns[i].0.as_str() {
                "assistant" => {
                    current = Some(i);
                    break;
                }
                "user" if only_results(&turns[i].1) => continue,
                _ => break,
            }
        }
        let mut opener_paid = false;
        for (i, (role, blocks)) in turns.iter().enumerate() {
            if role == "system" {
                self.refuse("system_message")?;
                total += h.system_message_turn;
            }
            let thinking_counts =
                role == "assistant" && (h.keeps_prior_thinking || Some(i) == current);
            let groups = self.groups(blocks, thinking_counts)?;
            if groups.is_empty() {
                continue;
            }
            total += h.block_separator * (groups.len() as i64 - 1);
            if role == "assistant" && auto && !opener_paid && groups[0].1 {
                opener_paid = true;
                total += h.opener;
            }
            total += groups.iter().map(|(n, _)| n).sum::<i64>();
        }
        Ok(total)
    }

    /// A turn's groups: (tokens, is a run of tool calls).
    fn groups(&self, blocks: &[Value], thinking_counts: bool) -> Result<Vec<(i64, bool)>, String> {
        let h = &self.hidden;
        let mut groups = Vec::new();
        let mut i = 0;
        while i < blocks.len() {
            let b = &blocks[i];
            match b["type"].as_str().unwrap_or("") {
                "text" => groups.push((self.text(b["text"].as_str().unwrap_or("")), false)),
                "tool_use" => {
                    let mut run: Vec<ToolUseBlock> = Vec::new();
                    while i < blocks.len() && blocks[i]["type"] == "tool_use" {
                        run.push(
                            serde_json::from_value(blocks[i].clone()).map_err(|e| e.to_string())?,
                        );
                        i += 1;
                    }
                    let refs: Vec<&ToolUseBlock> = run.iter().collect();
                    let mut n = self.text(&render::tool_calls(&refs)) + h.call_wrapper;
                    n += h.parallel_call * (run.len() as i64 - 1);
                    groups.push((n, true));
                    continue;
                }
                "tool_result" => {
                    let mut run: Vec<ToolResultBlock> = Vec::new();
                    let mut inside = 0;
                    while i < blocks.len() && blocks[i]["type"] == "tool_result" {
                        for inner in blocks[i]["content"].as_array().into_iter().flatten() {
                            inside += self.attachment(inner)?;
                        }
                        run.push(
                            serde_json::from_value(blocks[i].clone()).map_err(|e| e.to_string())?,
                        );
                        i += 1;
                    }
                    let refs: Vec<&ToolResultBlock> = run.iter().collect();
                    groups.push((self.text(&render::tool_results(&refs)) + inside, false));
                    continue;
                }
                "image" | "document" => groups.push((self.attachment(b)?, false)),
                "thinking" => {
                    if thinking_counts {
                        let t = b["thinking"].as_str().unwrap_or("");
                        groups.push((self.text(t) + h.thinking_block_wrapper, false));
                    }
                }
                "search_result" => {
                    self.refuse("search_result")?;
                    let mut n = self.text(b["source"].as_str().unwrap_or(""))
                        + self.text(b["title"].as_str().unwrap_or(""))
                        + h.search_result_wrapper;
                    for c in b["content"].as_array().into_iter().flatten() {
                        n += self.text(c["text"].as_str().unwrap_or(""));
                    }
                    groups.push((n, false));
                }
                other => return Err(format!("unknown block type {other}")),
            }
            i += 1;
        }
        Ok(groups)
    }

    /// An image's or a PDF's tokens (0 for other blocks).
    fn attachment(&self, b: &Value) -> Result<i64, String> {
        let h = &self.hidden;
        let data = b["source"]["data"].as_str().unwrap_or("");
        match b["type"].as_str() {
            Some("image") => {
                let info = budgie::estimate::image::describe_image_base64(data)
                    .map_err(|e| e.to_string())?;
                let (columns, rows) =
                    budgie::estimate::image::patch_grid(info.width, info.height, self.rule);
                Ok((columns * rows) as i64 + rows as i64 * h.image_row + h.image_wrapper)
            }
            Some("document") => {
                let info = pdf::describe_pdf_base64(data).map_err(|e| e.to_string())?;
                let mut n = h.document_wrapper;
                let mut text = 0;
                for (page, (w, hgt)) in info.page_sizes.iter().enumerate() {
                    let (columns, rows) = pdf::page_patch_grid(*w, *hgt, h.page_dpi, self.rule);
                    n += (columns * rows) as i64 + rows as i64 * h.image_row;
                    let t = &info.text_per_page[page];
                    if !t.trim().is_empty() {
                        text += self.text(t);
                    }
                }
                if text > 0 {
                    n += text + h.document_text_wrapper;
                }
                Ok(n)
            }
            _ => Ok(0),
        }
    }
}

struct State {
    models: HashMap<String, Hidden>,
    quirk: Quirk,
    /// When each count_tokens request arrived.
    arrivals: Vec<Instant>,
}

#[derive(Clone)]
struct CountTokens(Arc<Mutex<State>>);

impl Respond for CountTokens {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
        state.arrivals.push(Instant::now());
        let body: Value = request.body_json().unwrap_or(Value::Null);
        let id = body["model"].as_str().unwrap_or("").to_string();
        let error = |status: u16, kind: &str, message: &str| {
            ResponseTemplate::new(status).set_body_json(json!({
                "type": "error", "error": {"type": kind, "message": message},
                "request_id": "req_fake_structure"
            }))
        };
        let Some(hidden) = state.models.get(&id) else {
            return error(404, "not_found_error", &format!("model: {id}"));
        };
        let answer = match state.quirk {
            Quirk::GrowingParallelCalls => count_growing(&body, hidden),
            quirk => count(&body, hidden, quirk),
        };
        match answer {
            Ok(n) => ResponseTemplate::new(200).set_body_json(json!({"input_tokens": n})),
            Err(message) => error(400, "invalid_request_error", &message),
        }
    }
}

/// [`count`] where each parallel call beyond the second costs 4 more than the one before.
fn count_growing(body: &Value, hidden: &Hidden) -> Result<u64, String> {
    let base = count(body, hidden, Quirk::None)?;
    let extra: i64 = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == "assistant")
        .map(|m| {
            let calls = m["content"].as_array().map_or(0, |b| {
                b.iter().filter(|b| b["type"] == "tool_use").count() as i64
            });
            // Calls 3, 4, … cost 4, 8, … more.
            (3..=calls).map(|k| 4 * (k - 2)).sum::<i64>()
        })
        .sum();
    Ok((base as i64 + extra) as u64)
}

pub struct FakeStructureApi {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
}

impl FakeStructureApi {
    pub async fn start(models: Vec<(&str, Hidden)>, quirk: Quirk) -> Self {
        let state = Arc::new(Mutex::new(State {
            models: models
                .into_iter()
                .map(|(id, h)| (id.to_string(), h))
                .collect(),
            quirk,
            arrivals: Vec::new(),
        }));
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/messages/count_tokens"))
            .respond_with(CountTokens(state.clone()))
            .mount(&server)
            .await;
        FakeStructureApi { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn arrivals(&self) -> Vec<Instant> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .arrivals
            .clone()
    }
}
