//! The fake rate-enforcing count_tokens API as a process, for scripts/limiter-spacing.sh and
//! for checking `budgie count` by hand (ANTHROPIC_BASE_URL=http://127.0.0.1:PORT).
//!
//! Usage: fake_rate_api --rpm 120 [--burst N] [--rate-headers] [--port P]
//! Prints `listening on http://127.0.0.1:PORT` and serves until killed; `GET /stats` answers
//! `{"ok":…,"limited":…}`.

#[path = "../tests/it/support/fake_rate_api.rs"]
mod fake_rate_api;

use fake_rate_api::{FakeRateApi, FakeRateConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = FakeRateConfig::new(120);
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rpm" => {
                config = FakeRateConfig {
                    rate_headers: config.rate_headers,
                    ..FakeRateConfig::new(args.next().ok_or("--rpm N")?.parse()?)
                }
            }
            "--burst" => config.burst = args.next().ok_or("--burst N")?.parse()?,
            "--rate-headers" => config.rate_headers = true,
            "--port" => port = args.next().ok_or("--port P")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let api = if port == 0 {
        FakeRateApi::start(config).await
    } else {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        FakeRateApi::start_on(config, Some(listener)).await
    };
    println!(
        "listening on {} (rpm {}, burst {}, rate headers {})",
        api.uri(),
        config.rpm,
        config.burst,
        config.rate_headers
    );
    tokio::signal::ctrl_c().await?;
    let stats = api.stats();
    println!(
        "served: {} counted, {} refused with 429",
        stats.ok, stats.limited
    );
    Ok(())
}
