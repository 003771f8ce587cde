//! An in-memory stand-in for a rate-enforcing server, on tokio's clock (so it runs on paused
//! time): a token bucket refilled at `rpm / 60` per second holding at most `burst`.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub struct SimBucket {
    rpm: u32,
    burst: u32,
    inner: Mutex<(f64, Instant, Vec<Instant>, u32)>,
}

impl SimBucket {
    pub fn new(rpm: u32, burst: u32) -> Self {
        SimBucket {
            rpm,
            burst,
            inner: Mutex::new((f64::from(burst), Instant::now(), Vec::new(), 0)),
        }
    }

    /// A request arrives now: `Ok` if counted, else `Err(retry-after)` in whole seconds.
    pub fn arrive(&self) -> Result<(), Duration> {
        let now = Instant::now();
        let mut guard = self.inner.lock().expect("sim bucket");
        let (tokens, at, accepted, refused) = &mut *guard;
        let per_sec = f64::from(self.rpm) / 60.0;
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * per_sec).min(f64::from(self.burst));
        *at = now;
        // A hair of tolerance for float rounding of the refill.
        if *tokens >= 1.0 - 1e-9 {
            *tokens -= 1.0;
            accepted.push(now);
            Ok(())
        } else {
            *refused += 1;
            Err(Duration::from_secs_f64(
                ((1.0 - *tokens) / per_sec).ceil().max(1.0),
            ))
        }
    }

    pub fn refused(&self) -> u32 {
        self.inner.lock().expect("sim bucket").3
    }

    pub fn accepted(&self) -> Vec<Instant> {
        self.inner.lock().expect("sim bucket").2.clone()
    }
}
