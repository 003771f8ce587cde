//! A fake count_tokens API that enforces a rate like Anthropic's: a token bucket per server,
//! refilled continuously at `rpm / 60` per second, holding at most `burst` requests. Beyond it
//! the answer is 429 `rate_limit_error` with `retry-after` (whole seconds until a request's
//! worth has refilled). With `rate_headers`, every answer carries
//! `anthropic-ratelimit-requests-{limit,remaining,reset}` as the real API does.
//!
//! A counted request answers `{"input_tokens": N}` with N = 7 + the number of
//! whitespace-separated words in the texts of `messages` (string contents and text blocks),
//! so callers can check every file got its own count. `GET /stats` answers
//! `{"ok":…,"limited":…,"span_s":…,"min_gap_ms":…}` (first to last arrival, and the least
//! time between two arrivals).
//!
//! Used by the tests and by `examples/fake_rate_api.rs`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Debug, Clone, Copy)]
pub struct FakeRateConfig {
    pub rpm: u32,
    /// Bucket size: how many requests may arrive at once. Anthropic says a rate "may be
    /// enforced over shorter intervals", so the default is the per-second share.
    pub burst: u32,
    pub rate_headers: bool,
}

impl FakeRateConfig {
    pub fn new(rpm: u32) -> Self {
        FakeRateConfig {
            rpm,
            burst: rpm.div_ceil(60).max(1),
            rate_headers: false,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct FakeRateStats {
    pub ok: u64,
    pub limited: u64,
    /// When each request arrived, counted or not, with whether it was counted.
    pub arrivals: Vec<(Instant, bool)>,
}

struct Bucket {
    config: FakeRateConfig,
    tokens: f64,
    refilled_at: Instant,
    stats: FakeRateStats,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let per_sec = f64::from(self.config.rpm) / 60.0;
        let gained = now.duration_since(self.refilled_at).as_secs_f64() * per_sec;
        self.tokens = (self.tokens + gained).min(f64::from(self.config.burst));
        self.refilled_at = now;
    }
}

#[derive(Clone)]
struct CountTokens(Arc<Mutex<Bucket>>);

impl Respond for CountTokens {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let now = Instant::now();
        let mut bucket = self.0.lock().unwrap_or_else(|p| p.into_inner());
        bucket.refill(now);
        let per_sec = f64::from(bucket.config.rpm) / 60.0;
        let counted = bucket.tokens >= 1.0;
        if counted {
            bucket.tokens -= 1.0;
            bucket.stats.ok += 1;
        } else {
            bucket.stats.limited += 1;
        }
        bucket.stats.arrivals.push((now, counted));
        let mut response = if counted {
            let body: Value = request.body_json().unwrap_or(Value::Null);
            ResponseTemplate::new(200)
                .set_body_json(json!({ "input_tokens": expected_tokens(&body) }))
        } else {
            let wait = ((1.0 - bucket.tokens) / per_sec).ceil().max(1.0);
            ResponseTemplate::new(429)
                .insert_header("retry-after", format!("{wait:.0}").as_str())
                .set_body_json(json!({
                    "type": "error",
                    "error": {"type": "rate_limit_error", "message": "Number of request tokens has exceeded your per-minute rate limit"},
                    "request_id": "req_fake"
                }))
        };
        response = response.insert_header("request-id", "req_fake");
        if bucket.config.rate_headers {
            let missing = f64::from(bucket.config.burst) - bucket.tokens;
            let full_in = Duration::from_secs_f64((missing / per_sec).max(0.0));
            let reset = httpdate_rfc3339(SystemTime::now() + full_in);
            response = response
                .insert_header(
                    "anthropic-ratelimit-requests-limit",
                    bucket.config.rpm.to_string().as_str(),
                )
                .insert_header(
                    "anthropic-ratelimit-requests-remaining",
                    (bucket.tokens.floor() as u64).to_string().as_str(),
                )
                .insert_header("anthropic-ratelimit-requests-reset", reset.as_str());
        }
        response
    }
}

struct Stats(Arc<Mutex<Bucket>>);

impl Respond for Stats {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let bucket = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let arrivals: Vec<Instant> = bucket.stats.arrivals.iter().map(|(t, _)| *t).collect();
        let span = match (arrivals.first(), arrivals.last()) {
            (Some(a), Some(b)) => (*b - *a).as_secs_f64(),
            _ => 0.0,
        };
        let min_gap = arrivals
            .windows(2)
            .map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0)
            .fold(f64::INFINITY, f64::min);
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": bucket.stats.ok,
            "limited": bucket.stats.limited,
            "span_s": (span * 1000.0).round() / 1000.0,
            "min_gap_ms": if min_gap.is_finite() { (min_gap * 10.0).round() / 10.0 } else { 0.0 },
        }))
    }
}

/// The count this fake gives a request body: 7 + the words in its messages' texts.
pub fn expected_tokens(body: &Value) -> u64 {
    let texts =
        body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| match &m["content"] {
                Value::String(text) => vec![text.as_str()],
                Value::Array(blocks) => blocks.iter().filter_map(|b| b["text"].as_str()).collect(),
                _ => Vec::new(),
            });
    let words: usize = texts.map(|text| text.split_whitespace().count()).sum();
    7 + words as u64
}

fn httpdate_rfc3339(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub struct FakeRateApi {
    pub server: MockServer,
    bucket: Arc<Mutex<Bucket>>,
}

impl FakeRateApi {
    pub async fn start(config: FakeRateConfig) -> Self {
        Self::start_on(config, None).await
    }

    /// Start on a given listener (the example binary binds a fixed port).
    pub async fn start_on(config: FakeRateConfig, listener: Option<std::net::TcpListener>) -> Self {
        let bucket = Arc::new(Mutex::new(Bucket {
            config,
            tokens: f64::from(config.burst),
            refilled_at: Instant::now(),
            stats: FakeRateStats::default(),
        }));
        let mut builder = MockServer::builder();
        if let Some(listener) = listener {
            builder = builder.listener(listener);
        }
        let server = builder.start().await;
        Mock::given(method("POST"))
            .and(path("/v1/messages/count_tokens"))
            .respond_with(CountTokens(bucket.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/stats"))
            .respond_with(Stats(bucket.clone()))
            .mount(&server)
            .await;
        FakeRateApi { server, bucket }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn stats(&self) -> FakeRateStats {
        self.bucket
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stats
            .clone()
    }
}
