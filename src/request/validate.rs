//! The API's rules for a request, in one place: checks a request before anything is sent,
//! and says what is wrong and where. `budgie count`, `budgie export`, the workbench (on open
//! and before each exact count) all ask this one function.
//!
//! The rules are the ones Anthropic's Messages API and count_tokens documentation states
//! (2025–2026); the limits are in [`super::limits`]. Where the API is lenient or its rule is
//! not documented, budgie is lenient too: a false alarm here would block a request the API
//! accepts, while a miss only costs one rejected request.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use super::cache_control::{self, Position, Ttl};
use super::limits::{
    MANY_IMAGES, MANY_IMAGES_MAX_SIDE, MAX_CACHE_BREAKPOINTS, MAX_IMAGE_BASE64_BYTES,
    MAX_IMAGE_SIDE, MAX_MESSAGES, MAX_REQUEST_BYTES, MIN_THINKING_BUDGET, ModelLimits,
};
use super::media::{IMAGE_MEDIA_TYPES, MediaKind, describe_bytes};
use super::{Content, ContentBlock, MediaBlock, Request, Role, Source, System, ToolResultContent};
use crate::bytes;
use crate::registry::{Family, ModelInfo, Registry};

/// The hint for sources count_tokens cannot read.
pub const URL_FILE_HINT: &str =
    "count_tokens cannot count url or file sources: attach the file as base64 (budgie attach)";

/// Server tools (run by Anthropic) that count_tokens rejects, by the prefix of their `type`.
/// Anthropic-defined client tools (bash, text editor, computer, memory) are accepted.
const SERVER_TOOL_PREFIXES: &[&str] = &[
    "web_search_",
    "web_fetch_",
    "code_execution_",
    "tool_search_tool_",
    "mcp_toolset",
];

/// One problem found in a request: `path` names the field (e.g. `messages[2].content[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Where a request is going: a few of count_tokens' rules do not hold for messages.create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/messages/count_tokens`: no url or file sources, no server tools, no MCP.
    CountTokens,
    /// `POST /v1/messages`.
    Create,
}

/// Every problem in `request` for count_tokens, in document order. Empty when the request
/// may be sent.
pub fn validate(request: &Request) -> Vec<Problem> {
    validate_for(request, Endpoint::CountTokens)
}

/// Every problem in `request` for `endpoint`, in document order.
pub fn validate_for(request: &Request, endpoint: Endpoint) -> Vec<Problem> {
    let mut checker = Checker {
        problems: Vec::new(),
        model: Registry::builtin().lookup(&request.model),
        images: Vec::new(),
        endpoint,
    };
    checker.model(request);
    checker.system(request);
    checker.messages(request);
    checker.tools(request);
    checker.tool_choice(request);
    checker.thinking(request);
    checker.cache_breakpoints(request);
    checker.unsupported_fields(request);
    checker.image_totals();
    checker.body_size(request);
    checker.problems
}

/// An image seen while walking the request: where it is and its size, when readable.
struct ImageSeen {
    path: String,
    size: Option<(u64, u64)>,
}

struct Checker {
    problems: Vec<Problem>,
    model: ModelInfo,
    images: Vec<ImageSeen>,
    endpoint: Endpoint,
}

/// Standard base64; the API does not insist on padding, so neither does budgie.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl Checker {
    fn report(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn model(&mut self, request: &Request) {
        if request.model.trim().is_empty() {
            self.report(
                "model",
                "is empty: name a model (e.g. claude-sonnet-4-5; `budgie models` lists them)",
            );
        }
    }

    fn system(&mut self, request: &Request) {
        if let Some(System::Blocks(blocks)) = &request.system {
            for (i, block) in blocks.iter().enumerate() {
                if block.kind != "text" {
                    self.report(
                        format!("system[{i}]"),
                        format!("system blocks must be text blocks, not \"{}\"", block.kind),
                    );
                }
            }
        }
    }

    fn messages(&mut self, request: &Request) {
        let count = request.messages.len();
        if count == 0 {
            self.report("messages", "is empty: a request needs at least one message");
            return;
        }
        if count > MAX_MESSAGES {
            self.report(
                "messages",
                format!("{count} messages is more than the API takes ({MAX_MESSAGES})"),
            );
        }
        for (i, message) in request.messages.iter().enumerate() {
            let path = format!("messages[{i}]");
            let final_assistant = i + 1 == count && message.role == Role::Assistant;
            let empty = match &message.content {
                Content::Text(text) => text.is_empty(),
                Content::Blocks(blocks) => blocks.is_empty(),
            };
            if empty && !final_assistant {
                self.report(
                    &path,
                    "content is empty: only a final assistant message may be empty",
                );
            }
            if let Content::Blocks(blocks) = &message.content {
                for (j, block) in blocks.iter().enumerate() {
                    self.block(&format!("{path}.content[{j}]"), block);
                }
            }
        }
    }

    fn block(&mut self, path: &str, block: &ContentBlock) {
        match block {
            ContentBlock::Text(text) if text.text.is_empty() => {
                self.report(
                    path,
                    "text block is empty (the API rejects empty text blocks)",
                );
            }
            ContentBlock::Image(media) => self.image(path, media),
            ContentBlock::Document(media) => self.document(path, media),
            ContentBlock::ToolUse(tool_use) if !tool_use.input.is_object() => {
                self.report(path, "tool_use input must be a JSON object");
            }
            ContentBlock::ToolResult(result) => {
                if let Some(ToolResultContent::Blocks(blocks)) = &result.content {
                    for (k, inner) in blocks.iter().enumerate() {
                        self.block(&format!("{path}.content[{k}]"), inner);
                    }
                }
            }
            _ => {}
        }
    }

    /// A url or file source, which count_tokens rejects; true when it was one.
    fn remote_source(&mut self, path: &str, what: &str, source: &Source) -> bool {
        let remote = matches!(source.kind.as_str(), "url" | "file");
        if remote && self.endpoint == Endpoint::CountTokens {
            self.report(
                path,
                format!("{what} source \"{}\": {URL_FILE_HINT}", source.kind),
            );
        }
        remote
    }

    fn image(&mut self, path: &str, media: &MediaBlock) {
        let source = &media.source;
        if self.remote_source(path, "image", source) {
            return;
        }
        if source.kind != "base64" {
            self.report(
                path,
                format!(
                    "image source type \"{}\" is not one of base64, url, file",
                    source.kind
                ),
            );
            return;
        }
        let media_type = source.media_type.as_deref().unwrap_or("");
        if media_type.is_empty() {
            self.report(
                path,
                format!(
                    "image has no media_type: use one of {}",
                    IMAGE_MEDIA_TYPES.join(", ")
                ),
            );
        } else if !IMAGE_MEDIA_TYPES.contains(&media_type) {
            self.report(
                path,
                format!(
                    "image media_type \"{media_type}\" is not one of {}",
                    IMAGE_MEDIA_TYPES.join(", ")
                ),
            );
        }
        let base64_len = source.data.as_ref().map_or(0, String::len) as u64;
        if base64_len > MAX_IMAGE_BASE64_BYTES {
            // Refused for its size alone; decoding megabytes more would tell nothing new.
            self.report(
                path,
                format!(
                    "image is {} of base64, over the API's limit of {}: resize or compress it",
                    bytes::human_beside(base64_len, MAX_IMAGE_BASE64_BYTES),
                    bytes::human_beside(MAX_IMAGE_BASE64_BYTES, base64_len)
                ),
            );
            self.images.push(ImageSeen {
                path: path.to_string(),
                size: None,
            });
            return;
        }
        let Some(data) = self.base64_data(path, "image", source) else {
            self.images.push(ImageSeen {
                path: path.to_string(),
                size: None,
            });
            return;
        };
        // Only a certain conflict is reported: bytes budgie does not recognise are left to
        // the API, which has the last word on what it can decode.
        if let Some(actual) = MediaKind::sniff(&data)
            .filter(|kind| kind.is_image())
            .map(MediaKind::media_type)
            && IMAGE_MEDIA_TYPES.contains(&media_type)
            && actual != media_type
        {
            self.report(
                path,
                format!("image data is {actual} but media_type says \"{media_type}\""),
            );
        }
        let size = imagesize::blob_size(&data)
            .ok()
            .map(|s| (s.width as u64, s.height as u64));
        let max = u64::from(MAX_IMAGE_SIDE);
        if let Some((w, h)) = size
            && (w > max || h > max)
        {
            self.report(
                path,
                format!("image is {w}×{h} px; the API takes at most {MAX_IMAGE_SIDE} px a side"),
            );
        }
        self.images.push(ImageSeen {
            path: path.to_string(),
            size,
        });
    }

    fn document(&mut self, path: &str, media: &MediaBlock) {
        let source = &media.source;
        if self.remote_source(path, "document", source) {
            return;
        }
        let media_type = source.media_type.as_deref();
        match source.kind.as_str() {
            "base64" => {
                if media_type != Some("application/pdf") {
                    self.report(
                        path,
                        format!(
                            "a base64 document must have media_type \"application/pdf\", not {}",
                            quoted_or_missing(media_type)
                        ),
                    );
                }
                // Only a certain conflict is reported, as for images: a PDF label on bytes
                // that are something else.
                if let Some(data) = self.base64_data(path, "document", source)
                    && media_type == Some("application/pdf")
                    && MediaKind::sniff(&data) != Some(MediaKind::Pdf)
                {
                    self.report(
                        path,
                        format!(
                            "document data is not a PDF ({}) but media_type says \"application/pdf\"",
                            describe_bytes(&data)
                        ),
                    );
                }
            }
            "text" => {
                if media_type != Some("text/plain") {
                    self.report(
                        path,
                        format!(
                            "a text document must have media_type \"text/plain\", not {}",
                            quoted_or_missing(media_type)
                        ),
                    );
                }
                if source.data.is_none() {
                    self.report(path, "a text document needs its text in `data`");
                }
            }
            "content" => match &source.content {
                Some(blocks) => {
                    for (k, inner) in blocks.iter().enumerate() {
                        self.block(&format!("{path}.source.content[{k}]"), inner);
                    }
                }
                None => self.report(path, "a content document needs a `content` list of blocks"),
            },
            other => self.report(
                path,
                format!("document source type \"{other}\" is not one of base64, text, content"),
            ),
        }
    }

    /// Decode a base64 source's data, reporting what is wrong with it.
    fn base64_data(&mut self, path: &str, what: &str, source: &Source) -> Option<Vec<u8>> {
        let Some(data) = &source.data else {
            self.report(path, format!("{what} has no base64 `data`"));
            return None;
        };
        match BASE64.decode(data) {
            Ok(bytes) if bytes.is_empty() => {
                self.report(path, format!("{what} data is empty"));
                None
            }
            Ok(bytes) => Some(bytes),
            Err(e) => {
                let hint = if data.starts_with("data:") {
                    " (drop the `data:...;base64,` prefix: the API wants the bare base64)"
                } else if data.contains(['\n', '\r', ' ']) {
                    " (remove the line breaks: `base64 -w0`)"
                } else {
                    ""
                };
                self.report(path, format!("{what} data is not valid base64: {e}{hint}"));
                None
            }
        }
    }

    fn tools(&mut self, request: &Request) {
        let Some(tools) = &request.tools else {
            return;
        };
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, tool) in tools.iter().enumerate() {
            let path = format!("tools[{i}]");
            if let Some(kind) = &tool.kind
                && SERVER_TOOL_PREFIXES.iter().any(|p| kind.starts_with(p))
            {
                if self.endpoint == Endpoint::Create {
                    continue;
                }
                self.report(
                    &path,
                    format!(
                        "\"{kind}\" is a server tool, which count_tokens cannot count: \
                         remove or disable it to count the rest"
                    ),
                );
                continue;
            }
            if !valid_tool_name(&tool.name) {
                self.report(
                    &path,
                    format!(
                        "tool name \"{}\" must be 1 to 128 letters, digits, `_` or `-`",
                        tool.name
                    ),
                );
            }
            if let Some(first) = seen.get(tool.name.as_str()) {
                self.report(
                    &path,
                    format!(
                        "tool name \"{}\" is already used by tools[{first}]",
                        tool.name
                    ),
                );
            } else {
                seen.insert(&tool.name, i);
            }
            if tool.is_custom() {
                self.input_schema(&path, &tool.name, tool.input_schema.as_ref());
            }
        }
    }

    fn input_schema(&mut self, path: &str, name: &str, schema: Option<&Value>) {
        match schema {
            None => self.report(
                path,
                "a custom tool needs an input_schema (a JSON Schema object)",
            ),
            Some(Value::Object(map)) => match map.get("type") {
                Some(Value::String(t)) if t == "object" => {}
                Some(other) => self.report(
                    format!("{path}.input_schema"),
                    format!("\"type\" must be \"object\", not {other}"),
                ),
                None => self.report(format!("{path}.input_schema"), "needs \"type\": \"object\""),
            },
            Some(other) => self.report(
                format!("{path}.input_schema"),
                format!(
                    "must be a JSON object (a JSON Schema like {{\"type\": \"object\", \
                     \"properties\": {{…}}}}), not {} (tool `{name}`)",
                    super::json_kind(other)
                ),
            ),
        }
    }

    fn tool_choice(&mut self, request: &Request) {
        let Some(choice) = &request.tool_choice else {
            return;
        };
        let tools = request.tools.as_deref().unwrap_or_default();
        match choice.kind.as_str() {
            "auto" | "none" => {}
            "any" if tools.is_empty() => {
                self.report("tool_choice", "\"any\" needs at least one tool in `tools`")
            }
            "any" => {}
            "tool" => match &choice.name {
                None => self.report("tool_choice", "type \"tool\" needs the tool's `name`"),
                Some(name) if !tools.iter().any(|t| &t.name == name) => {
                    let known: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
                    self.report(
                        "tool_choice",
                        format!(
                            "names tool \"{name}\", which is not in `tools` ({})",
                            if known.is_empty() {
                                "there are no tools".to_string()
                            } else {
                                format!("known: {}", known.join(", "))
                            }
                        ),
                    );
                }
                Some(_) => {}
            },
            other => self.report(
                "tool_choice",
                format!("type \"{other}\" is not one of auto, any, tool, none"),
            ),
        }
    }

    fn thinking(&mut self, request: &Request) {
        let Some(thinking) = &request.thinking else {
            return;
        };
        match thinking.kind.as_str() {
            "enabled" => {
                // Opus 4.7 and later take only adaptive thinking (Anthropic's extended thinking
                // docs, 2026). Unknown models are left to the API.
                if matches!(self.model.family, Family::V4_7 | Family::V4_8)
                    && !self.model.unverified
                {
                    self.report(
                        "thinking",
                        format!(
                            "{} accepts only {{\"type\": \"adaptive\"}} thinking, not \"enabled\"",
                            self.model.id
                        ),
                    );
                }
                match thinking.budget_tokens {
                    None => self.report(
                        "thinking.budget_tokens",
                        format!(
                            "is required when thinking is enabled (at least {MIN_THINKING_BUDGET})"
                        ),
                    ),
                    Some(budget) if budget < MIN_THINKING_BUDGET => self.report(
                        "thinking.budget_tokens",
                        format!("{budget} is below the minimum of {MIN_THINKING_BUDGET}"),
                    ),
                    Some(_) => {}
                }
            }
            "disabled" | "adaptive" => {}
            other => self.report(
                "thinking.type",
                format!("\"{other}\" is not one of enabled, disabled, adaptive"),
            ),
        }
    }

    /// Prompt caching's rules (Anthropic's prompt caching docs): `cache_control` is
    /// `{"type": "ephemeral"}` with an optional `ttl` of "5m" or "1h"; at most
    /// [`MAX_CACHE_BREAKPOINTS`] in a request, the top-level (automatic) one included; along
    /// the prefix (tools, system, messages) every 1-hour entry comes before any 5-minute one;
    /// thinking blocks cannot carry one.
    fn cache_breakpoints(&mut self, request: &Request) {
        let breakpoints = cache_control::breakpoints(request);
        let mut first_5m: Option<String> = None;
        for (n, breakpoint) in breakpoints.iter().enumerate() {
            let path = if breakpoint.at == Position::Auto {
                "cache_control".to_string()
            } else {
                format!("{}.cache_control", breakpoint.path)
            };
            if n == MAX_CACHE_BREAKPOINTS {
                self.report(
                    &path,
                    format!(
                        "a {}th cache breakpoint: the API takes at most {MAX_CACHE_BREAKPOINTS} \
                         cache_control breakpoints in a request (the top-level one included) \
                         and refuses more with a 400; remove {}",
                        n + 1,
                        if breakpoints.len() - n == 1 {
                            "this one or another".to_string()
                        } else {
                            format!("{} of them", breakpoints.len() - n)
                        }
                    ),
                );
            }
            let kind = breakpoint.cache_control.get("type").and_then(Value::as_str);
            if !breakpoint.cache_control.is_object() {
                self.report(
                    &path,
                    "must be an object: {\"type\": \"ephemeral\"} (with \"ttl\": \"5m\" or \"1h\")",
                );
                continue;
            }
            if kind != Some("ephemeral") {
                self.report(
                    &path,
                    format!(
                        "type {} is not \"ephemeral\", the only cache type",
                        quoted_or_missing(kind)
                    ),
                );
            }
            match breakpoint.ttl() {
                Err(ttl) => self.report(
                    &path,
                    format!("ttl {ttl} is not one the API takes: use \"5m\" or \"1h\""),
                ),
                Ok(Ttl::FiveMinutes) => {
                    first_5m.get_or_insert_with(|| breakpoint.path.clone());
                }
                Ok(Ttl::OneHour) => {
                    if let Some(earlier) = &first_5m {
                        self.report(
                            &path,
                            format!(
                                "a 1h cache entry after a 5m one ({earlier}): the API needs \
                                 every 1h breakpoint before any 5m one along tools, system, \
                                 messages"
                            ),
                        );
                    }
                }
            }
            if let Position::Block { message, block } = breakpoint.at
                && !breakpoint.nested()
                && let Some(Content::Blocks(blocks)) =
                    request.messages.get(message).map(|m| &m.content)
                && matches!(
                    blocks.get(block),
                    Some(ContentBlock::Thinking(_) | ContentBlock::RedactedThinking(_))
                )
            {
                self.report(
                    &path,
                    "a thinking block cannot carry cache_control (it is cached with the \
                     blocks around it)",
                );
            }
        }
    }

    fn unsupported_fields(&mut self, request: &Request) {
        if self.endpoint == Endpoint::CountTokens && request.extra.contains_key("mcp_servers") {
            self.report(
                "mcp_servers",
                "count_tokens does not take the MCP connector: remove mcp_servers to count",
            );
        }
    }

    fn image_totals(&mut self) {
        let count = self.images.len();
        let limit = ModelLimits::for_context_window(self.model.context_window).images;
        if count > limit {
            self.report(
                "messages",
                format!(
                    "{count} images, over the limit of {limit} per request for {}; remove some",
                    self.model.id
                ),
            );
        }
        if count > MANY_IMAGES {
            let max = u64::from(MANY_IMAGES_MAX_SIDE);
            let oversized: Vec<(String, String)> = self
                .images
                .iter()
                .filter_map(|image| match image.size {
                    Some((w, h)) if w > max || h > max => Some((
                        image.path.clone(),
                        format!(
                            "image is {w}×{h} px; with more than {MANY_IMAGES} images in a \
                             request the API takes at most {max} px a side"
                        ),
                    )),
                    _ => None,
                })
                .collect();
            for (path, message) in oversized {
                self.report(path, message);
            }
        }
    }

    fn body_size(&mut self, request: &Request) {
        // The count_tokens body; messages.create's adds a few small fields (max_tokens…).
        let size = request.count_body_size();
        if size > MAX_REQUEST_BYTES {
            self.report(
                "request",
                format!(
                    "the request body is {}, over the API's limit of {}: remove or shrink \
                     attachments (images and PDFs are sent as base64)",
                    bytes::human_beside(size, MAX_REQUEST_BYTES),
                    bytes::human_beside(MAX_REQUEST_BYTES, size)
                ),
            );
        }
    }
}

/// `^[a-zA-Z0-9_-]{1,128}$`
pub fn valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn quoted_or_missing(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_string(), |v| format!("\"{v}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    fn problems(json: &str) -> Vec<String> {
        validate(&parse(json).expect("test request parses"))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn with_block(block: &str) -> String {
        format!(
            r#"{{"model":"claude-sonnet-4-5","messages":[{{"role":"user","content":[{block}]}}]}}"#
        )
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// The 8-byte PNG signature and an IHDR chunk: enough for a type and a size.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend(w.to_be_bytes());
        bytes.extend(h.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    fn image_block(media_type: &str, data: &str) -> String {
        format!(
            r#"{{"type":"image","source":{{"type":"base64","media_type":"{media_type}","data":"{data}"}}}}"#
        )
    }

    #[test]
    fn the_documented_examples_pass() {
        let png = b64(&png_header(10, 10));
        let pdf = b64(b"%PDF-1.4\n%%EOF\n");
        for json in [
            r#"{"model":"claude-sonnet-4-5","system":"You are a scientist","messages":[{"role":"user","content":"Hello, Claude"}]}"#.to_string(),
            r#"{"model":"claude-sonnet-4-5","tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}],"messages":[{"role":"user","content":"What's the weather like in San Francisco?"}]}"#.to_string(),
            with_block(&image_block("image/png", &png)),
            r#"{"model":"claude-sonnet-4-5","thinking":{"type":"enabled","budget_tokens":16000},"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"text","text":"a"}]},{"role":"user","content":"more"}]}"#.to_string(),
            with_block(&format!(r#"{{"type":"document","source":{{"type":"base64","media_type":"application/pdf","data":"{pdf}"}}}}"#)),
        ] {
            assert_eq!(problems(&json), Vec::<String>::new(), "{json}");
        }
    }

    #[test]
    fn empty_model_and_messages_are_named() {
        let found = problems(r#"{"model":"","messages":[]}"#);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("model: is empty"));
        assert!(found[1].starts_with("messages: is empty"));
    }

    #[test]
    fn empty_content_is_allowed_only_in_a_final_assistant_turn() {
        let ok = problems(
            r#"{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":""}]}"#,
        );
        assert!(ok.is_empty(), "{ok:?}");
        let bad = problems(r#"{"model":"m","messages":[{"role":"user","content":""}]}"#);
        assert_eq!(bad.len(), 1);
        assert!(
            bad[0].starts_with("messages[0]: content is empty"),
            "{bad:?}"
        );
        let block = problems(&with_block(r#"{"type":"text","text":""}"#));
        assert_eq!(
            block,
            vec!["messages[0].content[0]: text block is empty (the API rejects empty text blocks)"]
        );
    }

    #[test]
    fn an_assistant_first_message_is_not_an_error() {
        let found = problems(
            r#"{"model":"m","messages":[{"role":"assistant","content":"hi"},{"role":"user","content":"yo"}]}"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn image_media_type_outside_the_four_is_named_with_its_path() {
        let json = format!(
            r#"{{"model":"claude-sonnet-4-5","messages":[{{"role":"user","content":"a"}},{{"role":"assistant","content":"b"}},{{"role":"user","content":[{}]}}]}}"#,
            image_block("image/bmp", &b64(b"BM0000"))
        );
        assert_eq!(
            problems(&json),
            vec![
                "messages[2].content[0]: image media_type \"image/bmp\" is not one of image/jpeg, image/png, image/gif, image/webp"
            ]
        );
    }

    #[test]
    fn image_data_must_be_base64() {
        let found = problems(&with_block(&image_block("image/png", "not base64!")));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("messages[0].content[0]: image data is not valid base64"),
            "{found:?}"
        );
        let wrapped = problems(&with_block(&image_block("image/png", "aGVs\\nbG8=")));
        assert!(wrapped[0].contains("base64 -w0"), "{wrapped:?}");
        let data_url = problems(&with_block(&image_block(
            "image/png",
            "data:image/png;base64,aGVsbG8=",
        )));
        assert!(data_url[0].contains("drop the `data:"), "{data_url:?}");
        let missing = problems(&with_block(
            r#"{"type":"image","source":{"type":"base64","media_type":"image/png"}}"#,
        ));
        assert_eq!(
            missing,
            vec!["messages[0].content[0]: image has no base64 `data`"]
        );
    }

    #[test]
    fn unpadded_base64_is_accepted() {
        // "hello" is aGVsbG8= padded; the API does not insist on the padding.
        assert!(problems(&with_block(&image_block("image/png", "aGVsbG8"))).is_empty());
    }

    #[test]
    fn an_image_over_10_mb_of_base64_is_refused() {
        // 'A' * n is valid base64 when n is a multiple of 4.
        let data = "A".repeat(MAX_IMAGE_BASE64_BYTES as usize + 4);
        let found = problems(&with_block(&image_block("image/png", &data)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("over the API's limit of 10.0 MB"),
            "{found:?}"
        );
        let at_limit = "A".repeat(MAX_IMAGE_BASE64_BYTES as usize);
        assert!(problems(&with_block(&image_block("image/png", &at_limit))).is_empty());
    }

    #[test]
    fn image_bytes_of_another_known_type_conflict_with_the_media_type() {
        let found = problems(&with_block(&image_block(
            "image/jpeg",
            &b64(&png_header(4, 4)),
        )));
        assert_eq!(
            found,
            vec![
                "messages[0].content[0]: image data is image/png but media_type says \"image/jpeg\""
            ]
        );
    }

    #[test]
    fn images_over_8000_px_are_refused() {
        let found = problems(&with_block(&image_block(
            "image/png",
            &b64(&png_header(8001, 10)),
        )));
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("8001×10 px"), "{found:?}");
    }

    #[test]
    fn more_than_20_images_must_each_be_at_most_2000_px() {
        let big = image_block("image/png", &b64(&png_header(2001, 100)));
        let small = image_block("image/png", &b64(&png_header(100, 100)));
        let mut blocks = vec![small.clone(); 20];
        blocks.push(big.clone());
        let found = problems(&with_block(&blocks.join(",")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("messages[0].content[20]: image is 2001×100 px"));
        // Twenty images may be large.
        let mut twenty = vec![small; 19];
        twenty.push(big);
        assert!(problems(&with_block(&twenty.join(","))).is_empty());
    }

    #[test]
    fn too_many_images_for_a_200k_model() {
        let small = image_block("image/png", &b64(&png_header(10, 10)));
        let found = problems(&with_block(&vec![small; 101].join(",")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("101 images"), "{found:?}");
    }

    #[test]
    fn url_and_file_sources_get_the_attach_hint() {
        let url = problems(&with_block(
            r#"{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}"#,
        ));
        assert_eq!(
            url,
            vec![format!(
                "messages[0].content[0]: image source \"url\": {URL_FILE_HINT}"
            )]
        );
        let file = problems(&with_block(
            r#"{"type":"document","source":{"type":"file","file_id":"file_01"}}"#,
        ));
        assert_eq!(
            file,
            vec![format!(
                "messages[0].content[0]: document source \"file\": {URL_FILE_HINT}"
            )]
        );
    }

    #[test]
    fn document_sources_are_checked_by_kind() {
        let text_ok = with_block(
            r#"{"type":"document","source":{"type":"text","media_type":"text/plain","data":"hi"}}"#,
        );
        assert!(problems(&text_ok).is_empty());
        let content_ok = with_block(
            r#"{"type":"document","source":{"type":"content","content":[{"type":"text","text":"a"}]}}"#,
        );
        assert!(problems(&content_ok).is_empty());
        let wrong_pdf = problems(&with_block(&format!(
            r#"{{"type":"document","source":{{"type":"base64","media_type":"application/msword","data":"{}"}}}}"#,
            b64(b"x")
        )));
        assert_eq!(
            wrong_pdf,
            vec![
                "messages[0].content[0]: a base64 document must have media_type \"application/pdf\", not \"application/msword\""
            ]
        );
        let wrong_text = problems(&with_block(
            r#"{"type":"document","source":{"type":"text","data":"hi"}}"#,
        ));
        assert_eq!(
            wrong_text,
            vec![
                "messages[0].content[0]: a text document must have media_type \"text/plain\", not none"
            ]
        );
        let nested = problems(&with_block(
            r#"{"type":"document","source":{"type":"content","content":[{"type":"text","text":""}]}}"#,
        ));
        assert_eq!(nested.len(), 1);
        assert!(
            nested[0].starts_with("messages[0].content[0].source.content[0]: text block is empty")
        );
        let odd = problems(&with_block(
            r#"{"type":"document","source":{"type":"zip"}}"#,
        ));
        assert!(odd[0].contains("\"zip\" is not one of base64, text, content"));
    }

    #[test]
    fn images_inside_tool_results_are_checked() {
        let json = with_block(&format!(
            r#"{{"type":"tool_result","tool_use_id":"t1","content":[{{"type":"text","text":"ok"}},{}]}}"#,
            image_block("image/tiff", &b64(b"x"))
        ));
        let found = problems(&json);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .starts_with("messages[0].content[0].content[1]: image media_type \"image/tiff\"")
        );
    }

    #[test]
    fn tool_use_input_must_be_an_object() {
        let found = problems(
            r#"{"model":"m","messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":"x"}]}]}"#,
        );
        assert_eq!(
            found,
            vec!["messages[1].content[0]: tool_use input must be a JSON object"]
        );
    }

    fn with_tools(tools: &str, extra: &str) -> String {
        format!(
            r#"{{"model":"claude-sonnet-4-5","tools":[{tools}],{extra}"messages":[{{"role":"user","content":"q"}}]}}"#
        )
    }

    const SCHEMA: &str = r#""input_schema":{"type":"object"}"#;

    #[test]
    fn server_tools_are_refused_with_a_hint_and_client_tools_are_not() {
        let found = problems(&with_tools(
            r#"{"type":"web_search_20250305","name":"web_search"},{"type":"bash_20250124","name":"bash"}"#,
            "",
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("tools[0]: \"web_search_20250305\" is a server tool"));
        assert!(found[0].contains("remove or disable it"));
    }

    #[test]
    fn tool_names_follow_the_pattern() {
        assert!(valid_tool_name("get_weather-2"));
        assert!(valid_tool_name(&"a".repeat(128)));
        assert!(!valid_tool_name(&"a".repeat(129)));
        assert!(!valid_tool_name(""));
        assert!(!valid_tool_name("get weather"));
        assert!(!valid_tool_name("météo"));
        let found = problems(&with_tools(
            &format!(r#"{{"name":"get weather",{SCHEMA}}}"#),
            "",
        ));
        assert_eq!(
            found,
            vec![
                "tools[0]: tool name \"get weather\" must be 1 to 128 letters, digits, `_` or `-`"
            ]
        );
    }

    #[test]
    fn duplicate_tool_names_point_at_the_first() {
        let found = problems(&with_tools(
            &format!(r#"{{"name":"a",{SCHEMA}}},{{"name":"b",{SCHEMA}}},{{"name":"a",{SCHEMA}}}"#),
            "",
        ));
        assert_eq!(
            found,
            vec!["tools[2]: tool name \"a\" is already used by tools[0]"]
        );
    }

    #[test]
    fn input_schema_must_be_an_object_schema() {
        let missing = problems(&with_tools(r#"{"name":"a"}"#, ""));
        assert_eq!(
            missing,
            vec!["tools[0]: a custom tool needs an input_schema (a JSON Schema object)"]
        );
        let list = problems(&with_tools(r#"{"name":"a","input_schema":[]}"#, ""));
        assert_eq!(
            list,
            vec![
                "tools[0].input_schema: must be a JSON object (a JSON Schema like {\"type\": \"object\", \"properties\": {…}}), not an array (tool `a`)"
            ]
        );
        let string = problems(&with_tools(
            r#"{"name":"a","input_schema":{"type":"string"}}"#,
            "",
        ));
        assert_eq!(
            string,
            vec!["tools[0].input_schema: \"type\" must be \"object\", not \"string\""]
        );
        let untyped = problems(&with_tools(r#"{"name":"a","input_schema":{}}"#, ""));
        assert_eq!(
            untyped,
            vec!["tools[0].input_schema: needs \"type\": \"object\""]
        );
    }

    #[test]
    fn tool_choice_kinds_and_names() {
        let tool = format!(r#"{{"name":"get_weather",{SCHEMA}}}"#);
        for ok in [
            r#""tool_choice":{"type":"auto"},"#,
            r#""tool_choice":{"type":"any"},"#,
            r#""tool_choice":{"type":"none"},"#,
            r#""tool_choice":{"type":"tool","name":"get_weather"},"#,
        ] {
            assert!(problems(&with_tools(&tool, ok)).is_empty(), "{ok}");
        }
        let unknown = problems(&with_tools(
            &tool,
            r#""tool_choice":{"type":"tool","name":"get_time"},"#,
        ));
        assert_eq!(
            unknown,
            vec![
                "tool_choice: names tool \"get_time\", which is not in `tools` (known: get_weather)"
            ]
        );
        let nameless = problems(&with_tools(&tool, r#""tool_choice":{"type":"tool"},"#));
        assert_eq!(
            nameless,
            vec!["tool_choice: type \"tool\" needs the tool's `name`"]
        );
        let odd = problems(&with_tools(&tool, r#""tool_choice":{"type":"some"},"#));
        assert_eq!(
            odd,
            vec!["tool_choice: type \"some\" is not one of auto, any, tool, none"]
        );
        let any_without_tools = problems(
            r#"{"model":"m","tool_choice":{"type":"any"},"messages":[{"role":"user","content":"q"}]}"#,
        );
        assert_eq!(
            any_without_tools,
            vec!["tool_choice: \"any\" needs at least one tool in `tools`"]
        );
    }

    fn with_thinking(model: &str, thinking: &str) -> Vec<String> {
        problems(&format!(
            r#"{{"model":"{model}","thinking":{thinking},"messages":[{{"role":"user","content":"q"}}]}}"#
        ))
    }

    #[test]
    fn a_thinking_budget_under_1024_names_the_budget() {
        assert_eq!(
            with_thinking(
                "claude-sonnet-4-5",
                r#"{"type":"enabled","budget_tokens":512}"#
            ),
            vec!["thinking.budget_tokens: 512 is below the minimum of 1024"]
        );
        assert!(
            with_thinking(
                "claude-sonnet-4-5",
                r#"{"type":"enabled","budget_tokens":1024}"#
            )
            .is_empty()
        );
        let missing = with_thinking("claude-sonnet-4-5", r#"{"type":"enabled"}"#);
        assert!(
            missing[0].starts_with("thinking.budget_tokens: is required"),
            "{missing:?}"
        );
        let odd = with_thinking("claude-sonnet-4-5", r#"{"type":"on"}"#);
        assert_eq!(
            odd,
            vec!["thinking.type: \"on\" is not one of enabled, disabled, adaptive"]
        );
    }

    #[test]
    fn opus_4_7_and_later_take_only_adaptive_thinking() {
        let enabled = r#"{"type":"enabled","budget_tokens":2048}"#;
        for model in ["claude-opus-4-7", "claude-opus-5"] {
            let found = with_thinking(model, enabled);
            assert_eq!(
                found,
                vec![format!(
                    "thinking: {model} accepts only {{\"type\": \"adaptive\"}} thinking, not \"enabled\""
                )]
            );
            assert!(with_thinking(model, r#"{"type":"adaptive"}"#).is_empty());
            assert!(with_thinking(model, r#"{"type":"disabled"}"#).is_empty());
        }
        assert!(with_thinking("claude-opus-4-6", enabled).is_empty());
        // An unknown model is the API's to judge.
        assert!(with_thinking("claude-nova-9", enabled).is_empty());
    }

    #[test]
    fn the_mcp_connector_is_refused() {
        let found = problems(
            r#"{"model":"m","mcp_servers":[{"type":"url","url":"https://x","name":"x"}],"messages":[{"role":"user","content":"q"}]}"#,
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("mcp_servers: count_tokens does not take the MCP connector"));
    }

    #[test]
    fn system_blocks_must_be_text() {
        let found = problems(
            r#"{"model":"m","system":[{"type":"text","text":"a"},{"type":"image","text":"b"}],"messages":[{"role":"user","content":"q"}]}"#,
        );
        assert_eq!(
            found,
            vec!["system[1]: system blocks must be text blocks, not \"image\""]
        );
    }

    fn with_cache(tools: &str, system: &str, content: &str, top: &str) -> Vec<String> {
        problems(&format!(
            r#"{{"model":"claude-sonnet-4-5"{top},"tools":[{tools}],"system":[{system}],
              "messages":[{{"role":"user","content":[{content}]}}]}}"#
        ))
    }

    const TOOL: &str = r#"{"name":"t","input_schema":{"type":"object"}}"#;

    fn tool_with(cc: &str) -> String {
        format!(r#"{{"name":"t","input_schema":{{"type":"object"}},"cache_control":{cc}}}"#)
    }

    fn text_with(text: &str, cc: &str) -> String {
        format!(r#"{{"type":"text","text":"{text}","cache_control":{cc}}}"#)
    }

    const EPHEMERAL: &str = r#"{"type":"ephemeral"}"#;
    const ONE_HOUR: &str = r#"{"type":"ephemeral","ttl":"1h"}"#;

    #[test]
    fn four_breakpoints_pass_and_a_fifth_is_refused() {
        let system = [text_with("a", EPHEMERAL), text_with("b", EPHEMERAL)].join(",");
        let content = text_with("q", EPHEMERAL);
        assert!(with_cache(&tool_with(EPHEMERAL), &system, &content, "").is_empty());
        // The top-level (automatic) breakpoint is the fifth.
        let top = r#","cache_control":{"type":"ephemeral"}"#;
        let found = with_cache(&tool_with(EPHEMERAL), &system, &content, top);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("cache_control: a 5th cache breakpoint: the API takes at most 4"),
            "{found:?}"
        );
        // Without the tool's, the same request passes.
        assert!(with_cache(TOOL, &system, &content, top).is_empty());
        // A fifth among the blocks is named where it is.
        let content = [text_with("q", EPHEMERAL), text_with("r", EPHEMERAL)].join(",");
        let found = with_cache(&tool_with(EPHEMERAL), &system, &content, "");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("messages[0].content[1].cache_control: a 5th cache breakpoint"),
            "{found:?}"
        );
    }

    #[test]
    fn a_1h_entry_after_a_5m_one_is_refused() {
        let found = with_cache(
            &tool_with(EPHEMERAL),
            &text_with("a", ONE_HOUR),
            &text_with("q", EPHEMERAL),
            "",
        );
        assert_eq!(
            found,
            vec![
                "system[0].cache_control: a 1h cache entry after a 5m one (tools[0]): the API \
                 needs every 1h breakpoint before any 5m one along tools, system, messages"
            ]
        );
        // 1h first, then 5m: the order the API wants.
        assert!(
            with_cache(
                &tool_with(ONE_HOUR),
                &text_with("a", ONE_HOUR),
                &text_with("q", EPHEMERAL),
                ""
            )
            .is_empty()
        );
        // The automatic breakpoint is last: a 1h one after any 5m one is refused too.
        let found = with_cache(
            TOOL,
            &text_with("a", EPHEMERAL),
            r#"{"type":"text","text":"q"}"#,
            r#","cache_control":{"type":"ephemeral","ttl":"1h"}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("cache_control: a 1h cache entry after a 5m one (system[0])"));
    }

    #[test]
    fn cache_control_must_be_ephemeral_with_a_known_ttl() {
        let found = with_cache(
            &tool_with(r#"{"type":"persistent"}"#),
            &text_with("a", r#"{"type":"ephemeral","ttl":"2h"}"#),
            &text_with("q", r#""yes""#),
            "",
        );
        assert_eq!(
            found,
            vec![
                "tools[0].cache_control: type \"persistent\" is not \"ephemeral\", the only cache type",
                "system[0].cache_control: ttl \"2h\" is not one the API takes: use \"5m\" or \"1h\"",
                "messages[0].content[0].cache_control: must be an object: {\"type\": \"ephemeral\"} (with \"ttl\": \"5m\" or \"1h\")",
            ]
        );
    }

    #[test]
    fn a_thinking_block_cannot_carry_cache_control() {
        let found = problems(
            r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"q"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s","cache_control":{"type":"ephemeral"}}]}]}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("messages[1].content[0].cache_control: a thinking block"));
    }

    #[test]
    fn a_body_over_32_mb_is_refused() {
        // 32 MB of text in one message: valid otherwise, too big to send.
        let request =
            Request::single_text("claude-sonnet-4-5", "a".repeat(MAX_REQUEST_BYTES as usize));
        let found: Vec<String> = validate(&request).iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("request: the request body is 32.0 MB (")
                && found[0].contains("over the API's limit of 32.0 MB (33554432 bytes)"),
            "{found:?}"
        );
    }
}
