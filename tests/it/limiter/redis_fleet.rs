//! Several `budgie count` processes, each with its own BUDGIE_HOME (standing in for separate
//! machines), sharing one rate through a real redis-server, against a fake API that enforces
//! the rate like Anthropic's (a token bucket holding the per-second share, refilled
//! continuously). Rates are high and runs short to keep the suite fast; the long runs at
//! 120 rpm are `scripts/redis-fleet.sh`, whose figures are in the README.

use crate::support::fake_rate_api::{FakeRateApi, FakeRateConfig};
use crate::support::rate_client::body_with_words;
use crate::support::redis_server::RedisServer;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use budgie::limiter::HEADROOM;
use serde_json::Value;

/// One process's request files: `count` bodies, the i-th with `words + i + 1` words.
fn request_files(dir: &Path, count: usize, words: usize) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    for i in 0..count {
        let body = body_with_words(words + i + 1);
        std::fs::write(dir.join(format!("r{i:03}.json")), body.to_string()).expect("write");
    }
    dir.to_path_buf()
}

struct Fleet {
    outputs: Vec<std::process::Output>,
    /// Request files per process: the i-th file of process p has `p * 1000 + i + 1` words.
    per_process: usize,
}

/// Run `processes` × `budgie count --rpm RPM --json` at once, each on `per_process` files,
/// each with its own home holding `config` as config.toml. `during` runs meanwhile (it may
/// kill and restart Redis).
async fn run_fleet(
    api: &FakeRateApi,
    redis_url: &str,
    processes: usize,
    per_process: usize,
    rpm: u32,
    config: &str,
    during: impl std::future::Future<Output = ()>,
) -> Fleet {
    let root = tempfile::tempdir().expect("tempdir");
    let mut children = Vec::new();
    for p in 0..processes {
        let home = root.path().join(format!("home{p}"));
        std::fs::create_dir_all(home.join("config")).expect("mkdir");
        std::fs::write(home.join("config/config.toml"), config).expect("config");
        let files = request_files(
            &root.path().join(format!("files{p}")),
            per_process,
            p * 1000,
        );
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_budgie"))
            .args(["count", "--no-cache", "--json", "--rpm", &rpm.to_string()])
            .arg(&files)
            .env("BUDGIE_HOME", &home)
            .env("ANTHROPIC_API_KEY", crate::support::TEST_KEY)
            .env("ANTHROPIC_BASE_URL", api.uri())
            .env("BUDGIE_LIMITER_URL", redis_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("budgie starts");
        children.push(child);
    }
    let waiting = futures::future::join_all(children.into_iter().map(|c| c.wait_with_output()));
    let (outputs, ()) = tokio::join!(waiting, during);
    Fleet {
        outputs: outputs
            .into_iter()
            .map(|o| o.expect("budgie ran"))
            .collect(),
        per_process,
    }
}

impl Fleet {
    /// Every file of every process counted once, with its own count (the fake answers 7 + the
    /// words), and every process exited 0.
    fn assert_all_counted(&self) {
        for (p, output) in self.outputs.iter().enumerate() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(0),
                "process {p}: {stderr}\n{stdout}"
            );
            let lines: Vec<Value> = stdout
                .lines()
                .map(|l| serde_json::from_str(l).expect("JSON line"))
                .collect();
            assert_eq!(lines.len(), self.per_process, "process {p}: {stdout}");
            for (i, line) in lines.iter().enumerate() {
                let expected = 8 + (p * 1000 + i) as u64;
                assert_eq!(
                    line["input_tokens"], expected,
                    "process {p} file {i}: {line}"
                );
                assert_eq!(line["source"], "exact", "{line}");
            }
        }
    }

    fn stderr(&self) -> String {
        self.outputs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The span from the first request's arrival to the last one's at `rpm` exactly.
fn ideal(requests: usize, rpm: u32) -> Duration {
    Duration::from_secs_f64((requests - 1) as f64 * 60.0 / f64::from(rpm))
}

fn arrival_span(api: &FakeRateApi) -> Duration {
    let arrivals = api.stats().arrivals;
    let first = arrivals.first().expect("arrivals").0;
    let last = arrivals.last().expect("arrivals").0;
    last - first
}

async fn fleet_shares_the_rate(processes: usize, per_process: usize, rpm: u32) {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let api = FakeRateApi::start(FakeRateConfig::new(rpm)).await;
    let started = Instant::now();
    let fleet = run_fleet(&api, &redis.url(), processes, per_process, rpm, "", async {
    })
    .await;
    let wall = started.elapsed();
    fleet.assert_all_counted();
    let stats = api.stats();
    let total = processes * per_process;
    assert_eq!(
        stats.limited,
        0,
        "429s: {}\n{}",
        stats.limited,
        fleet.stderr()
    );
    assert_eq!(stats.ok as usize, total);
    // Sends are spaced at 92 % of the rate (the headroom): 8.7 % slower than the ideal, and
    // never faster than it.
    let span = arrival_span(&api);
    let ideal = ideal(total, rpm);
    println!(
        "{processes} processes, {total} requests at {rpm} rpm: arrivals over {span:?} \
         (ideal {ideal:?}, {:.1} %), wall {wall:?}",
        span.as_secs_f64() * 100.0 / ideal.as_secs_f64()
    );
    assert!(span >= ideal, "faster than the rate: {span:?} < {ideal:?}");
    // The headroom leaves little room under 10 %: round trips to Redis and processes that
    // start one by one on a busy 2-core runner measured 110–114 %. Within 20 % the fleet still
    // uses the rate it shares; the point is no 429 and never faster.
    assert!(
        span.as_secs_f64() <= ideal.as_secs_f64() * 1.20,
        "{span:?} is more than 20 % above the ideal {ideal:?} (spacing alone adds {:.1} %)",
        (1.0 / HEADROOM - 1.0) * 100.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timed: scripts/test.sh runs it after the suite, alone, so other tests do not slow it"]
async fn two_machines_share_120_rpm_with_no_429() {
    fleet_shares_the_rate(2, 15, 120).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timed: scripts/test.sh runs it after the suite, alone, so other tests do not slow it"]
async fn four_machines_share_300_rpm_with_no_429() {
    // 300 rpm: a grant late by a millisecond or two (timers, Redis round trips on 2 busy
    // cores) costs 1 % of a 217 ms interval, where at 600 rpm it costs 2 % of the 10 %.
    fleet_shares_the_rate(4, 16, 300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timed: scripts/test.sh runs it after the suite, alone, so other tests do not slow it"]
async fn redis_killed_mid_run_and_restarted_loses_no_count_and_draws_no_429() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let rpm = 600;
    let api = FakeRateApi::start(FakeRateConfig::new(rpm)).await;
    let url = redis.url();
    // Two clients expected: while Redis is away each takes half the rate, in its own slots.
    let config = "limiter_clients = 2\n";
    let outage = async {
        tokio::time::sleep(Duration::from_secs(4)).await;
        redis.kill();
        let killed = api.stats().ok;
        tokio::time::sleep(Duration::from_secs(4)).await;
        redis.restart();
        (killed, api.stats().ok)
    };
    let mut counted_at_kill = (0, 0);
    let fleet = run_fleet(&api, &url, 2, 60, rpm, config, async {
        counted_at_kill = outage.await;
    })
    .await;
    fleet.assert_all_counted();
    let stats = api.stats();
    let stderr = fleet.stderr();
    println!(
        "counted {} before the kill, {} by the restart, {} in all; 429s: {}\n{stderr}",
        counted_at_kill.0, counted_at_kill.1, stats.ok, stats.limited
    );
    assert!(
        counted_at_kill.0 > 0
            && counted_at_kill.1 > counted_at_kill.0
            && stats.ok > counted_at_kill.1,
        "requests were counted before, during and after the outage: {counted_at_kill:?}, {}",
        stats.ok
    );
    assert_eq!(stats.ok, 120);
    assert_eq!(stats.limited, 0, "429s: {}\n{stderr}", stats.limited);
    // Each process said so once when Redis went, and once when it came back.
    let said = |start: &str| stderr.lines().filter(|l| l.starts_with(start)).count();
    assert_eq!(said("budgie: shared limiter lost"), 2, "{stderr}");
    assert_eq!(
        said(&format!("budgie: shared limiter {url} answers again")),
        2,
        "{stderr}"
    );
}
