//! What a response's headers say about the rate limit and when to come back.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::pacer::ServerRateInfo;

/// Read `anthropic-ratelimit-requests-{limit,remaining,reset}` and `retry-after(-ms)`.
/// Headers that are absent or unreadable are left `None`.
pub fn rate_info(status: u16, headers: &HeaderMap) -> ServerRateInfo {
    ServerRateInfo {
        limit: header_str(headers, "anthropic-ratelimit-requests-limit")
            .and_then(|v| v.trim().parse().ok()),
        remaining: header_str(headers, "anthropic-ratelimit-requests-remaining")
            .and_then(|v| v.trim().parse().ok()),
        reset: header_str(headers, "anthropic-ratelimit-requests-reset").and_then(parse_rfc3339),
        retry_after: retry_after(headers, SystemTime::now()),
        rate_limited: status == 429,
    }
}

/// `retry-after-ms` (milliseconds), else `retry-after` (seconds, or an HTTP date measured
/// from `now`). Not clamped: the caller decides what is reasonable.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = header_str(headers, "retry-after-ms").and_then(parse_non_negative) {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = header_str(headers, "retry-after")?;
    if let Some(seconds) = parse_non_negative(value) {
        return Some(Duration::from_secs_f64(seconds));
    }
    let date = httpdate::parse_http_date(value.trim()).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn parse_non_negative(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

fn parse_rfc3339(value: &str) -> Option<SystemTime> {
    OffsetDateTime::parse(value.trim(), &Rfc3339)
        .ok()
        .map(SystemTime::from)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    pub(crate) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    #[test]
    fn rate_limit_headers_are_read() {
        let info = rate_info(
            429,
            &headers(&[
                ("anthropic-ratelimit-requests-limit", "100"),
                ("anthropic-ratelimit-requests-remaining", "0"),
                ("anthropic-ratelimit-requests-reset", "2026-11-21T21:00:30Z"),
                ("retry-after", "12"),
            ]),
        );
        assert_eq!(info.limit, Some(100));
        assert_eq!(info.remaining, Some(0));
        // 2026-11-21T21:00:30Z is 1_795_294_830 s after the Unix epoch.
        assert_eq!(
            info.reset,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_294_830))
        );
        assert_eq!(info.retry_after, Some(Duration::from_secs(12)));
        assert!(info.rate_limited);
    }

    #[test]
    fn missing_or_garbled_headers_are_none() {
        let info = rate_info(
            200,
            &headers(&[
                ("anthropic-ratelimit-requests-limit", "lots"),
                ("anthropic-ratelimit-requests-reset", "tomorrow"),
            ]),
        );
        assert_eq!(info, ServerRateInfo::default());
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let now = SystemTime::now();
        let h = headers(&[("retry-after-ms", "1500"), ("retry-after", "30")]);
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn retry_after_may_be_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_294_800);
        // 30 seconds after `now`.
        let h = headers(&[("retry-after", "Sat, 21 Nov 2026 21:00:30 GMT")]);
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        let past = headers(&[("retry-after", "Sat, 21 Nov 2026 20:00:00 GMT")]);
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")]), now), None);
    }
}
