//! The batch driver behind `budgie count`: expand FILE arguments into inputs, count them with
//! a few in flight (every request still goes through the limiter, which does the spacing),
//! report each result in input order, show progress on stderr, and stop cleanly on Ctrl-C.
//!
//! The driver knows nothing about counting: the caller passes `count_one` (one input to one
//! result) and `report` (print one result). Each `report` call should write one whole line
//! and flush it (`print_line`), so `--json` output stays valid line by line even when the run
//! is interrupted.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::limiter::{SharedStatus, summary};

/// One thing to count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// `-`: the request JSON on standard input.
    Stdin,
    File(PathBuf),
    /// An argument that names nothing countable; reported as that input's error so the
    /// other inputs are still counted.
    Unusable(ExpandError),
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Stdin => f.write_str("-"),
            Input::File(path) => write!(f, "{}", path.display()),
            Input::Unusable(error) => f.write_str(error.arg()),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExpandError {
    #[error("{0}: no such file or directory")]
    Missing(String),
    #[error("{pattern}: not a valid glob pattern ({message})")]
    BadGlob { pattern: String, message: String },
    #[error("{0}: no files match this pattern")]
    NoMatch(String),
    #[error("{path}: cannot read ({message})")]
    Unreadable { path: String, message: String },
    #[error("{0}: a directory with no .json file in it")]
    EmptyDir(String),
}

impl ExpandError {
    /// The argument the error is about.
    pub fn arg(&self) -> &str {
        match self {
            ExpandError::Missing(arg) | ExpandError::NoMatch(arg) | ExpandError::EmptyDir(arg) => {
                arg
            }
            ExpandError::BadGlob { pattern, .. } => pattern,
            ExpandError::Unreadable { path, .. } => path,
        }
    }

    /// The message without the argument in front.
    pub fn reason(&self) -> String {
        let full = self.to_string();
        full.strip_prefix(&format!("{}: ", self.arg()))
            .map_or(full.clone(), str::to_string)
    }
}

/// Expand FILE arguments, in a stable order: arguments as given; a directory becomes every
/// `*.json` file under it (recursively, hidden entries skipped, sorted by path); a pattern
/// with `*`, `?` or `[` becomes its matches (sorted). A file named twice is counted once.
/// An argument that names nothing becomes `Input::Unusable`, in its place.
pub fn expand(args: &[String]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for arg in args {
        if let Err(error) = expand_one(arg, &mut inputs) {
            inputs.push(Input::Unusable(error));
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| seen.insert(i.clone()));
    inputs
}

fn expand_one(arg: &str, inputs: &mut Vec<Input>) -> Result<(), ExpandError> {
    if arg == "-" {
        inputs.push(Input::Stdin);
        return Ok(());
    }
    let path = Path::new(arg);
    if path.exists() {
        add_path(path, arg, inputs)?;
    } else if arg.contains(['*', '?', '[']) {
        let matches = glob::glob(arg).map_err(|e| ExpandError::BadGlob {
            pattern: arg.to_string(),
            message: e.msg.to_string(),
        })?;
        let mut paths: Vec<PathBuf> = matches.filter_map(Result::ok).collect();
        if paths.is_empty() {
            return Err(ExpandError::NoMatch(arg.to_string()));
        }
        paths.sort();
        for p in paths {
            add_path(&p, &p.display().to_string(), inputs)?;
        }
    } else {
        return Err(ExpandError::Missing(arg.to_string()));
    }
    Ok(())
}

fn add_path(path: &Path, shown: &str, inputs: &mut Vec<Input>) -> Result<(), ExpandError> {
    if path.is_dir() {
        let mut files = Vec::new();
        collect_json(path, &mut files)?;
        if files.is_empty() {
            return Err(ExpandError::EmptyDir(shown.to_string()));
        }
        files.sort();
        inputs.extend(files.into_iter().map(Input::File));
    } else {
        inputs.push(Input::File(path.to_path_buf()));
    }
    Ok(())
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ExpandError> {
    let unreadable = |e: io::Error| ExpandError::Unreadable {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Symlinked directories are not followed (no loops); symlinked files are counted.
        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Where progress goes.
pub enum Progress {
    /// A bar on stderr when it is a terminal and there are several inputs, else plain lines
    /// on stderr (in a log, or for one input: only when it keeps the run waiting).
    Auto,
    /// "counted N/M (rate, ETA)" lines, at most one a second plus the last one, and a line
    /// every [`WAITING_LINE_EVERY`] while nothing finishes.
    Lines(Box<dyn Write + Send>),
    Hidden,
}

/// While nothing finishes, a line says what the run waits for this often.
pub const WAITING_LINE_EVERY: Duration = Duration::from_secs(5);

/// What the rate limiter says, when requests go through it: the ETA allows for it, and a
/// wait for it is said as such.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pace {
    /// The spacing the limiter keeps between two requests.
    pub per_request: Duration,
    /// How long until the next request may go (a server's retry-after included).
    pub next_in: Duration,
    /// The limit in force and, when it is shared through Redis, how that stands: progress
    /// says "limit 100/min · shared via redis (3 clients seen)".
    pub rpm: u32,
    pub shared: Option<SharedStatus>,
}

impl Pace {
    /// " · limit 100/min · shared via redis (3 clients seen)" for a shared limiter; nothing
    /// for this machine's own.
    fn shared_note(pace: Option<Pace>) -> String {
        match pace {
            Some(p) if p.shared.is_some() => format!(" · {}", summary(p.rpm, p.shared)),
            _ => String::new(),
        }
    }
}

/// Asks the limiter for its [`Pace`].
pub type PaceFn = Arc<dyn Fn() -> Pace + Send + Sync>;

pub struct BatchOptions {
    /// How many inputs are counted at once (the limiter still spaces the requests).
    pub concurrency: usize,
    pub progress: Progress,
    /// The limiter's pace, when the counts go through it (exact counts).
    pub pace: Option<PaceFn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub total: usize,
    /// Inputs counted and reported.
    pub done: usize,
    /// Stopped by the `interrupt` future (Ctrl-C) before every input was counted.
    pub interrupted: bool,
}

/// Count every input with `count_one`, up to `concurrency` at once, and hand each result to
/// `report` in input order. When `interrupt` completes (pass `tokio::signal::ctrl_c()`),
/// in-flight counts are dropped, results already finished are reported, and a note goes to
/// stderr-side progress. Returns what was done.
pub async fn run_batch<T, F, Fut, R, I>(
    inputs: Vec<Input>,
    mut count_one: F,
    mut report: R,
    interrupt: I,
    options: BatchOptions,
) -> BatchSummary
where
    F: FnMut(Input) -> Fut,
    Fut: Future<Output = T>,
    R: FnMut(&Input, T),
    I: Future,
{
    let total = inputs.len();
    let mut progress = ProgressSink::new(options.progress, total, options.pace);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut queue = inputs.into_iter().enumerate();
    let mut running = FuturesUnordered::new();
    let mut start_next = |running: &mut FuturesUnordered<_>| {
        if let Some((index, input)) = queue.next() {
            let counting = count_one(input.clone());
            running.push(async move { (index, input, counting.await) });
        }
    };
    for _ in 0..options.concurrency.max(1) {
        start_next(&mut running);
    }

    // Finished results wait here until every earlier input has been reported.
    let mut held: BTreeMap<usize, (Input, T)> = BTreeMap::new();
    let mut next_to_report = 0;
    let mut done = 0;
    let mut interrupted = false;
    let interrupt = std::pin::pin!(interrupt);
    let mut interrupt = interrupt;
    loop {
        tokio::select! {
            biased;
            _ = &mut interrupt => {
                interrupted = true;
                break;
            }
            _ = tick.tick() => progress.tick(done),
            finished = running.next() => {
                let Some((index, input, result)) = finished else { break };
                held.insert(index, (input, result));
                while let Some((input, result)) = held.remove(&next_to_report) {
                    progress.suspend(|| report(&input, result));
                    next_to_report += 1;
                    done += 1;
                    progress.advance(done);
                }
                start_next(&mut running);
            }
        }
    }
    // Interrupted: report what finished out of order too (each line names its input).
    for (_, (input, result)) in std::mem::take(&mut held) {
        progress.suspend(|| report(&input, result));
        done += 1;
    }
    progress.finish(done, interrupted);
    BatchSummary {
        total,
        done,
        interrupted: interrupted && done < total,
    }
}

/// Write one line to stdout whole and flush it. A closed pipe (`| head`) is not an error.
pub fn print_line(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

enum ProgressSink {
    Bar {
        bar: ProgressBar,
        started: Instant,
        pace: Option<PaceFn>,
    },
    Lines {
        out: Box<dyn Write + Send>,
        total: usize,
        started: Instant,
        last: Option<Instant>,
        /// No line before this much time has passed.
        quiet_for: Duration,
        pace: Option<PaceFn>,
    },
    Hidden,
}

impl ProgressSink {
    fn new(progress: Progress, total: usize, pace: Option<PaceFn>) -> Self {
        match progress {
            Progress::Auto if io::stderr().is_terminal() && total > 1 => {
                let bar =
                    ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(
                    "{spinner} {wide_bar} {pos}/{len} counted · {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style);
                bar.enable_steady_tick(Duration::from_millis(200));
                ProgressSink::Bar {
                    bar,
                    started: Instant::now(),
                    pace,
                }
            }
            // In a log, a run that ends within a second needs no progress report.
            Progress::Auto => {
                Self::lines(Box::new(io::stderr()), total, Duration::from_secs(1), pace)
            }
            Progress::Lines(out) => Self::lines(out, total, Duration::ZERO, pace),
            Progress::Hidden => ProgressSink::Hidden,
        }
    }

    fn lines(
        out: Box<dyn Write + Send>,
        total: usize,
        quiet_for: Duration,
        pace: Option<PaceFn>,
    ) -> Self {
        ProgressSink::Lines {
            out,
            total,
            started: Instant::now(),
            last: None,
            quiet_for,
            pace,
        }
    }

    /// Run `f` (which prints to stdout) without tearing the bar.
    fn suspend(&self, f: impl FnOnce()) {
        match self {
            ProgressSink::Bar { bar, .. } => bar.suspend(f),
            _ => f(),
        }
    }

    fn advance(&mut self, done: usize) {
        match self {
            ProgressSink::Bar { bar, .. } => bar.set_position(done as u64),
            ProgressSink::Lines {
                out,
                total,
                started,
                last,
                quiet_for,
                pace,
            } => {
                let now = Instant::now();
                // One input: its result says it all.
                if *total < 2 || now.duration_since(*started) < *quiet_for {
                    return;
                }
                let due = last.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
                if due || done == *total {
                    *last = Some(now);
                    let pace = pace.as_ref().map(|p| p());
                    let line = status_line(done, *total, started.elapsed(), pace);
                    let _ = writeln!(out, "{line}{}", Pace::shared_note(pace));
                }
            }
            ProgressSink::Hidden => {}
        }
        self.tick(done);
    }

    /// The clock: the bar's ETA and what it waits for; in lines, a line now and then while
    /// nothing finishes.
    fn tick(&mut self, done: usize) {
        match self {
            ProgressSink::Bar { bar, started, pace } => {
                let total = bar.length().unwrap_or(0) as usize;
                let pace = pace.as_ref().map(|p| p());
                let message = bar_message(done, total, started.elapsed(), pace);
                bar.set_message(format!("{message}{}", Pace::shared_note(pace)));
            }
            ProgressSink::Lines {
                out,
                total,
                started,
                last,
                pace,
                ..
            } => {
                let now = Instant::now();
                let quiet_since = last.unwrap_or(*started);
                if done < *total && now.duration_since(quiet_since) >= WAITING_LINE_EVERY {
                    *last = Some(now);
                    let pace = pace.as_ref().map(|p| p());
                    let line = waiting_line(done, *total, now.duration_since(quiet_since), pace);
                    let _ = writeln!(out, "{line}{}", Pace::shared_note(pace));
                }
            }
            ProgressSink::Hidden => {}
        }
    }

    fn finish(&mut self, done: usize, interrupted: bool) {
        let note = format!("interrupted: counted {done} of {} inputs", self.total());
        match self {
            ProgressSink::Bar { bar, .. } => {
                bar.finish_and_clear();
                if interrupted {
                    eprintln!("{note}");
                }
            }
            ProgressSink::Lines { out, .. } => {
                if interrupted {
                    let _ = writeln!(out, "{note}");
                }
                let _ = out.flush();
            }
            ProgressSink::Hidden => {}
        }
    }

    fn total(&self) -> usize {
        match self {
            ProgressSink::Bar { bar, .. } => bar.length().unwrap_or(0) as usize,
            ProgressSink::Lines { total, .. } => *total,
            ProgressSink::Hidden => 0,
        }
    }
}

/// "counted 12/30 (2.0/s, ETA 9 s)"
pub fn progress_line(done: usize, total: usize, elapsed: Duration) -> String {
    status_line(done, total, elapsed, None)
}

/// [`progress_line`] with the limiter's pace taken into the ETA.
pub fn status_line(done: usize, total: usize, elapsed: Duration, pace: Option<Pace>) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if done == 0 || secs <= 0.0 {
        None
    } else {
        Some(done as f64 / secs)
    };
    match (rate, eta(done, total, elapsed, pace)) {
        (Some(rate), Some(eta)) => format!(
            "counted {done}/{total} ({rate:.1}/s, ETA {} s)",
            eta.as_secs_f64().round()
        ),
        (None, Some(eta)) => format!(
            "counted {done}/{total} (ETA {} s)",
            eta.as_secs_f64().round()
        ),
        _ => format!("counted {done}/{total}"),
    }
}

/// How long the rest takes: at the rate so far, but never sooner than the rate limiter lets
/// the remaining requests go (the next one when it may, the others a spacing apart).
pub fn eta(done: usize, total: usize, elapsed: Duration, pace: Option<Pace>) -> Option<Duration> {
    let left = total.saturating_sub(done);
    let secs = elapsed.as_secs_f64();
    let by_rate =
        (done > 0 && secs > 0.0).then(|| Duration::from_secs_f64(left as f64 * secs / done as f64));
    let by_limiter = pace.filter(|_| left > 0).map(|p| {
        p.next_in
            + p.per_request
                .saturating_mul(u32::try_from(left - 1).unwrap_or(u32::MAX))
    });
    match (by_rate, by_limiter) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// What the run waits for while nothing finishes: "counting 3/30: waiting for the rate
/// limiter, next request in 25 s", or for the API.
pub fn waiting_line(done: usize, total: usize, quiet: Duration, pace: Option<Pace>) -> String {
    let what = match pace {
        Some(p) if p.next_in >= Duration::from_secs(1) => format!(
            "waiting for the rate limiter, next request in {} s",
            p.next_in.as_secs_f64().ceil()
        ),
        _ => format!("waiting for an answer ({} s so far)", quiet.as_secs()),
    };
    format!("counting {}/{total}: {what}", (done + 1).min(total))
}

/// The bar's words after the count: the ETA, or the limiter's wait.
fn bar_message(done: usize, total: usize, elapsed: Duration, pace: Option<Pace>) -> String {
    let eta = eta(done, total, elapsed, pace)
        .map(|d| format!("ETA {} s", d.as_secs_f64().round()))
        .unwrap_or_default();
    match pace {
        Some(p) if p.next_in >= Duration::from_secs(1) => format!(
            "rate-limited · next request in {} s · {eta}",
            p.next_in.as_secs_f64().ceil()
        ),
        _ => eta,
    }
}
