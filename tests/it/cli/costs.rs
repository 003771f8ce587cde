//! What a request costs, end to end: `budgie count --compare` (offline, and exact against a
//! fake API whose counts follow a rule of its own, so every figure checked can only have come
//! from the server), the prompt-cache plan in `budgie count --json`, and the breakpoint rules.

use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use budgie::estimate::estimate;
use budgie::registry::Registry;
use budgie::request::parse;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as Seen, Respond, ResponseTemplate};

use crate::support::TEST_KEY;

/// A long system prompt with a breakpoint on its second block, a breakpoint on the last tool
/// and one in the first turn. Under the fake's rule the system prefix is between Sonnet
/// 4.5's minimum (1,024) and Haiku 4.5's (4,096).
fn request() -> Value {
    json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 2000,
        "tools": [{"name": "lookup", "description": "Finds a clause",
                   "input_schema": {"type": "object"},
                   "cache_control": {"type": "ephemeral"}}],
        "system": [
            {"type": "text", "text": "You review contracts."},
            {"type": "text", "text": "Clause text. ".repeat(90),
             "cache_control": {"type": "ephemeral"}}
        ],
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Here is the contract. ".repeat(40),
                 "cache_control": {"type": "ephemeral"}}]},
            {"role": "assistant", "content": "Read it."},
            {"role": "user", "content": "What does clause 4 say?"}
        ]
    })
}

/// The fake's rule, nothing like budgie's: 2 per character of text (system and messages),
/// 50 per tool, 9 per message.
fn rule(body: &Value) -> u64 {
    fn text_chars(v: &Value) -> u64 {
        match v {
            Value::String(s) => s.chars().count() as u64,
            Value::Array(items) => items.iter().map(text_chars).sum(),
            Value::Object(map) => map.get("text").map_or(0, text_chars),
            _ => 0,
        }
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let chars = text_chars(&body["system"])
        + messages
            .iter()
            .map(|m| text_chars(&m["content"]))
            .sum::<u64>();
    let tools = body["tools"].as_array().map_or(0, Vec::len) as u64;
    2 * chars + 50 * tools + 9 * messages.len() as u64
}

/// Answers by the rule and remembers every body it was sent.
struct Fake(Arc<Mutex<Vec<Value>>>);

impl Respond for Fake {
    fn respond(&self, request: &Seen) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        let tokens = rule(&body);
        self.0.lock().expect("not poisoned").push(body);
        ResponseTemplate::new(200).set_body_json(json!({ "input_tokens": tokens }))
    }
}

async fn fake() -> (MockServer, Arc<Mutex<Vec<Value>>>) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .respond_with(Fake(seen.clone()))
        .mount(&server)
        .await;
    (server, seen)
}

fn budgie(dir: &std::path::Path, args: &[&str], base: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_budgie"));
    command
        .arg("count")
        .args(args)
        .current_dir(dir)
        .env("BUDGIE_HOME", dir.join(".budgie-home"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match base {
        Some(base) => command
            .env("ANTHROPIC_BASE_URL", base)
            .env("ANTHROPIC_API_KEY", TEST_KEY),
        None => command.env_remove("ANTHROPIC_API_KEY"),
    };
    command.output().expect("budgie runs")
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn written(value: &Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("r.json"), value.to_string()).expect("write");
    dir
}

/// The request cut after each breakpoint, written out by hand: what count_tokens must be
/// asked for each prefix. (`max_tokens` is not part of a count_tokens body.)
fn cuts(model: &str) -> Vec<(&'static str, Value)> {
    let full = request();
    let stand_in = json!([{"role": "user", "content": "."}]);
    let mut tools = full.clone();
    tools["model"] = json!(model);
    tools.as_object_mut().expect("object").remove("system");
    tools.as_object_mut().expect("object").remove("max_tokens");
    tools["messages"] = stand_in.clone();
    let mut system = full.clone();
    system["model"] = json!(model);
    system.as_object_mut().expect("object").remove("max_tokens");
    system["messages"] = stand_in;
    let mut first_turn = full;
    first_turn["model"] = json!(model);
    first_turn
        .as_object_mut()
        .expect("object")
        .remove("max_tokens");
    first_turn["messages"] = json!([first_turn["messages"][0].clone()]);
    vec![
        ("tools[0]", tools),
        ("system[1]", system),
        ("messages[0].content[0]", first_turn),
    ]
}

/// Picodollars, so that dollar figures compare exactly after the JSON round trip.
fn pico(dollars: &Value) -> i64 {
    (dollars.as_f64().expect("a number") * 1e12).round() as i64
}

#[tokio::test]
async fn the_cache_plan_counts_each_prefix_exactly_from_the_server() {
    let (server, seen) = fake().await;
    let dir = written(&request());
    let uri = server.uri();
    let path = dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        budgie(
            &path,
            &["--exact", "--json", "--rpm", "6000", "r.json"],
            Some(&uri),
        )
    })
    .await
    .expect("joins");
    assert!(output.status.success(), "{output:?}");
    let line = &lines(&output)[0];
    let mut full = request();
    full.as_object_mut().expect("object").remove("max_tokens");
    let total = rule(&full);
    assert_eq!(line["input_tokens"], total);
    let cache = &line["cache"];
    let keys: Vec<&str> = cache
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["breakpoints", "first_request_usd", "repeat_request_usd"]
    );
    let breakpoints = cache["breakpoints"].as_array().expect("breakpoints");
    let bodies = seen.lock().expect("not poisoned").clone();
    let mut prefix_tokens = Vec::new();
    // In prefix order: tools, system, messages.
    for (b, (at, cut)) in breakpoints.iter().zip(cuts("claude-sonnet-4-5")) {
        assert_eq!(b["at"], at);
        let keys: Vec<&str> = b
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["at", "ttl", "prefix_tokens", "minimum", "cacheable"]);
        assert!(
            bodies.contains(&cut),
            "count_tokens was asked for the {at} cut"
        );
        let expected = rule(&cut);
        assert_eq!(b["prefix_tokens"], expected, "{at}");
        // Not the offline counter's figure: this one came from the server.
        let offline = estimate(&parse(&cut.to_string()).expect("parses")).input_tokens;
        assert_ne!(expected, offline, "{at}");
        assert_eq!(b["ttl"], "5m");
        assert_eq!(b["minimum"], 1024);
        assert_eq!(b["cacheable"], expected >= 1024, "{at}");
        prefix_tokens.push(expected);
    }
    assert_eq!(breakpoints.len(), 3);
    // tools[0] is under Sonnet 4.5's minimum, the other two cache.
    assert_eq!(
        breakpoints
            .iter()
            .map(|b| b["cacheable"].as_bool())
            .collect::<Vec<_>>(),
        [Some(false), Some(true), Some(true)]
    );
    // The prices of Sonnet 4.5: $3/MTok in, 5m writes 1.25x, reads 0.1x. The first request
    // writes the system prefix, then the rest up to the first turn's breakpoint, at the 5m
    // rate; the rest is plain input. A repeat reads the longest prefix.
    let input = 3_000_000i64; // picodollars a token
    let (system, turn) = (prefix_tokens[1] as i64, prefix_tokens[2] as i64);
    let first =
        system * input * 5 / 4 + (turn - system) * input * 5 / 4 + (total as i64 - turn) * input;
    let repeat = turn * input / 10 + (total as i64 - turn) * input;
    assert_eq!(pico(&cache["first_request_usd"]), first);
    assert_eq!(pico(&cache["repeat_request_usd"]), repeat);
    // One count for the request and one per breakpoint.
    assert_eq!(bodies.len(), 4);
}

#[tokio::test]
async fn compare_exact_gives_each_model_the_servers_counts_and_its_prices() {
    let (server, seen) = fake().await;
    let dir = written(&request());
    let uri = server.uri();
    let path = dir.path().to_path_buf();
    let models = "claude-sonnet-4-5,claude-haiku-4-5";
    let output = tokio::task::spawn_blocking(move || {
        budgie(
            &path,
            &[
                "--compare",
                "--models",
                models,
                "--exact",
                "--json",
                "--rpm",
                "6000",
                "r.json",
            ],
            Some(&uri),
        )
    })
    .await
    .expect("joins");
    assert!(output.status.success(), "{output:?}");
    let lines = lines(&output);
    assert_eq!(lines.len(), 2, "one line per file and model");
    let registry = Registry::builtin();
    let rules = registry.price_rules();
    for (line, id) in lines.iter().zip(["claude-sonnet-4-5", "claude-haiku-4-5"]) {
        let keys: Vec<&str> = line
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "file",
                "model",
                "input_tokens",
                "source",
                "context_window",
                "fits",
                "cost_usd",
                "cache"
            ]
        );
        let cost_keys: Vec<&str> = line["cost_usd"]
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            cost_keys,
            [
                "input",
                "output_max",
                "cache_write_5m",
                "cache_write_1h",
                "cache_read",
                "batch_input"
            ]
        );
        let model = registry.lookup(id);
        let mut body = request();
        body["model"] = json!(id);
        body.as_object_mut().expect("object").remove("max_tokens");
        let tokens = rule(&body);
        assert_eq!(line["file"], "r.json");
        assert_eq!(line["model"], id);
        assert_eq!(line["input_tokens"], tokens);
        assert_eq!(line["source"], "exact");
        assert_eq!(line["context_window"], model.context_window);
        assert_eq!(line["fits"], tokens + 2000 <= model.context_window);
        let per_token = (model.input_price_per_mtok * 1e6) as i64;
        let t = tokens as i64;
        let cost = &line["cost_usd"];
        assert_eq!(pico(&cost["input"]), t * per_token);
        assert_eq!(
            pico(&cost["output_max"]),
            2000 * (model.output_price_per_mtok * 1e6) as i64
        );
        assert_eq!(
            pico(&cost["cache_write_5m"]),
            t * (per_token as f64 * rules.cache_write_5m) as i64
        );
        assert_eq!(pico(&cost["cache_write_1h"]), t * per_token * 2);
        assert_eq!(pico(&cost["cache_read"]), t * per_token / 10);
        assert_eq!(pico(&cost["batch_input"]), t * per_token / 2);
        // The system prefix caches on Sonnet 4.5 (minimum 1,024), not on Haiku 4.5 (4,096).
        let system = &line["cache"]["breakpoints"][1];
        assert_eq!(system["at"], "system[1]");
        assert_eq!(system["prefix_tokens"], rule(&cuts(id)[1].1));
        assert_eq!(system["minimum"], model.min_cacheable_tokens.value);
        assert_eq!(system["cacheable"], id == "claude-sonnet-4-5");
    }
    // A count and three prefixes per model.
    assert_eq!(seen.lock().expect("not poisoned").len(), 8);
}

#[test]
fn compare_offline_lists_every_model_with_its_own_count_and_notes() {
    let dir = written(&request());
    let output = budgie(dir.path(), &["--compare", "--json", "r.json"], None);
    assert!(output.status.success(), "{output:?}");
    let lines = lines(&output);
    let registry = Registry::builtin();
    assert_eq!(lines.len(), registry.models().len());
    for (line, model) in lines.iter().zip(registry.models()) {
        assert_eq!(line["model"], model.id.as_str());
        assert_eq!(line["source"], "offline");
        let mut on_model = request();
        on_model["model"] = json!(model.id);
        let tokens = estimate(&parse(&on_model.to_string()).expect("parses")).input_tokens;
        assert_eq!(line["input_tokens"], tokens, "{}", model.id);
        assert_eq!(
            pico(&line["cost_usd"]["input"]),
            tokens as i64 * (model.input_price_per_mtok * 1e6) as i64
        );
    }
    // Plain: the table, the tokenizer families and the breakpoint that does not cache.
    let plain = budgie(dir.path(), &["--compare", "r.json"], None);
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(text.contains("Claude Opus 4.7 counts this"), "{text}");
    assert!(
        text.contains("% higher than Claude Sonnet 4.5 (tokenizer v4.7, not v3)"),
        "{text}"
    );
    assert!(
        text.contains("under claude-haiku-4-5's minimum of 4,096 — this breakpoint will not cache"),
        "{text}"
    );
    assert!(
        text.contains("long-context rate applies above 200,000"),
        "{text}"
    );
}

#[test]
fn an_unknown_model_in_models_is_a_usage_error() {
    let dir = written(&request());
    let output = budgie(
        dir.path(),
        &[
            "--compare",
            "--models",
            "claude-sonnet-4-5,claude-nova-9",
            "r.json",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("`claude-nova-9` is not a model budgie knows"),
        "{output:?}"
    );
    // --models without --compare is refused by the argument parser.
    let output = budgie(
        dir.path(),
        &["--models", "claude-sonnet-4-5", "r.json"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_fifth_breakpoint_and_a_1h_after_a_5m_are_refused_like_the_api_does() {
    let mut five = request();
    five["cache_control"] = json!({"type": "ephemeral"});
    five["messages"][2]["content"] =
        json!([{"type": "text", "text": "What now?", "cache_control": {"type": "ephemeral"}}]);
    let dir = written(&five);
    let output = budgie(dir.path(), &["--offline", "--json", "r.json"], None);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let line = &lines(&output)[0];
    assert_eq!(line["error"]["type"], "validation_error");
    assert!(
        line["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("cache_control: a 5th cache breakpoint")),
        "{line}"
    );

    let mut late = request();
    late["system"][1]["cache_control"] = json!({"type": "ephemeral", "ttl": "1h"});
    let dir = written(&late);
    let output = budgie(dir.path(), &["--offline", "r.json"], None);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("system[1].cache_control: a 1h cache entry after a 5m one (tools[0])"),
        "{output:?}"
    );
}

#[test]
fn a_request_without_breakpoints_has_no_cache_field() {
    let mut plain = request();
    plain["tools"][0]
        .as_object_mut()
        .expect("tool")
        .remove("cache_control");
    plain["system"][1]
        .as_object_mut()
        .expect("block")
        .remove("cache_control");
    plain["messages"][0]["content"][0]
        .as_object_mut()
        .expect("block")
        .remove("cache_control");
    let dir = written(&plain);
    let output = budgie(dir.path(), &["--offline", "--json", "r.json"], None);
    assert!(output.status.success(), "{output:?}");
    assert!(lines(&output)[0].get("cache").is_none());
}

/// Answers the whole request by the rule and refuses every cut before the conversation.
struct RefusesCuts;

impl Respond for RefusesCuts {
    fn respond(&self, request: &Seen) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        if body["messages"] == json!([{"role": "user", "content": "."}]) {
            return ResponseTemplate::new(400).set_body_json(json!({"type": "error",
                "error": {"type": "invalid_request_error", "message": "no"}}));
        }
        ResponseTemplate::new(200).set_body_json(json!({ "input_tokens": rule(&body) }))
    }
}

#[tokio::test]
async fn a_prefix_the_api_will_not_count_makes_the_plan_offline_unless_exact_is_required() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages/count_tokens"))
        .respond_with(RefusesCuts)
        .mount(&server)
        .await;
    let dir = written(&request());
    let uri = server.uri();
    let path = dir.path().to_path_buf();
    let (lenient, strict) = tokio::task::spawn_blocking(move || {
        (
            budgie(&path, &["--json", "--no-cache", "r.json"], Some(&uri)),
            budgie(
                &path,
                &["--json", "--no-cache", "--exact", "r.json"],
                Some(&uri),
            ),
        )
    })
    .await
    .expect("joins");
    assert!(lenient.status.success(), "{lenient:?}");
    assert!(
        String::from_utf8_lossy(&lenient.stderr).contains("the cache plan is offline"),
        "{lenient:?}"
    );
    let line = &lines(&lenient)[0];
    assert_eq!(line["source"], "exact");
    // The plan's prefixes are the offline counter's, all of them.
    let (_, system_cut) = &cuts("claude-sonnet-4-5")[1];
    let offline = estimate(&parse(&system_cut.to_string()).expect("parses")).input_tokens;
    assert_eq!(line["cache"]["breakpoints"][1]["prefix_tokens"], offline);
    assert_eq!(strict.status.code(), Some(3), "{strict:?}");
}
