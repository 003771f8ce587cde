//! The prompt-caching plan of a request on one model: for each breakpoint, whether its prefix
//! reaches the model's minimum (a shorter one is silently not cached and bills at full
//! price); what the first request costs (cache writes at the TTL's rate, the rest uncached),
//! what a repeat within the TTL costs (cache reads, the rest uncached), after how many
//! repeats caching has paid for itself, and where a breakpoint would cache more.
//!
//! Billing, per Anthropic's prompt caching docs: the first request writes each cached prefix
//! — the tokens from the previous cached breakpoint up to this one, at this one's TTL rate (so
//! with 1h entries before 5m ones, the 1h part bills at the 1h rate and the rest up to the 5m
//! breakpoint at the 5m rate); a repeat reads the longest cached prefix. Everything after the
//! last cached breakpoint bills as plain input. The figures here are input only: output is
//! billed the same with or without the cache.

use super::prices::{Rates, Usd, rates};
use crate::numbers::group;
use crate::registry::{ModelInfo, PriceRules};
use crate::request::cache_control::Ttl;

/// A breakpoint with its prefix counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    /// `tools[2]`, `system[1]`, `messages[3].content[0]`, `auto`.
    pub at: String,
    pub ttl: Ttl,
    /// Tokens in the request cut after the breakpoint's block.
    pub tokens: u64,
}

/// One breakpoint of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakpointPlan {
    pub at: String,
    pub ttl: Ttl,
    pub prefix_tokens: u64,
    /// The model's minimum cacheable prompt length.
    pub minimum: u64,
    pub cacheable: bool,
}

impl BreakpointPlan {
    /// "system[1]: 812 tokens, under claude-haiku-4-5's minimum of 4,096 — this breakpoint
    /// will not cache", for a breakpoint under the minimum.
    pub fn warning(&self, model: &str) -> Option<String> {
        (!self.cacheable).then(|| {
            format!(
                "{}: {} tokens, under {model}'s minimum of {} — this breakpoint will not cache",
                self.at,
                group(self.prefix_tokens),
                group(self.minimum)
            )
        })
    }
}

/// The whole plan on one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePlan {
    pub model: String,
    pub breakpoints: Vec<BreakpointPlan>,
    pub minimum: u64,
    /// False where sources disagree on the model's minimum.
    pub minimum_verified: bool,
    pub input_tokens: u64,
    /// The longest prefix that is cached: read on a repeat.
    pub cached_tokens: u64,
    /// The request without caching (input only).
    pub uncached: Usd,
    /// The first request: cache writes plus the uncached rest.
    pub first_request: Usd,
    /// A repeat within the TTL: cache reads plus the uncached rest.
    pub repeat_request: Usd,
    /// Repeats within the TTL after which caching has cost less than not caching; `None`
    /// when it never does (nothing cached).
    pub break_even: Option<u64>,
    pub long_context: bool,
}

/// The plan for a request of `input_tokens` on `model`, its breakpoints' prefixes counted
/// (`prefixes`, in prefix order).
pub fn plan(
    model: &ModelInfo,
    rules: PriceRules,
    input_tokens: u64,
    prefixes: &[Prefix],
) -> CachePlan {
    let minimum = model.min_cacheable_tokens.value;
    let r = rates(model, rules, input_tokens);
    let breakpoints: Vec<BreakpointPlan> = prefixes
        .iter()
        .map(|p| {
            // A prefix is part of the request: never more than all of it.
            let prefix_tokens = p.tokens.min(input_tokens);
            BreakpointPlan {
                at: p.at.clone(),
                ttl: p.ttl,
                prefix_tokens,
                minimum,
                cacheable: prefix_tokens >= minimum,
            }
        })
        .collect();
    let (first_request, cached_tokens) = first(&r, &breakpoints, input_tokens);
    let uncached = r.input.times(input_tokens);
    let repeat_request =
        r.cache_read.times(cached_tokens) + r.input.times(input_tokens - cached_tokens);
    CachePlan {
        model: model.id.clone(),
        breakpoints,
        minimum,
        minimum_verified: model.min_cacheable_tokens.verified,
        input_tokens,
        cached_tokens,
        uncached,
        first_request,
        repeat_request,
        break_even: break_even(uncached, first_request, repeat_request),
        long_context: r.long_context,
    }
}

/// The first request's cost and the tokens it caches.
fn first(r: &Rates, breakpoints: &[BreakpointPlan], input_tokens: u64) -> (Usd, u64) {
    let mut cost = Usd(0);
    let mut cached = 0u64;
    for b in breakpoints.iter().filter(|b| b.cacheable) {
        let written = b.prefix_tokens.saturating_sub(cached);
        let rate = match b.ttl {
            Ttl::FiveMinutes => r.cache_write_5m,
            Ttl::OneHour => r.cache_write_1h,
        };
        cost = cost + rate.times(written);
        cached = cached.max(b.prefix_tokens);
    }
    (cost + r.input.times(input_tokens - cached), cached)
}

/// The fewest repeats `n` with `first + n × repeat <= (n + 1) × uncached`.
fn break_even(uncached: Usd, first: Usd, repeat: Usd) -> Option<u64> {
    if first <= uncached {
        return Some(0);
    }
    if repeat >= uncached {
        return None;
    }
    let extra = first.0 - uncached.0;
    let saved = uncached.0 - repeat.0;
    Some(extra.div_ceil(saved))
}

/// A place a breakpoint could go, with its prefix counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// `tools[2]`, `system[1]`, `messages[3].content[0]`.
    pub at: String,
    /// What the place is, in words ("after the tools and the system prompt").
    pub what: String,
    pub tokens: u64,
}

/// Where a breakpoint placed elsewhere would cache more than `plan` does: the largest
/// `candidates` prefix (places that stay the same from one request to the next: the tools,
/// the system prompt, the conversation before its last message) that reaches the minimum and
/// caches more than the plan; or, when a breakpoint is under the minimum and no candidate
/// reaches it, that caching cannot help on this model.
pub fn suggestion(plan: &CachePlan, candidates: &[Candidate]) -> Option<String> {
    let best = candidates
        .iter()
        .filter(|c| c.tokens >= plan.minimum && c.tokens > plan.cached_tokens)
        .filter(|c| !plan.breakpoints.iter().any(|b| b.at == c.at))
        .max_by_key(|c| c.tokens);
    let under = plan.breakpoints.iter().any(|b| !b.cacheable);
    match best {
        Some(c) => Some(format!(
            "a breakpoint at {} ({}) would cache {} tokens{}",
            c.at,
            c.what,
            group(c.tokens),
            if plan.cached_tokens == 0 {
                String::new()
            } else {
                format!(" (now {})", group(plan.cached_tokens))
            }
        )),
        None if under && plan.cached_tokens == 0 => Some(format!(
            "nothing before the last message reaches {}'s minimum of {}: caching cannot help \
             this request on this model",
            plan.model,
            group(plan.minimum)
        )),
        None => None,
    }
}

/// The plan's costs in a line: "first request $0.0450, repeat within 5m $0.0120 (input
/// only; …); caching pays for itself after 1 repeat"
pub fn summary(plan: &CachePlan) -> String {
    let cached_ttls = || {
        plan.breakpoints
            .iter()
            .filter(|b| b.cacheable)
            .map(|b| b.ttl)
    };
    let repeat = if cached_ttls().any(|t| t == Ttl::FiveMinutes) {
        "repeat within 5m"
    } else if cached_ttls().next().is_some() {
        "repeat within 1h"
    } else {
        "repeat"
    };
    let pays = match plan.break_even {
        _ if plan.cached_tokens == 0 => {
            "nothing is cached: every request bills at full price".to_string()
        }
        Some(0) => "caching costs nothing extra".to_string(),
        Some(1) => "caching pays for itself after 1 repeat".to_string(),
        Some(n) => format!("caching pays for itself after {n} repeats"),
        None => "caching never pays for itself".to_string(),
    };
    format!(
        "first request {}, {repeat} {} (input only; uncached {}); {pays}",
        plan.first_request, plan.repeat_request, plan.uncached
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn model(id: &str) -> ModelInfo {
        Registry::builtin().lookup(id)
    }

    fn prefix(at: &str, ttl: Ttl, tokens: u64) -> Prefix {
        Prefix {
            at: at.into(),
            ttl,
            tokens,
        }
    }

    fn plan_on(id: &str, total: u64, prefixes: &[Prefix]) -> CachePlan {
        plan(
            &model(id),
            Registry::builtin().price_rules(),
            total,
            prefixes,
        )
    }

    #[test]
    fn a_5m_breakpoint_writes_at_1_25x_and_repeats_read_at_0_1x() {
        // Sonnet 4.5, $3/MTok: 10,000 cached of 12,000.
        let p = plan_on(
            "claude-sonnet-4-5",
            12_000,
            &[prefix("system[0]", Ttl::FiveMinutes, 10_000)],
        );
        assert!(p.breakpoints[0].cacheable);
        assert_eq!(p.cached_tokens, 10_000);
        assert_eq!(p.uncached, Usd(12_000 * 3_000_000));
        assert_eq!(p.first_request, Usd(10_000 * 3_750_000 + 2_000 * 3_000_000));
        assert_eq!(p.repeat_request, Usd(10_000 * 300_000 + 2_000 * 3_000_000));
        // First costs 7,500,000,000 more; each repeat saves 27,000,000,000: one repeat.
        assert_eq!(p.break_even, Some(1));
    }

    #[test]
    fn a_1h_entry_then_a_5m_one_bill_each_part_at_its_rate() {
        let p = plan_on(
            "claude-sonnet-4-5",
            20_000,
            &[
                prefix("tools[0]", Ttl::OneHour, 4_000),
                prefix("system[0]", Ttl::FiveMinutes, 15_000),
            ],
        );
        assert_eq!(
            p.first_request,
            Usd(4_000 * 6_000_000 + 11_000 * 3_750_000 + 5_000 * 3_000_000)
        );
        assert_eq!(p.repeat_request, Usd(15_000 * 300_000 + 5_000 * 3_000_000));
        let one_hour = plan_on(
            "claude-sonnet-4-5",
            20_000,
            &[prefix("system[0]", Ttl::OneHour, 15_000)],
        );
        // A 1h write costs 2x: 15,000 more tokens' worth; each repeat saves 0.9x: two repeats.
        assert_eq!(
            one_hour.first_request,
            Usd(15_000 * 6_000_000 + 5_000 * 3_000_000)
        );
        assert_eq!(one_hour.break_even, Some(2));
    }

    #[test]
    fn a_prefix_under_the_minimum_is_not_cached_and_says_so() {
        let p = plan_on(
            "claude-haiku-4-5",
            5_000,
            &[prefix("system[1]", Ttl::FiveMinutes, 812)],
        );
        let b = &p.breakpoints[0];
        assert!(!b.cacheable);
        assert_eq!(b.minimum, 4096);
        assert_eq!(
            b.warning("claude-haiku-4-5").as_deref(),
            Some(
                "system[1]: 812 tokens, under claude-haiku-4-5's minimum of 4,096 — this \
                 breakpoint will not cache"
            )
        );
        // Billed at full price, first and repeat alike.
        assert_eq!(p.first_request, p.uncached);
        assert_eq!(p.repeat_request, p.uncached);
        assert_eq!(p.break_even, Some(0));
        assert_eq!(p.cached_tokens, 0);
        // The same prefix caches on a model with a lower minimum.
        let sonnet = plan_on(
            "claude-sonnet-4-5",
            5_000,
            &[prefix("system[1]", Ttl::FiveMinutes, 1_500)],
        );
        assert!(sonnet.breakpoints[0].cacheable && sonnet.breakpoints[0].warning("x").is_none());
    }

    #[test]
    fn the_minimum_itself_caches() {
        let at = |n| {
            plan_on(
                "claude-sonnet-4-5",
                9_000,
                &[prefix("auto", Ttl::FiveMinutes, n)],
            )
        };
        assert!(!at(1023).breakpoints[0].cacheable);
        assert!(at(1024).breakpoints[0].cacheable);
    }

    #[test]
    fn caching_past_the_long_context_threshold_uses_the_long_context_rates() {
        let p = plan_on(
            "claude-sonnet-4-5",
            250_000,
            &[prefix("system[0]", Ttl::FiveMinutes, 240_000)],
        );
        assert!(p.long_context);
        assert_eq!(
            p.first_request,
            Usd(240_000 * 7_500_000 + 10_000 * 6_000_000)
        );
        assert_eq!(
            p.repeat_request,
            Usd(240_000 * 600_000 + 10_000 * 6_000_000)
        );
    }

    #[test]
    fn a_suggestion_moves_the_breakpoint_past_the_minimum() {
        let p = plan_on(
            "claude-haiku-4-5",
            9_000,
            &[prefix("system[0]", Ttl::FiveMinutes, 812)],
        );
        let candidates = [
            Candidate {
                at: "tools[1]".into(),
                what: "after the tools".into(),
                tokens: 700,
            },
            Candidate {
                at: "messages[2].content[0]".into(),
                what: "after the conversation before its last message".into(),
                tokens: 6_000,
            },
        ];
        assert_eq!(
            suggestion(&p, &candidates).as_deref(),
            Some(
                "a breakpoint at messages[2].content[0] (after the conversation before its \
                 last message) would cache 6,000 tokens"
            )
        );
        assert_eq!(
            suggestion(&p, &candidates[..1]).as_deref(),
            Some(
                "nothing before the last message reaches claude-haiku-4-5's minimum of 4,096: \
                 caching cannot help this request on this model"
            )
        );
        // A plan that already caches the most says nothing.
        let cached = plan_on(
            "claude-haiku-4-5",
            9_000,
            &[prefix("messages[2].content[0]", Ttl::FiveMinutes, 6_000)],
        );
        assert_eq!(suggestion(&cached, &candidates), None);
    }
}
