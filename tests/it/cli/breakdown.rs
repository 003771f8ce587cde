//! `budgie count --breakdown`: tokens per section, offline and exact (leave-one-out against a
//! fake API whose counts follow a rule of its own), the cache, and the pacing of the counts.

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use budgie::attribution;
use budgie::estimate::{Section, estimate};
use budgie::limiter::Limiter;
use budgie::request::parse;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as Seen, Respond, ResponseTemplate};

use crate::support::TEST_KEY;

const REQUEST: &str = r#"{"model":"claude-sonnet-4-5","system":"You are terse.",
  "tools":[{"name":"lookup","description":"Looks things up","input_schema":{"type":"object","properties":{"q":{"type":"string"}}}},
           {"name":"spare","description":"Never used","input_schema":{"type":"object"}}],
  "messages":[{"role":"user","content":"Find the population of Lyon."},
    {"role":"assistant","content":"Let me think about that for a moment."},
    {"role":"user","content":"Go on then, and be quick about it please."}]}"#;

/// A count rule unlike budgie's: 500 per request, 7 per message, 40 per tool, 3 for a system
/// prompt, and 1 per character of every string in the messages.
fn rule(body: &Value) -> u64 {
    let messages = body["messages"].as_array().map_or(0, Vec::len) as u64;
    let tools = body["tools"].as_array().map_or(0, Vec::len) as u64;
    let system = u64::from(body.get("system").is_some());
    let chars: u64 = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            m["content"]
                .as_str()
                .map_or(0, |s| s.chars().count() as u64)
        })
        .sum();
    500 + 7 * messages + 40 * tools + 3 * system + chars
}

struct CountRule(Arc<AtomicUsize>);

impl Respond for CountRule {
    fn respond(&self, request: &Seen) -> ResponseTemplate {
        self.0.fetch_add(1, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        ResponseTemplate::new(200).set_body_json(json!({ "input_tokens": rule(&body) }))
    }
}

fn budgie(dir: &std::path::Path, args: &[&str], base: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_budgie"))
        .arg("count")
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join(".budgie-home"))
        .env("ANTHROPIC_BASE_URL", base)
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("budgie runs")
}

fn line(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().next().expect("a line")).expect("JSON")
}

fn section_tokens(line: &Value, id: &str) -> Option<i64> {
    line["breakdown"]
        .as_array()?
        .iter()
        .find(|s| s["section"] == id)
        .and_then(|s| s["input_tokens"].as_i64())
}

#[test]
fn the_offline_breakdown_adds_up_to_the_count_largest_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("r.json"), REQUEST).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_budgie"))
        .args(["count", "--offline", "--breakdown", "--json", "r.json"])
        .current_dir(dir.path())
        .env("BUDGIE_HOME", dir.path().join(".home"))
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let line = line(&output);
    let shares = line["breakdown"].as_array().expect("a breakdown");
    let sum: i64 = shares
        .iter()
        .map(|s| s["input_tokens"].as_i64().expect("n"))
        .sum();
    assert_eq!(sum, line["input_tokens"].as_i64().expect("total"));
    let tokens: Vec<i64> = shares
        .iter()
        .map(|s| s["input_tokens"].as_i64().expect("n"))
        .collect();
    assert!(tokens.windows(2).all(|w| w[0] >= w[1]), "{tokens:?}");
    for id in [
        "system",
        "tool:lookup",
        "tool:spare",
        "message:0",
        "message:1",
        "message:2",
        "framing",
    ] {
        assert!(section_tokens(&line, id).is_some(), "{id} in {shares:?}");
    }
    assert!(shares.iter().all(|s| s["source"] == "offline"));
    // The same figures as the library gives the workbench.
    let e = estimate(&parse(REQUEST).expect("parses"));
    for (section, n) in &e.sections {
        assert_eq!(
            section_tokens(&line, &section.id()),
            Some(*n),
            "{}",
            section.id()
        );
    }
}

#[tokio::test]
async fn exact_figures_come_from_the_server_and_the_cache_sends_nothing_twice() {
    let server = MockServer::start().await;
    let asked = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .respond_with(CountRule(asked.clone()))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("r.json"), REQUEST).expect("write");
    let uri = server.uri();
    let run = {
        let dir = dir.path().to_path_buf();
        move || {
            budgie(
                &dir,
                &[
                    "--breakdown",
                    "--exact",
                    "--json",
                    "--rpm",
                    "6000",
                    "r.json",
                ],
                &uri,
            )
        }
    };
    let output = tokio::task::spawn_blocking(run.clone())
        .await
        .expect("joins");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = line(&output);
    let body: Value = serde_json::from_str(REQUEST).expect("json");
    let total = rule(&body) as i64;
    assert_eq!(line["input_tokens"].as_i64(), Some(total));
    // Under the server's rule: a tool is 40, the system prompt 3, a message 7 + its text.
    assert_eq!(section_tokens(&line, "tool:spare"), Some(40));
    assert_eq!(section_tokens(&line, "tool:lookup"), Some(40));
    assert_eq!(section_tokens(&line, "system"), Some(3));
    let second = "Let me think about that for a moment.".chars().count() as i64;
    assert_eq!(section_tokens(&line, "message:1"), Some(7 + second));
    let shares = line["breakdown"].as_array().expect("breakdown");
    assert!(shares.iter().all(|s| s["source"] == "exact"), "{shares:?}");
    let sum: i64 = shares
        .iter()
        .map(|s| s["input_tokens"].as_i64().expect("n"))
        .sum();
    assert_eq!(sum, total, "the residual is shown as framing, never hidden");
    // The first message cannot go (the assistant would open the conversation): replaced,
    // and said so.
    let first = shares
        .iter()
        .find(|s| s["section"] == "message:0")
        .expect("message:0");
    assert!(
        first["note"]
            .as_str()
            .is_some_and(|n| n.contains("user message")),
        "{first}"
    );

    // Total + one count per section that can be left out.
    let sections = shares.len() - 1;
    assert_eq!(asked.load(Ordering::SeqCst), sections + 1);
    // Again: every count is in the cache; nothing is sent.
    let again = tokio::task::spawn_blocking(run).await.expect("joins");
    assert!(again.status.success());
    assert_eq!(asked.load(Ordering::SeqCst), sections + 1);
    assert_eq!(line["breakdown"], self::line(&again)["breakdown"]);
}

#[tokio::test(start_paused = true)]
async fn fifty_sections_at_tier_1_are_counted_at_100_a_minute_at_most() {
    // 50 tools: the total and 50 leave-one-out counts, each waiting for the limiter.
    let tools: Vec<Value> = (0..50)
        .map(|i| json!({"name": format!("t{i}"), "input_schema": {"type": "object"}}))
        .collect();
    let request = parse(
        &json!({"model": "claude-sonnet-4-5", "tools": tools,
                "messages": [{"role": "user", "content": "hi"}]})
        .to_string(),
    )
    .expect("parses");
    let e = estimate(&request);
    let limiter = Limiter::new(100);
    let sent = Mutex::new(Vec::new());
    let (_, shares) = attribution::exact(
        &request,
        &e,
        |_| async {
            limiter.acquire().await;
            sent.lock()
                .expect("not poisoned")
                .push(tokio::time::Instant::now());
            Ok::<u64, ()>(1000)
        },
        |_| {},
    )
    .await
    .expect("counted");
    let sent = sent.into_inner().expect("not poisoned");
    assert!(
        shares
            .iter()
            .filter(|s| matches!(s.section, Section::Tool(_)))
            .count()
            == 50
    );
    assert_eq!(sent.len(), 52, "the total, 50 tools and the message");
    // In any minute, at most 100 sends; and the sends are spaced about 600 ms apart.
    for (i, t) in sent.iter().enumerate() {
        let within = sent[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_secs(60))
            .count();
        assert!(within <= 100, "{within} sends in a minute");
    }
    let span = *sent.last().expect("some") - sent[0];
    assert!(span >= Duration::from_millis(600 * 50), "{span:?}");
}
