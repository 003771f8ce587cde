//! An offline count explained in words a user knows: what each part of the request comes to
//! (the system prompt, each tool, the tool-use prompt every request with tools carries, each
//! turn, each attachment, the thinking setting, the framing), and which parts rest on a
//! guess. `budgie count --explain` prints it; the workbench shows the tool-use prompt apart
//! from the tools.

use crate::estimate::{self, Estimate, Section, Structural};
use crate::registry::Registry;
use crate::request::{Request, Role};

/// One part of a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub tokens: i64,
    /// What the part is, when its name does not say.
    pub note: Option<&'static str>,
}

/// What tools add besides their own definitions: the tool-use prompt (and what joins the
/// tools to it), counted once for any number of tools. `estimate` is `request`'s.
pub fn tool_prompt(request: &Request, estimate: &Estimate) -> u64 {
    if request.tools.as_ref().is_none_or(Vec::is_empty) {
        return 0;
    }
    let mut without = request.clone();
    without.tools = None;
    without.tool_choice = None;
    let own: i64 = estimate
        .sections
        .iter()
        .filter(|(s, _)| matches!(s, Section::Tool(_)))
        .map(|(_, n)| *n)
        .sum();
    let added = i64::try_from(estimate.input_tokens).unwrap_or(i64::MAX)
        - i64::try_from(estimate::estimate(&without).input_tokens).unwrap_or(0)
        - own;
    u64::try_from(added).unwrap_or(0)
}

/// The parts of `request`'s offline count, in the request's order; they add up to it.
pub fn parts(request: &Request, estimate: &Estimate) -> Vec<Part> {
    let prompt = i64::try_from(tool_prompt(request, estimate)).unwrap_or(0);
    let mut out = Vec::new();
    for (section, tokens) in &estimate.sections {
        let (name, note) = match section {
            Section::System(None) => ("system prompt".to_string(), None),
            Section::System(Some(i)) => (format!("system prompt, block {}", i + 1), None),
            Section::Tool(name) => (format!("tool {name}"), None),
            Section::Message(i) => {
                let role = match request.messages.get(*i).map(|m| m.role) {
                    Some(Role::User) => "user",
                    Some(Role::Assistant) => "assistant",
                    Some(Role::System) => "system",
                    None => "?",
                };
                (format!("turn {} ({role})", i + 1), None)
            }
            Section::Attachment(i, j) => (
                format!("attachment in turn {}, block {}", i + 1, j + 1),
                None,
            ),
            Section::Thinking => (
                "thinking setting".to_string(),
                Some("added when extended thinking is on"),
            ),
            Section::OutputFormat => (
                "output format".to_string(),
                Some("the instructions and schema for structured output"),
            ),
            Section::Framing => {
                if prompt > 0 {
                    out.push(Part {
                        name: "tool-use prompt".into(),
                        tokens: prompt,
                        note: Some("added once to any request with tools"),
                    });
                }
                (
                    "framing".to_string(),
                    Some("the message frame and the joins between parts"),
                )
            }
        };
        let tokens = if *section == Section::Framing {
            tokens - prompt
        } else {
            *tokens
        };
        out.push(Part { name, tokens, note });
    }
    out
}

/// The parts of the count that rest on a guess, in words.
pub fn guesses(estimate: &Estimate) -> Vec<String> {
    estimate
        .unverified
        .iter()
        .map(|u| guess_in_words(u))
        .collect()
}

fn guess_in_words(text: &str) -> String {
    if let Some((key, rest)) = text.split_once(" = ")
        && let Some(constant) = Structural::ALL.iter().find(|s| s.key() == key)
    {
        let value = rest.split_whitespace().next().unwrap_or("?");
        let why = if rest.contains("a guess") {
            "a guess"
        } else {
            "measured on other models only"
        };
        return format!("{}: {value} token(s), {why}", words(*constant));
    }
    if let Some(rest) = text.strip_prefix("tool-use prompt ") {
        let value = rest.split_whitespace().next().unwrap_or("?");
        return format!(
            "the tool-use prompt for this model: {value} tokens, Anthropic's published figure, \
             not yet checked against counts from the API"
        );
    }
    text.to_string()
}

/// A structural constant in words.
pub fn words(constant: Structural) -> &'static str {
    match constant {
        Structural::TurnSeparator => "the separator between turns",
        Structural::BlockSeparator => "the separator between blocks of a turn",
        Structural::SystemPartSeparator => "the join between the parts before the first turn",
        Structural::ToolDefinitionsJoin => "the join between the tool-use prompt and the tools",
        Structural::ToolChoiceNamed => "the instruction to use a named tool",
        Structural::DisableParallelAdjustment => "the change for one tool call at a time",
        Structural::ToolCallWrapper => "the wrapping around tool calls",
        Structural::ParallelToolCall => "each further tool call in one turn",
        Structural::ToolCallOpener => "the start of a tool call",
        Structural::ThinkingConfig => "the thinking setting",
        Structural::OutputFormatPrompt => "the output-format instructions",
        Structural::ImageWrapper => "the wrapping around an image",
        Structural::ImageRowTokens => "the tokens per row of an image",
        Structural::DocumentWrapper => "the wrapping around a document",
        Structural::DocumentTextWrapper => "the wrapping around a text document",
        Structural::PdfPageDpi => "the resolution PDF pages are counted at",
        Structural::ThinkingBlockWrapper => "the wrapping around a thinking block",
        Structural::RedactedThinkingCharsPerToken => {
            "the characters per token of redacted thinking"
        }
        Structural::SearchResultWrapper => "the wrapping around a search result",
        Structural::SystemMessageTurn => "a system message inside the conversation",
    }
}

/// `--explain`: how the offline count was made, a line each.
pub fn lines(request: &Request, estimate: &Estimate) -> Vec<String> {
    let model = Registry::builtin().lookup(&request.model);
    let mut out = vec![format!(
        "counted offline with budgie's tokenizer for {}, part by part:",
        model.id
    )];
    let parts = parts(request, estimate);
    let width = parts
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let digits = estimate.input_tokens.to_string().len().max(3);
    for part in &parts {
        let note = part.note.map(|n| format!("  {n}")).unwrap_or_default();
        out.push(format!(
            "  {:<width$}  {:>digits$}{note}",
            part.name, part.tokens
        ));
    }
    out.push(format!(
        "  {:<width$}  {:>digits$}",
        "total", estimate.input_tokens
    ));
    for guess in guesses(estimate) {
        out.push(format!("resting on a guess: {guess}"));
    }
    // What `budgie calibrate` measured on this machine, with its date, instead of a guess.
    for used in estimate
        .explain
        .iter()
        .filter(|l| l.contains("(calibrated "))
    {
        out.push(format!("measured by budgie calibrate: {used}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    fn weather() -> Request {
        parse(
            r#"{"model":"claude-sonnet-4-5","system":"You are helpful","messages":[{"role":"user","content":"Hello there"}],
            "tools":[{"name":"get_weather","description":"Get the weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}],
            "thinking":{"type":"enabled","budget_tokens":2000}}"#,
        )
        .expect("valid")
    }

    #[test]
    fn the_parts_add_up_and_the_tool_use_prompt_is_apart() {
        let request = weather();
        let e = estimate::estimate(&request);
        let parts = parts(&request, &e);
        let sum: i64 = parts.iter().map(|p| p.tokens).sum();
        assert_eq!(sum, i64::try_from(e.input_tokens).expect("fits"));
        let prompt = parts
            .iter()
            .find(|p| p.name == "tool-use prompt")
            .expect("the tool-use prompt");
        // Anthropic's published figure for these models is 496 (tool_choice auto), plus
        // the join between it and the tools.
        assert!((496..=500).contains(&prompt.tokens), "{prompt:?}");
        assert!(parts.iter().any(|p| p.name == "tool get_weather"));
    }

    #[test]
    fn the_explanation_names_no_internal_constants() {
        let mut request = weather();
        request.model = "claude-opus-4-7".into();
        request.thinking = None;
        let e = estimate::estimate(&request);
        let text = lines(&request, &e).join("\n");
        for constant in Structural::ALL {
            assert!(!text.contains(constant.key()), "{text}");
        }
        assert!(text.contains("resting on a guess"), "{text}");
        assert!(!text.contains('§'), "{text}");
    }
}
