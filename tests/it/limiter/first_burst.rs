//! `budgie count` with `--rpm` far above what the server allows: the first request goes alone
//! and the rest wait for its answer, whose rate-limit headers say the real rate, so even the
//! first burst draws no 429. (Before, a batch's first requests all went at once: 3–8 × 429.)

use crate::support::fake_rate_api::{FakeRateApi, FakeRateConfig};
use crate::support::rate_client::body_with_words;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_rpm_draws_no_429_even_on_the_first_burst() {
    // The server: 300 per minute, a bucket of 5, the real API's rate-limit headers.
    let api = FakeRateApi::start(FakeRateConfig {
        rate_headers: true,
        ..FakeRateConfig::new(300)
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    for i in 0..12 {
        let body = body_with_words(i + 1).to_string();
        std::fs::write(files.join(format!("r{i:02}.json")), body).expect("write");
    }
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(["count", "--no-cache", "--json", "--rpm", "30000"])
        .arg(&files)
        .env("BUDGIE_HOME", dir.path().join("home"))
        .env("ANTHROPIC_API_KEY", crate::support::TEST_KEY)
        .env("ANTHROPIC_BASE_URL", api.uri())
        .env_remove("BUDGIE_LIMITER_URL")
        .output()
        .await
        .expect("budgie ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let counts: Vec<u64> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON")["input_tokens"]
                .as_u64()
                .expect("a count")
        })
        .collect();
    assert_eq!(counts, (0..12).map(|i| 8 + i).collect::<Vec<u64>>());
    let stats = api.stats();
    assert_eq!((stats.ok, stats.limited), (12, 0));
}
