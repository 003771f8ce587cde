//! The workbench: reducer, screens, counting worker, properties, and the real binary in tmux.

mod costs;
mod costs_e2e;
mod e2e;
mod exact_counter;
mod props;
mod reducer;
mod screens;
