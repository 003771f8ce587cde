//! The prompt-caching plan in `budgie count`'s output: for a request with `cache_control`
//! breakpoints, each breakpoint's prefix against the model's minimum, what the first request
//! and a repeat within the TTL cost, and where a breakpoint would cache more.

use serde_json::{Value, json};

use crate::cost::{self, CachePlan, Candidate, Prefix};
use crate::estimate::Estimator;
use crate::estimate::prefixes::stable_prefixes;
use crate::numbers::group;
use crate::registry::Registry;
use crate::request::Request;
use crate::request::cache_control::{Breakpoint, Ttl};

#[derive(Debug, Clone, PartialEq)]
pub struct CacheReport {
    pub plan: CachePlan,
    /// Where a breakpoint would cache more (its figures are offline counts).
    pub suggestion: Option<String>,
}

/// Counted prefixes as the plan takes them (a TTL the API would refuse never gets here:
/// validation refuses the file first).
pub fn prefixes(counted: Vec<(Breakpoint, u64)>) -> Vec<Prefix> {
    counted
        .into_iter()
        .map(|(b, tokens)| Prefix {
            ttl: b.ttl().unwrap_or(Ttl::FiveMinutes),
            at: b.path,
            tokens,
        })
        .collect()
}

/// The plan for `request` (of `total` input tokens) on its own model, its breakpoints'
/// prefixes counted; `None` without breakpoints.
pub fn report(
    request: &Request,
    total: u64,
    counted: Vec<(Breakpoint, u64)>,
) -> Option<CacheReport> {
    if counted.is_empty() {
        return None;
    }
    let registry = Registry::builtin();
    let model = registry.lookup(&request.model);
    let plan = cost::cache::plan(&model, registry.price_rules(), total, &prefixes(counted));
    let candidates: Vec<Candidate> = stable_prefixes(&mut Estimator::new(), request)
        .into_iter()
        .map(|(at, what, tokens)| Candidate {
            at: at.path(),
            what: what.to_string(),
            tokens,
        })
        .collect();
    let suggestion = cost::cache::suggestion(&plan, &candidates);
    Some(CacheReport { plan, suggestion })
}

/// `{"breakpoints": [{"at","ttl","prefix_tokens","minimum","cacheable"}],
/// "first_request_usd", "repeat_request_usd"}`
pub fn json(plan: &CachePlan) -> Value {
    let breakpoints: Vec<Value> = plan
        .breakpoints
        .iter()
        .map(|b| {
            json!({
                "at": b.at,
                "ttl": b.ttl.name(),
                "prefix_tokens": b.prefix_tokens,
                "minimum": b.minimum,
                "cacheable": b.cacheable,
            })
        })
        .collect();
    json!({
        "breakpoints": breakpoints,
        "first_request_usd": plan.first_request.dollars(),
        "repeat_request_usd": plan.repeat_request.dollars(),
    })
}

/// The plan in lines for people: one per breakpoint, then the costs, then the suggestion.
pub fn plain_lines(report: &CacheReport) -> Vec<String> {
    let plan = &report.plan;
    let mut lines = vec![format!(
        "prompt cache on {} (minimum {} tokens{}):",
        plan.model,
        group(plan.minimum),
        if plan.minimum_verified {
            ""
        } else {
            ", unverified: sources disagree"
        }
    )];
    let width = plan
        .breakpoints
        .iter()
        .map(|b| b.at.chars().count())
        .max()
        .unwrap_or(0);
    for b in &plan.breakpoints {
        let status = match b.warning(&plan.model) {
            Some(_) => format!(
                "under {}'s minimum of {} — this breakpoint will not cache",
                plan.model,
                group(b.minimum)
            ),
            None => "caches".to_string(),
        };
        lines.push(format!(
            "  {:width$}  {}  {:>9} tokens  {status}",
            b.at,
            b.ttl.name(),
            group(b.prefix_tokens)
        ));
    }
    lines.push(format!("  {}", cost::cache::summary(plan)));
    if let Some(s) = &report.suggestion {
        lines.push(format!("  suggestion: {s}"));
    }
    lines
}
