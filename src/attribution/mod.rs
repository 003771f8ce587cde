//! Where the tokens go: a request's count per section, offline or exact.
//!
//! Offline, the sections come from the estimate and add up to its total. Exact figures come
//! from leave-one-out counts: count_tokens on the request without one section at a time
//! (`without`); a section's exact cost is the total minus that count, and what the sections
//! do not explain (framing, and their interactions) is the residual, shown as framing, never
//! hidden. The total is always counted first; sections are counted largest first.

mod without;

use std::future::Future;

pub use without::without;

use crate::estimate::{Estimate, Section};
use crate::request::Request;

/// Where a section's figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Offline,
    Exact,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Offline => "offline",
            Source::Exact => "exact",
        }
    }
}

/// One section's share of a count.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub section: Section,
    pub tokens: i64,
    pub source: Source,
    /// What stood in for the section in its leave-one-out count, when it could not simply go.
    pub note: Option<String>,
}

/// The offline breakdown: the estimate's sections, largest first (framing last among equals).
pub fn offline(estimate: &Estimate) -> Vec<Share> {
    let mut shares: Vec<Share> = estimate
        .sections
        .iter()
        .map(|(section, tokens)| Share {
            section: section.clone(),
            tokens: *tokens,
            source: Source::Offline,
            note: None,
        })
        .collect();
    largest_first(&mut shares);
    shares
}

fn largest_first(shares: &mut [Share]) {
    shares.sort_by(|a, b| {
        b.tokens
            .cmp(&a.tokens)
            .then_with(|| a.section.cmp(&b.section))
    });
}

/// Progress of an exact attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Counts done (the total included).
    pub done: usize,
    /// Counts in all (the total and one per section that can be left out).
    pub of: usize,
}

/// The sections of `estimate` that a leave-one-out count can measure, largest first, each
/// with the request that leaves it out.
pub fn plan(request: &Request, estimate: &Estimate) -> Vec<(Section, Request, Option<String>)> {
    offline(estimate)
        .into_iter()
        .filter_map(|share| {
            let (r, note) = without(request, &share.section)?;
            Some((share.section, r, note))
        })
        .collect()
}

/// Exact attribution: `count` is asked for the total first, then for the request without each
/// section (largest first). `progress` hears after each count; a `count` error stops the run
/// and is returned. Sections that could not be left out, and the residual, come back as
/// framing.
pub async fn exact<F, Fut, E>(
    request: &Request,
    estimate: &Estimate,
    mut count: F,
    mut progress: impl FnMut(Progress),
) -> Result<(u64, Vec<Share>), E>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<u64, E>>,
{
    let plan = plan(request, estimate);
    let of = plan.len() + 1;
    let total = count(request.clone()).await?;
    progress(Progress { done: 1, of });
    let mut shares = Vec::with_capacity(plan.len() + 1);
    for (i, (section, without, note)) in plan.into_iter().enumerate() {
        let rest = count(without).await?;
        shares.push(Share {
            section,
            tokens: total as i64 - rest as i64,
            source: Source::Exact,
            note,
        });
        progress(Progress { done: i + 2, of });
    }
    let explained: i64 = shares.iter().map(|s| s.tokens).sum();
    shares.push(Share {
        section: Section::Framing,
        tokens: total as i64 - explained,
        source: Source::Exact,
        note: Some("what no one section explains: the frame, separators, the tool-use prompt and how sections interact".into()),
    });
    largest_first(&mut shares);
    Ok((total, shares))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::estimate;
    use crate::request::parse;

    fn sample() -> Request {
        parse(
            r#"{"model":"claude-sonnet-4-5","system":"Be brief.",
            "tools":[{"name":"f","description":"does f","input_schema":{"type":"object"}}],
            "messages":[{"role":"user","content":"hello there"},
              {"role":"assistant","content":"hi"},{"role":"user","content":"what now?"}]}"#,
        )
        .expect("a request")
    }

    #[test]
    fn offline_shares_are_the_estimates_sections_largest_first() {
        let r = sample();
        let e = estimate(&r);
        let shares = offline(&e);
        assert_eq!(
            shares.iter().map(|s| s.tokens).sum::<i64>(),
            e.input_tokens as i64
        );
        assert!(shares.windows(2).all(|w| w[0].tokens >= w[1].tokens));
    }

    #[tokio::test]
    async fn exact_shares_come_from_the_counts_and_the_residual_is_framing() {
        // A counter that charges 10 per message, 100 per tool, 5 for a system prompt, and
        // 1000 for just being a request: nothing like the offline rules.
        let charge = |r: &Request| {
            1000 + 10 * r.messages.len() as u64
                + 100 * r.tools.as_ref().map_or(0, Vec::len) as u64
                + if r.system.is_some() { 5 } else { 0 }
        };
        let r = sample();
        let e = estimate(&r);
        let mut asked = Vec::new();
        let mut seen = Vec::new();
        let (total, shares) = exact(
            &r,
            &e,
            |req| {
                asked.push(req.clone());
                let n = charge(&req);
                async move { Ok::<u64, ()>(n) }
            },
            |p| seen.push(p),
        )
        .await
        .expect("counted");
        assert_eq!(total, 1000 + 30 + 100 + 5);
        assert_eq!(asked[0], r, "the total is asked first");
        let get = |s: Section| shares.iter().find(|x| x.section == s).map(|x| x.tokens);
        assert_eq!(get(Section::Tool("f".into())), Some(100));
        assert_eq!(get(Section::System(None)), Some(5));
        assert_eq!(get(Section::Message(1)), Some(10));
        // The first message cannot go (an assistant message would open the conversation):
        // it is replaced, so this counter sees no difference, and says so.
        let first = shares
            .iter()
            .find(|x| x.section == Section::Message(0))
            .expect("measured");
        assert_eq!(first.tokens, 0);
        assert!(
            first
                .note
                .as_deref()
                .is_some_and(|n| n.contains("user message"))
        );
        assert_eq!(get(Section::Framing), Some(1010));
        assert_eq!(shares.iter().map(|s| s.tokens).sum::<i64>(), total as i64);
        assert_eq!(
            seen.last(),
            Some(&Progress {
                done: asked.len(),
                of: asked.len()
            })
        );
    }

    #[tokio::test]
    async fn an_error_stops_the_run() {
        let r = sample();
        let e = estimate(&r);
        let mut n = 0;
        let result = exact(
            &r,
            &e,
            |_| {
                n += 1;
                let fail = n == 3;
                async move { if fail { Err("429") } else { Ok(100) } }
            },
            |_| {},
        )
        .await;
        assert_eq!(result, Err("429"));
        assert_eq!(n, 3);
    }
}
