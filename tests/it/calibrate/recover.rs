//! `budgie calibrate` recovers a fake API's hidden structure, after which offline counts
//! equal the fake's exactly on new requests; values the counts do not agree on are
//! reported, not kept.

use serde_json::{Value, json};

use super::support::{Home, json_lines, stderr, stdout};
use crate::support::base64;
use crate::support::fake_structure_api::{FakeStructureApi, Hidden, Quirk, count};
use crate::support::files::{pdf, png};
use budgie::registry::{Registry, Structural};

const SONNET: &str = "claude-sonnet-4-5";
const OPUS: &str = "claude-opus-5";

/// The values calibrate should find for `hidden` on `model`: the hidden ones, except the
/// tool-use prompt figures, which absorb any difference in `tool_definitions_join` (every
/// request with tools pays both).
fn expected(model: &str, hidden: &Hidden) -> Vec<(&'static str, f64)> {
    let registry = Registry::builtin();
    let shipped = registry.lookup_shipped(model);
    let join = registry
        .constant_for(&shipped, Structural::ToolDefinitionsJoin)
        .constant
        .value;
    let h = hidden;
    vec![
        ("frame", h.frame as f64),
        (
            "tool_prompt.auto_none",
            (h.auto_none + h.join) as f64 - join,
        ),
        ("tool_prompt.any_tool", (h.any_tool + h.join) as f64 - join),
        ("turn_separator", h.turn_separator as f64),
        ("block_separator", h.block_separator as f64),
        ("system_part_separator", h.system_part_separator as f64),
        ("tool_choice_named", h.tool_choice_named as f64),
        ("disable_parallel_adjustment", h.disable_parallel as f64),
        ("tool_call_wrapper", h.call_wrapper as f64),
        ("parallel_tool_call", h.parallel_call as f64),
        ("tool_call_opener", h.opener as f64),
        ("thinking_config", h.thinking_config as f64),
        ("output_format_prompt", h.output_format_prompt as f64),
        ("image_wrapper", h.image_wrapper as f64),
        ("image_row_tokens", h.image_row as f64),
        ("document_wrapper", h.document_wrapper as f64),
        ("document_text_wrapper", h.document_text_wrapper as f64),
        ("thinking_block_wrapper", h.thinking_block_wrapper as f64),
        ("search_result_wrapper", h.search_result_wrapper as f64),
        ("system_message_turn", h.system_message_turn as f64),
    ]
}

fn tool(name: &str, description: &str, properties: Value) -> Value {
    json!({"name": name, "description": description,
        "input_schema": {"type": "object", "properties": properties}})
}

fn image(width: u32, height: u32) -> Value {
    json!({"type": "image", "source": {"type": "base64", "media_type": "image/png",
        "data": base64(&png(width, height))}})
}

fn document(text: &str) -> Value {
    json!({"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
        "data": base64(&pdf(text))}})
}

/// New requests, none of them a probe: multi-turn, with tools, tool calls and results,
/// images, documents and thinking, mixed.
fn new_requests(model: &str) -> Vec<(&'static str, Value)> {
    let search = tool(
        "search_docs",
        "Search the team's documents",
        json!({"query": {"type": "string"}, "limit": {"type": "integer"}}),
    );
    let mail = tool(
        "send_email",
        "Send an email to a colleague",
        json!({"to": {"type": "string"}, "body": {"type": "string"}}),
    );
    let thinking = if model == SONNET {
        json!({"type": "enabled", "budget_tokens": 3000})
    } else {
        json!({"type": "adaptive"})
    };
    vec![
        (
            "agent.json",
            json!({"model": model, "system": "You help a small team with its paperwork.",
            "tools": [search, mail],
            "messages": [
                {"role": "user", "content": "Find the travel policy and mail it to Ana."},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Searching first."},
                    {"type": "tool_use", "id": "a1", "name": "search_docs",
                     "input": {"query": "travel policy", "limit": 3}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "a1",
                     "content": [{"type": "text", "text": "travel-policy-2026.pdf"}]}]},
                {"role": "assistant", "content": [
                    {"type": "tool_use", "id": "a2", "name": "send_email",
                     "input": {"to": "ana@example.com", "body": "Here it is."}},
                    {"type": "tool_use", "id": "a3", "name": "search_docs",
                     "input": {"query": "expense form", "limit": 1}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "a2", "content": "sent"},
                    {"type": "tool_result", "tool_use_id": "a3", "content": "expenses.xlsx"}]},
                {"role": "assistant", "content": "Done: mailed, and the form is expenses.xlsx."},
                {"role": "user", "content": "Thanks a lot."}
            ]}),
        ),
        (
            "thinking.json",
            json!({"model": model, "thinking": thinking, "tools": [tool("lookup", "Look a word up",
                json!({"word": {"type": "string"}}))],
            "messages": [
                {"role": "user", "content": [image(300, 200), {"type": "text", "text": "What is written on this sign?"}]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "The sign is blank; I could look up the word sign.", "signature": "c2ln"},
                    {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"word": "sign"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a notice giving information"}]}
            ]}),
        ),
        (
            "document.json",
            json!({"model": model, "system": [{"type": "text", "text": "Answer from the document."},
                                          {"type": "text", "text": "Say so when it does not say."}],
            "messages": [
                {"role": "user", "content": [document("Invoice 2291: 14 chairs, due 30 June."),
                                             {"type": "text", "text": "How many chairs?"}]},
                {"role": "assistant", "content": "Fourteen."},
                {"role": "user", "content": [{"type": "text", "text": "And this photo?"}, image(500, 500)]}
            ]}),
        ),
        (
            "forced.json",
            json!({"model": model, "tools": [tool("rate", "Rate a reply", json!({"score": {"type": "integer"}}))],
            "tool_choice": {"type": "tool", "name": "rate", "disable_parallel_tool_use": true},
            "messages": [
                {"role": "user", "content": "Rate this: the answer was quick."},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "r1", "name": "rate", "input": {"score": 4}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "r1", "content": "stored"},
                                             {"type": "text", "text": "Now this one: slow but right."}]}
            ]}),
        ),
        (
            "mixed.json",
            json!({"model": model, "output_config": {"format": {"type": "json_schema",
                "schema": {"type": "object", "properties": {"verdict": {"type": "string"}}}}},
            "messages": [
                {"role": "user", "content": [
                    {"type": "search_result", "source": "https://example.com/b", "title": "Bridges",
                     "content": [{"type": "text", "text": "The bridge opened in 1932."}]},
                    {"type": "text", "text": "When did it open?"}]},
                {"role": "assistant", "content": "{\"verdict\": \"1932\"}"},
                {"role": "system", "content": "Keep it to one word."},
                {"role": "user", "content": "And who built it?"}
            ]}),
        ),
        (
            "result-image.json",
            json!({"model": model, "tools": [tool("screenshot", "Take a screenshot", json!({}))],
            "messages": [
                {"role": "user", "content": "Show me the screen."},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "s1", "name": "screenshot", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "s1",
                    "content": [{"type": "text", "text": "here"}, image(120, 90)]}]},
                {"role": "assistant", "content": "A blank screen."},
                {"role": "user", "content": "Thanks."}
            ]}),
        ),
    ]
}

fn fake_counts(requests: &[(&str, Value)], hidden: &Hidden) -> Vec<u64> {
    requests
        .iter()
        .map(|(_, r)| count(r, hidden, Quirk::None).expect("the fake counts it"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calibrate_recovers_the_hidden_structure_and_offline_counts_then_match_the_api() {
    // As the API: the older models take `enabled` thinking only, the newer `adaptive` only.
    let mut sonnet = Hidden::sonnet_4_5();
    sonnet.refuses = vec!["thinking:adaptive"];
    let mut opus = Hidden::opus_5();
    opus.refuses = vec!["thinking:enabled"];
    let api = FakeStructureApi::start(
        vec![(SONNET, sonnet.clone()), (OPUS, opus.clone())],
        Quirk::None,
    )
    .await;
    let home = Home::new();
    let uri = api.uri();

    // Before: the offline counts of new requests are off.
    let mut files = Vec::new();
    let mut fake = Vec::new();
    for (model, hidden) in [(SONNET, &sonnet), (OPUS, &opus)] {
        let requests = new_requests(model);
        fake.extend(fake_counts(&requests, hidden));
        for (name, r) in &requests {
            files.push(home.write(&format!("{model}-{name}"), r));
        }
    }
    let offline_lines = |home: &Home| -> Vec<Value> {
        let mut args = vec!["count", "--offline", "--json"];
        args.extend(files.iter().map(String::as_str));
        let out = home.run(&args, None);
        assert!(out.status.success(), "{}", stderr(&out));
        json_lines(&out)
    };
    let offline = |home: &Home| -> Vec<u64> {
        offline_lines(home)
            .iter()
            .map(|l| l["input_tokens"].as_u64().expect("a count"))
            .collect()
    };
    let before = offline(&home);
    let unverified_before = offline_lines(&home)
        .iter()
        .filter(|l| l.get("unverified").is_some())
        .count();
    assert!(unverified_before > 0);
    assert_eq!(before.len(), fake.len());
    assert!(
        before.iter().zip(&fake).all(|(a, b)| a != b),
        "the shipped constants should be off on every new request: {before:?} vs {fake:?}"
    );

    let out = home.run(
        &[
            "calibrate",
            "--model",
            SONNET,
            "--model",
            OPUS,
            "--json",
            "--rpm",
            "100000",
        ],
        Some(&uri),
    );
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let reports = json_lines(&out);
    assert_eq!(reports.len(), 2);
    for (report, (model, hidden)) in reports.iter().zip([(SONNET, &sonnet), (OPUS, &opus)]) {
        assert_eq!(report["model"], model);
        assert!(report["probes"].as_u64().expect("probes") <= 60);
        for (key, value) in expected(model, hidden) {
            assert_eq!(
                report["values"][key]["value"].as_f64(),
                Some(value),
                "{model} {key}: {}",
                report
            );
        }
        assert_eq!(report["unfit"], json!({}), "{report}");
        assert_eq!(report["not_measured"], json!({}), "{report}");
        assert_eq!(
            report["self_check"]["exact"], report["self_check"]["total"],
            "{report}"
        );
    }
    // Sonnet's fake renders PDF pages at 100 dpi, not budgie's 150: found by the search.
    assert_eq!(
        reports[0]["values"]["pdf_page_dpi"]["value"].as_f64(),
        Some(100.0)
    );
    // Opus's renders at 150, as budgie does: kept, and now measured.
    assert_eq!(
        reports[1]["values"]["pdf_page_dpi"]["value"].as_f64(),
        Some(150.0)
    );
    // Each model refused the kind of thinking it does not take; the other kind measured it.
    assert!(
        reports[0]["refused"].get("adaptive thinking").is_some(),
        "{}",
        reports[0]
    );
    assert!(
        reports[1]["refused"].get("thinking on").is_some(),
        "{}",
        reports[1]
    );
    let stored = home.calibration();
    assert_eq!(
        stored["models"][SONNET]["values"]["turn_separator"]["value"],
        json!(4.0)
    );
    assert_eq!(stored["models"][OPUS]["api_model"], OPUS);

    // After: every new request counts offline exactly as the fake counts it, and nothing
    // in those counts rests on a guess any more.
    assert_eq!(offline(&home), fake);
    for line in offline_lines(&home) {
        assert!(line.get("unverified").is_none(), "{line}");
    }

    // --explain says where the values come from.
    let out = home.run(&["count", "--offline", "--explain", &files[0]], None);
    let text = stdout(&out);
    assert!(text.contains("turn_separator = 4 (calibrated 20"), "{text}");
    assert!(text.contains("message frame 9 (calibrated 20"), "{text}");
    assert!(!text.contains("unverified"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_constant_whose_counts_do_not_follow_one_value_is_reported_not_kept() {
    let hidden = Hidden::sonnet_4_5();
    let api =
        FakeStructureApi::start(vec![(SONNET, hidden.clone())], Quirk::GrowingParallelCalls).await;
    let home = Home::new();
    let out = home.run(
        &["calibrate", "--model", SONNET, "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    println!("{report}");
    assert!(
        report.contains("parallel_tool_call") && report.contains("does not fit one value"),
        "{report}"
    );
    assert!(
        report.contains("two parallel calls 38, three parallel calls 40"),
        "{report}"
    );
    let stored = &home.calibration()["models"][SONNET];
    assert!(
        stored["values"].get("parallel_tool_call").is_none(),
        "{stored}"
    );
    assert_eq!(
        stored["unfit"]["parallel_tool_call"]["residuals"]
            .as_object()
            .map(|r| r.len()),
        Some(2)
    );
    // Everything else is still recovered.
    for (key, value) in expected(SONNET, &hidden) {
        if key != "parallel_tool_call" {
            assert_eq!(
                stored["values"][key]["value"].as_f64(),
                Some(value),
                "{key}"
            );
        }
    }
    // Offline counts keep the shipped value for it, and say so.
    let file = home.write(
        "parallel.json",
        &json!({"model": SONNET, "messages": [{"role": "user", "content": "hi"}]}),
    );
    let out = home.run(&["count", "--offline", "--explain", &file], None);
    assert!(out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_noisy_server_is_reported_and_what_disagrees_is_not_kept() {
    let api = FakeStructureApi::start(vec![(SONNET, Hidden::sonnet_4_5())], Quirk::Noisy).await;
    let home = Home::new();
    let out = home.run(
        &["calibrate", "--model", SONNET, "--json", "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    let unfit = report["unfit"].as_object().expect("unfit");
    assert!(!unfit.is_empty(), "noise must show: {report}");
    let stored = &home.calibration()["models"][SONNET];
    for key in unfit.keys() {
        assert!(stored["values"].get(key).is_none(), "{key} kept: {stored}");
        assert!(stored["unfit"].get(key).is_some(), "{key}");
    }
    // The self-check sees the noise too.
    let check = &report["self_check"];
    assert!(check["exact"].as_u64() < check["total"].as_u64(), "{check}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_a_model_refuses_leave_their_constants_unmeasured() {
    let mut hidden = Hidden::sonnet_4_5();
    hidden.refuses = vec!["search_result", "system_message"];
    let api = FakeStructureApi::start(vec![(SONNET, hidden)], Quirk::None).await;
    let home = Home::new();
    let out = home.run(
        &["calibrate", "--model", SONNET, "--json", "--rpm", "100000"],
        Some(&api.uri()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    for key in ["search_result_wrapper", "system_message_turn"] {
        let why = report["not_measured"][key].as_str().unwrap_or_default();
        assert!(why.contains("the API refused"), "{key}: {report}");
        assert!(report["values"].get(key).is_none());
    }
    assert_eq!(report["values"]["turn_separator"]["value"], json!(4));
}
