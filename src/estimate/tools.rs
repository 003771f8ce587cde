//! Tool definitions: the tool-use system prompt (once, by tool_choice and table) plus each
//! custom tool's JSON.

use serde_json::{Map, Value};

use crate::registry::{ModelInfo, ToolPrompt, ToolTable};
use crate::request::{Tool, ToolChoice};

/// Which column of the tool-use prompt table applies.
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

/// The tool-use prompt figures a count uses, and whether they rest on a guess.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenPrompt {
    pub tokens: u64,
    pub table: ToolTable,
    pub source: String,
    /// Why the figure is not backed by the table in force for this model, if it is not.
    pub doubt: Option<String>,
}

/// The tool-use prompt for `model` from `table` (the one asked for, or the one in force).
pub fn tool_prompt(
    model: &ModelInfo,
    table: ToolTable,
    in_force: ToolTable,
    column: ChoiceColumn,
) -> ChosenPrompt {
    let pick = |p: &ToolPrompt| match column {
        ChoiceColumn::AutoNone => p.auto_none,
        ChoiceColumn::AnyTool => p.any_tool,
    };
    let (prompt, used_table) = match (table, &model.tool_prompt_2025) {
        (ToolTable::Y2025, Some(old)) => (old, ToolTable::Y2025),
        _ => (&model.tool_prompt, ToolTable::Y2026),
    };
    let mut doubts = Vec::new();
    if table == ToolTable::Y2025 && used_table != ToolTable::Y2025 {
        doubts.push(format!(
            "no 2025 tool-use prompt figure for {}; used its 2026 one",
            model.id
        ));
    }
    if used_table != in_force {
        doubts.push(format!(
            "tool-use prompt from the {} table, not the {} table in force",
            used_table.name(),
            in_force.name()
        ));
    }
    if prompt.source.starts_with("guess") {
        doubts.push(format!("tool-use prompt figure is a {}", prompt.source));
    }
    ChosenPrompt {
        tokens: pick(prompt),
        table: used_table,
        source: prompt.source.clone(),
        doubt: (!doubts.is_empty()).then(|| doubts.join("; ")),
    }
}

/// The JSON text a custom tool is counted as: `name`, `description`, `input_schema` in that
/// order, compact, schema keys in the order the request gave them. Fields the API does not
/// show the model (cache_control, type) are left out.
pub fn tool_json(tool: &Tool) -> String {
    let mut map = Map::new();
    map.insert("name".into(), Value::String(tool.name.clone()));
    if let Some(d) = &tool.description {
        map.insert("description".into(), Value::String(d.clone()));
    }
    if let Some(s) = &tool.input_schema {
        map.insert("input_schema".into(), s.clone());
    }
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::Registry;

    fn choice(kind: &str) -> ToolChoice {
        ToolChoice {
            kind: kind.into(),
            name: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn tool_choice_picks_the_column() {
        assert_eq!(ChoiceColumn::of(None), ChoiceColumn::AutoNone);
        assert_eq!(
            ChoiceColumn::of(Some(&choice("auto"))),
            ChoiceColumn::AutoNone
        );
        assert_eq!(
            ChoiceColumn::of(Some(&choice("none"))),
            ChoiceColumn::AutoNone
        );
        assert_eq!(
            ChoiceColumn::of(Some(&choice("any"))),
            ChoiceColumn::AnyTool
        );
        assert_eq!(
            ChoiceColumn::of(Some(&choice("tool"))),
            ChoiceColumn::AnyTool
        );
    }

    #[test]
    fn the_table_and_column_give_the_documented_figures() {
        let r = Registry::builtin();
        let sonnet = r.lookup("claude-sonnet-4-5");
        let y25 = ToolTable::Y2025;
        let y26 = ToolTable::Y2026;
        let p = tool_prompt(&sonnet, y25, y26, ChoiceColumn::AutoNone);
        assert_eq!(p.tokens, 346);
        assert!(
            p.doubt.is_some(),
            "the 2025 table is older than the one in force"
        );
        assert_eq!(
            tool_prompt(&sonnet, y25, y26, ChoiceColumn::AnyTool).tokens,
            313
        );
        let now = tool_prompt(&sonnet, y26, y26, ChoiceColumn::AutoNone);
        assert_eq!((now.tokens, now.doubt), (496, None));
        assert_eq!(
            tool_prompt(&sonnet, y26, y26, ChoiceColumn::AnyTool).tokens,
            588
        );
        let sonnet5 = r.lookup("claude-sonnet-5");
        assert_eq!(
            tool_prompt(&sonnet5, y26, y26, ChoiceColumn::AnyTool).tokens,
            474
        );
        // No 2025 row for Opus 4.7: the 2026 figure, flagged.
        let opus47 = r.lookup("claude-opus-4-7");
        let p = tool_prompt(&opus47, y25, y26, ChoiceColumn::AutoNone);
        assert_eq!(p.tokens, 675);
        assert!(p.doubt.expect("flagged").contains("no 2025"));
        // Fable 5's figures are a guess in the registry.
        let fable = r.lookup("claude-fable-5");
        assert!(
            tool_prompt(&fable, y26, y26, ChoiceColumn::AutoNone)
                .doubt
                .is_some()
        );
    }

    #[test]
    fn tool_json_is_compact_and_keeps_only_what_the_model_sees() {
        let tool: Tool = serde_json::from_value(serde_json::json!({
            "name": "t", "description": "d", "cache_control": {"type": "ephemeral"},
            "input_schema": {"type": "object", "properties": {}}
        }))
        .expect("tool");
        assert_eq!(
            tool_json(&tool),
            r#"{"name":"t","description":"d","input_schema":{"type":"object","properties":{}}}"#
        );
    }
}
