//! When to retry and how long to wait, exactly as the official Python and TypeScript
//! SDKs do (their retry code, 2025–2026).

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::error::{ApiError, ErrorKind};
use super::rate_headers::{header_str, retry_after};

/// Retries after the first attempt, as in the SDKs.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
const INITIAL_DELAY: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(8);
/// A server-given wait is honoured only up to this; beyond it the SDKs fall back to backoff.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);

/// Whether an error response may be retried: never the spend-limit 429; otherwise
/// `x-should-retry: true|false` decides when present; otherwise 408, 409, 429 and 5xx.
pub fn should_retry_response(status: u16, headers: &HeaderMap, error: &ApiError) -> bool {
    if error.kind == ErrorKind::SpendLimit {
        return false;
    }
    match header_str(headers, "x-should-retry").map(str::trim) {
        Some("true") => true,
        Some("false") => false,
        _ => matches!(status, 408 | 409 | 429) || status >= 500,
    }
}

/// The wait before retry number `retries_done + 1`: the server's `retry-after-ms` /
/// `retry-after` when it is within (0, 60] s, else the backoff. `unit_random` is in [0, 1).
pub fn delay(retries_done: u32, headers: Option<&HeaderMap>, unit_random: f64) -> Duration {
    if let Some(wait) = headers.and_then(|h| retry_after(h, SystemTime::now()))
        && wait > Duration::ZERO
        && wait <= MAX_SERVER_WAIT
    {
        return wait;
    }
    backoff(retries_done, unit_random)
}

/// `min(0.5 s · 2^n, 8 s)`, less up to 25 % at random (`unit_random` in [0, 1)).
pub fn backoff(retries_done: u32, unit_random: f64) -> Duration {
    let doubled = INITIAL_DELAY.saturating_mul(2u32.saturating_pow(retries_done.min(16)));
    let base = doubled.min(MAX_DELAY);
    let jitter = 1.0 - 0.25 * unit_random.clamp(0.0, 1.0);
    base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::rate_headers::tests::headers;

    fn error(kind: ErrorKind) -> ApiError {
        ApiError::new(kind, "t", "m")
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_eight() {
        let secs: Vec<f64> = (0..7).map(|n| backoff(n, 0.0).as_secs_f64()).collect();
        assert_eq!(secs, vec![0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]);
        assert_eq!(backoff(u32::MAX, 0.0), Duration::from_secs(8));
    }

    #[test]
    fn jitter_takes_off_at_most_a_quarter() {
        assert_eq!(backoff(0, 0.999_999).as_millis(), 375);
        assert_eq!(backoff(1, 0.5), Duration::from_millis(875));
    }

    #[test]
    fn server_waits_within_a_minute_are_honoured() {
        let h = headers(&[("retry-after", "7")]);
        assert_eq!(delay(0, Some(&h), 0.0), Duration::from_secs(7));
        let ms = headers(&[("retry-after-ms", "250")]);
        assert_eq!(delay(1, Some(&ms), 0.0), Duration::from_millis(250));
        let long = headers(&[("retry-after", "61")]);
        assert_eq!(delay(0, Some(&long), 0.0), Duration::from_millis(500));
        let zero = headers(&[("retry-after", "0")]);
        assert_eq!(delay(1, Some(&zero), 0.0), Duration::from_secs(1));
        assert_eq!(delay(2, None, 0.0), Duration::from_secs(2));
    }

    #[test]
    fn retryable_statuses_are_the_sdks() {
        let none = HeaderMap::new();
        let e = error(ErrorKind::Other);
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(should_retry_response(status, &none, &e), "{status}");
        }
        for status in [400, 401, 402, 403, 404, 413, 422] {
            assert!(!should_retry_response(status, &none, &e), "{status}");
        }
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        let e = error(ErrorKind::Other);
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        assert!(should_retry_response(400, &yes, &e));
        assert!(!should_retry_response(529, &no, &e));
    }

    proptest::proptest! {
        #[test]
        fn backoff_stays_within_the_jitter_band(n in 0u32..64, r in 0.0f64..1.0) {
            let full = (0.5 * 2f64.powi(n.min(16) as i32)).min(8.0);
            let waited = backoff(n, r).as_secs_f64();
            proptest::prop_assert!(waited <= full + 1e-9);
            proptest::prop_assert!(waited >= full * 0.75 - 1e-9);
        }
    }

    #[test]
    fn the_spend_limit_is_never_retried() {
        let yes = headers(&[("x-should-retry", "true")]);
        assert!(!should_retry_response(
            429,
            &yes,
            &error(ErrorKind::SpendLimit)
        ));
    }
}
