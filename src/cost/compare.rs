//! One request on several models: its input tokens on each, whether it fits the context window
//! with the output it reserves, what it costs (input and worst-case output apart, and with the
//! prompt cache as planned), and how much more or less each tokenizer family counts it.

use super::cache::{CachePlan, Prefix, plan};
use super::prices::{RequestCost, request_cost, worst_case_output};
use crate::registry::{ModelInfo, PriceRules};
use crate::request::Request;

/// What the request asks of every model besides its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Output {
    /// `max_tokens`, when the request sets it.
    pub max_tokens: Option<u64>,
    /// The thinking budget, when thinking is enabled with one.
    pub thinking_budget: Option<u64>,
}

impl Output {
    /// What `request` sets: its `max_tokens` (a messages.create field, kept in `extra`) and
    /// its thinking budget.
    pub fn of(request: &Request) -> Output {
        Output {
            max_tokens: request
                .extra
                .get("max_tokens")
                .and_then(serde_json::Value::as_u64),
            thinking_budget: request
                .thinking
                .as_ref()
                .filter(|t| t.kind == "enabled")
                .and_then(|t| t.budget_tokens),
        }
    }

    /// Tokens the request reserves in the context window: `max_tokens`, or the thinking
    /// budget when it is larger; nothing when neither is set.
    pub fn reserve(self) -> u64 {
        self.max_tokens
            .unwrap_or(0)
            .max(self.thinking_budget.unwrap_or(0))
    }
}

/// The request on one model.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub model: ModelInfo,
    pub input_tokens: u64,
    /// From count_tokens, not the offline counter.
    pub exact: bool,
    /// Tokens reserved for output (see [`Output::reserve`]).
    pub reserve: u64,
    /// Input plus the reserve within the model's context window.
    pub fits: bool,
    pub cost: RequestCost,
    /// The prompt-caching plan, when the request has breakpoints.
    pub cache: Option<CachePlan>,
}

impl Row {
    /// Input plus the reserve, as a share of the context window (100 = full).
    pub fn percent_of_window(&self) -> f64 {
        let used = self.input_tokens.saturating_add(self.reserve) as f64;
        100.0 * used / self.model.context_window.max(1) as f64
    }
}

/// The request (`input_tokens` on `model`, its breakpoints' prefixes counted on the same
/// model, if any) priced and checked against the window.
pub fn row(
    model: &ModelInfo,
    rules: PriceRules,
    input_tokens: u64,
    exact: bool,
    output: Output,
    prefixes: Option<&[Prefix]>,
) -> Row {
    let reserve = output.reserve();
    let output_tokens =
        worst_case_output(output.max_tokens, output.thinking_budget, model.max_output);
    Row {
        model: model.clone(),
        input_tokens,
        exact,
        reserve,
        fits: input_tokens.saturating_add(reserve) <= model.context_window,
        cost: request_cost(model, rules, input_tokens, output_tokens),
        cache: prefixes.map(|p| plan(model, rules, input_tokens, p)),
    }
}

/// How each other tokenizer family counts the request against `baseline`'s ("Opus 4.7 counts
/// this 18 % higher than Sonnet 4.5"): one line per family, for its first model in `rows`.
/// The baseline is the row of that model id, else the first row.
pub fn family_notes(rows: &[Row], baseline: &str) -> Vec<String> {
    let Some(base) = rows
        .iter()
        .find(|r| r.model.id == baseline)
        .or_else(|| rows.first())
    else {
        return Vec::new();
    };
    let mut seen = vec![base.model.family];
    let mut notes = Vec::new();
    for row in rows {
        if seen.contains(&row.model.family) {
            continue;
        }
        seen.push(row.model.family);
        let change = 100.0 * (row.input_tokens as f64 / base.input_tokens.max(1) as f64 - 1.0);
        let rounded = change.round() as i64;
        let how = match rounded {
            0 => "the same as".to_string(),
            n if n > 0 => format!("{n} % higher than"),
            n => format!("{} % lower than", -n),
        };
        notes.push(format!(
            "{} counts this {how} {} (tokenizer {}, not {})",
            row.model.display_name,
            base.model.display_name,
            row.model.family.name(),
            base.model.family.name()
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::request::cache_control::Ttl;

    fn row_on(id: &str, tokens: u64, output: Output) -> Row {
        let r = Registry::builtin();
        row(&r.lookup(id), r.price_rules(), tokens, false, output, None)
    }

    #[test]
    fn fits_counts_the_output_reserve_against_the_window() {
        let max = |n| Output {
            max_tokens: Some(n),
            thinking_budget: None,
        };
        assert!(row_on("claude-haiku-4-5", 190_000, max(10_000)).fits);
        assert!(!row_on("claude-haiku-4-5", 190_000, max(10_001)).fits);
        assert!(row_on("claude-opus-5", 190_000, max(10_001)).fits);
        let thinking = Output {
            max_tokens: Some(4_000),
            thinking_budget: Some(16_000),
        };
        let r = row_on("claude-haiku-4-5", 185_000, thinking);
        assert_eq!(r.reserve, 16_000);
        assert!(!r.fits);
        assert!((r.percent_of_window() - 100.5).abs() < 1e-9);
        // Without max_tokens nothing is reserved, and the worst case is the model's maximum.
        let bare = row_on("claude-haiku-4-5", 1_000, Output::default());
        assert_eq!((bare.reserve, bare.cost.output_tokens), (0, 64_000));
    }

    #[test]
    fn a_cache_plan_goes_with_breakpoints() {
        let r = Registry::builtin();
        let prefixes = [Prefix {
            at: "system[0]".into(),
            ttl: Ttl::FiveMinutes,
            tokens: 2_000,
        }];
        let on = |id: &str| {
            row(
                &r.lookup(id),
                r.price_rules(),
                3_000,
                true,
                Output::default(),
                Some(&prefixes),
            )
        };
        assert!(on("claude-sonnet-4-5").cache.expect("a plan").breakpoints[0].cacheable);
        assert!(!on("claude-haiku-4-5").cache.expect("a plan").breakpoints[0].cacheable);
        assert!(
            row_on("claude-haiku-4-5", 3_000, Output::default())
                .cache
                .is_none()
        );
    }

    #[test]
    fn family_notes_compare_each_family_with_the_baseline() {
        let rows = [
            row_on("claude-opus-5", 1_150, Output::default()),
            row_on("claude-opus-4-7", 1_180, Output::default()),
            row_on("claude-sonnet-4-5", 1_000, Output::default()),
            row_on("claude-haiku-4-5", 1_000, Output::default()),
        ];
        assert_eq!(
            family_notes(&rows, "claude-sonnet-4-5"),
            vec![
                "Claude Opus 5 counts this 15 % higher than Claude Sonnet 4.5 (tokenizer v4.8+, not v3)",
                "Claude Opus 4.7 counts this 18 % higher than Claude Sonnet 4.5 (tokenizer v4.7, not v3)",
            ]
        );
        assert_eq!(
            family_notes(&rows, "claude-opus-4-7"),
            vec![
                "Claude Opus 5 counts this 3 % lower than Claude Opus 4.7 (tokenizer v4.8+, not v4.7)",
                "Claude Sonnet 4.5 counts this 15 % lower than Claude Opus 4.7 (tokenizer v3, not v4.7)",
            ]
        );
        assert!(family_notes(&rows[2..], "claude-sonnet-4-5").is_empty());
    }
}
