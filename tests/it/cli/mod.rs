//! The headless commands end to end (the built binary) and the batch driver behind them.

mod batch;
mod breakdown;
mod costs;
mod count;
mod export;
mod markdown;
mod new;
mod settings;
mod shell;
mod variables;
