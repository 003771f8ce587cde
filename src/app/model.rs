//! The workbench's whole state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use super::budget::BudgetView;
use super::costs::{CacheView, CompareView, ExactCosts};
use super::doc::{self, Slot, SlotContent};
use super::keymap::{Keymap, Scope};
use super::msg::LimitStatus;
use super::offline_count::OfflineCount;
use crate::calibration::drift::Summary;
use crate::config::{Settings, Theme};
use crate::estimate::Estimate;
use crate::registry::{ModelInfo, Registry};
use crate::request::{Message, Role};
use crate::workspace::Workspace;

/// The panes Tab moves between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Request,
    Tools,
    Attachments,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Request, Pane::Tools, Pane::Attachments];

    pub fn next(self) -> Pane {
        match self {
            Pane::Request => Pane::Tools,
            Pane::Tools => Pane::Attachments,
            Pane::Attachments => Pane::Request,
        }
    }

    pub fn prev(self) -> Pane {
        match self {
            Pane::Request => Pane::Attachments,
            Pane::Tools => Pane::Request,
            Pane::Attachments => Pane::Tools,
        }
    }
}

/// Where the exact count stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ExactState {
    /// No exact counting (no key): the reason is shown.
    Offline { reason: String },
    /// Content changed; an exact count goes out after a pause.
    Pending,
    /// A request is on its way.
    Counting,
    /// Waiting for the rate limit.
    RateLimited { until: Instant },
    /// The exact count for the current content.
    Exact { tokens: u64, at: Instant },
    /// The last attempt failed: the message in plain words.
    Failed { message: String },
}

/// A one-line prompt (budget, paths, thinking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Budget,
    Thinking,
    AttachPath,
    ToolFile,
    ExportPath,
}

impl PromptKind {
    pub fn title(self) -> &'static str {
        match self {
            PromptKind::Budget => "Token budget (e.g. 20000, 20k; empty = context window)",
            PromptKind::Thinking => "Thinking budget (≥ 1024; 0 or off = off; adaptive)",
            PromptKind::AttachPath => "Attach image or PDF (Tab completes)",
            PromptKind::ToolFile => "Tool definition JSON file (Tab completes)",
            PromptKind::ExportPath => "Export the request JSON to",
        }
    }

    pub fn completes_paths(self) -> bool {
        matches!(
            self,
            PromptKind::AttachPath | PromptKind::ToolFile | PromptKind::ExportPath
        )
    }
}

/// A window on top of the panes.
#[derive(Debug, Clone, Default)]
pub enum Overlay {
    #[default]
    None,
    Help {
        scroll: u16,
    },
    ModelPicker {
        filter: String,
        selected: usize,
    },
    Prompt {
        kind: PromptKind,
        input: String,
        error: Option<String>,
        completions: Vec<String>,
    },
    ToolEditor {
        editor: Box<TextArea<'static>>,
        /// What is wrong with the JSON right now (live), or None when it is a valid tool.
        error: Option<String>,
    },
    /// The request on every model.
    Compare(Box<CompareView>),
    /// The prompt-cache plan on the workspace's model.
    Cache(Box<CacheView>),
}

/// The editor open on the focused text block.
#[derive(Debug, Clone)]
pub struct Editor {
    pub slot: Slot,
    pub area: TextArea<'static>,
}

/// How the runtime configured the workbench.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where Ctrl-S saves; `None`: budgie's draft file.
    pub path: Option<PathBuf>,
    pub read_only: bool,
    pub settings: Settings,
    pub keymap: Keymap,
    /// `Some(reason)` when counting offline only (e.g. "no API key").
    pub offline_reason: Option<String>,
    /// Budget from the command line (beats the workspace's and the config's).
    pub budget_flag: Option<u64>,
    /// Warnings to show once (config, keymap).
    pub warnings: Vec<String>,
    /// How offline counts compared with exact ones, per model (`calibration::drift`).
    pub drift: BTreeMap<String, Summary>,
}

pub struct Model {
    pub ws: Workspace,
    pub path: Option<PathBuf>,
    pub read_only: bool,
    pub settings: Settings,
    pub keymap: Keymap,
    pub theme: Theme,
    pub pane: Pane,
    /// The selected block in the request pane.
    pub focus: Slot,
    /// Open while typing in the focused block.
    pub editor: Option<Editor>,
    pub tool_sel: usize,
    pub attach_sel: usize,
    pub overlay: Overlay,
    pub offline: OfflineCount,
    /// Bumped on every change to what is counted.
    pub revision: u64,
    pub exact: ExactState,
    pub limit: LimitStatus,
    /// Models offered by the API (id, display name), once listed.
    pub api_models: Vec<(String, String)>,
    pub now: Instant,
    pub size: (u16, u16),
    /// Deleted turns, most recent last: (index, turn).
    pub undo: Vec<(usize, Message)>,
    /// A message for the status line and when it was set.
    pub notice: Option<(String, Instant)>,
    /// Changed since the last save.
    pub unsaved: bool,
    /// Exact counts the cost views asked for.
    pub costs: ExactCosts,
    pub budget_flag: Option<u64>,
    /// How offline counts compared with exact ones, per model (by registry id).
    pub drift: BTreeMap<String, Summary>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("pane", &self.pane)
            .field("focus", &self.focus)
            .field("editing", &self.editor.is_some())
            .field("revision", &self.revision)
            .field("exact", &self.exact)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// A workbench on `ws`, with the cursor in the last user turn's editor.
    pub fn new(ws: Workspace, options: Options, now: Instant) -> Model {
        let offline = OfflineCount::new(&ws);
        let exact = match &options.offline_reason {
            Some(reason) => ExactState::Offline {
                reason: reason.clone(),
            },
            None => ExactState::Pending,
        };
        let notice = (!options.warnings.is_empty()).then(|| (options.warnings.join("; "), now));
        let mut model = Model {
            theme: options.settings.theme,
            ws,
            path: options.path,
            read_only: options.read_only,
            settings: options.settings,
            keymap: options.keymap,
            pane: Pane::Request,
            focus: Slot::System(0),
            editor: None,
            tool_sel: 0,
            attach_sel: 0,
            overlay: Overlay::None,
            offline,
            revision: 0,
            exact,
            limit: LimitStatus::default(),
            api_models: Vec::new(),
            now,
            size: (80, 24),
            undo: Vec::new(),
            notice,
            unsaved: false,
            costs: ExactCosts::default(),
            budget_flag: options.budget_flag,
            drift: options.drift,
        };
        model.focus = model.start_slot();
        model.open_editor();
        model
    }

    /// The last text block of the last user turn (or the system prompt when there is none).
    fn start_slot(&self) -> Slot {
        let slots = doc::slots(&self.ws.request);
        let last_user = self
            .ws
            .request
            .messages
            .iter()
            .rposition(|m| m.role == Role::User);
        if let Some(t) = last_user
            && let Some(slot) = slots
                .iter()
                .rev()
                .find(|s| s.turn() == Some(t) && doc::is_plain_text(&self.ws.request, **s))
        {
            return *slot;
        }
        Slot::System(0)
    }

    /// Open the editor on the focused block, cursor at the end, if it holds text.
    pub fn open_editor(&mut self) -> bool {
        let Some(text) = doc::content(&self.ws.request, self.focus).and_then(SlotContent::text)
        else {
            self.editor = None;
            return false;
        };
        let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let mut area = TextArea::new(lines);
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        area.set_cursor_line_style(ratatui::style::Style::default());
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        self.editor = Some(Editor {
            slot: self.focus,
            area,
        });
        true
    }

    pub fn model_info(&self) -> ModelInfo {
        Registry::builtin().lookup(&self.ws.request.model)
    }

    /// "exact on 48/50 recent": how this model's offline counts have compared with the
    /// API's, once there are enough of them.
    pub fn drift_label(&self) -> Option<String> {
        let key = Registry::builtin().canonical_id(&self.ws.request.model);
        self.drift.get(&key).and_then(Summary::label)
    }

    pub fn estimate(&self) -> Estimate {
        self.offline.estimate()
    }

    /// The count shown: the exact one when it is for the current content, else offline.
    pub fn shown_count(&self) -> (u64, bool) {
        match self.exact {
            ExactState::Exact { tokens, .. } => (tokens, true),
            _ => (self.offline.total(), false),
        }
    }

    /// The budget in force: the flag, the workspace's, the config's, else the context window.
    pub fn budget_limit(&self) -> u64 {
        crate::config::budget_in_force(self.budget_flag, self.ws.budget, self.settings.budget)
            .unwrap_or_else(|| self.model_info().context_window)
    }

    pub fn budget_view(&self) -> BudgetView {
        BudgetView::new(self.shown_count().0, self.budget_limit())
    }

    /// Tokens reserved for output: max_tokens, else the thinking budget.
    pub fn output_reserve(&self) -> u64 {
        let max_tokens = self
            .ws
            .request
            .extra
            .get("max_tokens")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        max_tokens.max(self.thinking_budget().unwrap_or(0))
    }

    pub fn thinking_budget(&self) -> Option<u64> {
        self.ws
            .request
            .thinking
            .as_ref()
            .filter(|t| t.kind == "enabled")
            .and_then(|t| t.budget_tokens)
    }

    /// Input plus reserved output against the context window.
    pub fn context_view(&self) -> BudgetView {
        BudgetView::new(
            self.shown_count().0 + self.output_reserve(),
            self.model_info().context_window,
        )
    }

    /// Which key scope is live.
    pub fn scope(&self) -> Scope {
        if self.editor.is_some() {
            Scope::Editor
        } else {
            Scope::Navigate
        }
    }

    pub fn tool_count(&self) -> usize {
        self.ws.request.tools.as_ref().map_or(0, Vec::len)
    }

    /// The models the picker offers, filtered: the registry, then API-only ids.
    pub fn model_choices(&self, filter: &str) -> Vec<(String, String)> {
        let registry = crate::registry::Registry::builtin();
        let mut out: Vec<(String, String)> = registry
            .models()
            .iter()
            .map(|m| (m.id.clone(), m.display_name.clone()))
            .collect();
        for (id, name) in &self.api_models {
            if registry.find(id).is_none() {
                out.push((id.clone(), name.clone()));
            }
        }
        let filter = filter.to_lowercase();
        out.retain(|(id, name)| {
            id.to_lowercase().contains(&filter) || name.to_lowercase().contains(&filter)
        });
        out
    }
}
