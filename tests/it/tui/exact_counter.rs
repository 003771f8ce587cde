//! The counting worker on paused time: one request per pause, latest wins, never two in
//! flight, and content already counted is answered without a request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use budgie::api::pacer::Unpaced;
use budgie::app::{CountEvent, CountFailure, LimitStatus, Msg};
use budgie::exact_counter::{self, CountFn, Job, Worker};
use budgie::request::Request;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::sleep;

const DEBOUNCE: Duration = Duration::from_millis(400);

/// A fake API: counts calls, tracks how many run at once, answers with the length of the
/// first message's text (so each answer says which content it counted), after `latency`.
#[derive(Clone, Default)]
struct FakeApi {
    calls: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    bodies: Arc<std::sync::Mutex<Vec<Value>>>,
}

impl FakeApi {
    fn count_fn(&self, latency: Duration) -> CountFn {
        let api = self.clone();
        Arc::new(move |body: Value| {
            let api = api.clone();
            Box::pin(async move {
                api.calls.fetch_add(1, Ordering::SeqCst);
                let now = api.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                api.max_in_flight.fetch_max(now, Ordering::SeqCst);
                sleep(latency).await;
                api.in_flight.fetch_sub(1, Ordering::SeqCst);
                let n = body["messages"][0]["content"]
                    .as_str()
                    .map_or(0, |s| s.len() as u64);
                api.bodies.lock().expect("lock").push(body);
                Ok::<u64, CountFailure>(n)
            })
        })
    }
}

fn job(revision: u64, text: &str) -> Job {
    Job {
        revision,
        request: Arc::new(Request::single_text("claude-sonnet-4-5", text)),
        fresh: false,
    }
}

fn start(
    api: &FakeApi,
    latency: Duration,
) -> (exact_counter::Handle, mpsc::UnboundedReceiver<Msg>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (handle, _task) = exact_counter::spawn(
        Worker {
            count: api.count_fn(latency),
            pacer: Arc::new(Unpaced),
            status: None,
            debounce: DEBOUNCE,
        },
        tx,
    );
    (handle, rx)
}

/// Every `Done` received so far: (revision, tokens).
fn drain_done(rx: &mut mpsc::UnboundedReceiver<Msg>) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    while let Ok(msg) = rx.try_recv() {
        if let Msg::Count(CountEvent::Done {
            revision,
            result: Ok(n),
            ..
        }) = msg
        {
            out.push((revision, n));
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn one_request_per_pause_for_the_latest_content() {
    let api = FakeApi::default();
    let (handle, mut rx) = start(&api, Duration::from_millis(50));
    // A burst of typing, 100 ms apart: shorter than the debounce.
    for (i, text) in ["H", "He", "Hel", "Hell", "Hello"].iter().enumerate() {
        handle.submit(job(i as u64 + 1, text));
        sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(api.calls.load(Ordering::SeqCst), 0, "nothing while typing");
    sleep(DEBOUNCE + Duration::from_millis(100)).await;
    assert_eq!(
        api.calls.load(Ordering::SeqCst),
        1,
        "one request after the pause"
    );
    assert_eq!(
        drain_done(&mut rx),
        vec![(5, 5)],
        "for the latest content only"
    );
    // Nothing more happens while nothing changes.
    sleep(Duration::from_secs(10)).await;
    assert_eq!(api.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn content_already_counted_sends_nothing() {
    let api = FakeApi::default();
    let (handle, mut rx) = start(&api, Duration::from_millis(50));
    handle.submit(job(1, "Hello"));
    sleep(Duration::from_secs(1)).await;
    assert_eq!(api.calls.load(Ordering::SeqCst), 1);
    handle.submit(job(2, "Hello!"));
    sleep(Duration::from_secs(1)).await;
    assert_eq!(api.calls.load(Ordering::SeqCst), 2);
    // Undo back to the first content: answered from the cache, at once, no request.
    handle.submit(job(3, "Hello"));
    sleep(Duration::from_millis(1)).await;
    assert_eq!(drain_done(&mut rx), vec![(1, 5), (2, 6), (3, 5)]);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(api.calls.load(Ordering::SeqCst), 2, "the cache answered");
}

#[tokio::test(start_paused = true)]
async fn a_recount_asks_again_at_once_even_for_content_already_counted() {
    let api = FakeApi::default();
    let (handle, mut rx) = start(&api, Duration::from_millis(50));
    handle.submit(job(1, "Hello"));
    sleep(Duration::from_secs(1)).await;
    assert_eq!(api.calls.load(Ordering::SeqCst), 1);
    drain_done(&mut rx);
    handle.submit(Job {
        fresh: true,
        ..job(1, "Hello")
    });
    // No pause first: well within the debounce, the request has gone.
    sleep(Duration::from_millis(100)).await;
    assert_eq!(api.calls.load(Ordering::SeqCst), 2, "not from the cache");
    assert_eq!(drain_done(&mut rx), vec![(1, 5)]);
}

#[tokio::test(start_paused = true)]
async fn never_two_requests_in_flight() {
    let api = FakeApi::default();
    // A slow API: each request takes 2 s, while typing pauses every 500 ms.
    let (handle, mut rx) = start(&api, Duration::from_secs(2));
    for i in 1..=6u64 {
        handle.submit(job(i, &"x".repeat(i as usize)));
        sleep(Duration::from_millis(500)).await;
    }
    sleep(Duration::from_secs(10)).await;
    assert_eq!(api.max_in_flight.load(Ordering::SeqCst), 1);
    let done = drain_done(&mut rx);
    // The last content is always counted in the end.
    assert_eq!(done.last(), Some(&(6, 6)), "{done:?}");
    // And the request count is bounded by the pauses, not the edits.
    assert!(api.calls.load(Ordering::SeqCst) < 6, "{done:?}");
}

#[tokio::test(start_paused = true)]
async fn waiting_for_the_limiter_is_reported() {
    let api = FakeApi::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let status: exact_counter::StatusFn = Arc::new(|| LimitStatus {
        left_this_minute: Some(0),
        next_slot_in: Duration::from_secs(3),
        ..Default::default()
    });
    let (handle, _task) = exact_counter::spawn(
        Worker {
            count: api.count_fn(Duration::from_millis(10)),
            pacer: Arc::new(Unpaced),
            status: Some(status),
            debounce: DEBOUNCE,
        },
        tx,
    );
    handle.submit(job(1, "hi"));
    sleep(Duration::from_secs(1)).await;
    let mut saw_wait = false;
    let mut saw_limit = false;
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Msg::Count(CountEvent::RateLimited { revision: 1, .. }) => saw_wait = true,
            Msg::Limit(s) => saw_limit = s.left_this_minute == Some(0),
            _ => {}
        }
    }
    assert!(saw_wait, "the wait for a slot is reported");
    assert!(saw_limit, "requests left are reported after a request");
}

#[tokio::test(start_paused = true)]
async fn the_worker_stops_when_the_app_goes() {
    let api = FakeApi::default();
    let (tx, rx) = mpsc::unbounded_channel();
    let (handle, task) = exact_counter::spawn(
        Worker {
            count: api.count_fn(Duration::from_millis(10)),
            pacer: Arc::new(Unpaced),
            status: None,
            debounce: DEBOUNCE,
        },
        tx,
    );
    drop(rx);
    drop(handle);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the worker ends")
        .expect("without panicking");
}

#[tokio::test(start_paused = true)]
async fn content_the_api_would_refuse_is_named_not_sent() {
    let api = FakeApi::default();
    let (handle, mut rx) = start(&api, Duration::from_millis(10));
    // A PNG labelled image/jpeg: `budgie count` refuses it, and so does the workbench.
    let request: Request = serde_json::from_value(serde_json::json!({
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": [{"type": "image", "source": {
            "type": "base64", "media_type": "image/jpeg",
            "data": crate::support::base64(&crate::support::files::png(4, 4))}}]}]
    }))
    .expect("a request");
    handle.submit(Job {
        revision: 1,
        request: Arc::new(request),
        fresh: false,
    });
    sleep(DEBOUNCE * 2).await;
    assert_eq!(api.calls.load(Ordering::SeqCst), 0, "nothing was sent");
    let mut refusal = None;
    while let Ok(msg) = rx.try_recv() {
        if let Msg::Count(CountEvent::Done {
            revision: 1,
            result: Err(CountFailure::Failed(message)),
            ..
        }) = msg
        {
            refusal = Some(message);
        }
    }
    let refusal = refusal.expect("the refusal is the answer");
    assert!(
        refusal.contains(
            "messages[0].content[0]: image data is image/png but media_type says \"image/jpeg\""
        ),
        "{refusal}"
    );
}
