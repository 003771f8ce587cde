//! Requests-per-minute limiter for count_tokens, shared by every budgie on the machine.
//!
//! Requests are spaced, never burst: one per `60 s / (rpm × 0.92)`, so no 1 s window holds
//! more than the per-second share `ceil(rpm / 60)` and no 60 s window more than `rpm`, while a
//! saturated limiter still uses 92 % of the rate. The server's answers tighten it:
//! `retry-after` pauses every request (in every process sharing the state) until it has
//! passed, `limit` caps the rate, `remaining`/`reset` hold requests back when the server says
//! nothing is left, and each new episode of 429s halves the rate (or drops it to what the
//! server actually let through), which then creeps back up.
//!
//! Nothing heard from the server yet (or for ten minutes): one request goes alone and the rest
//! wait for its answer, whose rate-limit headers say the real rate, so even a `--rpm` far
//! above the server's limit draws no 429 on the first burst.
//!
//! `Limiter::new` paces one process on tokio's clock; `Limiter::shared` keeps the state in a
//! locked file in the data dir (`limiter.json`), and each acquire reserves the next free slot
//! in wall-clock time, so two processes at full speed together stay under the rate.
//! [`redis::RedisLimiter`] runs the same rule in Redis for every machine naming it;
//! [`RateLimiter`] is whichever the settings ask for.

mod clock;
pub mod redis;
mod state;
mod store;

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

pub use clock::{Clock, TokioClock, WallClock};
pub use state::{Grid, HEADROOM, MAX_PAUSE, PROBE_TIMEOUT};
pub use store::{LOCK_FILE, STATE_FILE};

use crate::api::pacer::{Pacer, ServerRateInfo};
use state::Step;
use store::Store;

/// What the workbench's side panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimiterStatus {
    /// The rate in force: the setting, or less when the server said so.
    pub rpm: u32,
    /// Requests still allowed in the last 60 s (by our sends, and the server's `remaining`).
    pub left_this_minute: u32,
    /// How long until the next request may go; `None` when one may go now.
    pub next_slot_in: Option<Duration>,
    /// A server `retry-after` (or empty bucket) holds every request until then.
    pub paused_until: Option<Instant>,
    /// Shared beyond this machine (through Redis): how it stands.
    pub shared: Option<SharedStatus>,
}

/// How a limiter shared through Redis stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedStatus {
    /// Clients that asked for a slot in the last minute (this one included).
    pub clients_seen: u32,
    /// `false`: Redis is out of reach and this machine's limiter paces at its share.
    pub reachable: bool,
}

/// "limit 100/min · shared via redis (3 clients seen)", "limit 25/min · redis unreachable,
/// this machine's share", or "limit 100/min" for this machine's limiter.
pub fn summary(rpm: u32, shared: Option<SharedStatus>) -> String {
    match summary_parts(rpm, shared) {
        (head, Some(tail)) if shared.is_some_and(|s| s.reachable) => format!("{head} ({tail})"),
        (head, Some(tail)) => format!("{head}, {tail}"),
        (head, None) => head,
    }
}

/// [`summary`] in two parts, for a narrow panel: ("limit 100/min · shared via redis",
/// "3 clients seen").
pub fn summary_parts(rpm: u32, shared: Option<SharedStatus>) -> (String, Option<String>) {
    match shared {
        None => (format!("limit {rpm}/min"), None),
        Some(SharedStatus {
            reachable: false, ..
        }) => (
            format!("limit {rpm}/min · redis unreachable"),
            Some("this machine's share".to_string()),
        ),
        Some(SharedStatus { clients_seen, .. }) => (
            format!("limit {rpm}/min · shared via redis"),
            Some(match clients_seen {
                1 => "1 client seen".to_string(),
                n => format!("{n} clients seen"),
            }),
        ),
    }
}

/// The limiter the settings ask for: shared through Redis when `limiter` is set, else this
/// machine's.
pub enum RateLimiter {
    Machine(Box<Limiter>),
    Redis(redis::RedisLimiter),
}

impl RateLimiter {
    /// `announce`: say on standard error when Redis is lost or back (the headless commands;
    /// the workbench shows it in its side panel). A Redis URL the client cannot use is said
    /// on standard error and this machine's limiter is used.
    pub fn from_settings(
        settings: &crate::config::Settings,
        api_key: Option<&crate::secrets::ApiKey>,
        announce: bool,
    ) -> Self {
        let rpm = settings.effective_rpm();
        let machine = Limiter::for_this_machine(rpm);
        let Some(url) = &settings.limiter else {
            return RateLimiter::Machine(Box::new(machine));
        };
        let prefix = settings
            .limiter_prefix
            .clone()
            .unwrap_or_else(|| default_prefix(api_key));
        match redis::RedisLimiter::new(
            url,
            &prefix,
            rpm,
            settings.limiter_clients,
            machine,
            announce,
        ) {
            Ok(shared) => RateLimiter::Redis(shared),
            Err(e) => {
                if announce {
                    eprintln!(
                        "budgie: shared limiter {}: {e}; using this machine's limiter",
                        url.shown()
                    );
                }
                RateLimiter::Machine(Box::new(Limiter::for_this_machine(rpm)))
            }
        }
    }

    pub fn status(&self) -> LimiterStatus {
        match self {
            RateLimiter::Machine(limiter) => limiter.status(),
            RateLimiter::Redis(limiter) => limiter.status(),
        }
    }
}

impl Pacer for RateLimiter {
    fn acquire(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        match self {
            RateLimiter::Machine(limiter) => Box::pin(limiter.acquire()),
            RateLimiter::Redis(limiter) => Box::pin(limiter.acquire()),
        }
    }

    fn observe(&self, info: &ServerRateInfo) {
        match self {
            RateLimiter::Machine(limiter) => limiter.observe(info),
            RateLimiter::Redis(limiter) => limiter.observe(info),
        }
    }
}

/// `budgie:` and the first 16 hex digits of the API key's SHA-256: every client on one key
/// shares one budget, two organisations on one Redis never do, and the key is not in Redis.
pub fn default_prefix(api_key: Option<&crate::secrets::ApiKey>) -> String {
    match api_key {
        Some(key) => format!(
            "budgie:{}",
            &crate::bytes::sha256_hex(key.expose().as_bytes())[..16]
        ),
        None => "budgie:no-key".to_string(),
    }
}

pub struct Limiter {
    rpm: AtomicU32,
    store: Store,
    clock: Arc<dyn Clock>,
    /// Whether this process has had an answer yet: its first request pays for the connection
    /// (measured: 20–120 ms before the server sees it), so the next grant is spaced from that
    /// answer rather than from the first grant.
    answered: AtomicBool,
    /// Wakes this process's waiters when an answer arrives (a lone first request's, which
    /// they wait for); other processes look again every few milliseconds.
    answer: Notify,
}

impl Limiter {
    /// The limiter for this process: shared through the data dir with every other budgie on
    /// the machine; without one (no data dir, or it cannot be written), this process still
    /// paces itself.
    pub fn for_this_machine(rpm: u32) -> Self {
        crate::config::dirs()
            .and_then(|d| Limiter::shared(rpm, &d.data).ok())
            .unwrap_or_else(|| Limiter::new(rpm))
    }

    /// A limiter for this process alone, on tokio's clock. An `rpm` of 0 counts as 1.
    pub fn new(rpm: u32) -> Self {
        Limiter {
            rpm: AtomicU32::new(rpm.max(1)),
            store: Store::memory(),
            clock: Arc::new(TokioClock::new()),
            answered: AtomicBool::new(false),
            answer: Notify::new(),
        }
    }

    /// A limiter whose budget is shared with every process using the same `state_dir`
    /// (normally `config::dirs()?.data`), on the wall clock.
    pub fn shared(rpm: u32, state_dir: &Path) -> io::Result<Self> {
        Self::shared_with_clock(rpm, state_dir, Arc::new(WallClock))
    }

    /// `shared` with another clock (tests: several limiters on one `TokioClock` behave like
    /// processes on paused time).
    pub fn shared_with_clock(
        rpm: u32,
        state_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> io::Result<Self> {
        Ok(Limiter {
            rpm: AtomicU32::new(rpm.max(1)),
            store: Store::file(state_dir)?,
            clock,
            answered: AtomicBool::new(false),
            answer: Notify::new(),
        })
    }

    /// The configured requests per minute.
    pub fn rpm(&self) -> u32 {
        self.rpm.load(Ordering::Relaxed)
    }

    /// Change the rate (a client that lost its shared limiter takes a share of it).
    pub fn set_rpm(&self, rpm: u32) {
        self.rpm.store(rpm.max(1), Ordering::Relaxed);
    }

    /// Wait until one request may be sent.
    pub async fn acquire(&self) {
        self.acquire_on_grid(None).await;
    }

    /// `acquire`, sending only in this process's slots of `grid` (see [`Grid`]).
    pub async fn acquire_on_grid(&self, grid: Option<Grid>) {
        let mut holding = false;
        loop {
            let rpm = self.rpm();
            // Registered before the state is read, so an answer arriving in between wakes it.
            let answered = self.answer.notified();
            // The clock is read under the lock: a grant is recorded at the time it was made.
            let (now, step) = self.store.with(|s| {
                let now = self.clock.now();
                (now, s.step_on_grid(now, rpm, holding, grid))
            });
            let until = match step {
                Step::Go => return,
                Step::Hold(until) => {
                    holding = true;
                    until
                }
                Step::Wait(until) => {
                    holding = false;
                    until
                }
            };
            if until > now {
                let sleep = self.clock.sleep(Duration::from_nanos(until - now));
                if holding {
                    sleep.await;
                } else {
                    tokio::select! {
                        () = sleep => {}
                        () = answered => {}
                    }
                }
            }
        }
    }

    /// A grant made elsewhere at `at` (nanoseconds on this limiter's clock): the next grant
    /// here keeps an interval after it.
    pub fn note_grant(&self, at: u64) {
        self.store.with(|s| s.note_grant(at));
    }

    /// When this limiter last let a request go (clock nanoseconds), if it has.
    pub fn last_grant(&self) -> Option<u64> {
        self.store.peek(|s| s.last_grant())
    }

    /// Learn from a response (any status).
    pub fn observe(&self, info: &ServerRateInfo) {
        let reset_in = info.reset.map(|reset| {
            reset
                .duration_since(SystemTime::now())
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX / 4))
                .unwrap_or(0)
        });
        let first = !self.answered.swap(true, Ordering::Relaxed);
        let rpm = self.rpm();
        self.store.with(|s| {
            let now = self.clock.now();
            s.observe(now, rpm, info, reset_in);
            if first {
                s.first_answer(now);
            }
        });
        self.answer.notify_waiters();
    }

    pub fn status(&self) -> LimiterStatus {
        let now = self.clock.now();
        let rpm = self.rpm();
        let raw = self.store.peek(|s| s.status(now, rpm));
        let instant_now = Instant::now();
        LimiterStatus {
            rpm: raw.rpm,
            left_this_minute: raw.left_this_minute,
            next_slot_in: (raw.next_slot > now).then(|| Duration::from_nanos(raw.next_slot - now)),
            paused_until: raw
                .paused_until
                .map(|until| instant_now + Duration::from_nanos(until - now)),
            shared: None,
        }
    }
}

impl Pacer for Limiter {
    fn acquire(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(Limiter::acquire(self))
    }

    fn observe(&self, info: &ServerRateInfo) {
        Limiter::observe(self, info);
    }
}

/// How many requests a batch should keep in flight to use `rpm`: enough to cover about
/// a second of latency at the per-second share, at least 2, at most 64.
pub fn batch_concurrency(rpm: u32) -> usize {
    (rpm.div_ceil(60) as usize * 2).clamp(2, 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_limiter_is_summed_up_in_words() {
        let shared = |clients_seen, reachable| {
            Some(SharedStatus {
                clients_seen,
                reachable,
            })
        };
        assert_eq!(summary(100, None), "limit 100/min");
        assert_eq!(
            summary(100, shared(3, true)),
            "limit 100/min · shared via redis (3 clients seen)"
        );
        assert_eq!(
            summary(100, shared(1, true)),
            "limit 100/min · shared via redis (1 client seen)"
        );
        assert_eq!(
            summary(25, shared(3, false)),
            "limit 25/min · redis unreachable, this machine's share"
        );
    }
}
