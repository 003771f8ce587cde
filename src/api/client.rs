//! The HTTP client: `POST /v1/messages/count_tokens` and `GET /v1/models`, with the
//! documented headers, SDK-compatible retries, and a `Pacer` asked before every attempt.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::Value;

use super::error::{ApiError, HintContext};
use super::models::{ApiModel, ModelsPage};
use super::pacer::{Pacer, ServerRateInfo, Unpaced};
use super::rate_headers::{header_str, rate_info};
use super::retry::{self, DEFAULT_MAX_RETRIES};
use crate::secrets::ApiKey;

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
pub const API_VERSION: &str = "2023-06-01";
pub const USER_AGENT: &str = concat!("budgie/", env!("CARGO_PKG_VERSION"));
/// Page size for `GET /v1/models` (the API's maximum).
const MODELS_PAGE_LIMIT: u32 = 1000;
/// A guard against a server that keeps saying `has_more` with the same cursor.
const MAX_MODEL_PAGES: usize = 100;

/// Connect and whole-request time limits; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Option<Duration>,
    pub request: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Some(Duration::from_secs(10)),
            request: Some(Duration::from_secs(60)),
        }
    }
}

impl Timeouts {
    /// No time limits, and no idle-connection timer: for tests on paused tokio time, where
    /// any pending timer would fire while the test waits on a real socket.
    pub fn none() -> Self {
        Timeouts {
            connect: None,
            request: None,
        }
    }
}

/// An exact count from the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub input_tokens: u64,
    pub request_id: Option<String>,
    pub rate: ServerRateInfo,
}

/// The Anthropic API, as budgie uses it. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: ApiKey,
    key_header: HeaderValue,
    pacer: Arc<dyn Pacer>,
    max_retries: u32,
    timeouts: Timeouts,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("key", &self.key)
            .field("max_retries", &self.max_retries)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

/// The body of a successful response and what came with it.
struct Success {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Deserialize)]
struct CountResponse {
    input_tokens: u64,
}

impl Client {
    /// A client with the key the settings found (`config::Resolved::api_key`: the key, none,
    /// or why reading it failed), on `ANTHROPIC_BASE_URL` (default
    /// `https://api.anthropic.com`).
    pub fn from_found_key(found: &Result<Option<ApiKey>, String>) -> Result<Client, ApiError> {
        let key = match found {
            Ok(Some(key)) => key.clone(),
            Ok(None) => return Err(ApiError::missing_key()),
            Err(e) => {
                return Err(ApiError::bad_config(
                    e.clone(),
                    "fix the config file, or set ANTHROPIC_API_KEY",
                ));
            }
        };
        let base = std::env::var("ANTHROPIC_BASE_URL")
            .ok()
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        Client::with_key(&base, key)
    }

    /// A client for `base` (a trailing slash is fine) with `key`.
    pub fn new(base: &str, key: &str) -> Result<Client, ApiError> {
        let key = ApiKey::new(key).ok_or_else(ApiError::missing_key)?;
        Client::with_key(base, key)
    }

    pub fn with_key(base: &str, key: ApiKey) -> Result<Client, ApiError> {
        let base = normalise_base(base)?;
        let mut key_header = HeaderValue::from_str(key.expose()).map_err(|_| {
            ApiError::bad_config(
                "ANTHROPIC_API_KEY holds characters an HTTP header cannot carry",
                "copy the key again from the Claude Console",
            )
        })?;
        key_header.set_sensitive(true);
        let timeouts = Timeouts::default();
        Ok(Client {
            http: build_http(timeouts)?,
            base,
            key,
            key_header,
            pacer: Arc::new(Unpaced),
            max_retries: DEFAULT_MAX_RETRIES,
            timeouts,
        })
    }

    /// Ask `pacer` before every count_tokens attempt, and tell it what each response said.
    pub fn with_pacer(mut self, pacer: Arc<dyn Pacer>) -> Self {
        self.pacer = pacer;
        self
    }

    /// Retries after the first attempt (default 2, as the SDKs).
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Result<Self, ApiError> {
        self.http = build_http(timeouts)?;
        self.timeouts = timeouts;
        Ok(self)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `POST /v1/messages/count_tokens` with `body` as is (see `Request::count_body`).
    pub async fn count_tokens(&self, body: &Value) -> Result<Counted, ApiError> {
        let url = format!("{}/v1/messages/count_tokens", self.base);
        let bytes = serde_json::to_vec(body).map_err(|e| {
            ApiError::bad_config(format!("the request cannot be written as JSON: {e}"), "")
        })?;
        let ctx = HintContext {
            base: &self.base,
            model: Some(body.get("model").and_then(Value::as_str).unwrap_or("")),
            timeout: self.timeouts.request,
        };
        let success = self
            .execute(
                || {
                    self.http
                        .post(&url)
                        .headers(self.headers())
                        .header(CONTENT_TYPE, "application/json")
                        .body(bytes.clone())
                },
                ctx,
                true,
            )
            .await?;
        let parsed: CountResponse = serde_json::from_slice(&success.body).map_err(|e| {
            ApiError::invalid_response(success.status, e, &success.body).with_hint(ctx)
        })?;
        Ok(Counted {
            input_tokens: parsed.input_tokens,
            request_id: header_str(&success.headers, "request-id").map(str::to_string),
            rate: rate_info(success.status, &success.headers),
        })
    }

    /// `GET /v1/models`, every page. Not paced: the pacer guards count_tokens' own limit.
    pub async fn list_models(&self) -> Result<Vec<ApiModel>, ApiError> {
        let ctx = HintContext {
            base: &self.base,
            model: None,
            timeout: self.timeouts.request,
        };
        let mut models = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_MODEL_PAGES {
            let mut url = reqwest::Url::parse(&format!("{}/v1/models", self.base))
                .map_err(|e| ApiError::bad_config(format!("bad models URL: {e}"), ""))?;
            url.query_pairs_mut()
                .append_pair("limit", &MODELS_PAGE_LIMIT.to_string());
            if let Some(id) = &after {
                url.query_pairs_mut().append_pair("after_id", id);
            }
            let success = self
                .execute(
                    || self.http.get(url.clone()).headers(self.headers()),
                    ctx,
                    false,
                )
                .await?;
            let page: ModelsPage = serde_json::from_slice(&success.body).map_err(|e| {
                ApiError::invalid_response(success.status, e, &success.body).with_hint(ctx)
            })?;
            models.extend(page.data);
            match page.last_id {
                Some(last) if page.has_more && after.as_deref() != Some(last.as_str()) => {
                    after = Some(last);
                }
                _ => return Ok(models),
            }
        }
        Ok(models)
    }

    /// The headers every request carries, besides `user-agent` (set on the client) and
    /// `content-type` (on bodies). Never `Authorization`.
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", self.key_header.clone());
        headers.insert("anthropic-version", HeaderValue::from_static(API_VERSION));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers
    }

    /// Send, retrying as the SDKs do. `paced`: ask the pacer before each attempt and tell it
    /// each response's rate headers.
    async fn execute(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
        ctx: HintContext<'_>,
        paced: bool,
    ) -> Result<Success, ApiError> {
        let mut attempts: u32 = 0;
        loop {
            if paced {
                self.pacer.acquire().await;
            }
            let retries_done = attempts;
            attempts += 1;
            let may_retry = retries_done < self.max_retries;
            let outcome = match build().send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    if paced {
                        self.pacer.observe(&rate_info(status, &headers));
                    }
                    match response.bytes().await {
                        Ok(body) => Ok((status, headers, body.to_vec())),
                        Err(e) => Err(ApiError::transport(&e, &self.key)),
                    }
                }
                Err(e) => Err(ApiError::transport(&e, &self.key)),
            };
            let failure = match outcome {
                Ok((status, headers, body)) if (200..300).contains(&status) => {
                    return Ok(Success {
                        status,
                        headers,
                        body,
                    });
                }
                Ok((status, headers, body)) => {
                    let error = ApiError::from_response(status, &headers, &body, &self.key);
                    if may_retry && retry::should_retry_response(status, &headers, &error) {
                        tokio::time::sleep(retry::delay(retries_done, Some(&headers), jitter()))
                            .await;
                        continue;
                    }
                    error
                }
                // Connection errors and timeouts are always worth another try.
                Err(error) => {
                    if may_retry {
                        tokio::time::sleep(retry::delay(retries_done, None, jitter())).await;
                        continue;
                    }
                    error
                }
            };
            let mut failure = failure;
            failure.attempts = attempts;
            return Err(failure.with_hint(ctx));
        }
    }
}

fn jitter() -> f64 {
    rand::rng().random::<f64>()
}

fn build_http(timeouts: Timeouts) -> Result<reqwest::Client, ApiError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        // A redirect would carry x-api-key to wherever it points: refuse them.
        .redirect(reqwest::redirect::Policy::none());
    if let Some(connect) = timeouts.connect {
        builder = builder.connect_timeout(connect);
    }
    match timeouts.request {
        Some(request) => builder = builder.timeout(request),
        None => builder = builder.pool_idle_timeout(None),
    }
    builder.build().map_err(|e| {
        ApiError::bad_config(
            format!("cannot start the HTTP client: {e}"),
            "this is a bug in budgie; please report it",
        )
    })
}

/// Check the base URL and drop trailing slashes (paths are appended to it).
fn normalise_base(base: &str) -> Result<String, ApiError> {
    let trimmed = base.trim().trim_end_matches('/');
    let bad = |why: String| {
        ApiError::bad_config(
            format!("ANTHROPIC_BASE_URL \"{trimmed}\" {why}"),
            "use a URL like https://api.anthropic.com",
        )
    };
    let url = reqwest::Url::parse(trimmed).map_err(|e| bad(format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not an http(s) URL".to_string()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment".to_string()));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slashes_are_dropped_and_paths_kept() {
        assert_eq!(
            normalise_base("https://api.anthropic.com/").expect("ok"),
            "https://api.anthropic.com"
        );
        assert_eq!(
            normalise_base("http://127.0.0.1:8080/proxy//").expect("ok"),
            "http://127.0.0.1:8080/proxy"
        );
    }

    #[test]
    fn a_base_that_is_not_http_is_refused() {
        for bad in ["api.anthropic.com", "ftp://x", "http://x/?a=b", ""] {
            let e = normalise_base(bad).expect_err(bad);
            assert!(e.message.starts_with("ANTHROPIC_BASE_URL"), "{e}");
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let client = Client::new("http://127.0.0.1:9", "test-key-secret-value").expect("client");
        let shown = format!("{client:?}");
        assert!(!shown.contains("secret-value"), "{shown}");
        assert!(shown.contains("127.0.0.1:9"));
    }

    #[test]
    fn a_blank_key_is_a_missing_key() {
        let e = Client::new("http://127.0.0.1:9", "  ").expect_err("blank key");
        assert_eq!(e.kind, super::super::error::ErrorKind::MissingKey);
    }

    #[test]
    fn a_key_that_cannot_be_a_header_is_refused_without_showing_it() {
        let e = Client::new("http://127.0.0.1:9", "test-key\u{7f}secret").expect_err("bad key");
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(!format!("{e:?}").contains("secret"));
    }
}
