//! Addressing the parts of a request the workbench shows one by one ("slots"): the system
//! prompt, then every block of every turn. A `Content::Text` turn is one slot; a turn with an
//! empty block list still gets one (typing into it creates a text block).

use serde_json::Value;

use crate::request::{
    Content, ContentBlock, MediaBlock, Message, Request, Role, System, TextBlock,
};
use crate::workspace::ANNOTATION;

/// One visible, focusable piece of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// The system prompt (block `i` when it is a list of blocks; 0 for a plain string).
    System(usize),
    /// Turn `t`, block `b` (0 for a plain-string turn).
    Turn(usize, usize),
}

impl Slot {
    pub fn turn(self) -> Option<usize> {
        match self {
            Slot::System(_) => None,
            Slot::Turn(t, _) => Some(t),
        }
    }
}

/// Every slot of `request`, in the order they are drawn.
pub fn slots(request: &Request) -> Vec<Slot> {
    let mut out = Vec::with_capacity(request.messages.len() + 1);
    match &request.system {
        Some(System::Blocks(blocks)) if !blocks.is_empty() => {
            out.extend((0..blocks.len()).map(Slot::System));
        }
        _ => out.push(Slot::System(0)),
    }
    for (t, message) in request.messages.iter().enumerate() {
        match &message.content {
            Content::Blocks(blocks) if !blocks.is_empty() => {
                out.extend((0..blocks.len()).map(|b| Slot::Turn(t, b)));
            }
            _ => out.push(Slot::Turn(t, 0)),
        }
    }
    out
}

/// What a slot holds, for drawing and editing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SlotContent<'a> {
    /// Editable text (system, a plain turn, a text block).
    Text(&'a str),
    /// An editable thinking block's text.
    Thinking(&'a str),
    /// Anything else: drawn compactly, not edited as text.
    Block(&'a ContentBlock),
}

impl<'a> SlotContent<'a> {
    pub fn text(self) -> Option<&'a str> {
        match self {
            SlotContent::Text(t) | SlotContent::Thinking(t) => Some(t),
            SlotContent::Block(_) => None,
        }
    }
}

pub fn content(request: &Request, slot: Slot) -> Option<SlotContent<'_>> {
    match slot {
        Slot::System(i) => match &request.system {
            None => Some(SlotContent::Text("")),
            Some(System::Text(t)) => Some(SlotContent::Text(t)),
            Some(System::Blocks(blocks)) if blocks.is_empty() => Some(SlotContent::Text("")),
            Some(System::Blocks(blocks)) => blocks.get(i).map(|b| SlotContent::Text(&b.text)),
        },
        Slot::Turn(t, b) => {
            let message = request.messages.get(t)?;
            match &message.content {
                Content::Text(text) => Some(SlotContent::Text(text)),
                Content::Blocks(blocks) if blocks.is_empty() => Some(SlotContent::Text("")),
                Content::Blocks(blocks) => blocks.get(b).map(|block| match block {
                    ContentBlock::Text(tb) => SlotContent::Text(&tb.text),
                    ContentBlock::Thinking(th) => SlotContent::Thinking(&th.thinking),
                    other => SlotContent::Block(other),
                }),
            }
        }
    }
}

/// The text of a text slot, to change in place; `None` when the slot holds no text (an
/// absent system prompt included).
pub fn text_mut(request: &mut Request, slot: Slot) -> Option<&mut String> {
    match slot {
        Slot::System(i) => match request.system.as_mut()? {
            System::Text(t) => Some(t),
            System::Blocks(blocks) => blocks.get_mut(i).map(|b| &mut b.text),
        },
        Slot::Turn(t, b) => match &mut request.messages.get_mut(t)?.content {
            Content::Text(text) => Some(text),
            Content::Blocks(blocks) => match blocks.get_mut(b)? {
                ContentBlock::Text(tb) => Some(&mut tb.text),
                ContentBlock::Thinking(th) => Some(&mut th.thinking),
                _ => None,
            },
        },
    }
}

/// Replace the text of a text slot. Returns false when the slot holds no text.
pub fn set_text(request: &mut Request, slot: Slot, text: String) -> bool {
    match slot {
        Slot::System(i) => match &mut request.system {
            Some(System::Blocks(blocks)) if !blocks.is_empty() => match blocks.get_mut(i) {
                Some(b) => {
                    b.text = text;
                    true
                }
                None => false,
            },
            system => {
                // An emptied plain system prompt is left out rather than sent as "".
                *system = if text.is_empty() {
                    None
                } else {
                    Some(System::Text(text))
                };
                true
            }
        },
        Slot::Turn(t, b) => {
            let Some(message) = request.messages.get_mut(t) else {
                return false;
            };
            match &mut message.content {
                Content::Text(old) => {
                    *old = text;
                    true
                }
                Content::Blocks(blocks) if blocks.is_empty() => {
                    blocks.push(ContentBlock::text(text));
                    true
                }
                Content::Blocks(blocks) => match blocks.get_mut(b) {
                    Some(ContentBlock::Text(tb)) => {
                        tb.text = text;
                        true
                    }
                    Some(ContentBlock::Thinking(th)) => {
                        th.thinking = text;
                        true
                    }
                    _ => false,
                },
            }
        }
    }
}

/// A new empty turn.
pub fn new_turn(role: Role) -> Message {
    Message {
        role,
        content: Content::Text(String::new()),
        extra: Default::default(),
    }
}

pub fn other_role(role: Role) -> Role {
    match role {
        Role::User => Role::Assistant,
        Role::Assistant | Role::System => Role::User,
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::System => "system",
    }
}

/// The request with every incrementally-counted text emptied (system text, plain turns, text
/// blocks). Estimating it gives everything but those texts: frames, tools, images, thinking.
/// Thinking stays in, because whether it counts depends on the model and the turn.
pub fn blank_texts(request: &Request) -> Request {
    let system = request.system.as_ref().map(|s| match s {
        System::Text(_) => System::Text(String::new()),
        System::Blocks(blocks) => System::Blocks(
            blocks
                .iter()
                .map(|b| TextBlock {
                    kind: b.kind.clone(),
                    text: String::new(),
                    extra: b.extra.clone(),
                })
                .collect(),
        ),
    });
    let messages = request
        .messages
        .iter()
        .map(|m| Message {
            role: m.role,
            content: match &m.content {
                Content::Text(_) => Content::Text(String::new()),
                Content::Blocks(blocks) => Content::Blocks(
                    blocks
                        .iter()
                        .map(|b| match b {
                            ContentBlock::Text(tb) => ContentBlock::Text(TextBlock {
                                kind: tb.kind.clone(),
                                text: String::new(),
                                extra: tb.extra.clone(),
                            }),
                            other => other.clone(),
                        })
                        .collect(),
                ),
            },
            extra: m.extra.clone(),
        })
        .collect();
    Request {
        model: request.model.clone(),
        system,
        messages,
        tools: request.tools.clone(),
        tool_choice: request.tool_choice.clone(),
        thinking: request.thinking.clone(),
        extra: request.extra.clone(),
    }
}

/// True for the slots whose text `blank_texts` empties (counted incrementally).
pub fn is_plain_text(request: &Request, slot: Slot) -> bool {
    matches!(content(request, slot), Some(SlotContent::Text(_)))
}

/// The attachment blocks (images and documents) of the request, with their slots.
pub fn attachments(request: &Request) -> Vec<(Slot, &ContentBlock)> {
    let mut out = Vec::new();
    for (t, m) in request.messages.iter().enumerate() {
        if let Content::Blocks(blocks) = &m.content {
            for (b, block) in blocks.iter().enumerate() {
                if matches!(block, ContentBlock::Image(_) | ContentBlock::Document(_)) {
                    out.push((Slot::Turn(t, b), block));
                }
            }
        }
    }
    out
}

/// Switch an attachment on or off (budgie's annotation on the block).
pub fn set_attachment_enabled(request: &mut Request, slot: Slot, enabled: bool) {
    let Slot::Turn(t, b) = slot else { return };
    let Some(Content::Blocks(blocks)) = request.messages.get_mut(t).map(|m| &mut m.content) else {
        return;
    };
    if let Some(ContentBlock::Image(mb) | ContentBlock::Document(mb)) = blocks.get_mut(b) {
        let note = mb
            .extra
            .entry(ANNOTATION.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(map) = note {
            map.insert("enabled".into(), Value::Bool(enabled));
        }
    }
}

/// Remove one block from a turn (an attachment); a turn left empty keeps an empty text.
pub fn remove_block(request: &mut Request, slot: Slot) -> Option<ContentBlock> {
    let Slot::Turn(t, b) = slot else { return None };
    let Some(Content::Blocks(blocks)) = request.messages.get_mut(t).map(|m| &mut m.content) else {
        return None;
    };
    if b >= blocks.len() {
        return None;
    }
    Some(blocks.remove(b))
}

/// The file name an attachment came from (its annotation's path, without the folders).
pub fn attachment_name(block: &MediaBlock) -> Option<String> {
    let path = block.extra.get(ANNOTATION)?.get("path")?.as_str()?;
    Some(path.rsplit('/').next().unwrap_or(path).to_string())
}

/// A short one-line description of a non-text block.
pub fn block_summary(block: &ContentBlock) -> String {
    match block {
        ContentBlock::Image(mb) | ContentBlock::Document(mb) => {
            let kind = block.kind();
            let name = attachment_name(mb);
            let media = mb
                .source
                .media_type
                .clone()
                .unwrap_or_else(|| mb.source.kind.clone());
            let size = mb
                .source
                .data_len()
                .map(|n| format!(", {}", crate::bytes::human(n)))
                .unwrap_or_default();
            match name {
                Some(n) => format!("[{kind}] {n} ({media}{size})"),
                None => format!("[{kind}] {media}{size}"),
            }
        }
        ContentBlock::ToolUse(tu) => format!("[tool_use] {}({})", tu.name, compact(&tu.input)),
        ContentBlock::ToolResult(tr) => {
            let content = match &tr.content {
                Some(crate::request::ToolResultContent::Text(t)) => t.clone(),
                Some(crate::request::ToolResultContent::Blocks(b)) => {
                    format!("{} block(s)", b.len())
                }
                None => String::new(),
            };
            let err = if tr.is_error == Some(true) {
                " error"
            } else {
                ""
            };
            format!("[tool_result{err}] {}: {content}", tr.tool_use_id)
        }
        ContentBlock::RedactedThinking(_) => "[redacted_thinking]".into(),
        ContentBlock::SearchResult(sr) => format!("[search_result] {}", sr.title),
        ContentBlock::Text(t) => t.text.clone(),
        ContentBlock::Thinking(t) => t.thinking.clone(),
        ContentBlock::Other(map) => format!(
            "[{}] {}",
            block.kind(),
            compact(&Value::Object(map.clone()))
        ),
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    fn sample() -> Request {
        parse(
            r#"{"model":"m","system":"sys","messages":[
            {"role":"user","content":"hi"},
            {"role":"assistant","content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t1","name":"f","input":{}}]},
            {"role":"user","content":[]}]}"#,
        )
        .expect("valid")
    }

    #[test]
    fn slots_cover_system_plain_turns_blocks_and_empty_turns() {
        assert_eq!(
            slots(&sample()),
            vec![
                Slot::System(0),
                Slot::Turn(0, 0),
                Slot::Turn(1, 0),
                Slot::Turn(1, 1),
                Slot::Turn(2, 0)
            ]
        );
    }

    #[test]
    fn set_text_writes_where_the_slot_points() {
        let mut r = sample();
        assert!(set_text(&mut r, Slot::Turn(2, 0), "new".into()));
        assert_eq!(
            content(&r, Slot::Turn(2, 0)),
            Some(SlotContent::Text("new"))
        );
        assert!(
            !set_text(&mut r, Slot::Turn(1, 1), "x".into()),
            "tool_use is not text"
        );
        assert!(set_text(&mut r, Slot::System(0), String::new()));
        assert!(r.system.is_none(), "an emptied system prompt is left out");
    }

    #[test]
    fn blank_texts_keeps_structure() {
        let r = blank_texts(&sample());
        assert_eq!(slots(&r), slots(&sample()));
        assert_eq!(content(&r, Slot::Turn(0, 0)), Some(SlotContent::Text("")));
        assert!(matches!(
            content(&r, Slot::Turn(1, 1)),
            Some(SlotContent::Block(_))
        ));
    }
}
