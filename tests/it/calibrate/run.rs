//! Running `budgie calibrate`: the limiter paces the probes, the cache saves them a second
//! time, Ctrl-C keeps what was measured, `--reset` and `--emit-registry`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::support::{Home, json_lines, stderr, stdout};
use crate::support::fake_structure_api::{FakeStructureApi, Hidden, Quirk};
use budgie::limiter::HEADROOM;

const SONNET: &str = "claude-sonnet-4-5";

async fn fake() -> FakeStructureApi {
    FakeStructureApi::start(vec![(SONNET, Hidden::sonnet_4_5())], Quirk::None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probes_are_paced_by_the_limiter_and_a_second_run_is_served_by_the_cache() {
    let api = fake().await;
    let home = Home::new();
    let rpm = 1200;
    let started = Instant::now();
    let out = home.run(
        &[
            "calibrate",
            "--model",
            SONNET,
            "--json",
            "--rpm",
            &rpm.to_string(),
        ],
        Some(&api.uri()),
    );
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    let probes = report["probes"].as_u64().expect("probes") as usize;
    assert_eq!(report["sent"].as_u64(), Some(probes as u64));
    let arrivals = api.arrivals();
    assert_eq!(arrivals.len(), probes);
    let interval = Duration::from_secs_f64(60.0 / (f64::from(rpm) * HEADROOM));
    // The limiter spaces the grants; on a loaded machine one request can reach the fake a
    // little late and the next one on time, so arrivals are checked per second (the
    // per-second share, and a little for such lateness) and over the whole run.
    let per_second = (rpm as usize).div_ceil(60);
    let busiest = arrivals
        .iter()
        .map(|t| {
            arrivals
                .iter()
                .filter(|u| **u >= *t && **u < *t + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(busiest <= per_second + 2, "{busiest} probes in one second");
    let span = arrivals[probes - 1] - arrivals[0];
    assert!(
        span >= interval.mul_f64((probes - 2) as f64),
        "{probes} probes in {span:?}"
    );
    println!("{probes} probes at {rpm} rpm took {took:?}");

    // Again: every probe is in the cache of exact counts, nothing is sent.
    let out = home.run(
        &["calibrate", "--model", SONNET, "--json"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let again = &json_lines(&out)[0];
    assert_eq!(
        (again["sent"].as_u64(), again["cached"].as_u64()),
        (Some(0), Some(probes as u64))
    );
    assert_eq!(api.arrivals().len(), probes);
    assert_eq!(again["values"], report["values"]);
    // --no-cache asks again.
    let out = home.run(
        &[
            "calibrate",
            "--model",
            SONNET,
            "--json",
            "--no-cache",
            "--rpm",
            "100000",
        ],
        Some(&api.uri()),
    );
    assert!(out.status.success());
    assert_eq!(api.arrivals().len(), 2 * probes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_keeps_what_was_measured() {
    let api = fake().await;
    let home = Home::new();
    // 600 rpm: one probe every ~109 ms, so the run takes several seconds.
    let child = home.spawn(
        &["calibrate", "--model", SONNET, "--rpm", "600"],
        Some(&api.uri()),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while api.arrivals().len() < 16 {
        assert!(Instant::now() < deadline, "the probes never came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = child.wait_with_output().expect("budgie ends");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stdout(&out).contains("(stopped early)"), "{}", stdout(&out));
    assert!(stderr(&out).contains("interrupted; what was measured is kept"));
    let sent_before = api.arrivals().len();
    let stored = &home.calibration()["models"][SONNET]["values"];
    // The first probes (a message, turns, blocks) were measured and solved; the documents,
    // near the end, were not.
    assert_eq!(stored["frame"]["value"], json!(9.0), "{stored}");
    assert_eq!(stored["turn_separator"]["value"], json!(4.0), "{stored}");
    assert!(stored.get("document_wrapper").is_none(), "{stored}");

    // The next run takes the measured probes from the cache and measures the rest.
    let out = home.run(
        &["calibrate", "--model", SONNET, "--json", "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    let cached = report["cached"].as_u64().expect("cached");
    assert!(cached >= 10, "{report}");
    assert_eq!(
        cached + report["sent"].as_u64().expect("sent"),
        report["probes"].as_u64().expect("probes")
    );
    assert!(api.arrivals().len() > sent_before);
    assert_eq!(report["values"]["document_wrapper"]["value"], json!(71));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_goes_back_to_the_shipped_constants() {
    let api = fake().await;
    let home = Home::new();
    let file = home.write(
        "turns.json",
        &json!({"model": SONNET, "messages": [
            {"role": "user", "content": "One"}, {"role": "assistant", "content": "Two"},
            {"role": "user", "content": "Three"}]}),
    );
    let offline = |home: &Home| {
        let out = home.run(&["count", "--offline", "--json", &file], None);
        json_lines(&out)[0]["input_tokens"].as_u64().expect("count")
    };
    let shipped = offline(&home);
    let out = home.run(
        &["calibrate", "--model", SONNET, "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Frame 9 instead of 7, two turn separators of 4 instead of 3.
    assert_eq!(offline(&home), shipped + 2 + 2);
    // No key needed to reset.
    let out = home.run(&["calibrate", "--reset", "--model", SONNET], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed the calibration of claude-sonnet-4-5"));
    assert_eq!(offline(&home), shipped);
    assert_eq!(home.calibration()["models"], json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emit_registry_prints_a_patch_that_applies_to_the_asset() {
    let api = fake().await;
    let home = Home::new();
    let out = home.run(&["calibrate", "--emit-registry"], None);
    assert_eq!(out.status.code(), Some(2), "nothing calibrated yet");
    let out = home.run(
        &["calibrate", "--model", SONNET, "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = home.run(&["calibrate", "--emit-registry"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let patch = stdout(&out);
    assert!(
        patch.starts_with("--- a/assets/models.json\n+++ b/assets/models.json\n"),
        "{patch}"
    );

    // Apply it to a copy of the asset, as a maintainer would.
    let tree = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(tree.path().join("assets")).expect("mkdir");
    let asset = tree.path().join("assets/models.json");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/assets/models.json"),
        &asset,
    )
    .expect("copy");
    std::fs::write(tree.path().join("calibration.patch"), &patch).expect("write");
    let applied = std::process::Command::new("git")
        .args(["apply", "calibration.patch"])
        .current_dir(tree.path())
        .output()
        .expect("git runs");
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let patched: Value =
        serde_json::from_str(&std::fs::read_to_string(&asset).expect("read")).expect("JSON");
    let sonnet = patched["models"]
        .as_array()
        .expect("models")
        .iter()
        .find(|m| m["id"] == SONNET)
        .expect("sonnet");
    assert_eq!(sonnet["frame"], json!(9));
    assert_eq!(sonnet["tool_prompt"]["auto_none"], json!(504));
    assert_eq!(sonnet["constants"]["turn_separator"]["value"], json!(4));
    assert_eq!(
        sonnet["constants"]["turn_separator"]["measured"],
        json!(true)
    );
    assert_eq!(sonnet["constants"]["pdf_page_dpi"]["value"], json!(100));
    // Other models are untouched.
    let opus = patched["models"]
        .as_array()
        .expect("models")
        .iter()
        .find(|m| m["id"] == "claude-opus-5")
        .expect("opus");
    assert_eq!(opus["frame"], json!(6));
}

#[test]
fn calibrate_needs_a_key_and_count_takes_one_model() {
    let home = Home::new();
    let out = home.run(&["calibrate"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs ANTHROPIC_API_KEY"),
        "{}",
        stderr(&out)
    );
    let file = home.write(
        "r.json",
        &json!({"model": SONNET, "messages": [{"role": "user", "content": "hi"}]}),
    );
    let out = home.run(
        &["count", "--offline", "--model", "a", "--model", "b", &file],
        None,
    );
    // Only calibrate takes several models; count refuses a second --model.
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'--model"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_the_api_does_not_know_is_an_api_failure_and_nothing_is_saved() {
    let api = fake().await;
    let home = Home::new();
    let out = home.run(
        &["calibrate", "--model", "claude-nova-9", "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not_found_error"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("nothing measured; nothing saved"),
        "{}",
        stdout(&out)
    );
    assert!(!home.data().join("calibration.json").exists());
}
