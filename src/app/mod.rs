//! The workbench's state (`Model`), what happens to it (`Msg`), what it asks the runtime to
//! do (`Effect`), and the pure `update`.

pub mod breakdown;
pub mod budget;
pub mod costs;
pub mod doc;
pub mod editor;
pub mod example;
pub mod history;
pub mod keymap;
pub mod model;
pub mod msg;
pub mod offline_count;
pub mod screen;
pub mod tool_edit;
pub mod update;
pub mod viewer;

pub use budget::{BudgetView, Level};
pub use doc::Slot;
pub use keymap::{Command, Keymap, Scope};
pub use model::{ExactState, Model, Options, Overlay, Pane, PromptKind, Retry, Then};
pub use msg::{
    AttributionEvent, CountEvent, CountFailure, EditTarget, Effect, LimitStatus, Loaded, Msg,
    Pointer, SaveFailure, Target,
};
pub use update::update;
