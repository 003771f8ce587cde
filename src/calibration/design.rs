//! What an offline count is made of, as a calibration sees it: a part no unknown touches
//! (texts, image patches, page images, and the constants not calibrated), plus each unknown
//! times how often the request uses it. An exact count minus the known part is then a linear
//! equation in the unknowns.

use std::collections::BTreeMap;

use crate::estimate::{Estimator, Structural};
use crate::registry::{Calibration, Measured, ModelInfo};
use crate::request::Request;

/// A value `budgie calibrate` solves for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unknown {
    /// The tokens around the messages, once per request.
    Frame,
    /// The tool-use prompt under tool_choice auto or none.
    ToolPromptAutoNone,
    /// The tool-use prompt under tool_choice any or tool.
    ToolPromptAnyTool,
    /// A whole-token structural constant.
    Constant(Structural),
}

impl Unknown {
    /// Every unknown. `tool_definitions_join` is not one: every request with tools pays it
    /// together with the tool-use prompt, so no count tells the two apart; the prompt
    /// figures are measured with the join as the registry has it.
    pub fn all() -> Vec<Unknown> {
        let mut all = vec![
            Unknown::Frame,
            Unknown::ToolPromptAutoNone,
            Unknown::ToolPromptAnyTool,
        ];
        all.extend(
            Structural::ALL
                .into_iter()
                .filter(|s| s.is_whole_tokens() && *s != Structural::ToolDefinitionsJoin)
                .map(Unknown::Constant),
        );
        all
    }

    /// The name in calibration.json and in reports.
    pub fn key(self) -> &'static str {
        match self {
            Unknown::Frame => "frame",
            Unknown::ToolPromptAutoNone => "tool_prompt.auto_none",
            Unknown::ToolPromptAnyTool => "tool_prompt.any_tool",
            Unknown::Constant(s) => s.key(),
        }
    }

    pub fn from_key(key: &str) -> Option<Unknown> {
        Unknown::all()
            .into_iter()
            .chain([Unknown::Constant(Structural::PdfPageDpi)])
            .find(|u| u.key() == key)
    }

    /// The value `model` uses for it now.
    pub fn current(self, model: &ModelInfo) -> f64 {
        match self {
            Unknown::Frame => model.frame as f64,
            Unknown::ToolPromptAutoNone => model.tool_prompt.auto_none as f64,
            Unknown::ToolPromptAnyTool => model.tool_prompt.any_tool as f64,
            Unknown::Constant(s) => {
                crate::registry::Registry::builtin()
                    .constant_for(model, s)
                    .constant
                    .value
            }
        }
    }
}

/// Put `value` for `unknown` into a calibration.
pub fn set(calibration: &mut Calibration, unknown: Unknown, measured: Measured) {
    match unknown {
        Unknown::Frame => calibration.frame = Some(measured),
        Unknown::ToolPromptAutoNone => calibration.tool_prompt_auto_none = Some(measured),
        Unknown::ToolPromptAnyTool => calibration.tool_prompt_any_tool = Some(measured),
        Unknown::Constant(s) => {
            calibration.constants.insert(s, measured);
        }
    }
}

/// The value a calibration holds for `unknown`, if any.
pub fn get(calibration: &Calibration, unknown: Unknown) -> Option<&Measured> {
    match unknown {
        Unknown::Frame => calibration.frame.as_ref(),
        Unknown::ToolPromptAutoNone => calibration.tool_prompt_auto_none.as_ref(),
        Unknown::ToolPromptAnyTool => calibration.tool_prompt_any_tool.as_ref(),
        Unknown::Constant(s) => calibration.constants.get(&s),
    }
}

/// An offline count split into what is known and what the unknowns contribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decomposition {
    /// The count with every unknown at zero.
    pub known: i64,
    /// How many times the count uses each unknown (only those it uses).
    pub times: BTreeMap<Unknown, i64>,
}

impl Decomposition {
    /// The count with these values for the unknowns (missing ones count as zero).
    pub fn predict(&self, values: &BTreeMap<Unknown, i64>) -> i64 {
        self.known
            + self
                .times
                .iter()
                .map(|(u, t)| values.get(u).copied().unwrap_or(0) * t)
                .sum::<i64>()
    }
}

/// `base` with every unknown at `value` (and the rest as `base` has them).
fn with_unknowns_at(base: &ModelInfo, value: f64, only: Option<Unknown>) -> ModelInfo {
    let mut calibration = Calibration::default();
    for u in Unknown::all() {
        let v = if only.is_none_or(|o| o == u) {
            value
        } else {
            0.0
        };
        set(
            &mut calibration,
            u,
            Measured {
                value: v,
                date: String::new(),
                api_model: String::new(),
                probes: 0,
            },
        );
    }
    // `base.constants` keeps what is not an unknown (a page dpi being tried out).
    let mut model = base.clone();
    model.calibrate(calibration);
    model
}

/// Split `request`'s offline count under `model` (its rendering rules, tier, page dpi and
/// the constants that are not unknowns).
pub fn decompose(request: &Request, model: &ModelInfo, estimator: &mut Estimator) -> Decomposition {
    let zero = with_unknowns_at(model, 0.0, None);
    let base = estimator.estimate_as(request, &zero);
    let known = base.input_tokens as i64;
    let mut times = BTreeMap::new();
    for (name, n) in &base.structure {
        let u = Unknown::Constant(*name);
        if *n != 0 && Unknown::all().contains(&u) {
            times.insert(u, *n);
        }
    }
    // The frame and the tool-use prompt are not in `structure`: a count with each at one
    // says how often it is used.
    for u in [
        Unknown::Frame,
        Unknown::ToolPromptAutoNone,
        Unknown::ToolPromptAnyTool,
    ] {
        let one = with_unknowns_at(model, 1.0, Some(u));
        let n = estimator.estimate_as(request, &one).input_tokens as i64 - known;
        if n != 0 {
            times.insert(u, n);
        }
    }
    Decomposition { known, times }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use serde_json::json;

    #[test]
    fn a_prediction_with_the_registry_values_is_the_offline_count() {
        let request: Request = serde_json::from_value(json!({
            "model": "claude-sonnet-4-5",
            "system": "Be brief.",
            "tools": [{"name": "get_weather", "description": "Weather now",
                       "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": [
                    {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Paris"}},
                    {"type": "tool_use", "id": "t2", "name": "get_weather", "input": {"city": "Lyon"}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": "18 C"},
                    {"type": "tool_result", "tool_use_id": "t2", "content": "20 C"}]}
            ]
        }))
        .expect("a request");
        let model = Registry::builtin().lookup_shipped("claude-sonnet-4-5");
        let mut estimator = Estimator::new();
        let d = decompose(&request, &model, &mut estimator);
        let values: BTreeMap<Unknown, i64> = Unknown::all()
            .into_iter()
            .map(|u| (u, u.current(&model).round() as i64))
            .collect();
        let offline = estimator.estimate_as(&request, &model).input_tokens as i64;
        assert_eq!(d.predict(&values), offline);
        assert_eq!(d.times[&Unknown::Frame], 1);
        assert_eq!(d.times[&Unknown::ToolPromptAutoNone], 1);
        assert_eq!(d.times[&Unknown::Constant(Structural::TurnSeparator)], 2);
        assert_eq!(d.times[&Unknown::Constant(Structural::ParallelToolCall)], 1);
        assert!(!d.times.contains_key(&Unknown::ToolPromptAnyTool));
    }
}
