//! HTTP client for `POST /v1/messages/count_tokens` and `GET /v1/models`: headers, typed
//! errors, SDK-compatible retries.
//!
//! ```no_run
//! # async fn demo(request: budgie::request::Request) -> Result<(), budgie::api::ApiError> {
//! let key = std::env::var("ANTHROPIC_API_KEY").unwrap_or_default();
//! let client = budgie::api::Client::new(budgie::api::DEFAULT_BASE_URL, &key)?;
//! let counted = client.count_tokens(&request.count_body()).await?;
//! println!("{} tokens", counted.input_tokens);
//! # Ok(()) }
//! ```
//!
//! Every attempt (retries included) first awaits `Pacer::acquire`, and every response is
//! shown to `Pacer::observe`; `Client::with_pacer` plugs the rate limiter in.

mod client;
mod error;
mod models;
pub mod pacer;
mod rate_headers;
pub mod retry;

pub use crate::secrets::ApiKey;
pub use client::{API_VERSION, Client, Counted, DEFAULT_BASE_URL, Timeouts, USER_AGENT};
pub use error::{ApiError, ErrorDetails, ErrorKind};
pub use models::ApiModel;
pub use pacer::{Pacer, ServerRateInfo, Unpaced};
pub use rate_headers::rate_info;
