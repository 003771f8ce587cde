//! The one loop that owns the terminal and runs effects. (Issue 4.)

use crate::cli::Cli;

/// Open the workbench.
pub fn run(_cli: Cli) -> anyhow::Result<()> {
    anyhow::bail!("the workbench is not built yet; use `budgie count`")
}
