//! `budgie completions` and `budgie man`: shell completion scripts and manual pages,
//! generated from the command-line definitions in `cli` so they never drift from them.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::exit;
use crate::cli::Cli;

/// Print the completion script for `shell` on standard output.
pub fn completions(shell: Shell) -> i32 {
    let script = completion_script(shell);
    let mut out = std::io::stdout().lock();
    match out.write_all(&script).and_then(|()| out.flush()) {
        // `budgie completions bash | head` is not an error.
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("budgie completions: cannot write the script: {e}");
            exit::INPUT
        }
    }
}

/// The completion script for `shell` (clap_complete panics on a failed write, so it writes
/// to memory and the caller handles the real output's errors).
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "budgie", &mut script);
    script
}

/// Print budgie(1) on standard output, or write it and one page per subcommand into `dir`.
pub fn man(dir: Option<&Path>) -> i32 {
    let result = match dir {
        None => render_page(&mut std::io::stdout().lock()),
        Some(dir) => write_pages(dir),
    };
    match result {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("budgie man: {e}");
            exit::INPUT
        }
    }
}

/// budgie(1): the workbench's options and the list of subcommands.
pub fn render_page(out: &mut dyn Write) -> std::io::Result<()> {
    page(Cli::command()).render(out)?;
    out.flush()
}

/// budgie.1 and budgie-COMMAND.1 for every subcommand, in `dir` (which must exist: a typo
/// should not scatter pages into a new folder). Names each file written on stderr.
fn write_pages(dir: &Path) -> std::io::Result<()> {
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not a folder: create it first", dir.display()),
        ));
    }
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = vec![page(command.clone())];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(page(sub.clone()));
    }
    for page in pages {
        let path = page.generate_to(dir).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot write {}: {e}",
                    dir.join(page.get_filename()).display()
                ),
            )
        })?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// A page whose footer names budgie and its version (a subcommand has no version of its own).
fn page(command: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(command)
        .source(concat!("budgie ", env!("CARGO_PKG_VERSION")))
        .manual("budgie manual")
}
