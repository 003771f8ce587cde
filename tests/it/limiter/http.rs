//! The limiter on real time against the fake rate-enforcing API over HTTP on 127.0.0.1.
//! Rates are high and request counts small so each test takes two or three seconds.

use crate::support::{fake_rate_api, rate_client};

use std::sync::Arc;
use std::time::{Duration, Instant};

use budgie::api::pacer::Pacer;
use budgie::limiter::{HEADROOM, Limiter};
use fake_rate_api::{FakeRateApi, FakeRateConfig, expected_tokens};
use futures::StreamExt;
use rate_client::{Sent, body_with_words, count_until_done};

fn interval(rpm: u32) -> Duration {
    Duration::from_secs_f64(60.0 / (f64::from(rpm) * HEADROOM))
}

/// Count `n` bodies (the i-th has i words) through `pacer`, `concurrency` at a time.
async fn count_n(
    base: &str,
    pacer: Arc<dyn Pacer>,
    n: usize,
    concurrency: usize,
) -> Vec<(u64, Sent)> {
    let client = reqwest::Client::new();
    futures::stream::iter(0..n)
        .map(|i| {
            let (client, pacer) = (client.clone(), pacer.clone());
            let body = body_with_words(i);
            async move {
                let sent = count_until_done(&client, base, pacer.as_ref(), &body)
                    .await
                    .expect("counted");
                (expected_tokens(&body), sent)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_spaced_and_none_is_refused() {
    let api = FakeRateApi::start(FakeRateConfig {
        rate_headers: true,
        ..FakeRateConfig::new(600)
    })
    .await;
    let limiter: Arc<dyn Pacer> = Arc::new(Limiter::new(600));
    let start = Instant::now();
    let results = count_n(&api.uri(), limiter, 16, 4).await;
    let elapsed = start.elapsed();
    for (expected, sent) in &results {
        assert_eq!(sent.input_tokens, *expected);
    }
    let stats = api.stats();
    assert_eq!(stats.limited, 0);
    assert_eq!(stats.ok, 16);
    assert!(elapsed >= interval(600) * 15, "took {elapsed:?}");
    // Arrivals are spaced by the interval, give or take scheduling jitter.
    let arrivals: Vec<Instant> = stats.arrivals.iter().map(|(t, _)| *t).collect();
    let smallest = arrivals
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .expect("gaps");
    assert!(smallest >= interval(600) / 2, "smallest gap {smallest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_limiters_sharing_the_state_dir_share_the_budget_over_http() {
    let api = FakeRateApi::start(FakeRateConfig::new(600)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let a: Arc<dyn Pacer> = Arc::new(Limiter::shared(600, dir.path()).expect("a"));
    let b: Arc<dyn Pacer> = Arc::new(Limiter::shared(600, dir.path()).expect("b"));
    let start = Instant::now();
    let uri = api.uri();
    let (ra, rb) = tokio::join!(count_n(&uri, a, 8, 4), count_n(&uri, b, 8, 4));
    let elapsed = start.elapsed();
    assert_eq!(ra.len() + rb.len(), 16);
    assert_eq!(api.stats().limited, 0);
    // Together they took the time one limiter needs for 16 requests, not half of it.
    assert!(elapsed >= interval(600) * 15, "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rpm_far_above_the_server_limit_ends_with_every_count_right() {
    // Server: 300 per minute (5 per second, bucket of 5), no rate headers to learn from.
    let api = FakeRateApi::start(FakeRateConfig::new(300)).await;
    let limiter: Arc<dyn Pacer> = Arc::new(Limiter::new(30_000));
    let results = count_n(&api.uri(), limiter, 15, 8).await;
    for (expected, sent) in &results {
        assert_eq!(sent.input_tokens, *expected);
    }
    let worst = results.iter().map(|(_, s)| s.refused).max().unwrap_or(0);
    let stats = api.stats();
    println!(
        "refused {} times, worst {worst} refusals for one request",
        stats.limited
    );
    assert_eq!(stats.ok, 15);
    // The SDK-style client retries twice; nothing should need more.
    assert!(worst <= 2, "a request was refused {worst} times");
}
