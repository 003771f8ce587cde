//! The workbench's exact counting: one long-lived worker task that turns edits into at most
//! one count_tokens request per pause in typing. (The offline count, on every keystroke, is
//! `app::offline_count`.)
//!
//! - The newest request arrives on a `tokio::sync::watch` channel: latest wins, older
//!   content is never sent.
//! - Content already counted in this session (the same body, which names the model: keyed by
//!   `request::body_hash`) is answered from memory at once, without a request.
//! - Otherwise the worker waits for quiet (the debounce). Content the API would refuse
//!   (`request::validate`, the rules `budgie count` applies) is not sent: the problem, with
//!   its block named, is the answer.
//! - Then it takes a permit from the `Pacer` (reporting "rate-limited" while it waits),
//!   sends, and reports the result tagged with the revision it counts. Requests run one
//!   after another: never two in flight.
//!
//! The HTTP call itself is a `CountFn`, so the real client plugs in here (and tests use a
//! fake on paused time).

pub mod api;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep};

use crate::api::pacer::Pacer;
use crate::app::{CountEvent, CountFailure, LimitStatus, Msg};
use crate::request::Request;

pub type CountFuture = Pin<Box<dyn Future<Output = Result<u64, CountFailure>> + Send>>;

/// Sends one count_tokens body and returns `input_tokens`.
pub type CountFn = Arc<dyn Fn(Value) -> CountFuture + Send + Sync>;

/// What `GET /v1/models` lists: (id, display name).
pub type ModelList = Vec<(String, String)>;

pub type ListFuture = Pin<Box<dyn Future<Output = Result<ModelList, String>> + Send>>;

/// Lists the models the API offers.
pub type ListFn = Arc<dyn Fn() -> ListFuture + Send + Sync>;

/// What the limiter can say about the rate (the limiter's `status()` plugs in here).
pub type StatusFn = Arc<dyn Fn() -> LimitStatus + Send + Sync>;

/// One piece of content to count.
#[derive(Debug, Clone)]
pub struct Job {
    pub revision: u64,
    pub request: Arc<Request>,
    /// Asked for with the recount key (or a retry after a failure): sent at once, without
    /// the pause, and not answered from what was counted before. Still through the limiter.
    pub fresh: bool,
}

/// The worker's settings and seams.
#[derive(Clone)]
pub struct Worker {
    pub count: CountFn,
    pub pacer: Arc<dyn Pacer>,
    pub status: Option<StatusFn>,
    pub debounce: Duration,
}

/// The handle the runtime keeps: `submit` the latest content.
#[derive(Debug, Clone)]
pub struct Handle {
    tx: watch::Sender<Option<Job>>,
}

impl Handle {
    /// Replace whatever is waiting with `job` (latest wins).
    pub fn submit(&self, job: Job) {
        // No receiver means the worker has ended (shutting down): nothing to do.
        let _ = self.tx.send(Some(job));
    }
}

/// Start the worker; it ends when the handle is dropped or `out` is closed.
pub fn spawn(
    worker: Worker,
    out: mpsc::UnboundedSender<Msg>,
) -> (Handle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = watch::channel(None);
    let task = tokio::spawn(worker.run(rx, out));
    (Handle { tx }, task)
}

impl Worker {
    async fn run(self, mut rx: watch::Receiver<Option<Job>>, out: mpsc::UnboundedSender<Msg>) {
        let mut cache: HashMap<String, u64> = HashMap::new();
        loop {
            if rx.changed().await.is_err() {
                return;
            }
            let Some(job) = rx.borrow_and_update().clone() else {
                continue;
            };
            let body = job.request.count_body();
            let key = crate::request::body_hash(&body);
            if let Some(tokens) = cache.get(&key).filter(|_| !job.fresh) {
                if !send(&out, done(job.revision, Ok(*tokens))) {
                    return;
                }
                continue;
            }
            // Wait for a pause: any newer content restarts the wait (and is handled from the
            // top, so a newer job that is already cached is answered at once).
            let pause = if job.fresh {
                Duration::ZERO
            } else {
                self.debounce
            };
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    rx.mark_changed();
                    continue;
                }
                _ = sleep(pause) => {}
            }
            let problems = crate::request::validate::validate(&job.request);
            if !problems.is_empty() {
                let failure = CountFailure::Failed(refusal(&problems));
                if !send(&out, done(job.revision, Err(failure))) {
                    return;
                }
                continue;
            }
            if let Some(status) = &self.status {
                let s = status();
                if !s.next_slot_in.is_zero() {
                    let until = (Instant::now() + s.next_slot_in).into_std();
                    let event = CountEvent::RateLimited {
                        revision: job.revision,
                        until,
                    };
                    if !send(&out, Msg::Count(event)) {
                        return;
                    }
                }
            }
            self.pacer.acquire().await;
            if !send(
                &out,
                Msg::Count(CountEvent::Started {
                    revision: job.revision,
                }),
            ) {
                return;
            }
            let result = (self.count)(body).await;
            if let Ok(tokens) = result {
                cache.insert(key, tokens);
            }
            if !send(&out, done(job.revision, result)) {
                return;
            }
            if let Some(status) = &self.status
                && !send(&out, Msg::Limit(status()))
            {
                return;
            }
        }
    }
}

/// The first problem in words, and how many more there are.
fn refusal(problems: &[crate::request::validate::Problem]) -> String {
    let more = match problems.len() {
        0 | 1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let first = problems
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("not sent, the API would refuse it: {first}{more}")
}

fn done(revision: u64, result: Result<u64, CountFailure>) -> Msg {
    Msg::Count(CountEvent::Done {
        revision,
        result,
        at: Instant::now().into_std(),
    })
}

/// False when the app has gone (the receiver is closed): the worker then stops.
fn send(out: &mpsc::UnboundedSender<Msg>, msg: Msg) -> bool {
    out.send(msg).is_ok()
}
