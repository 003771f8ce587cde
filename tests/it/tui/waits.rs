//! The exact count after a failure and while waiting: no stuck state (a failure is asked
//! again on its own, each wait longer, and the recount key asks at once), and every wait
//! says what it waits for ("rate-limited · next count in 9 s").

use std::time::{Duration, Instant};

use crate::support::tmux::{Tmux, assert_restored, shell_command};
use crate::support::workbench::*;
use budgie::app::{CountEvent, CountFailure, Effect, ExactState, LimitStatus, Msg, update};
use budgie::ui::side::source_text;
use crossterm::event::KeyCode;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn failed(m: &mut budgie::app::Model, failure: CountFailure, at: Instant) {
    let revision = m.revision;
    update(
        m,
        Msg::Count(CountEvent::Done {
            revision,
            result: Err(failure),
            at,
        }),
    );
}

#[test]
fn an_unreachable_api_is_asked_again_on_its_own_each_wait_longer() {
    let mut m = example_online();
    let t0 = Instant::now();
    update(&mut m, Msg::Tick(t0));
    failed(
        &mut m,
        CountFailure::Unavailable("cannot connect".into()),
        t0,
    );
    assert!(matches!(m.exact, ExactState::Failed { .. }));
    assert_eq!(source_text(&m).0, "retry in 5 s · cannot connect");
    // Before the wait: nothing. After it: asked again, without a key.
    assert!(update(&mut m, Msg::Tick(t0 + Duration::from_secs(4))).is_empty());
    let effects = update(&mut m, Msg::Tick(t0 + Duration::from_secs(5)));
    assert_eq!(effects, vec![Effect::Recount]);
    // Failing again: the next wait is longer.
    let t1 = t0 + Duration::from_secs(6);
    failed(
        &mut m,
        CountFailure::Unavailable("cannot connect".into()),
        t1,
    );
    assert!(update(&mut m, Msg::Tick(t1 + Duration::from_secs(9))).is_empty());
    assert_eq!(
        update(&mut m, Msg::Tick(t1 + Duration::from_secs(10))),
        vec![Effect::Recount]
    );
    // An answer ends the retries.
    let revision = m.revision;
    update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision,
            result: Ok(42),
            at: t1 + Duration::from_secs(11),
        }),
    );
    assert!(m.retry.is_none());
    assert!(update(&mut m, Msg::Tick(t1 + Duration::from_secs(100))).is_empty());
}

#[test]
fn a_refused_request_is_not_asked_again_but_the_recount_key_asks() {
    let mut m = example_online();
    let t0 = Instant::now();
    update(&mut m, Msg::Tick(t0));
    let message = "invalid_request_error (HTTP 400): messages: at least one message is required";
    failed(&mut m, CountFailure::Failed(message.into()), t0);
    assert!(update(&mut m, Msg::Tick(t0 + Duration::from_secs(120))).is_empty());
    // In full in the messages window, however long.
    send(&mut m, [key(KeyCode::Esc), ch('l')]);
    let budgie::app::Overlay::Viewer { text, .. } = &m.overlay else {
        panic!("the messages: {:?}", m.overlay)
    };
    assert!(text.contains(message), "{text}");
    send(&mut m, [key(KeyCode::Esc)]);
    // R (and F5, anywhere) count again now.
    assert_eq!(send(&mut m, [ch('R')]), vec![Effect::Recount]);
    assert_eq!(send(&mut m, [key(KeyCode::F(5))]), vec![Effect::Recount]);
    // Offline there is nothing to ask: it says why.
    let mut offline = example_offline();
    assert!(send(&mut offline, [key(KeyCode::F(5))]).is_empty());
    let notice = offline.notice.clone().expect("said").0;
    assert!(notice.contains("ANTHROPIC_API_KEY"), "{notice}");
}

#[test]
fn a_429_with_retry_after_waits_that_long_then_asks_again() {
    let mut m = example_online();
    let t0 = Instant::now();
    update(&mut m, Msg::Tick(t0));
    let limited = CountFailure::RateLimited {
        retry_after: Some(Duration::from_secs(9)),
        message: "rate_limit_error".into(),
    };
    failed(&mut m, limited, t0);
    assert_eq!(source_text(&m).0, "rate-limited · next count in 9 s");
    update(&mut m, Msg::Tick(t0 + Duration::from_secs(3)));
    assert_eq!(source_text(&m).0, "rate-limited · next count in 6 s");
    assert_eq!(
        update(&mut m, Msg::Tick(t0 + Duration::from_secs(9))),
        vec![Effect::Recount],
        "not stuck on the rate limit"
    );
}

#[test]
fn a_request_held_back_by_the_limiter_says_so() {
    let mut m = example_online();
    type_text(&mut m, "x");
    let revision = m.revision;
    update(&mut m, Msg::Count(CountEvent::Started { revision }));
    assert_eq!(source_text(&m).0, "counting…");
    // The limiter (its spacing or a server's retry-after) holds the request for 9 s.
    update(
        &mut m,
        Msg::Limit(LimitStatus {
            left_this_minute: Some(0),
            next_slot_in: Duration::from_millis(8_400),
            ..LimitStatus::default()
        }),
    );
    assert_eq!(source_text(&m).0, "rate-limited · next count in 9 s");
}

#[test]
fn after_a_server_error_the_exact_count_arrives_without_a_keystroke() {
    let home = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        // The first attempt and the client's two retries fail; then the API is back.
        Mock::given(method("POST"))
            .and(path("/v1/messages/count_tokens"))
            .respond_with(ResponseTemplate::new(500).set_body_json(serde_json::json!({
                "type": "error",
                "error": {"type": "api_error", "message": "Internal server error"}
            })))
            .up_to_n_times(3)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v1/messages/count_tokens"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"input_tokens": 4321})),
            )
            .mount(&server)
            .await;
        server
    });
    let env = crate::support::tmux::api_env(&server.uri());
    let Some(t) = Tmux::start("retry", &shell_command(home.path(), &env, "")) else {
        return;
    };
    t.wait_for_text("retry in");
    // No key pressed: the retry brings the exact count.
    t.wait_for("the exact count", |s| {
        s.contains("4,321 tokens") && s.contains("exact ·")
    });
    t.key("C-q");
    assert_restored(&t);
}
