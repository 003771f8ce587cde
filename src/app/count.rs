//! The offline count, kept up to date cheaply on every keystroke.
//!
//! The estimator is run once on the request with its texts emptied (the "skeleton": frames,
//! tools, images, thinking); each text is counted on its own and cached per slot. A keystroke
//! recounts only the edited text, so a 1 MB system prompt costs nothing while a turn is typed.
//! Texts above `CHUNKED_ABOVE` bytes are counted paragraph by paragraph with a cache, so
//! editing inside a huge text recounts one paragraph (the sum can differ from a whole-text
//! count by a token or so per paragraph boundary).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::doc::{self, Slot, SlotContent};
use crate::estimate::{self, Estimate, Family, Registry};
use crate::workspace::Workspace;

/// Texts longer than this are counted paragraph by paragraph.
pub const CHUNKED_ABOVE: usize = 64 * 1024;

#[derive(Debug, Clone, Default)]
pub struct OfflineCount {
    family: Option<Family>,
    /// Estimate of the request without its texts.
    skeleton: Estimate,
    /// Tokens of each text slot.
    texts: HashMap<Slot, u64>,
    /// Paragraph caches for the huge texts.
    chunks: HashMap<Slot, HashMap<u64, u64>>,
    system_text: u64,
    message_text: u64,
    /// Marginal cost of each tool (by name) and attachment (by slot): the count with it minus
    /// the count without it.
    pub tool_costs: HashMap<String, u64>,
    pub attachment_costs: HashMap<Slot, u64>,
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
            self.chunks.clear();
            self.family = Some(family);
        }
        self.texts.clear();
        self.system_text = 0;
        self.message_text = 0;
        for slot in doc::slots(&ws.request) {
            if let Some(SlotContent::Text(text)) = doc::content(&ws.request, slot) {
                let n = self.count_text(slot, text);
                self.add(slot, n);
            }
        }
        self.chunks.retain(|slot, _| self.texts.contains_key(slot));
        self.rebuild_structure(ws);
    }

    /// Recount only the structure (tools toggled, an attachment switched, thinking changed).
    pub fn rebuild_structure(&mut self, ws: &Workspace) {
        let sent = ws.to_request();
        self.skeleton = estimate::estimate(&doc::blank_texts(&sent));
        self.tool_costs.clear();
        if let Some(tools) = &ws.request.tools {
            for tool in tools {
                let mut without = ws.clone_structure();
                without.disabled_tools.insert(tool.name.clone());
                let mut with = ws.clone_structure();
                with.disabled_tools.remove(&tool.name);
                let cost = structure_total(&with).saturating_sub(structure_total(&without));
                self.tool_costs.insert(tool.name.clone(), cost);
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

    /// One text changed: recount it alone.
    pub fn text_changed(&mut self, slot: Slot, text: &str) {
        self.remove(slot);
        let n = self.count_text(slot, text);
        self.add(slot, n);
    }

    /// The whole offline estimate: skeleton plus texts.
    pub fn estimate(&self) -> Estimate {
        let mut e = self.skeleton.clone();
        e.breakdown.system += self.system_text;
        e.breakdown.messages += self.message_text;
        e.input_tokens += self.system_text + self.message_text;
        e
    }

    pub fn total(&self) -> u64 {
        self.skeleton.input_tokens + self.system_text + self.message_text
    }

    pub fn text_tokens(&self, slot: Slot) -> Option<u64> {
        self.texts.get(&slot).copied()
    }

    fn add(&mut self, slot: Slot, n: u64) {
        self.texts.insert(slot, n);
        match slot {
            Slot::System(_) => self.system_text += n,
            Slot::Turn(..) => self.message_text += n,
        }
    }

    fn remove(&mut self, slot: Slot) {
        if let Some(old) = self.texts.remove(&slot) {
            match slot {
                Slot::System(_) => self.system_text -= old,
                Slot::Turn(..) => self.message_text -= old,
            }
        }
    }

    fn count_text(&mut self, slot: Slot, text: &str) -> u64 {
        let family = self.family.unwrap_or(Family::V3);
        if text.len() <= CHUNKED_ABOVE {
            self.chunks.remove(&slot);
            return estimate::text::count_text(family, text);
        }
        let old = self.chunks.remove(&slot).unwrap_or_default();
        let mut fresh = HashMap::with_capacity(old.len());
        let mut total = 0;
        for paragraph in paragraphs(text) {
            let mut h = DefaultHasher::new();
            paragraph.hash(&mut h);
            let key = h.finish();
            let n = match old.get(&key).or_else(|| fresh.get(&key)) {
                Some(n) => *n,
                None => estimate::text::count_text(family, paragraph),
            };
            fresh.insert(key, n);
            total += n;
        }
        self.chunks.insert(slot, fresh);
        total
    }
}

/// The skeleton total of a workspace (texts empty): for marginal costs of tools/attachments.
fn structure_total(ws: &Workspace) -> u64 {
    estimate::estimate(&ws.to_request()).input_tokens
}

/// Split a text after each blank line; pieces longer than `CHUNKED_ABOVE` are split after
/// each newline instead. Concatenating the pieces gives the text back.
pub fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    split_after(text, "\n\n").flat_map(|p| {
        let pieces: Box<dyn Iterator<Item = &str>> = if p.len() > CHUNKED_ABOVE {
            Box::new(split_after(p, "\n"))
        } else {
            Box::new(std::iter::once(p))
        };
        pieces
    })
}

fn split_after<'a>(text: &'a str, sep: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(sep).map_or(rest.len(), |i| i + sep.len());
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse;

    #[test]
    fn paragraphs_concatenate_back_to_the_text() {
        let text = "a\n\nb\nc\n\n\nd";
        assert_eq!(paragraphs(text).collect::<String>(), text);
        assert_eq!(paragraphs(text).count(), 3);
    }

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
}
