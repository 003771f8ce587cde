//! The workbench: reducer, screens, counting worker, properties, and the real binary in tmux.

mod breakdown;
mod breakdown_e2e;
mod costs;
mod costs_e2e;
mod e2e;
mod editing;
mod exact_counter;
mod external_editor;
mod files;
mod long_text;
mod props;
mod reducer;
mod screens;
mod waits;
