//! Drift: every exact count is kept beside the offline count of the same request; the record
//! is shown with offline counts and a disagreement is said once.

use std::time::Instant;

use serde_json::json;

use super::support::{Home, json_lines, stderr, stdout};
use crate::support::fake_structure_api::{FakeStructureApi, Hidden, Quirk};
use crate::support::workbench::{example_offline, example_online, type_text};
use budgie::app::{CountEvent, Effect, Msg, update};
use budgie::calibration::drift::Summary;

const SONNET: &str = "claude-sonnet-4-5";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_counts_build_a_record_and_a_disagreement_is_said_once() {
    // The API agrees with budgie except on the tool-use prompt: 12 more.
    let mut hidden = Hidden::as_shipped(SONNET);
    hidden.auto_none += 12;
    let api = FakeStructureApi::start(vec![(SONNET, hidden)], Quirk::None).await;
    let home = Home::new();
    let mut files = Vec::new();
    for i in 0..8 {
        files.push(home.write(
            &format!("plain-{i}.json"),
            &json!({"model": SONNET, "messages": [
                {"role": "user", "content": format!("Question number {i}: what is {i} squared?")}]}),
        ));
    }
    for i in 0..4 {
        files.push(home.write(
            &format!("tools-{i}.json"),
            &json!({"model": SONNET,
                "tools": [{"name": "square", "description": "Square a number",
                           "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}],
                "messages": [{"role": "user", "content": format!("Square {i}, please.")}]}),
        ));
    }
    let mut args = vec!["count", "--exact", "--json", "--rpm", "100000"];
    args.extend(files.iter().map(String::as_str));
    let out = home.run(&args, Some(&api.uri()));
    assert!(out.status.success(), "{}", stderr(&out));
    let warning = "offline counts for claude-sonnet-4-5 differ from the API by +12 on requests with tools since today — run `budgie calibrate --model claude-sonnet-4-5`";
    assert_eq!(stderr(&out).matches(warning).count(), 1, "{}", stderr(&out));

    // Counted again (not from the cache): the same requests, nothing new to say.
    let mut again = vec![
        "count",
        "--exact",
        "--no-cache",
        "--json",
        "--rpm",
        "100000",
    ];
    again.extend(files.iter().map(String::as_str));
    let out = home.run(&again, Some(&api.uri()));
    assert!(out.status.success());
    assert!(
        !stderr(&out).contains("differ from the API"),
        "{}",
        stderr(&out)
    );

    // Offline counts now carry the record: 8 of the 12 requests were exact.
    let out = home.run(&["count", "--offline", &files[0]], None);
    assert!(
        stdout(&out).contains("(claude-sonnet-4-5, offline, exact on 8/12 recent)"),
        "{}",
        stdout(&out)
    );
    let out = home.run(&["count", "--offline", "--json", &files[0]], None);
    assert_eq!(
        json_lines(&out)[0]["record"],
        json!({"exact": 8, "recent": 12, "median": 0, "spread": 0})
    );

    // A calibration starts the record again (the offline counts it describes changed).
    let out = home.run(
        &["calibrate", "--model", SONNET, "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.run(&["count", "--offline", &files[0]], None);
    assert!(!stdout(&out).contains("recent"), "{}", stdout(&out));
}

#[test]
fn the_workbench_records_each_exact_count_with_its_offline_count() {
    let mut m = example_online();
    type_text(&mut m, "a");
    let revision = m.revision;
    let effects = update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision,
            result: Ok(4321),
            at: Instant::now(),
        }),
    );
    let offline = m.offline.total();
    match effects.as_slice() {
        [
            Effect::RecordDrift {
                request,
                offline: o,
                exact,
            },
        ] => {
            assert_eq!((*o, *exact), (offline, 4321));
            assert_eq!(**request, m.ws.to_request());
        }
        other => panic!("expected one RecordDrift, got {other:?}"),
    }
}

#[test]
fn the_workbench_shows_the_record_beside_offline_counts_and_the_warning_once() {
    let mut m = example_offline();
    let (before, _) = budgie::ui::side::source_text(&m);
    assert!(!before.contains("recent"), "{before}");
    let model = m.ws.request.model.clone();
    let summary = Summary {
        recent: 50,
        exact: 48,
        median: 0,
        spread: 0,
    };
    update(
        &mut m,
        Msg::Drift {
            model: budgie::calibration::drift::model_key(&model),
            summary,
            warning: Some("offline counts differ".into()),
        },
    );
    let (after, _) = budgie::ui::side::source_text(&m);
    assert!(
        after.starts_with("offline, exact on 48/50 recent"),
        "{after}"
    );
    assert_eq!(
        m.notice.as_ref().map(|(n, _)| n.as_str()),
        Some("offline counts differ")
    );
}
