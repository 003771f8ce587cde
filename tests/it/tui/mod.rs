//! The workbench: reducer, screens, counting worker, properties, and the real binary in tmux.

mod costs;
mod costs_e2e;
mod e2e;
mod editing;
mod exact_counter;
mod external_editor;
mod files;
mod props;
mod reducer;
mod screens;
mod waits;
