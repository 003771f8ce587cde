//! A request without one of its sections, for leave-one-out counts.
//!
//! Where taking a section out would make the request one the API refuses — the only message,
//! a tool the tool_choice names or a tool call uses, a message whose tool calls or results
//! are answered elsewhere — the section is replaced by the smallest valid equivalent, and the
//! caller is told so.

use serde_json::{Map, Value};

use crate::estimate::Section;
use crate::request::{Content, ContentBlock, Request, Role, System, Tool, ToolResultBlock};

/// The request without `section`, and what stands in for it when it could not simply go.
/// `None` when the section is not in the request (or is framing, which has no one place).
pub fn without(request: &Request, section: &Section) -> Option<(Request, Option<String>)> {
    let mut r = request.clone();
    let note = match section {
        Section::Framing => return None,
        Section::System(None) => {
            r.system.take()?;
            None
        }
        Section::System(Some(i)) => {
            let Some(System::Blocks(blocks)) = &mut r.system else {
                return None;
            };
            if *i >= blocks.len() {
                return None;
            }
            blocks.remove(*i);
            if blocks.is_empty() {
                r.system = None;
            }
            None
        }
        Section::Tool(name) => without_tool(&mut r, name)?,
        Section::Message(i) => without_message(&mut r, *i)?,
        Section::Attachment(i, j) => without_block(&mut r, *i, *j)?,
        Section::Thinking => {
            r.thinking.take()?;
            None
        }
        Section::OutputFormat => {
            let had_beta = r.extra.remove("output_format").is_some();
            let had_config = match r.extra.get_mut("output_config") {
                Some(Value::Object(config)) => config.remove("format").is_some(),
                _ => false,
            };
            if !had_beta && !had_config {
                return None;
            }
            None
        }
    };
    Some((r, note))
}

fn without_tool(r: &mut Request, name: &str) -> Option<Option<String>> {
    let tools = r.tools.as_mut()?;
    let at = tools.iter().position(|t| t.name == name)?;
    let named = r
        .tool_choice
        .as_ref()
        .is_some_and(|c| c.name.as_deref() == Some(name));
    let called = r.messages.iter().any(|m| match &m.content {
        Content::Blocks(blocks) => blocks
            .iter()
            .any(|b| matches!(b, ContentBlock::ToolUse(u) if u.name == name)),
        Content::Text(_) => false,
    });
    if named || called {
        tools[at] = minimal_tool(name);
        let why = if named {
            "tool_choice names it"
        } else {
            "a tool call uses it"
        };
        return Some(Some(format!(
            "replaced by a tool with no description or parameters ({why})"
        )));
    }
    tools.remove(at);
    if tools.is_empty() {
        r.tools = None;
        r.tool_choice = None;
    }
    Some(None)
}

fn minimal_tool(name: &str) -> Tool {
    let mut schema = Map::new();
    schema.insert("type".into(), Value::String("object".into()));
    Tool {
        kind: None,
        name: name.to_string(),
        description: None,
        input_schema: Some(Value::Object(schema)),
        extra: Map::new(),
    }
}

fn without_message(r: &mut Request, i: usize) -> Option<Option<String>> {
    let message = r.messages.get(i)?;
    let paired = match &message.content {
        Content::Blocks(blocks) => blocks
            .iter()
            .any(|b| matches!(b, ContentBlock::ToolUse(_) | ContentBlock::ToolResult(_))),
        Content::Text(_) => false,
    };
    // The first message must stay a user message.
    let opens = i == 0 && r.messages.get(1).is_some_and(|m| m.role != Role::User);
    if !paired && !opens && r.messages.len() > 1 {
        r.messages.remove(i);
        // The conversation must still end with the user (or an assistant prefill): taking
        // out the last user message leaves the assistant's reply last, which is a prefill,
        // which the API takes.
        return Some(None);
    }
    let m = &mut r.messages[i];
    let minimal: Vec<ContentBlock> = match &m.content {
        Content::Blocks(blocks) if paired => blocks
            .iter()
            .filter_map(|b| match b {
                ContentBlock::ToolUse(u) => {
                    let mut u = u.clone();
                    u.input = Value::Object(Map::new());
                    Some(ContentBlock::ToolUse(u))
                }
                ContentBlock::ToolResult(t) => Some(ContentBlock::ToolResult(ToolResultBlock {
                    tool_use_id: t.tool_use_id.clone(),
                    content: None,
                    is_error: None,
                    extra: Map::new(),
                })),
                _ => None,
            })
            .collect(),
        _ => vec![ContentBlock::text(".")],
    };
    m.content = Content::Blocks(minimal);
    Some(Some(if paired {
        "replaced by its tool calls/results with no input or content (they are paired)".into()
    } else if opens {
        "replaced by \".\" (the conversation must open with a user message)".into()
    } else {
        "replaced by \".\" (the only message)".into()
    }))
}

fn without_block(r: &mut Request, i: usize, j: usize) -> Option<Option<String>> {
    let message = r.messages.get_mut(i)?;
    let Content::Blocks(blocks) = &mut message.content else {
        return None;
    };
    if j >= blocks.len() {
        return None;
    }
    blocks.remove(j);
    if blocks.is_empty() {
        blocks.push(ContentBlock::text("."));
        return Some(Some("replaced by \".\" (the message's only block)".into()));
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    fn req(json: &str) -> Request {
        parse(json).expect("a request")
    }

    #[test]
    fn a_plain_message_goes_and_the_only_one_becomes_a_dot() {
        let r = req(r#"{"model":"m","messages":[{"role":"user","content":"a"},
            {"role":"assistant","content":"b"},{"role":"user","content":"c"}]}"#);
        let (w, note) = without(&r, &Section::Message(1)).expect("in the request");
        assert_eq!(w.messages.len(), 2);
        assert!(note.is_none());
        let one = req(r#"{"model":"m","messages":[{"role":"user","content":"a"}]}"#);
        let (w, note) = without(&one, &Section::Message(0)).expect("in the request");
        assert_eq!(w.messages.len(), 1);
        assert!(note.expect("says so").contains("only message"));
    }

    #[test]
    fn paired_tool_calls_keep_their_ids_and_lose_their_input() {
        let r = req(
            r#"{"model":"m","tools":[{"name":"f","input_schema":{"type":"object"}}],
            "messages":[{"role":"user","content":"go"},
            {"role":"assistant","content":[{"type":"text","text":"calling"},
              {"type":"tool_use","id":"t1","name":"f","input":{"x":1}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"done"}]}]}"#,
        );
        let (w, note) = without(&r, &Section::Message(1)).expect("in the request");
        assert!(note.is_some());
        let Content::Blocks(blocks) = &w.messages[1].content else {
            panic!("blocks")
        };
        assert_eq!(blocks.len(), 1);
        assert!(
            matches!(&blocks[0], ContentBlock::ToolUse(u) if u.id == "t1" && u.input == serde_json::json!({}))
        );
        let (w, _) = without(&r, &Section::Message(2)).expect("in the request");
        let Content::Blocks(blocks) = &w.messages[2].content else {
            panic!("blocks")
        };
        assert!(matches!(&blocks[0], ContentBlock::ToolResult(t) if t.content.is_none()));
    }

    #[test]
    fn a_tool_in_use_is_replaced_and_a_free_one_removed() {
        let r = req(
            r#"{"model":"m","tools":[{"name":"f","description":"d","input_schema":{"type":"object"}},
            {"name":"g","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"f"},
            "messages":[{"role":"user","content":"go"}]}"#,
        );
        let (w, note) = without(&r, &Section::Tool("f".into())).expect("in the request");
        assert!(note.expect("replaced").contains("tool_choice"));
        assert_eq!(w.tools.as_ref().map(Vec::len), Some(2));
        assert_eq!(w.tools.as_ref().expect("tools")[0].description, None);
        let (w, note) = without(&r, &Section::Tool("g".into())).expect("in the request");
        assert!(note.is_none());
        assert_eq!(w.tools.as_ref().map(Vec::len), Some(1));
        assert!(without(&r, &Section::Tool("h".into())).is_none());
    }

    #[test]
    fn system_thinking_output_format_and_attachments_come_out() {
        let r = req(
            r#"{"model":"m","system":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
            "thinking":{"type":"enabled","budget_tokens":1024},
            "output_config":{"effort":"low","format":{"type":"json_schema","schema":{"type":"object"}}},
            "messages":[{"role":"user","content":[{"type":"text","text":"x"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]}]}"#,
        );
        let (w, _) = without(&r, &Section::System(Some(0))).expect("in");
        assert!(
            matches!(w.system, Some(System::Blocks(ref b)) if b.len() == 1 && b[0].text == "b")
        );
        assert!(
            without(&r, &Section::Thinking)
                .expect("in")
                .0
                .thinking
                .is_none()
        );
        let (w, _) = without(&r, &Section::OutputFormat).expect("in");
        assert_eq!(
            w.extra["output_config"],
            serde_json::json!({"effort": "low"})
        );
        let (w, note) = without(&r, &Section::Attachment(0, 1)).expect("in");
        assert!(note.is_none());
        assert!(matches!(&w.messages[0].content, Content::Blocks(b) if b.len() == 1));
        assert!(without(&r, &Section::Framing).is_none());
    }
}
