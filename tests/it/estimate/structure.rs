//! Structure of the offline count, independent of how text is tokenised: each expectation is
//! built from the rules of docs/offline-structure.md and the registry's constants, with text
//! counted by `text::count_text` and rendered by `estimate::render` (whose output is checked
//! against Python's `json.dumps` in its unit tests). The figures themselves are checked
//! against the API's own counts in `recorded.rs`.

use budgie::estimate::render;
use budgie::estimate::text::count_text;
use budgie::estimate::{Estimate, Family, Section, Structural, estimate};
use budgie::registry::Registry;
use budgie::request::{Request, Tool, ToolUseBlock, parse};

fn req(json: &str) -> Request {
    parse(json).expect("test request parses")
}

fn v3(text: &str) -> u64 {
    count_text(Family::V3, text)
}

/// A structural constant's whole-token value for a model.
fn k(model: &str, name: Structural) -> i64 {
    let r = Registry::builtin();
    let m = r.lookup(model);
    r.constant_for(&m, name).constant.tokens()
}

fn sum(e: &Estimate) -> u64 {
    let b = &e.breakdown;
    b.system + b.tools + b.messages + b.attachments + b.overhead
}

fn sections_sum(e: &Estimate) -> i64 {
    e.sections.iter().map(|(_, n)| n).sum()
}

const WEATHER_TOOL: &str = r#"{"name":"get_weather","description":"Get the current weather in a given location",
  "input_schema":{"type":"object","properties":{"location":{"type":"string",
  "description":"The city and state, e.g. San Francisco, CA"}},"required":["location"]}}"#;

const S45: &str = "claude-sonnet-4-5";

#[test]
fn a_system_prompt_adds_its_text_only() {
    let e = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","system":"You are a scientist",
            "messages":[{"role":"user","content":"Hello, Claude"}]}"#,
    ));
    assert_eq!(
        e.input_tokens,
        7 + v3("Hello, Claude") + v3("You are a scientist")
    );
    assert_eq!(e.breakdown.system, v3("You are a scientist"));
    assert_eq!(e.breakdown.overhead, 7);
    assert_eq!(e.family, "v3");
    assert_eq!(sum(&e), e.input_tokens);
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
        ("claude-3-5-haiku-20241022", 7, Family::V3),
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

fn weather_request(choice: &str, system: &str) -> Request {
    req(&format!(
        r#"{{"model":"claude-sonnet-4-5","tools":[{WEATHER_TOOL}]{choice}{system},
            "messages":[{{"role":"user","content":"What's the weather like in San Francisco?"}}]}}"#
    ))
}

#[test]
fn tools_add_the_published_prompt_once_plus_one_line_each() {
    let tool: Tool = serde_json::from_str(WEATHER_TOOL).expect("tool");
    let line = v3(&render::tool_definitions([&tool])) as i64;
    let join = k(S45, Structural::ToolDefinitionsJoin);
    let message = 7 + v3("What's the weather like in San Francisco?") as i64;
    // The published 2026 figures for Sonnet 4.5: 496 auto/none, 588 any/tool.
    for (choice, prompt) in [
        ("", 496),
        (r#","tool_choice":{"type":"auto"}"#, 496),
        (r#","tool_choice":{"type":"none"}"#, 496),
        (r#","tool_choice":{"type":"any"}"#, 588),
    ] {
        let e = estimate(&weather_request(choice, ""));
        assert_eq!(e.breakdown.tools as i64, prompt + join + line, "{choice}");
        assert_eq!(e.input_tokens as i64, prompt + join + line + message);
        assert!(e.unverified.is_empty(), "{:?}", e.unverified);
    }
    // A named tool adds its name and tool_choice_named; disabling parallel use its own figure.
    let named = estimate(&weather_request(
        r#","tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true}"#,
        "",
    ));
    assert_eq!(
        named.breakdown.tools as i64,
        588 + join
            + line
            + k(S45, Structural::ToolChoiceNamed)
            + v3("get_weather") as i64
            + k(S45, Structural::DisableParallelAdjustment)
    );
    // With a system prompt, the two parts are joined by one separator.
    let with_system = estimate(&weather_request("", r#","system":"Be brief.""#));
    assert_eq!(
        with_system.input_tokens as i64,
        496 + join
            + line
            + message
            + v3("Be brief.") as i64
            + k(S45, Structural::SystemPartSeparator)
    );

    // Two tools: the prompt once, each line, and a newline between them.
    let two = req(&format!(
        r#"{{"model":"claude-sonnet-4-5","tools":[{WEATHER_TOOL},{WEATHER_TOOL}],
            "messages":[{{"role":"user","content":"hi"}}]}}"#
    ));
    assert_eq!(
        estimate(&two).breakdown.tools as i64,
        496 + join + 2 * line + 1
    );
}

#[test]
fn server_tools_are_a_problem_and_the_rest_is_counted() {
    let e = estimate(&req(&format!(
        r#"{{"model":"claude-sonnet-4-5","tools":[{{"type":"web_search_20250305","name":"web_search"}},{WEATHER_TOOL}],
            "messages":[{{"role":"user","content":"hi"}}]}}"#
    )));
    let only_custom = estimate(&req(&format!(
        r#"{{"model":"claude-sonnet-4-5","tools":[{WEATHER_TOOL}],
            "messages":[{{"role":"user","content":"hi"}}]}}"#
    )));
    assert_eq!(e.input_tokens, only_custom.input_tokens);
    assert!(
        e.problems
            .iter()
            .any(|p| p.starts_with("tools[0]") && p.contains("cannot be counted offline")),
        "{:?}",
        e.problems
    );
    assert!(e.unverified.iter().any(|u| u.contains("web_search")));
}

#[test]
fn consecutive_same_role_messages_are_one_turn_of_blocks() {
    let split = estimate(&req(r#"{"model":"claude-sonnet-4-5","messages":[
            {"role":"user","content":"one"},{"role":"user","content":"two"},
            {"role":"assistant","content":"three"}]}"#));
    // Two turns: the frame, one turn separator; the first turn's two texts are joined by
    // one block separator.
    let overhead = 7 + k(S45, Structural::TurnSeparator) + k(S45, Structural::BlockSeparator);
    assert_eq!(split.breakdown.overhead as i64, overhead);
    assert_eq!(
        split.breakdown.messages,
        v3("one") + v3("two") + v3("three")
    );
    assert_eq!(
        split.structure.get(&Structural::TurnSeparator),
        Some(&1),
        "{:?}",
        split.structure
    );
}

const THINKING_EXAMPLE: &str = r#"{"model":"MODEL","thinking":{"type":"enabled","budget_tokens":16000},
  "messages":[
    {"role":"user","content":"Are there an infinite number of prime numbers such that n mod 4 == 3?"},
    {"role":"assistant","content":[
      {"type":"thinking","thinking":"This is a nice number theory question. Lets think about it step by step...","signature":"sig"},
      {"type":"text","text":"Yes, there are infinitely many prime numbers p such that p mod 4 = 3..."}]},
    {"role":"user","content":"Can you write a formal proof?"}]}"#;

#[test]
fn earlier_thinking_is_dropped_on_the_recorded_models() {
    let e = estimate(&req(&THINKING_EXAMPLE.replace("MODEL", S45)));
    let texts = v3("Are there an infinite number of prime numbers such that n mod 4 == 3?")
        + v3("Yes, there are infinitely many prime numbers p such that p mod 4 = 3...")
        + v3("Can you write a formal proof?");
    let overhead = 7 + 2 * k(S45, Structural::TurnSeparator) + k(S45, Structural::ThinkingConfig);
    assert_eq!(
        e.breakdown.messages, texts,
        "the earlier thinking is dropped"
    );
    assert_eq!(e.breakdown.overhead as i64, overhead);
    assert_eq!(e.input_tokens as i64, texts as i64 + overhead);
}

#[test]
fn models_that_keep_prior_turns_count_earlier_thinking_as_a_block() {
    let thinking = "This is a nice number theory question. Lets think about it step by step...";
    let old = estimate(&req(&THINKING_EXAMPLE.replace("MODEL", S45)));
    let new = estimate(&req(&THINKING_EXAMPLE.replace("MODEL", "claude-opus-4-5")));
    // Same family (v3): the difference is the thinking block, its wrapper and the separator
    // joining it to the text after it.
    let opus = "claude-opus-4-5";
    assert_eq!(
        new.input_tokens as i64,
        old.input_tokens as i64
            + v3(thinking) as i64
            + k(opus, Structural::ThinkingBlockWrapper)
            + k(opus, Structural::BlockSeparator)
    );
    assert!(
        new.unverified
            .iter()
            .any(|u| u.contains("thinking_block_wrapper"))
    );
}

#[test]
fn a_tool_call_and_its_result_are_counted_as_rendered() {
    let body = r#"{"model":"claude-sonnet-4-5","messages":[
        {"role":"user","content":"What is 2 + 3?"},
        {"role":"assistant","content":[{"type":"text","text":"Let me add."},
          {"type":"tool_use","id":"t1","name":"add","input":{"a":2,"b":3}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"5"}]}]}"#;
    let r = req(body);
    let e = estimate(&r);
    let call: ToolUseBlock = serde_json::from_value(serde_json::json!(
        {"id":"t1","name":"add","input":{"a":2,"b":3}}
    ))
    .expect("call");
    let calls = v3(&render::tool_calls(&[&call])) as i64;
    let results = v3("<function_results>5</function_results>") as i64;
    let texts = (v3("What is 2 + 3?") + v3("Let me add.")) as i64;
    let expected = 7
        + 2 * k(S45, Structural::TurnSeparator)
        + texts
        + k(S45, Structural::BlockSeparator)
        + calls
        + k(S45, Structural::ToolCallWrapper)
        + results;
    assert_eq!(e.input_tokens as i64, expected, "{:#?}", e.explain);
    // No text before the call under tool_choice auto: one opener token, once.
    let bare = estimate(&req(
        &body.replace(r#"{"type":"text","text":"Let me add."},"#, "")
    ));
    assert_eq!(
        bare.input_tokens as i64,
        expected - v3("Let me add.") as i64 - k(S45, Structural::BlockSeparator)
            + k(S45, Structural::ToolCallOpener)
    );
}

#[test]
fn each_parallel_call_beyond_the_first_adds_its_constant() {
    let body = |calls: &str, results: &str| {
        req(&format!(
            r#"{{"model":"claude-sonnet-4-0","messages":[
            {{"role":"user","content":"look up both"}},
            {{"role":"assistant","content":[{calls}]}},
            {{"role":"user","content":[{results}]}}]}}"#
        ))
    };
    let call = |id: &str, q: &str| {
        format!(r#"{{"type":"tool_use","id":"{id}","name":"find","input":{{"q":"{q}"}}}}"#)
    };
    let result = |id: &str, c: &str| {
        format!(r#"{{"type":"tool_result","tool_use_id":"{id}","content":"{c}"}}"#)
    };
    let one = estimate(&body(&call("a", "x"), &result("a", "X")));
    let two = estimate(&body(
        &format!("{},{}", call("a", "x"), call("b", "y")),
        &format!("{},{}", result("a", "X"), result("b", "Y")),
    ));
    assert_eq!(two.structure.get(&Structural::ParallelToolCall), Some(&1));
    assert_eq!(one.structure.get(&Structural::ParallelToolCall), None);
    assert!(
        two.input_tokens > one.input_tokens + 50,
        "Sonnet 4: 56 per extra call"
    );
}

#[test]
fn structured_outputs_add_their_prompt_and_the_indented_schema() {
    let schema =
        serde_json::json!({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]});
    let schema_tokens = v3(&render::output_schema(&schema)) as i64;
    for field in [
        format!(r#""output_config":{{"format":{{"type":"json_schema","schema":{schema}}}}}"#),
        format!(r#""output_format":{{"type":"json_schema","schema":{schema}}}"#),
    ] {
        let e = estimate(&req(&format!(
            r#"{{"model":"claude-sonnet-4-5",{field},"messages":[{{"role":"user","content":"pick"}}]}}"#
        )));
        assert_eq!(
            e.input_tokens as i64,
            7 + v3("pick") as i64 + k(S45, Structural::OutputFormatPrompt) + schema_tokens,
            "{field}"
        );
    }
}

#[test]
fn disabled_thinking_adds_nothing() {
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
    let r = Registry::builtin();
    let m = r.lookup(S45);
    let per = r
        .constant_for(&m, Structural::RedactedThinkingCharsPerToken)
        .constant
        .value;
    let redacted = (24.0 / per).ceil() as i64;
    let search = (v3("https://example.com") + v3("Ex") + v3("Example text")) as i64;
    assert_eq!(
        e.breakdown.messages as i64,
        search + k(S45, Structural::SearchResultWrapper) + redacted
    );
    assert!(e.unverified.iter().any(|u| u.contains("redacted_thinking")));
    assert!(e.unverified.iter().any(|u| u.contains("search_result")));
}

#[test]
fn a_system_message_inside_the_conversation_is_accepted_and_flagged() {
    let e = estimate(&req(r#"{"model":"claude-opus-4-6","messages":[
            {"role":"user","content":"hi"},{"role":"assistant","content":"hello"},
            {"role":"system","content":"Be terse from now on."},{"role":"user","content":"ok"}]}"#));
    assert!(e.problems.is_empty(), "{:?}", e.problems);
    assert!(
        e.unverified
            .iter()
            .any(|u| u.contains("system_message_turn"))
    );
    assert!(e.input_tokens > 7 + v3("Be terse from now on."));
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
fn constants_measured_on_v3_are_unverified_on_other_families() {
    let body = r#"{"model":"MODEL","messages":[{"role":"user","content":"a"},
        {"role":"assistant","content":"b"},{"role":"user","content":"c"}]}"#;
    let v3_model = estimate(&req(&body.replace("MODEL", "claude-opus-4-6")));
    assert!(v3_model.unverified.is_empty(), "{:?}", v3_model.unverified);
    let v47 = estimate(&req(&body.replace("MODEL", "claude-opus-4-7")));
    assert!(
        v47.unverified
            .iter()
            .any(|u| u.starts_with("turn_separator") && u.contains("v3")),
        "{:?}",
        v47.unverified
    );
}

#[test]
fn an_unknown_model_is_flagged_and_a_dated_id_is_known() {
    let e = estimate(&Request::single_text("claude-nova-9", "hi"));
    assert_eq!(e.family, "v4.8+");
    assert!(
        e.unverified
            .iter()
            .any(|u| u.contains("unknown model claude-nova-9"))
    );
    let dated = estimate(&Request::single_text("claude-sonnet-4-6-20990101", "hi"));
    assert!(dated.unverified.is_empty(), "{:?}", dated.unverified);
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
fn text_documents_are_blocks_of_their_turn_and_flagged() {
    let e = estimate(&req(
        r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[
            {"type":"document","source":{"type":"text","media_type":"text/plain","data":"The grass is green."},"title":"Notes"},
            {"type":"document","source":{"type":"content","content":[{"type":"text","text":"Sky is blue."}]}}]}]}"#,
    ));
    let wrapper = k(S45, Structural::DocumentTextWrapper);
    assert_eq!(
        e.breakdown.attachments as i64,
        (v3("The grass is green.") + v3("Notes") + v3("Sky is blue.")) as i64 + 2 * wrapper
    );
    assert_eq!(e.breakdown.messages, 0);
    assert!(e.unverified.iter().any(|u| u.contains("text document")));
}

#[test]
fn every_token_belongs_to_one_section() {
    let e = estimate(&req(&format!(
        r#"{{"model":"claude-sonnet-4-5","system":[{{"type":"text","text":"Be brief."}},{{"type":"text","text":"Be kind."}}],
            "tools":[{WEATHER_TOOL}],"thinking":{{"type":"enabled","budget_tokens":2000}},
            "messages":[{{"role":"user","content":"hi"}},{{"role":"assistant","content":"hello"}},
              {{"role":"user","content":"weather?"}}]}}"#
    )));
    assert_eq!(sections_sum(&e), e.input_tokens as i64);
    let get = |s: Section| {
        e.sections
            .iter()
            .find(|(x, _)| *x == s)
            .map(|(_, n)| *n)
            .unwrap_or_default()
    };
    assert_eq!(get(Section::System(Some(0))), v3("Be brief.") as i64);
    assert_eq!(get(Section::System(Some(1))), v3("Be kind.") as i64);
    assert_eq!(get(Section::Message(2)), v3("weather?") as i64);
    assert_eq!(get(Section::Thinking), k(S45, Structural::ThinkingConfig));
    let tool: Tool = serde_json::from_str(WEATHER_TOOL).expect("tool");
    assert_eq!(
        get(Section::Tool("get_weather".into())),
        v3(&render::tool_definitions([&tool])) as i64
    );
    assert_eq!(Section::Attachment(1, 2).id(), "attachment:1.2");
    assert_eq!(Section::Tool("x".into()).id(), "tool:x");
}
