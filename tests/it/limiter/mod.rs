//! The requests-per-minute limiter: paused time, real time over HTTP, properties.

mod http;
mod paused;
mod props;
