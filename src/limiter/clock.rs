//! The limiter's clocks, as nanoseconds since the Unix epoch.
//!
//! One process uses tokio's clock (so tests run on paused time); processes that share a state
//! file need the wall clock, since their tokio clocks have nothing in common. Tests of the
//! shared limiter give several limiters one `TokioClock` to simulate processes on paused time.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

pub trait Clock: Send + Sync {
    /// Nanoseconds since the Unix epoch, by this clock.
    fn now(&self) -> u64;

    /// Wait about `duration`: tokio's timer, which may wake late but never early. Tests
    /// override it to model a process whose timers wake late on a loaded machine.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The system's wall clock: the only time separate processes agree on.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> u64 {
        wall_now()
    }
}

/// tokio's clock, anchored to the wall clock when it was made: it stops and jumps with
/// `tokio::time::pause`/`advance`, and never goes backwards.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: Instant,
    origin_ns: u64,
}

impl TokioClock {
    pub fn new() -> Self {
        TokioClock {
            origin: Instant::now(),
            origin_ns: wall_now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> u64 {
        let elapsed = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX / 2);
        self.origin_ns.saturating_add(elapsed)
    }
}

pub(crate) fn wall_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX / 2))
        .unwrap_or(0)
}
