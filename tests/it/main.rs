//! budgie's integration tests: one binary (linked once), one module per area, one support
//! module they all share.

#![allow(clippy::unwrap_used)]

mod api;
mod calibrate;
mod cli;
mod config;
mod estimate;
mod export;
mod intake;
mod limiter;
mod support;
mod tui;
mod workspace;
