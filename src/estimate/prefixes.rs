//! Offline counts of a request's prefixes, for the prompt-caching plan: the request cut after
//! each `cache_control` breakpoint, and cut at the places whose prefix stays the same from one
//! request to the next (where a breakpoint would cache the most). A prefix is counted as the
//! cut request is, so an exact count of the same cut (count_tokens) replaces it like for like.

use super::Estimator;
use crate::request::Request;
use crate::request::cache_control::{
    Breakpoint, Position, breakpoints, cut_after, stable_positions,
};

/// Each breakpoint of `request` with its prefix's offline count. `total` is the whole
/// request's count, which is the automatic breakpoint's prefix.
pub fn breakpoint_prefixes(
    estimator: &mut Estimator,
    request: &Request,
    total: u64,
) -> Vec<(Breakpoint, u64)> {
    // One cut at a time: each is counted and dropped before the next is made.
    breakpoints(request)
        .into_iter()
        .filter_map(|b| {
            let tokens = if b.at == Position::Auto {
                total
            } else {
                estimator.estimate(&cut_after(request, b.at)?).input_tokens
            };
            Some((b, tokens))
        })
        .collect()
}

/// The stable places of `request` (after the tools, after the system prompt, after the
/// conversation before its last message), each with what it is and its prefix's offline
/// count.
pub fn stable_prefixes(
    estimator: &mut Estimator,
    request: &Request,
) -> Vec<(Position, &'static str, u64)> {
    stable_positions(request)
        .into_iter()
        .filter_map(|(at, what)| {
            let cut = cut_after(request, at)?;
            Some((at, what, estimator.estimate(&cut).input_tokens))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::estimate;
    use crate::request::parse;

    #[test]
    fn a_prefix_is_the_count_of_the_request_cut_there() {
        let r = parse(
            r#"{"model":"claude-sonnet-4-5","cache_control":{"type":"ephemeral"},
              "system":[{"type":"text","text":"You are a careful reviewer of contracts.","cache_control":{"type":"ephemeral"}}],
              "messages":[{"role":"user","content":"Read this."},{"role":"assistant","content":"Done."},
                {"role":"user","content":[{"type":"text","text":"What now?"}]}]}"#,
        )
        .expect("parses");
        let total = estimate(&r).input_tokens;
        let mut e = Estimator::new();
        let found = breakpoint_prefixes(&mut e, &r, total);
        assert_eq!(found.len(), 2);
        let system_cut = cut_after(&r, Position::System(0)).expect("cut");
        assert_eq!(found[0].1, estimate(&system_cut).input_tokens);
        assert!(found[0].1 < total);
        assert_eq!(found[1].1, total);
        let stable = stable_prefixes(&mut e, &r);
        assert_eq!(stable.len(), 2);
        assert_eq!(stable[0].2, found[0].1);
        // The conversation before the last message is longer than the system prompt alone.
        assert!(stable[1].2 > stable[0].2 && stable[1].2 < total);
    }
}
