//! Property tests: whatever the arrival pattern and whatever the server says, the limiter
//! never lets more than the per-second share through in any 1 s window, nor more than `rpm`
//! in any 60 s window; with a backlog and a quiet server it uses at least 90 % of the rate.
//!
//! Per-second share, precisely: at most `ceil(rpm / 60)` grants in any half-open window
//! `[t, t + 1 s)`, for every t. Same for `[t, t + 60 s)` and `rpm`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use budgie::api::pacer::ServerRateInfo;
use budgie::limiter::Limiter;
use proptest::prelude::*;
use tokio::time::Instant;

#[derive(Debug, Clone)]
enum ServerSays {
    RetryAfter(u64),
    Limit(u32),
    NothingLeft { limit: Option<u32>, reset_ms: u64 },
    Ok,
}

fn server_says() -> impl Strategy<Value = ServerSays> {
    prop_oneof![
        (0u64..5_000).prop_map(ServerSays::RetryAfter),
        (1u32..30_000).prop_map(ServerSays::Limit),
        (proptest::option::of(1u32..30_000), 0u64..60_000)
            .prop_map(|(limit, reset_ms)| ServerSays::NothingLeft { limit, reset_ms }),
        Just(ServerSays::Ok),
    ]
}

fn info(says: &ServerSays) -> ServerRateInfo {
    match says {
        ServerSays::RetryAfter(ms) => ServerRateInfo {
            retry_after: Some(Duration::from_millis(*ms)),
            rate_limited: true,
            ..Default::default()
        },
        ServerSays::Limit(limit) => ServerRateInfo {
            limit: Some(*limit),
            ..Default::default()
        },
        ServerSays::NothingLeft { limit, reset_ms } => ServerRateInfo {
            limit: *limit,
            remaining: Some(0),
            reset: Some(std::time::SystemTime::now() + Duration::from_millis(*reset_ms)),
            ..Default::default()
        },
        ServerSays::Ok => ServerRateInfo::default(),
    }
}

/// Arrival gaps in ms: mostly bursts (0), sometimes pauses.
fn gaps(max_len: usize) -> impl Strategy<Value = Vec<u64>> {
    proptest::collection::vec(
        prop_oneof![4 => Just(0u64), 3 => 0u64..50, 2 => 0u64..3_000, 1 => 0u64..90_000],
        1..max_len,
    )
}

struct Run {
    arrivals: Vec<Instant>,
    grants: Vec<Instant>,
}

/// Play arrivals (and server answers at given times) against a fresh limiter on paused time.
fn play(rpm: u32, gaps: &[u64], server: &[(u64, ServerSays)]) -> Run {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let limiter = Arc::new(Limiter::new(rpm));
        let grants = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut events = Vec::new();
        for (at_ms, says) in server.iter().cloned() {
            let limiter = limiter.clone();
            events.push(tokio::spawn(async move {
                tokio::time::sleep_until(start + Duration::from_millis(at_ms)).await;
                limiter.observe(&info(&says));
            }));
        }
        let mut arrivals = Vec::new();
        let mut waiting = Vec::new();
        for gap in gaps {
            tokio::time::sleep(Duration::from_millis(*gap)).await;
            arrivals.push(Instant::now());
            let (limiter, grants) = (limiter.clone(), grants.clone());
            waiting.push(tokio::spawn(async move {
                limiter.acquire().await;
                grants.lock().expect("grants").push(Instant::now());
                // Every request is answered (at once, with no rate headers): a limiter that
                // has heard nothing lets one request go and waits for its answer.
                limiter.observe(&ServerRateInfo::default());
            }));
        }
        for task in waiting.into_iter().chain(events) {
            task.await.expect("task");
        }
        let mut grants = grants.lock().expect("grants").clone();
        grants.sort();
        Run { arrivals, grants }
    })
}

/// The most grants in any window `[t, t + width)`.
fn most_in_window(grants: &[Instant], width: Duration) -> usize {
    let mut most = 0;
    let mut j = 0;
    for i in 0..grants.len() {
        while j < grants.len() && grants[j] < grants[i] + width {
            j += 1;
        }
        most = most.max(j - i);
    }
    most
}

fn assert_windows(rpm: u32, run: &Run) -> Result<(), TestCaseError> {
    let share = rpm.div_ceil(60) as usize;
    let per_second = most_in_window(&run.grants, Duration::from_secs(1));
    let per_minute = most_in_window(&run.grants, Duration::from_secs(60));
    prop_assert!(
        per_second <= share,
        "{per_second} in 1 s > share {share} at rpm {rpm}"
    );
    prop_assert!(
        per_minute <= rpm as usize,
        "{per_minute} in 60 s > rpm {rpm}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_window_exceeds_the_rate_whatever_arrives(
        rpm in prop_oneof![1u32..200, 1u32..25_000],
        gaps in gaps(150),
        server in proptest::collection::vec((0u64..120_000, server_says()), 0..8),
    ) {
        let run = play(rpm, &gaps, &server);
        prop_assert_eq!(run.grants.len(), gaps.len());
        assert_windows(rpm, &run)?;
    }

    #[test]
    fn a_backlog_is_served_at_90_percent_of_the_rate_or_more(
        rpm in prop_oneof![1u32..200, 1u32..25_000],
        gaps in gaps(150),
    ) {
        let run = play(rpm, &gaps, &[]);
        assert_windows(rpm, &run)?;
        // While requests are waiting, grant k+1 follows grant k by at most 1 / (0.9 rate),
        // summed over each busy stretch (the timer rounds single wakes up to a millisecond).
        let slowest = Duration::from_secs_f64(60.0 / (0.9 * f64::from(rpm)));
        let backlog_at = |t: Instant, granted: usize| {
            run.arrivals.iter().filter(|a| **a <= t).count() > granted
        };
        let mut stretch_start = 0;
        for k in 0..run.grants.len() {
            let busy = k + 1 < run.grants.len() && backlog_at(run.grants[k], k + 1);
            if !busy {
                let gaps_in_stretch = (k - stretch_start) as u32;
                let took = run.grants[k] - run.grants[stretch_start];
                prop_assert!(
                    took <= slowest * gaps_in_stretch + Duration::from_millis(1),
                    "{gaps_in_stretch} gaps took {took:?} at rpm {rpm}"
                );
                stretch_start = k + 1;
            }
        }
    }
}
