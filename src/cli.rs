//! Command-line arguments and subcommands.

use std::path::PathBuf;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::request::Role;

#[derive(Debug, Parser)]
#[command(
    name = "budgie",
    version,
    about = "Budget Claude prompts before you send them",
    long_about = "budgie is a terminal workbench for drafting Claude requests and seeing, as you \
type, how many input tokens they come to against your budget and the model's context window.\n\n\
With ANTHROPIC_API_KEY set, counts are exact (POST /v1/messages/count_tokens, debounced and \
rate-limited); without it, budgie counts offline with its local tokenizer.",
    after_help = "Examples:\n  budgie                       open the workbench on the last draft (or the example)\n  \
budgie draft.budgie.json     open a workspace or a request JSON\n  \
budgie count req.json        count a request headlessly\n  \
budgie count --json --budget 4000 prompts/   count a folder for CI\n  \
budgie count --compare req.json   the request on every model: tokens, fit, cost\n\n\
Environment:\n  ANTHROPIC_API_KEY    API key for exact counts (never written anywhere)\n  \
ANTHROPIC_BASE_URL   API base (default https://api.anthropic.com)\n  \
NO_COLOR             draw without colours\n  \
BUDGIE_HOME          keep config, data and cache under this folder\n  \
BUDGIE_LIMITER_URL   share the rate limit through this Redis (like --limiter)\n  \
REDIS_PASSWORD       the shared limiter's password, when its URL has none"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Workspace (.budgie.json) or request JSON to open in the workbench; a *.budgie.json
    /// that does not exist yet is a new workspace there.
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub model: ModelArg,

    #[command(flatten)]
    pub budget: BudgetArg,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub config: ConfigArg,

    /// Open the file read-only (nothing is saved over it).
    #[arg(long)]
    pub read_only: bool,
}

/// `--model`: the workbench, `count` and `export`.
#[derive(Debug, Args, Clone, Default)]
pub struct ModelArg {
    /// Model id (overrides the file's and the config's).
    #[arg(long, short = 'm', value_name = "ID")]
    pub model: Option<String>,
}

/// `--budget`: the workbench and `count`.
#[derive(Debug, Args, Clone, Default)]
pub struct BudgetArg {
    /// Token budget (1 or more); counts above it are "over budget". Beats a workspace's
    /// own budget and the config file's.
    #[arg(long, short = 'b', value_name = "TOKENS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub budget: Option<u64>,
}

/// `--tier`, `--rpm`, `--limiter`: what paces count_tokens requests (the workbench, `count`
/// and `calibrate`).
#[derive(Debug, Args, Clone, Default)]
pub struct RateArgs {
    /// Rate-limit tier for count_tokens: 1, 2, 3, 4, start, build, scale. Replaces the
    /// config file's tier and rpm.
    #[arg(long, value_name = "TIER", conflicts_with = "rpm", value_parser = parse_tier)]
    pub tier: Option<String>,

    /// Requests per minute allowed for count_tokens (1 to 1000000). Replaces the config
    /// file's tier and rpm.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::config::MAX_RPM)))]
    pub rpm: Option<u32>,

    /// Share the rate limit through this Redis with every budgie naming it
    /// (redis://HOST:PORT/DB or rediss://…; password in the URL or REDIS_PASSWORD). Beats
    /// BUDGIE_LIMITER_URL and the config file's `limiter`.
    #[arg(long, value_name = "URL", value_parser = parse_limiter)]
    pub limiter: Option<crate::config::LimiterUrl>,
}

/// `--config`: every command.
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArg {
    /// Config file to read instead of the default (it must exist).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// A tier name from `config::TIERS`, in any case.
fn parse_tier(text: &str) -> Result<String, String> {
    match crate::config::tier_rpm(text) {
        Some(_) => Ok(text.to_lowercase()),
        None => {
            let names: Vec<&str> = crate::config::TIERS.iter().map(|(n, _)| *n).collect();
            Err(format!("not a tier; use one of {}", names.join(", ")))
        }
    }
}

fn parse_limiter(text: &str) -> Result<crate::config::LimiterUrl, String> {
    crate::config::LimiterUrl::parse(text)
}

impl Cli {
    /// Parse the process's arguments (exiting with clap's message on a usage error), with
    /// what the derive cannot say: the order of `new`'s --user and --assistant turns.
    pub fn parse_ordered() -> Self {
        Self::try_parse_ordered_from(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// [`Cli::parse_ordered`] on the given arguments (the first is the program's name).
    pub fn try_parse_ordered_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Self::command().try_get_matches_from(args)?;
        let mut cli = Self::from_arg_matches(&matches)?;
        if let Some(Command::New(args)) = &mut cli.command
            && let Some(sub) = matches.subcommand_matches("new")
        {
            args.turns = turns_in_order(sub);
        }
        Ok(cli)
    }

    /// The workbench's options given with a subcommand (`budgie --model X count f`): each
    /// subcommand takes its own options after its name, so say where they go rather than
    /// drop them.
    pub fn misplaced_options(&self) -> Option<String> {
        let name = match &self.command {
            None => return None,
            Some(Command::Count(_)) => "count",
            Some(Command::Export(_)) => "export",
            Some(Command::Calibrate(_)) => "calibrate",
            Some(Command::Models { .. }) => "models",
            Some(Command::New(_)) => "new",
            Some(Command::Completions { .. }) => "completions",
            Some(Command::Man { .. }) => "man",
        };
        let given: Vec<&str> = [
            ("--model", self.model.model.is_some()),
            ("--budget", self.budget.budget.is_some()),
            ("--tier", self.rate.tier.is_some()),
            ("--rpm", self.rate.rpm.is_some()),
            ("--limiter", self.rate.limiter.is_some()),
            ("--config", self.config.config.is_some()),
            ("--read-only", self.read_only),
        ]
        .into_iter()
        .filter_map(|(flag, set)| set.then_some(flag))
        .collect();
        (!given.is_empty()).then(|| {
            format!(
                "{} before `{name}`: options go after the subcommand (budgie {name} {} …); \
                 `budgie {name} --help` lists the ones it takes",
                given.join(", "),
                given[0]
            )
        })
    }

    /// What the command line says about the settings, for `config::resolve`: each command's
    /// own options (a subcommand lists only those that apply to it).
    pub fn flags(&self) -> crate::config::Flags {
        let none = ((), BudgetArg::default(), RateArgs::default());
        let (config, model, budget, rate) = match &self.command {
            None => (
                &self.config,
                self.model.model.clone(),
                &self.budget,
                &self.rate,
            ),
            Some(Command::Count(args)) => (
                &args.config,
                args.model.model.clone(),
                &args.budget,
                &args.rate,
            ),
            Some(Command::Export(args)) => {
                (&args.config, args.model.model.clone(), &none.1, &none.2)
            }
            // The settings' model is calibrate's default; the last one given is as good.
            Some(Command::Calibrate(args)) => (
                &args.config,
                args.models.last().cloned(),
                &none.1,
                &args.rate,
            ),
            Some(Command::Models { config, .. }) => (config, None, &none.1, &none.2),
            Some(Command::New(args)) => (
                &args.config,
                args.model.model.clone(),
                &args.budget,
                &none.2,
            ),
            // Generated from the definitions alone: no settings apply.
            Some(Command::Completions { .. } | Command::Man { .. }) => {
                (&self.config, None, &none.1, &none.2)
            }
        };
        crate::config::Flags {
            config: config.config.clone(),
            model,
            budget: budget.budget,
            tier: rate.tier.clone(),
            rpm: rate.rpm,
            limiter: rate.limiter.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count the input tokens of request files, headlessly (for scripts and CI).
    ///
    /// Each FILE is a JSON request body as sent to count_tokens (a full messages.create body
    /// works too) or a budgie workspace; `-` reads standard input; directories and globs are
    /// expanded. Exit status: 0 all counted and within budget, 1 some count over --budget,
    /// 2 a usage or input error, 3 an API error response or network failure; when several
    /// apply, the highest wins. Without ANTHROPIC_API_KEY counts are offline (said once on
    /// stderr) and --exact exits 2; with a key and no --exact, an unreachable API means
    /// offline counts. A request with cache_control breakpoints also gets its prompt-cache
    /// plan: each breakpoint's prefix against the model's minimum, the first request's cost,
    /// a repeat's, and where a breakpoint would cache more.
    Count(CountArgs),
    /// Convert a request (workspace, request JSON, messages.create body or SDK log) to JSON, a
    /// curl command, or a Python or TypeScript SDK snippet. The key is always read from
    /// $ANTHROPIC_API_KEY, never written out.
    Export(ExportArgs),
    /// Measure how the API counts the structure of a request (turns, tools, tool calls,
    /// images, documents, thinking) and keep the values for offline counts. Needs
    /// ANTHROPIC_API_KEY.
    ///
    /// For each model (--model, repeatable; default: the configured one) 56 small
    /// count_tokens requests go out, through the rate limiter and the cache of exact counts.
    /// Each structural constant is solved from requests that differ in one feature; a value
    /// the counts do not agree on is reported, not kept. The result is checked on other
    /// requests and written to calibration.json in the data dir, which every offline count
    /// then uses. Ctrl-C keeps what was measured. Exit status: 0 done, 2 a usage error,
    /// 3 an API failure, 130 interrupted.
    Calibrate(CalibrateArgs),
    /// List the models budgie knows: context window, prices per MTok, the minimum cacheable
    /// prompt, long-context rates (and, with a key, the models the API offers and their
    /// context windows).
    Models {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,

        #[command(flatten)]
        config: ConfigArg,
    },
    /// Build a workspace from prompt files: a system prompt, tool definitions and turns.
    ///
    /// Each text file becomes a block with the file's text copied in; turns follow the order
    /// of --user and --assistant on the command line. Tool files hold one tool definition
    /// (name, description, input_schema), a list of them, or a request with "tools"; each is
    /// checked as a tool definition, and a bad one is named with its file. The workspace is
    /// written to --output (never over an existing file without --force) or to standard
    /// output. Example: budgie new --system prompts/system.md --tools tools/*.json --user
    /// examples/q1.md -o support.budgie.json
    New(NewArgs),
    /// Print a completion script for your shell (generated from budgie's own options).
    ///
    /// bash: `budgie completions bash > ~/.local/share/bash-completion/completions/budgie`;
    /// zsh: `budgie completions zsh > ~/.zfunc/_budgie` (with `fpath+=~/.zfunc` before
    /// `compinit` in ~/.zshrc); fish: `budgie completions fish >
    /// ~/.config/fish/completions/budgie.fish`. Open a new shell afterwards.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print budgie's manual page (roff) on standard output, or write one page per command.
    ///
    /// `budgie man > ~/.local/share/man/man1/budgie.1` installs it for `man budgie`;
    /// `budgie man --dir ~/.local/share/man/man1` writes budgie.1 and a page for each
    /// subcommand (budgie-count.1, …), read with `man budgie-count`.
    Man {
        /// Write budgie.1 and budgie-COMMAND.1 into this existing folder instead of printing
        /// budgie.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct CountArgs {
    /// Request JSON files, workspaces, directories or globs; `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,

    /// Count with the local tokenizer even when a key is set.
    #[arg(long, conflicts_with = "exact")]
    pub offline: bool,

    /// Require exact counts from the API; fail if there is no key or no network.
    #[arg(long)]
    pub exact: bool,

    /// How results are written: `text` (a line per file), `json` (one JSON object per line,
    /// as --json) or `markdown` (a table for a pull-request comment: file, model, tokens,
    /// budget and, with --baseline, the change).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = CountFormat::Text)]
    pub format: CountFormat,

    /// The same as --format json: one JSON object per line, {"file","model","input_tokens",
    /// "source"} (with "cache", the prompt-cache plan, when the request has cache_control
    /// breakpoints) or {"file","error"}.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// With --format markdown: the output of an earlier `budgie count --json` run (JSON
    /// lines) to compare with; each row says the change ("+412 tokens (+3.1 %)"), and files
    /// new since or no longer counted say so.
    #[arg(long, value_name = "FILE.jsonl")]
    pub baseline: Option<PathBuf>,

    /// Test cases of `{{name}}` variable values — JSON lines, a JSON array of objects, or
    /// CSV with a header row — to count one request per case: each file's line gives min,
    /// median and max and names the largest case (its count is the one checked against the
    /// budget). Values in a case beat the workspace's own `variables`.
    #[arg(long, value_name = "CASES", conflicts_with = "compare")]
    pub vars: Option<PathBuf>,

    /// Show how an offline count was made: tokenizer family and constants used.
    #[arg(long)]
    pub explain: bool,

    /// Tokens per section (system, each tool, each message, each attachment, thinking,
    /// framing), largest first; with --exact, from leave-one-out counts (one request per
    /// section, through the limiter and the cache).
    #[arg(long)]
    pub breakdown: bool,

    /// Do not use or fill the cache of exact counts.
    #[arg(long)]
    pub no_cache: bool,

    /// Show each request on every model budgie knows (or those of --models): input tokens,
    /// share of the context window and whether it fits with max_tokens and the thinking
    /// budget, input and worst-case output cost, and the cost with the prompt cache as
    /// planned. Offline unless --exact (then one count per model and breakpoint, through the
    /// limiter and the cache). With --json: one line per file and model.
    #[arg(long, conflicts_with_all = ["breakdown", "explain"])]
    pub compare: bool,

    /// The models --compare shows, comma-separated (default: every model in `budgie models`).
    #[arg(
        long,
        value_name = "ID,ID,...",
        value_delimiter = ',',
        requires = "compare"
    )]
    pub models: Vec<String>,

    #[command(flatten)]
    pub model: ModelArg,

    #[command(flatten)]
    pub budget: BudgetArg,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub config: ConfigArg,
}

#[derive(Debug, Args, Clone, Default)]
#[command(group(clap::ArgGroup::new("sources")
    .required(true)
    .multiple(true)
    .args(["system", "tools", "user", "assistant"])))]
pub struct NewArgs {
    /// A file whose text is the system prompt; give it again for more system blocks.
    #[arg(long, value_name = "FILE")]
    pub system: Vec<PathBuf>,

    /// Files of tool definitions (JSON), or globs of them (`tools/*.json`).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub tools: Vec<String>,

    /// A file whose text is a user turn; repeat for more turns.
    #[arg(long, value_name = "FILE")]
    pub user: Vec<PathBuf>,

    /// A file whose text is an assistant turn (a few-shot answer); repeat for more turns.
    #[arg(long, value_name = "FILE")]
    pub assistant: Vec<PathBuf>,

    /// Write the workspace here (by convention NAME.budgie.json) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Replace --output if it exists (only a budgie workspace is ever replaced).
    #[arg(long, requires = "output")]
    pub force: bool,

    #[command(flatten)]
    pub model: ModelArg,

    #[command(flatten)]
    pub budget: BudgetArg,

    #[command(flatten)]
    pub config: ConfigArg,

    /// The --user and --assistant files in the order given (filled in by
    /// `Cli::parse_ordered`; the derive keeps each flag's values apart).
    #[arg(skip)]
    pub turns: Vec<(Role, PathBuf)>,
}

/// `new`'s --user and --assistant values, merged in command-line order.
fn turns_in_order(matches: &ArgMatches) -> Vec<(Role, PathBuf)> {
    let mut turns: Vec<(usize, Role, PathBuf)> = Vec::new();
    for (id, role) in [("user", Role::User), ("assistant", Role::Assistant)] {
        if let (Some(indices), Some(values)) =
            (matches.indices_of(id), matches.get_many::<PathBuf>(id))
        {
            turns.extend(indices.zip(values).map(|(i, v)| (i, role, v.clone())));
        }
    }
    turns.sort_by_key(|(index, _, _)| *index);
    turns
        .into_iter()
        .map(|(_, role, path)| (role, path))
        .collect()
}

impl CountArgs {
    /// The output format, `--json` being `--format json`.
    pub fn output(&self) -> CountFormat {
        if self.json {
            CountFormat::Json
        } else {
            self.format
        }
    }
}

/// `budgie count --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CountFormat {
    /// A line per file (the default).
    #[default]
    Text,
    /// One JSON object per line (the same as --json).
    Json,
    /// A Markdown table, for a pull-request comment.
    Markdown,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CalibrateArgs {
    /// One JSON object per model on standard output.
    #[arg(long)]
    pub json: bool,

    /// Remove the calibration of the --model(s) given, or of every model; offline counts go
    /// back to the shipped constants.
    #[arg(long, conflicts_with_all = ["emit_registry", "no_cache"])]
    pub reset: bool,

    /// Print what this machine measured as a patch to assets/models.json (for maintainers:
    /// `git apply` it to ship the values). Sends nothing.
    #[arg(long, conflicts_with = "no_cache")]
    pub emit_registry: bool,

    /// Ask the API again for every probe instead of using counts already in the cache (the
    /// answers still refresh it).
    #[arg(long)]
    pub no_cache: bool,

    /// A model to calibrate; give it again for more (default: the configured model).
    #[arg(long = "model", short = 'm', value_name = "ID")]
    pub models: Vec<String>,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub config: ConfigArg,
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// Workspace, request JSON or log file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: String,

    /// What to write.
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Curl)]
    pub format: ExportFormat,

    /// The full messages.create body (max_tokens, temperature…) instead of the count_tokens body.
    #[arg(long)]
    pub create: bool,

    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub model: ModelArg,

    #[command(flatten)]
    pub config: ConfigArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    /// curl with the body in a heredoc.
    Curl,
    /// curl with the body as one quoted argument.
    CurlInline,
    Python,
    Typescript,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keeps_the_turns_in_command_line_order() {
        let cli = Cli::try_parse_ordered_from([
            "budgie",
            "new",
            "--user",
            "q1.md",
            "--assistant",
            "a1.md",
            "--system",
            "s.md",
            "--user",
            "q2.md",
        ])
        .expect("parses");
        let Some(Command::New(args)) = cli.command else {
            panic!("not `new`");
        };
        assert_eq!(
            args.turns,
            vec![
                (Role::User, PathBuf::from("q1.md")),
                (Role::Assistant, PathBuf::from("a1.md")),
                (Role::User, PathBuf::from("q2.md")),
            ]
        );
    }

    #[test]
    fn new_needs_something_to_build_from() {
        let error = Cli::try_parse_ordered_from(["budgie", "new", "-o", "x.budgie.json"])
            .expect_err("nothing given");
        assert_eq!(
            error.kind(),
            clap::error::ErrorKind::MissingRequiredArgument
        );
    }
}
