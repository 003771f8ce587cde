//! Helpers every test area shares: small real files built in code (PNG, JPEG, PDF), fake
//! servers, a recording pacer, the workbench on a model, tmux.

pub mod fake_rate_api;
pub mod fake_structure_api;
pub mod files;
pub mod pacer;
pub mod rate_client;
pub mod redis_server;
pub mod requests;
pub mod sim_bucket;
pub mod tmux;
pub mod workbench;

use base64::Engine as _;

/// Standard base64, as the API takes it.
pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An obviously fake key for tests.
pub const TEST_KEY: &str = "test-key";
