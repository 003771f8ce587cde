//! The fake count_tokens API with a hidden structure of its own (claude-sonnet-4-5 and
//! claude-opus-5, every structural value different from budgie's), as a process: for trying
//! `budgie calibrate` by hand without a key.
//!
//! Usage: fake_structure_api [--growing-parallel-calls | --noisy]
//! Prints `listening on http://127.0.0.1:PORT` and serves until Ctrl-C; then
//! `ANTHROPIC_BASE_URL=http://127.0.0.1:PORT ANTHROPIC_API_KEY=test budgie calibrate --model claude-opus-5`.

// Some of its helpers are for the tests only.
#[allow(dead_code)]
#[path = "../tests/it/support/fake_structure_api.rs"]
mod fake_structure_api;

use fake_structure_api::{FakeStructureApi, Hidden, Quirk};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quirk = match std::env::args().nth(1).as_deref() {
        None => Quirk::None,
        Some("--growing-parallel-calls") => Quirk::GrowingParallelCalls,
        Some("--noisy") => Quirk::Noisy,
        Some(other) => return Err(format!("unknown argument {other}").into()),
    };
    let mut sonnet = Hidden::sonnet_4_5();
    sonnet.refuses = vec!["thinking:adaptive"];
    let mut opus = Hidden::opus_5();
    opus.refuses = vec!["thinking:enabled"];
    let api = FakeStructureApi::start(
        vec![("claude-sonnet-4-5", sonnet), ("claude-opus-5", opus)],
        quirk,
    )
    .await;
    println!("listening on {}", api.uri());
    tokio::signal::ctrl_c().await?;
    println!("served {} requests", api.arrivals().len());
    Ok(())
}
