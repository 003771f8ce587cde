//! HTTP client for `POST /v1/messages/count_tokens` and `GET /v1/models`: headers, typed
//! errors, SDK-compatible retries. (Issue 2.)

mod client;
mod error;
mod key;
mod models;
pub mod pacer;
mod rate_headers;
pub mod retry;

pub use client::{API_VERSION, Client, Counted, DEFAULT_BASE_URL, Timeouts, USER_AGENT};
pub use error::{ApiError, ErrorDetails, ErrorKind};
pub use key::ApiKey;
pub use models::ApiModel;
pub use pacer::{Pacer, ServerRateInfo, Unpaced};
pub use rate_headers::rate_info;
