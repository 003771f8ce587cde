//! Structure of the offline count, independent of how text is tokenised: each expectation is
//! built from the documented rules and the registry's constants, with text counted by
//! `text::count_text` so these hold for the placeholder and the real tokenizer alike.

use budgie::estimate::text::count_text;
use budgie::estimate::tools::tool_json;
use budgie::estimate::{Estimate, EstimateOptions, Family, ToolTable, estimate, estimate_with};
use budgie::registry::Registry;
use budgie::request::{Request, parse};

fn req(json: &str) -> Request {
    parse(json).expect("test request parses")
}

fn v3(text: &str) -> u64 {
    count_text(Family::V3, text)
}

fn sum(e: &Estimate) -> u64 {
    let b = &e.breakdown;
    b.system + b.tools + b.messages + b.attachments + b.overhead
}

const WEATHER_TOOL: &str = r#"{"name":"get_weather","description":"Get the current weather in a given location",
  "input_schema":{"type":"object","properties":{"location":{"type":"string",
  "description":"The city and state, e.g. San Francisco, CA"}},"required":["location"]}}"#;

#[test]
fn a_system_prompt_adds_its_text_only() {
    let e = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","system":"You are a scientist",
            "messages":[{"role":"user","content":"Hello, Claude"}]}"#,
    ));
    // Anthropic's token counting docs: frame 7 + "Hello, Claude" + "You are a scientist".
    assert_eq!(
        e.input_tokens,
        7 + v3("Hello, Claude") + v3("You are a scientist")
    );
    assert_eq!(e.breakdown.system, v3("You are a scientist"));
    assert_eq!(e.breakdown.overhead, 7);
    assert_eq!(e.family, "v3");
    assert_eq!(sum(&e), e.input_tokens);
    assert_eq!(e.approximate, budgie::estimate::text::APPROXIMATE);
    assert!(e.unverified.is_empty(), "{:?}", e.unverified);

    let blocks = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","system":[{"type":"text","text":"You are a scientist"}],
            "messages":[{"role":"user","content":"Hello, Claude"}]}"#,
    ));
    assert_eq!(blocks.input_tokens, e.input_tokens);
}

#[test]
fn each_family_brings_its_frame() {
    for (model, frame, family) in [
        ("claude-opus-4-7", 11, Family::V4_7),
        ("claude-opus-4-8", 6, Family::V4_8),
        ("claude-haiku-4-5", 7, Family::V3),
    ] {
        let e = estimate(&Request::single_text(model, "hello world"));
        assert_eq!(
            e.input_tokens,
            frame + count_text(family, "hello world"),
            "{model}"
        );
        assert_eq!(e.family, family.name());
    }
}

#[test]
fn tools_add_the_prompt_once_plus_their_json() {
    let body = |choice: &str| {
        req(&format!(
            r#"{{"model":"claude-sonnet-4-5","tools":[{WEATHER_TOOL}]{choice},
                "messages":[{{"role":"user","content":"What's the weather like in San Francisco?"}}]}}"#
        ))
    };
    let tool = serde_json::from_str(WEATHER_TOOL).expect("tool");
    let json = v3(&tool_json(&tool)) as i64;
    let adjust = Registry::builtin()
        .constants()
        .tools_json_adjustment
        .tokens();
    let message = 7 + v3("What's the weather like in San Francisco?");
    let y2025 = EstimateOptions {
        tool_table: Some(ToolTable::Y2025),
    };
    // The 2025 tool-use prompt table (Anthropic's tool use docs): 346 for auto/none, 313
    // for any/tool.
    for (choice, prompt) in [
        ("", 346),
        (r#","tool_choice":{"type":"auto"}"#, 346),
        (r#","tool_choice":{"type":"none"}"#, 346),
        (r#","tool_choice":{"type":"any"}"#, 313),
        (
            r#","tool_choice":{"type":"tool","name":"get_weather"}"#,
            313,
        ),
    ] {
        let e = estimate_with(&body(choice), y2025);
        assert_eq!(e.breakdown.tools as i64, prompt + json + adjust, "{choice}");
        assert_eq!(e.input_tokens, e.breakdown.tools + message);
        assert!(
            e.unverified.iter().any(|u| u.contains("2025 table")),
            "an older table is flagged: {:?}",
            e.unverified
        );
    }
    // A 2025-era model defaults to the 2025 table (its published examples were measured
    // with it); the 2026 table is one option away.
    assert_eq!(
        estimate(&body("")).breakdown.tools as i64,
        346 + json + adjust
    );
    let y2026 = EstimateOptions {
        tool_table: Some(ToolTable::Y2026),
    };
    // The 2026 table: Sonnet 4.5 is 496/588.
    let now = estimate_with(&body(""), y2026);
    assert_eq!(now.breakdown.tools as i64, 496 + json + adjust);
    let any = estimate_with(&body(r#","tool_choice":{"type":"any"}"#), y2026);
    assert_eq!(any.breakdown.tools as i64, 588 + json + adjust);
    assert!(now.explain.iter().any(|l| l.contains("2026 table")));

    // Two tools: the prompt still comes once.
    let two = req(&format!(
        r#"{{"model":"claude-sonnet-4-5","tools":[{WEATHER_TOOL},{WEATHER_TOOL}],
            "messages":[{{"role":"user","content":"hi"}}]}}"#
    ));
    assert_eq!(
        estimate_with(&two, y2026).breakdown.tools as i64,
        496 + 2 * json + adjust
    );
}

#[test]
fn server_tools_are_a_problem_not_a_count() {
    let e = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","tools":[{"type":"web_search_20250305","name":"web_search"}],
            "messages":[{"role":"user","content":"hi"}]}"#,
    ));
    assert_eq!(e.breakdown.tools, 0);
    assert!(
        e.problems.iter().any(|p| p.starts_with("tools[0]")),
        "{:?}",
        e.problems
    );
}

#[test]
fn consecutive_same_role_turns_are_merged() {
    let per_turn = Registry::builtin().constants().per_turn_overhead.tokens() as u64;
    let split = estimate(&req(r#"{"model":"claude-sonnet-4-5","messages":[
            {"role":"user","content":"one"},{"role":"user","content":"two"},
            {"role":"assistant","content":"three"}]}"#));
    // Two turns after merging: the frame plus one per-turn overhead.
    assert_eq!(split.breakdown.overhead, 7 + per_turn);
    assert_eq!(
        split.breakdown.messages,
        v3("one") + v3("two") + v3("three")
    );
    assert!(
        split
            .unverified
            .iter()
            .any(|u| u.starts_with("per_turn_overhead"))
    );
}

const THINKING_SEED: &str = r#"{"model":"MODEL","thinking":{"type":"enabled","budget_tokens":16000},
  "messages":[
    {"role":"user","content":"Are there an infinite number of prime numbers such that n mod 4 == 3?"},
    {"role":"assistant","content":[
      {"type":"thinking","thinking":"This is a nice number theory question. Lets think about it step by step...","signature":"sig"},
      {"type":"text","text":"Yes, there are infinitely many prime numbers p such that p mod 4 = 3..."}]},
    {"role":"user","content":"Can you write a formal proof?"}]}"#;

#[test]
fn earlier_thinking_is_ignored_under_the_2025_rule() {
    let c = Registry::builtin().constants();
    let e = estimate(&req(&THINKING_SEED.replace("MODEL", "claude-sonnet-4-5")));
    let texts = v3("Are there an infinite number of prime numbers such that n mod 4 == 3?")
        + v3("Yes, there are infinitely many prime numbers p such that p mod 4 = 3...")
        + v3("Can you write a formal proof?");
    let overhead =
        7 + 2 * c.per_turn_overhead.tokens() as u64 + c.thinking_config_overhead.tokens() as u64;
    assert_eq!(
        e.breakdown.messages, texts,
        "the earlier turn's thinking is not counted"
    );
    assert_eq!(e.breakdown.overhead, overhead);
    assert_eq!(e.input_tokens, texts + overhead);
}

#[test]
fn models_that_keep_prior_turns_count_earlier_thinking() {
    let c = Registry::builtin().constants();
    let thinking = "This is a nice number theory question. Lets think about it step by step...";
    let old = estimate(&req(&THINKING_SEED.replace("MODEL", "claude-sonnet-4-5")));
    let new = estimate(&req(&THINKING_SEED.replace("MODEL", "claude-opus-4-5")));
    // Same family (v3), so the only difference is the counted thinking block.
    assert_eq!(
        new.breakdown.messages,
        old.breakdown.messages + v3(thinking) + c.thinking_wrapper.tokens() as u64
    );
}

#[test]
fn the_current_assistant_turn_counts_its_thinking() {
    let body = r#"{"model":"claude-sonnet-4-5","messages":[
        {"role":"user","content":"q"},
        {"role":"assistant","content":[{"type":"thinking","thinking":"let me see","signature":"s"},
          {"type":"tool_use","id":"t1","name":"calc","input":{"x":1}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"2"}]}]}"#;
    let c = Registry::builtin().constants();
    let e = estimate(&req(body));
    // The tool loop is still in the assistant turn, so its thinking counts.
    let expected = v3("q")
        + v3("let me see")
        + c.thinking_wrapper.tokens() as u64
        + v3("calc")
        + v3(r#"{"x":1}"#)
        + c.tool_use_wrapper.tokens() as u64
        + v3("2")
        + c.tool_result_wrapper.tokens() as u64;
    assert_eq!(e.breakdown.messages, expected);
}

#[test]
fn disabled_thinking_adds_no_overhead() {
    let e = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","thinking":{"type":"disabled"},
            "messages":[{"role":"user","content":"hi"}]}"#,
    ));
    assert_eq!(e.breakdown.overhead, 7);
}

#[test]
fn redacted_thinking_and_search_results_are_counted_and_flagged() {
    let e = estimate(&req(r#"{"model":"claude-sonnet-4-5","messages":[
            {"role":"user","content":[{"type":"search_result","source":"https://example.com","title":"Ex",
              "content":[{"type":"text","text":"Example text"}]}]},
            {"role":"assistant","content":[{"type":"redacted_thinking","data":"QUJDREVGR0hJSktMTU5PUA=="}]}]}"#));
    let c = Registry::builtin().constants();
    let redacted = (24.0 / c.redacted_thinking_chars_per_token.value).ceil() as u64;
    let search = v3("https://example.com") + v3("Ex") + v3("Example text");
    assert_eq!(
        e.breakdown.messages,
        search + c.search_result_wrapper.tokens() as u64 + redacted
    );
    assert!(e.unverified.iter().any(|u| u.contains("redacted_thinking")));
}

#[test]
fn opus_5_does_not_count_trailing_whitespace() {
    let plain = estimate(&Request::single_text("claude-opus-5", "hello"));
    let trailing = estimate(&Request::single_text("claude-opus-5", "hello  \n"));
    assert_eq!(plain.input_tokens, trailing.input_tokens);
    let other = estimate(&Request::single_text("claude-opus-4-8", "hello  \n"));
    assert_eq!(
        other.input_tokens,
        6 + count_text(Family::V4_8, "hello  \n")
    );
}

#[test]
fn an_unknown_model_is_flagged() {
    let e = estimate(&Request::single_text("claude-nova-9", "hi"));
    assert_eq!(e.family, "v4.8+");
    assert!(
        e.unverified
            .iter()
            .any(|u| u.contains("unknown model claude-nova-9"))
    );
}

#[test]
fn unknown_blocks_and_url_sources_are_problems_with_paths() {
    let e = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[
            {"type":"future_block","x":1},
            {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]}"#,
    ));
    assert!(
        e.problems
            .iter()
            .any(|p| p.starts_with("messages[0].content[0]"))
    );
    assert!(
        e.problems
            .iter()
            .any(|p| p.starts_with("messages[0].content[1]") && p.contains("base64")),
        "{:?}",
        e.problems
    );
    assert_eq!(e.input_tokens, 7);
}

#[test]
fn text_documents_count_their_text_as_an_attachment() {
    let e = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[
            {"type":"document","source":{"type":"text","media_type":"text/plain","data":"The grass is green."},"title":"Notes"},
            {"type":"document","source":{"type":"content","content":[{"type":"text","text":"Sky is blue."}]}}]}]}"#,
    ));
    let wrapper = Registry::builtin().constants().document_wrapper.tokens() as u64;
    assert_eq!(
        e.breakdown.attachments,
        v3("The grass is green.") + v3("Notes") + v3("Sky is blue.") + 2 * wrapper
    );
    assert_eq!(e.breakdown.messages, 0);
}
