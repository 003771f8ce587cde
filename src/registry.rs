//! The model registry: `assets/models.json`, compiled in and parsed once. What budgie knows
//! about each model (context window, tokenizer family, image tier, tool-use prompt), read by
//! the offline count, the request validator, the workbench and `budgie models`.

use std::collections::BTreeMap;
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
    /// True where recorded API traffic confirmed the figures for this model.
    #[serde(default)]
    pub measured: bool,
    /// Where the figures come from.
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
    /// US dollars per million input tokens.
    pub input_price_per_mtok: f64,
    /// US dollars per million output tokens.
    pub output_price_per_mtok: f64,
    /// Where the prices come from.
    #[serde(default)]
    pub price_source: String,
    /// A higher rate for the whole request above a number of input tokens, where the model
    /// has one.
    #[serde(default)]
    pub long_context: Option<LongContext>,
    /// The shortest prefix a cache breakpoint caches on this model.
    pub min_cacheable_tokens: MinCacheable,
    /// The published tool-use system prompt figures.
    pub tool_prompt: ToolPrompt,
    /// 2026 rule: thinking in earlier assistant turns counts too.
    #[serde(default)]
    pub thinking_keeps_prior_turns: bool,
    /// Opus 5 does not count trailing ASCII whitespace at the end of a message.
    #[serde(default)]
    pub strips_trailing_whitespace: bool,
    /// This model's own structural constants, where they differ from the global ones (and,
    /// once [`ModelInfo::calibrate`]d, the values measured on this machine, which win).
    #[serde(default)]
    pub constants: BTreeMap<Structural, Constant>,
    /// Not in the registry: the id was unknown and these are the newest family's defaults.
    #[serde(skip)]
    pub unverified: bool,
    /// What `budgie calibrate` measured for this model on this machine (already applied to
    /// `frame`, `tool_prompt` and `constants`); kept to say so in `--explain`.
    #[serde(skip)]
    pub calibration: Calibration,
}

/// Values measured against the API by `budgie calibrate` for one model (calibration.json in
/// the data dir). Applied to a model they win over its own constants and the global ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calibration {
    pub constants: BTreeMap<Structural, Measured>,
    pub frame: Option<Measured>,
    pub tool_prompt_auto_none: Option<Measured>,
    pub tool_prompt_any_tool: Option<Measured>,
    /// Rules of the offline count a check request confirmed for this model.
    pub confirmed: std::collections::BTreeSet<Rule>,
}

/// A rule of the offline count, beyond its constants, that rests on no recorded request and
/// that a calibration confirms with a check request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The blocks of a system prompt are joined like a turn's blocks.
    SystemBlocksJoined,
    /// A PDF of several pages pays its wrappers once.
    PdfWrappersOncePerDocument,
}

impl Rule {
    pub const ALL: [Rule; 2] = [Rule::SystemBlocksJoined, Rule::PdfWrappersOncePerDocument];

    /// The name in calibration.json.
    pub fn key(self) -> &'static str {
        match self {
            Rule::SystemBlocksJoined => "system_blocks_joined",
            Rule::PdfWrappersOncePerDocument => "pdf_wrappers_once_per_document",
        }
    }

    pub fn from_key(key: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// One measured value and where it was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub value: f64,
    /// The day it was measured (YYYY-MM-DD).
    pub date: String,
    /// The model id the probes were sent with.
    pub api_model: String,
    /// How many measurements it was solved from.
    pub probes: u32,
}

impl Measured {
    /// "calibrated 2026-12-04: 4 probes on claude-opus-5"
    pub fn describe(&self) -> String {
        format!(
            "calibrated {}: {} probe{} on {}",
            self.date,
            self.probes,
            if self.probes == 1 { "" } else { "s" },
            self.api_model
        )
    }
}

impl Calibration {
    pub fn is_empty(&self) -> bool {
        self.constants.is_empty()
            && self.confirmed.is_empty()
            && self.frame.is_none()
            && self.tool_prompt_auto_none.is_none()
            && self.tool_prompt_any_tool.is_none()
    }
}

impl ModelInfo {
    /// Apply measured values: the frame, the tool-use prompt figures and each constant
    /// measured replace what the registry says (the lookup chain: calibration, then the
    /// model's own constant, then the global one).
    pub fn calibrate(&mut self, calibration: Calibration) {
        if let Some(frame) = &calibration.frame {
            self.frame = frame.value.round().max(0.0) as u64;
        }
        let prompt = &mut self.tool_prompt;
        if let Some(auto) = &calibration.tool_prompt_auto_none {
            prompt.auto_none = auto.value.round().max(0.0) as u64;
        }
        if let Some(any) = &calibration.tool_prompt_any_tool {
            prompt.any_tool = any.value.round().max(0.0) as u64;
        }
        // Every request with tools pays the join with the tool-use prompt: a measured prompt
        // figure measures the two together, at the join's value in use.
        let prompt = calibration
            .tool_prompt_auto_none
            .as_ref()
            .or(calibration.tool_prompt_any_tool.as_ref());
        if let Some(m) = prompt {
            let join = Registry::builtin()
                .constant_for(self, Structural::ToolDefinitionsJoin)
                .constant
                .value;
            self.constants.insert(
                Structural::ToolDefinitionsJoin,
                Constant {
                    value: join,
                    measured: true,
                    families: Vec::new(),
                    source: format!(
                        "{}, in one figure with the tool-use prompt (no count tells the two apart)",
                        m.describe()
                    ),
                    calibrated: Some(m.date.clone()),
                },
            );
        }
        for (name, m) in &calibration.constants {
            self.constants.insert(
                *name,
                Constant {
                    value: m.value,
                    measured: true,
                    families: Vec::new(),
                    source: m.describe(),
                    calibrated: Some(m.date.clone()),
                },
            );
        }
        self.calibration = calibration;
    }

    /// Whether a calibration on this machine confirmed `rule` for this model.
    pub fn confirmed(&self, rule: Rule) -> bool {
        self.calibration.confirmed.contains(&rule)
    }

    /// Whether `name` was calibrated on this machine for this model.
    pub fn calibrated(&self, name: Structural) -> bool {
        self.calibration.constants.contains_key(&name)
    }

    /// The calibration behind a tool-use prompt column, if it was measured here.
    pub fn calibrated_tool_prompt(&self, any_tool: bool) -> Option<&Measured> {
        if any_tool {
            self.calibration.tool_prompt_any_tool.as_ref()
        } else {
            self.calibration.tool_prompt_auto_none.as_ref()
        }
    }
}

/// Long-context pricing: a request of more than `above_input_tokens` input tokens (cache
/// reads and writes included) is billed at these rates for all its tokens.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LongContext {
    pub above_input_tokens: u64,
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    /// The context window the long-context rate goes with.
    pub context_window: u64,
    /// What a request needs to get that window (e.g. a beta header).
    #[serde(default)]
    pub requires: Option<String>,
    pub verified: bool,
    pub source: String,
}

/// The minimum cacheable prompt length, with where it comes from; `verified: false` where
/// sources disagree.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MinCacheable {
    pub value: u64,
    pub verified: bool,
    pub source: String,
}

/// The price multipliers every model shares: prompt-cache writes and reads, and the Batch API.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct PriceRules {
    /// A 5-minute cache write, times the input price.
    pub cache_write_5m: f64,
    /// A 1-hour cache write, times the input price.
    pub cache_write_1h: f64,
    /// A cache read, times the input price.
    pub cache_read: f64,
    /// The Batch API, times every price.
    pub batch: f64,
}

#[derive(Debug, Deserialize)]
struct Pricing {
    #[serde(flatten)]
    rules: PriceRules,
    #[allow(dead_code)]
    source: String,
}

#[derive(Debug, Deserialize)]
struct UnknownModel {
    family: Family,
    frame: u64,
    image_tier: ImageTier,
    context_window: u64,
    max_output: u64,
}

/// A structural constant of the offline count, with where it came from. `measured: false`
/// means it rests on a guess: counts that use it are "unverified". A measured constant holds
/// for the tokenizer families it was measured on (`families`); a model's own constant holds
/// for that model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Constant {
    pub value: f64,
    pub measured: bool,
    #[serde(default)]
    pub families: Vec<Family>,
    pub source: String,
    /// Measured on this machine by `budgie calibrate` on this day (never in the asset).
    #[serde(skip)]
    pub calibrated: Option<String>,
}

impl Constant {
    /// The value as a whole number of tokens (the asset holds whole numbers for these).
    pub fn tokens(&self) -> i64 {
        self.value.round() as i64
    }
}

/// The structure of a request as the API renders it: every constant the offline count uses
/// besides the tokenizer (`constants` in assets/models.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Structural {
    TurnSeparator,
    BlockSeparator,
    SystemPartSeparator,
    ToolDefinitionsJoin,
    ToolChoiceNamed,
    DisableParallelAdjustment,
    ToolCallWrapper,
    ParallelToolCall,
    ToolCallOpener,
    ThinkingConfig,
    OutputFormatPrompt,
    ImageWrapper,
    ImageRowTokens,
    DocumentWrapper,
    DocumentTextWrapper,
    PdfPageDpi,
    ThinkingBlockWrapper,
    RedactedThinkingCharsPerToken,
    SearchResultWrapper,
    SystemMessageTurn,
}

impl Structural {
    /// The whole-token constants: each adds its value every time the structure uses it, so
    /// `Estimate.structure` counts their uses and `budgie calibrate` solves for them.
    /// (`pdf_page_dpi` and `redacted_thinking_chars_per_token` are rates, not token counts.)
    pub fn is_whole_tokens(self) -> bool {
        !matches!(
            self,
            Structural::PdfPageDpi | Structural::RedactedThinkingCharsPerToken
        )
    }

    /// The constant with this key in assets/models.json.
    pub fn from_key(key: &str) -> Option<Structural> {
        Structural::ALL.into_iter().find(|s| s.key() == key)
    }

    pub const ALL: [Structural; 20] = [
        Structural::TurnSeparator,
        Structural::BlockSeparator,
        Structural::SystemPartSeparator,
        Structural::ToolDefinitionsJoin,
        Structural::ToolChoiceNamed,
        Structural::DisableParallelAdjustment,
        Structural::ToolCallWrapper,
        Structural::ParallelToolCall,
        Structural::ToolCallOpener,
        Structural::ThinkingConfig,
        Structural::OutputFormatPrompt,
        Structural::ImageWrapper,
        Structural::ImageRowTokens,
        Structural::DocumentWrapper,
        Structural::DocumentTextWrapper,
        Structural::PdfPageDpi,
        Structural::ThinkingBlockWrapper,
        Structural::RedactedThinkingCharsPerToken,
        Structural::SearchResultWrapper,
        Structural::SystemMessageTurn,
    ];

    /// The key in assets/models.json.
    pub fn key(self) -> &'static str {
        match self {
            Structural::TurnSeparator => "turn_separator",
            Structural::BlockSeparator => "block_separator",
            Structural::SystemPartSeparator => "system_part_separator",
            Structural::ToolDefinitionsJoin => "tool_definitions_join",
            Structural::ToolChoiceNamed => "tool_choice_named",
            Structural::DisableParallelAdjustment => "disable_parallel_adjustment",
            Structural::ToolCallWrapper => "tool_call_wrapper",
            Structural::ParallelToolCall => "parallel_tool_call",
            Structural::ToolCallOpener => "tool_call_opener",
            Structural::ThinkingConfig => "thinking_config",
            Structural::OutputFormatPrompt => "output_format_prompt",
            Structural::ImageWrapper => "image_wrapper",
            Structural::ImageRowTokens => "image_row_tokens",
            Structural::DocumentWrapper => "document_wrapper",
            Structural::DocumentTextWrapper => "document_text_wrapper",
            Structural::PdfPageDpi => "pdf_page_dpi",
            Structural::ThinkingBlockWrapper => "thinking_block_wrapper",
            Structural::RedactedThinkingCharsPerToken => "redacted_thinking_chars_per_token",
            Structural::SearchResultWrapper => "search_result_wrapper",
            Structural::SystemMessageTurn => "system_message_turn",
        }
    }
}

/// A constant as one model uses it, and whether that use is backed by a measurement.
#[derive(Debug, Clone, Copy)]
pub struct ConstantInUse<'a> {
    pub constant: &'a Constant,
    /// Measured for this model (its own constant) or its tokenizer family (a global one).
    pub verified: bool,
    /// The model's own value rather than the global one.
    pub model_specific: bool,
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
    constants: BTreeMap<Structural, Constant>,
    image_tiers: ImageTiers,
    pricing: Pricing,
    models: Vec<ModelInfo>,
    unknown_model: UnknownModel,
}

const MODELS_JSON: &str = include_str!("../assets/models.json");

impl Registry {
    /// The text of assets/models.json as compiled in.
    pub fn asset_text() -> &'static str {
        MODELS_JSON
    }

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

    /// The global value of a structural constant.
    pub fn constant(&self, name: Structural) -> &Constant {
        // Every name has a global value: checked by a test on the asset.
        &self.constants[&name]
    }

    /// A structural constant as `model` uses it: the value calibrated on this machine, else
    /// its own value, else the global one (calibrated values are in `model.constants` once
    /// [`Registry::lookup`] has applied them).
    pub fn constant_for<'a>(&'a self, model: &'a ModelInfo, name: Structural) -> ConstantInUse<'a> {
        match model.constants.get(&name) {
            Some(own) => ConstantInUse {
                constant: own,
                // Measured against the API for this very id, even an unknown one.
                verified: own.measured && (!model.unverified || own.calibrated.is_some()),
                model_specific: true,
            },
            None => {
                let global = self.constant(name);
                ConstantInUse {
                    constant: global,
                    verified: global.measured && global.families.contains(&model.family),
                    model_specific: false,
                }
            }
        }
    }

    /// The price multipliers every model shares (cache writes and reads, batch).
    pub fn price_rules(&self) -> PriceRules {
        self.pricing.rules
    }

    /// The resize rule of an image tier.
    pub fn tier_rule(&self, tier: ImageTier) -> TierRule {
        match tier {
            ImageTier::Standard => self.image_tiers.standard.rule,
            ImageTier::High => self.image_tiers.high.rule,
        }
    }

    /// The model with this id or alias, if known. A dated or `-latest` id of a known model
    /// (`claude-sonnet-4-5-20991231`) finds the model too.
    pub fn find(&self, id: &str) -> Option<&ModelInfo> {
        let exact = |id: &str| {
            self.models
                .iter()
                .find(|m| m.id == id || m.aliases.iter().any(|a| a == id))
        };
        exact(id).or_else(|| exact(undated(id)?))
    }

    /// The model with this id, with what `budgie calibrate` measured for it on this machine
    /// applied (see [`install_calibration`]); an unknown id gets the newest family's
    /// defaults, flagged `unverified`.
    pub fn lookup(&self, id: &str) -> ModelInfo {
        let mut info = self.lookup_shipped(id);
        if let Some(calibration) = installed_calibration().and_then(|c| c.get(&info.id)) {
            info.calibrate(calibration.clone());
        }
        info
    }

    /// The model with this id as budgie ships it, without calibration.
    pub fn lookup_shipped(&self, id: &str) -> ModelInfo {
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
            price_source: newest.map_or(String::new(), |m| {
                format!("guess: {}'s prices (model unknown)", m.id)
            }),
            long_context: None,
            min_cacheable_tokens: newest.map_or(
                MinCacheable {
                    value: 0,
                    verified: false,
                    source: String::new(),
                },
                |m| MinCacheable {
                    verified: false,
                    source: format!("guess: {}'s minimum (model unknown)", m.id),
                    ..m.min_cacheable_tokens.clone()
                },
            ),
            tool_prompt: newest.map_or(
                ToolPrompt {
                    auto_none: 0,
                    any_tool: 0,
                    measured: false,
                    source: String::new(),
                },
                |m| ToolPrompt {
                    measured: false,
                    source: format!("guess: {}'s figures (model unknown)", m.id),
                    ..m.tool_prompt.clone()
                },
            ),
            thinking_keeps_prior_turns: true,
            strips_trailing_whitespace: false,
            constants: BTreeMap::new(),
            unverified: true,
            calibration: Calibration::default(),
        }
    }

    /// The registry's own id for `id` (a dated id or alias finds its model), or `id` itself
    /// when the model is unknown: the key calibrations are kept under.
    pub fn canonical_id(&self, id: &str) -> String {
        self.find(id)
            .map_or_else(|| id.to_string(), |m| m.id.clone())
    }
}

static CALIBRATION: OnceLock<BTreeMap<String, Calibration>> = OnceLock::new();

/// Make [`Registry::lookup`] apply these calibrations (by registry id) from now on, for the
/// rest of the process. Set once, at start-up, by the binary (`calibration::install`); a
/// second call changes nothing and returns false.
pub fn install_calibration(by_model: BTreeMap<String, Calibration>) -> bool {
    CALIBRATION.set(by_model).is_ok()
}

fn installed_calibration() -> Option<&'static BTreeMap<String, Calibration>> {
    CALIBRATION.get()
}

/// `id` without a trailing `-latest` or `-YYYYMMDD`, if it has one.
fn undated(id: &str) -> Option<&str> {
    if let Some(base) = id.strip_suffix("-latest") {
        return Some(base);
    }
    let (base, date) = id.rsplit_once('-')?;
    (date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit())).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_parses_and_knows_the_models() {
        let r = Registry::builtin();
        let sonnet = r.lookup("claude-sonnet-4-5-20250929");
        assert_eq!(sonnet.id, "claude-sonnet-4-5");
        assert_eq!(sonnet.family, Family::V3);
        assert_eq!(sonnet.frame, 7);
        assert_eq!(sonnet.context_window, 200_000);
        assert_eq!(r.lookup("claude-opus-4-7").frame, 11);
        assert_eq!(r.lookup("claude-opus-5").family, Family::V4_8);
        assert!(!sonnet.unverified);
        assert_eq!(r.lookup("claude-3-5-haiku-latest").id, "claude-3-5-haiku");
    }

    #[test]
    fn a_dated_id_of_a_known_model_finds_it() {
        let r = Registry::builtin();
        assert_eq!(r.lookup("claude-opus-4-6-20260101").id, "claude-opus-4-6");
        assert_eq!(r.lookup("claude-sonnet-4-6-latest").id, "claude-sonnet-4-6");
        assert!(r.lookup("claude-opus-4-6-2026").unverified);
    }

    #[test]
    fn unknown_models_fall_back_to_the_newest_family_flagged() {
        let m = Registry::builtin().lookup("claude-nova-9");
        assert!(m.unverified);
        assert_eq!(m.family, Family::V4_8);
    }

    #[test]
    fn the_tool_prompt_figures_are_the_published_ones() {
        let r = Registry::builtin();
        let pair = |id: &str| {
            let p = r.lookup(id).tool_prompt;
            (p.auto_none, p.any_tool)
        };
        assert_eq!(pair("claude-sonnet-4-5"), (496, 588));
        assert_eq!(pair("claude-sonnet-4-0"), (313, 315));
        assert_eq!(pair("claude-opus-4-7"), (675, 804));
        assert_eq!(pair("claude-opus-5"), (286, 406));
        assert_eq!(pair("claude-3-5-haiku"), (264, 340));
    }

    #[test]
    fn every_constant_has_a_global_value_and_a_source() {
        let r = Registry::builtin();
        for name in Structural::ALL {
            let c = r.constant(name);
            assert!(!c.source.trim().is_empty(), "{}", name.key());
            assert_eq!(c.measured, !c.families.is_empty(), "{}", name.key());
        }
        assert_eq!(r.constants.len(), Structural::ALL.len());
        for m in r.models() {
            for (name, c) in &m.constants {
                assert!(!c.source.trim().is_empty(), "{} {}", m.id, name.key());
            }
        }
        let standard = r.tier_rule(ImageTier::Standard);
        assert_eq!((standard.max_edge_px, standard.max_tokens), (1568, 1568));
        let high = r.tier_rule(ImageTier::High);
        assert_eq!((high.max_edge_px, high.max_tokens), (2576, 4784));
    }

    #[test]
    fn every_model_has_prices_and_a_cache_minimum_with_sources() {
        let r = Registry::builtin();
        for m in r.models() {
            assert!(m.input_price_per_mtok > 0.0, "{}", m.id);
            assert!(m.output_price_per_mtok > m.input_price_per_mtok, "{}", m.id);
            assert!(!m.price_source.trim().is_empty(), "{}", m.id);
            assert!(m.min_cacheable_tokens.value >= 512, "{}", m.id);
            assert!(!m.min_cacheable_tokens.source.trim().is_empty(), "{}", m.id);
            if let Some(lc) = &m.long_context {
                assert!(lc.input_per_mtok > m.input_price_per_mtok, "{}", m.id);
                assert!(lc.context_window > m.context_window, "{}", m.id);
                assert!(!lc.source.trim().is_empty(), "{}", m.id);
            }
        }
        let rules = r.price_rules();
        assert_eq!(
            (
                rules.cache_write_5m,
                rules.cache_write_1h,
                rules.cache_read,
                rules.batch
            ),
            (1.25, 2.0, 0.1, 0.5)
        );
        // The 1M-context models of 2026 bill the whole window at one rate.
        assert!(r.lookup("claude-sonnet-4-6").long_context.is_none());
        assert!(r.lookup("claude-opus-4-6").long_context.is_none());
        assert_eq!(
            r.lookup("claude-sonnet-4-5")
                .long_context
                .map(|l| l.above_input_tokens),
            Some(200_000)
        );
        assert_eq!(
            r.lookup("claude-haiku-4-5").min_cacheable_tokens.value,
            4096
        );
        assert!(!r.lookup("claude-opus-4-7").min_cacheable_tokens.verified);
        let unknown = r.lookup("claude-nova-9");
        assert!(!unknown.min_cacheable_tokens.verified);
        assert!(unknown.price_source.starts_with("guess"));
    }

    #[test]
    fn a_model_constant_overrides_the_global_one() {
        let r = Registry::builtin();
        let s40 = r.lookup("claude-sonnet-4-0");
        let own = r.constant_for(&s40, Structural::DisableParallelAdjustment);
        assert!(own.model_specific && own.verified);
        assert_eq!(own.constant.tokens(), -43);
        let s45 = r.lookup("claude-sonnet-4-5");
        let global = r.constant_for(&s45, Structural::TurnSeparator);
        assert!(!global.model_specific && global.verified);
        // Measured on v3 models only: not verified for another family.
        let opus47 = r.lookup("claude-opus-4-7");
        assert!(!r.constant_for(&opus47, Structural::TurnSeparator).verified);
    }
}
