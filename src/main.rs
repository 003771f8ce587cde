//! Entry point: parse the command line and hand over; no logic here.

use clap::Parser;

use budgie::cli::{Cli, Command};
use budgie::commands;

fn main() {
    let cli = Cli::parse();
    let status = match &cli.command {
        Some(Command::Count(args)) => commands::count::run(&cli.common, args),
        Some(Command::Models { json }) => commands::models::run(&cli.common, *json),
        Some(Command::Export(args)) => commands::export::run(args),
        None => match budgie::runtime::run(cli) {
            Ok(()) => commands::exit::OK,
            Err(e) => {
                eprintln!("budgie: {e:#}");
                commands::exit::INPUT
            }
        },
    };
    std::process::exit(status);
}
