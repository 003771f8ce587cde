//! `budgie count --compare`: each request on every model budgie knows (or those of
//! `--models`): input tokens, share of the context window and whether it fits with the
//! output it reserves, input and worst-case output cost apart, the cost with the prompt cache
//! as planned, and how the tokenizer families differ. Offline at once; with `--exact`, every
//! figure is count_tokens' (one request per model and breakpoint, through the limiter and the
//! cache of exact counts).

use std::io::IsTerminal;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::batch::{BatchOptions, Input, Progress, expand, run_batch};
use super::cache_plan::{self, prefixes};
use super::count::{Context, Failure, FailureClass, Mode, exact_tokens, load, pace_of};
use super::exit;
use crate::api::{Client, ErrorKind};
use crate::cli::CountArgs;
use crate::config::{self, Resolved};
use crate::cost::compare::{Output, Row, family_notes, row};
use crate::cost::prices::long_context_note;
use crate::estimate::Estimator;
use crate::estimate::prefixes::breakpoint_prefixes;
use crate::exact_cache::ExactCache;
use crate::limiter::{RateLimiter, batch_concurrency};
use crate::numbers::{group, short};
use crate::registry::{ModelInfo, Registry};
use crate::request::Request;
use crate::request::validate::validate;

/// Run `budgie count --compare`; returns the exit status.
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
    let models = match chosen_models(&args.models) {
        Ok(models) => models,
        Err(message) => {
            eprintln!("budgie count: {message}");
            return exit::INPUT;
        }
    };
    let rpm = settings.settings.effective_rpm();
    let mut pace = None;
    let mode = if args.exact {
        match Client::from_found_key(&settings.api_key) {
            Ok(client) => Mode::Exact {
                client: {
                    let key = settings.api_key.as_ref().ok().and_then(Option::as_ref);
                    let limiter =
                        Arc::new(RateLimiter::from_settings(&settings.settings, key, true));
                    pace = Some(pace_of(limiter.clone()));
                    client.with_pacer(limiter)
                },
                required: true,
            },
            Err(e) if e.kind == ErrorKind::MissingKey => {
                eprintln!(
                    "budgie count: --exact needs ANTHROPIC_API_KEY: set it, or leave out --exact \
                     to compare offline"
                );
                return exit::INPUT;
            }
            Err(e) => {
                eprintln!("budgie count: {e}");
                return exit::INPUT;
            }
        }
    } else {
        Mode::Offline
    };
    let mut ctx = Context::new(mode, settings, args);
    if !args.no_cache {
        ctx.cache = config::dirs().and_then(|d| ExactCache::open(&d.data).ok());
    }
    let json = args.output() == crate::cli::CountFormat::Json;
    let inputs = expand(&args.files);
    let options = BatchOptions {
        concurrency: batch_concurrency(rpm),
        progress: match (std::io::stderr().is_terminal(), json, inputs.len() > 1) {
            (_, _, false) | (false, true, _) => Progress::Hidden,
            _ => Progress::Auto,
        },
        pace,
    };
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let mut status = exit::OK;
    let ctx = &ctx;
    let models = &models;
    let summary = run_batch(
        inputs,
        |input| async move { compare_one(&input, ctx, models).await },
        |_, outcome: Comparison| {
            print(&outcome, json);
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

/// The models of `--models` (ids or aliases), or every model in the registry.
pub fn chosen_models(ids: &[String]) -> Result<Vec<ModelInfo>, String> {
    let registry = Registry::builtin();
    if ids.is_empty() {
        return Ok(registry.models().to_vec());
    }
    ids.iter()
        .map(|id| {
            registry.find(id.trim()).cloned().ok_or_else(|| {
                format!("--models: `{id}` is not a model budgie knows (`budgie models` lists them)")
            })
        })
        .collect()
}

/// One file on every model.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub file: String,
    pub result: Result<Compared, Failure>,
}

#[derive(Debug, Clone)]
pub struct Compared {
    /// The request's own model: the one the others are compared with.
    pub baseline: String,
    pub output: Output,
    /// One per model, in the order asked.
    pub models: Vec<ModelResult>,
}

#[derive(Debug, Clone)]
pub struct ModelResult {
    pub id: String,
    pub result: Result<Row, Failure>,
}

impl Comparison {
    fn exit_status(&self) -> i32 {
        let failed = |f: &Failure| match f.class {
            FailureClass::Input => exit::INPUT,
            FailureClass::Api => exit::API,
        };
        match &self.result {
            Err(f) => failed(f),
            Ok(c) => c
                .models
                .iter()
                .filter_map(|m| m.result.as_ref().err().map(failed))
                .max()
                .unwrap_or(exit::OK),
        }
    }
}

async fn compare_one(input: &Input, ctx: &Context, models: &[ModelInfo]) -> Comparison {
    let file = input.to_string();
    let opened = match load(input, ctx) {
        Ok(opened) => opened,
        Err(failure) => {
            return Comparison {
                file,
                result: Err(failure),
            };
        }
    };
    let request = opened.workspace.to_request();
    let output = Output::of(&request);
    let mut estimator = Estimator::with_options(ctx.estimate_options);
    let mut results = Vec::with_capacity(models.len());
    for model in models {
        let mut on_model = request.clone();
        on_model.model = model.id.clone();
        let result = match &ctx.mode {
            Mode::Offline => Ok(offline_row(&mut estimator, &on_model, model, output)),
            Mode::Exact { client, .. } => exact_row(client, ctx, &on_model, model, output).await,
        };
        results.push(ModelResult {
            id: model.id.clone(),
            result,
        });
    }
    Comparison {
        file,
        result: Ok(Compared {
            baseline: request.model.clone(),
            output,
            models: results,
        }),
    }
}

fn offline_row(
    estimator: &mut Estimator,
    request: &Request,
    model: &ModelInfo,
    output: Output,
) -> Row {
    let total = estimator.estimate(request).input_tokens;
    let counted = breakpoint_prefixes(estimator, request, total);
    let prefixes = (!counted.is_empty()).then(|| prefixes(counted));
    row(
        model,
        Registry::builtin().price_rules(),
        total,
        false,
        output,
        prefixes.as_deref(),
    )
}

async fn exact_row(
    client: &Client,
    ctx: &Context,
    request: &Request,
    model: &ModelInfo,
    output: Output,
) -> Result<Row, Failure> {
    // What the API would refuse on this model (thinking it does not take, more images than
    // its window allows) is not sent.
    let problems = validate(request);
    if !problems.is_empty() {
        return Err(Failure::invalid(&problems, ""));
    }
    let total = exact_tokens(client, ctx, request)
        .await
        .map_err(|e| Failure::api(&e))?
        .tokens;
    let counted = super::count::exact_prefixes(request, total, client, ctx)
        .await
        .map_err(|e| Failure::api(&e))?;
    let prefixes = (!counted.is_empty()).then(|| prefixes(counted));
    Ok(row(
        model,
        Registry::builtin().price_rules(),
        total,
        true,
        output,
        prefixes.as_deref(),
    ))
}

fn print(outcome: &Comparison, json: bool) {
    if json {
        for line in json_lines(outcome) {
            println!("{line}");
        }
        return;
    }
    match &outcome.result {
        Ok(compared) => {
            for line in plain_lines(&outcome.file, compared) {
                println!("{line}");
            }
        }
        Err(failure) => {
            for line in failure.plain_lines() {
                eprintln!("{}: {line}", outcome.file);
            }
        }
    }
}

/// One JSON object per file and model: `{"file","model","input_tokens","source",
/// "context_window","fits","cost_usd":{"input","output_max","cache_write_5m","cache_write_1h",
/// "cache_read","batch_input"}}`, with `"cache"` (as `budgie count --json` gives it) when the
/// request has breakpoints and `"long_context_rate": true` when that rate applies; a file or a
/// model that could not be counted is `{"file"[,"model"],"error":{…}}`.
pub fn json_lines(outcome: &Comparison) -> Vec<Value> {
    let compared = match &outcome.result {
        Ok(c) => c,
        Err(failure) => return vec![error_line(&outcome.file, None, failure)],
    };
    compared
        .models
        .iter()
        .map(|m| match &m.result {
            Ok(row) => row_json(&outcome.file, row),
            Err(failure) => error_line(&outcome.file, Some(&m.id), failure),
        })
        .collect()
}

fn row_json(file: &str, row: &Row) -> Value {
    let c = &row.cost;
    let mut line = Map::new();
    line.insert("file".into(), json!(file));
    line.insert("model".into(), json!(row.model.id));
    line.insert("input_tokens".into(), json!(row.input_tokens));
    line.insert(
        "source".into(),
        json!(if row.exact { "exact" } else { "offline" }),
    );
    line.insert("context_window".into(), json!(row.model.context_window));
    line.insert("fits".into(), json!(row.fits));
    line.insert(
        "cost_usd".into(),
        json!({
            "input": c.input.dollars(),
            "output_max": c.output_max.dollars(),
            "cache_write_5m": c.cache_write_5m.dollars(),
            "cache_write_1h": c.cache_write_1h.dollars(),
            "cache_read": c.cache_read.dollars(),
            "batch_input": c.batch_input.dollars(),
        }),
    );
    if c.long_context {
        line.insert("long_context_rate".into(), json!(true));
    }
    if let Some(plan) = &row.cache {
        line.insert("cache".into(), cache_plan::json(plan));
    }
    Value::Object(line)
}

fn error_line(file: &str, model: Option<&str>, failure: &Failure) -> Value {
    let mut line = super::count::json_line(&super::count::Outcome {
        file: file.to_string(),
        result: Err(failure.clone()),
    });
    if let (Some(model), Value::Object(map)) = (model, &mut line) {
        let error = map.remove("error");
        map.insert("model".into(), json!(model));
        if let Some(error) = error {
            map.insert("error".into(), error);
        }
    }
    line
}

/// The comparison for people: a table, one row per model, then what the table cannot say.
pub fn plain_lines(file: &str, compared: &Compared) -> Vec<String> {
    let rows: Vec<&Row> = compared
        .models
        .iter()
        .filter_map(|m| m.result.as_ref().ok())
        .collect();
    let exact = rows.iter().any(|r| r.exact);
    let mut lines = vec![format!(
        "{file}: on {} models ({} counts{})",
        compared.models.len(),
        if exact { "exact" } else { "offline" },
        if exact { "" } else { "; --exact asks the API" }
    )];
    let cached = rows.iter().any(|r| r.cache.is_some());
    let width = compared
        .models
        .iter()
        .map(|m| m.id.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut header = format!(
        "  {:width$}  {:>9}  {:>6}  {:>7}  {:>4}  {:>10}  {:>10}  {:>10}",
        "model", "input tok", "window", "used", "fits", "input", "output ≤", "batch in"
    );
    if cached {
        header.push_str(&format!("  {:>10}  {:>10}", "1st cached", "repeat"));
    }
    lines.push(header);
    for m in &compared.models {
        let Ok(r) = &m.result else {
            continue;
        };
        let mut line = format!(
            "  {:width$}  {:>9}  {:>6}  {:>6.1}%  {:>4}  {:>10}  {:>10}  {:>10}",
            r.model.id,
            group(r.input_tokens),
            short(r.model.context_window),
            r.percent_of_window(),
            if r.fits { "yes" } else { "no" },
            format!(
                "{}{}",
                r.cost.input,
                if r.cost.long_context { "*" } else { "" }
            ),
            r.cost.output_max.to_string(),
            r.cost.batch_input.to_string(),
        );
        if let Some(plan) = &r.cache {
            line.push_str(&format!(
                "  {:>10}  {:>10}",
                plan.first_request.to_string(),
                plan.repeat_request.to_string()
            ));
        }
        lines.push(line);
    }
    for m in &compared.models {
        if let Err(failure) = &m.result {
            lines.push(format!(
                "  {}: not counted: {}",
                m.id,
                failure.plain_lines().join("; ")
            ));
        }
    }
    let owned: Vec<Row> = rows.iter().map(|r| (*r).clone()).collect();
    let mut notes = family_notes(&owned, &compared.baseline);
    notes.push(match compared.output.max_tokens {
        Some(max) => format!(
            "output ≤: the worst case, all of max_tokens ({}) written",
            group(max.max(compared.output.thinking_budget.unwrap_or(0)))
        ),
        None => "output ≤: max_tokens is not set, so the worst case is each model's maximum output"
            .to_string(),
    });
    if compared.output.reserve() > 0 {
        notes.push(format!(
            "used and fits count the {} tokens reserved for output against the context window",
            group(compared.output.reserve())
        ));
    }
    for r in &rows {
        if let Some(note) = long_context_note(&r.model) {
            let applied = if r.cost.long_context {
                " — applies to this request (marked *)"
            } else {
                ""
            };
            notes.push(format!("{note}{applied}"));
        }
    }
    if cached {
        notes.push(
            "1st cached: the first request with the cache as planned (writes + the rest); \
             repeat: within the TTL (reads + the rest); input only"
                .to_string(),
        );
    }
    for r in &rows {
        for warning in r.cache.iter().flat_map(|plan| {
            plan.breakpoints
                .iter()
                .filter_map(|b| b.warning(&plan.model))
        }) {
            notes.push(warning);
        }
    }
    lines.extend(notes.into_iter().map(|n| format!("  {n}")));
    lines
}
