//! The example workspace shipped with budgie: what opens when no file is given.

use std::path::Path;

use serde_json::Value;

use crate::request::Request;
use crate::workspace::{Workspace, WorkspaceError, format};

pub const EXAMPLE: &str = include_str!("../../assets/example.budgie.json");

/// The example workspace (an empty draft if the asset could not be read, which a test
/// rules out).
pub fn example() -> Workspace {
    decode().unwrap_or_else(|_| {
        Workspace::from_request(Request::single_text(crate::config::DEFAULT_MODEL, ""))
    })
}

fn decode() -> Result<Workspace, WorkspaceError> {
    let path = Path::new("example.budgie.json");
    let map = match serde_json::from_str(EXAMPLE) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    Ok(format::decode_value(path, map)?.workspace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Content, ContentBlock};

    #[test]
    fn the_example_has_a_system_prompt_turns_a_tool_and_an_image() {
        let ws = decode().expect("the example is a valid workspace");
        assert!(ws.request.system.is_some());
        assert!(ws.request.messages.len() >= 2);
        let tools = ws.request.tools.as_ref().expect("tools");
        assert_eq!(tools[0].name, "get_weather");
        let has_png = ws.request.messages.iter().any(|m| match &m.content {
            Content::Blocks(b) => b.iter().any(|b| matches!(b, ContentBlock::Image(_))),
            Content::Text(_) => false,
        });
        assert!(has_png);
    }
}
