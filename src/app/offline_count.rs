//! The offline count, kept up to date cheaply on every keystroke.
//!
//! The estimator is run once on the request with its texts emptied (the "skeleton": frames,
//! tools, images, thinking); each text is counted on its own and cached per slot. A keystroke
//! recounts only the edited text, so a 1 MB system prompt costs nothing while a turn is typed.
//! Each text keeps the tokenizer's `IncrementalCounter`, which recounts only the segments
//! a keystroke touched and is exact: the total always equals
//! `estimate::estimate(&ws.to_request())`. (The skeleton counts each emptied text as the
//! empty string; that share is taken off again when the real text is added.)

use std::collections::{HashMap, HashSet};

use super::doc::{self, Slot, SlotContent};
use crate::estimate::tokenizer::IncrementalCounter;
use crate::estimate::{self, Estimate, Section};
use crate::registry::{Family, Registry};
use crate::request::Content;
use crate::workspace::{Workspace, block_enabled};

#[derive(Debug, Clone, Default)]
pub struct OfflineCount {
    family: Option<Family>,
    /// Estimate of the request without its texts.
    skeleton: Estimate,
    /// Tokens of each text slot.
    texts: HashMap<Slot, u64>,
    /// One incremental counter per text.
    counters: Counters,
    /// Tokens of an empty text: what the skeleton already holds for each text slot.
    blank: u64,
    /// Text slots whose trailing ASCII whitespace the model does not count (Opus 5: the last
    /// block of each turn).
    trimmed: HashSet<Slot>,
    /// Sums over the text slots of (tokens − `blank`); may dip below zero in between.
    system_text: i64,
    /// System slots holding text: a system prompt with text is one of the parts before the
    /// first turn, which the skeleton (texts emptied) does not have.
    system_filled: HashSet<Slot>,
    /// What a system prompt with text adds besides its text (the separator from the other
    /// parts, when there are any).
    system_join: u64,
    message_text: i64,
    /// What each tool's own definition costs (by name), switched on or not. The tool-use
    /// prompt that any request with tools carries is apart: `tool_prompt`.
    pub tool_costs: HashMap<String, u64>,
    /// The tool-use prompt (and what joins the tools to it): counted once when any tool is
    /// on, whatever the number of tools.
    pub tool_prompt: u64,
    /// Marginal cost of each attachment (by slot): the count with it minus the count
    /// without it.
    pub attachment_costs: HashMap<Slot, u64>,
    /// What switching each tool (by name) would change the total by: its definition, the
    /// tool-use prompt when it is the first on or the last off, and any join that comes or
    /// goes with it.
    pub tool_switch: HashMap<String, i64>,
}

impl OfflineCount {
    /// Count everything from scratch.
    pub fn new(ws: &Workspace) -> Self {
        let mut c = OfflineCount::default();
        c.rebuild(ws);
        c
    }

    /// Recount the structure and every text (after a model change, a load, a turn added…).
    pub fn rebuild(&mut self, ws: &Workspace) {
        let family = Registry::builtin().lookup(&ws.request.model).family;
        if self.family != Some(family) {
            self.counters.0.clear();
            self.family = Some(family);
            self.blank = estimate::text::count_text(family, "");
        }
        self.texts.clear();
        self.system_filled.clear();
        self.system_text = 0;
        self.message_text = 0;
        self.trimmed = trimmed_slots(ws);
        for slot in doc::slots(&ws.request) {
            if let Some(SlotContent::Text(text)) = doc::content(&ws.request, slot) {
                let n = self.count_text(slot, text);
                self.add(slot, n, !text.is_empty());
            }
        }
        let texts = &self.texts;
        self.counters.0.retain(|slot, _| texts.contains_key(slot));
        self.rebuild_structure(ws);
    }

    /// Recount only the structure (tools toggled, an attachment switched, thinking changed).
    pub fn rebuild_structure(&mut self, ws: &Workspace) {
        // An attachment switched off or on can change which text ends its turn.
        let trimmed = trimmed_slots(ws);
        if trimmed != self.trimmed {
            let moved: Vec<Slot> = trimmed
                .symmetric_difference(&self.trimmed)
                .copied()
                .collect();
            self.trimmed = trimmed;
            for slot in moved {
                if let Some(SlotContent::Text(text)) = doc::content(&ws.request, slot) {
                    self.text_changed(slot, text);
                }
            }
        }
        let sent = ws.to_request();
        let blank = doc::blank_texts(&sent);
        self.skeleton = estimate::estimate(&blank);
        self.system_join = estimate::system_join_tokens(&blank);
        self.tool_costs.clear();
        self.tool_switch.clear();
        self.tool_prompt = 0;
        if let Some(tools) = ws.request.tools.as_ref().filter(|t| !t.is_empty()) {
            // Every tool on: each definition's own share is its section of the count; the
            // rest of what tools add is the shared prompt.
            let mut all_on = ws.clone_structure();
            all_on.disabled_tools.clear();
            let with_all = estimate::estimate(&all_on.to_request());
            for tool in tools {
                let own = with_all
                    .sections
                    .iter()
                    .find(|(section, _)| *section == Section::Tool(tool.name.clone()))
                    .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
                self.tool_costs.insert(tool.name.clone(), own);
            }
            self.tool_prompt = crate::explain::tool_prompt(&all_on.to_request(), &with_all);
            let now = self.structure_with_join(ws);
            for tool in tools {
                let mut switched = ws.clone_structure();
                if !switched.disabled_tools.remove(&tool.name) {
                    switched.disabled_tools.insert(tool.name.clone());
                }
                let delta = signed(self.structure_with_join(&switched)) - signed(now);
                self.tool_switch.insert(tool.name.clone(), delta);
            }
        }
        self.attachment_costs.clear();
        for (slot, _) in doc::attachments(&ws.request) {
            let mut with = ws.clone_structure();
            doc::set_attachment_enabled(&mut with.request, slot, true);
            let mut without = ws.clone_structure();
            doc::set_attachment_enabled(&mut without.request, slot, false);
            let cost = structure_total(&with).saturating_sub(structure_total(&without));
            self.attachment_costs.insert(slot, cost);
        }
    }

    /// The total of `ws` with its texts counted as they are now: what changes with the
    /// structure (the skeleton) and the join a system prompt with text brings.
    fn structure_with_join(&self, ws: &Workspace) -> u64 {
        let blank = doc::blank_texts(&ws.to_request());
        let join = if self.system_filled.is_empty() {
            0
        } else {
            estimate::system_join_tokens(&blank)
        };
        estimate::estimate(&blank).input_tokens + join
    }

    /// A tool's cost in words, with the shared tool-use prompt explained.
    pub fn tool_cost_line(&self, name: &str) -> Option<String> {
        let own = self.tool_costs.get(name)?;
        Some(format!(
            "its definition: ~{own} tokens. With any tool on, a request also carries the \
             tool-use prompt, ~{} tokens, once for all its tools: the first tool switched on \
             costs ~{}.",
            self.tool_prompt,
            own + self.tool_prompt
        ))
    }

    /// One text changed: recount it alone.
    pub fn text_changed(&mut self, slot: Slot, text: &str) {
        self.remove(slot);
        let n = self.count_text(slot, text);
        self.add(slot, n, !text.is_empty());
    }

    /// The whole offline estimate: skeleton plus texts.
    pub fn estimate(&self) -> Estimate {
        let mut e = self.skeleton.clone();
        e.breakdown.system = plus(e.breakdown.system, self.system_text);
        e.breakdown.overhead = plus(e.breakdown.overhead, self.system_join_now());
        e.breakdown.messages = plus(e.breakdown.messages, self.message_text);
        e.input_tokens = self.total();
        e
    }

    /// The count per section (system, each tool, each turn, each attachment, thinking,
    /// framing), as `estimate::estimate(&ws.to_request()).sections` gives them: the skeleton's
    /// sections with each text's share added to the section holding it. They add up to
    /// [`OfflineCount::total`].
    pub fn sections(&self, ws: &Workspace) -> Vec<(Section, i64)> {
        let mut sections = self.skeleton.sections.clone();
        let mut add = |section: Section, n: i64| {
            if n == 0 {
                return;
            }
            match sections.iter_mut().find(|(s, _)| *s == section) {
                Some((_, tokens)) => *tokens += n,
                None => sections.push((section, n)),
            }
        };
        let system_is_list = matches!(ws.request.system, Some(crate::request::System::Blocks(_)));
        for (slot, tokens) in &self.texts {
            let section = match *slot {
                Slot::System(i) if system_is_list => Section::System(Some(i)),
                Slot::System(_) => Section::System(None),
                Slot::Turn(m, _) => Section::Message(m),
            };
            add(section, signed(*tokens) - signed(self.blank));
        }
        add(Section::Framing, self.system_join_now());
        sections.retain(|(section, tokens)| *tokens != 0 || *section != Section::Framing);
        sections
    }

    pub fn total(&self) -> u64 {
        plus(
            self.skeleton.input_tokens,
            self.system_text + self.message_text + self.system_join_now(),
        )
    }

    fn system_join_now(&self) -> i64 {
        if self.system_filled.is_empty() {
            0
        } else {
            signed(self.system_join)
        }
    }

    pub fn text_tokens(&self, slot: Slot) -> Option<u64> {
        self.texts.get(&slot).copied()
    }

    fn add(&mut self, slot: Slot, n: u64, filled: bool) {
        self.texts.insert(slot, n);
        if filled && matches!(slot, Slot::System(_)) {
            self.system_filled.insert(slot);
        }
        let beyond_blank = signed(n) - signed(self.blank);
        match slot {
            Slot::System(_) => self.system_text += beyond_blank,
            Slot::Turn(..) => self.message_text += beyond_blank,
        }
    }

    fn remove(&mut self, slot: Slot) {
        self.system_filled.remove(&slot);
        if let Some(old) = self.texts.remove(&slot) {
            let beyond_blank = signed(old) - signed(self.blank);
            match slot {
                Slot::System(_) => self.system_text -= beyond_blank,
                Slot::Turn(..) => self.message_text -= beyond_blank,
            }
        }
    }

    fn count_text(&mut self, slot: Slot, text: &str) -> u64 {
        let family = self.family.unwrap_or(Family::V3);
        let text = if self.trimmed.contains(&slot) {
            text.trim_end_matches(|c: char| c.is_ascii_whitespace())
        } else {
            text
        };
        self.counters
            .0
            .entry(slot)
            .or_insert_with(|| IncrementalCounter::new(family))
            .count(text)
    }
}

/// The per-text counters: a cache, so a clone starts cold (and recounts on first use).
#[derive(Default)]
struct Counters(HashMap<Slot, IncrementalCounter>);

impl Clone for Counters {
    fn clone(&self) -> Self {
        Counters::default()
    }
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Counters({} texts)", self.0.len())
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `base + delta`, never below zero.
fn plus(base: u64, delta: i64) -> u64 {
    u64::try_from(signed(base).saturating_add(delta)).unwrap_or(0)
}

/// The text slots whose trailing whitespace is not counted, in the workspace's numbering (the
/// request sent leaves out disabled attachments, so its block numbers can differ).
fn trimmed_slots(ws: &Workspace) -> HashSet<Slot> {
    let model = Registry::builtin().lookup(&ws.request.model);
    estimate::trailing_whitespace_uncounted(&ws.to_request(), &model)
        .into_iter()
        .filter_map(|(m, sent_block)| {
            let block = match &ws.request.messages.get(m)?.content {
                Content::Text(_) => 0,
                Content::Blocks(blocks) => {
                    let mut enabled = blocks.iter().enumerate().filter(|(_, b)| block_enabled(b));
                    enabled.nth(sent_block)?.0
                }
            };
            Some(Slot::Turn(m, block))
        })
        .collect()
}

/// The skeleton total of a workspace (texts empty): for marginal costs of tools/attachments.
fn structure_total(ws: &Workspace) -> u64 {
    estimate::estimate(&ws.to_request()).input_tokens
}

/// A copy of the workspace with its texts emptied: cheap to clone many times.
trait CloneStructure {
    fn clone_structure(&self) -> Workspace;
}

impl CloneStructure for Workspace {
    fn clone_structure(&self) -> Workspace {
        Workspace {
            request: doc::blank_texts(&self.request),
            budget: self.budget,
            notes: String::new(),
            disabled_tools: self.disabled_tools.clone(),
            variables: self.variables.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    #[test]
    fn small_texts_add_up_to_the_estimators_whole_count() {
        let ws = Workspace::from_request(
            parse(
                r#"{"model":"claude-sonnet-4-5","system":"You are a scientist","messages":[
                {"role":"user","content":"Hello, Claude"},
                {"role":"assistant","content":[{"type":"text","text":"Hi there, friend"}]}]}"#,
            )
            .expect("valid"),
        );
        let c = OfflineCount::new(&ws);
        assert_eq!(c.total(), estimate::estimate(&ws.to_request()).input_tokens);
    }

    fn sorted(mut sections: Vec<(Section, i64)>) -> Vec<(Section, i64)> {
        sections.retain(|(_, n)| *n != 0);
        sections.sort();
        sections
    }

    #[test]
    fn sections_are_the_estimators_sections() {
        for body in [
            r#"{"model":"claude-sonnet-4-5","system":"You are a scientist","messages":[
                {"role":"user","content":"Hello, Claude"},
                {"role":"assistant","content":[{"type":"text","text":"Hi there, friend"}]}]}"#,
            r#"{"model":"claude-sonnet-4-0","system":[{"type":"text","text":"One"},{"type":"text","text":"Two, longer"}],
                "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
                "thinking":{"type":"enabled","budget_tokens":2000},
                "messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris?"},{"type":"text","text":"And Rome."}]},
                {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"t1","name":"get_weather","input":{"city":"Paris"}}]},
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"sunny"}]}]}"#,
            r#"{"model":"claude-opus-4-7","messages":[{"role":"user","content":"trailing space   "}]}"#,
        ] {
            let ws = Workspace::from_request(parse(body).expect("valid"));
            let c = OfflineCount::new(&ws);
            let full = estimate::estimate(&ws.to_request());
            assert_eq!(
                sorted(c.sections(&ws)),
                sorted(full.sections.clone()),
                "{body}"
            );
            let sum: i64 = c.sections(&ws).iter().map(|(_, n)| n).sum();
            assert_eq!(sum, c.total() as i64);
        }
    }

    #[test]
    fn an_edit_inside_a_long_text_stays_exact() {
        // Over 64 KB, many paragraphs: the old paragraph-by-paragraph sum drifted here.
        let paragraph = "The quick brown fox jumps over the lazy dog, twice; then naps.\n\n";
        let long: String = paragraph.repeat(2_000);
        let mut ws = Workspace::from_request(crate::request::Request::single_text(
            "claude-sonnet-4-5",
            long.clone(),
        ));
        let mut c = OfflineCount::new(&ws);
        assert_eq!(c.total(), estimate::estimate(&ws.to_request()).input_tokens);
        let slot = doc::slots(&ws.request)
            .into_iter()
            .find(|s| matches!(s, Slot::Turn(0, _)))
            .expect("the turn's text slot");
        for (at, typed) in [(70_000, "x"), (10, " and more"), (long.len() / 2, "\n")] {
            let mut text = match doc::content(&ws.request, slot) {
                Some(SlotContent::Text(t)) => t.to_string(),
                _ => panic!("a text slot"),
            };
            text.insert_str(at.min(text.len()), typed);
            ws.request = crate::request::Request::single_text("claude-sonnet-4-5", text.clone());
            c.text_changed(slot, &text);
            assert_eq!(
                c.total(),
                estimate::estimate(&ws.to_request()).input_tokens,
                "after typing {typed:?} at {at}"
            );
        }
    }
}
