//! The workbench: reducer, screens, counting worker, properties, and the real binary in tmux.

mod counter;
mod e2e;
mod props;
mod reducer;
mod screens;
