//! The limiter shared through Redis by every budgie that names the same server and key prefix:
//! one rate for a whole organisation, however many machines.
//!
//! Every decision is the Lua script's (`limiter.lua`, run with EVALSHA), atomic on the Redis
//! server and on its clock, so no two clients take the same slot. What a response says about
//! the rate is published at once (one script call), so every client slows down together.
//!
//! Faults: when Redis cannot be reached (at start, or lost mid-run: an error or no answer
//! within [`RESPONSE_TIMEOUT`]), requests go through this machine's limiter at a share of the
//! rate — the rate divided by `limiter_clients` or by the clients last seen, if more — each
//! client in its own time slots by its rank among them (see [`Grid`]); it is said once, and
//! a background task tries Redis again every second and switches back when it answers. A
//! request is never dropped or sent twice by a switch: the limiter only decides when it goes.
//! Nothing here runs on the workbench's UI thread: `status` reads what the last reply said.

pub mod script;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use redis::aio::MultiplexedConnection;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::clock::wall_now;
use super::{Grid, Limiter, LimiterStatus, SharedStatus};
use crate::api::pacer::ServerRateInfo;
use crate::config::LimiterUrl;
use script::{Keys, ObservedInfo, Reply, Step};

/// Connecting gives up after this long (then: this machine's limiter, and retries).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// A script call not answered within this long counts as Redis lost.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// While Redis is out of reach, it is tried again this often.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);
/// `status` asks Redis again (in the background) when what it knows is older than this.
const STATUS_MAX_AGE: Duration = Duration::from_secs(2);

pub struct RedisLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    /// The URL without its password, for messages.
    shown: String,
    keys: Keys,
    /// This process among the clients: its pid and a random part.
    id: String,
    rpm: u32,
    /// `limiter_clients`: the share taken while Redis is out of reach.
    expected_clients: u32,
    /// This machine's limiter: used while Redis is out of reach, told every answer always.
    local: Limiter,
    link: Mutex<Link>,
    /// Held while the first connection is made, so concurrent requests make only one.
    connecting: tokio::sync::Mutex<()>,
    /// What the last reply said, and when it came.
    last: Mutex<Option<(Reply, Instant, u64)>>,
    /// Answers not yet published, in the order they came; sent before this process's next
    /// step, so it never asks for a slot on older news than it has.
    pending: Mutex<Vec<ObservedInfo>>,
    flushing: tokio::sync::Mutex<()>,
    /// This process's last grant made without Redis (wall µs), told to Redis once it is back.
    handoff: Mutex<u64>,
    answered: AtomicBool,
    refreshing: AtomicBool,
    /// Wakes this process's waiters when an answer has been published.
    answer: Notify,
    /// Wakes the requests waiting in this machine's limiter when Redis answers again: they go
    /// back to the shared schedule rather than add their local share on top of it.
    recovered: Notify,
    /// Say on stderr when Redis is lost and when it is back (`budgie count`; the workbench
    /// shows it in the side panel instead).
    announce: bool,
}

enum Link {
    Untried,
    Up(MultiplexedConnection),
    Down { retrying: bool },
}

impl RedisLimiter {
    /// A limiter on the Redis at `url` under `prefix`, taking `rpm`; `local` is this machine's
    /// limiter for when Redis cannot be reached. Connects on first use. `REDIS_PASSWORD`
    /// supplies the password when the URL has none.
    pub fn new(
        url: &LimiterUrl,
        prefix: &str,
        rpm: u32,
        expected_clients: u32,
        local: Limiter,
        announce: bool,
    ) -> redis::RedisResult<Self> {
        let mut info = redis::IntoConnectionInfo::into_connection_info(url.expose())?;
        let password = std::env::var("REDIS_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty());
        if let Some(password) = password
            && info.redis_settings().password().is_none()
        {
            let settings = info.redis_settings().clone().set_password(password);
            info = info.set_redis_settings(settings);
        }
        let client = redis::Client::open(info)?;
        Ok(RedisLimiter {
            inner: Arc::new(Inner {
                client,
                shown: url.shown(),
                keys: Keys::new(prefix),
                id: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
                rpm: rpm.max(1),
                expected_clients: expected_clients.max(1),
                local,
                link: Mutex::new(Link::Untried),
                connecting: tokio::sync::Mutex::new(()),
                last: Mutex::new(None),
                pending: Mutex::new(Vec::new()),
                flushing: tokio::sync::Mutex::new(()),
                handoff: Mutex::new(0),
                answered: AtomicBool::new(false),
                refreshing: AtomicBool::new(false),
                answer: Notify::new(),
                recovered: Notify::new(),
                announce,
            }),
        })
    }

    /// Wait until one request may be sent.
    pub async fn acquire(&self) {
        self.inner.acquire().await;
    }

    /// Learn from a response: this machine's limiter at once, Redis (every client) within a
    /// round trip.
    pub fn observe(&self, info: &ServerRateInfo) {
        let inner = &self.inner;
        inner.local.observe(info);
        let reset_in = info
            .reset
            .map(|reset| reset.duration_since(SystemTime::now()).unwrap_or_default());
        let first = !inner.answered.swap(true, Ordering::Relaxed);
        lock(&inner.pending).push(ObservedInfo::new(info, reset_in, first));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let inner = inner.clone();
            runtime.spawn(async move { inner.flush().await });
        }
    }

    /// What the last reply said (this machine's limiter's view while Redis is out of reach);
    /// never waits for Redis.
    pub fn status(&self) -> LimiterStatus {
        let inner = &self.inner;
        let down = matches!(*lock(&inner.link), Link::Down { .. });
        let last = *lock(&inner.last);
        if !down && last.is_none_or(|(_, at, _)| at.elapsed() > STATUS_MAX_AGE) {
            inner.clone().refresh_in_background();
        }
        let shared = Some(SharedStatus {
            clients_seen: last.map_or(0, |(reply, _, _)| reply.clients_seen),
            reachable: !down,
        });
        match last {
            _ if down => LimiterStatus {
                rpm: inner.fallback_plan().0,
                shared,
                ..inner.local.status()
            },
            Some((reply, at, _)) => {
                let elapsed = at.elapsed();
                LimiterStatus {
                    rpm: (reply.rate.floor() as u32).max(1),
                    left_this_minute: reply.left_this_minute,
                    next_slot_in: Some(reply.next_slot_in.saturating_sub(elapsed))
                        .filter(|d| !d.is_zero()),
                    paused_until: (reply.paused_for > elapsed).then(|| at + reply.paused_for),
                    shared,
                }
            }
            None => LimiterStatus {
                rpm: inner.rpm,
                left_this_minute: inner.rpm,
                next_slot_in: None,
                paused_until: None,
                shared,
            },
        }
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.inner.shown
    }
}

impl Inner {
    async fn acquire(self: &Arc<Self>) {
        let mut holding = false;
        loop {
            self.flush().await;
            let recovered = self.recovered.notified();
            let Some(mut con) = self.connection().await else {
                tokio::select! {
                    () = self.acquire_locally() => return,
                    () = recovered => continue,
                }
            };
            let answered = self.answer.notified();
            let handoff = std::mem::take(&mut *lock(&self.handoff));
            let call = script::step(&mut con, &self.keys, &self.id, self.rpm, holding, handoff);
            let reply = match tokio::time::timeout(RESPONSE_TIMEOUT, call).await {
                Ok(Ok(reply)) => reply,
                Ok(Err(e)) => {
                    self.lost(&e.to_string());
                    holding = false;
                    continue;
                }
                Err(_) => {
                    self.lost("no answer within a second");
                    holding = false;
                    continue;
                }
            };
            self.remember(reply);
            match reply.step {
                Some(Step::Go) => return,
                Some(Step::Hold(wait)) => {
                    holding = true;
                    tokio::time::sleep(wait).await;
                }
                step => {
                    let wait = match step {
                        Some(Step::Wait(wait)) => wait,
                        _ => super::state::PROBE_POLL_TIME,
                    };
                    holding = false;
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = answered => {}
                    }
                }
            }
        }
    }

    /// This machine's limiter, at this client's share of the shared rate, in its own slots.
    async fn acquire_locally(&self) {
        let (rpm, grid) = self.fallback_plan();
        self.local.set_rpm(rpm);
        self.local.acquire_on_grid(grid).await;
    }

    /// The rate each client takes while Redis is out of reach, and this client's time slots:
    /// the shared rate divided by `limiter_clients` or by the clients last seen, if more.
    fn fallback_plan(&self) -> (u32, Option<Grid>) {
        let Some((reply, _, _)) = *lock(&self.last) else {
            return (self.rpm.div_ceil(self.expected_clients), None);
        };
        let clients = reply.clients_seen.max(self.expected_clients);
        let rpm = (reply.rate / f64::from(clients)).ceil().max(1.0) as u32;
        let interval = u64::try_from(reply.interval.as_nanos()).unwrap_or(u64::MAX / 4);
        let grid = reply
            .rank
            .filter(|rank| *rank < clients && interval > 0)
            .map(|rank| Grid {
                period: interval * u64::from(clients),
                offset: interval * u64::from(rank),
            });
        (rpm, grid)
    }

    fn remember(&self, reply: Reply) {
        *lock(&self.last) = Some((reply, Instant::now(), wall_now()));
    }

    /// The connection, made on first use; `None` while Redis is out of reach.
    async fn connection(self: &Arc<Self>) -> Option<MultiplexedConnection> {
        if let Some(up) = self.current() {
            return up;
        }
        let _one_at_a_time = self.connecting.lock().await;
        if let Some(up) = self.current() {
            return up;
        }
        match self.connect().await {
            Ok(con) => {
                *lock(&self.link) = Link::Up(con.clone());
                Some(con)
            }
            Err(reason) => {
                self.lost(&reason);
                None
            }
        }
    }

    /// `Some(connection)` when up, `Some(None)` when down, `None` when not tried yet.
    fn current(&self) -> Option<Option<MultiplexedConnection>> {
        match &*lock(&self.link) {
            Link::Up(con) => Some(Some(con.clone())),
            Link::Down { .. } => Some(None),
            Link::Untried => None,
        }
    }

    async fn connect(&self) -> Result<MultiplexedConnection, String> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connecting = self
            .client
            .get_multiplexed_async_connection_with_config(&config);
        match tokio::time::timeout(CONNECT_TIMEOUT + RESPONSE_TIMEOUT, connecting).await {
            Ok(Ok(con)) => Ok(con),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer within a second".to_string()),
        }
    }

    /// Redis is out of reach: say so (once), hand over to this machine's limiter, and try
    /// again every second in the background.
    fn lost(self: &Arc<Self>, reason: &str) {
        let was_up = {
            let mut link = lock(&self.link);
            let was = match &*link {
                Link::Down { .. } => return,
                Link::Up(_) => true,
                Link::Untried => false,
            };
            *link = Link::Down { retrying: false };
            was
        };
        // The last grant the shared schedule made: this machine's next one keeps an interval
        // after it.
        if let Some((reply, _, wall)) = *lock(&self.last)
            && let Some(since) = reply.since_last_grant
        {
            let since = u64::try_from(since.as_nanos()).unwrap_or(u64::MAX);
            self.local.note_grant(wall.saturating_sub(since));
        }
        if self.announce {
            let (rpm, _) = self.fallback_plan();
            let when = if was_up { "lost" } else { "unreachable" };
            eprintln!(
                "budgie: shared limiter {when} ({}: {}); counting on with this machine's \
                 limiter at {rpm}/min until it answers again",
                self.shown,
                scrub(reason, &self.client)
            );
        }
        self.clone().retry_in_background();
    }

    fn retry_in_background(self: Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to retry from: the next request tries again.
            *lock(&self.link) = Link::Untried;
            return;
        };
        {
            let mut link = lock(&self.link);
            match &mut *link {
                Link::Down { retrying } if !*retrying => *retrying = true,
                _ => return,
            }
        }
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(RETRY_EVERY).await;
                let Ok(mut con) = self.connect().await else {
                    continue;
                };
                let call = script::status(&mut con, &self.keys, &self.id, self.rpm);
                let Ok(Ok(reply)) = tokio::time::timeout(RESPONSE_TIMEOUT, call).await else {
                    continue;
                };
                self.remember(reply);
                // This machine's last grant reaches the shared schedule with the next step.
                let local_last = self.local.last_grant().map_or(0, |ns| ns / 1_000);
                *lock(&self.handoff) = local_last;
                *lock(&self.link) = Link::Up(con);
                if self.announce {
                    eprintln!("budgie: shared limiter {} answers again", self.shown);
                }
                self.answer.notify_waiters();
                self.recovered.notify_waiters();
                return;
            }
        });
    }

    /// Publish the answers not yet published, in order.
    async fn flush(self: &Arc<Self>) {
        let _in_order = self.flushing.lock().await;
        let batch = std::mem::take(&mut *lock(&self.pending));
        if batch.is_empty() {
            return;
        }
        let Some(mut con) = self.connection().await else {
            return;
        };
        for info in batch {
            let call = script::observe(&mut con, &self.keys, &self.id, self.rpm, &info);
            match tokio::time::timeout(RESPONSE_TIMEOUT, call).await {
                Ok(Ok(reply)) => self.remember(reply),
                Ok(Err(e)) => return self.lost(&e.to_string()),
                Err(_) => return self.lost("no answer within a second"),
            }
        }
        self.answer.notify_waiters();
    }

    /// Ask Redis for the state now, off the caller's thread (the workbench's status line).
    fn refresh_in_background(self: Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        runtime.spawn(async move {
            if let Some(mut con) = self.connection().await {
                let call = script::status(&mut con, &self.keys, &self.id, self.rpm);
                match tokio::time::timeout(RESPONSE_TIMEOUT, call).await {
                    Ok(Ok(reply)) => self.remember(reply),
                    Ok(Err(e)) => self.lost(&e.to_string()),
                    Err(_) => self.lost("no answer within a second"),
                }
            }
            self.refreshing.store(false, Ordering::Release);
        });
    }
}

/// An error message without the password, should the client have put it in.
fn scrub(message: &str, client: &redis::Client) -> String {
    match client.get_connection_info().redis_settings().password() {
        Some(password) if !password.is_empty() => message.replace(password, "***"),
        _ => message.to_string(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
