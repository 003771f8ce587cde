//! The limiter's arithmetic, pure: every function takes the time (`now`, nanoseconds on the
//! limiter's clock) and changes only the state it is given. The same state lives in memory for
//! one process or in a file shared by every budgie on the machine.
//!
//! The rule: one request per `interval`, where `interval = 60 s / (rate × HEADROOM)` and `rate`
//! is the smallest of the configured rpm, the `limit` the server last reported, and the rate
//! learnt from 429s. Slots are absolute times (`next_slot` advances by `interval` per grant),
//! so timer rounding never accumulates. Because consecutive grants are at least `60 s / rpm`
//! apart, no half-open 1 s window holds more than `ceil(rpm / 60)` grants and no 60 s window
//! more than `rpm`.

use serde::{Deserialize, Serialize};

use crate::api::pacer::ServerRateInfo;

pub const SECOND: u64 = 1_000_000_000;
const MINUTE: u64 = 60 * SECOND;
/// The share of the allowed rate the limiter aims at: the rest absorbs network jitter so a
/// server enforcing the exact rate over short intervals never sees two requests too close.
pub const HEADROOM: f64 = 0.95;
/// A `retry-after` longer than this is treated as this (the SDKs honour at most 60 s).
pub const MAX_PAUSE: u64 = 60 * SECOND;
/// A rate learnt from 429s never drops below this.
const MIN_RPM: f64 = 1.0;
/// A server-reported `limit` is trusted this long (a tier upgrade must not be ignored forever).
const LIMIT_TTL: u64 = 10 * MINUTE;
/// After a 429 the learnt rate creeps back up by this fraction per successful response.
const RECOVERY: f64 = 0.005;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RateState {
    /// The clock reading of the last change: a wall clock that went backwards is detected
    /// by it, and every stored time is shifted back with it.
    updated_at: u64,
    /// Earliest time the next reservation may be granted.
    next_slot: u64,
    /// Nobody sends before this (server's `retry-after`, or its bucket said empty).
    paused_until: u64,
    /// 429s before this belong to the episode that already lowered the rate.
    episode_end: u64,
    /// Rate learnt from 429s (0 = none learnt).
    learned_rpm: f64,
    /// The server's `anthropic-ratelimit-requests-limit` (0 = unknown) and when it said so.
    server_limit: u32,
    server_limit_at: u64,
    /// The server's last `remaining` / `reset`, and how many we sent since.
    server: Option<ServerView>,
    /// Per-second counts over the last minute, oldest first.
    window: Vec<Bucket>,
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

/// What `status` reports, in clock nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawStatus {
    pub rpm: u32,
    pub left_this_minute: u32,
    pub next_slot: u64,
    pub paused_until: Option<u64>,
}

impl RateState {
    /// Reserve the next slot: returns when the caller may send (≥ `now`).
    pub fn reserve(&mut self, now: u64, rpm: u32) -> u64 {
        self.settle(now);
        let slot = self.earliest(now);
        self.next_slot = slot + self.interval(now, rpm);
        slot
    }

    /// At the reserved time: either record the send (`Ok`) or, when a pause or the server's
    /// view arrived meanwhile, reserve again (`Err(new slot)`).
    pub fn commit(&mut self, now: u64, rpm: u32) -> Result<(), u64> {
        self.settle(now);
        if self.paused_until > now || self.server_token_at(now).is_some() {
            return Err(self.reserve(now, rpm));
        }
        self.bucket(now).sent += 1;
        if let Some(view) = &mut self.server {
            view.sent_since += 1;
        }
        Ok(())
    }

    /// Learn from a response. `reset_in` is the server's `reset` converted to "from now".
    pub fn observe(&mut self, now: u64, rpm: u32, info: &ServerRateInfo, reset_in: Option<u64>) {
        self.settle(now);
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
                self.learned_rpm = self.lowered_rpm(now, rpm);
                self.episode_end = self.paused_until.max(now + SECOND);
            }
        } else {
            self.bucket(now).ok += 1;
            if self.learned_rpm > 0.0 {
                self.learned_rpm += (self.learned_rpm * RECOVERY).max(0.05);
                if self.learned_rpm >= f64::from(rpm) {
                    self.learned_rpm = 0.0;
                }
            }
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

    /// A new 429 episode: halve the rate, or drop to the rate the server actually let through
    /// over the last minute if that is lower (one step instead of many when `--rpm` is far off).
    fn lowered_rpm(&self, now: u64, rpm: u32) -> f64 {
        let halved = self.rate(now, rpm) * 0.5;
        let ok: u32 = self.window.iter().map(|b| b.ok).sum();
        let first = self.window.iter().find(|b| b.sent > 0).map(|b| b.second);
        let observed = match first {
            Some(first) if ok > 0 => {
                let span = (now / SECOND).saturating_sub(first).clamp(1, 60);
                f64::from(ok) * 60.0 / span as f64
            }
            _ => f64::INFINITY,
        };
        halved.min(observed).max(MIN_RPM)
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
        slot
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

    #[test]
    fn grants_are_spaced_by_the_interval_with_headroom() {
        let mut s = RateState::default();
        let rpm = 120;
        // 60 s / (120 × 0.95) = 526.3 ms
        let expected = (60_000.0 / (120.0 * 0.95) * MS as f64).ceil() as u64;
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
        assert_eq!(s.rate(now, 1000), 500.0);
        // In-flight requests answering 429 within the same episode do not halve it again.
        s.observe(now + 100 * MS, 1000, &limited, None);
        assert_eq!(s.rate(now, 1000), 500.0);
        s.observe(now + 2 * SECOND, 1000, &limited, None);
        assert_eq!(s.rate(now, 1000), 250.0);
    }

    #[test]
    fn a_server_limit_below_the_setting_wins() {
        let mut s = RateState::default();
        let info = ServerRateInfo {
            limit: Some(60),
            ..Default::default()
        };
        s.observe(0, 1000, &info, None);
        assert_eq!(s.interval(0, 1000), (SECOND as f64 / 0.95).ceil() as u64);
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
