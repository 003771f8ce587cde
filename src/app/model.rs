//! The workbench's whole state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use ratatui_textarea::TextArea;

use super::breakdown::Attribution;
use super::budget::BudgetView;
use super::costs::{CacheView, CompareView, ExactCosts};
use super::doc::{self, Slot, SlotContent};
pub use super::editor::Editor;
use super::history::History;
use super::keymap::{Keymap, Scope};
use super::msg::{LimitStatus, Loaded};
use super::offline_count::OfflineCount;
use crate::calibration::drift::Summary;
use crate::config::{Settings, Theme};
use crate::estimate::Estimate;
use crate::registry::{ModelInfo, Registry};
use crate::request::Role;
use crate::workspace::Workspace;

/// The panes Tab moves between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Request,
    Tools,
    Attachments,
    /// The sections of the count, largest first (selecting one jumps to it).
    Breakdown,
}

impl Pane {
    pub const ALL: [Pane; 4] = [
        Pane::Request,
        Pane::Tools,
        Pane::Attachments,
        Pane::Breakdown,
    ];

    pub fn next(self) -> Pane {
        match self {
            Pane::Request => Pane::Tools,
            Pane::Tools => Pane::Attachments,
            Pane::Attachments => Pane::Breakdown,
            Pane::Breakdown => Pane::Request,
        }
    }

    pub fn prev(self) -> Pane {
        match self {
            Pane::Request => Pane::Breakdown,
            Pane::Tools => Pane::Request,
            Pane::Attachments => Pane::Tools,
            Pane::Breakdown => Pane::Attachments,
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
    /// A new file for the attachment at this slot.
    ReplaceAttachment(Slot),
    ToolFile,
    ExportPath,
    SaveAs,
}

impl PromptKind {
    pub fn title(self) -> &'static str {
        match self {
            PromptKind::Budget => "Token budget (e.g. 20000, 20k; empty = context window)",
            PromptKind::Thinking => "Thinking budget (≥ 1024; 0 or off = off; adaptive)",
            PromptKind::AttachPath => "Attach image or PDF (Tab completes)",
            PromptKind::ReplaceAttachment(_) => "Replace the attachment with (Tab completes)",
            PromptKind::ToolFile => "Tool definition JSON file (Tab completes)",
            PromptKind::ExportPath => "Export the request JSON to",
            PromptKind::SaveAs => "Save the workspace as (Tab completes)",
        }
    }

    pub fn completes_paths(self) -> bool {
        matches!(
            self,
            PromptKind::AttachPath
                | PromptKind::ReplaceAttachment(_)
                | PromptKind::ToolFile
                | PromptKind::ExportPath
                | PromptKind::SaveAs
        )
    }
}

/// What to do once the workspace is saved (or its changes discarded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Nothing more: keep working.
    Stay,
    Quit,
    /// Open this file in place of the workspace.
    Open(PathBuf),
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
        /// The input is what was there before (the current value): typing replaces it,
        /// the arrows or Backspace edit it.
        fresh: bool,
    },
    ToolEditor {
        editor: Box<TextArea<'static>>,
        /// What is wrong with the JSON right now (live), or None when it is a valid tool.
        error: Option<String>,
        /// The tool being edited (its place in the list); None for a new one.
        replacing: Option<usize>,
    },
    /// Open a file: the recent files, or a path typed.
    Open {
        input: String,
        /// The recent file picked with the arrows (index into the filtered list).
        selected: Option<usize>,
        completions: Vec<String>,
        error: Option<String>,
    },
    /// Text to read, not to edit: a block, a tool, an attachment, the messages.
    Viewer {
        title: String,
        text: String,
        scroll: u16,
    },
    /// There are unsaved changes: save, discard or stay? Then `then`.
    Unsaved {
        then: Then,
    },
    /// `path` exists: replace it? Then `then`. With `linked` files: those changed on disk
    /// since budgie read them; replace them with budgie's texts (saving to `path`)?
    Overwrite {
        path: PathBuf,
        then: Then,
        linked: Vec<String>,
    },
    /// The request on every model.
    Compare(Box<CompareView>),
    /// The prompt-cache plan on the workspace's model.
    Cache(Box<CacheView>),
}

/// How the runtime configured the workbench.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where Ctrl-S saves; `None`: it asks for a name (an untitled draft, a read-only file).
    pub path: Option<PathBuf>,
    /// The file the workspace was opened from (the title names it), if any.
    pub source: Option<PathBuf>,
    /// The file at `path` is this workspace's own (it was opened from it): saving replaces
    /// it without asking. Otherwise a file found there is only replaced after a question.
    pub overwrite_ok: bool,
    pub read_only: bool,
    /// Opened on a draft restored from the recovery file: it has not been saved.
    pub restored: bool,
    /// Where the save prompt suggests keeping an untitled draft (a new file of its own in
    /// budgie's data dir).
    pub draft_path: Option<PathBuf>,
    /// Recently opened or saved files, newest first (the open window lists them).
    pub recent: Vec<PathBuf>,
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
    /// Where Ctrl-S saves; `None`: it asks for a name.
    pub path: Option<PathBuf>,
    /// The file the workspace was opened from, for the title.
    pub source: Option<PathBuf>,
    /// Saving to `path` may replace the file there without asking.
    pub overwrite_ok: bool,
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
    /// The selected row of the breakdown (largest first).
    pub breakdown_sel: usize,
    /// Exact per-section figures (`B`), or where asking for them stands.
    pub attribution: Attribution,
    /// What the last structural edit changed the total by, and when (shown a few seconds).
    pub last_delta: Option<(i64, Instant)>,
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
    /// Structural edits that can be undone and redone.
    pub history: History,
    /// A message for the status line and when it was set.
    pub notice: Option<(String, Instant)>,
    /// Every message shown this session, oldest first (the messages window).
    pub log: Vec<String>,
    /// Changed since the last save.
    pub unsaved: bool,
    /// Exact counts the cost views asked for.
    pub costs: ExactCosts,
    /// How offline counts compared with exact ones, per model (by registry id).
    pub drift: BTreeMap<String, Summary>,
    /// Bumped on every change to the workspace: a save done while more was typed leaves the
    /// workspace unsaved.
    pub changes: u64,
    /// What to do once the save under way is done (quit, open a file).
    pub after_save: Option<Then>,
    pub budget_flag: Option<u64>,
    pub draft_path: Option<PathBuf>,
    pub recent: Vec<PathBuf>,
    /// When the exact count is tried again after a failure, and how many tries so far.
    pub retry: Option<Retry>,
    /// A character just typed alone into the editor (in this block): a burst of typing
    /// right after takes it in, so a paste's first key is undone with the rest.
    pub lone_key: Option<(Slot, char)>,
}

/// An exact count that failed is asked again later, each wait longer than the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub at: Instant,
    pub attempt: u32,
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
            source: options.source,
            overwrite_ok: options.overwrite_ok,
            read_only: options.read_only,
            settings: options.settings,
            keymap: options.keymap,
            pane: Pane::Request,
            focus: Slot::System(0),
            editor: None,
            tool_sel: 0,
            attach_sel: 0,
            breakdown_sel: 0,
            attribution: Attribution::Idle,
            last_delta: None,
            overlay: Overlay::None,
            offline,
            revision: 0,
            exact,
            limit: LimitStatus::default(),
            api_models: Vec::new(),
            now,
            size: (80, 24),
            history: History::default(),
            notice,
            costs: ExactCosts::default(),
            drift: options.drift,
            log: options.warnings,
            unsaved: options.restored,
            changes: 0,
            after_save: None,
            budget_flag: options.budget_flag,
            draft_path: options.draft_path,
            recent: options.recent,
            retry: None,
            lone_key: None,
        };
        model.focus = model.start_slot();
        model.open_editor();
        model
    }

    /// Put another workspace in place of this one (a file opened): everything about the
    /// old one goes (selection, undo history, counts), the settings stay.
    pub fn replace_workspace(&mut self, loaded: Loaded) {
        self.ws = loaded.workspace;
        self.path = loaded.path;
        self.source = loaded.source;
        self.overwrite_ok = loaded.overwrite_ok;
        self.read_only = loaded.read_only;
        self.unsaved = loaded.restored;
        self.changes += 1;
        self.after_save = None;
        self.history.clear();
        self.pane = Pane::Request;
        self.tool_sel = 0;
        self.attach_sel = 0;
        self.breakdown_sel = 0;
        self.attribution = Attribution::Idle;
        self.last_delta = None;
        self.overlay = Overlay::None;
        self.offline.rebuild(&self.ws);
        self.revision += 1;
        self.retry = None;
        if !matches!(self.exact, ExactState::Offline { .. }) {
            self.exact = ExactState::Pending;
        }
        self.focus = self.start_slot();
        self.open_editor();
    }

    /// Something in the workspace changed: it is unsaved.
    pub fn mark_changed(&mut self) {
        self.unsaved = true;
        self.changes += 1;
    }

    /// What the title calls the workspace: its file's name, else "untitled".
    pub fn name(&self) -> String {
        self.source
            .as_ref()
            .or(self.path.as_ref())
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "untitled".into())
    }

    /// The recent files the open window offers for `filter`: every recent file whose path
    /// holds it (any case), the workspace's own left out. (Paths are absolute: the runtime
    /// makes them so.)
    pub fn recent_choices(&self, filter: &str) -> Vec<PathBuf> {
        let filter = filter.to_lowercase();
        self.recent
            .iter()
            .filter(|p| self.path.as_ref() != Some(*p))
            .filter(|p| p.to_string_lossy().to_lowercase().contains(&filter))
            .cloned()
            .collect()
    }

    /// Whether `pane` is drawn at the terminal's size (a hidden pane cannot be focused).
    pub fn pane_drawn(&self, pane: Pane) -> bool {
        super::screen::pane_drawn(pane, self.size, self.limit.shared.is_some())
    }

    /// `max_tokens` when the request sets it.
    pub fn max_tokens(&self) -> Option<u64> {
        self.ws
            .request
            .extra
            .get("max_tokens")
            .and_then(serde_json::Value::as_u64)
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
        self.open_editor_at(None)
    }

    /// Open the editor on the focused block with the cursor at byte `cursor` (the end when
    /// `None`), if it holds text.
    pub fn open_editor_at(&mut self, cursor: Option<usize>) -> bool {
        let Some(text) = doc::content(&self.ws.request, self.focus).and_then(SlotContent::text)
        else {
            self.editor = None;
            return false;
        };
        self.editor = Some(Editor::open(self.focus, text, cursor));
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
        let max_tokens = self.max_tokens().unwrap_or(0);
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

    /// The tool selected in the tools pane, if there is one.
    pub fn selected_tool(&self) -> Option<&crate::request::Tool> {
        self.ws.request.tools.as_ref()?.get(self.tool_sel)
    }

    /// The selected tool as JSON to edit (budgie's annotation left out: a linked file stays
    /// on the tool), pretty-printed.
    pub fn selected_tool_json(&self) -> Option<String> {
        let mut tool = self.selected_tool()?.clone();
        tool.extra.remove(crate::workspace::ANNOTATION);
        Some(serde_json::to_string_pretty(&tool).unwrap_or_default())
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
