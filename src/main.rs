//! Entry point: parse the command line, merge the settings once, hand over; no logic here.

use budgie::cli::{Cli, Command};
use budgie::{commands, config};

fn main() {
    let cli = Cli::parse_ordered();
    // Generated from the command-line definitions alone: no settings to read.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            std::process::exit(commands::shell::completions(*shell))
        }
        Some(Command::Man { dir }) => std::process::exit(commands::shell::man(dir.as_deref())),
        _ => {}
    }
    if let Some(message) = cli.misplaced_options() {
        eprintln!("budgie: {message}");
        std::process::exit(commands::exit::INPUT);
    }
    let settings = match config::resolve(&cli.flags()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("budgie: {e}");
            std::process::exit(commands::exit::INPUT);
        }
    };
    // Offline counts use what `budgie calibrate` measured on this machine.
    if let Some(dirs) = config::dirs()
        && let Some(warning) = budgie::calibration::store::install(&dirs.data)
    {
        eprintln!("budgie: {warning}");
    }
    let status = match &cli.command {
        Some(Command::Count(args)) => commands::count::run(&settings, args),
        Some(Command::Calibrate(args)) => commands::calibrate::run(&settings, &args.models, args),
        Some(Command::Models { json, .. }) => commands::models::run(&settings, *json),
        Some(Command::Export(args)) => commands::export::run(&settings, args),
        Some(Command::New(args)) => commands::new::run(&settings, args),
        Some(Command::Completions { .. } | Command::Man { .. }) => commands::exit::OK,
        None => match budgie::runtime::run(&cli, settings) {
            Ok(()) => commands::exit::OK,
            Err(e) => {
                eprintln!("budgie: {e:#}");
                commands::exit::INPUT
            }
        },
    };
    std::process::exit(status);
}
