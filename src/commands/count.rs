//! `budgie count`: count request files headlessly.
//!
//! Three steps, kept apart so a batch runner can wrap the middle one (a pacer on the
//! client, a progress bar around the loop): `expand` the arguments into inputs, `count_one`
//! each into an `Outcome`, `Report` each outcome as it comes. The exit status is the worst
//! outcome's (see `Outcome::exit_status`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::baseline::Baseline;
use super::batch::{BatchOptions, ExpandError, Input, Pace, PaceFn, Progress, expand, run_batch};
use super::cache_plan::{self, CacheReport};
use super::cases::Case;
use super::exit;
use super::markdown;
use indicatif::{ProgressBar, ProgressStyle};

use crate::api::{ApiError, Client, ErrorKind};
use crate::attribution::{self, Share};
use crate::calibration::drift;
use crate::cli::{CountArgs, CountFormat};
use crate::config::{self, Resolved};
use crate::estimate::prefixes::breakpoint_prefixes;
use crate::estimate::{self, EstimateOptions, Estimator};
use crate::exact_cache::ExactCache;
use crate::intake::{self, InputError, OpenOptions, Opened};
use crate::limiter::{HEADROOM, RateLimiter, batch_concurrency};
use crate::request::Request;
use crate::request::cache_control::{Breakpoint, Position, breakpoints, cut_after};
use crate::request::validate::{Endpoint, Problem};
use crate::workspace::variables::Unfilled;

/// Run the command; returns the process exit status (see `commands::exit`).
pub fn run(settings: &Resolved, args: &CountArgs) -> i32 {
    if let Err(message) = check_format(args) {
        eprintln!("budgie count: {message}");
        return exit::INPUT;
    }
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(baseline) => baseline,
        Err(message) => {
            eprintln!("budgie count: {message}");
            return exit::INPUT;
        }
    };
    let cases = match args.vars.as_deref().map(super::cases::read).transpose() {
        Ok(cases) => cases,
        Err(message) => {
            eprintln!("budgie count: {message}");
            return exit::INPUT;
        }
    };
    if args.compare {
        return super::compare::run(settings, args);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("budgie count: cannot start the async runtime: {e}");
            return exit::API;
        }
    };
    let status = runtime.block_on(run_async(settings, args, baseline.as_ref(), cases));
    // Offline counts still running after Ctrl-C are not waited for.
    runtime.shutdown_background();
    status
}

/// Options that make no sense together with the output format chosen.
fn check_format(args: &CountArgs) -> Result<(), String> {
    let markdown = args.output() == CountFormat::Markdown;
    if markdown && args.compare {
        return Err(
            "--format markdown makes one row per file and cannot show --compare; \
                    use --compare with text or --json"
                .into(),
        );
    }
    if markdown && (args.explain || args.breakdown) {
        return Err(
            "--format markdown makes one row per file: leave out --explain and --breakdown".into(),
        );
    }
    if args.baseline.is_some() && !markdown {
        return Err(
            "--baseline is for --format markdown (its table says the change per file)".into(),
        );
    }
    Ok(())
}

async fn run_async(
    settings: &Resolved,
    args: &CountArgs,
    baseline: Option<&Baseline>,
    cases: Option<Vec<Case>>,
) -> i32 {
    settings.warn_on_stderr();
    let mut mode = match choose_mode(settings, args) {
        Ok(mode) => mode,
        Err(message) => {
            eprintln!("budgie count: {message}");
            return exit::INPUT;
        }
    };
    let rpm = settings.settings.effective_rpm();
    let mut pace = None;
    if let Mode::Exact { client, .. } = &mut mode {
        let key = settings.api_key.as_ref().ok().and_then(Option::as_ref);
        let limiter = Arc::new(RateLimiter::from_settings(&settings.settings, key, true));
        *client = client.clone().with_pacer(limiter.clone());
        pace = Some(pace_of(limiter));
    }
    let mut ctx = Context::new(mode, settings, args);
    ctx.cases = cases;
    if !args.no_cache {
        ctx.cache = config::dirs().and_then(|d| ExactCache::open(&d.data).ok());
    }
    if let Some(dirs) = config::dirs() {
        ctx.records = drift::summaries(&dirs.data);
        ctx.drift_dir = Some(dirs.data);
    }
    let format = args.output();
    let report = Report {
        json: format == CountFormat::Json,
    };
    // The table is written once every file is counted.
    let mut table: Vec<Outcome> = Vec::new();
    let mut status = exit::OK;
    let interrupt = async {
        // A handler that cannot be installed must not read as an immediate Ctrl-C.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let inputs = expand(&args.files);
    let options = BatchOptions {
        concurrency: match ctx.mode {
            Mode::Offline => offline_concurrency(),
            Mode::Exact { .. } => batch_concurrency(rpm),
        },
        // A bar on a terminal; plain "counted N/M" lines on stderr in a log, and a line
        // every few seconds while a count keeps the run waiting (the rate limiter, the API).
        progress: Progress::Auto,
        pace,
    };
    let ctx = Arc::new(ctx);
    let summary = run_batch(
        inputs,
        |input| count_on_any_core(input, ctx.clone()),
        |_, outcome: Outcome| {
            status = status.max(outcome.exit_status());
            if format == CountFormat::Markdown {
                // Failures also go to stderr, for the CI log.
                if outcome.result.is_err() {
                    report.print(&outcome);
                }
                table.push(outcome);
            } else {
                report.print(&outcome);
            }
        },
        interrupt,
        options,
    )
    .await;
    if format == CountFormat::Markdown {
        print!("{}", markdown::table(&table, baseline));
    }
    if summary.interrupted {
        return exit::INTERRUPTED;
    }
    status
}

/// The limiter's spacing and next slot, for the progress report.
pub(super) fn pace_of(limiter: Arc<RateLimiter>) -> PaceFn {
    Arc::new(move || {
        let status = limiter.status();
        let per_request = Duration::from_secs_f64(60.0 / (f64::from(status.rpm.max(1)) * HEADROOM));
        let paused = status
            .paused_until
            .map(|until| until.saturating_duration_since(tokio::time::Instant::now()))
            .unwrap_or_default();
        Pace {
            per_request,
            next_in: status.next_slot_in.unwrap_or_default().max(paused),
            rpm: status.rpm,
            shared: status.shared,
        }
    })
}

/// How counts are made for this run.
pub enum Mode {
    /// Ask the API. `required`: `--exact`, so an unreachable API is an error rather than a
    /// reason to count offline.
    Exact {
        client: Client,
        required: bool,
    },
    Offline,
}

/// Pick exact or offline from the flags and the environment, saying so on stderr when the
/// choice is not the one asked for. `Err` is a usage error.
pub fn choose_mode(settings: &Resolved, args: &CountArgs) -> Result<Mode, String> {
    if args.offline {
        return Ok(Mode::Offline);
    }
    match Client::from_found_key(&settings.api_key) {
        Ok(client) => Ok(Mode::Exact {
            client,
            required: args.exact,
        }),
        Err(e) if e.kind == ErrorKind::MissingKey => {
            if args.exact {
                Err(
                    "--exact needs ANTHROPIC_API_KEY: set it, or leave out --exact to count \
                     offline"
                        .to_string(),
                )
            } else {
                eprintln!(
                    "budgie: ANTHROPIC_API_KEY is not set, so counts are offline estimates \
                     (set it for exact counts)"
                );
                Ok(Mode::Offline)
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Everything `count_one` needs besides the input.
pub struct Context {
    pub mode: Mode,
    /// `--model`: replaces each file's model.
    pub model: Option<String>,
    /// The settings: `--budget` beats a workspace's own budget, which beats the config's.
    pub settings: Resolved,
    pub explain: bool,
    /// `--breakdown`: tokens per section; exact (leave-one-out) with `--exact`.
    pub breakdown: Breakdown,
    /// How offline counts are made.
    pub estimate_options: EstimateOptions,
    /// The first "cannot reach the API" error: after it, the rest count offline (or, with
    /// `--exact`, fail at once instead of waiting through the retries again).
    pub unreachable: Mutex<Option<ApiError>>,
    /// Exact counts already made, by request hash (`None` with `--no-cache`).
    pub cache: Option<ExactCache>,
    /// Where each exact count is kept beside its offline count (`calibration::drift`).
    pub drift_dir: Option<PathBuf>,
    /// How offline counts compared with exact ones, per model, when the run started.
    pub records: BTreeMap<String, drift::Summary>,
    /// `--vars`: count one request per case.
    pub cases: Option<Vec<Case>>,
}

impl Context {
    pub fn new(mode: Mode, settings: &Resolved, args: &CountArgs) -> Self {
        Context {
            mode,
            model: settings.model_flag.clone(),
            settings: settings.clone(),
            explain: args.explain,
            breakdown: match (args.breakdown, args.exact) {
                (false, _) => Breakdown::None,
                (true, false) => Breakdown::Offline,
                (true, true) => Breakdown::Exact,
            },
            estimate_options: EstimateOptions::default(),
            unreachable: Mutex::new(None),
            cache: None,
            drift_dir: None,
            records: BTreeMap::new(),
            cases: None,
        }
    }

    /// The record of `model`'s offline counts, when there is enough of one to show.
    fn record(&self, model: &str) -> Option<drift::Summary> {
        self.records
            .get(&drift::model_key(model))
            .copied()
            .filter(|s| s.label().is_some())
    }

    /// Keep an exact count beside the offline count of the same request; say once when the
    /// two disagree.
    fn record_drift(&self, request: &Request, exact: u64) {
        let Some(dir) = &self.drift_dir else {
            return;
        };
        let offline = estimate::estimate_with(request, self.estimate_options).input_tokens;
        let today = crate::calibration::today();
        let sample = drift::Sample::of(request, offline, exact, &today);
        if let Ok(update) = drift::record(dir, &request.model, sample, &today)
            && let Some(warning) = update.warning
        {
            eprintln!("budgie: {warning}");
        }
    }

    fn unreachable_error(&self) -> Option<ApiError> {
        self.unreachable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_unreachable(&self, error: ApiError) {
        let mut slot = self
            .unreachable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert(error);
    }
}

/// Which breakdown per section a count carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    None,
    /// The offline sections (they add up to the offline count).
    Offline,
    /// Leave-one-out counts from the API, through the limiter and the cache.
    Exact,
}

/// The result of counting one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub file: String,
    pub result: Result<Count, Failure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Exact,
    Offline,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Exact => "exact",
            Source::Offline => "offline",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub model: String,
    pub input_tokens: u64,
    pub source: Source,
    pub budget: Option<u64>,
    /// An offline count from the placeholder approximation, not the tokenizer.
    pub approximate: bool,
    /// Parts of an offline count that rest on a guess.
    pub unverified: Vec<String>,
    /// `--explain`: the tokenizer family and how the offline count is made, in words (with
    /// an exact count too, beside it).
    pub family: Option<String>,
    pub explain: Vec<String>,
    /// `--explain`: how many times each structural constant was used (for calibration).
    pub structure: Vec<(&'static str, i64)>,
    pub request_id: Option<String>,
    /// Why an exact count was asked for but an offline one given.
    pub note: Option<String>,
    /// An exact count from the cache of earlier answers: no request was spent.
    pub cached: bool,
    /// `--breakdown`: tokens per section, largest first.
    pub breakdown: Option<Vec<Share>>,
    /// For an offline count: how this model's offline counts have compared with the API's.
    pub record: Option<drift::Summary>,
    /// The prompt-caching plan, when the request has `cache_control` breakpoints (prefixes
    /// counted the way the count was: exact or offline).
    pub cache: Option<CacheReport>,
    /// `--vars`: the spread over the cases (the count itself is the largest case's).
    pub cases: Option<CaseStats>,
}

/// Counts over `--vars` cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStats {
    pub count: usize,
    pub min: u64,
    pub median: u64,
    pub max: u64,
    /// The largest case's label ("line 4").
    pub largest: String,
}

impl Count {
    pub fn over_budget(&self) -> Option<u64> {
        self.budget
            .filter(|b| self.input_tokens > *b)
            .map(|b| self.input_tokens - b)
    }
}

/// Whose fault a failure is: decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// The file: unreadable, not JSON, not a request, or fails validation. Exit 2.
    Input,
    /// The API refused or failed, or could not be reached. Exit 3.
    Api,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub class: FailureClass,
    /// `read_error`, `parse_error`, `validation_error`, or the API's error type.
    pub error_type: String,
    /// What went wrong; for a request that fails validation, every problem (`path: message`)
    /// joined by "; ".
    pub message: String,
    /// The validation problems, one per entry.
    pub problems: Vec<String>,
    /// For an API failure: what the API said beyond type and message.
    pub api: Option<Box<ApiFacts>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiFacts {
    pub hint: Option<String>,
    pub status: Option<u16>,
    pub request_id: Option<String>,
}

impl Failure {
    fn input(error_type: &str, message: String) -> Self {
        Failure {
            class: FailureClass::Input,
            error_type: error_type.into(),
            message,
            problems: Vec::new(),
            api: None,
        }
    }

    pub(super) fn invalid(problems: &[Problem], prefix: &str) -> Self {
        let problems: Vec<String> = problems.iter().map(|p| format!("{prefix}{p}")).collect();
        Failure {
            problems: problems.clone(),
            ..Failure::input("validation_error", problems.join("; "))
        }
    }

    pub(super) fn api(error: &ApiError) -> Self {
        Failure {
            class: FailureClass::Api,
            error_type: error.error_type.clone(),
            message: error.message.clone(),
            problems: Vec::new(),
            api: Some(Box::new(ApiFacts {
                hint: Some(error.hint.clone()).filter(|h| !h.is_empty()),
                status: error.status,
                request_id: error.request_id.clone(),
            })),
        }
    }

    /// The lines of plain output: one per problem, or the message (with the API's type,
    /// status and request-id for an API failure).
    pub fn plain_lines(&self) -> Vec<String> {
        if !self.problems.is_empty() {
            return self.problems.clone();
        }
        let Some(api) = &self.api else {
            return vec![self.message.clone()];
        };
        let mut line = self.error_type.clone();
        if let Some(status) = api.status {
            line.push_str(&format!(" (HTTP {status})"));
        }
        line.push_str(": ");
        line.push_str(&self.message);
        if let Some(id) = &api.request_id {
            line.push_str(&format!(" [request-id {id}]"));
        }
        vec![line]
    }
}

impl Outcome {
    /// 0 counted within budget, 1 over budget, 2 input error, 3 API error. A run's status is
    /// the highest of its outcomes'.
    pub fn exit_status(&self) -> i32 {
        match &self.result {
            Ok(count) if count.over_budget().is_some() => exit::OVER_BUDGET,
            Ok(_) => exit::OK,
            Err(f) if f.class == FailureClass::Input => exit::INPUT,
            Err(_) => exit::API,
        }
    }
}

/// How many inputs an offline batch counts at once: two per core, so a core that finishes one
/// finds the next already waiting (one per core measured 1.55× on 2 cores, two 1.74×).
fn offline_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get) * 2
}

/// [`count_one`], offline on a blocking thread of its own: an offline count is all CPU work,
/// so a batch keeps every core busy (the batch still reports in input order). Exact counts
/// stay on the runtime's thread, where the limiter paces them.
async fn count_on_any_core(input: Input, ctx: Arc<Context>) -> Outcome {
    if !matches!(ctx.mode, Mode::Offline) {
        return count_one(&input, &ctx).await;
    }
    let counting = tokio::task::spawn_blocking(move || count_offline(&input, &ctx));
    match counting.await {
        Ok(outcome) => outcome,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// [`count_one`] offline, on this thread: offline, it waits on nothing (no network, no
/// timer), so a plain executor runs it to the end.
fn count_offline(input: &Input, ctx: &Context) -> Outcome {
    futures::executor::block_on(count_one(input, ctx))
}

/// Read, parse, validate and count one input.
pub async fn count_one(input: &Input, ctx: &Context) -> Outcome {
    let file = input.to_string();
    let result = match load(input, ctx) {
        Ok(opened) => match &ctx.cases {
            // Nothing to fill (the common case): the request itself, not a copy, so a large
            // file is not held twice.
            None if opened.workspace.variables.is_empty()
                && !crate::workspace::variables::mentions_placeholder(
                    &opened.workspace.request,
                ) =>
            {
                count_request(
                    opened.workspace.sent_request(),
                    opened.workspace.budget,
                    ctx,
                )
                .await
            }
            None => {
                let (request, unfilled) = opened.workspace.filled_request(None);
                warn_unfilled(&file, None, &unfilled);
                count_request(Cow::Owned(request), opened.workspace.budget, ctx).await
            }
            Some(cases) => count_cases(&file, &opened, cases, ctx).await,
        },
        Err(failure) => Err(failure),
    };
    Outcome { file, result }
}

/// One count per case; the largest case's count, with the spread.
async fn count_cases(
    file: &str,
    opened: &Opened,
    cases: &[Case],
    ctx: &Context,
) -> Result<Count, Failure> {
    let mut counts = Vec::new();
    for case in cases {
        let (request, unfilled) = opened.workspace.filled_request(Some(&case.values));
        warn_unfilled(file, Some(&case.label), &unfilled);
        counts.push(count_request(Cow::Owned(request), opened.workspace.budget, ctx).await?);
    }
    let tokens: Vec<u64> = counts.iter().map(|c| c.input_tokens).collect();
    let Some((min, median, max, largest)) = super::cases::stats(&tokens) else {
        return Err(Failure::input("read_error", "no cases".into()));
    };
    let mut count = counts.swap_remove(largest);
    count.cases = Some(CaseStats {
        count: cases.len(),
        min,
        median,
        max,
        largest: cases[largest].label.clone(),
    });
    Ok(count)
}

/// Placeholders without a value are counted as written: say which, and where.
fn warn_unfilled(file: &str, case: Option<&str>, unfilled: &[Unfilled]) {
    if unfilled.is_empty() {
        return;
    }
    let list: Vec<String> = unfilled
        .iter()
        .map(|u| format!("{{{{{}}}}} in {}", u.name, u.at))
        .collect();
    let case = case.map(|c| format!(" (case at {c})")).unwrap_or_default();
    eprintln!(
        "budgie count: {file}{case}: variables without a value, counted as the placeholder \
         text: {} (give values in the workspace's \"variables\" or with --vars)",
        list.join(", ")
    );
}

async fn count_request(
    request: Cow<'_, Request>,
    own_budget: Option<u64>,
    ctx: &Context,
) -> Result<Count, Failure> {
    let budget = ctx.settings.budget_for(own_budget);
    let Mode::Exact { client, required } = &ctx.mode else {
        return Ok(offline(&request, ctx, budget, None));
    };
    let earlier = ctx.unreachable_error();
    if let Some(error) = earlier {
        return if *required {
            let mut failure = Failure::api(&error);
            failure
                .message
                .push_str(" (not tried again: unreachable for an earlier file)");
            Err(failure)
        } else {
            Ok(offline(
                &request,
                ctx,
                budget,
                Some(format!("API unreachable: {}", error.error_type)),
            ))
        };
    }
    let exact = |input_tokens, request_id, cached| Count {
        model: request.model.clone(),
        input_tokens,
        source: Source::Exact,
        budget,
        approximate: false,
        unverified: Vec::new(),
        family: None,
        explain: Vec::new(),
        structure: Vec::new(),
        request_id,
        note: None,
        cached,
        breakdown: None,
        record: None,
        cache: None,
        cases: None,
    };
    let explained = |mut count: Count| {
        if ctx.explain {
            // The exact count has no parts: the offline count's, beside it.
            let offline = offline(&request, ctx, budget, None);
            count.family = offline.family;
            count.structure = offline.structure;
            count.explain = vec![format!(
                "the API counted {}; budgie's offline count comes to {}:",
                count.input_tokens, offline.input_tokens
            )];
            count.explain.extend(offline.explain);
        }
        count
    };
    let counted = exact_tokens(client, ctx, &request).await.map(|e| {
        if !e.cached {
            ctx.record_drift(&request, e.tokens);
        }
        explained(exact(e.tokens, e.request_id, e.cached))
    });
    match counted {
        Ok(mut count) => {
            count.cache = match exact_prefixes(&request, count.input_tokens, client, ctx).await {
                Ok(prefixes) => cache_plan::report(&request, count.input_tokens, prefixes),
                Err(error) if !required => {
                    // Exact prefixes beside an offline total would compare two counters: the
                    // whole plan is offline then, and says so.
                    eprintln!(
                        "budgie: the cache plan is offline: a prefix could not be counted \
                         exactly ({})",
                        error.error_type
                    );
                    let mut estimator = Estimator::with_options(ctx.estimate_options);
                    let total = estimator.estimate(&request).input_tokens;
                    let prefixes = breakpoint_prefixes(&mut estimator, &request, total);
                    cache_plan::report(&request, total, prefixes)
                }
                Err(error) => return Err(Failure::api(&error)),
            };
            count.breakdown = match ctx.breakdown {
                Breakdown::None => None,
                Breakdown::Offline => Some(attribution::offline(&estimate::estimate(&request))),
                Breakdown::Exact => Some(
                    attribute_exactly(&request, client, ctx)
                        .await
                        .map_err(|e| Failure::api(&e))?,
                ),
            };
            Ok(count)
        }
        Err(error) if error.is_unreachable() && !required => {
            eprintln!(
                "budgie: {error}\nbudgie: counting offline from here on (--exact fails instead)"
            );
            let note = format!("API unreachable: {}", error.error_type);
            ctx.set_unreachable(error);
            Ok(offline(&request, ctx, budget, Some(note)))
        }
        Err(error) => {
            if error.is_unreachable() {
                ctx.set_unreachable(error.clone());
            }
            Err(Failure::api(&error))
        }
    }
}

/// The offline count (an exact breakdown asked for an offline count is an offline one: the
/// line says offline).
fn offline(request: &Request, ctx: &Context, budget: Option<u64>, note: Option<String>) -> Count {
    let explain = ctx.explain;
    let mut estimator = Estimator::with_options(ctx.estimate_options);
    let estimate = estimator.estimate(request);
    let breakdown = (ctx.breakdown != Breakdown::None).then(|| attribution::offline(&estimate));
    let prefixes = breakpoint_prefixes(&mut estimator, request, estimate.input_tokens);
    let cache = cache_plan::report(request, estimate.input_tokens, prefixes);
    Count {
        model: request.model.clone(),
        input_tokens: estimate.input_tokens,
        source: Source::Offline,
        budget,
        approximate: estimate.approximate,
        unverified: crate::explain::guesses(&estimate),
        family: explain.then(|| estimate.family.clone()),
        structure: if explain {
            estimate
                .structure
                .iter()
                .map(|(name, times)| (name.key(), *times))
                .collect()
        } else {
            Vec::new()
        },
        explain: if explain {
            crate::explain::lines(request, &estimate)
        } else {
            Vec::new()
        },
        request_id: None,
        note,
        cached: false,
        breakdown,
        record: ctx.record(&request.model),
        cache,
        cases: None,
    }
}

/// Each breakpoint's prefix of `request` counted exactly (the automatic one is the whole
/// request, `total`).
pub(super) async fn exact_prefixes(
    request: &Request,
    total: u64,
    client: &Client,
    ctx: &Context,
) -> Result<Vec<(Breakpoint, u64)>, ApiError> {
    let mut prefixes = Vec::new();
    // One cut at a time: each is counted and dropped before the next is made.
    for breakpoint in breakpoints(request) {
        let tokens = if breakpoint.at == Position::Auto {
            total
        } else {
            let Some(cut) = cut_after(request, breakpoint.at) else {
                continue;
            };
            exact_tokens(client, ctx, &cut).await?.tokens
        };
        prefixes.push((breakpoint, tokens));
    }
    Ok(prefixes)
}

/// An exact count, and whether it came from the cache of earlier answers.
pub struct ExactCount {
    pub tokens: u64,
    pub request_id: Option<String>,
    pub cached: bool,
}

/// count_tokens for `request`, answered from the cache of exact counts when it holds the
/// same body, else asked of the API (paced by the limiter) and recorded there.
pub async fn exact_tokens(
    client: &Client,
    ctx: &Context,
    request: &Request,
) -> Result<ExactCount, ApiError> {
    let hash = request.content_hash();
    if let Some(tokens) = ctx.cache.as_ref().and_then(|c| c.get(&hash)) {
        return Ok(ExactCount {
            tokens,
            request_id: None,
            cached: true,
        });
    }
    let counted = client.count_tokens(&request.count_body()).await?;
    if let Some(cache) = &ctx.cache
        && let Err(e) = cache.put(&hash, &request.model, counted.input_tokens)
    {
        eprintln!("budgie: cannot write the count cache: {e}");
    }
    Ok(ExactCount {
        tokens: counted.input_tokens,
        request_id: counted.request_id,
        cached: false,
    })
}

/// Leave-one-out counts for every section of `request`, each through the cache and the
/// client (which the limiter paces); progress on stderr.
async fn attribute_exactly(
    request: &Request,
    client: &Client,
    ctx: &Context,
) -> Result<Vec<Share>, ApiError> {
    let estimate = estimate::estimate(request);
    let counts = attribution::plan(request, &estimate).len() + 1;
    let rpm = ctx.settings.settings.effective_rpm().max(1);
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(counts as u64);
        bar.set_style(
            ProgressStyle::with_template("attributing {pos}/{len} · {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        eprintln!(
            "budgie: attributing {counts} counts (about {} s at {rpm}/min; cached ones are free)",
            counts as u64 * 60 / u64::from(rpm)
        );
        ProgressBar::hidden()
    };
    let left = |done: usize| {
        format!(
            "{} s left at {rpm}/min",
            (counts - done) as u64 * 60 / u64::from(rpm)
        )
    };
    bar.set_message(left(0));
    let count = |r: Request| async move { exact_tokens(client, ctx, &r).await.map(|e| e.tokens) };
    let result = attribution::exact(request, &estimate, count, |p| {
        bar.set_position(p.done as u64);
        bar.set_message(left(p.done));
    })
    .await;
    bar.finish_and_clear();
    result.map(|(_, shares)| shares)
}

/// Open one input with the reader every command and the workbench share; a file the API
/// would refuse fails here, naming each problem.
pub(super) fn load(input: &Input, ctx: &Context) -> Result<Opened, Failure> {
    let source = match input {
        Input::Unusable(error @ ExpandError::Missing(_)) => {
            return Err(Failure::input(
                "read_error",
                format!("cannot read: {}", error.reason()),
            ));
        }
        Input::Unusable(error) => return Err(Failure::input("read_error", error.reason())),
        Input::Stdin => {
            if std::io::stdin().is_terminal() {
                eprintln!("budgie count: reading a request from standard input (Ctrl-D ends)");
            }
            "-".to_string()
        }
        Input::File(path) => path.to_string_lossy().into_owned(),
    };
    // Offline, what count_tokens alone refuses (server tools, url and file sources) is
    // counted as far as it can be and marked as not countable offline; an exact count keeps
    // the API's rules.
    let endpoint = match ctx.mode {
        Mode::Offline => Some(Endpoint::Create),
        _ => None,
    };
    let options = OpenOptions {
        model: ctx.model.as_deref(),
        endpoint,
        ..Default::default()
    };
    let opened = intake::open_with(&source, options).map_err(|e| {
        let error_type = match e {
            InputError::Missing { .. }
            | InputError::Unreadable { .. }
            | InputError::Directory { .. }
            | InputError::NotUtf8 { .. }
            | InputError::Utf16 { .. }
            | InputError::TooLarge { .. } => "read_error",
            _ => "parse_error",
        };
        Failure::input(error_type, e.reason())
    })?;
    for warning in &opened.warnings {
        eprintln!("{warning}");
    }
    if !opened.problems.is_empty() {
        return Err(Failure::invalid(&opened.problems, opened.field_prefix()));
    }
    Ok(opened)
}

/// Prints outcomes: counts on stdout, errors on stderr (plain), or every outcome as one JSON
/// object per line on stdout (`--json`).
pub struct Report {
    pub json: bool,
}

impl Report {
    pub fn print(&self, outcome: &Outcome) {
        if self.json {
            println!("{}", json_line(outcome));
            return;
        }
        match &outcome.result {
            Ok(count) => {
                println!("{}", plain_line(&outcome.file, count));
                if let Some(cases) = &count.cases {
                    println!("  {}", cases_line(cases));
                }
                for line in &count.explain {
                    println!("  {line}");
                }
                for line in breakdown_lines(count) {
                    println!("  {line}");
                }
                if let Some(cache) = &count.cache {
                    for line in cache_plan::plain_lines(cache) {
                        println!("  {line}");
                    }
                }
            }
            Err(failure) => {
                for line in failure.plain_lines() {
                    eprintln!("{}: {line}", outcome.file);
                }
                if let Some(hint) = failure.api.as_ref().and_then(|a| a.hint.as_ref()) {
                    eprintln!("{}: hint: {hint}", outcome.file);
                }
            }
        }
    }
}

/// "12 cases: min 410, median 455, max 530 (the largest: line 7)".
pub fn cases_line(cases: &CaseStats) -> String {
    let noun = if cases.count == 1 { "case" } else { "cases" };
    format!(
        "{} {noun}: min {}, median {}, max {} (the largest: {})",
        cases.count, cases.min, cases.median, cases.max, cases.largest
    )
}

/// One line per section: name, tokens, share of the count, source (and what stood in for the
/// section when it could not simply be left out).
pub fn breakdown_lines(count: &Count) -> Vec<String> {
    let Some(shares) = &count.breakdown else {
        return Vec::new();
    };
    let total = shares.iter().map(|s| s.tokens).sum::<i64>().max(1) as f64;
    let width = shares
        .iter()
        .map(|s| s.section.id().chars().count())
        .max()
        .unwrap_or(0);
    shares
        .iter()
        .map(|s| {
            let mut line = format!(
                "{:width$}  {:>9}  {:>5.1} %  {}",
                s.section.id(),
                signed_group(s.tokens),
                100.0 * s.tokens as f64 / total,
                s.source.name()
            );
            if let Some(note) = &s.note {
                line.push_str(&format!("  ({note})"));
            }
            line
        })
        .collect()
}

/// "1,234" or "−56": an exact section can come out negative (framing, when sections overlap).
fn signed_group(n: i64) -> String {
    let digits = crate::app::budget::group(n.unsigned_abs());
    if n < 0 {
        format!("−{digits}")
    } else {
        digits
    }
}

/// `FILE: N tokens (MODEL, exact|offline[, approximate]) — over budget by K`
pub fn plain_line(file: &str, count: &Count) -> String {
    let mut labels = vec![count.model.clone(), count.source.name().to_string()];
    if count.approximate {
        labels.push("approximate".into());
    }
    if count.cached {
        labels.push("cached".into());
    }
    if let Some(label) = count.record.as_ref().and_then(drift::Summary::label) {
        labels.push(label);
    }
    if !count.unverified.is_empty() {
        labels.push(format!("unverified: {}", count.unverified.join("; ")));
    }
    if let Some(note) = &count.note {
        labels.push(note.clone());
    }
    let mut line = format!(
        "{file}: {} tokens ({})",
        count.input_tokens,
        labels.join(", ")
    );
    if let Some(over) = count.over_budget() {
        line.push_str(&format!(" — over budget by {over}"));
    }
    line
}

/// `{"file","model","input_tokens","source",...}` or `{"file","error":{"type","message",...}}`.
pub fn json_line(outcome: &Outcome) -> Value {
    match &outcome.result {
        Ok(count) => {
            let mut line = Map::new();
            line.insert("file".into(), json!(outcome.file));
            line.insert("model".into(), json!(count.model));
            line.insert("input_tokens".into(), json!(count.input_tokens));
            line.insert("source".into(), json!(count.source.name()));
            if let Some(budget) = count.budget {
                line.insert("budget".into(), json!(budget));
                line.insert("over_budget".into(), json!(count.over_budget().is_some()));
            }
            if count.approximate {
                line.insert("approximate".into(), json!(true));
            }
            if count.cached {
                line.insert("cached".into(), json!(true));
            }
            if let Some(r) = &count.record {
                line.insert(
                    "record".into(),
                    json!({"exact": r.exact, "recent": r.recent, "median": r.median, "spread": r.spread}),
                );
            }
            if !count.unverified.is_empty() {
                line.insert("unverified".into(), json!(count.unverified));
            }
            if let Some(id) = &count.request_id {
                line.insert("request_id".into(), json!(id));
            }
            if let Some(note) = &count.note {
                line.insert("note".into(), json!(note));
            }
            if let Some(family) = &count.family {
                line.insert("family".into(), json!(family));
                line.insert("explain".into(), json!(count.explain));
                let structure: Map<String, Value> = count
                    .structure
                    .iter()
                    .map(|(name, times)| ((*name).to_string(), json!(times)))
                    .collect();
                line.insert("structure".into(), Value::Object(structure));
            }
            if let Some(shares) = &count.breakdown {
                let sections: Vec<Value> = shares
                    .iter()
                    .map(|s| {
                        let mut section = Map::new();
                        section.insert("section".into(), json!(s.section.id()));
                        section.insert("input_tokens".into(), json!(s.tokens));
                        section.insert("source".into(), json!(s.source.name()));
                        if let Some(note) = &s.note {
                            section.insert("note".into(), json!(note));
                        }
                        Value::Object(section)
                    })
                    .collect();
                line.insert("breakdown".into(), Value::Array(sections));
            }
            if let Some(cache) = &count.cache {
                line.insert("cache".into(), cache_plan::json(&cache.plan));
            }
            if let Some(cases) = &count.cases {
                line.insert(
                    "cases".into(),
                    json!({"count": cases.count, "min": cases.min, "median": cases.median,
                           "max": cases.max, "largest": cases.largest}),
                );
            }
            Value::Object(line)
        }
        Err(failure) => {
            let mut error = Map::new();
            error.insert("type".into(), json!(failure.error_type));
            error.insert("message".into(), json!(failure.message));
            if failure.problems.len() > 1 {
                error.insert("problems".into(), json!(failure.problems));
            }
            if let Some(api) = &failure.api {
                if let Some(status) = api.status {
                    error.insert("status".into(), json!(status));
                }
                if let Some(id) = &api.request_id {
                    error.insert("request_id".into(), json!(id));
                }
                if let Some(hint) = &api.hint {
                    error.insert("hint".into(), json!(hint));
                }
            }
            json!({ "file": outcome.file, "error": error })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(tokens: u64, budget: Option<u64>, source: Source) -> Count {
        Count {
            model: "claude-sonnet-4-5".into(),
            input_tokens: tokens,
            source,
            budget,
            approximate: false,
            unverified: Vec::new(),
            family: None,
            explain: Vec::new(),
            structure: Vec::new(),
            request_id: None,
            note: None,
            cached: false,
            breakdown: None,
            record: None,
            cache: None,
            cases: None,
        }
    }

    fn outcome(result: Result<Count, Failure>) -> Outcome {
        Outcome {
            file: "f.json".into(),
            result,
        }
    }

    #[test]
    fn plain_lines_name_model_source_and_overrun() {
        assert_eq!(
            plain_line("a.json", &count(14, None, Source::Exact)),
            "a.json: 14 tokens (claude-sonnet-4-5, exact)"
        );
        assert_eq!(
            plain_line("a.json", &count(120, Some(100), Source::Exact)),
            "a.json: 120 tokens (claude-sonnet-4-5, exact) — over budget by 20"
        );
        let mut approx = count(9, Some(9), Source::Offline);
        approx.approximate = true;
        assert_eq!(
            plain_line("-", &approx),
            "-: 9 tokens (claude-sonnet-4-5, offline, approximate)"
        );
    }

    #[test]
    fn exit_statuses_rank_api_over_input_over_budget() {
        let within = outcome(Ok(count(5, Some(5), Source::Exact)));
        let over = outcome(Ok(count(6, Some(5), Source::Exact)));
        let input = outcome(Err(Failure::input("parse_error", "x".into())));
        let api = outcome(Err(Failure::api(&ApiError::missing_key())));
        assert_eq!(within.exit_status(), exit::OK);
        assert_eq!(over.exit_status(), exit::OVER_BUDGET);
        assert_eq!(input.exit_status(), exit::INPUT);
        assert_eq!(api.exit_status(), exit::API);
        // A run's status is the max of its outcomes': the order of the codes is the ranking.
        const { assert!(exit::OK < exit::OVER_BUDGET && exit::OVER_BUDGET < exit::INPUT) };
        const { assert!(exit::INPUT < exit::API) };
    }

    /// `text` written to a file and loaded as `budgie count` loads it.
    fn load_text(text: &str, model: Option<&str>) -> Result<Opened, Failure> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.json");
        std::fs::write(&path, text).expect("write");
        let flags = config::Flags {
            model: model.map(str::to_string),
            config: Some(dir.path().join("config.toml")),
            ..Default::default()
        };
        std::fs::write(dir.path().join("config.toml"), "").expect("write");
        let settings = config::resolve(&flags).expect("settings");
        let ctx = Context::new(Mode::Offline, &settings, &CountArgs::default());
        load(&Input::File(path), &ctx)
    }

    fn load_error(text: &str) -> String {
        load_text(text, None)
            .err()
            .map(|f| f.message)
            .unwrap_or_default()
    }

    #[test]
    fn a_request_body_and_a_workspace_both_load() {
        let plain = load_text(
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#,
            None,
        )
        .expect("a request");
        assert_eq!((plain.workspace.budget, plain.field_prefix()), (None, ""));
        let workspace = load_text(
            r#"{"budgie_workspace":1,"budget":500,"request":{"model":"m","messages":[{"role":"user","content":"hi"}]}}"#,
            None,
        )
        .expect("a workspace");
        assert_eq!(workspace.workspace.budget, Some(500));
        assert_eq!(workspace.workspace.request.model, "m");
        assert_eq!(workspace.field_prefix(), "request.");
    }

    #[test]
    fn a_missing_model_comes_from_the_flag_and_a_bom_is_skipped() {
        let text = "\u{feff}{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        let loaded = load_text(text, Some("claude-opus-5")).expect("model filled in");
        assert_eq!(loaded.workspace.request.model, "claude-opus-5");
        assert_eq!(
            load_error(text),
            "request: missing field `model`: name one in the file, or pass --model"
        );
    }

    #[test]
    fn load_errors_say_where() {
        assert_eq!(
            load_error("{\n  \"model\": }"),
            "malformed JSON at line 2, column 12: expected value; fix the JSON there"
        );
        assert!(load_error("[1]").contains("JSON that is not an object"));
        assert!(
            load_error(r#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#)
                .starts_with("messages[0].role: unknown variant `robot`")
        );
        assert!(
            load_error(r#"{"budgie_workspace":1,"request":{"model":"m","messages":[{"role":"robot","content":"x"}]}}"#)
                .contains("request.messages[0].role: unknown variant `robot`")
        );
        assert!(
            load_error(r#"{"budgie_workspace":2,"request":{}}"#)
                .starts_with("written by a newer budgie (workspace format 2")
        );
        assert!(load_error(r#"{"budgie_workspace":1}"#).contains("request"));
    }

    #[test]
    fn workspace_problems_are_prefixed_with_request() {
        let failure = load_text(
            r#"{"budgie_workspace":1,"request":{"model":"m","messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"Qk0="}}]}]}}"#,
            None,
        )
        .expect_err("the API takes no BMP");
        assert_eq!(failure.error_type, "validation_error");
        assert!(
            failure
                .message
                .starts_with("request.messages[0].content[0]: "),
            "{}",
            failure.message
        );
    }

    #[test]
    fn expand_keeps_order_and_flags_what_matches_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["b.json", "a.json", "c.txt"] {
            std::fs::write(dir.path().join(name), "{}").expect("write");
        }
        let base = dir.path().display().to_string();
        let inputs = expand(&[
            "-".to_string(),
            base.clone(),
            format!("{base}/*.txt"),
            format!("{base}/*.yaml"),
        ]);
        assert_eq!(
            inputs,
            vec![
                Input::Stdin,
                Input::File(dir.path().join("a.json")),
                Input::File(dir.path().join("b.json")),
                Input::File(dir.path().join("c.txt")),
                Input::Unusable(ExpandError::NoMatch(format!("{base}/*.yaml"))),
            ]
        );
    }
}
