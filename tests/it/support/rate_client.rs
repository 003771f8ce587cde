//! A minimal count_tokens sender for the limiter tests and the spacing example: it asks the
//! limiter before every attempt, tells it what every response said, and retries 429s until
//! counted (the real client in `budgie::api` retries a bounded number of times).

use std::time::{Duration, SystemTime};

use budgie::api::pacer::{Pacer, ServerRateInfo};
use reqwest::header::HeaderMap;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub input_tokens: u64,
    /// Attempts refused with 429 before it was counted.
    pub refused: u32,
}

pub async fn count_until_done(
    client: &reqwest::Client,
    base: &str,
    pacer: &dyn Pacer,
    body: &Value,
) -> Result<Sent, String> {
    let mut refused = 0;
    loop {
        pacer.acquire().await;
        let response = client
            .post(format!("{base}/v1/messages/count_tokens"))
            .header("x-api-key", "test-key")
            .header("anthropic-version", "2023-06-01")
            .json(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let info = rate_info(response.headers(), status == 429);
        pacer.observe(&info);
        if status == 429 {
            refused += 1;
            if refused > 20 {
                return Err("still refused after 20 attempts".into());
            }
            continue;
        }
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        let input_tokens = value["input_tokens"]
            .as_u64()
            .ok_or_else(|| format!("status {status}: {value}"))?;
        return Ok(Sent {
            input_tokens,
            refused,
        });
    }
}

pub fn rate_info(headers: &HeaderMap, rate_limited: bool) -> ServerRateInfo {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let number = |name: &str| text(name).and_then(|v| v.trim().parse::<u32>().ok());
    let retry_after = text("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| {
            text("retry-after")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map(Duration::from_secs_f64)
        });
    let reset = text("anthropic-ratelimit-requests-reset").and_then(|v| {
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(SystemTime::from)
    });
    ServerRateInfo {
        limit: number("anthropic-ratelimit-requests-limit"),
        remaining: number("anthropic-ratelimit-requests-remaining"),
        reset,
        retry_after,
        rate_limited,
    }
}

/// A request body whose count on the fake is 7 + `words`.
pub fn body_with_words(words: usize) -> Value {
    let text = vec!["word"; words].join(" ");
    serde_json::json!({
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": text}]
    })
}
