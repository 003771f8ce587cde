//! Tool definitions: which published tool-use prompt figure applies, and what tool_choice
//! adds to it.

use crate::request::ToolChoice;

/// Which column of the published tool-use prompt table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceColumn {
    AutoNone,
    AnyTool,
}

impl ChoiceColumn {
    /// `auto` and `none` (and an absent tool_choice, which means auto) share one figure;
    /// `any` and `tool` the other. An unknown type is read as auto.
    pub fn of(choice: Option<&ToolChoice>) -> ChoiceColumn {
        match choice.map(|c| c.kind.as_str()) {
            Some("any" | "tool") => ChoiceColumn::AnyTool,
            _ => ChoiceColumn::AutoNone,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ChoiceColumn::AutoNone => "auto/none",
            ChoiceColumn::AnyTool => "any/tool",
        }
    }
}

/// The tool a `tool_choice: {type: "tool", name}` forces, if it does.
pub fn forced_tool(choice: Option<&ToolChoice>) -> Option<&str> {
    let choice = choice?;
    (choice.kind == "tool")
        .then_some(choice.name.as_deref())
        .flatten()
}

/// `disable_parallel_tool_use: true` in tool_choice.
pub fn parallel_disabled(choice: Option<&ToolChoice>) -> bool {
    choice
        .and_then(|c| c.extra.get("disable_parallel_tool_use"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    fn choice(kind: &str, extra: Value) -> ToolChoice {
        let mut c: ToolChoice = serde_json::from_value(extra).expect("a tool_choice");
        c.kind = kind.into();
        c
    }

    #[test]
    fn tool_choice_picks_the_column() {
        assert_eq!(ChoiceColumn::of(None), ChoiceColumn::AutoNone);
        for (kind, column) in [
            ("auto", ChoiceColumn::AutoNone),
            ("none", ChoiceColumn::AutoNone),
            ("any", ChoiceColumn::AnyTool),
            ("tool", ChoiceColumn::AnyTool),
        ] {
            let c = ToolChoice {
                kind: kind.into(),
                name: None,
                extra: Map::new(),
            };
            assert_eq!(ChoiceColumn::of(Some(&c)), column, "{kind}");
        }
    }

    #[test]
    fn a_named_choice_and_disabled_parallel_use_are_read() {
        let c = choice(
            "tool",
            json!({"type": "tool", "name": "get_weather", "disable_parallel_tool_use": true}),
        );
        assert_eq!(forced_tool(Some(&c)), Some("get_weather"));
        assert!(parallel_disabled(Some(&c)));
        let auto = choice("auto", json!({"type": "auto"}));
        assert_eq!(forced_tool(Some(&auto)), None);
        assert!(!parallel_disabled(Some(&auto)));
    }
}
