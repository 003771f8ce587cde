//! The one Lua script (`limiter.lua`) and its calls: the constants of the machine-local
//! limiter are written in front of it, so both follow one rule; it is run with EVALSHA and
//! loaded when Redis answers NOSCRIPT (a restarted or new server), by `redis::Script`.

use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::ConnectionLike;

use crate::api::pacer::ServerRateInfo;
use crate::limiter::state::{
    DECREASE, FAST_RECOVERY, HEADROOM, HORIZON, KNOWLEDGE_TTL, LIMIT_TTL, MAX_PAUSE, MIN_RPM,
    NEAR_CEILING, PROBE_POLL, PROBE_TIMEOUT, RECOVERY, SECOND, TIMER_SLACK,
};

/// A client not heard from for this long is no longer counted (nor ranked).
pub const CLIENT_TTL: Duration = Duration::from_secs(60);
/// Keys left alone this long expire: an abandoned prefix does not stay in Redis.
const KEY_TTL: Duration = Duration::from_secs(3600);

/// The script's full text: the shared constants, then `limiter.lua`.
pub fn source() -> String {
    let us = |ns: u64| ns / 1_000;
    format!(
        "local SECOND = {second}\nlocal MINUTE = 60 * SECOND\nlocal HEADROOM = {HEADROOM:?}\n\
         local MAX_PAUSE = {max_pause}\nlocal MIN_RPM = {MIN_RPM:?}\nlocal LIMIT_TTL = {limit_ttl}\n\
         local FAST_RECOVERY = {FAST_RECOVERY:?}\nlocal RECOVERY = {RECOVERY:?}\n\
         local NEAR_CEILING = {NEAR_CEILING:?}\nlocal TIMER_SLACK = {slack}\n\
         local HORIZON = {horizon}\nlocal DECREASE = {DECREASE:?}\n\
         local KNOWLEDGE_TTL = {knowledge}\nlocal PROBE_TIMEOUT = {probe_timeout}\n\
         local PROBE_POLL = {probe_poll}\nlocal CLIENT_TTL = {client_ttl}\n\
         local KEY_TTL_MS = {key_ttl}\n{body}",
        second = us(SECOND),
        max_pause = us(MAX_PAUSE),
        limit_ttl = us(LIMIT_TTL),
        slack = us(TIMER_SLACK),
        horizon = us(HORIZON),
        knowledge = us(KNOWLEDGE_TTL),
        probe_timeout = us(PROBE_TIMEOUT),
        probe_poll = us(PROBE_POLL),
        client_ttl = CLIENT_TTL.as_micros(),
        key_ttl = KEY_TTL.as_millis(),
        body = include_str!("limiter.lua"),
    )
}

static SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(&source()));

/// The keys of one shared budget, all under one hash tag (one Redis Cluster slot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys([String; 4]);

impl Keys {
    pub fn new(prefix: &str) -> Self {
        // Braces inside the prefix would change which part is the hash tag.
        let tag = prefix.replace(['{', '}'], "_");
        Keys(["state", "window", "seen", "joined"].map(|k| format!("{{{tag}}}:{k}")))
    }

    pub fn names(&self) -> &[String; 4] {
        &self.0
    }
}

/// What a request waiting to go does next, by the shared schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Go,
    /// A slot is held: ask again (holding it) after this long.
    Hold(Duration),
    /// No slot yet: ask again after this long (or when an answer arrives).
    Wait(Duration),
}

/// The shared state as one reply saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reply {
    pub step: Option<Step>,
    /// The rate in force (requests per minute).
    pub rate: f64,
    pub left_this_minute: u32,
    pub next_slot_in: Duration,
    pub paused_for: Duration,
    pub clients_seen: u32,
    /// This client's place among them by arrival (0-based), if it has asked for a slot.
    pub rank: Option<u32>,
    /// Between two grants at the rate in force.
    pub interval: Duration,
    /// Since the last grant to anyone, if there was one.
    pub since_last_grant: Option<Duration>,
    /// The Redis server's clock when the script ran (µs since the Unix epoch): a grant's time.
    pub server_now_us: u64,
}

/// Ask for a slot. `holding`: the caller holds one whose time has come. `local_last`: the
/// caller's last grant made without Redis, in microseconds of its wall clock (0: none).
pub async fn step<C: ConnectionLike>(
    con: &mut C,
    keys: &Keys,
    client: &str,
    rpm: u32,
    holding: bool,
    local_last: u64,
) -> redis::RedisResult<Reply> {
    let mut call = SCRIPT.prepare_invoke();
    call.key(keys.names().as_slice())
        .arg("step")
        .arg(client)
        .arg(rpm)
        .arg(u8::from(holding))
        .arg(local_last);
    parse(call.invoke_async(con).await?)
}

/// Publish what a response said about the rate. `first`: this client's first answer.
pub async fn observe<C: ConnectionLike>(
    con: &mut C,
    keys: &Keys,
    client: &str,
    rpm: u32,
    info: &ObservedInfo,
) -> redis::RedisResult<Reply> {
    let mut call = SCRIPT.prepare_invoke();
    call.key(keys.names().as_slice())
        .arg("observe")
        .arg(client)
        .arg(rpm)
        .arg(info.limit)
        .arg(info.remaining)
        .arg(info.reset_in_us)
        .arg(info.retry_after_us)
        .arg(u8::from(info.rate_limited))
        .arg(u8::from(info.first));
    parse(call.invoke_async(con).await?)
}

/// Read the shared state (and trim it); takes no slot.
pub async fn status<C: ConnectionLike>(
    con: &mut C,
    keys: &Keys,
    client: &str,
    rpm: u32,
) -> redis::RedisResult<Reply> {
    let mut call = SCRIPT.prepare_invoke();
    call.key(keys.names().as_slice())
        .arg("status")
        .arg(client)
        .arg(rpm);
    parse(call.invoke_async(con).await?)
}

/// A response's rate information as the script takes it (-1 or 0: absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObservedInfo {
    pub limit: u32,
    pub remaining: i64,
    pub reset_in_us: i64,
    pub retry_after_us: i64,
    pub rate_limited: bool,
    pub first: bool,
}

impl ObservedInfo {
    /// `reset_in`: the server's `reset` converted to "from now" on this machine's clock.
    pub fn new(info: &ServerRateInfo, reset_in: Option<Duration>, first: bool) -> Self {
        let us = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        ObservedInfo {
            limit: info.limit.unwrap_or(0),
            remaining: info.remaining.map_or(-1, i64::from),
            reset_in_us: reset_in.map_or(-1, us),
            retry_after_us: info.retry_after.map_or(-1, us),
            rate_limited: info.rate_limited,
            first,
        }
    }
}

fn parse(values: Vec<i64>) -> redis::RedisResult<Reply> {
    let [
        code,
        wait,
        rate,
        left,
        next,
        paused,
        clients,
        rank,
        interval,
        since,
        now,
    ] = values[..]
    else {
        return Err(redis::RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "the limiter script answered in an unknown shape",
        )));
    };
    let us = |v: i64| Duration::from_micros(u64::try_from(v).unwrap_or(0));
    let step = match code {
        0 => Some(Step::Go),
        1 => Some(Step::Hold(us(wait))),
        2 => Some(Step::Wait(us(wait))),
        _ => None,
    };
    Ok(Reply {
        step,
        rate: rate as f64 / 1000.0,
        left_this_minute: u32::try_from(left).unwrap_or(0),
        next_slot_in: us(next),
        paused_for: us(paused),
        clients_seen: u32::try_from(clients).unwrap_or(0),
        rank: u32::try_from(rank).ok(),
        interval: us(interval),
        since_last_grant: (since >= 0).then(|| us(since)),
        server_now_us: u64::try_from(now).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_share_one_hash_tag_and_braces_in_the_prefix_cannot_move_it() {
        let keys = Keys::new("budgie:abc");
        assert_eq!(keys.names()[0], "{budgie:abc}:state");
        assert!(keys.names().iter().all(|k| k.starts_with("{budgie:abc}:")));
        assert_eq!(Keys::new("a{b}c").names()[1], "{a_b_c}:window");
    }

    #[test]
    fn the_script_carries_the_local_limiters_constants() {
        let text = source();
        assert!(text.contains("local HEADROOM = 0.92\n"), "{}", &text[..400]);
        assert!(text.contains("local SECOND = 1000000\n"));
        assert!(text.contains("local PROBE_TIMEOUT = 5000000\n"));
        assert!(text.contains("return { code,"));
    }
}
