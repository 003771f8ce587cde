//! The limiter on paused tokio time against a simulated rate-enforcing server.

use crate::support::sim_bucket;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use budgie::api::pacer::{Pacer, ServerRateInfo};
use budgie::limiter::{Clock, HEADROOM, Limiter, TokioClock};
use sim_bucket::SimBucket;
use tokio::time::Instant;

/// The gap the limiter keeps at `rpm`, derived from the rule (60 s / (rpm × headroom)).
fn interval(rpm: u32) -> Duration {
    Duration::from_secs_f64(60.0 / (f64::from(rpm) * HEADROOM))
}

/// Send one request through `pacer` to `server`, retrying 429s; returns the attempts it took.
async fn send(pacer: &dyn Pacer, server: &SimBucket) -> u32 {
    let mut attempts = 0;
    loop {
        pacer.acquire().await;
        attempts += 1;
        match server.arrive() {
            Ok(()) => {
                pacer.observe(&ServerRateInfo::default());
                return attempts;
            }
            Err(wait) => pacer.observe(&ServerRateInfo {
                retry_after: Some(wait),
                rate_limited: true,
                ..Default::default()
            }),
        }
    }
}

async fn send_all(pacer: Arc<dyn Pacer>, server: Arc<SimBucket>, n: usize) -> Vec<u32> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (pacer, server) = (pacer.clone(), server.clone());
            tokio::spawn(async move { send(pacer.as_ref(), &server).await })
        })
        .collect();
    let mut attempts = Vec::new();
    for t in tasks {
        attempts.push(t.await.expect("task"));
    }
    attempts
}

#[tokio::test(start_paused = true)]
async fn thirty_requests_at_120_rpm_take_about_15_s_and_none_is_refused() {
    // The server allows no burst at all: one request per 0.5 s, exactly.
    let server = Arc::new(SimBucket::new(120, 1));
    let limiter: Arc<dyn Pacer> = Arc::new(Limiter::new(120));
    let start = Instant::now();
    let attempts = send_all(limiter, server.clone(), 30).await;
    let elapsed = start.elapsed();
    assert_eq!(server.refused(), 0);
    assert!(attempts.iter().all(|a| *a == 1));
    let expected = interval(120) * 29;
    assert!(
        elapsed >= expected && elapsed <= expected + Duration::from_millis(30),
        "took {elapsed:?}, expected {expected:?}"
    );
    // About 15 s: 29 gaps of 0.526 s.
    assert!((14.5..16.0).contains(&elapsed.as_secs_f64()));
}

#[tokio::test(start_paused = true)]
async fn two_processes_sharing_the_state_file_stay_under_the_rate_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let a: Arc<dyn Pacer> =
        Arc::new(Limiter::shared_with_clock(120, dir.path(), clock.clone()).expect("a"));
    let b: Arc<dyn Pacer> =
        Arc::new(Limiter::shared_with_clock(120, dir.path(), clock).expect("b"));
    let server = Arc::new(SimBucket::new(120, 1));
    let start = Instant::now();
    let (ra, rb) = tokio::join!(
        send_all(a, server.clone(), 15),
        send_all(b, server.clone(), 15)
    );
    assert_eq!(server.refused(), 0, "attempts {ra:?} {rb:?}");
    let elapsed = start.elapsed();
    let expected = interval(120) * 29;
    assert!(
        elapsed >= expected && elapsed <= expected + Duration::from_millis(30),
        "took {elapsed:?}, expected {expected:?}"
    );
}

/// A process's view of the shared clock whose timers sometimes wake late, as they do on a
/// loaded machine (measured: 20 ms late with two budgie processes on 2 busy cores).
struct LateWaker {
    clock: TokioClock,
    wakes: AtomicU32,
    /// Every `every`-th sleep ends `late` after it should.
    every: u32,
    late: Duration,
}

impl Clock for LateWaker {
    fn now(&self) -> u64 {
        self.clock.now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let wake = self.wakes.fetch_add(1, Ordering::Relaxed) + 1;
        let extra = if wake.is_multiple_of(self.every) {
            self.late
        } else {
            Duration::ZERO
        };
        Box::pin(tokio::time::sleep(duration + extra))
    }
}

#[tokio::test(start_paused = true)]
async fn a_process_woken_late_does_not_crowd_the_next_request() {
    // Two processes share the state file, each with many requests waiting at once, against a
    // server that allows no burst at all (one request per 0.5 s, exactly). One process's timers
    // sometimes wake 60 ms late — more than the limiter's headroom (60 s / (120 × 0.92) − 0.5 s
    // = 43 ms) — so a grant that follows its reserved slot blindly lands too close to the next
    // process's on-time grant.
    let dir = tempfile::tempdir().expect("tempdir");
    let shared = TokioClock::new();
    let late: Arc<dyn Clock> = Arc::new(LateWaker {
        clock: shared,
        wakes: AtomicU32::new(0),
        every: 3,
        late: Duration::from_millis(60),
    });
    let on_time: Arc<dyn Clock> = Arc::new(shared);
    let a: Arc<dyn Pacer> = Arc::new(Limiter::shared_with_clock(120, dir.path(), late).expect("a"));
    let b: Arc<dyn Pacer> =
        Arc::new(Limiter::shared_with_clock(120, dir.path(), on_time).expect("b"));
    let server = Arc::new(SimBucket::new(120, 1));
    let (ra, rb) = tokio::join!(
        send_all(a, server.clone(), 15),
        send_all(b, server.clone(), 15)
    );
    assert_eq!(server.refused(), 0, "attempts {ra:?} {rb:?}");
    let accepted = server.accepted();
    assert_eq!(accepted.len(), 30);
    let tightest = accepted
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .expect("30 arrivals");
    assert!(tightest >= Duration::from_millis(500), "{tightest:?}");
}

#[tokio::test(start_paused = true)]
async fn a_slow_first_request_does_not_crowd_the_second() {
    // A process's first request opens the connection and reaches the server up to ~100 ms
    // after it was let go (measured 20–120 ms); the ones after it go straight through.
    let server = Arc::new(SimBucket::new(120, 1));
    let limiter: Arc<dyn Pacer> = Arc::new(Limiter::new(120));
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let (pacer, server) = (limiter.clone(), server.clone());
            tokio::spawn(async move {
                pacer.acquire().await;
                if i == 0 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let refused = server.arrive().is_err();
                pacer.observe(&ServerRateInfo {
                    rate_limited: refused,
                    ..Default::default()
                });
                refused
            })
        })
        .collect();
    for task in tasks {
        assert!(!task.await.expect("task"), "refused: {}", server.refused());
    }
    assert_eq!(server.refused(), 0);
}

#[tokio::test(start_paused = true)]
async fn without_sharing_two_limiters_would_overrun_the_server() {
    // The control for the test above: the same load through two separate in-process limiters.
    let server = Arc::new(SimBucket::new(120, 1));
    let a: Arc<dyn Pacer> = Arc::new(Limiter::new(120));
    let b: Arc<dyn Pacer> = Arc::new(Limiter::new(120));
    let _ = tokio::join!(
        send_all(a, server.clone(), 15),
        send_all(b, server.clone(), 15)
    );
    assert!(server.refused() > 0);
}

#[tokio::test(start_paused = true)]
async fn retry_after_seen_by_one_process_pauses_the_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let a = Limiter::shared_with_clock(6000, dir.path(), clock.clone()).expect("a");
    let b = Limiter::shared_with_clock(6000, dir.path(), clock).expect("b");
    a.acquire().await;
    a.observe(&ServerRateInfo {
        retry_after: Some(Duration::from_secs(5)),
        rate_limited: true,
        ..Default::default()
    });
    let status = b.status();
    let paused = status.paused_until.expect("b sees the pause");
    assert!(paused.duration_since(Instant::now()) >= Duration::from_millis(4990));
    let start = Instant::now();
    b.acquire().await;
    assert!(start.elapsed() >= Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn an_rpm_far_above_the_server_limit_still_counts_everything() {
    let server = Arc::new(SimBucket::new(120, 2));
    let limiter: Arc<dyn Pacer> = Arc::new(Limiter::new(6000));
    let start = Instant::now();
    let attempts = send_all(limiter, server.clone(), 30).await;
    let elapsed = start.elapsed();
    assert_eq!(server.accepted().len(), 30);
    // The SDK-style client retries twice: no request may need more than three attempts.
    let worst = attempts.iter().max().copied().unwrap_or(0);
    println!(
        "refused {} times, worst {worst} attempts, took {elapsed:?}",
        server.refused()
    );
    assert!(worst <= 3, "attempts {attempts:?}");
    // 30 requests at the server's 2 per second cannot take less than ~14 s; the limiter
    // should not take much more than twice that after learning the rate.
    assert!(elapsed < Duration::from_secs(40), "took {elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn the_server_saying_nothing_is_left_holds_requests_back() {
    let limiter = Limiter::new(6000);
    limiter.acquire().await;
    limiter.observe(&ServerRateInfo {
        limit: Some(30),
        remaining: Some(0),
        reset: Some(std::time::SystemTime::now() + Duration::from_secs(60)),
        ..Default::default()
    });
    let start = Instant::now();
    limiter.acquire().await;
    // 30 per minute refills one request every 2 s, and the server's limit of 30 is now the
    // rate: the next request goes one interval at 30 rpm after the first.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited <= interval(30) + Duration::from_millis(5),
        "waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn status_says_what_is_left_and_when_the_next_may_go() {
    let limiter = Limiter::new(100);
    let fresh = limiter.status();
    assert_eq!(fresh.rpm, 100);
    assert_eq!(fresh.left_this_minute, 100);
    assert_eq!(fresh.next_slot_in, None);
    for _ in 0..3 {
        limiter.acquire().await;
    }
    let status = limiter.status();
    assert_eq!(status.left_this_minute, 97);
    let next = status.next_slot_in.expect("the next slot is ahead");
    assert!(
        next <= interval(100) + Duration::from_millis(1) && next > Duration::ZERO,
        "{next:?}"
    );
    assert_eq!(status.paused_until, None);
}

#[tokio::test(start_paused = true)]
async fn a_garbled_state_file_counts_as_fresh_and_is_rewritten_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join(budgie::limiter::STATE_FILE);
    // What a torn write would leave (it cannot happen with write-then-rename, but a disk can).
    std::fs::write(&state, b"{\"next_slot\": 17").expect("write");
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let limiter = Limiter::shared_with_clock(120, dir.path(), clock).expect("limiter");
    let start = Instant::now();
    limiter.acquire().await;
    limiter.observe(&ServerRateInfo::default());
    limiter.acquire().await;
    assert!(start.elapsed() <= interval(120) + Duration::from_millis(2));
    let text = std::fs::read_to_string(&state).expect("read");
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "{text}"
    );
    assert_eq!(limiter.status().left_this_minute, 118);
}
