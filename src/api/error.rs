//! Typed API errors: the API's own type, message and request-id, plus a short hint of what
//! to do about it.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use super::rate_headers::{header_str, retry_after};
use crate::registry::Registry;
use crate::secrets::ApiKey;

/// What went wrong, by the API's error type (or, for a type budgie does not know, by the
/// HTTP status), or on the way there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400 invalid_request_error
    InvalidRequest,
    /// 401 authentication_error
    Authentication,
    /// 402 billing_error
    Billing,
    /// 403 permission_error
    Permission,
    /// 404 not_found_error (e.g. an unknown model)
    NotFound,
    /// 413 request_too_large
    RequestTooLarge,
    /// 429 rate_limit_error
    RateLimited,
    /// 429 with `error.details.error_code` = `enforced_spend_limit_reached`: never retried.
    SpendLimit,
    /// 500 api_error, 504 timeout_error, other 5xx
    Server,
    /// 529 overloaded_error
    Overloaded,
    /// No answer in time (client-side timeout).
    Timeout,
    /// Could not connect, or the connection broke.
    Connection,
    /// A 2xx whose body is not what the API sends.
    InvalidResponse,
    /// No ANTHROPIC_API_KEY.
    MissingKey,
    /// ANTHROPIC_BASE_URL is not an http(s) URL, or the key cannot go in a header.
    BadConfig,
    /// Any other status.
    Other,
}

impl ErrorKind {
    /// The API's error type for this kind, used when a response did not name one.
    fn api_type(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request_error",
            ErrorKind::Authentication => "authentication_error",
            ErrorKind::Billing => "billing_error",
            ErrorKind::Permission => "permission_error",
            ErrorKind::NotFound => "not_found_error",
            ErrorKind::RequestTooLarge => "request_too_large",
            ErrorKind::RateLimited | ErrorKind::SpendLimit => "rate_limit_error",
            ErrorKind::Server => "api_error",
            ErrorKind::Overloaded => "overloaded_error",
            ErrorKind::Timeout => "timeout_error",
            ErrorKind::Connection => "connection_error",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::MissingKey => "missing_key",
            ErrorKind::BadConfig => "bad_config",
            ErrorKind::Other => "http_error",
        }
    }

    fn from_type(error_type: &str) -> Option<ErrorKind> {
        Some(match error_type {
            "invalid_request_error" => ErrorKind::InvalidRequest,
            "authentication_error" => ErrorKind::Authentication,
            "billing_error" => ErrorKind::Billing,
            "permission_error" => ErrorKind::Permission,
            "not_found_error" => ErrorKind::NotFound,
            "request_too_large" => ErrorKind::RequestTooLarge,
            "rate_limit_error" => ErrorKind::RateLimited,
            "api_error" | "timeout_error" => ErrorKind::Server,
            "overloaded_error" => ErrorKind::Overloaded,
            _ => return None,
        })
    }

    fn from_status(status: u16) -> ErrorKind {
        match status {
            400 | 422 => ErrorKind::InvalidRequest,
            401 => ErrorKind::Authentication,
            402 => ErrorKind::Billing,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            413 => ErrorKind::RequestTooLarge,
            429 => ErrorKind::RateLimited,
            529 => ErrorKind::Overloaded,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Other,
        }
    }
}

/// An error from the API or on the way to it. `Display` gives one line with the hint.
/// Boxed so that `Result<_, ApiError>` stays small; the fields read through `Deref`
/// (`error.kind`, `error.message`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(Box<ErrorDetails>);

/// What an `ApiError` knows.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetails {
    pub kind: ErrorKind,
    /// The HTTP status, when a response came back.
    pub status: Option<u16>,
    /// The API's `error.type` (or budgie's own name for a failure without a response, such as
    /// `connection_error`).
    pub error_type: String,
    pub message: String,
    /// The `request-id` header (or the body's `request_id`): quote it to Anthropic support.
    pub request_id: Option<String>,
    /// What to do about it, in a few words.
    pub hint: String,
    /// `retry-after(-ms)` of the last response, when it had one.
    pub retry_after: Option<Duration>,
    /// Requests sent, retries included.
    pub attempts: u32,
}

/// Where the request went and what it asked for: the hints use it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HintContext<'a> {
    pub base: &'a str,
    /// The model asked for, on count_tokens; `None` for `/v1/models`.
    pub model: Option<&'a str>,
    pub timeout: Option<Duration>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Option<ErrorBody>,
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
    details: Option<Value>,
}

impl std::ops::Deref for ApiError {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

impl ApiError {
    pub fn new(kind: ErrorKind, error_type: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError(Box::new(ErrorDetails {
            kind,
            status: None,
            error_type: error_type.into(),
            message: message.into(),
            request_id: None,
            hint: String::new(),
            retry_after: None,
            attempts: 0,
        }))
    }

    /// No key to send.
    pub fn missing_key() -> Self {
        let mut e = ApiError::new(
            ErrorKind::MissingKey,
            ErrorKind::MissingKey.api_type(),
            "ANTHROPIC_API_KEY is not set",
        );
        e.hint = "set ANTHROPIC_API_KEY for exact counts, or count --offline".into();
        e
    }

    /// A configuration problem found before anything was sent.
    pub fn bad_config(message: impl Into<String>, hint: impl Into<String>) -> Self {
        let mut e = ApiError::new(
            ErrorKind::BadConfig,
            ErrorKind::BadConfig.api_type(),
            message,
        );
        e.hint = hint.into();
        e
    }

    /// An error response: `{"type":"error","error":{"type","message"},"request_id"}` when the
    /// body is the API's, else whatever the body and status tell. The message is scrubbed of
    /// the key in case a proxy echoes it.
    pub fn from_response(status: u16, headers: &HeaderMap, body: &[u8], key: &ApiKey) -> Self {
        let envelope: Option<Envelope> = serde_json::from_slice(body).ok();
        let error = envelope.as_ref().and_then(|e| e.error.as_ref());
        let api_type = error.and_then(|e| e.kind.clone());
        let mut kind = api_type
            .as_deref()
            .and_then(ErrorKind::from_type)
            .unwrap_or_else(|| ErrorKind::from_status(status));
        let spend_limit = error
            .and_then(|e| e.details.as_ref())
            .and_then(|d| d.get("error_code"))
            .and_then(Value::as_str)
            == Some("enforced_spend_limit_reached");
        if spend_limit {
            kind = ErrorKind::SpendLimit;
        }
        let message = match error.and_then(|e| e.message.clone()) {
            Some(m) => m,
            None => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                let reason = reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error");
                if text.is_empty() {
                    format!("HTTP {status} {reason}")
                } else {
                    format!("HTTP {status} {reason}: {}", truncate(text, 200))
                }
            }
        };
        let request_id = header_str(headers, "request-id")
            .map(str::to_string)
            .or_else(|| envelope.and_then(|e| e.request_id));
        ApiError(Box::new(ErrorDetails {
            kind,
            status: Some(status),
            error_type: api_type.unwrap_or_else(|| kind.api_type().to_string()),
            message: key.scrub(&message),
            request_id,
            hint: String::new(),
            retry_after: retry_after(headers, std::time::SystemTime::now()),
            attempts: 0,
        }))
    }

    /// A failure with no response: connect, timeout, or a broken connection.
    pub(crate) fn transport(error: &reqwest::Error, key: &ApiKey) -> Self {
        let kind = if error.is_timeout() {
            ErrorKind::Timeout
        } else {
            ErrorKind::Connection
        };
        ApiError::new(kind, kind.api_type(), key.scrub(&cause_chain(error)))
    }

    /// A 2xx whose body could not be read as the API's.
    pub(crate) fn invalid_response(status: u16, why: impl fmt::Display, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let mut e = ApiError::new(
            ErrorKind::InvalidResponse,
            ErrorKind::InvalidResponse.api_type(),
            format!(
                "unexpected response ({why}): {}",
                truncate(text.trim(), 200)
            ),
        );
        e.status = Some(status);
        e
    }

    /// The API could not be reached at all (as opposed to refusing the request).
    pub fn is_unreachable(&self) -> bool {
        matches!(self.kind, ErrorKind::Connection | ErrorKind::Timeout)
    }

    /// Fill in the hint from where the request went and how often it was tried.
    pub(crate) fn with_hint(mut self, ctx: HintContext<'_>) -> Self {
        self.hint = hint(&self, ctx);
        self
    }

    /// One line without the hint: `type (HTTP status): message [request-id R]`.
    pub fn summary(&self) -> String {
        let mut line = self.error_type.clone();
        if let Some(status) = self.status {
            line.push_str(&format!(" (HTTP {status})"));
        }
        line.push_str(": ");
        line.push_str(&self.message);
        if let Some(id) = &self.request_id {
            line.push_str(&format!(" [request-id {id}]"));
        }
        line
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        if !self.hint.is_empty() {
            write!(f, " — {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

fn tried(attempts: u32) -> String {
    match attempts {
        0 | 1 => "tried once".to_string(),
        n => format!("tried {n} times"),
    }
}

fn hint(error: &ApiError, ctx: HintContext<'_>) -> String {
    let tries = tried(error.attempts);
    match error.kind {
        ErrorKind::InvalidRequest => {
            "the API refused the request: fix what the message names".to_string()
        }
        ErrorKind::Authentication => {
            "check ANTHROPIC_API_KEY: the API did not accept the key".to_string()
        }
        ErrorKind::Billing => "check the organisation's billing in the Claude Console".to_string(),
        ErrorKind::Permission => {
            "the key may not do this: check its workspace and model access in the Claude Console"
                .to_string()
        }
        ErrorKind::NotFound => match ctx.model {
            Some(model) => {
                let known: Vec<&str> = Registry::builtin()
                    .models()
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect();
                format!(
                    "unknown model \"{model}\"? budgie knows {} (`budgie models` lists the ones \
                     your key can use); or ANTHROPIC_BASE_URL ({}) is not the Anthropic API",
                    known.join(", "),
                    ctx.base
                )
            }
            None => format!(
                "ANTHROPIC_BASE_URL ({}) does not look like the Anthropic API",
                ctx.base
            ),
        },
        ErrorKind::RequestTooLarge => {
            "the request body is over the API's 32 MB: shrink or drop attachments".to_string()
        }
        ErrorKind::RateLimited => {
            let wait = error
                .retry_after
                .map(|d| format!("wait {} s, then ", d.as_secs().max(1)))
                .unwrap_or_default();
            format!("rate limited ({tries}): {wait}try again, or lower --rpm / --tier")
        }
        ErrorKind::SpendLimit => {
            "the organisation's spend limit is reached: raise it in the Claude Console \
             (not retried)"
                .to_string()
        }
        ErrorKind::Server => format!("the API failed on its side ({tries}): try again later"),
        ErrorKind::Overloaded => {
            format!("the API is overloaded ({tries}): try again in a minute, or count --offline")
        }
        ErrorKind::Timeout => format!(
            "no answer from {}{} ({tries}): check the network, or count --offline",
            ctx.base,
            ctx.timeout
                .map(|t| format!(" within {} s", t.as_secs()))
                .unwrap_or_default()
        ),
        ErrorKind::Connection => format!(
            "cannot reach {} ({tries}): check the network and ANTHROPIC_BASE_URL",
            ctx.base
        ),
        ErrorKind::InvalidResponse => format!(
            "{} did not answer like the Anthropic API: check ANTHROPIC_BASE_URL",
            ctx.base
        ),
        ErrorKind::MissingKey | ErrorKind::BadConfig => error.hint.clone(),
        ErrorKind::Other => format!("unexpected HTTP status from {}", ctx.base),
    }
}

/// The useful end of a transport error's chain, e.g. "tcp connect error: Connection refused
/// (os error 111)": reqwest's own link (which repeats the URL) and hyper's "client error"
/// wrapper are left out, and no link is repeated.
fn cause_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = std::error::Error::source(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.starts_with("client error (") && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn key() -> ApiKey {
        ApiKey::new("test-key-0123456789").expect("non-empty")
    }

    fn body(kind: &str, message: &str) -> Vec<u8> {
        serde_json::json!({"type":"error","error":{"type":kind,"message":message},"request_id":"req_body"})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn the_api_envelope_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", HeaderValue::from_static("req_header"));
        let e = ApiError::from_response(
            401,
            &headers,
            &body("authentication_error", "invalid x-api-key"),
            &key(),
        );
        assert_eq!(e.kind, ErrorKind::Authentication);
        assert_eq!(e.status, Some(401));
        assert_eq!(e.error_type, "authentication_error");
        assert_eq!(e.message, "invalid x-api-key");
        assert_eq!(e.request_id.as_deref(), Some("req_header"));
    }

    #[test]
    fn the_body_request_id_is_the_fallback() {
        let e = ApiError::from_response(500, &HeaderMap::new(), &body("api_error", "x"), &key());
        assert_eq!(e.request_id.as_deref(), Some("req_body"));
        assert_eq!(e.kind, ErrorKind::Server);
    }

    #[test]
    fn unknown_types_are_judged_by_status() {
        let e = ApiError::from_response(
            429,
            &HeaderMap::new(),
            &body("brand_new_error", "slow down"),
            &key(),
        );
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.error_type, "brand_new_error");
        let e = ApiError::from_response(503, &HeaderMap::new(), b"<html>down</html>", &key());
        assert_eq!(e.kind, ErrorKind::Server);
        assert_eq!(e.error_type, "api_error");
        assert_eq!(e.message, "HTTP 503 Service Unavailable: <html>down</html>");
    }

    #[test]
    fn the_spend_limit_is_its_own_kind() {
        let text = br#"{"type":"error","error":{"type":"rate_limit_error","message":"spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let e = ApiError::from_response(429, &HeaderMap::new(), text, &key());
        assert_eq!(e.kind, ErrorKind::SpendLimit);
    }

    #[test]
    fn an_echoed_key_is_scrubbed() {
        let e = ApiError::from_response(
            401,
            &HeaderMap::new(),
            &body("authentication_error", "bad key test-key-0123456789"),
            &key(),
        );
        assert!(!e.to_string().contains("0123456789"));
        assert!(!format!("{e:?}").contains("0123456789"));
    }

    #[test]
    fn display_is_one_line_with_the_hint() {
        let mut e = ApiError::from_response(
            529,
            &HeaderMap::new(),
            &body("overloaded_error", "Overloaded"),
            &key(),
        );
        e.attempts = 3;
        let e = e.with_hint(HintContext {
            base: "https://api.anthropic.com",
            model: Some("claude-sonnet-4-5"),
            timeout: None,
        });
        assert_eq!(
            e.to_string(),
            "overloaded_error (HTTP 529): Overloaded [request-id req_body] — the API is \
             overloaded (tried 3 times): try again in a minute, or count --offline"
        );
    }

    #[test]
    fn not_found_lists_the_known_models() {
        let e = ApiError::from_response(
            404,
            &HeaderMap::new(),
            &body("not_found_error", "model: claude-x"),
            &key(),
        )
        .with_hint(HintContext {
            base: "http://127.0.0.1:9",
            model: Some("claude-x"),
            timeout: None,
        });
        for m in Registry::builtin().models() {
            assert!(e.hint.contains(&m.id), "{} missing from {}", m.id, e.hint);
        }
        assert!(e.hint.contains("unknown model \"claude-x\""));
    }
}
