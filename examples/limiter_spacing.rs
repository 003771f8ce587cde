//! Send N count requests through budgie's limiter to a count_tokens server and print when each
//! went, the gap since the previous one, and the achieved rate.
//!
//! Usage: limiter_spacing --base http://127.0.0.1:PORT --rpm 120 --requests 30
//!        [--concurrency 4] [--shared DIR] [--name LABEL]
//! With --shared DIR the limiter's state is the file in DIR, shared with every process given
//! the same DIR (as budgie processes share the data dir).

#[path = "../tests/it/support/rate_client.rs"]
mod rate_client;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use budgie::api::pacer::{Pacer, ServerRateInfo};
use budgie::limiter::Limiter;
use futures::StreamExt;

/// Wraps the limiter to note the moment each attempt is let through.
struct Timed {
    inner: Limiter,
    sent: Mutex<Vec<(Instant, SystemTime)>>,
}

impl Pacer for Timed {
    fn acquire(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            self.inner.acquire().await;
            self.sent
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((Instant::now(), SystemTime::now()));
        })
    }
    fn observe(&self, info: &ServerRateInfo) {
        self.inner.observe(info);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut base, mut rpm, mut n, mut concurrency) = (String::new(), 120u32, 30usize, 4usize);
    let (mut shared, mut name): (Option<PathBuf>, String) = (None, "run".into());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--base" => base = value()?,
            "--rpm" => rpm = value()?.parse()?,
            "--requests" => n = value()?.parse()?,
            "--concurrency" => concurrency = value()?.parse()?,
            "--shared" => shared = Some(PathBuf::from(value()?)),
            "--name" => name = value()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let limiter = match &shared {
        Some(dir) => Limiter::shared(rpm, dir)?,
        None => Limiter::new(rpm),
    };
    let timed = Arc::new(Timed {
        inner: limiter,
        sent: Mutex::new(Vec::new()),
    });
    let client = reqwest::Client::new();
    let start = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let (client, timed, base) = (client.clone(), timed.clone(), base.clone());
            async move {
                let body = rate_client::body_with_words(i);
                rate_client::count_until_done(&client, &base, timed.as_ref(), &body).await
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = start.elapsed();
    let sent = timed.sent.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut previous: Option<Instant> = None;
    for (i, (t, wall)) in sent.iter().enumerate() {
        let gap = previous.map_or(Duration::ZERO, |p| *t - p);
        let wall = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
        println!(
            "{name} attempt {:>3} at {:>8.3} s  gap {:>7.1} ms  wall {:.6}",
            i + 1,
            (*t - start).as_secs_f64(),
            gap.as_secs_f64() * 1000.0,
            wall.as_secs_f64()
        );
        previous = Some(*t);
    }
    let sent: Vec<Instant> = sent.into_iter().map(|(t, _)| t).collect();
    let refused: u32 = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|s| s.refused)
        .sum();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let span = match (sent.first(), sent.last()) {
        (Some(a), Some(b)) if sent.len() > 1 => (*b - *a).as_secs_f64(),
        _ => 0.0,
    };
    let achieved = if span > 0.0 {
        (sent.len() - 1) as f64 * 60.0 / span
    } else {
        0.0
    };
    println!(
        "{name}: {n} requests, {} attempts, {refused} refused (429), {failed} failed, \
         {:.2} s total, achieved {achieved:.1} rpm of {rpm} ({:.1} %)",
        sent.len(),
        elapsed.as_secs_f64(),
        achieved * 100.0 / f64::from(rpm)
    );
    Ok(())
}
