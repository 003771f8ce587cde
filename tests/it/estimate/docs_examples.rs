//! The examples of Anthropic's token counting docs, counted offline end to end: the
//! expected figures are the docs' own.

use budgie::estimate::estimate;
use budgie::request::parse;

#[test]
fn the_system_prompt_example_is_14() {
    let request = parse(
        r#"{"model":"claude-sonnet-4-5","system":"You are a scientist",
            "messages":[{"role":"user","content":"Hello, Claude"}]}"#,
    )
    .expect("request");
    let e = estimate(&request);
    assert_eq!(e.input_tokens, 14, "{e:#?}");
    assert!(e.unverified.is_empty(), "{:?}", e.unverified);
}

#[test]
fn the_tool_example_is_403_on_the_models_of_its_time() {
    // The docs give 403 for this example under several model names over the years; the
    // published tool-use prompt figure that reproduces it is Sonnet 4's (313), with the
    // tool rendered as the recorded traffic shows.
    let request = parse(
        r#"{"model":"claude-sonnet-4-0",
            "tools":[{"name":"get_weather","description":"Get the current weather in a given location",
              "input_schema":{"type":"object","properties":{"location":{"type":"string",
                "description":"The city and state, e.g. San Francisco, CA"}},"required":["location"]}}],
            "messages":[{"role":"user","content":"What's the weather like in San Francisco?"}]}"#,
    )
    .expect("request");
    let e = estimate(&request);
    assert_eq!(e.input_tokens, 403, "{e:#?}");
    assert!(e.unverified.is_empty(), "{:?}", e.unverified);
}

#[test]
fn the_thinking_example_is_within_one_token_of_88() {
    // 16 recorded thinking requests put the thinking configuration at 29 tokens whatever the
    // budget; the docs' 88 implies 28. The recorded traffic wins; the example stays close.
    let request = parse(
        r#"{"model":"claude-sonnet-4-5","thinking":{"type":"enabled","budget_tokens":16000},
            "messages":[
              {"role":"user","content":"Are there an infinite number of prime numbers such that n mod 4 == 3?"},
              {"role":"assistant","content":[
                {"type":"thinking","thinking":"This is a nice number theory question. Lets think about it step by step...","signature":"EuYBCkQYAiJAgCs1le6/Pol5Z4/JMomVOouGrWdhYNsH3ukzUECbB6iWrSQtsQuRHJID6lWV..."},
                {"type":"text","text":"Yes, there are infinitely many prime numbers p such that p mod 4 = 3..."}]},
              {"role":"user","content":"Can you write a formal proof?"}]}"#,
    )
    .expect("request");
    let n = estimate(&request).input_tokens;
    assert!(n.abs_diff(88) <= 1, "{n}");
}
