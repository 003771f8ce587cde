//! The model registry: `assets/models.json`, compiled in and parsed once.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Family {
    #[serde(rename = "v3")]
    V3,
    #[serde(rename = "v4.7")]
    V4_7,
    #[serde(rename = "v4.8")]
    V4_8,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::V3 => "v3",
            Family::V4_7 => "v4.7",
            Family::V4_8 => "v4.8+",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageTier {
    Standard,
    High,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolPrompt {
    pub auto_none: u64,
    pub any_tool: u64,
    /// Where the figures come from ("2026 table", "guess: …").
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub family: Family,
    /// Tokens around one user message.
    pub frame: u64,
    pub image_tier: ImageTier,
    pub context_window: u64,
    pub max_output: u64,
    pub input_price_per_mtok: f64,
    pub output_price_per_mtok: f64,
    pub tool_prompt: ToolPrompt,
    /// The 2025 table's figures, for models that had them.
    #[serde(default)]
    pub tool_prompt_2025: Option<ToolPrompt>,
    /// 2026 rule: thinking in earlier assistant turns counts too.
    #[serde(default)]
    pub thinking_keeps_prior_turns: bool,
    /// Opus 5 does not count trailing ASCII whitespace at the end of a message.
    #[serde(default)]
    pub strips_trailing_whitespace: bool,
    /// Not in the registry: the id was unknown and these are the newest family's defaults.
    #[serde(skip)]
    pub unverified: bool,
}

#[derive(Debug, Deserialize)]
struct UnknownModel {
    family: Family,
    frame: u64,
    image_tier: ImageTier,
    context_window: u64,
    max_output: u64,
}

#[derive(Debug, Deserialize)]
pub struct Registry {
    models: Vec<ModelInfo>,
    unknown_model: UnknownModel,
}

const MODELS_JSON: &str = include_str!("../../assets/models.json");

impl Registry {
    /// The registry compiled into budgie.
    pub fn builtin() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            // The asset is ours and checked by a test; a broken one is a build defect.
            serde_json::from_str(MODELS_JSON).expect("assets/models.json is valid")
        })
    }

    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    /// The model with this id or alias, if known.
    pub fn find(&self, id: &str) -> Option<&ModelInfo> {
        self.models
            .iter()
            .find(|m| m.id == id || m.aliases.iter().any(|a| a == id))
    }

    /// The model with this id; an unknown id gets the newest family's defaults, flagged
    /// `unverified`.
    pub fn lookup(&self, id: &str) -> ModelInfo {
        if let Some(m) = self.find(id) {
            return m.clone();
        }
        let u = &self.unknown_model;
        let newest = self.models.first();
        ModelInfo {
            id: id.to_string(),
            display_name: id.to_string(),
            aliases: Vec::new(),
            family: u.family,
            frame: u.frame,
            image_tier: u.image_tier,
            context_window: u.context_window,
            max_output: u.max_output,
            input_price_per_mtok: newest.map_or(0.0, |m| m.input_price_per_mtok),
            output_price_per_mtok: newest.map_or(0.0, |m| m.output_price_per_mtok),
            tool_prompt: newest.map_or(
                ToolPrompt {
                    auto_none: 0,
                    any_tool: 0,
                    source: String::new(),
                },
                |m| ToolPrompt {
                    source: format!("guess: {}'s figures (model unknown)", m.id),
                    ..m.tool_prompt.clone()
                },
            ),
            tool_prompt_2025: None,
            thinking_keeps_prior_turns: true,
            strips_trailing_whitespace: false,
            unverified: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_parses_and_knows_the_facts_sheet_models() {
        let r = Registry::builtin();
        let sonnet = r.lookup("claude-sonnet-4-5-20250929");
        assert_eq!(sonnet.id, "claude-sonnet-4-5");
        assert_eq!(sonnet.family, Family::V3);
        assert_eq!(sonnet.frame, 7);
        assert_eq!(sonnet.context_window, 200_000);
        assert_eq!(r.lookup("claude-opus-4-7").frame, 11);
        assert_eq!(r.lookup("claude-opus-5").family, Family::V4_8);
        assert!(!sonnet.unverified);
    }

    #[test]
    fn unknown_models_fall_back_to_the_newest_family_flagged() {
        let m = Registry::builtin().lookup("claude-nova-9");
        assert!(m.unverified);
        assert_eq!(m.family, Family::V4_8);
    }
}
