//! Command-line arguments and subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

    /// Workspace (.budgie.json) or request JSON to open in the workbench.
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub common: Common,

    /// Open the file read-only (nothing is saved over it).
    #[arg(long)]
    pub read_only: bool,
}

/// Options shared by the workbench and the headless commands.
#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Model id (overrides the file's and the config's). `budgie calibrate` takes it more
    /// than once.
    #[arg(long = "model", short = 'm', global = true, value_name = "ID",
          action = clap::ArgAction::Append)]
    pub models: Vec<String>,

    /// Token budget (1 or more); counts above it are "over budget". Beats a workspace's
    /// own budget and the config file's.
    #[arg(long, short = 'b', global = true, value_name = "TOKENS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub budget: Option<u64>,

    /// Rate-limit tier for count_tokens: 1, 2, 3, 4, start, build, scale. Replaces the
    /// config file's tier and rpm.
    #[arg(long, global = true, value_name = "TIER", conflicts_with = "rpm",
          value_parser = parse_tier)]
    pub tier: Option<String>,

    /// Requests per minute allowed for count_tokens (1 to 1000000). Replaces the config
    /// file's tier and rpm.
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::config::MAX_RPM)))]
    pub rpm: Option<u32>,

    /// Share the rate limit through this Redis with every budgie naming it
    /// (redis://HOST:PORT/DB or rediss://…; password in the URL or REDIS_PASSWORD). Beats
    /// BUDGIE_LIMITER_URL and the config file's `limiter`.
    #[arg(long, global = true, value_name = "URL", value_parser = parse_limiter)]
    pub limiter: Option<crate::config::LimiterUrl>,

    /// Config file to read instead of the default (it must exist).
    #[arg(long, global = true, value_name = "PATH")]
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

impl Common {
    /// What these options say about the settings, for `config::resolve`.
    pub fn flags(&self) -> crate::config::Flags {
        crate::config::Flags {
            config: self.config.clone(),
            model: self.models.last().cloned(),
            budget: self.budget,
            tier: self.tier.clone(),
            rpm: self.rpm,
            limiter: self.limiter.clone(),
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

    /// One JSON object per line: {"file","model","input_tokens","source"} (with "cache", the
    /// prompt-cache plan, when the request has cache_control breakpoints) or {"file","error"}.
    #[arg(long)]
    pub json: bool,

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
