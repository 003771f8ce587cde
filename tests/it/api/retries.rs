//! Retries as the official SDKs do them (their retry code), on paused tokio time: which responses
//! are retried, how long budgie waits, and that the pacer is asked before every attempt.
//!
//! The client runs without time limits here (`Timeouts::none()`): on paused time any
//! pending timer fires while the test waits on the real socket to the fake server.

use std::sync::Arc;
use std::time::Duration;

use crate::support::TEST_KEY;
use crate::support::pacer::RecordingPacer;
use budgie::api::{ApiError, Client, Counted, ErrorKind, Timeouts};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn error_response(status: u16, error_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "type": "error",
        "error": {"type": error_type, "message": "nope"}
    }))
}

fn ok_response() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("anthropic-ratelimit-requests-limit", "100")
        .insert_header("anthropic-ratelimit-requests-remaining", "99")
        .set_body_json(json!({"input_tokens": 14}))
}

/// A server answering `first` `times` times, then 200.
async fn server(first: ResponseTemplate, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_response())
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

async fn count(
    server: &MockServer,
    retries: Option<u32>,
) -> (Result<Counted, ApiError>, Arc<RecordingPacer>) {
    let pacer = Arc::new(RecordingPacer::default());
    let mut client = Client::new(&server.uri(), TEST_KEY)
        .expect("client")
        .with_timeouts(Timeouts::none())
        .expect("timeouts")
        .with_pacer(pacer.clone());
    if let Some(n) = retries {
        client = client.with_max_retries(n);
    }
    let body = json!({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]});
    (client.count_tokens(&body).await, pacer)
}

async fn calls(server: &MockServer) -> usize {
    server.received_requests().await.expect("recorded").len()
}

/// Backoff n (0-based) is min(0.5 s · 2^n, 8 s) less up to 25 %.
fn assert_backoff(gap_ms: u128, n: u32) {
    let full = (500u128 << n).min(8000);
    let least = full * 3 / 4;
    assert!(
        (least..=full).contains(&gap_ms),
        "retry {n}: waited {gap_ms} ms, expected {least}..={full}"
    );
}

#[tokio::test(start_paused = true)]
async fn overloaded_twice_then_counted_with_backoff_and_jitter() {
    let server = server(error_response(529, "overloaded_error"), 2).await;
    let (result, pacer) = count(&server, None).await;
    let counted = result.expect("third attempt succeeds");
    assert_eq!(counted.input_tokens, 14);
    assert_eq!(
        (counted.rate.limit, counted.rate.remaining),
        (Some(100), Some(99))
    );
    assert_eq!(calls(&server).await, 3);
    let gaps = pacer.gaps_ms();
    assert_eq!(gaps.len(), 2);
    assert_backoff(gaps[0], 0);
    assert_backoff(gaps[1], 1);
}

#[tokio::test(start_paused = true)]
async fn two_retries_by_default_then_the_error() {
    let server = server(error_response(529, "overloaded_error"), 10).await;
    let (result, pacer) = count(&server, None).await;
    let error = result.expect_err("still overloaded");
    assert_eq!(error.kind, ErrorKind::Overloaded);
    assert_eq!(error.attempts, 3);
    assert!(error.hint.contains("tried 3 times"), "{}", error.hint);
    assert_eq!(calls(&server).await, 3);
    assert_eq!(
        pacer.acquired().len(),
        3,
        "the pacer is asked before every attempt"
    );
    assert_eq!(pacer.observed().len(), 3, "and told about every response");
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_up_to_eight_seconds() {
    let server = server(error_response(500, "api_error"), 10).await;
    let (result, pacer) = count(&server, Some(6)).await;
    assert!(result.is_err());
    assert_eq!(calls(&server).await, 7);
    let gaps = pacer.gaps_ms();
    assert_eq!(gaps.len(), 6);
    for (n, gap) in gaps.iter().enumerate() {
        assert_backoff(*gap, n as u32);
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_is_honoured() {
    let server = server(
        error_response(429, "rate_limit_error").insert_header("retry-after", "3"),
        1,
    )
    .await;
    let (result, pacer) = count(&server, None).await;
    assert!(result.is_ok());
    assert_eq!(pacer.gaps_ms(), vec![3000]);
    let first = &pacer.observed()[0];
    assert!(first.rate_limited);
    assert_eq!(first.retry_after, Some(Duration::from_secs(3)));
    let second = &pacer.observed()[1];
    assert_eq!((second.limit, second.remaining), (Some(100), Some(99)));
}

#[tokio::test(start_paused = true)]
async fn retry_after_ms_is_honoured_over_retry_after() {
    let server = server(
        error_response(529, "overloaded_error")
            .insert_header("retry-after-ms", "1250")
            .insert_header("retry-after", "30"),
        1,
    )
    .await;
    let (result, pacer) = count(&server, None).await;
    assert!(result.is_ok());
    assert_eq!(pacer.gaps_ms(), vec![1250]);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_over_a_minute_falls_back_to_backoff() {
    let server = server(
        error_response(429, "rate_limit_error").insert_header("retry-after", "120"),
        1,
    )
    .await;
    let (result, pacer) = count(&server, None).await;
    assert!(result.is_ok());
    assert_backoff(pacer.gaps_ms()[0], 0);
}

#[tokio::test(start_paused = true)]
async fn x_should_retry_false_stops_a_retryable_status() {
    let server = server(
        error_response(529, "overloaded_error").insert_header("x-should-retry", "false"),
        1,
    )
    .await;
    let (result, _) = count(&server, None).await;
    assert_eq!(result.expect_err("not retried").attempts, 1);
    assert_eq!(calls(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn x_should_retry_true_retries_even_a_400() {
    let server = server(
        error_response(400, "invalid_request_error").insert_header("x-should-retry", "true"),
        1,
    )
    .await;
    let (result, _) = count(&server, None).await;
    assert!(result.is_ok());
    assert_eq!(calls(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    for (status, error_type) in [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (413, "request_too_large"),
    ] {
        let server = server(error_response(status, error_type), 5).await;
        let (result, pacer) = count(&server, None).await;
        assert_eq!(result.expect_err("an error").attempts, 1, "{status}");
        assert_eq!(calls(&server).await, 1, "{status}");
        assert_eq!(pacer.acquired().len(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn the_spend_limit_429_is_never_retried() {
    let spend_limit = ResponseTemplate::new(429)
        .insert_header("retry-after", "1")
        .set_body_json(json!({
            "type": "error",
            "error": {
                "type": "rate_limit_error",
                "message": "spend limit reached",
                "details": {"error_code": "enforced_spend_limit_reached"}
            }
        }));
    let server = server(spend_limit, 5).await;
    let (result, _) = count(&server, None).await;
    let error = result.expect_err("spend limit");
    assert_eq!(error.kind, ErrorKind::SpendLimit);
    assert!(error.hint.contains("spend limit"), "{}", error.hint);
    assert_eq!(calls(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn timeouts_conflicts_and_server_errors_are_retried() {
    for (status, error_type) in [
        (408, "timeout_error"),
        (409, "conflict_error"),
        (500, "api_error"),
        (502, "api_error"),
        (429, "rate_limit_error"),
    ] {
        let server = server(error_response(status, error_type), 1).await;
        let (result, _) = count(&server, None).await;
        assert!(result.is_ok(), "{status} should be retried");
        assert_eq!(calls(&server).await, 2, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn connection_errors_are_retried_with_backoff() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let pacer = Arc::new(RecordingPacer::default());
    let client = Client::new(&format!("http://127.0.0.1:{port}"), TEST_KEY)
        .expect("client")
        .with_timeouts(Timeouts::none())
        .expect("timeouts")
        .with_pacer(pacer.clone());
    let error = client
        .count_tokens(&json!({"model":"m","messages":[]}))
        .await
        .expect_err("nobody listens");
    assert_eq!(error.kind, ErrorKind::Connection);
    assert_eq!(error.attempts, 3);
    let gaps = pacer.gaps_ms();
    assert_eq!(gaps.len(), 2);
    assert_backoff(gaps[0], 0);
    assert_backoff(gaps[1], 1);
    assert!(
        pacer.observed().is_empty(),
        "no response, nothing to observe"
    );
}
