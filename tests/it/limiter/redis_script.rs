//! The Lua slot scheduler against a real redis-server: several clients asking at random
//! moments, the server's answers (429 with retry-after, a lower limit) published at random
//! moments. Grant times are the Redis server's clock, as the script recorded them, so the
//! properties are checked exactly: no two grants closer than an interval (less the timer's
//! millisecond), so no 1 s window above the per-second share and no slot given twice; no grant
//! inside a published pause; and with a backlog, at least 90 % of the rate.

use crate::support::redis_server::RedisServer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use budgie::api::pacer::ServerRateInfo;
use budgie::limiter::HEADROOM;
use budgie::limiter::redis::script::{self, Keys, ObservedInfo, Step};
use proptest::prelude::*;
use redis::aio::MultiplexedConnection;

/// Ask for a slot until granted, as a client does; returns the grant's time (server µs).
async fn acquire(con: &mut MultiplexedConnection, keys: &Keys, id: &str, rpm: u32) -> u64 {
    let mut holding = false;
    loop {
        let reply = script::step(con, keys, id, rpm, holding, 0)
            .await
            .expect("step");
        match reply.step.expect("a step") {
            Step::Go => return reply.server_now_us,
            Step::Hold(wait) => {
                holding = true;
                tokio::time::sleep(wait).await;
            }
            Step::Wait(wait) => {
                holding = false;
                // No notification between these clients: look again every 20 ms at most.
                tokio::time::sleep(wait.min(Duration::from_millis(20))).await;
            }
        }
    }
}

async fn answer(
    con: &mut MultiplexedConnection,
    keys: &Keys,
    id: &str,
    rpm: u32,
    info: &ServerRateInfo,
    first: bool,
) -> u64 {
    script::observe(con, keys, id, rpm, &ObservedInfo::new(info, None, first))
        .await
        .expect("observe")
        .server_now_us
}

#[derive(Debug, Clone)]
enum ServerSays {
    /// A 429 with retry-after (ms).
    RetryAfter(u64),
    /// `anthropic-ratelimit-requests-limit`.
    Limit(u32),
}

#[derive(Debug, Clone)]
struct Schedule {
    rpm: u32,
    /// Per client, the think time (ms) before each of its requests.
    clients: Vec<Vec<u64>>,
    /// (ms from the start, what a response said).
    server: Vec<(u64, ServerSays)>,
}

fn schedule() -> impl Strategy<Value = Schedule> {
    let gaps = proptest::collection::vec(prop_oneof![3 => Just(0u64), 2 => 0u64..60], 1..10);
    let says = prop_oneof![
        (20u64..300).prop_map(ServerSays::RetryAfter),
        (600u32..3_000).prop_map(ServerSays::Limit),
    ];
    (
        1_200u32..4_000,
        proptest::collection::vec(gaps, 1..5),
        proptest::collection::vec((0u64..600, says), 0..3),
    )
        .prop_map(|(rpm, clients, server)| Schedule {
            rpm,
            clients,
            server,
        })
}

struct Played {
    grants: Vec<u64>,
    pauses: Vec<(u64, u64)>,
}

async fn play(redis: &RedisServer, schedule: &Schedule) -> Played {
    let keys = Keys::new(&format!("test:{:016x}", rand::random::<u64>()));
    let grants = Arc::new(Mutex::new(Vec::new()));
    let pauses = Arc::new(Mutex::new(Vec::new()));
    let rpm = schedule.rpm;
    let mut tasks = Vec::new();
    for (i, gaps) in schedule.clients.iter().cloned().enumerate() {
        let (keys, grants) = (keys.clone(), grants.clone());
        let mut con = redis.connection().await;
        tasks.push(tokio::spawn(async move {
            let id = format!("client-{i}");
            for (k, gap) in gaps.into_iter().enumerate() {
                tokio::time::sleep(Duration::from_millis(gap)).await;
                let at = acquire(&mut con, &keys, &id, rpm).await;
                grants.lock().expect("grants").push(at);
                answer(
                    &mut con,
                    &keys,
                    &id,
                    rpm,
                    &ServerRateInfo::default(),
                    k == 0,
                )
                .await;
            }
        }));
    }
    for (at_ms, says) in schedule.server.iter().cloned() {
        let (keys, pauses) = (keys.clone(), pauses.clone());
        let mut con = redis.connection().await;
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(at_ms)).await;
            let info = match says {
                ServerSays::RetryAfter(ms) => ServerRateInfo {
                    retry_after: Some(Duration::from_millis(ms)),
                    rate_limited: true,
                    ..Default::default()
                },
                ServerSays::Limit(limit) => ServerRateInfo {
                    limit: Some(limit),
                    ..Default::default()
                },
            };
            let at = answer(&mut con, &keys, "server", rpm, &info, false).await;
            if let ServerSays::RetryAfter(ms) = says {
                pauses.lock().expect("pauses").push((at, at + ms * 1_000));
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    let mut grants = grants.lock().expect("grants").clone();
    grants.sort_unstable();
    let pauses = pauses.lock().expect("pauses").clone();
    Played { grants, pauses }
}

/// The least gap between two grants at `rpm` (µs): an interval less the timer's millisecond.
fn least_gap_us(rpm: u32) -> u64 {
    (60_000_000.0 / (f64::from(rpm) * HEADROOM)).ceil() as u64 - 1_000
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_two_grants_closer_than_an_interval_and_none_in_a_pause(schedule in schedule()) {
        let Some(redis) = RedisServer::start() else { return Ok(()) };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let played = runtime.block_on(play(&redis, &schedule));
        let asked: usize = schedule.clients.iter().map(Vec::len).sum();
        prop_assert_eq!(played.grants.len(), asked);
        let least = least_gap_us(schedule.rpm);
        for pair in played.grants.windows(2) {
            prop_assert!(
                pair[1] - pair[0] >= least,
                "grants {} µs apart, least {least} µs at rpm {}", pair[1] - pair[0], schedule.rpm
            );
        }
        let share = schedule.rpm.div_ceil(60) as usize;
        for (i, start) in played.grants.iter().enumerate() {
            let in_second = played.grants[i..].iter().take_while(|g| **g < start + 1_000_000).count();
            prop_assert!(in_second <= share, "{in_second} grants in 1 s, share {share}");
        }
        for (from, until) in &played.pauses {
            prop_assert!(
                !played.grants.iter().any(|g| g > from && g < until),
                "a grant inside the pause {from}..{until}: {:?}", played.grants
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_with_a_backlog_use_at_least_90_percent_of_the_rate() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let rpm = 600;
    let schedule = Schedule {
        rpm,
        clients: vec![vec![0; 10]; 3],
        server: Vec::new(),
    };
    let played = play(&redis, &schedule).await;
    assert_eq!(played.grants.len(), 30);
    // The first request goes alone and the rest wait for its answer: count from the second.
    let span_us = played.grants[29] - played.grants[1];
    let slowest_us = 60_000_000.0 / (0.9 * f64::from(rpm));
    assert!(
        span_us as f64 <= 28.0 * slowest_us,
        "28 gaps took {span_us} µs, at 90 % of {rpm} rpm they take {:.0}",
        28.0 * slowest_us
    );
    assert!(
        span_us >= 28 * least_gap_us(rpm),
        "faster than the rate: {span_us} µs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_are_counted_and_ranked_by_arrival() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let keys = Keys::new("test:ranks");
    let mut con = redis.connection().await;
    for id in ["a", "b", "c"] {
        acquire(&mut con, &keys, id, 60_000).await;
        answer(
            &mut con,
            &keys,
            id,
            60_000,
            &ServerRateInfo::default(),
            true,
        )
        .await;
    }
    let reply = script::status(&mut con, &keys, "b", 60_000)
        .await
        .expect("status");
    assert_eq!(reply.clients_seen, 3);
    assert_eq!(reply.rank, Some(1));
    // A client that never asked for a slot has no rank and is not counted.
    let reply = script::status(&mut con, &keys, "d", 60_000)
        .await
        .expect("status");
    assert_eq!((reply.clients_seen, reply.rank), (3, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_gets_the_script_again_and_never_sees_the_api_key() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let keys = Keys::new(&budgie::limiter::default_prefix(
        budgie::secrets::ApiKey::new("sk-ant-test-not-a-real-key").as_ref(),
    ));
    let mut con = redis.connection().await;
    acquire(&mut con, &keys, "a", 600).await;
    redis.restart();
    // An empty server answers NOSCRIPT to EVALSHA: the script is loaded and run.
    let mut con = redis.connection().await;
    acquire(&mut con, &keys, "a", 600).await;
    let names: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut con)
        .await
        .expect("keys");
    assert_eq!(names.len(), 4, "{names:?}");
    for name in &names {
        assert!(
            name.starts_with("{budgie:") && !name.contains("sk-ant"),
            "{name}"
        );
        let dump: Vec<String> = match name.as_str() {
            n if n.ends_with(":state") || n.ends_with(":window") => redis::cmd("HGETALL")
                .arg(n)
                .query_async(&mut con)
                .await
                .expect("hgetall"),
            n => redis::cmd("ZRANGE")
                .arg(n)
                .arg(0)
                .arg(-1)
                .query_async(&mut con)
                .await
                .expect("zrange"),
        };
        assert!(dump.iter().all(|v| !v.contains("sk-ant")), "{dump:?}");
    }
}
