//! The probe requests and the order they are solved in.
//!
//! Each step solves one unknown (two for images and documents) from a few requests whose
//! counts use it, once everything else they use is known: a single message gives the frame;
//! more turns, the turn separator; a tool added, the tool-use prompt; and so on. Every step
//! has at least one more request than unknowns, so a value that does not fit a linear rule
//! shows as residuals that disagree. A second, different set of requests (`self_check`) is
//! predicted afterwards to check the result.

use serde_json::{Value, json};

use super::design::Unknown;
use super::files;
use crate::estimate::Structural;
use crate::registry::{Family, ModelInfo, Rule};
use crate::request::Request;

/// One request sent to count_tokens.
#[derive(Debug, Clone)]
pub struct Probe {
    pub name: &'static str,
    pub request: Request,
}

/// Unknowns solved together from some probes.
#[derive(Debug, Clone)]
pub struct Step {
    pub unknowns: Vec<Unknown>,
    pub probes: Vec<&'static str>,
    /// Probes that use none of `unknowns`: checks of a rule with everything known.
    pub checks: Vec<&'static str>,
}

/// Everything one model's calibration sends.
#[derive(Debug, Clone)]
pub struct Design {
    pub probes: Vec<Probe>,
    pub steps: Vec<Step>,
    /// Different requests, predicted once the steps are solved.
    pub self_check: Vec<Probe>,
    /// The check (a probe in some step's `checks`) that confirms each rule.
    pub rules: Vec<(Rule, &'static str)>,
}

impl Design {
    pub fn probe(&self, name: &str) -> Option<&Probe> {
        self.probes
            .iter()
            .chain(&self.self_check)
            .find(|p| p.name == name)
    }

    /// Every request, calibration probes first.
    pub fn all(&self) -> impl Iterator<Item = &Probe> {
        self.probes.iter().chain(&self.self_check)
    }
}

const HELLO: &str = "Hello there, how are you today?";
const SUMMARY: &str = "Please summarise the following paragraph in one sentence.";
const WEATHER: &str = "What is the weather like in Paris right now?";
const WELL: &str = "I am well, thank you. How can I help?";
const SURE: &str = "Sure, here is a short summary of it.";
const RIVERS: &str = "Thanks. Now list three facts about rivers.";
const SYSTEM: &str = "You are a careful assistant who answers in plain English.";
/// A base64 string where a thinking block's signature goes.
const SIGNATURE: &str = "cHJvYmUgc2lnbmF0dXJlIGZvciBjb3VudGluZw==";

fn get_weather() -> Value {
    json!({
        "name": "get_weather",
        "description": "Get the current weather in a given location",
        "input_schema": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and country"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
            },
            "required": ["location"]
        }
    })
}

fn lookup_order() -> Value {
    json!({
        "name": "lookup_order",
        "description": "Look up an order by its id",
        "input_schema": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"]
        }
    })
}

fn convert_currency() -> Value {
    json!({
        "name": "convert_currency",
        "description": "Convert an amount between two currencies",
        "input_schema": {
            "type": "object",
            "properties": {
                "amount": {"type": "number"},
                "from": {"type": "string"},
                "to": {"type": "string"}
            },
            "required": ["amount", "from", "to"]
        }
    })
}

fn user(content: impl Into<Value>) -> Value {
    json!({"role": "user", "content": content.into()})
}

fn assistant(content: impl Into<Value>) -> Value {
    json!({"role": "assistant", "content": content.into()})
}

fn text(t: &str) -> Value {
    json!({"type": "text", "text": t})
}

fn call(id: &str, name: &str, input: Value) -> Value {
    json!({"type": "tool_use", "id": id, "name": name, "input": input})
}

fn result(id: &str, content: &str) -> Value {
    json!({"type": "tool_result", "tool_use_id": id, "content": content})
}

fn weather_call(id: &str, city: &str) -> Value {
    call(
        id,
        "get_weather",
        json!({"location": city, "unit": "celsius"}),
    )
}

fn image(width: u32, height: u32) -> Value {
    json!({"type": "image", "source": {"type": "base64", "media_type": "image/png",
        "data": base64(&files::png(width, height))}})
}

fn pdf(width_pt: u32, height_pt: u32, text: Option<&str>) -> Value {
    json!({"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
        "data": base64(&files::pdf(width_pt, height_pt, text))}})
}

fn search_result(source: &str, title: &str, body: &str) -> Value {
    json!({"type": "search_result", "source": source, "title": title,
        "content": [{"type": "text", "text": body}]})
}

fn thinking_block(t: &str) -> Value {
    json!({"type": "thinking", "thinking": t, "signature": SIGNATURE})
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn answer_schema() -> Value {
    json!({"type": "object", "properties": {"answer": {"type": "string"}},
        "required": ["answer"], "additionalProperties": false})
}

fn weather_schema() -> Value {
    json!({"type": "object",
        "properties": {"city": {"type": "string"}, "temperature": {"type": "number"}},
        "required": ["city", "temperature"], "additionalProperties": false})
}

/// Builds the probes of one model.
struct Builder<'a> {
    api_model: &'a str,
    thinking: Value,
    probes: Vec<Probe>,
}

impl Builder<'_> {
    /// A request: `fields` (system, tools, tool_choice, thinking, output_config…) and
    /// `messages`, for the model.
    fn request(&self, fields: Value, messages: Vec<Value>) -> Request {
        let mut body = json!({"model": self.api_model, "messages": messages});
        if let (Value::Object(body), Value::Object(fields)) = (&mut body, fields) {
            body.extend(fields);
        }
        // Built from the literals above: a failure is a defect in this file, caught by the
        // tests that build every design.
        serde_json::from_value(body).expect("a probe is a valid request")
    }

    fn add(&mut self, name: &'static str, fields: Value, messages: Vec<Value>) -> &'static str {
        let request = self.request(fields, messages);
        self.probes.push(Probe { name, request });
        name
    }

    fn thinking(&self) -> Value {
        self.thinking.clone()
    }
}

/// The thinking setting a model takes: `enabled` with a budget on the v3 family, `adaptive`
/// on the newer ones (Opus 4.7 and later accept only adaptive).
fn thinking_for(model: &ModelInfo) -> Value {
    match model.family {
        Family::V3 => json!({"type": "enabled", "budget_tokens": 2048}),
        _ => json!({"type": "adaptive"}),
    }
}

/// The calibration of `model`, sent as `api_model`.
pub fn design(api_model: &str, model: &ModelInfo) -> Design {
    let mut b = Builder {
        api_model,
        thinking: thinking_for(model),
        probes: Vec::new(),
    };
    let none = json!({});
    let c = Unknown::Constant;
    let mut steps = Vec::new();
    let mut step =
        |unknowns: Vec<Unknown>, probes: Vec<&'static str>, checks: Vec<&'static str>| {
            steps.push(Step {
                unknowns,
                probes,
                checks,
            })
        };

    let p = vec![
        b.add("one message", none.clone(), vec![user(HELLO)]),
        b.add("another message", none.clone(), vec![user(SUMMARY)]),
    ];
    step(vec![Unknown::Frame], p, vec![]);

    let p = vec![
        b.add(
            "three turns",
            none.clone(),
            vec![user(HELLO), assistant(WELL), user(SUMMARY)],
        ),
        b.add(
            "five turns",
            none.clone(),
            vec![
                user(HELLO),
                assistant(WELL),
                user(SUMMARY),
                assistant(SURE),
                user(RIVERS),
            ],
        ),
    ];
    let checks = vec![b.add(
        "system as a string",
        json!({"system": SYSTEM}),
        vec![user(HELLO)],
    )];
    step(vec![c(Structural::TurnSeparator)], p, checks);

    let p = vec![
        b.add(
            "two text blocks",
            none.clone(),
            vec![user(json!([text(HELLO), text(SUMMARY)]))],
        ),
        b.add(
            "three text blocks",
            none.clone(),
            vec![user(json!([text(HELLO), text(SUMMARY), text(RIVERS)]))],
        ),
    ];
    step(vec![c(Structural::BlockSeparator)], p, vec![]);

    // Both kinds of thinking: the older models take `enabled` only, Opus 4.7 and later
    // `adaptive` only; the API refuses the other, and what it takes is measured.
    let p = vec![
        b.add(
            "thinking on",
            json!({"thinking": {"type": "enabled", "budget_tokens": 2048}}),
            vec![user(HELLO)],
        ),
        b.add(
            "thinking on, another budget",
            json!({"thinking": {"type": "enabled", "budget_tokens": 4096}}),
            vec![user(SUMMARY)],
        ),
        b.add(
            "adaptive thinking",
            json!({"thinking": {"type": "adaptive"}}),
            vec![user(HELLO)],
        ),
        b.add(
            "adaptive thinking, another message",
            json!({"thinking": {"type": "adaptive"}}),
            vec![user(WEATHER)],
        ),
    ];
    let system_blocks = b.add(
        "system as blocks",
        json!({"system": [text(SYSTEM), text("Keep answers short.")]}),
        vec![user(HELLO)],
    );
    let checks = vec![system_blocks];
    step(vec![c(Structural::ThinkingConfig)], p, checks);

    let p = vec![
        b.add(
            "one tool",
            json!({"tools": [get_weather()]}),
            vec![user(WEATHER)],
        ),
        b.add(
            "two tools, auto",
            json!({"tools": [get_weather(), lookup_order()], "tool_choice": {"type": "auto"}}),
            vec![user(WEATHER)],
        ),
        b.add(
            "two tools, none",
            json!({"tools": [get_weather(), lookup_order()], "tool_choice": {"type": "none"}}),
            vec![user(HELLO)],
        ),
    ];
    step(vec![Unknown::ToolPromptAutoNone], p, vec![]);

    let p = vec![
        b.add(
            "one tool, any",
            json!({"tools": [get_weather()], "tool_choice": {"type": "any"}}),
            vec![user(WEATHER)],
        ),
        b.add(
            "two tools, any",
            json!({"tools": [get_weather(), lookup_order()], "tool_choice": {"type": "any"}}),
            vec![user(WEATHER)],
        ),
    ];
    step(vec![Unknown::ToolPromptAnyTool], p, vec![]);

    let p = vec![
        b.add(
            "a named tool",
            json!({"tools": [get_weather(), lookup_order()],
                "tool_choice": {"type": "tool", "name": "lookup_order"}}),
            vec![user(WEATHER)],
        ),
        b.add(
            "another named tool",
            json!({"tools": [get_weather(), lookup_order()],
                "tool_choice": {"type": "tool", "name": "get_weather"}}),
            vec![user(SUMMARY)],
        ),
    ];
    step(vec![c(Structural::ToolChoiceNamed)], p, vec![]);

    let p = vec![
        b.add(
            "auto, no parallel calls",
            json!({"tools": [get_weather()],
                "tool_choice": {"type": "auto", "disable_parallel_tool_use": true}}),
            vec![user(WEATHER)],
        ),
        b.add(
            "any, no parallel calls",
            json!({"tools": [get_weather(), lookup_order()],
                "tool_choice": {"type": "any", "disable_parallel_tool_use": true}}),
            vec![user(WEATHER)],
        ),
    ];
    step(vec![c(Structural::DisableParallelAdjustment)], p, vec![]);

    let p = vec![
        b.add(
            "system and thinking",
            json!({"system": SYSTEM, "thinking": b.thinking()}),
            vec![user(HELLO)],
        ),
        b.add(
            "system and a tool",
            json!({"system": SYSTEM, "tools": [get_weather()]}),
            vec![user(WEATHER)],
        ),
    ];
    step(vec![c(Structural::SystemPartSeparator)], p, vec![]);

    let p = vec![
        b.add(
            "an output format",
            json!({"output_config": {"format": {"type": "json_schema", "schema": answer_schema()}}}),
            vec![user(HELLO)],
        ),
        b.add(
            "another output format",
            json!({"output_config": {"format": {"type": "json_schema", "schema": weather_schema()}}}),
            vec![user(WEATHER)],
        ),
    ];
    step(vec![c(Structural::OutputFormatPrompt)], p, vec![]);

    let two_tools_any =
        json!({"tools": [get_weather(), lookup_order()], "tool_choice": {"type": "any"}});
    let two_tools_auto = json!({"tools": [get_weather(), lookup_order()]});
    let p = vec![
        b.add(
            "a tool call, any",
            two_tools_any.clone(),
            vec![
                user(WEATHER),
                assistant(json!([weather_call("toolu_probe_1", "Paris, France")])),
                user(json!([result("toolu_probe_1", "18 degrees and cloudy")])),
            ],
        ),
        b.add(
            "another tool call, any",
            two_tools_any.clone(),
            vec![
                user("Where is my order A-1042?"),
                assistant(json!([call(
                    "toolu_probe_2",
                    "lookup_order",
                    json!({"order_id": "A-1042"})
                )])),
                user(json!([result(
                    "toolu_probe_2",
                    "Shipped on Monday, arriving Thursday"
                )])),
            ],
        ),
    ];
    step(vec![c(Structural::ToolCallWrapper)], p, vec![]);

    let p = vec![
        b.add(
            "a tool call, auto",
            two_tools_auto.clone(),
            vec![
                user(WEATHER),
                assistant(json!([weather_call("toolu_probe_1", "Paris, France")])),
                user(json!([result("toolu_probe_1", "18 degrees and cloudy")])),
            ],
        ),
        b.add(
            "two rounds of calls, auto",
            two_tools_auto.clone(),
            vec![
                user(WEATHER),
                assistant(json!([weather_call("toolu_probe_1", "Paris, France")])),
                user(json!([result("toolu_probe_1", "18 degrees and cloudy")])),
                assistant(json!([weather_call("toolu_probe_3", "Lyon, France")])),
                user(json!([result("toolu_probe_3", "21 degrees and sunny")])),
            ],
        ),
    ];
    let checks = vec![b.add(
        "text before a tool call, auto",
        two_tools_auto.clone(),
        vec![
            user(WEATHER),
            assistant(json!([
                text("Let me look that up."),
                weather_call("toolu_probe_1", "Paris, France")
            ])),
            user(json!([result("toolu_probe_1", "18 degrees and cloudy")])),
        ],
    )];
    step(vec![c(Structural::ToolCallOpener)], p, checks);

    let p = vec![
        b.add(
            "two parallel calls",
            two_tools_any.clone(),
            vec![
                user("What is the weather in Paris and in Lyon?"),
                assistant(json!([
                    weather_call("toolu_probe_1", "Paris, France"),
                    weather_call("toolu_probe_3", "Lyon, France")
                ])),
                user(json!([
                    result("toolu_probe_1", "18 degrees and cloudy"),
                    result("toolu_probe_3", "21 degrees and sunny")
                ])),
            ],
        ),
        b.add(
            "three parallel calls",
            two_tools_any.clone(),
            vec![
                user("What is the weather in Paris, Lyon and Nice?"),
                assistant(json!([
                    weather_call("toolu_probe_1", "Paris, France"),
                    weather_call("toolu_probe_3", "Lyon, France"),
                    weather_call("toolu_probe_4", "Nice, France")
                ])),
                user(json!([
                    result("toolu_probe_1", "18 degrees and cloudy"),
                    result("toolu_probe_3", "21 degrees and sunny"),
                    result("toolu_probe_4", "24 degrees and clear")
                ])),
            ],
        ),
    ];
    step(vec![c(Structural::ParallelToolCall)], p, vec![]);

    let p = vec![
        b.add(
            "a small image",
            none.clone(),
            vec![user(json!([image(28, 28), text("What colour is this?")]))],
        ),
        b.add(
            "a tall image",
            none.clone(),
            vec![user(json!([image(56, 112), text("What colour is this?")]))],
        ),
        b.add(
            "a wide image",
            none.clone(),
            vec![user(json!([image(140, 28), text("Describe this image.")]))],
        ),
    ];
    step(
        vec![c(Structural::ImageWrapper), c(Structural::ImageRowTokens)],
        p,
        vec![],
    );

    let p = vec![
        b.add(
            "a blank page",
            none.clone(),
            vec![user(json!([
                pdf(144, 144, None),
                text("Is this page empty?")
            ]))],
        ),
        b.add(
            "another blank page",
            none.clone(),
            vec![user(json!([
                pdf(216, 108, None),
                text("Is this page empty?")
            ]))],
        ),
        b.add(
            "a wide blank page",
            none.clone(),
            vec![user(json!([
                pdf(300, 200, None),
                text("Is this page empty?")
            ]))],
        ),
        b.add(
            "a large blank page",
            none.clone(),
            vec![user(json!([
                pdf(520, 410, None),
                text("Is this page empty?")
            ]))],
        ),
        b.add(
            "a page of text",
            none.clone(),
            vec![user(json!([
                pdf(144, 144, Some("Quarterly revenue grew by twelve percent.")),
                text("Summarise this page.")
            ]))],
        ),
        b.add(
            "another page of text",
            none.clone(),
            vec![user(json!([
                pdf(
                    300,
                    200,
                    Some("Delivery is free for orders above fifty euros.")
                ),
                text("What does it say?")
            ]))],
        ),
    ];
    step(
        vec![
            c(Structural::DocumentWrapper),
            c(Structural::DocumentTextWrapper),
        ],
        p,
        vec![],
    );

    let p = vec![
        b.add(
            "thinking before a call",
            json!({"thinking": b.thinking(), "tools": [get_weather()]}),
            vec![
                user(WEATHER),
                assistant(json!([
                    thinking_block("The user wants the weather in Paris, so I will call the tool."),
                    weather_call("toolu_probe_1", "Paris, France")
                ])),
                user(json!([result("toolu_probe_1", "18 degrees and cloudy")])),
            ],
        ),
        b.add(
            "other thinking before a call",
            json!({"thinking": b.thinking(), "tools": [get_weather()]}),
            vec![
                user("Is it warm in Lyon today?"),
                assistant(json!([
                    thinking_block("I should check the current weather in Lyon first."),
                    weather_call("toolu_probe_3", "Lyon, France")
                ])),
                user(json!([result("toolu_probe_3", "21 degrees and sunny")])),
            ],
        ),
    ];
    let two_pages = b.add(
        "two blank pages",
        none.clone(),
        vec![user(json!([
            json!({"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                "data": base64(&files::pdf_pages(144, 144, &[None, None]))}}),
            text("Are these pages empty?")
        ]))],
    );
    step(
        vec![c(Structural::ThinkingBlockWrapper)],
        p,
        vec![two_pages],
    );

    let p = vec![
        b.add(
            "a search result",
            none.clone(),
            vec![user(json!([
                search_result(
                    "https://example.com/rivers",
                    "Rivers of Europe",
                    "The Danube flows through ten countries."
                ),
                text("Which river is this about?")
            ]))],
        ),
        b.add(
            "another search result",
            none.clone(),
            vec![user(json!([
                search_result(
                    "https://example.com/mountains",
                    "Alpine peaks",
                    "Mont Blanc is the highest mountain in the Alps."
                ),
                text("How high is it?")
            ]))],
        ),
    ];
    step(vec![c(Structural::SearchResultWrapper)], p, vec![]);

    let p = vec![
        b.add(
            "a system message",
            none.clone(),
            vec![
                user(HELLO),
                assistant(WELL),
                json!({"role": "system", "content": "Answer in one short sentence from now on."}),
                user(SUMMARY),
            ],
        ),
        b.add(
            "another system message",
            none.clone(),
            vec![
                user(RIVERS),
                assistant(SURE),
                json!({"role": "system", "content": "Use British spelling."}),
                user(WEATHER),
            ],
        ),
    ];
    step(vec![c(Structural::SystemMessageTurn)], p, vec![]);

    let probes = std::mem::take(&mut b.probes);
    let self_check = self_check(&mut b);
    Design {
        probes,
        steps,
        self_check,
        rules: vec![
            (Rule::SystemBlocksJoined, system_blocks),
            (Rule::PdfWrappersOncePerDocument, two_pages),
        ],
    }
}

/// Requests unlike the probes, mixing what they measured one at a time.
fn self_check(b: &mut Builder<'_>) -> Vec<Probe> {
    let three_tools = json!([get_weather(), lookup_order(), convert_currency()]);
    b.add(
        "check: an agent loop",
        json!({"system": SYSTEM, "tools": three_tools}),
        vec![
            user("How much is 120 euros in dollars, and what is the weather in Rome?"),
            assistant(json!([
                text("I will convert the amount first."),
                call(
                    "toolu_check_1",
                    "convert_currency",
                    json!({"amount": 120, "from": "EUR", "to": "USD"})
                )
            ])),
            user(json!([result("toolu_check_1", "130.52")])),
            assistant(json!([weather_call("toolu_check_2", "Rome, Italy")])),
            user(json!([result("toolu_check_2", "26 degrees and sunny")])),
            assistant("120 euros is about 130.52 dollars, and Rome is sunny at 26 degrees."),
            user("Thank you!"),
        ],
    );
    b.add(
        "check: images in a conversation",
        json!({"tools": [get_weather()], "tool_choice": {"type": "any"}}),
        vec![
            user(json!([image(200, 150), text("What is in this picture?")])),
            assistant("A plain blue rectangle."),
            user(json!([text("And this one?"), image(90, 300)])),
        ],
    );
    b.add(
        "check: a document and a conversation",
        json!({"system": [text(SYSTEM), text("Quote the document when you can.")]}),
        vec![
            user(json!([
                pdf(200, 160, Some("The meeting moved to Tuesday at ten.")),
                text("When is the meeting?")
            ])),
            assistant("It is on Tuesday at ten."),
            user("Which room?"),
        ],
    );
    b.add(
        "check: thinking and parallel calls",
        json!({"system": SYSTEM, "thinking": b.thinking(),
            "tools": [get_weather(), lookup_order()]}),
        vec![
            user("Check the weather in Oslo and order B-77."),
            assistant(json!([
                thinking_block("Two independent lookups; I can do both at once."),
                weather_call("toolu_check_3", "Oslo, Norway"),
                call("toolu_check_4", "lookup_order", json!({"order_id": "B-77"}))
            ])),
            user(json!([
                result("toolu_check_3", "3 degrees and snowing"),
                result("toolu_check_4", "Delivered yesterday")
            ])),
        ],
    );
    b.add(
        "check: a forced tool",
        json!({"tools": three_tools,
            "tool_choice": {"type": "tool", "name": "convert_currency", "disable_parallel_tool_use": true}}),
        vec![
            user("I have 50 pounds."),
            assistant("What would you like to convert them to?"),
            user("Japanese yen, please."),
        ],
    );
    b.add(
        "check: an output format in a conversation",
        json!({"system": "Reply with JSON only.",
            "output_config": {"format": {"type": "json_schema", "schema": weather_schema()}}}),
        vec![
            user("Paris is at 18 degrees."),
            assistant("{\"city\": \"Paris\", \"temperature\": 18}"),
            user("Now Lyon, at 21 degrees."),
        ],
    );
    b.add(
        "check: a search result and a system message",
        json!({}),
        vec![
            user(json!([
                search_result(
                    "https://example.com/tea",
                    "Tea",
                    "Green tea is steeped at 80 degrees."
                ),
                text("At what temperature?")
            ])),
            assistant("At about 80 degrees."),
            json!({"role": "system", "content": "Be brief."}),
            user("And black tea?"),
        ],
    );
    b.add(
        "check: attachments in two turns",
        json!({}),
        vec![
            user(json!([image(64, 64), text("Here is a swatch.")])),
            assistant("Noted."),
            user(json!([pdf(144, 144, None), text("And a blank form.")])),
        ],
    );
    std::mem::take(&mut b.probes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::design::{Decomposition, decompose};
    use crate::estimate::Estimator;
    use crate::registry::Registry;
    use std::collections::BTreeSet;

    /// Every step's probes use its unknowns, and nothing not solved before it.
    #[test]
    fn each_step_needs_only_what_earlier_steps_solved() {
        for id in ["claude-sonnet-4-5", "claude-opus-5", "claude-3-5-haiku"] {
            let model = Registry::builtin().lookup_shipped(id);
            let design = design(id, &model);
            let mut estimator = Estimator::new();
            let mut solved: BTreeSet<Unknown> = BTreeSet::new();
            for step in &design.steps {
                for name in step.probes.iter().chain(&step.checks) {
                    let probe = design.probe(name).expect("named probe");
                    let d: Decomposition = decompose(&probe.request, &model, &mut estimator);
                    for u in d.times.keys() {
                        assert!(
                            solved.contains(u) || step.unknowns.contains(u),
                            "{id}: {name} uses {} before it is solved",
                            u.key()
                        );
                    }
                    if step.checks.contains(name) {
                        assert!(
                            step.unknowns.iter().all(|u| !d.times.contains_key(u)),
                            "{name} is a check"
                        );
                    }
                }
                // More equations than unknowns.
                assert!(
                    step.probes.len() > step.unknowns.len(),
                    "{:?}",
                    step.unknowns
                );
                solved.extend(step.unknowns.iter().copied());
            }
            assert_eq!(
                solved,
                Unknown::all().into_iter().collect(),
                "{id}: every unknown has a step"
            );
            // The README and --help say 56.
            assert_eq!(design.all().count(), 56);
            let names: BTreeSet<&str> = design.all().map(|p| p.name).collect();
            assert_eq!(names.len(), design.all().count(), "names are unique");
        }
    }
}
