//! Helpers shared by the integration tests: small real files built in code (PNG, JPEG, PDF),
//! and a pacer that records what the client asked of it.
//!
//! Each test crate uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod files;
pub mod pacer;

use base64::Engine as _;

/// Standard base64, as the API takes it.
pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An obviously fake key for tests.
pub const TEST_KEY: &str = "test-key";
