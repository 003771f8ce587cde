//! The workbench's cost views: the request on every model (the comparison, `c`) and the
//! prompt-cache plan on the current model (`C`). Offline figures are counted when a view
//! opens (the request cannot change while a view is open); exact ones are asked for on demand
//! and kept for the session by request hash (`ExactCosts`), so no figure is asked twice. The
//! arithmetic is `cost`'s.

use std::collections::HashMap;

use crate::cost::cache::{self, CachePlan, Candidate, Prefix};
use crate::cost::compare::{Output, Row, row};
use crate::estimate::Estimator;
use crate::estimate::prefixes::stable_prefixes;
use crate::registry::{ModelInfo, Registry};
use crate::request::Request;
use crate::request::cache_control::{Breakpoint, Position, Ttl, prefix_requests};

/// Exact counts the cost views asked for, by request hash, and how the asking goes.
#[derive(Debug, Clone, Default)]
pub struct ExactCosts {
    pub counts: HashMap<String, u64>,
    /// Requests sent and not answered yet.
    pub pending: usize,
    /// The last failure, in words.
    pub failed: Option<String>,
}

/// One request counted offline, and the hash its exact count is kept under.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub offline: u64,
    pub hash: String,
}

impl Counted {
    fn of(estimator: &mut Estimator, request: &Request) -> Counted {
        Counted {
            offline: estimator.estimate(request).input_tokens,
            hash: request.content_hash(),
        }
    }

    /// The exact count when there is one, else the offline one; and whether it is exact.
    pub fn tokens(&self, exact: &ExactCosts) -> (u64, bool) {
        match exact.counts.get(&self.hash) {
            Some(n) => (*n, true),
            None => (self.offline, false),
        }
    }
}

/// The request on one model: the whole of it and each breakpoint's prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCounts {
    pub model: ModelInfo,
    pub total: Counted,
    pub prefixes: Vec<(Breakpoint, Counted)>,
}

impl ModelCounts {
    /// `request` (already on `model`) counted offline.
    fn count(estimator: &mut Estimator, request: &Request, model: &ModelInfo) -> ModelCounts {
        let total = Counted::of(estimator, request);
        let prefixes = prefix_requests(request)
            .into_iter()
            .map(|(b, cut)| {
                // The automatic breakpoint's prefix is the whole request.
                let counted = if b.at == Position::Auto {
                    total.clone()
                } else {
                    Counted::of(estimator, &cut)
                };
                (b, counted)
            })
            .collect();
        ModelCounts {
            model: model.clone(),
            total,
            prefixes,
        }
    }

    /// Every figure is exact.
    pub fn all_exact(&self, exact: &ExactCosts) -> bool {
        self.total.tokens(exact).1 && self.prefixes.iter().all(|(_, c)| c.tokens(exact).1)
    }

    /// The whole request's count and each prefix's, all exact once every one of them is,
    /// else all offline: an exact total beside offline prefixes would compare two different
    /// counters.
    pub fn figures(&self, exact: &ExactCosts) -> (u64, Vec<Prefix>, bool) {
        let all_exact = self.all_exact(exact);
        let pick = |c: &Counted| {
            if all_exact {
                c.tokens(exact).0
            } else {
                c.offline
            }
        };
        let prefixes = self
            .prefixes
            .iter()
            .map(|(b, counted)| Prefix {
                at: b.path.clone(),
                ttl: b.ttl().unwrap_or(Ttl::FiveMinutes),
                tokens: pick(counted),
            })
            .collect();
        (pick(&self.total), prefixes, all_exact)
    }

    /// The model's row of the comparison.
    pub fn row(&self, exact: &ExactCosts, output: Output) -> Row {
        let (tokens, prefixes, is_exact) = self.figures(exact);
        row(
            &self.model,
            Registry::builtin().price_rules(),
            tokens,
            is_exact,
            output,
            (!prefixes.is_empty()).then_some(prefixes.as_slice()),
        )
    }

    /// The prompt-cache plan on this model.
    pub fn plan(&self, exact: &ExactCosts) -> CachePlan {
        let (tokens, prefixes, _) = self.figures(exact);
        cache::plan(
            &self.model,
            Registry::builtin().price_rules(),
            tokens,
            &prefixes,
        )
    }
}

/// The request on every model in the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareView {
    pub models: Vec<ModelCounts>,
    /// The workspace's model: the one the others are compared with.
    pub baseline: String,
    pub output: Output,
    pub scroll: u16,
}

impl CompareView {
    pub fn open(request: &Request) -> CompareView {
        let mut estimator = Estimator::new();
        let models = Registry::builtin()
            .models()
            .iter()
            .map(|m| ModelCounts::count(&mut estimator, &on_model(request, &m.id), m))
            .collect();
        CompareView {
            models,
            baseline: request.model.clone(),
            output: Output::of(request),
            scroll: 0,
        }
    }

    pub fn rows(&self, exact: &ExactCosts) -> Vec<Row> {
        self.models
            .iter()
            .map(|m| m.row(exact, self.output))
            .collect()
    }
}

/// The prompt-cache plan on the workspace's model.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheView {
    pub counts: ModelCounts,
    /// The places a breakpoint would cache the most, counted offline.
    pub candidates: Vec<Candidate>,
    pub scroll: u16,
}

impl CacheView {
    pub fn open(request: &Request) -> CacheView {
        let mut estimator = Estimator::new();
        let model = Registry::builtin().lookup(&request.model);
        let counts = ModelCounts::count(&mut estimator, request, &model);
        let candidates = stable_prefixes(&mut estimator, request)
            .into_iter()
            .map(|(at, what, tokens)| Candidate {
                at: at.path(),
                what: what.to_string(),
                tokens,
            })
            .collect();
        CacheView {
            counts,
            candidates,
            scroll: 0,
        }
    }

    pub fn suggestion(&self, exact: &ExactCosts) -> Option<String> {
        cache::suggestion(&self.counts.plan(exact), &self.candidates)
    }
}

fn on_model(request: &Request, id: &str) -> Request {
    let mut r = request.clone();
    r.model = id.to_string();
    r
}

/// The requests whose exact counts `models` still lack: for each model, the request on it
/// and the request cut after each breakpoint; each with its hash.
pub fn missing_exact(
    request: &Request,
    models: &[&ModelInfo],
    exact: &ExactCosts,
) -> Vec<(String, Request)> {
    let mut out: Vec<(String, Request)> = Vec::new();
    for model in models {
        let on = on_model(request, &model.id);
        let cuts = prefix_requests(&on)
            .into_iter()
            .filter(|(b, _)| b.at != Position::Auto)
            .map(|(_, cut)| cut);
        for r in std::iter::once(on.clone()).chain(cuts) {
            let hash = r.content_hash();
            if !exact.counts.contains_key(&hash) && !out.iter().any(|(h, _)| *h == hash) {
                out.push((hash, r));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    fn request() -> Request {
        parse(
            r#"{"model":"claude-haiku-4-5","max_tokens":1000,
              "system":[{"type":"text","text":"You review contracts with care.","cache_control":{"type":"ephemeral"}}],
              "messages":[{"role":"user","content":"Read it."},{"role":"assistant","content":"Done."},
                {"role":"user","content":"Summarise."}]}"#,
        )
        .expect("parses")
    }

    #[test]
    fn exact_counts_replace_offline_ones_by_hash() {
        let r = request();
        let view = CacheView::open(&r);
        let mut exact = ExactCosts::default();
        let plan = view.counts.plan(&exact);
        assert_eq!(plan.breakpoints.len(), 1);
        assert!(!view.counts.all_exact(&exact));
        let model = Registry::builtin().lookup("claude-haiku-4-5");
        let missing = missing_exact(&r, &[&model], &exact);
        // The request and the system cut.
        assert_eq!(missing.len(), 2);
        exact.counts.insert(missing[0].0.clone(), 9_000);
        // An exact total beside an offline prefix is not mixed: both stay offline.
        let (total, _, is_exact) = view.counts.figures(&exact);
        assert_eq!((total, is_exact), (view.counts.total.offline, false));
        exact.counts.insert(missing[1].0.clone(), 5_000);
        assert!(view.counts.all_exact(&exact));
        let plan = view.counts.plan(&exact);
        assert_eq!(plan.input_tokens, 9_000);
        assert_eq!(plan.breakpoints[0].prefix_tokens, 5_000);
        assert!(plan.breakpoints[0].cacheable);
        assert!(missing_exact(&r, &[&model], &exact).is_empty());
    }

    #[test]
    fn the_comparison_covers_every_model_with_its_own_count() {
        let r = request();
        let view = CompareView::open(&r);
        let exact = ExactCosts::default();
        let rows = view.rows(&exact);
        assert_eq!(rows.len(), Registry::builtin().models().len());
        assert!(rows.iter().all(|row| row.cache.is_some() && !row.exact));
        assert_eq!(view.output.max_tokens, Some(1000));
        let opus47 = rows
            .iter()
            .find(|row| row.model.id == "claude-opus-4-7")
            .expect("listed");
        let haiku = rows
            .iter()
            .find(|row| row.model.id == "claude-haiku-4-5")
            .expect("listed");
        assert_ne!(opus47.input_tokens, haiku.input_tokens);
    }
}
