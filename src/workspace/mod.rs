//! Workspaces: the whole draft (the request plus budgie's own state), on disk and in memory.
//! Autosave, recovery, import/export live beside this file. (Issue 6.)
//!
//! On disk (format version 1):
//! ```json
//! { "budgie_workspace": 1,
//!   "request": { ...a Messages API request... },
//!   "budget": 20000, "notes": "...", "disabled_tools": ["get_weather"] }
//! ```
//! An attachment block (image or document) may carry budgie's annotation under the key
//! `x_budgie` in the block: `{"path": "...", "sha256": "...", "enabled": false}`. It is
//! budgie's own and never sent: `Workspace::to_request` strips it and leaves out disabled
//! attachments and tools.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::request::{Content, ContentBlock, Request};

/// The key under which budgie keeps its own notes on a content block.
pub const ANNOTATION: &str = "x_budgie";

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    /// The full request as the user drafts it, including fields count_tokens does not take.
    pub request: Request,
    pub budget: Option<u64>,
    pub notes: String,
    /// Names of tools toggled off (names are unique within a request).
    pub disabled_tools: BTreeSet<String>,
}

impl Workspace {
    pub fn from_request(request: Request) -> Self {
        Workspace {
            request,
            budget: None,
            notes: String::new(),
            disabled_tools: BTreeSet::new(),
        }
    }

    /// What is counted and sent: disabled tools and attachments left out, annotations
    /// stripped.
    pub fn to_request(&self) -> Request {
        let mut request = self.request.clone();
        if let Some(tools) = &mut request.tools {
            tools.retain(|t| !self.disabled_tools.contains(&t.name));
        }
        for message in &mut request.messages {
            if let Content::Blocks(blocks) = &mut message.content {
                blocks.retain(block_enabled);
                for block in blocks.iter_mut() {
                    if let Some(extra) = block_extra_mut(block) {
                        extra.remove(ANNOTATION);
                    }
                }
            }
        }
        request
    }
}

/// An attachment is on unless its annotation says `"enabled": false`.
pub fn block_enabled(block: &ContentBlock) -> bool {
    let extra = match block {
        ContentBlock::Image(b) | ContentBlock::Document(b) => &b.extra,
        _ => return true,
    };
    extra
        .get(ANNOTATION)
        .and_then(|a| a.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

fn block_extra_mut(block: &mut ContentBlock) -> Option<&mut serde_json::Map<String, Value>> {
    match block {
        ContentBlock::Image(b) | ContentBlock::Document(b) => Some(&mut b.extra),
        _ => None,
    }
}
