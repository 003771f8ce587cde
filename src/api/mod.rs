//! HTTP client for `POST /v1/messages/count_tokens` and `GET /v1/models`: headers, typed
//! errors, SDK-compatible retries. (Issue 2.)

pub mod pacer;
