//! REPLACE ON MERGE: a minimal count_tokens call so the workbench counts exactly before the
//! API client (src/api/, issue 2) is plugged in. No retries: the worker's pacing and the next
//! pause take care of a failure. Swap `count_fn` for one built on `api::Client::count_tokens`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{CountFn, CountFuture};
use crate::app::CountFailure;

const DEFAULT_BASE: &str = "https://api.anthropic.com";

/// A `CountFn` posting to `$ANTHROPIC_BASE_URL/v1/messages/count_tokens` with `key`.
pub fn count_fn(key: String) -> CountFn {
    let base = std::env::var("ANTHROPIC_BASE_URL")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BASE.to_string());
    let url = format!("{}/v1/messages/count_tokens", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let key = Arc::new(key);
    Arc::new(move |body: Value| -> CountFuture {
        let client = client.clone();
        let url = url.clone();
        let key = key.clone();
        Box::pin(async move { post(&client, &url, &key, &body).await })
    })
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &Value,
) -> Result<u64, CountFailure> {
    let response = client
        .post(url)
        .header("x-api-key", key)
        .header("anthropic-version", "2023-06-01")
        .json(body)
        .send()
        .await
        .map_err(|e| CountFailure::Failed(network_words(&e)))?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let text = response.text().await.unwrap_or_default();
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status.is_success() {
        return value
            .get("input_tokens")
            .and_then(Value::as_u64)
            .ok_or_else(|| CountFailure::Failed("the API answered without input_tokens".into()));
    }
    let message = value
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let words = match status.as_u16() {
        401 => "the API key was refused (401)".to_string(),
        403 => "the API key may not do this (403)".to_string(),
        404 => format!("not found (404): {message}"),
        413 => "the request is too large to count (413)".to_string(),
        429 => "rate-limited by the API (429)".to_string(),
        529 => "the API is overloaded (529); will retry after the next pause".to_string(),
        s if s >= 500 => format!("the API failed ({s}); will retry after the next pause"),
        s => format!("the API refused the request ({s}): {message}"),
    };
    if status.as_u16() == 429 {
        return Err(CountFailure::RateLimited {
            retry_after,
            message: words,
        });
    }
    Err(CountFailure::Failed(words))
}

fn network_words(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer from the API (timed out)".into()
    } else if e.is_connect() {
        "cannot reach the API (no network?)".into()
    } else {
        "the request to the API failed".into()
    }
}

/// What `GET /v1/models` lists: (id, display name).
pub type ModelList = Vec<(String, String)>;

pub type ListFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<ModelList, String>> + Send>>;

/// Lists the models the API offers (`GET $ANTHROPIC_BASE_URL/v1/models`), first page.
pub type ListFn = Arc<dyn Fn() -> ListFuture + Send + Sync>;

/// REPLACE ON MERGE with `api::Client::list_models`.
pub fn list_fn(key: String) -> ListFn {
    let base = std::env::var("ANTHROPIC_BASE_URL")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BASE.to_string());
    let url = format!("{}/v1/models?limit=1000", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let key = Arc::new(key);
    Arc::new(move || -> ListFuture {
        let client = client.clone();
        let url = url.clone();
        let key = key.clone();
        Box::pin(async move {
            let response = client
                .get(&url)
                .header("x-api-key", key.as_str())
                .header("anthropic-version", "2023-06-01")
                .send()
                .await
                .map_err(|e| network_words(&e))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("the API answered {status}"));
            }
            let value: Value = response
                .json()
                .await
                .map_err(|_| "the API's model list is not JSON".to_string())?;
            let list = value
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| "the API's model list has no data".to_string())?;
            Ok(list
                .iter()
                .filter_map(|m| {
                    let id = m.get("id")?.as_str()?.to_string();
                    let name = m
                        .get("display_name")
                        .and_then(Value::as_str)
                        .unwrap_or(&id)
                        .to_string();
                    Some((id, name))
                })
                .collect())
        })
    })
}
