//! Each error the API documents becomes the right `ApiError`: kind, the API's type, message
//! and request-id kept, and a hint of what to do.

use std::time::Duration;

use crate::support::TEST_KEY;
use budgie::api::{ApiError, Client, ErrorKind, Timeouts};
use budgie::registry::Registry;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn body() -> serde_json::Value {
    json!({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]})
}

/// One request against a server that always answers `status` with the API's envelope.
async fn error_for(status: u16, error_type: &str, message: &str) -> (ApiError, usize) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("request-id", "req_err")
                .set_body_json(json!({
                    "type": "error",
                    "error": {"type": error_type, "message": message},
                    "request_id": "req_err"
                })),
        )
        .mount(&server)
        .await;
    // No retries here: retries have their own tests (on paused time).
    let client = Client::new(&server.uri(), TEST_KEY)
        .expect("client")
        .with_max_retries(0);
    let error = client.count_tokens(&body()).await.expect_err("an error");
    let calls = server.received_requests().await.expect("recorded").len();
    (error, calls)
}

#[tokio::test]
async fn every_documented_error_type_maps_to_its_kind_and_hint() {
    let cases: &[(u16, &str, ErrorKind, &str)] = &[
        (
            400,
            "invalid_request_error",
            ErrorKind::InvalidRequest,
            "fix what the message names",
        ),
        (
            401,
            "authentication_error",
            ErrorKind::Authentication,
            "check ANTHROPIC_API_KEY",
        ),
        (402, "billing_error", ErrorKind::Billing, "billing"),
        (
            403,
            "permission_error",
            ErrorKind::Permission,
            "may not do this",
        ),
        (
            404,
            "not_found_error",
            ErrorKind::NotFound,
            "unknown model \"claude-sonnet-4-5\"?",
        ),
        (
            413,
            "request_too_large",
            ErrorKind::RequestTooLarge,
            "over the API's 32 MB",
        ),
        (
            429,
            "rate_limit_error",
            ErrorKind::RateLimited,
            "rate limited",
        ),
        (500, "api_error", ErrorKind::Server, "failed on its side"),
        (
            504,
            "timeout_error",
            ErrorKind::Server,
            "failed on its side",
        ),
        (529, "overloaded_error", ErrorKind::Overloaded, "overloaded"),
    ];
    for (status, error_type, kind, hint) in cases {
        let (error, calls) = error_for(*status, error_type, "the server's words").await;
        assert_eq!(calls, 1, "{status}");
        assert_eq!(error.kind, *kind, "{status}");
        assert_eq!(error.status, Some(*status));
        assert_eq!(error.error_type, *error_type);
        assert_eq!(error.message, "the server's words");
        assert_eq!(error.request_id.as_deref(), Some("req_err"));
        assert_eq!(error.attempts, 1);
        assert!(error.hint.contains(hint), "{status}: {}", error.hint);
        let line = error.to_string();
        assert!(line.contains(&format!("(HTTP {status})")), "{line}");
        assert!(line.contains("[request-id req_err]"), "{line}");
    }
}

#[tokio::test]
async fn a_404_lists_the_models_budgie_knows() {
    let (error, _) = error_for(404, "not_found_error", "model: claude-nope").await;
    for model in Registry::builtin().models() {
        assert!(error.hint.contains(&model.id), "{}", error.hint);
    }
}

#[tokio::test]
async fn an_unknown_error_type_is_judged_by_status() {
    let (error, _) = error_for(503, "some_future_error", "later").await;
    assert_eq!(error.kind, ErrorKind::Server);
    assert_eq!(error.error_type, "some_future_error");
    let (error, _) = error_for(418, "teapot_error", "short and stout").await;
    assert_eq!(error.kind, ErrorKind::Other);
}

#[tokio::test]
async fn a_body_that_is_not_the_apis_still_gives_a_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), TEST_KEY)
        .expect("client")
        .with_max_retries(0);
    let error = client.count_tokens(&body()).await.expect_err("502");
    assert_eq!(error.kind, ErrorKind::Server);
    assert_eq!(
        error.message,
        "HTTP 502 Bad Gateway: <html>Bad gateway</html>"
    );
}

#[tokio::test]
async fn a_success_without_a_count_is_an_invalid_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("hello"))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), TEST_KEY).expect("client");
    let error = client.count_tokens(&body()).await.expect_err("not a count");
    assert_eq!(error.kind, ErrorKind::InvalidResponse);
    assert!(error.hint.contains(&server.uri()), "{}", error.hint);
    // Not retried: the server answered, just not like the API.
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_a_connection_error_naming_the_base_url() {
    // Bind then drop a listener: the port is free and nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new(&base, TEST_KEY)
        .expect("client")
        .with_max_retries(0);
    let error = client.count_tokens(&body()).await.expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Connection);
    assert!(error.is_unreachable());
    assert_eq!(error.status, None);
    assert!(error.hint.contains(&base), "{}", error.hint);
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"input_tokens": 1}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), TEST_KEY)
        .expect("client")
        .with_max_retries(0)
        .with_timeouts(Timeouts {
            connect: Some(Duration::from_secs(5)),
            request: Some(Duration::from_millis(200)),
        })
        .expect("timeouts");
    let error = client.count_tokens(&body()).await.expect_err("too slow");
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert!(error.is_unreachable());
    assert!(error.hint.contains("no answer from"), "{}", error.hint);
}

#[tokio::test]
async fn the_key_never_appears_in_an_error() {
    let key = "test-key-never-show-this";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "type": "error",
            "error": {"type": "authentication_error", "message": format!("invalid x-api-key {key}")}
        })))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), key).expect("client");
    let error = client.count_tokens(&body()).await.expect_err("401");
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{client:?}"),
    ] {
        assert!(!shown.contains("never-show-this"), "{shown}");
    }
}
