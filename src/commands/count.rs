//! `budgie count`: count request files headlessly. (Issue 2; batch and limiter: issue 5.)

use crate::cli::{Common, CountArgs};

/// Run the command; returns the process exit status (see `commands::exit`).
pub fn run(_common: &Common, _args: &CountArgs) -> i32 {
    eprintln!("budgie count: not built yet");
    super::exit::INPUT
}
