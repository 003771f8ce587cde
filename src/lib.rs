//! budgie: budget Claude prompts before they are sent.
//!
//! The layout follows the architecture: `request` (the API's request model), `estimate`
//! (offline counting), `api` (count_tokens client), `limiter` (requests per minute),
//! `counter` (debounced exact counting), `workspace` (drafts on disk), `app` (pure state and
//! reducer), `ui` (pure drawing), `runtime` + `tui` (the terminal loop), `commands`
//! (headless subcommands).

pub mod api;
pub mod app;
pub mod bytes;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod counter;
pub mod estimate;
pub mod export;
pub mod intake;
pub mod limiter;
pub mod registry;
pub mod request;
pub mod runtime;
pub mod secrets;
pub mod tui;
pub mod ui;
pub mod workspace;
