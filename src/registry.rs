//! The model registry: `assets/models.json`, compiled in and parsed once. What budgie knows
//! about each model (context window, tokenizer family, image tier, tool-use prompt), read by
//! the offline count, the request validator, the workbench and `budgie models`.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageTier {
    Standard,
    High,
}

impl ImageTier {
    pub fn name(self) -> &'static str {
        match self {
            ImageTier::Standard => "standard",
            ImageTier::High => "high",
        }
    }
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
    /// The table offline counts use for this model unless told otherwise: 2025-era models
    /// default to the 2025 table, which is what their published examples were measured with.
    #[serde(default)]
    pub default_tool_table: Option<ToolTable>,
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

/// Which tool-use prompt table: the 2025 one (all Claude 4.x alike) or the 2026 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ToolTable {
    #[serde(rename = "2025")]
    Y2025,
    #[serde(rename = "2026")]
    Y2026,
}

impl ToolTable {
    pub fn name(self) -> &'static str {
        match self {
            ToolTable::Y2025 => "2025",
            ToolTable::Y2026 => "2026",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolTableInForce {
    pub table: ToolTable,
    pub source: String,
}

/// A structural constant of the offline count, with where it came from. `measured: false`
/// means it rests on a guess or a single fitted point: counts that use it are "unverified".
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Constant {
    pub value: f64,
    pub measured: bool,
    pub source: String,
}

impl Constant {
    /// The value as a whole number of tokens (the asset holds whole numbers for these).
    pub fn tokens(&self) -> i64 {
        self.value.round() as i64
    }
}

/// The structural constants (`constants` in assets/models.json).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Constants {
    pub per_turn_overhead: Constant,
    pub thinking_config_overhead: Constant,
    pub tools_json_adjustment: Constant,
    pub image_wrapper: Constant,
    pub document_wrapper: Constant,
    pub pdf_page_dpi: Constant,
    pub tool_use_wrapper: Constant,
    pub tool_result_wrapper: Constant,
    pub search_result_wrapper: Constant,
    pub thinking_wrapper: Constant,
    pub redacted_thinking_chars_per_token: Constant,
}

/// One image tier's resize rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct TierRule {
    pub max_edge_px: u32,
    pub max_tokens: u64,
    pub patch_px: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct TierEntry {
    #[serde(flatten)]
    rule: TierRule,
    #[allow(dead_code)]
    source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ImageTiers {
    standard: TierEntry,
    high: TierEntry,
}

#[derive(Debug, Deserialize)]
pub struct Registry {
    tool_table_in_force: ToolTableInForce,
    constants: Constants,
    image_tiers: ImageTiers,
    models: Vec<ModelInfo>,
    unknown_model: UnknownModel,
}

const MODELS_JSON: &str = include_str!("../assets/models.json");

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

    /// The tool-use prompt table the API uses today, and why budgie believes so.
    pub fn tool_table_in_force(&self) -> &ToolTableInForce {
        &self.tool_table_in_force
    }

    pub fn constants(&self) -> &Constants {
        &self.constants
    }

    /// The resize rule of an image tier.
    pub fn tier_rule(&self, tier: ImageTier) -> TierRule {
        match tier {
            ImageTier::Standard => self.image_tiers.standard.rule,
            ImageTier::High => self.image_tiers.high.rule,
        }
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
            default_tool_table: None,
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
    fn the_registry_parses_and_knows_the_documented_models() {
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

    #[test]
    fn the_tool_tables_match_the_documented_tables() {
        let r = Registry::builtin();
        assert_eq!(r.tool_table_in_force().table, ToolTable::Y2026);
        let sonnet = r.lookup("claude-sonnet-4-5");
        let old = sonnet
            .tool_prompt_2025
            .expect("2025 figures for Sonnet 4.5");
        assert_eq!((old.auto_none, old.any_tool), (346, 313));
        assert_eq!(
            (sonnet.tool_prompt.auto_none, sonnet.tool_prompt.any_tool),
            (496, 588)
        );
        let opus47 = r.lookup("claude-opus-4-7").tool_prompt;
        assert_eq!((opus47.auto_none, opus47.any_tool), (675, 804));
        let opus5 = r.lookup("claude-opus-5").tool_prompt;
        assert_eq!((opus5.auto_none, opus5.any_tool), (286, 406));
    }

    #[test]
    fn every_constant_says_where_it_came_from() {
        let c = Registry::builtin().constants();
        for constant in [
            &c.per_turn_overhead,
            &c.thinking_config_overhead,
            &c.tools_json_adjustment,
            &c.image_wrapper,
            &c.document_wrapper,
            &c.pdf_page_dpi,
            &c.tool_use_wrapper,
            &c.tool_result_wrapper,
            &c.search_result_wrapper,
            &c.thinking_wrapper,
            &c.redacted_thinking_chars_per_token,
        ] {
            assert!(!constant.source.trim().is_empty(), "{constant:?}");
        }
        let standard = Registry::builtin().tier_rule(ImageTier::Standard);
        assert_eq!((standard.max_edge_px, standard.max_tokens), (1568, 1568));
        let high = Registry::builtin().tier_rule(ImageTier::High);
        assert_eq!((high.max_edge_px, high.max_tokens), (2576, 4784));
    }
}
