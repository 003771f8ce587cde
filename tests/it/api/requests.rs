//! The exact request budgie sends for each of the five examples of Anthropic's token counting docs: method, path,
//! every header, and the JSON body, against a local fake server.

use std::collections::BTreeSet;

use crate::support::files::{jpeg, pdf, png};
use crate::support::{TEST_KEY, base64};
use budgie::api::{Client, Timeouts};
use budgie::request;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that answers every count with `tokens` and a request-id.
async fn server_counting(tokens: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("request-id", "req_seed")
                .set_body_json(json!({ "input_tokens": tokens })),
        )
        .mount(&server)
        .await;
    server
}

/// Send `seed` (the example's JSON text, as the docs write it) the way `budgie count`
/// does — parsed into the request model, then `count_body` — and check what arrived.
async fn assert_sent_exactly(seed: &str, tokens: u64) {
    let server = server_counting(tokens).await;
    let client = Client::new(&format!("{}/", server.uri()), TEST_KEY)
        .expect("client")
        .with_timeouts(Timeouts::default())
        .expect("timeouts");
    let parsed = request::parse(seed).expect("the seed example parses");
    let counted = client
        .count_tokens(&parsed.count_body())
        .await
        .expect("counted");
    assert_eq!(counted.input_tokens, tokens);
    assert_eq!(counted.request_id.as_deref(), Some("req_seed"));

    let received = server.received_requests().await.expect("recording is on");
    assert_eq!(received.len(), 1);
    let sent = &received[0];
    assert_eq!(sent.method.as_str(), "POST");
    assert_eq!(sent.url.path(), "/v1/messages/count_tokens");
    assert_eq!(sent.url.query(), None);

    let header = |name: &str| {
        sent.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header").to_string())
    };
    assert_eq!(header("x-api-key").as_deref(), Some(TEST_KEY));
    assert_eq!(header("anthropic-version").as_deref(), Some("2023-06-01"));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(
        header("user-agent"),
        Some(format!("budgie/{}", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(header("accept").as_deref(), Some("application/json"));
    assert_eq!(header("content-length"), Some(sent.body.len().to_string()));
    let names: BTreeSet<&str> = sent.headers.keys().map(|k| k.as_str()).collect();
    let expected: BTreeSet<&str> = [
        "accept",
        "anthropic-version",
        "content-length",
        "content-type",
        "host",
        "user-agent",
        "x-api-key",
    ]
    .into();
    assert_eq!(names, expected, "no other header, and never Authorization");

    let body: Value = serde_json::from_slice(&sent.body).expect("the body is JSON");
    let mut expected_body: Value = serde_json::from_str(seed).expect("seed JSON");
    if let Value::Object(map) = &mut expected_body {
        // count_tokens takes no max_tokens (Anthropic's token counting docs).
        map.remove("max_tokens");
    }
    assert_eq!(body, expected_body);
}

#[tokio::test]
async fn system_prompt_example() {
    let seed = r#"{
        "model": "claude-sonnet-4-5",
        "system": "You are a scientist",
        "messages": [{"role": "user", "content": "Hello, Claude"}]
    }"#;
    assert_sent_exactly(seed, 14).await;
}

#[tokio::test]
async fn tools_example() {
    let seed = r#"{
        "model": "claude-sonnet-4-5",
        "tools": [{
            "name": "get_weather",
            "description": "Get the current weather in a given location",
            "input_schema": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA"
                    }
                },
                "required": ["location"]
            }
        }],
        "messages": [{"role": "user", "content": "What's the weather like in San Francisco?"}]
    }"#;
    assert_sent_exactly(seed, 403).await;
}

#[tokio::test]
async fn image_example_with_a_real_jpeg() {
    let seed = json!({
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": [
            {"type": "image", "source": {
                "type": "base64",
                "media_type": "image/jpeg",
                "data": base64(&jpeg(64, 48))
            }},
            {"type": "text", "text": "Describe this image"}
        ]}]
    });
    assert_sent_exactly(&seed.to_string(), 1551).await;
}

#[tokio::test]
async fn image_example_with_a_real_png() {
    let seed = json!({
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": [
            {"type": "image", "source": {
                "type": "base64",
                "media_type": "image/png",
                "data": base64(&png(30, 20))
            }},
            {"type": "text", "text": "Describe this image"}
        ]}]
    });
    assert_sent_exactly(&seed.to_string(), 1551).await;
}

#[tokio::test]
async fn extended_thinking_example() {
    let seed = r#"{
        "model": "claude-sonnet-4-5",
        "thinking": {"type": "enabled", "budget_tokens": 16000},
        "messages": [
            {"role": "user", "content": "Are there an infinite number of prime numbers such that n mod 4 == 3?"},
            {"role": "assistant", "content": [
                {"type": "thinking",
                 "thinking": "This is a nice number theory question. Lets think about it step by step...",
                 "signature": "EuYBCkQYAiJAgCs1le6/Pol5Z4/JMomVOouGrWdhYNsH3ukzUECbB6iWrSQtsQuRHJID6lWV..."},
                {"type": "text", "text": "Yes, there are infinitely many prime numbers p such that p mod 4 = 3..."}
            ]},
            {"role": "user", "content": "Can you write a formal proof?"}
        ]
    }"#;
    assert_sent_exactly(seed, 88).await;
}

#[tokio::test]
async fn pdf_example_with_a_real_pdf() {
    let seed = json!({
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": [
            {"type": "document", "source": {
                "type": "base64",
                "media_type": "application/pdf",
                "data": base64(&pdf("Quarterly report: revenue up 12%"))
            }},
            {"type": "text", "text": "Please summarize this document."}
        ]}]
    });
    assert_sent_exactly(&seed.to_string(), 2188).await;
}

#[tokio::test]
async fn create_only_fields_are_not_sent() {
    // A messages.create body pasted from a log: max_tokens and friends stay out.
    let seed = r#"{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"hi"}]}"#;
    assert_sent_exactly(seed, 8).await;
}

// The test files themselves must be real: checked with independent readers.

#[test]
fn the_png_is_a_real_png() {
    let bytes = png(30, 20);
    let size = imagesize::blob_size(&bytes).expect("a PNG imagesize reads");
    assert_eq!((size.width, size.height), (30, 20));
    // CRC-32 check value of "123456789" (the standard test vector).
    assert_eq!(crate::support::files::crc32(b"123456789"), 0xCBF4_3926);
    // The IDAT chunk inflates to height × (1 + 3 × width) bytes.
    let idat_len = u32::from_be_bytes(bytes[33..37].try_into().expect("4 bytes")) as usize;
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::ZlibDecoder::new(&bytes[41..41 + idat_len]),
        &mut inflated,
    )
    .expect("zlib stream");
    assert_eq!(inflated.len(), 20 * (1 + 3 * 30));
}

#[test]
fn the_jpeg_is_a_real_jpeg() {
    let bytes = jpeg(64, 48);
    assert_eq!(
        imagesize::image_type(&bytes).expect("typed"),
        imagesize::ImageType::Jpeg
    );
    let size = imagesize::blob_size(&bytes).expect("a JPEG imagesize reads");
    assert_eq!((size.width, size.height), (64, 48));
    assert_eq!(&bytes[bytes.len() - 2..], &[0xFF, 0xD9]);
}

#[test]
fn the_pdf_is_a_real_one_page_pdf() {
    let bytes = pdf("Quarterly report: revenue up 12%");
    let document = lopdf::Document::load_mem(&bytes).expect("lopdf reads it");
    assert_eq!(document.get_pages().len(), 1);
    let text = document.extract_text(&[1]).expect("text layer");
    assert!(text.contains("Quarterly report"), "{text:?}");
}
