//! budgie: budget Claude prompts before they are sent.
//!
//! The layout follows the architecture, lowest first:
//! - `bytes`, `numbers`, `atomic_file`, `registry`: sizes and digests; counts and dollars as
//!   people read them; whole-or-nothing file writes; the models budgie knows
//!   (assets/models.json)
//! - `request`: the Messages API request model, the API's limits and its rules (validate)
//! - `estimate`: offline counting (tokenizer families, request structure); `explain`: an
//!   offline count in words a user knows (its parts, what rests on a guess)
//! - `cost`: prices as billed, the prompt-caching plan, one request on several models
//! - `secrets`, `config`: the API key; settings merged once for every command
//! - `workspace`: the draft on disk: format, saving, autosave, recovery, recent files
//! - `intake`: the one reader of what users bring (request files, attachments, pastes)
//! - `api`, `limiter`: the count_tokens client; requests per minute, shared by processes
//! - `exact_counter`, `exact_cache`: the workbench's debounced exact counting; exact counts
//!   kept on disk for `budgie count`
//! - `calibration`: structure measured against the API (`budgie calibrate`), and how offline
//!   counts compare with exact ones (drift)
//! - `export`: JSON, curl and SDK snippets, the clipboard
//! - `app`, `ui`: the workbench's pure state and reducer; pure drawing
//! - `runtime`, `tui`: the one loop that owns the terminal; the terminal guard
//! - `cli`, `commands`: arguments; the headless subcommands (count, calibrate, models, export)

pub mod api;
pub mod app;
pub mod atomic_file;
pub mod attribution;
pub mod bytes;
pub mod calibration;
pub mod cli;
pub mod commands;
pub mod config;
pub mod cost;
pub mod estimate;
pub mod exact_cache;
pub mod exact_counter;
pub mod explain;
pub mod export;
pub mod intake;
pub mod limiter;
pub mod numbers;
pub mod registry;
pub mod request;
pub mod runtime;
pub mod secrets;
pub mod tui;
pub mod ui;
pub mod workspace;
