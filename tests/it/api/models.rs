//! `GET /v1/models`: headers, pagination, and `budgie models` merging it into the registry.

use std::process::Command;

use crate::support::TEST_KEY;
use budgie::api::Client;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn model(id: &str) -> Value {
    json!({"type":"model","id":id,"display_name":id,"created_at":"2026-01-01T00:00:00Z"})
}

/// Two pages: the second only when asked for with `after_id` = the first page's last id.
async fn paged_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("limit", "1000"))
        .and(query_param_is_missing("after_id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [model("claude-opus-5"), model("claude-sonnet-4-5-20250929")],
            "has_more": true,
            "first_id": "claude-opus-5",
            "last_id": "claude-sonnet-4-5-20250929"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("limit", "1000"))
        .and(query_param("after_id", "claude-sonnet-4-5-20250929"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [model("claude-nova-9")],
            "has_more": false,
            "first_id": "claude-nova-9",
            "last_id": "claude-nova-9"
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn every_page_is_followed() {
    let server = paged_server().await;
    let client = Client::new(&server.uri(), TEST_KEY).expect("client");
    let models = client.list_models().await.expect("listed");
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "claude-opus-5",
            "claude-sonnet-4-5-20250929",
            "claude-nova-9"
        ]
    );
    let received = server.received_requests().await.expect("recorded");
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.method.as_str(), "GET");
        assert_eq!(request.headers["x-api-key"], TEST_KEY);
        assert_eq!(request.headers["anthropic-version"], "2023-06-01");
        assert!(request.headers.get("authorization").is_none());
        assert!(
            request.headers.get("content-type").is_none(),
            "a GET has no body"
        );
    }
}

#[tokio::test]
async fn budgie_models_merges_the_api_listing() {
    let server = paged_server().await;
    let output = Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(["models", "--json"])
        .env("ANTHROPIC_BASE_URL", server.uri())
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .output()
        .expect("budgie runs");
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let find = |id: &str| {
        lines
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    assert_eq!(find("claude-opus-5")["available"], true);
    // Listed by the API under its dated id, which the registry has as an alias.
    assert_eq!(find("claude-sonnet-4-5")["available"], true);
    assert_eq!(find("claude-opus-4-7")["available"], false);
    assert_eq!(find("claude-nova-9")["in_registry"], false);
}

#[tokio::test]
async fn budgie_models_without_a_key_lists_the_registry() {
    let output = Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(["models", "--json"])
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .expect("budgie runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text.lines().count(),
        budgie::registry::Registry::builtin().models().len()
    );
    assert!(!text.contains("\"available\""));
}

#[tokio::test]
async fn budgie_models_reports_an_api_failure() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}
        })))
        .mount(&server)
        .await;
    let output = Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(["models"])
        .env("ANTHROPIC_BASE_URL", server.uri())
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .output()
        .expect("budgie runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("authentication_error"), "{stderr}");
    assert!(stderr.contains("check ANTHROPIC_API_KEY"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).is_empty());
}

#[tokio::test]
async fn budgie_models_shows_prices_and_the_apis_context_windows() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5",
                      "created_at":"2025-09-29T00:00:00Z","max_input_tokens":1000000,"max_tokens":64000}],
            "has_more": false
        })))
        .mount(&server)
        .await;
    let output = Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(["models", "--json"])
        .env("ANTHROPIC_BASE_URL", server.uri())
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .output()
        .expect("budgie runs");
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let find = |id: &str| lines.iter().find(|l| l["id"] == id).expect("listed");
    let sonnet = find("claude-sonnet-4-5");
    // The API's window replaces the registry's 200K.
    assert_eq!(sonnet["context_window"], 1_000_000);
    assert_eq!(sonnet["context_window_source"], "api");
    assert_eq!(sonnet["input_price_per_mtok"], 3.0);
    assert_eq!(sonnet["output_price_per_mtok"], 15.0);
    assert_eq!(sonnet["cache_write_5m_per_mtok"], 3.75);
    assert_eq!(sonnet["cache_write_1h_per_mtok"], 6.0);
    assert_eq!(sonnet["cache_read_per_mtok"], 0.3);
    assert_eq!(sonnet["min_cacheable_tokens"], 1024);
    assert_eq!(sonnet["long_context"]["above_input_tokens"], 200_000);
    assert_eq!(sonnet["long_context"]["input_price_per_mtok"], 6.0);
    let haiku = find("claude-haiku-4-5");
    assert_eq!(haiku["context_window"], 200_000);
    assert_eq!(haiku["context_window_source"], "registry");
    assert_eq!(haiku["min_cacheable_tokens"], 4096);
    assert!(haiku.get("long_context").is_none());
    // In words: prices per MTok and where they come from.
    let plain = Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(["models"])
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .expect("budgie runs");
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(text.contains("$3 / $15"), "{text}");
    assert!(text.contains("above 200,000: $6 / $22.50"), "{text}");
    assert!(text.contains("Sources: assets/models.json"), "{text}");
}
