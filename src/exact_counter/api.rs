//! The counting worker's seams (`CountFn`, `ListFn`) built on the real API client, and an
//! `ApiError` put in words for the side panel.

use std::sync::Arc;

use serde_json::Value;

use super::{CountFn, CountFuture, ListFn, ListFuture};
use crate::api::{ApiError, Client, ErrorKind};
use crate::app::CountFailure;

/// A `CountFn` on `client.count_tokens` (paced and retried by the client).
pub fn count_fn(client: Client) -> CountFn {
    let client = Arc::new(client);
    Arc::new(move |body: Value| -> CountFuture {
        let client = client.clone();
        Box::pin(async move {
            client
                .count_tokens(&body)
                .await
                .map(|counted| counted.input_tokens)
                .map_err(failure)
        })
    })
}

/// A `ListFn` on `client.list_models`: (id, display name), the id standing in for a
/// missing name.
pub fn list_fn(client: Client) -> ListFn {
    let client = Arc::new(client);
    Arc::new(move || -> ListFuture {
        let client = client.clone();
        Box::pin(async move {
            let models = client.list_models().await.map_err(|e| e.to_string())?;
            Ok(models
                .into_iter()
                .map(|m| {
                    let name = m.display_name.unwrap_or_else(|| m.id.clone());
                    (m.id, name)
                })
                .collect())
        })
    })
}

/// A 429 rate limit becomes `RateLimited` (the panel then says when the next may go); an API
/// that cannot be reached or failed on its side (connection, timeout, 5xx, overloaded) is
/// `Unavailable`, worth asking again later; a spend limit or any other error is shown as
/// the client words it (summary and hint).
pub fn failure(error: ApiError) -> CountFailure {
    match error.kind {
        ErrorKind::RateLimited => CountFailure::RateLimited {
            retry_after: error.retry_after,
            message: error.to_string(),
        },
        ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::Overloaded => {
            CountFailure::Unavailable(error.to_string())
        }
        _ => CountFailure::Failed(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_keeps_its_retry_after_and_others_are_words() {
        let mut limited = ApiError::new(ErrorKind::RateLimited, "rate_limit_error", "slow down");
        limited.retry_after = Some(std::time::Duration::from_secs(3));
        match failure(limited) {
            CountFailure::RateLimited {
                retry_after,
                message,
            } => {
                assert_eq!(retry_after, Some(std::time::Duration::from_secs(3)));
                assert!(message.contains("slow down"), "{message}");
            }
            other => panic!("expected RateLimited, got {other:?}"),
        }
        let spend = ApiError::new(ErrorKind::SpendLimit, "rate_limit_error", "spend limit");
        assert!(
            matches!(failure(spend), CountFailure::Failed(m) if m.contains("spend limit")),
            "a spend limit is not retried later, so it is not shown as rate-limited"
        );
    }
}
