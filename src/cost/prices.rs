//! What tokens cost on a model, as billed: the registry's prices per million tokens, the
//! multipliers every model shares (cache writes and reads, the Batch API), and long-context
//! pricing, which bills the whole request at a higher rate once its input passes the model's
//! threshold.
//!
//! Money is counted in whole picodollars ($1 = 10^12): every published price times every
//! multiplier is a whole number of picodollars per token, so sums are exact and tests can
//! compare them with `==`.

use crate::registry::{ModelInfo, PriceRules};

/// Picodollars in a dollar.
const PICO: f64 = 1e12;

/// An amount of money, in picodollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(pub u64);

impl Usd {
    pub fn dollars(self) -> f64 {
        self.0 as f64 / PICO
    }

    /// From dollars (rounded to the picodollar).
    pub fn from_dollars(dollars: f64) -> Usd {
        Usd((dollars * PICO).round().max(0.0) as u64)
    }
}

impl std::ops::Add for Usd {
    type Output = Usd;
    fn add(self, other: Usd) -> Usd {
        Usd(self.0.saturating_add(other.0))
    }
}

impl std::fmt::Display for Usd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::numbers::usd(self.dollars()))
    }
}

/// A price per token, in picodollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PerToken(pub u64);

impl PerToken {
    /// `dollars_per_mtok × multiplier` per million tokens, per token.
    fn of(dollars_per_mtok: f64, multiplier: f64) -> PerToken {
        // $/MTok × 10^12 pico/$ ÷ 10^6 tokens = × 10^6.
        PerToken((dollars_per_mtok * multiplier * 1e6).round().max(0.0) as u64)
    }

    /// `tokens` at this price.
    pub fn times(self, tokens: u64) -> Usd {
        Usd(self.0.saturating_mul(tokens))
    }

    /// Back in dollars per million tokens, for showing.
    pub fn per_mtok(self) -> f64 {
        self.0 as f64 / 1e6
    }
}

/// The prices in force for one request on one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    pub input: PerToken,
    pub output: PerToken,
    pub cache_write_5m: PerToken,
    pub cache_write_1h: PerToken,
    pub cache_read: PerToken,
    /// The long-context rate applies: the input is past the model's threshold.
    pub long_context: bool,
}

/// The rates `model` bills a request of `input_tokens` at (all its input: uncached, cache
/// writes and cache reads). Past the long-context threshold every price is the long-context
/// one, for the whole request.
pub fn rates(model: &ModelInfo, rules: PriceRules, input_tokens: u64) -> Rates {
    let long = model
        .long_context
        .as_ref()
        .filter(|lc| input_tokens > lc.above_input_tokens);
    let (input, output) = match long {
        Some(lc) => (lc.input_per_mtok, lc.output_per_mtok),
        None => (model.input_price_per_mtok, model.output_price_per_mtok),
    };
    Rates {
        input: PerToken::of(input, 1.0),
        output: PerToken::of(output, 1.0),
        cache_write_5m: PerToken::of(input, rules.cache_write_5m),
        cache_write_1h: PerToken::of(input, rules.cache_write_1h),
        cache_read: PerToken::of(input, rules.cache_read),
        long_context: long.is_some(),
    }
}

impl Rates {
    /// The same rates through the Batch API.
    pub fn batch(self, rules: PriceRules) -> Rates {
        let scale = |p: PerToken| PerToken((p.0 as f64 * rules.batch).round() as u64);
        Rates {
            input: scale(self.input),
            output: scale(self.output),
            cache_write_5m: scale(self.cache_write_5m),
            cache_write_1h: scale(self.cache_write_1h),
            cache_read: scale(self.cache_read),
            long_context: self.long_context,
        }
    }
}

/// What one request costs on a model, input and worst-case output apart: the input at each
/// rate it could be billed at, and the output if the model writes all `output_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCost {
    pub input_tokens: u64,
    /// The worst case: `max_tokens` (thinking included), or the model's maximum output.
    pub output_tokens: u64,
    /// The input, uncached.
    pub input: Usd,
    /// The output, if all `output_tokens` are written.
    pub output_max: Usd,
    /// The whole input written to the cache for 5 minutes.
    pub cache_write_5m: Usd,
    /// The whole input written to the cache for an hour.
    pub cache_write_1h: Usd,
    /// The whole input read from the cache.
    pub cache_read: Usd,
    /// The input, uncached, through the Batch API.
    pub batch_input: Usd,
    pub long_context: bool,
}

pub fn request_cost(
    model: &ModelInfo,
    rules: PriceRules,
    input_tokens: u64,
    output_tokens: u64,
) -> RequestCost {
    let r = rates(model, rules, input_tokens);
    RequestCost {
        input_tokens,
        output_tokens,
        input: r.input.times(input_tokens),
        output_max: r.output.times(output_tokens),
        cache_write_5m: r.cache_write_5m.times(input_tokens),
        cache_write_1h: r.cache_write_1h.times(input_tokens),
        cache_read: r.cache_read.times(input_tokens),
        batch_input: r.batch(rules).input.times(input_tokens),
        long_context: r.long_context,
    }
}

/// The most output a request can bill: its `max_tokens` (which includes any thinking; a
/// thinking budget above it is taken as the bound instead), or, without `max_tokens`, the
/// model's maximum output.
pub fn worst_case_output(
    max_tokens: Option<u64>,
    thinking_budget: Option<u64>,
    model_max_output: u64,
) -> u64 {
    match max_tokens {
        Some(max) => max.max(thinking_budget.unwrap_or(0)),
        None => model_max_output,
    }
}

/// "long-context rate applies above 200,000 input tokens ($6 / $22.50 per MTok)", for a
/// model that has one.
pub fn long_context_note(model: &ModelInfo) -> Option<String> {
    let lc = model.long_context.as_ref()?;
    let mut note = format!(
        "{}: long-context rate applies above {} input tokens (${} / ${} per MTok for the whole request",
        model.id,
        crate::numbers::group(lc.above_input_tokens),
        trim(lc.input_per_mtok),
        trim(lc.output_per_mtok),
    );
    if let Some(requires) = &lc.requires {
        note.push_str(&format!(
            "; past {} tokens only with {requires}",
            crate::numbers::short(model.context_window)
        ));
    }
    note.push(')');
    Some(note)
}

/// 22.5 → "22.50", 6 → "6", 0.8 → "0.80".
pub fn trim(price: f64) -> String {
    if price.fract() == 0.0 {
        format!("{price:.0}")
    } else {
        format!("{price:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn model(id: &str) -> ModelInfo {
        Registry::builtin().lookup(id)
    }

    fn rules() -> PriceRules {
        Registry::builtin().price_rules()
    }

    /// Dollars as picodollars, for exact comparisons.
    fn usd(dollars: f64) -> Usd {
        Usd::from_dollars(dollars)
    }

    #[test]
    fn input_and_output_are_priced_apart() {
        // Sonnet 4.5: $3 / $15 per MTok.
        let c = request_cost(&model("claude-sonnet-4-5"), rules(), 10_000, 4_000);
        assert_eq!(c.input, usd(0.03));
        assert_eq!(c.output_max, usd(0.06));
        assert!(!c.long_context);
    }

    #[test]
    fn the_long_context_rate_bills_the_whole_request_past_200k() {
        let m = model("claude-sonnet-4-5");
        // 199,999 and 200,000 are at $3 / $15; 200,001 is past the threshold: $6 / $22.50
        // for every token, not only the one over.
        let at = |n: u64| request_cost(&m, rules(), n, 1_000);
        assert_eq!(at(199_999).input, Usd(199_999 * 3_000_000));
        assert_eq!(at(199_999).output_max, usd(0.015));
        assert!(!at(199_999).long_context);
        assert_eq!(at(200_000).input, usd(0.6));
        assert_eq!(at(200_000).output_max, usd(0.015));
        assert!(!at(200_000).long_context);
        let over = at(200_001);
        assert!(over.long_context);
        assert_eq!(over.input, Usd(200_001 * 6_000_000));
        assert_eq!(over.output_max, usd(0.0225));
        // The cache prices follow the long-context input price: $7.50, $12, $0.60 per MTok.
        assert_eq!(over.cache_write_5m, Usd(200_001 * 7_500_000));
        assert_eq!(over.cache_write_1h, Usd(200_001 * 12_000_000));
        assert_eq!(over.cache_read, Usd(200_001 * 600_000));
        assert_eq!(over.batch_input, Usd(200_001 * 3_000_000));
        // A 1M-context model of 2026 has no such rate.
        let flat = request_cost(&model("claude-sonnet-4-6"), rules(), 200_001, 0);
        assert!(!flat.long_context);
        assert_eq!(flat.input, Usd(200_001 * 3_000_000));
    }

    #[test]
    fn cache_ttls_and_batch_apply_their_multipliers() {
        // Haiku 4.5: $1 / $5. 1M tokens: write 5m $1.25, write 1h $2, read $0.10, batch $0.50.
        let c = request_cost(&model("claude-haiku-4-5"), rules(), 1_000_000, 1_000_000);
        assert_eq!(c.input, usd(1.0));
        assert_eq!(c.cache_write_5m, usd(1.25));
        assert_eq!(c.cache_write_1h, usd(2.0));
        assert_eq!(c.cache_read, usd(0.1));
        assert_eq!(c.batch_input, usd(0.5));
        assert_eq!(c.output_max, usd(5.0));
        let batch = rates(&model("claude-haiku-4-5"), rules(), 1).batch(rules());
        assert_eq!(batch.output.times(1_000_000), usd(2.5));
        assert_eq!(batch.cache_read.times(1_000_000), usd(0.05));
        // Haiku 3 at $0.25: a 5m write is $0.3125 per MTok, still a whole picodollar a token.
        let h3 = rates(&model("claude-3-haiku"), rules(), 1);
        assert_eq!(h3.cache_write_5m, PerToken(312_500));
        assert_eq!(h3.batch(rules()).cache_read, PerToken(12_500));
    }

    #[test]
    fn worst_case_output_is_max_tokens_or_the_models_maximum() {
        assert_eq!(worst_case_output(Some(4096), None, 64_000), 4096);
        assert_eq!(worst_case_output(Some(4096), Some(8000), 64_000), 8000);
        assert_eq!(worst_case_output(None, Some(8000), 64_000), 64_000);
    }

    #[test]
    fn the_long_context_note_names_the_threshold() {
        assert_eq!(
            long_context_note(&model("claude-sonnet-4-5")).as_deref(),
            Some(
                "claude-sonnet-4-5: long-context rate applies above 200,000 input tokens ($6 / \
                 $22.50 per MTok for the whole request; past 200K tokens only with the \
                 context-1m-2025-08-07 beta header)"
            )
        );
        assert_eq!(long_context_note(&model("claude-opus-5")), None);
    }
}
