//! The limiter's arithmetic, pure: every function takes the time (`now`, nanoseconds on the
//! limiter's clock) and changes only the state it is given. The same state lives in memory for
//! one process or in a file shared by every budgie on the machine.
//!
//! The rule: one request per `interval`, where `interval = 60 s / (rate × HEADROOM)` and `rate`
//! is the smallest of the configured rpm, the `limit` the server last reported, and the rate
//! learnt from 429s. Slots are absolute times (`next_slot` advances by `interval` per grant),
//! so timer rounding never accumulates. A slot is only a promise, though: the grant itself is
//! refused until an interval after the last grant, so a waiter that wakes late (its process
//! was descheduled, or waited for the file lock) never lands too close to the one after it.
//! Because consecutive grants are at least `60 s / rpm` apart, no half-open 1 s window holds
//! more than `ceil(rpm / 60)` grants and no 60 s window more than `rpm`.

use serde::{Deserialize, Serialize};

use crate::api::pacer::ServerRateInfo;

pub const SECOND: u64 = 1_000_000_000;
pub(crate) const MINUTE: u64 = 60 * SECOND;
/// The share of the allowed rate the limiter aims at: the rest absorbs jitter between letting
/// a request go and the server seeing it (measured up to ~60 ms on a loaded 2-core machine),
/// so a server enforcing the exact rate over short intervals never sees two requests too
/// close. 8 %: 43 ms at 120 rpm, and still above the 90 % of the rate it must use.
pub const HEADROOM: f64 = 0.92;
/// A `retry-after` longer than this is treated as this (the SDKs honour at most 60 s).
pub const MAX_PAUSE: u64 = 60 * SECOND;
/// A rate learnt from 429s never drops below this.
pub(crate) const MIN_RPM: f64 = 1.0;
/// A server-reported `limit` is trusted this long (a tier upgrade must not be ignored forever).
pub(crate) const LIMIT_TTL: u64 = 10 * MINUTE;
/// After a 429 the learnt rate climbs back by this fraction per counted request while it is
/// well below the rate that drew the 429 (the server's rate is somewhere in between: find it
/// in a few requests, not a few hundred) ...
pub(crate) const FAST_RECOVERY: f64 = 0.05;
/// ... and by this fraction once within `NEAR_CEILING` of it, so a limit once found draws a
/// 429 only every hundred requests or so.
pub(crate) const RECOVERY: f64 = 0.001;
pub(crate) const NEAR_CEILING: f64 = 0.9;
/// A grant may follow the last one this much less than an interval after it: tokio's timer
/// wakes up to a millisecond late, and a grant that did so must not push back the next one
/// (the schedule would drift, and at high rates fall below 90 % of the rate). Up to about
/// 5,000 rpm this is within the headroom, so grants stay `60 s / rate` apart; above it the
/// per-second share is 50 or more and the slots themselves keep every window under it.
pub(crate) const TIMER_SLACK: u64 = 1_000_000;
/// A request takes a slot at most this far ahead (or two intervals, if longer); further back
/// in the queue it waits without one. Slots are spaced at the rate in force when taken, so a
/// long queue of them would keep a rate that has since recovered from taking effect.
pub(crate) const HORIZON: u64 = 2 * SECOND;
/// A new 429 episode multiplies the rate by this (unless what the server let through is
/// lower). Not a halving: a lone 429 at about the right rate (network jitter against a server
/// that allows no burst) should cost a little speed, not half of it.
pub const DECREASE: f64 = 0.8;
/// Nothing heard from the server for this long (or ever): the next request goes alone, and
/// the others wait for its answer, whose rate-limit headers say the real rate. A `--rpm` far
/// above the server's limit then draws no 429 even on the first burst.
pub const KNOWLEDGE_TTL: u64 = LIMIT_TTL;
/// A lone first request whose answer never came (its process died, the connection failed)
/// holds the others back this long at most.
pub const PROBE_TIMEOUT: u64 = 5 * SECOND;
/// While the first answer is awaited, other processes look again this often (this process is
/// woken at once).
pub const PROBE_POLL: u64 = 20_000_000;
pub(crate) const PROBE_POLL_TIME: std::time::Duration = std::time::Duration::from_nanos(PROBE_POLL);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateState {
    /// The clock reading of the last change: a wall clock that went backwards is detected
    /// by it, and every stored time is shifted back with it.
    updated_at: u64,
    /// Earliest time the next reservation may be granted.
    next_slot: u64,
    /// When the last request was let go: the next one waits an interval after it.
    last_grant: Option<u64>,
    /// Nobody sends before this (server's `retry-after`, or its bucket said empty).
    paused_until: u64,
    /// 429s before this belong to the episode that already lowered the rate.
    episode_end: u64,
    /// Rate learnt from 429s (0 = none learnt).
    learned_rpm: f64,
    /// The rate in force when the last 429 episode began.
    ceiling_rpm: f64,
    /// The server's `anthropic-ratelimit-requests-limit` (0 = unknown) and when it said so.
    server_limit: u32,
    server_limit_at: u64,
    /// The server's last `remaining` / `reset`, and how many we sent since.
    server: Option<ServerView>,
    /// Per-second counts over the last minute, oldest first.
    window: Vec<Bucket>,
    /// When the last answer (any status) was observed.
    answered_at: Option<u64>,
    /// A lone request let go with nothing known from the server, whose answer is awaited.
    probe_at: Option<u64>,
    /// Only this process's slots, while set (see [`Grid`]); never stored.
    #[serde(skip)]
    grid: Option<Grid>,
}

/// A time-division schedule: this process may send only at `offset + k × period` (clock
/// nanoseconds). Clients that lost their shared limiter each keep the slots of their own rank
/// among `n`, `period = n × interval` and `offset = rank × interval`, so their sends stay an
/// interval apart without talking to each other (as far as their wall clocks agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub period: u64,
    pub offset: u64,
}

impl Grid {
    /// The first slot at or after `t`.
    pub fn align(&self, t: u64) -> u64 {
        if self.period == 0 {
            return t;
        }
        let offset = self.offset % self.period;
        let k = t.saturating_sub(offset).div_ceil(self.period);
        let slot = offset + k * self.period;
        if slot < t { slot + self.period } else { slot }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ServerView {
    remaining: u32,
    observed_at: u64,
    reset: u64,
    sent_since: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Bucket {
    second: u64,
    sent: u32,
    ok: u32,
}

/// What a request waiting to go does next (times in clock nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send now: the grant is recorded.
    Go,
    /// A slot is held: ask again (holding it) at this time.
    Hold(u64),
    /// No slot yet (the queue reaches past the horizon): ask again at this time.
    Wait(u64),
}

/// What `status` reports, in clock nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawStatus {
    pub rpm: u32,
    pub left_this_minute: u32,
    pub next_slot: u64,
    pub paused_until: Option<u64>,
}

impl RateState {
    /// One move of a request that wants to go; `holding`: it holds a slot and that slot's
    /// time has come. A pause that arrived meanwhile voids the slot (the rate may have changed
    /// too); the server's view that nothing is left yet only delays it, keeping its place (our
    /// view lags the server's by a response's latency, so this happens at the right rate).
    pub fn step(&mut self, now: u64, rpm: u32, holding: bool) -> Step {
        self.settle(now);
        if let Some(until) = self.awaiting_first_answer(now) {
            return Step::Wait(until);
        }
        if holding && self.paused_until <= now {
            if let Some(at) = self.server_token_at(now).filter(|at| *at > now) {
                return Step::Hold(self.on_grid(at));
            }
            return match self.commit(now, rpm) {
                Ok(()) => Step::Go,
                Err(at) => Step::Hold(at),
            };
        }
        let interval = self.interval(now, rpm);
        let horizon = HORIZON.max(2 * interval);
        let slot = self.earliest(now);
        if slot > now + horizon {
            return Step::Wait(slot - horizon);
        }
        let slot = self.reserve(now, rpm);
        if slot <= now && !self.held_back(now) {
            return self.step(now, rpm, true);
        }
        Step::Hold(slot.max(now + 1))
    }

    /// `step` for a process that may send only in its own slots of `grid` (see [`Grid`]).
    pub fn step_on_grid(&mut self, now: u64, rpm: u32, holding: bool, grid: Option<Grid>) -> Step {
        self.grid = grid;
        let step = self.step(now, rpm, holding);
        self.grid = None;
        step
    }

    /// A grant was made elsewhere at `at` (the shared limiter this process just lost): the
    /// next grant here keeps an interval after it.
    pub fn note_grant(&mut self, at: u64) {
        self.last_grant = Some(self.last_grant.map_or(at, |last| last.max(at)));
    }

    pub fn last_grant(&self) -> Option<u64> {
        self.last_grant
    }

    /// While a lone first request's answer is awaited: when to look again.
    fn awaiting_first_answer(&mut self, now: u64) -> Option<u64> {
        let probe = self.probe_at?;
        let expires = probe.saturating_add(PROBE_TIMEOUT);
        if now >= expires {
            self.probe_at = None;
            return None;
        }
        Some(expires.min(now + PROBE_POLL))
    }

    /// Whether the server has answered recently enough for its headers to be trusted.
    fn knows_server(&self, now: u64) -> bool {
        self.answered_at
            .is_some_and(|at| now.saturating_sub(at) < KNOWLEDGE_TTL)
    }

    /// Reserve the next slot: returns when the caller may send (≥ `now`).
    pub fn reserve(&mut self, now: u64, rpm: u32) -> u64 {
        self.settle(now);
        let slot = self.earliest(now);
        self.next_slot = slot + self.interval(now, rpm);
        slot
    }

    /// At the reserved time: either record the send (`Ok`) or say when to try again
    /// (`Err(time)`): a new slot when a pause or the server's view arrived meanwhile, or an
    /// interval after the last grant when that one went late.
    pub fn commit(&mut self, now: u64, rpm: u32) -> Result<(), u64> {
        self.settle(now);
        if self.held_back(now) {
            return Err(self.reserve(now, rpm));
        }
        let gap = self.min_gap(now, rpm);
        if let Some(spaced) = self.last_grant.map(|last| last.saturating_add(gap))
            && now < spaced
        {
            return Err(self.on_grid(spaced));
        }
        self.last_grant = Some(now);
        if !self.knows_server(now) {
            self.probe_at = Some(now);
        }
        // Reservations made from now on start after this grant, not at a schedule it fell
        // behind of (which would only make their holders wait again at commit).
        self.next_slot = self.next_slot.max(now + gap);
        self.bucket(now).sent += 1;
        if let Some(view) = &mut self.server {
            view.sent_since += 1;
        }
        Ok(())
    }

    /// Learn from a response. `reset_in` is the server's `reset` converted to "from now".
    pub fn observe(&mut self, now: u64, rpm: u32, info: &ServerRateInfo, reset_in: Option<u64>) {
        self.settle(now);
        self.answered_at = Some(now);
        self.probe_at = None;
        if let Some(limit) = info.limit.filter(|l| *l > 0) {
            self.server_limit = limit;
            self.server_limit_at = now;
        }
        if let Some(remaining) = info.remaining {
            let reset = now + reset_in.unwrap_or(MINUTE).min(MINUTE);
            self.server = (reset > now).then_some(ServerView {
                remaining,
                observed_at: now,
                reset,
                sent_since: 0,
            });
        }
        if let Some(wait) = info.retry_after {
            let wait = u64::try_from(wait.as_nanos()).unwrap_or(MAX_PAUSE);
            self.pause_until(now + wait.min(MAX_PAUSE));
        }
        if info.rate_limited {
            if now >= self.episode_end {
                self.ceiling_rpm = self.rate(now, rpm);
                self.learned_rpm = self.lowered_rpm(now, rpm);
                self.episode_end = self.paused_until.max(now + SECOND);
            }
        } else {
            self.bucket(now).ok += 1;
            if self.learned_rpm > 0.0 {
                let step = if self.learned_rpm < self.ceiling_rpm * NEAR_CEILING {
                    FAST_RECOVERY
                } else {
                    RECOVERY
                };
                self.learned_rpm += (self.learned_rpm * step).max(0.05);
                if self.learned_rpm >= f64::from(rpm) {
                    self.learned_rpm = 0.0;
                }
            }
        }
    }

    /// A process's first answer: its request may have reached the server as late as now (a new
    /// connection), so the next grant is spaced from now, not from when it was let go.
    pub fn first_answer(&mut self, now: u64) {
        if let Some(last) = &mut self.last_grant
            && now.saturating_sub(*last) < MINUTE
        {
            *last = (*last).max(now);
        }
    }

    pub fn status(&mut self, now: u64, rpm: u32) -> RawStatus {
        self.settle(now);
        let rate = self.rate(now, rpm);
        let rate_whole = rate.floor() as u32;
        let sent: u32 = self.window.iter().map(|b| b.sent).sum();
        let mut left = rate_whole.saturating_sub(sent);
        if let Some(server_left) = self.server_left(now) {
            left = left.min(u32::try_from(server_left.max(0)).unwrap_or(u32::MAX));
        }
        RawStatus {
            rpm: rate_whole.max(1),
            left_this_minute: left,
            next_slot: self.earliest(now),
            paused_until: (self.paused_until > now).then_some(self.paused_until),
        }
    }

    /// The interval between grants in force now.
    pub fn interval(&self, now: u64, rpm: u32) -> u64 {
        (MINUTE as f64 / (self.rate(now, rpm) * HEADROOM)).ceil() as u64
    }

    /// The least time between two grants: an interval, less the timer's slack.
    fn min_gap(&self, now: u64, rpm: u32) -> u64 {
        self.interval(now, rpm).saturating_sub(TIMER_SLACK)
    }

    /// The rate in force: configured, capped by what the server reported and what 429s taught.
    fn rate(&self, now: u64, rpm: u32) -> f64 {
        let mut rate = f64::from(rpm.max(1));
        if self.server_limit > 0 && now.saturating_sub(self.server_limit_at) < LIMIT_TTL {
            rate = rate.min(f64::from(self.server_limit));
        }
        if self.learned_rpm > 0.0 {
            rate = rate.min(self.learned_rpm);
        }
        rate.max(MIN_RPM)
    }

    /// A new 429 episode: lower the rate by `DECREASE`. The first time (nothing learnt yet,
    /// so the setting may be far off), drop to the rate the server actually let through over
    /// the last minute if that is lower: one step instead of many. Later, that figure would
    /// mostly measure our own slower sending since the last 429, so it is not used.
    fn lowered_rpm(&self, now: u64, rpm: u32) -> f64 {
        let decreased = self.rate(now, rpm) * DECREASE;
        if self.learned_rpm > 0.0 {
            return decreased.max(MIN_RPM);
        }
        let ok: u32 = self.window.iter().map(|b| b.ok).sum();
        let first = self.window.iter().find(|b| b.sent > 0).map(|b| b.second);
        let observed = match first {
            Some(first) if ok > 0 => {
                let span = (now / SECOND).saturating_sub(first).clamp(1, 60);
                f64::from(ok) * 60.0 / span as f64
            }
            _ => f64::INFINITY,
        };
        decreased.min(observed).max(MIN_RPM)
    }

    /// Nobody may send now: a pause, or the server's view says nothing is left.
    fn held_back(&self, now: u64) -> bool {
        self.paused_until > now || self.server_token_at(now).is_some()
    }

    fn pause_until(&mut self, until: u64) {
        self.paused_until = self.paused_until.max(until);
        self.next_slot = self.next_slot.max(self.paused_until);
    }

    fn earliest(&self, now: u64) -> u64 {
        let mut slot = now.max(self.next_slot).max(self.paused_until);
        if let Some(at) = self.server_token_at(now) {
            slot = slot.max(at);
        }
        self.on_grid(slot)
    }

    /// `t`, or this process's first slot after it while it keeps to a grid.
    fn on_grid(&self, t: u64) -> u64 {
        match self.grid {
            Some(grid) => grid.align(t),
            None => t,
        }
    }

    /// Requests the server would still take now by its last report: what it said was left,
    /// plus what refilled since (when its limit is known), minus what we sent since.
    fn server_left(&self, now: u64) -> Option<i64> {
        let view = self.server.as_ref()?;
        let limit = u64::from(self.server_limit);
        let refilled = now.saturating_sub(view.observed_at) * limit / MINUTE;
        let refilled = refilled.min(limit) as i64;
        Some(i64::from(view.remaining) + refilled - i64::from(view.sent_since))
    }

    /// When the server's view says it has nothing left: the time one request's worth refills
    /// (or its reset, when its refill rate is unknown).
    fn server_token_at(&self, now: u64) -> Option<u64> {
        let view = self.server.as_ref()?;
        if self.server_left(now)? >= 1 {
            return None;
        }
        if self.server_limit == 0 {
            return Some(view.reset);
        }
        let owed = u64::from(view.sent_since).saturating_sub(u64::from(view.remaining)) + 1;
        let refill = (owed * MINUTE).div_ceil(u64::from(self.server_limit));
        Some((view.observed_at + refill).min(view.reset))
    }

    fn bucket(&mut self, now: u64) -> &mut Bucket {
        let second = now / SECOND;
        if self.window.last().is_none_or(|b| b.second != second) {
            self.window.push(Bucket {
                second,
                sent: 0,
                ok: 0,
            });
        }
        let last = self.window.len() - 1;
        &mut self.window[last]
    }

    /// Bring the state to `now`: undo a wall clock that went backwards, drop what expired.
    fn settle(&mut self, now: u64) {
        if now + SECOND < self.updated_at {
            let back = self.updated_at - now;
            for t in [
                &mut self.last_grant,
                &mut self.answered_at,
                &mut self.probe_at,
            ]
            .into_iter()
            .flatten()
            {
                *t = t.saturating_sub(back);
            }
            for t in [
                &mut self.next_slot,
                &mut self.paused_until,
                &mut self.episode_end,
                &mut self.server_limit_at,
            ] {
                *t = t.saturating_sub(back);
            }
            if let Some(view) = &mut self.server {
                view.observed_at = view.observed_at.saturating_sub(back);
                view.reset = view.reset.saturating_sub(back);
            }
            self.window.clear();
        }
        self.updated_at = now;
        let second = now / SECOND;
        self.window.retain(|b| b.second + 60 > second);
        if self.server.as_ref().is_some_and(|v| v.reset <= now) {
            self.server = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const MS: u64 = 1_000_000;

    /// A state whose server answered at time 0 (with no rate headers): requests are not held
    /// back for a first answer.
    fn heard_from_server() -> RateState {
        let mut s = RateState::default();
        s.observe(0, 1_000_000, &ServerRateInfo::default(), None);
        s
    }

    #[test]
    fn with_nothing_heard_from_the_server_one_request_goes_and_the_rest_wait_for_its_answer() {
        let mut s = RateState::default();
        let (rpm, now) = (6_000, 10 * SECOND);
        assert_eq!(s.step(now, rpm, false), Step::Go);
        // The others look again shortly, and take no slot meanwhile.
        assert_eq!(s.step(now, rpm, false), Step::Wait(now + PROBE_POLL));
        assert_eq!(
            s.step(now + 5 * MS, rpm, true),
            Step::Wait(now + 5 * MS + PROBE_POLL)
        );
        // The answer says 120 a minute: the next goes an interval at 120 rpm after it.
        let answer = now + 80 * MS;
        let info = ServerRateInfo {
            limit: Some(120),
            remaining: Some(1),
            ..Default::default()
        };
        s.observe(answer, rpm, &info, Some(SECOND));
        s.first_answer(answer);
        let gap = s.interval(answer, rpm) - MS;
        assert_eq!(gap, s.interval(0, 120) - MS);
        assert_eq!(s.step(answer, rpm, false), Step::Hold(answer + gap));
        assert_eq!(s.step(answer + gap, rpm, true), Step::Go);
    }

    #[test]
    fn a_first_answer_that_never_comes_holds_the_others_back_for_the_timeout_only() {
        let mut s = RateState::default();
        let (rpm, now) = (600, 10 * SECOND);
        assert_eq!(s.step(now, rpm, false), Step::Go);
        let almost = now + PROBE_TIMEOUT - 5 * MS;
        assert_eq!(s.step(almost, rpm, false), Step::Wait(now + PROBE_TIMEOUT));
        // Then the next request goes alone in its turn, and waits for its own answer.
        assert_eq!(s.step(now + PROBE_TIMEOUT, rpm, false), Step::Go);
        assert!(matches!(
            s.step(now + PROBE_TIMEOUT, rpm, false),
            Step::Wait(_)
        ));
    }

    #[test]
    fn the_server_heard_long_ago_means_a_new_burst_starts_with_one_request() {
        let mut s = heard_from_server();
        let later = KNOWLEDGE_TTL + SECOND;
        assert_eq!(s.step(later, 600, false), Step::Go);
        assert!(matches!(s.step(later, 600, false), Step::Wait(_)));
    }

    #[test]
    fn on_a_grid_grants_fall_only_in_this_processs_slots() {
        let mut s = heard_from_server();
        let rpm = 30; // one client's share of 120 among 4
        let slot = s.interval(0, 120);
        let grid = Grid {
            period: 4 * slot,
            offset: 2 * slot,
        };
        let now = 100 * SECOND + 7 * MS;
        let mut granted = Vec::new();
        let mut t = now;
        while granted.len() < 5 {
            match s.step_on_grid(t, rpm, !granted.is_empty() || t > now, Some(grid)) {
                Step::Go => granted.push(t),
                Step::Hold(at) | Step::Wait(at) => t = at,
            }
        }
        for g in &granted {
            assert_eq!(g % grid.period, grid.offset % grid.period, "grant at {g}");
        }
        for w in granted.windows(2) {
            assert_eq!(w[1] - w[0], grid.period);
        }
    }

    #[test]
    fn grid_alignment_finds_the_next_own_slot() {
        let grid = Grid {
            period: 100,
            offset: 30,
        };
        assert_eq!(grid.align(0), 30);
        assert_eq!(grid.align(30), 30);
        assert_eq!(grid.align(31), 130);
        assert_eq!(grid.align(129), 130);
        assert_eq!(grid.align(1_000_030), 1_000_030);
    }

    #[test]
    fn grants_are_spaced_by_the_interval_with_headroom() {
        let mut s = RateState::default();
        let rpm = 120;
        // 60 s / (120 × 0.92) = 543.5 ms
        let expected = (60_000.0 / (120.0 * 0.92) * MS as f64).ceil() as u64;
        let a = s.reserve(1_000 * MS, rpm);
        let b = s.reserve(1_000 * MS, rpm);
        let c = s.reserve(1_000 * MS, rpm);
        assert_eq!(a, 1_000 * MS);
        assert_eq!(b - a, expected);
        assert_eq!(c - b, expected);
    }

    #[test]
    fn retry_after_pauses_and_pushes_reserved_slots_back() {
        let mut s = RateState::default();
        let now = 10 * SECOND;
        let slot = s.reserve(now, 600);
        assert_eq!(slot, now);
        let info = ServerRateInfo {
            retry_after: Some(Duration::from_secs(3)),
            rate_limited: true,
            ..Default::default()
        };
        s.observe(now, 600, &info, None);
        // The reserved slot is due, but the pause came after: commit must re-reserve.
        assert_eq!(s.commit(now, 600), Err(now + 3 * SECOND));
        assert_eq!(s.commit(now + 3 * SECOND, 600), Ok(()));
    }

    #[test]
    fn a_429_episode_lowers_the_rate_once() {
        let mut s = RateState::default();
        let now = 5 * SECOND;
        let limited = ServerRateInfo {
            retry_after: Some(Duration::from_secs(1)),
            rate_limited: true,
            ..Default::default()
        };
        s.observe(now, 1000, &limited, None);
        assert_eq!(s.rate(now, 1000), 1000.0 * DECREASE);
        // In-flight requests answering 429 within the same episode do not lower it again.
        s.observe(now + 100 * MS, 1000, &limited, None);
        assert_eq!(s.rate(now, 1000), 1000.0 * DECREASE);
        s.observe(now + 2 * SECOND, 1000, &limited, None);
        assert_eq!(s.rate(now, 1000), 1000.0 * DECREASE * DECREASE);
    }

    #[test]
    fn a_late_grant_pushes_the_next_one_an_interval_after_it() {
        let mut s = RateState::default();
        let rpm = 120;
        let interval = s.interval(0, rpm);
        // An interval less the timer's millisecond of slack (the headroom is 43 ms here).
        let gap = interval - MS;
        let first = s.reserve(SECOND, rpm);
        let second = s.reserve(SECOND, rpm);
        assert_eq!(second, first + interval);
        // The first holder wakes 60 ms late; the second wakes on time.
        let late = first + 60 * MS;
        assert_eq!(s.commit(late, rpm), Ok(()));
        assert_eq!(s.commit(second, rpm), Err(late + gap));
        assert_eq!(s.commit(late + gap, rpm), Ok(()));
        // A reservation made now starts a gap after that grant.
        assert_eq!(s.reserve(late + gap, rpm), late + 2 * gap);
        // A holder woken a millisecond late pushes nobody back.
        let third = s.reserve(late + gap, rpm);
        assert_eq!(s.commit(late + 2 * gap + MS, rpm), Ok(()));
        assert_eq!(s.commit(third, rpm), Ok(()));
    }

    #[test]
    fn far_back_in_the_queue_a_request_waits_without_a_slot() {
        let mut s = heard_from_server();
        let rpm = 60;
        let interval = s.interval(0, rpm);
        let now = 10 * SECOND;
        assert_eq!(s.step(now, rpm, false), Step::Go);
        // Slots within the horizon (2 s, or two intervals: 2.1 s at 60 rpm) are handed out...
        assert_eq!(s.step(now, rpm, false), Step::Hold(now + interval));
        assert_eq!(s.step(now, rpm, false), Step::Hold(now + 2 * interval));
        // ... the next would be three intervals ahead: wait until it is two.
        assert_eq!(s.step(now, rpm, false), Step::Wait(now + interval));
        // The holder of the first slot goes at its time.
        assert_eq!(s.step(now + interval, rpm, true), Step::Go);
        // A pause voids held slots: the holder queues again behind it.
        let limited = ServerRateInfo {
            retry_after: Some(Duration::from_secs(5)),
            rate_limited: true,
            ..Default::default()
        };
        s.observe(now + interval, rpm, &limited, None);
        let after = now + interval + 5 * SECOND;
        assert!(matches!(s.step(now + 2 * interval, rpm, true), Step::Wait(t) if t < after));
    }

    #[test]
    fn the_server_saying_nothing_is_left_delays_a_held_slot_without_voiding_it() {
        let mut s = heard_from_server();
        let (rpm, now) = (120, 10 * SECOND);
        assert_eq!(s.step(now, rpm, false), Step::Go);
        let slot = match s.step(now, rpm, false) {
            Step::Hold(slot) => slot,
            other => panic!("{other:?}"),
        };
        // The answer to the first request, 60 ms later: nothing left, 120 per minute.
        let info = ServerRateInfo {
            limit: Some(120),
            remaining: Some(0),
            ..Default::default()
        };
        s.observe(now + 60 * MS, rpm, &info, Some(SECOND));
        // One refills 0.5 s after the answer, 560 ms on: the held slot is 543.5 ms on.
        let refill = now + 60 * MS + SECOND / 2;
        assert!(refill > slot);
        assert_eq!(s.step(slot, rpm, true), Step::Hold(refill));
        assert_eq!(s.step(refill, rpm, true), Step::Go);
    }

    #[test]
    fn the_grant_after_a_first_answer_is_spaced_from_that_answer() {
        let mut s = heard_from_server();
        let (rpm, now) = (120, 10 * SECOND);
        let gap = s.interval(now, rpm) - MS;
        assert_eq!(s.step(now, rpm, false), Step::Go);
        let slot = match s.step(now, rpm, false) {
            Step::Hold(slot) => slot,
            other => panic!("{other:?}"),
        };
        // The first answer comes 100 ms after its grant (the connection was being opened).
        s.observe(now + 100 * MS, rpm, &ServerRateInfo::default(), None);
        s.first_answer(now + 100 * MS);
        assert_eq!(s.step(slot, rpm, true), Step::Hold(now + 100 * MS + gap));
        assert_eq!(s.step(now + 100 * MS + gap, rpm, true), Step::Go);
    }

    #[test]
    fn a_backlog_of_429s_learns_the_rate_the_server_let_through() {
        let mut s = RateState::default();
        // Two requests a second counted for ten seconds at --rpm 6000, then a 429.
        for i in 0..20 {
            let now = 100 * SECOND + i * SECOND / 2;
            s.reserve(now, 6000);
            assert_eq!(s.commit(now, 6000), Ok(()));
            s.observe(now, 6000, &ServerRateInfo::default(), None);
        }
        let limited = ServerRateInfo {
            retry_after: Some(Duration::from_secs(1)),
            rate_limited: true,
            ..Default::default()
        };
        let now = 110 * SECOND;
        s.observe(now, 6000, &limited, None);
        // 20 counted over the 10 s since the first: 120 per minute.
        assert_eq!(s.rate(now, 6000), 120.0);
    }

    #[test]
    fn after_a_429_the_rate_climbs_fast_then_slowly_near_where_it_was_refused() {
        let mut s = RateState::default();
        let limited = ServerRateInfo {
            retry_after: Some(Duration::from_secs(1)),
            rate_limited: true,
            ..Default::default()
        };
        let counted = ServerRateInfo::default();
        // One request counted, then a 429 at --rpm 6000: the server let one through in 1 s.
        let t = 50 * SECOND;
        s.reserve(t, 6000);
        assert_eq!(s.commit(t, 6000), Ok(()));
        s.observe(t, 6000, &counted, None);
        s.observe(t + 10 * MS, 6000, &limited, None);
        assert_eq!(s.rate(t, 6000), 60.0);
        // Far below 6000, each counted request raises it by FAST_RECOVERY.
        s.observe(t + 2 * SECOND, 6000, &counted, None);
        assert_eq!(s.rate(t, 6000), 60.0 * (1.0 + FAST_RECOVERY));
        for i in 0..13 {
            s.observe(t + (3 + i) * SECOND, 6000, &counted, None);
        }
        let refused_at = s.rate(t, 6000);
        assert!((60.0 * 1.05f64.powi(14) - refused_at).abs() < 1e-6);
        // A second 429 (past the first episode): down by DECREASE only, then a quick climb
        // back to NEAR_CEILING of where it was refused, and slowly beyond.
        s.observe(t + 20 * SECOND, 6000, &limited, None);
        assert!((s.rate(t, 6000) - refused_at * DECREASE).abs() < 1e-6);
        let mut i = 0;
        while s.rate(t, 6000) < refused_at * NEAR_CEILING {
            s.observe(t + (22 + i) * SECOND, 6000, &counted, None);
            i += 1;
        }
        assert!(i <= 3, "{i} steps");
        let near = s.rate(t, 6000);
        s.observe(t + 30 * SECOND, 6000, &counted, None);
        assert!((s.rate(t, 6000) - near * (1.0 + RECOVERY)).abs() < 1e-6);
    }

    #[test]
    fn state_files_written_before_a_field_existed_still_load() {
        let old = r#"{"updated_at":5,"next_slot":7,"paused_until":0,"episode_end":0,
            "learned_rpm":0.0,"server_limit":0,"server_limit_at":0,"server":null,"window":[]}"#;
        let s: RateState = serde_json::from_str(old).expect("parses");
        assert_eq!(s.next_slot, 7);
        assert_eq!(s.last_grant, None);
    }

    #[test]
    fn a_server_limit_below_the_setting_wins() {
        let mut s = RateState::default();
        let info = ServerRateInfo {
            limit: Some(60),
            ..Default::default()
        };
        s.observe(0, 1000, &info, None);
        assert_eq!(s.interval(0, 1000), (SECOND as f64 / 0.92).ceil() as u64);
        // ... but it is forgotten after a while.
        assert!(s.interval(LIMIT_TTL, 1000) < SECOND / 10);
    }

    #[test]
    fn remaining_zero_waits_for_one_refill() {
        let mut s = RateState::default();
        let info = ServerRateInfo {
            limit: Some(60),
            remaining: Some(0),
            ..Default::default()
        };
        s.observe(0, 6000, &info, Some(60 * SECOND));
        // 60 per minute refills one per second.
        assert_eq!(s.reserve(0, 6000), SECOND);
        let st = s.status(0, 6000);
        assert_eq!(st.left_this_minute, 0);
    }

    #[test]
    fn remaining_without_a_known_limit_waits_for_reset() {
        let mut s = RateState::default();
        let info = ServerRateInfo {
            remaining: Some(0),
            ..Default::default()
        };
        s.observe(0, 6000, &info, Some(7 * SECOND));
        assert_eq!(s.reserve(0, 6000), 7 * SECOND);
    }

    #[test]
    fn status_counts_sends_in_the_last_minute() {
        let mut s = RateState::default();
        for i in 0..5 {
            let slot = s.reserve(i * SECOND, 100);
            assert_eq!(s.commit(slot, 100), Ok(()));
        }
        assert_eq!(s.status(5 * SECOND, 100).left_this_minute, 95);
        assert_eq!(s.status(70 * SECOND, 100).left_this_minute, 100);
    }

    #[test]
    fn a_wall_clock_going_back_does_not_stall() {
        let mut s = RateState::default();
        let later = 3_600 * SECOND;
        s.reserve(later, 60);
        // The clock is set back an hour: the next slot is one interval away, not an hour.
        let slot = s.reserve(10 * SECOND, 60);
        assert!(slot <= 10 * SECOND + 2 * SECOND, "slot {slot}");
    }
}
