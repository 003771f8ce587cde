//! What happens to the workbench (`Msg`) and what it asks the runtime to do (`Effect`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;

use super::doc::Slot;
use super::model::Pane;
use crate::request::ContentBlock;
use crate::workspace::Workspace;

/// Something that happened: a key, a paste, a timer, a background task finishing.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Several key presses that arrived together (a burst of typing): the same as one `Key`
    /// each, but a run of plain characters goes into the editor in one edit.
    Keys(Vec<KeyEvent>),
    /// A bracketed paste, inserted in one step.
    Paste(String),
    /// A mouse action, with what it landed on (the runtime asks the drawn layout:
    /// `ui::layout::pointer`).
    Pointer(Pointer),
    Resize(u16, u16),
    /// The clock, for ages ("2 s ago") and countdowns.
    Tick(Instant),
    /// News from the counting worker.
    Count(CountEvent),
    /// The limiter's view of the rate.
    Limit(LimitStatus),
    /// Models from `GET /v1/models` (ids and display names), or why not.
    Models(Result<Vec<(String, String)>, String>),
    /// A save finished; `changes` is the workspace's change count when it was asked for.
    Saved {
        path: PathBuf,
        changes: u64,
        result: Result<(), SaveFailure>,
        /// The hashes of the linked files as saved, per field (`workspace::links::hashes`).
        linked: Vec<(String, Option<String>)>,
    },
    /// A file opened (or why not), to put in place of the workspace.
    Opened {
        path: PathBuf,
        result: Result<Box<Loaded>, String>,
    },
    Exported {
        path: PathBuf,
        result: Result<(), String>,
    },
    /// An attachment read from disk, ready to go into turn `turn` (or in place of the
    /// attachment at `replace`).
    AttachmentRead {
        turn: usize,
        replace: Option<Slot>,
        result: Result<Box<ContentBlock>, String>,
    },
    /// A tool definition file's text.
    ToolRead {
        path: PathBuf,
        result: Result<String, String>,
    },
    /// What recording an exact count beside its offline count says about `model`'s record
    /// (`calibration::drift`), and a warning not given before.
    Drift {
        model: String,
        summary: crate::calibration::drift::Summary,
        warning: Option<String>,
    },
    /// Path completions for what is typed in the path prompt.
    Completions {
        input: String,
        options: Vec<String>,
    },
    /// An exact count a cost view asked for: the request's hash and its count, or why not.
    CostCounted {
        hash: String,
        result: Result<u64, String>,
    },
    /// News of the exact attribution (`B`).
    Attribution(AttributionEvent),
    /// A linked file (named as its link names it) changed on disk: its text now, or why it
    /// cannot be read.
    LinkedFileChanged {
        file: String,
        result: Result<String, String>,
    },
    /// The user's editor is done with `target`: the text it was given (`original`) and the
    /// text it left (or why there is none: it failed to start, exited non-zero…).
    EditedExternally {
        target: EditTarget,
        original: String,
        result: Result<String, String>,
    },
}

/// What the user's own editor is opened on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditTarget {
    /// A text block's text.
    Slot(Slot),
    /// The tool at this place in the list, as pretty-printed JSON.
    Tool(usize),
}

/// How the exact attribution of the content of `revision` goes.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributionEvent {
    /// `done` of `of` counts made (the total first).
    Progress {
        revision: u64,
        done: usize,
        of: usize,
    },
    /// Every section counted: the total and each section's share, largest first.
    Done {
        revision: u64,
        total: u64,
        shares: Vec<crate::attribution::Share>,
    },
    /// A count failed; what was counted is dropped.
    Failed { revision: u64, message: String },
}

/// Why a save did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveFailure {
    /// A file is there and the save was not told it may replace it: ask first.
    Exists,
    /// These linked files changed on disk since budgie read them: ask before replacing.
    LinkedChanged(Vec<String>),
    /// The words of the error.
    Failed(String),
}

/// A workspace read from a file, with how the workbench should treat it.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub workspace: Workspace,
    /// Where Ctrl-S saves (`None`: it asks).
    pub path: Option<PathBuf>,
    /// The file it came from.
    pub source: Option<PathBuf>,
    /// The file at `path` is this workspace's own: saving replaces it without asking.
    pub overwrite_ok: bool,
    pub read_only: bool,
    /// What is shown is the autosaved draft of the file, not yet saved.
    pub restored: bool,
    /// Things to tell the user (problems the API would refuse, a restored draft…).
    pub warnings: Vec<String>,
}

/// What the mouse did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointer {
    /// A left click on this.
    Click(Target),
    ScrollUp,
    ScrollDown,
}

/// What a click lands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Nothing,
    Pane(Pane),
    Slot(Slot),
    Tool {
        index: usize,
        checkbox: bool,
    },
    Attachment {
        index: usize,
        checkbox: bool,
    },
    /// A row of the breakdown (largest first).
    Section(usize),
}

/// The counting worker's reports, each for one revision of the content.
#[derive(Debug, Clone, PartialEq)]
pub enum CountEvent {
    /// Waiting for the rate limit; a slot comes at `until`.
    RateLimited { revision: u64, until: Instant },
    /// The request is on its way.
    Started { revision: u64 },
    /// The exact count, or why there is none. `at` is when it arrived.
    Done {
        revision: u64,
        result: Result<u64, CountFailure>,
        at: Instant,
    },
}

/// Why an exact count failed, in words a user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum CountFailure {
    /// The API said 429 (after the client's own retries).
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    /// The API could not be reached or failed on its side (a connection error, a timeout,
    /// a 5xx, overloaded): worth asking again later.
    Unavailable(String),
    /// Anything else (the request itself is refused): shown as is; asking again with the
    /// same content would get the same answer.
    Failed(String),
}

impl CountFailure {
    pub fn message(&self) -> &str {
        match self {
            CountFailure::RateLimited { message, .. }
            | CountFailure::Unavailable(message)
            | CountFailure::Failed(message) => message,
        }
    }
}

/// What the limiter says about the rate right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitStatus {
    /// Requests left this minute, if known.
    pub left_this_minute: Option<u32>,
    /// Time until the next request may go (zero when one may go now).
    pub next_slot_in: Duration,
    /// The rate in force, if the limiter has said.
    pub rpm: Option<u32>,
    /// Shared through Redis: how it stands.
    pub shared: Option<crate::limiter::SharedStatus>,
}

/// Something the runtime must do for the reducer (the reducer itself does no I/O).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The user chose to quit (nothing unsaved is left, or they chose to discard it): the
    /// recovery file goes too.
    Quit,
    /// The counted content changed: hand the latest request to the counting worker.
    CountExact,
    /// Count again now: no pause first, and not from what was counted before.
    Recount,
    /// Write the workspace to `path`. Without `replace`, a file already there is left alone
    /// and the answer is `SaveFailure::Exists`. `changes` comes back in `Msg::Saved`.
    Save {
        path: PathBuf,
        workspace: Box<Workspace>,
        replace: bool,
        /// Replace linked files even when they changed on disk since they were read.
        replace_links: bool,
        changes: u64,
    },
    /// Read a file as a workspace (a missing `*.budgie.json` is a new one).
    Open {
        path: PathBuf,
    },
    Export {
        path: PathBuf,
        contents: String,
    },
    /// Read an image or PDF into turn `turn` (or in place of the attachment at `replace`).
    ReadAttachment {
        path: PathBuf,
        turn: usize,
        replace: Option<Slot>,
        /// The model the limits (PDF pages) are checked for.
        model: String,
    },
    ReadTool {
        path: PathBuf,
    },
    /// List paths starting with `input`.
    Complete {
        input: String,
    },
    RefreshModels,
    /// Keep an exact count beside the offline count of the same request (drift tracking).
    RecordDrift {
        request: Box<crate::request::Request>,
        offline: u64,
        exact: u64,
    },
    /// Hand the terminal to the user's editor (`$VISUAL`, `$EDITOR`, else `vi`) on `text`,
    /// in a temporary file named after `stem` with `extension`; the answer is
    /// `Msg::EditedExternally`.
    EditExternally {
        target: EditTarget,
        text: String,
        stem: String,
        extension: &'static str,
    },
    /// Count these requests exactly for the cost views (hash, request), one at a time through
    /// the limiter, answering each with `Msg::CostCounted`.
    CountForCosts(Vec<(String, crate::request::Request)>),
    /// Attribute `request` (the content of `revision`) exactly: the total, then the request
    /// without each section, through the limiter and the cache of exact counts; answered
    /// with `Msg::Attribution`.
    Attribute {
        revision: u64,
        request: Box<crate::request::Request>,
    },
    /// Stop the attribution under way.
    CancelAttribution,
}
