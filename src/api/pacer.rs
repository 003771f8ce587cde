//! The seam between the HTTP client and the rate limiter: the client asks a `Pacer` before
//! every attempt (retries included) and tells it what each response said about the rate.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

/// What a response said about the rate limit (any response, 429 or not).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerRateInfo {
    /// `anthropic-ratelimit-requests-limit`
    pub limit: Option<u32>,
    /// `anthropic-ratelimit-requests-remaining`
    pub remaining: Option<u32>,
    /// `anthropic-ratelimit-requests-reset` (RFC 3339)
    pub reset: Option<SystemTime>,
    /// `retry-after-ms` / `retry-after` on a 429: nobody should send before this has passed.
    pub retry_after: Option<Duration>,
    /// The response was a 429.
    pub rate_limited: bool,
}

pub trait Pacer: Send + Sync {
    /// Wait until one request may be sent.
    fn acquire(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    /// Learn from a response.
    fn observe(&self, info: &ServerRateInfo);
}

/// No pacing at all (tests, or when the caller paces by itself).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unpaced;

impl Pacer for Unpaced {
    fn acquire(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
    fn observe(&self, _info: &ServerRateInfo) {}
}
