//! `budgie count`: count request files headlessly.
//!
//! Three steps, kept apart so a batch runner can wrap the middle one (a pacer on the
//! client, a progress bar around the loop): `expand` the arguments into inputs, `count_one`
//! each into an `Outcome`, `Report` each outcome as it comes. The exit status is the worst
//! outcome's (see `Outcome::exit_status`).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::batch::{BatchOptions, ExpandError, Input, Pace, PaceFn, Progress, expand, run_batch};
use super::exit;
use crate::api::{ApiError, Client, ErrorKind};
use crate::cli::CountArgs;
use crate::config::{self, Resolved};
use crate::estimate::{self, EstimateOptions};
use crate::exact_cache::ExactCache;
use crate::intake::{self, InputError, OpenOptions, Opened};
use crate::limiter::{HEADROOM, Limiter, batch_concurrency};
use crate::request::Request;
use crate::request::validate::{Endpoint, Problem};

/// Run the command; returns the process exit status (see `commands::exit`).
pub fn run(settings: &Resolved, args: &CountArgs) -> i32 {
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
    runtime.block_on(run_async(settings, args))
}

async fn run_async(settings: &Resolved, args: &CountArgs) -> i32 {
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
        let limiter = Arc::new(Limiter::for_this_machine(rpm));
        *client = client.clone().with_pacer(limiter.clone());
        pace = Some(pace_of(limiter));
    }
    let mut ctx = Context::new(mode, settings, args);
    if !args.no_cache {
        ctx.cache = config::dirs().and_then(|d| ExactCache::open(&d.data).ok());
    }
    let report = Report { json: args.json };
    let mut status = exit::OK;
    let interrupt = async {
        // A handler that cannot be installed must not read as an immediate Ctrl-C.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let inputs = expand(&args.files);
    let options = BatchOptions {
        concurrency: batch_concurrency(rpm),
        // A bar on a terminal; plain "counted N/M" lines on stderr in a log, and a line
        // every few seconds while a count keeps the run waiting (the rate limiter, the API).
        progress: Progress::Auto,
        pace,
    };
    let ctx = &ctx;
    let summary = run_batch(
        inputs,
        |input| async move { count_one(&input, ctx).await },
        |_, outcome: Outcome| {
            report.print(&outcome);
            status = status.max(outcome.exit_status());
        },
        interrupt,
        options,
    )
    .await;
    if summary.interrupted {
        return exit::INTERRUPTED;
    }
    status
}

/// The limiter's spacing and next slot, for the progress report.
fn pace_of(limiter: Arc<Limiter>) -> PaceFn {
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
    /// How offline counts are made (`--tool-table`).
    pub estimate_options: EstimateOptions,
    /// The first "cannot reach the API" error: after it, the rest count offline (or, with
    /// `--exact`, fail at once instead of waiting through the retries again).
    pub unreachable: Mutex<Option<ApiError>>,
    /// Exact counts already made, by request hash (`None` with `--no-cache`).
    pub cache: Option<ExactCache>,
}

impl Context {
    pub fn new(mode: Mode, settings: &Resolved, args: &CountArgs) -> Self {
        Context {
            mode,
            model: settings.model_flag.clone(),
            settings: settings.clone(),
            explain: args.explain,
            estimate_options: EstimateOptions::default(),
            unreachable: Mutex::new(None),
            cache: None,
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

    fn invalid(problems: &[Problem], prefix: &str) -> Self {
        let problems: Vec<String> = problems.iter().map(|p| format!("{prefix}{p}")).collect();
        Failure {
            problems: problems.clone(),
            ..Failure::input("validation_error", problems.join("; "))
        }
    }

    fn api(error: &ApiError) -> Self {
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

/// Read, parse, validate and count one input.
pub async fn count_one(input: &Input, ctx: &Context) -> Outcome {
    let file = input.to_string();
    let result = match load(input, ctx) {
        Ok(opened) => count_opened(opened, ctx).await,
        Err(failure) => Err(failure),
    };
    Outcome { file, result }
}

async fn count_opened(opened: Opened, ctx: &Context) -> Result<Count, Failure> {
    let request = opened.workspace.to_request();
    let budget = ctx.settings.budget_for(opened.workspace.budget);
    let Mode::Exact { client, required } = &ctx.mode else {
        return Ok(offline(
            &request,
            ctx.estimate_options,
            budget,
            ctx.explain,
            None,
        ));
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
                ctx.estimate_options,
                budget,
                ctx.explain,
                Some(format!("API unreachable: {}", error.error_type)),
            ))
        };
    }
    let hash = request.content_hash();
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
    };
    let explained = |mut count: Count| {
        if ctx.explain {
            // The exact count has no parts: the offline count's, beside it.
            let offline = offline(&request, ctx.estimate_options, budget, true, None);
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
    if let Some(tokens) = ctx.cache.as_ref().and_then(|c| c.get(&hash)) {
        return Ok(explained(exact(tokens, None, true)));
    }
    match client.count_tokens(&request.count_body()).await {
        Ok(counted) => {
            if let Some(cache) = &ctx.cache
                && let Err(e) = cache.put(&hash, &request.model, counted.input_tokens)
            {
                eprintln!("budgie: cannot write the count cache: {e}");
            }
            Ok(explained(exact(
                counted.input_tokens,
                counted.request_id,
                false,
            )))
        }
        Err(error) if error.is_unreachable() && !required => {
            eprintln!(
                "budgie: {error}\nbudgie: counting offline from here on (--exact fails instead)"
            );
            let note = format!("API unreachable: {}", error.error_type);
            ctx.set_unreachable(error);
            Ok(offline(
                &request,
                ctx.estimate_options,
                budget,
                ctx.explain,
                Some(note),
            ))
        }
        Err(error) => {
            if error.is_unreachable() {
                ctx.set_unreachable(error.clone());
            }
            Err(Failure::api(&error))
        }
    }
}

fn offline(
    request: &Request,
    options: EstimateOptions,
    budget: Option<u64>,
    explain: bool,
    note: Option<String>,
) -> Count {
    let estimate = estimate::estimate_with(request, options);
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
    }
}

/// Open one input with the reader every command and the workbench share; a file the API
/// would refuse fails here, naming each problem.
fn load(input: &Input, ctx: &Context) -> Result<Opened, Failure> {
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
                for line in &count.explain {
                    println!("  {line}");
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

/// `FILE: N tokens (MODEL, exact|offline[, approximate]) — over budget by K`
pub fn plain_line(file: &str, count: &Count) -> String {
    let mut labels = vec![count.model.clone(), count.source.name().to_string()];
    if count.approximate {
        labels.push("approximate".into());
    }
    if count.cached {
        labels.push("cached".into());
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
