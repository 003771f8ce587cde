//! Prompt-cache breakpoints: every `cache_control` in a request, in the order the API builds
//! the cached prefix (tools, then system, then messages), and the request cut after one of
//! them — what the prefix up to that breakpoint holds.
//!
//! Anthropic's prompt caching docs: `cache_control` goes on a tool definition, a system text
//! block or a message content block; a top-level `cache_control` is automatic caching, which
//! puts the breakpoint on the last cacheable block. (The rules a request must keep — how many,
//! which TTLs, in what order — are checked with the others in `validate`.)

use serde_json::{Map, Value};

use super::limits::MAX_CACHE_BREAKPOINTS;
use super::{Content, ContentBlock, Message, Request, Role, System, TextBlock, ToolResultContent};

/// Where a breakpoint sits. The order of the variants (and of their indices) is the order of
/// the API's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Position {
    /// On `tools[i]`.
    Tool(usize),
    /// On `system[i]` (a system prompt given as blocks).
    System(usize),
    /// On `messages[message].content[block]`.
    Block { message: usize, block: usize },
    /// The top-level `cache_control`: automatic caching, on the last cacheable block.
    Auto,
}

impl Position {
    /// How `budgie count --json` names it: `tools[2]`, `system[1]`,
    /// `messages[3].content[0]`, `auto`.
    pub fn path(self) -> String {
        match self {
            Position::Tool(i) => format!("tools[{i}]"),
            Position::System(i) => format!("system[{i}]"),
            Position::Block { message, block } => format!("messages[{message}].content[{block}]"),
            Position::Auto => "auto".to_string(),
        }
    }

    /// Before the first message (tools and system): a prefix cut here has no conversation.
    pub fn before_messages(self) -> bool {
        matches!(self, Position::Tool(_) | Position::System(_))
    }
}

/// How long a cache entry lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ttl {
    FiveMinutes,
    OneHour,
}

impl Ttl {
    /// As the API writes it.
    pub fn name(self) -> &'static str {
        match self {
            Ttl::FiveMinutes => "5m",
            Ttl::OneHour => "1h",
        }
    }
}

/// One `cache_control`, where it is and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakpoint {
    pub at: Position,
    /// The field's path in the request (for a breakpoint inside a tool result or a document,
    /// the nested block's path; `at` is then the top-level block holding it).
    pub path: String,
    /// The `cache_control` value as written.
    pub cache_control: Value,
}

impl Breakpoint {
    /// The TTL asked for: `5m` when none is given (the API's default); `Err` with the value
    /// when it is not one the API takes.
    pub fn ttl(&self) -> Result<Ttl, String> {
        match self.cache_control.get("ttl") {
            None | Some(Value::Null) => Ok(Ttl::FiveMinutes),
            Some(Value::String(s)) if s == "5m" => Ok(Ttl::FiveMinutes),
            Some(Value::String(s)) if s == "1h" => Ok(Ttl::OneHour),
            Some(other) => Err(other.to_string()),
        }
    }

    /// A breakpoint inside another block (a tool result's content, a document's content).
    pub fn nested(&self) -> bool {
        self.at != Position::Auto && self.path != self.at.path()
    }
}

fn cache_control(extra: &Map<String, Value>) -> Option<&Value> {
    extra.get("cache_control").filter(|v| !v.is_null())
}

/// The `cache_control` a content block carries, if any.
pub fn block_cache_control(block: &ContentBlock) -> Option<&Value> {
    match block {
        ContentBlock::Text(b) => cache_control(&b.extra),
        ContentBlock::Image(b) | ContentBlock::Document(b) => cache_control(&b.extra),
        ContentBlock::ToolUse(b) => cache_control(&b.extra),
        ContentBlock::ToolResult(b) => cache_control(&b.extra),
        ContentBlock::Thinking(b) => cache_control(&b.extra),
        ContentBlock::RedactedThinking(b) => cache_control(&b.extra),
        ContentBlock::SearchResult(b) => cache_control(&b.extra),
        ContentBlock::Other(map) => cache_control(map),
    }
}

fn block_extra_mut(block: &mut ContentBlock) -> &mut Map<String, Value> {
    match block {
        ContentBlock::Text(b) => &mut b.extra,
        ContentBlock::Image(b) | ContentBlock::Document(b) => &mut b.extra,
        ContentBlock::ToolUse(b) => &mut b.extra,
        ContentBlock::ToolResult(b) => &mut b.extra,
        ContentBlock::Thinking(b) => &mut b.extra,
        ContentBlock::RedactedThinking(b) => &mut b.extra,
        ContentBlock::SearchResult(b) => &mut b.extra,
        ContentBlock::Other(map) => map,
    }
}

/// A text block of `text` (a string system prompt or message becoming a list, so that it can
/// carry a breakpoint).
fn text_block(text: String) -> TextBlock {
    TextBlock {
        kind: "text".into(),
        text,
        extra: Map::new(),
    }
}

/// Put a breakpoint (`{"type": "ephemeral"}`, the 5-minute default) on the block at `at`, or
/// take the one there away. A string system prompt or message becomes a list of one text
/// block to carry it. Returns whether a breakpoint is there now; `Err` says why not (an empty
/// block, a thinking block, already the most breakpoints the API takes, no such block).
pub fn toggle_breakpoint(request: &mut Request, at: Position) -> Result<bool, String> {
    let full = breakpoints(request).len() >= MAX_CACHE_BREAKPOINTS;
    let refuse_full = || {
        format!(
            "the API takes at most {MAX_CACHE_BREAKPOINTS} cache breakpoints in a request: \
             remove one first"
        )
    };
    let extra: &mut Map<String, Value> = match at {
        Position::Auto => &mut request.extra,
        Position::Tool(i) => {
            &mut request
                .tools
                .as_mut()
                .and_then(|t| t.get_mut(i))
                .ok_or("no such tool")?
                .extra
        }
        Position::System(i) => {
            let system = request
                .system
                .as_mut()
                .ok_or("the system prompt is empty")?;
            if let System::Text(text) = system {
                if text.is_empty() || i != 0 {
                    return Err("the system prompt is empty: nothing to cache".into());
                }
                *system = System::Blocks(vec![text_block(std::mem::take(text))]);
            }
            let System::Blocks(blocks) = system else {
                return Err("no such system block".into());
            };
            &mut blocks.get_mut(i).ok_or("no such system block")?.extra
        }
        Position::Block { message, block } => {
            let m = request.messages.get_mut(message).ok_or("no such message")?;
            if let Content::Text(text) = &mut m.content {
                if text.is_empty() || block != 0 {
                    return Err("the message is empty: nothing to cache".into());
                }
                m.content =
                    Content::Blocks(vec![ContentBlock::Text(text_block(std::mem::take(text)))]);
            }
            let Content::Blocks(blocks) = &mut m.content else {
                return Err("no such block".into());
            };
            let b = blocks.get_mut(block).ok_or("no such block")?;
            if matches!(
                b,
                ContentBlock::Thinking(_) | ContentBlock::RedactedThinking(_)
            ) {
                return Err(
                    "a thinking block cannot carry a cache breakpoint (it is cached with the \
                     blocks around it)"
                        .into(),
                );
            }
            block_extra_mut(b)
        }
    };
    if extra.remove("cache_control").is_some() {
        return Ok(false);
    }
    if full {
        return Err(refuse_full());
    }
    let mut cache_control = Map::new();
    cache_control.insert("type".into(), Value::String("ephemeral".into()));
    extra.insert("cache_control".into(), Value::Object(cache_control));
    Ok(true)
}

/// Every breakpoint of `request`, in prefix order (the automatic one last).
pub fn breakpoints(request: &Request) -> Vec<Breakpoint> {
    let mut out = Vec::new();
    let mut push = |at: Position, path: String, value: &Value| {
        out.push(Breakpoint {
            at,
            path,
            cache_control: value.clone(),
        });
    };
    for (i, tool) in request.tools.iter().flatten().enumerate() {
        if let Some(v) = cache_control(&tool.extra) {
            push(Position::Tool(i), Position::Tool(i).path(), v);
        }
    }
    if let Some(System::Blocks(blocks)) = &request.system {
        for (i, block) in blocks.iter().enumerate() {
            if let Some(v) = cache_control(&block.extra) {
                push(Position::System(i), Position::System(i).path(), v);
            }
        }
    }
    for (m, message) in request.messages.iter().enumerate() {
        let Content::Blocks(blocks) = &message.content else {
            continue;
        };
        for (b, block) in blocks.iter().enumerate() {
            let at = Position::Block {
                message: m,
                block: b,
            };
            if let Some(v) = block_cache_control(block) {
                push(at, at.path(), v);
            }
            let inner: &[ContentBlock] = match block {
                ContentBlock::ToolResult(r) => match &r.content {
                    Some(ToolResultContent::Blocks(inner)) => inner,
                    _ => &[],
                },
                ContentBlock::Document(d) => d.source.content.as_deref().unwrap_or(&[]),
                _ => &[],
            };
            let field = if matches!(block, ContentBlock::Document(_)) {
                "source.content"
            } else {
                "content"
            };
            for (k, nested) in inner.iter().enumerate() {
                if let Some(v) = block_cache_control(nested) {
                    push(at, format!("{}.{field}[{k}]", at.path()), v);
                }
            }
        }
    }
    if let Some(v) = cache_control(&request.extra) {
        push(Position::Auto, "auto".to_string(), v);
    }
    out
}

/// Where the automatic breakpoint lands: the last block of the last message.
pub fn auto_position(request: &Request) -> Option<Position> {
    let message = request.messages.len().checked_sub(1)?;
    let block = match &request.messages[message].content {
        Content::Blocks(blocks) => blocks.len().checked_sub(1)?,
        Content::Text(_) => 0,
    };
    Some(Position::Block { message, block })
}

/// The text of the user message a prefix that ends before the conversation is counted with:
/// count_tokens takes no request without a message, so the cut carries the smallest one.
pub const STAND_IN_MESSAGE: &str = ".";

/// `request` cut after the block at `at`: what the prefix up to that breakpoint holds, as a
/// request count_tokens takes. Later tools, system blocks and messages go; a cut before the
/// conversation carries one user message of [`STAND_IN_MESSAGE`]; a `tool_choice` naming a
/// tool that is cut away becomes `any` (the same tool-use prompt, less the name). `None` when
/// the request has no such block.
pub fn cut_after(request: &Request, at: Position) -> Option<Request> {
    // Only what the prefix keeps is copied: the cuts of a large request are counted one by
    // one, none of them a whole copy of it.
    let mut r = Request {
        model: request.model.clone(),
        system: None,
        messages: Vec::new(),
        tools: None,
        tool_choice: request.tool_choice.clone(),
        thinking: request.thinking.clone(),
        extra: request.extra.clone(),
    };
    let stand_in = || {
        vec![Message {
            role: Role::User,
            content: Content::Text(STAND_IN_MESSAGE.into()),
            extra: Map::new(),
        }]
    };
    match at {
        Position::Auto => return Some(request.clone()),
        Position::Tool(i) => {
            let tools = request.tools.as_ref()?;
            if i >= tools.len() {
                return None;
            }
            let kept = &tools[..=i];
            if let Some(choice) = &mut r.tool_choice
                && choice.kind == "tool"
                && !choice
                    .name
                    .as_ref()
                    .is_some_and(|n| kept.iter().any(|t| t.name == *n))
            {
                choice.kind = "any".into();
                choice.name = None;
            }
            r.tools = Some(kept.to_vec());
            r.messages = stand_in();
        }
        Position::System(i) => {
            r.tools = request.tools.clone();
            r.system = Some(match &request.system {
                Some(System::Blocks(blocks)) if i < blocks.len() => {
                    System::Blocks(blocks[..=i].to_vec())
                }
                // A string system prompt is one block (a breakpoint there makes it a list).
                Some(System::Text(text)) if i == 0 => System::Text(text.clone()),
                _ => return None,
            });
            r.messages = stand_in();
        }
        Position::Block { message, block } => {
            let last = request.messages.get(message)?;
            let content = match &last.content {
                Content::Blocks(blocks) if block < blocks.len() => {
                    Content::Blocks(blocks[..=block].to_vec())
                }
                Content::Text(text) if block == 0 => Content::Text(text.clone()),
                _ => return None,
            };
            r.tools = request.tools.clone();
            r.system = request.system.clone();
            r.messages = request.messages[..message].to_vec();
            r.messages.push(Message {
                role: last.role,
                content,
                extra: last.extra.clone(),
            });
        }
    }
    Some(r)
}

/// Each breakpoint of `request` with the request its prefix is counted on: the request cut
/// after the breakpoint's block (after the whole request for the automatic one).
pub fn prefix_requests(request: &Request) -> Vec<(Breakpoint, Request)> {
    breakpoints(request)
        .into_iter()
        .filter_map(|b| Some((b.clone(), cut_after(request, b.at)?)))
        .collect()
}

/// The places whose prefix stays the same from one request to the next, where a breakpoint
/// caches the most: after the tools, after the system prompt, after the conversation before
/// its last message. Each with what it is, in words.
pub fn stable_positions(request: &Request) -> Vec<(Position, &'static str)> {
    let mut out = Vec::new();
    if let Some(n) = request.tools.as_ref().map(Vec::len).filter(|n| *n > 0) {
        out.push((Position::Tool(n - 1), "after the tools"));
    }
    match &request.system {
        Some(System::Blocks(blocks)) if !blocks.is_empty() => out.push((
            Position::System(blocks.len() - 1),
            "after the tools and the system prompt",
        )),
        Some(System::Text(text)) if !text.is_empty() => {
            out.push((Position::System(0), "after the tools and the system prompt"));
        }
        _ => {}
    }
    if let Some(m) = request.messages.len().checked_sub(2) {
        let last_block = match &request.messages[m].content {
            Content::Blocks(blocks) => blocks.len().saturating_sub(1),
            Content::Text(_) => 0,
        };
        out.push((
            Position::Block {
                message: m,
                block: last_block,
            },
            "after the conversation before its last message",
        ));
    }
    out
}

/// Every place a breakpoint could go, in prefix order: each tool, each system block (a
/// string system prompt counts as `system[0]`), each block of each message.
pub fn block_positions(request: &Request) -> Vec<Position> {
    let mut out: Vec<Position> = (0..request.tools.as_ref().map_or(0, Vec::len))
        .map(Position::Tool)
        .collect();
    match &request.system {
        Some(System::Blocks(blocks)) => out.extend((0..blocks.len()).map(Position::System)),
        Some(System::Text(text)) if !text.is_empty() => out.push(Position::System(0)),
        _ => {}
    }
    for (m, message) in request.messages.iter().enumerate() {
        let n = match &message.content {
            Content::Blocks(blocks) => blocks.len(),
            Content::Text(_) => 1,
        };
        out.extend((0..n).map(|block| Position::Block { message: m, block }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    const REQUEST: &str = r#"{"model":"claude-sonnet-4-5","cache_control":{"type":"ephemeral"},
      "tools":[{"name":"a","input_schema":{"type":"object"}},
               {"name":"b","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral","ttl":"1h"}}],
      "tool_choice":{"type":"tool","name":"b"},
      "system":[{"type":"text","text":"one"},{"type":"text","text":"two","cache_control":{"type":"ephemeral"}}],
      "messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral"}},
          {"type":"tool_result","tool_use_id":"x","content":[{"type":"text","text":"r","cache_control":{"type":"ephemeral"}}]}]},
        {"role":"assistant","content":"reply"},
        {"role":"user","content":"next"}]}"#;

    #[test]
    fn breakpoints_come_in_prefix_order_tools_system_messages_auto() {
        let r = parse(REQUEST).expect("parses");
        let found: Vec<String> = breakpoints(&r).iter().map(|b| b.path.clone()).collect();
        assert_eq!(
            found,
            [
                "tools[1]",
                "system[1]",
                "messages[0].content[0]",
                "messages[0].content[1].content[0]",
                "auto"
            ]
        );
        let all = breakpoints(&r);
        assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(all[0].ttl(), Ok(Ttl::OneHour));
        assert_eq!(all[1].ttl(), Ok(Ttl::FiveMinutes));
        assert!(all[3].nested() && !all[2].nested() && !all[4].nested());
        assert_eq!(
            auto_position(&r),
            Some(Position::Block {
                message: 2,
                block: 0
            })
        );
    }

    #[test]
    fn a_cut_keeps_the_prefix_and_nothing_after_it() {
        let r = parse(REQUEST).expect("parses");
        let tools = cut_after(&r, Position::Tool(0)).expect("a tool");
        assert_eq!(tools.tools.as_ref().map(Vec::len), Some(1));
        assert!(tools.system.is_none());
        assert_eq!(
            tools.messages[0].content,
            Content::Text(STAND_IN_MESSAGE.into())
        );
        // The named tool is cut away: the choice stays a forced one.
        let choice = tools.tool_choice.expect("kept");
        assert_eq!((choice.kind.as_str(), choice.name), ("any", None));

        let system = cut_after(&r, Position::System(1)).expect("a system block");
        assert_eq!(system.tools.as_ref().map(Vec::len), Some(2));
        assert_eq!(system.tool_choice.expect("kept").name.as_deref(), Some("b"));
        assert_eq!(system.messages.len(), 1);

        let block = cut_after(
            &r,
            Position::Block {
                message: 0,
                block: 0,
            },
        )
        .expect("a block");
        assert_eq!(block.messages.len(), 1);
        assert!(matches!(&block.messages[0].content, Content::Blocks(b) if b.len() == 1));
        assert_eq!(cut_after(&r, Position::Auto), Some(r.clone()));
        assert_eq!(cut_after(&r, Position::Tool(5)), None);
        assert_eq!(
            cut_after(
                &r,
                Position::Block {
                    message: 1,
                    block: 1
                }
            ),
            None
        );
    }

    #[test]
    fn stable_positions_are_the_ends_of_tools_system_and_history() {
        let r = parse(REQUEST).expect("parses");
        let found: Vec<String> = stable_positions(&r).iter().map(|(p, _)| p.path()).collect();
        assert_eq!(found, ["tools[1]", "system[1]", "messages[1].content[0]"]);
        let plain = Request::single_text("m", "hi");
        assert!(stable_positions(&plain).is_empty());
        assert_eq!(prefix_requests(&r).len(), 5);
    }

    #[test]
    fn a_breakpoint_is_put_and_taken_away() {
        let mut r = parse(
            r#"{"model":"m","system":"Be brief.","messages":[{"role":"user","content":"hi"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"}]}]}"#,
        )
        .expect("parses");
        let original = r.clone();
        assert_eq!(toggle_breakpoint(&mut r, Position::System(0)), Ok(true));
        // The string system prompt became one block, carrying the breakpoint.
        assert!(
            matches!(&r.system, Some(System::Blocks(b)) if b.len() == 1 && b[0].text == "Be brief.")
        );
        let at = Position::Block {
            message: 0,
            block: 0,
        };
        assert_eq!(toggle_breakpoint(&mut r, at), Ok(true));
        assert_eq!(
            breakpoints(&r)
                .iter()
                .map(|b| b.path.clone())
                .collect::<Vec<_>>(),
            ["system[0]", "messages[0].content[0]"]
        );
        assert_eq!(toggle_breakpoint(&mut r, at), Ok(false));
        assert_eq!(toggle_breakpoint(&mut r, Position::System(0)), Ok(false));
        assert!(breakpoints(&r).is_empty());
        // Same text, now as blocks: nothing else changed.
        assert_eq!(r.messages[1], original.messages[1]);
        let thinking = Position::Block {
            message: 1,
            block: 0,
        };
        assert!(toggle_breakpoint(&mut r, thinking).is_err_and(|e| e.contains("thinking block")));
        assert!(toggle_breakpoint(&mut r, Position::Tool(0)).is_err());
        // Four is the most: a fifth is refused, and taking one away still works.
        for user in ["more", "again"] {
            r.messages.push(Message {
                role: Role::User,
                content: Content::Text(user.into()),
                extra: Map::new(),
            });
        }
        let third = Position::Block {
            message: 2,
            block: 0,
        };
        let fourth = Position::Block {
            message: 3,
            block: 0,
        };
        for place in [Position::System(0), at, Position::Auto, third] {
            assert_eq!(toggle_breakpoint(&mut r, place), Ok(true));
        }
        assert!(toggle_breakpoint(&mut r, fourth).is_err_and(|e| e.contains("at most 4")));
        assert_eq!(breakpoints(&r).len(), 4);
        assert_eq!(toggle_breakpoint(&mut r, Position::Auto), Ok(false));
        assert_eq!(toggle_breakpoint(&mut r, fourth), Ok(true));
    }

    #[test]
    fn every_block_is_a_position() {
        let r = parse(REQUEST).expect("parses");
        assert_eq!(block_positions(&r).len(), 2 + 2 + 2 + 1 + 1);
    }
}
