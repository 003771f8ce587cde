//! Headless subcommands.

pub mod baseline;
pub mod batch;
pub mod cache_plan;
pub mod calibrate;
pub mod cases;
pub mod compare;
pub mod count;
pub mod export;
pub mod markdown;
pub mod models;
pub mod new;
pub mod shell;

/// Exit statuses of the headless commands.
pub mod exit {
    /// Everything counted and within budget.
    pub const OK: i32 = 0;
    /// Some count is over `--budget`.
    pub const OVER_BUDGET: i32 = 1;
    /// A usage or input error.
    pub const INPUT: i32 = 2;
    /// An API or network failure.
    pub const API: i32 = 3;
    /// Stopped by Ctrl-C before every input was counted (128 + SIGINT, as shells expect).
    pub const INTERRUPTED: i32 = 130;
}
