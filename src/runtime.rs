//! The one loop that owns the terminal and runs effects. (Issue 4.)
//!
//! It waits on three things at once: terminal events (key presses, pastes, mouse, resizes),
//! messages from background tasks (the counting worker), and a clock. After each wake-up it
//! drains everything already pending, applies it all to the model, and draws at most once, no
//! more often than every `FRAME`: a 10,000-character paste costs one frame.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::api::pacer::{Pacer, Unpaced};
use crate::api::{ApiError, Client, ErrorKind};
use crate::app::{self, Effect, Keymap, LimitStatus, Model, Msg, Options};
use crate::cli::Cli;
use crate::config::{self, Resolved};
use crate::counter::{self, CountFn, Job, ListFn, StatusFn};
use crate::intake::{self, OpenOptions, Opened};
use crate::limiter::{Limiter, LimiterStatus};
use crate::request::ContentBlock;
use crate::request::limits::ModelLimits;
use crate::tui::Guard;
use crate::workspace::autosave::Autosaver;
use crate::workspace::recovery::RecoveryStore;
use crate::workspace::{self, SaveOptions, Workspace, recent};

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(16);

/// What the workbench counts with. The lead plugs the real API client and limiter in here.
#[derive(Clone)]
pub struct Services {
    /// `None`: offline only, for the reason given.
    pub count: Result<CountFn, String>,
    pub pacer: Arc<dyn Pacer>,
    pub status: Option<StatusFn>,
    /// `GET /v1/models`, when a key is set.
    pub list_models: Option<ListFn>,
}

impl Services {
    /// The real API client (key from the environment or budgie's private config) paced by
    /// the limiter every budgie process shares; offline, with the reason, without a key.
    pub fn from_settings(settings: &Resolved) -> Services {
        let limiter = Arc::new(Limiter::for_this_machine(settings.settings.effective_rpm()));
        let status: StatusFn = {
            let limiter = limiter.clone();
            Arc::new(move || limit_status(limiter.status()))
        };
        match Client::from_found_key(&settings.api_key) {
            Ok(client) => {
                let client = client.with_pacer(limiter);
                Services {
                    count: Ok(counter::api::count_fn(client.clone())),
                    // The client asks the limiter before each attempt; the worker must not
                    // take a second slot for the same request.
                    pacer: Arc::new(Unpaced),
                    status: Some(status),
                    list_models: Some(counter::api::list_fn(client)),
                }
            }
            Err(e) => Services {
                count: Err(offline_reason(&e)),
                pacer: Arc::new(Unpaced),
                status: None,
                list_models: None,
            },
        }
    }
}

/// Why counting is offline, short enough for the side panel.
fn offline_reason(e: &ApiError) -> String {
    match e.kind {
        ErrorKind::MissingKey => "no API key".to_string(),
        _ => e.to_string(),
    }
}

/// The limiter's status as the side panel shows it.
pub fn limit_status(s: LimiterStatus) -> LimitStatus {
    let paused = s
        .paused_until
        .map(|until| until.saturating_duration_since(Instant::now()))
        .unwrap_or_default();
    LimitStatus {
        left_this_minute: Some(s.left_this_minute),
        next_slot_in: s.next_slot_in.unwrap_or_default().max(paused),
    }
}

/// Open the workbench.
pub fn run(cli: &Cli, settings: Resolved) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let services = Services::from_settings(&settings);
    runtime.block_on(async move { run_async(cli, settings, services).await })
}

/// Open `file` (a workspace, a request, a messages.create body or a log). A newer or corrupt
/// workspace is refused with the reason and how to go on: it is never written to.
fn open_file(file: &Path, read_only: bool, model: Option<&str>) -> anyhow::Result<Opened> {
    let options = OpenOptions {
        read_only,
        model,
        endpoint: None,
    };
    intake::open_with(&file.to_string_lossy(), options).map_err(|e| {
        if e.can_open_read_only() {
            anyhow::anyhow!(
                "{e}\nbudgie leaves the file as it is. To look at it: budgie --read-only {file}; \
                 to start fresh: budgie",
                file = file.display()
            )
        } else {
            anyhow::anyhow!("{e}")
        }
    })
}

/// Everything before the terminal is touched: settings, keymap, the workspace.
pub fn prepare(
    cli: &Cli,
    resolved: Resolved,
    offline_reason: Option<String>,
) -> anyhow::Result<(Workspace, Options)> {
    let settings = resolved.settings;
    let mut warnings = resolved.warnings;
    let keymap = match &settings.keymap {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match Keymap::with_overrides(&text) {
                Ok((map, w)) => {
                    warnings.extend(w.into_iter().map(|w| format!("{}: {w}", path.display())));
                    map
                }
                Err(e) => {
                    warnings.push(format!("{}: {e}; using the default keys", path.display()));
                    Keymap::default()
                }
            },
            Err(e) => {
                warnings.push(format!(
                    "{}: cannot read ({e}); using the default keys",
                    path.display()
                ));
                Keymap::default()
            }
        },
        None => Keymap::default(),
    };
    let (mut ws, path, read_only) = match &cli.file {
        Some(file) => {
            let opened = open_file(file, cli.read_only, resolved.model_flag.as_deref())?;
            warnings.extend(opened.warnings.iter().cloned());
            // What the API would refuse, named: the file opens all the same (nothing typed is
            // lost), and the exact count says so again before any request is spent.
            warnings.extend(opened.problem_lines());
            // An imported request is saved as a workspace beside it, never over it.
            let path = opened.save_path();
            let read_only = opened.read_only;
            let _ = recent::push(file);
            (opened.workspace, path, read_only)
        }
        None => match draft_path()
            .filter(|p| p.exists())
            .map(|p| intake::open(&p))
        {
            // Where the last untitled session left its work on the way out.
            Some(Ok(opened)) => (opened.workspace, Some(opened.path), false),
            _ => (app::example::example(), None, cli.read_only),
        },
    };
    // budgie ended without saving last time (a crash, kill -9, a closed terminal): the
    // autosaved draft is newer than the file, so it is what the user was looking at.
    if let Some(recovery) =
        RecoveryStore::default_location().and_then(|store| store.pending_for(cli.file.as_deref()))
    {
        ws = recovery.workspace;
        warnings.push(format!(
            "{RESTORED_NOTE} (autosaved {} ago); Ctrl-S saves it",
            ago(recovery.saved_at)
        ));
    }
    if let Some(model) = &resolved.model_flag {
        ws.request.model = model.clone();
    } else if cli.file.is_none() && settings.model != config::DEFAULT_MODEL {
        ws.request.model = settings.model.clone();
    }
    let options = Options {
        path,
        read_only,
        settings,
        keymap,
        offline_reason,
        budget_flag: resolved.budget_flag,
        warnings,
    };
    Ok((ws, options))
}

pub async fn run_async(cli: &Cli, settings: Resolved, services: Services) -> anyhow::Result<()> {
    let offline_reason = services.count.as_ref().err().cloned();
    let (ws, options) = prepare(cli, settings, offline_reason)?;
    let debounce = Duration::from_millis(options.settings.debounce_ms);
    let mut model = Model::new(ws, options, Instant::now().into_std());

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    // Every background task: a panic in any of them ends the app (after the terminal is
    // restored), instead of leaving a workbench that silently stopped counting.
    let mut tasks = tokio::task::JoinSet::new();
    let worker = match &services.count {
        Ok(count) => Some(counter::spawn(
            counter::Worker {
                count: count.clone(),
                pacer: services.pacer.clone(),
                status: services.status.clone(),
                debounce,
            },
            tx.clone(),
        )),
        Err(_) => None,
    };
    let worker = worker.map(|(handle, task)| {
        tasks.spawn(async move {
            if let Err(e) = task.await
                && let Ok(panic) = e.try_into_panic()
            {
                std::panic::resume_unwind(panic);
            }
        });
        handle
    });

    let mut guard = Guard::enter().context("cannot set up the terminal")?;
    let size = guard
        .terminal
        .size()
        .context("cannot read the terminal size")?;
    let mut queue = VecDeque::from([Msg::Resize(size.width, size.height)]);
    let mut events = spawn_input_reader();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut count_wanted = worker.is_some();
    let recovery = RecoveryStore::default_location();
    let origin = cli.file.clone();
    let mut autosaver = Autosaver::from_millis(model.settings.autosave_ms);
    let mut seen_revision = model.revision;

    loop {
        // Apply everything pending, then run the effects (which may queue more messages).
        let mut quit = false;
        while let Some(msg) = queue.pop_front() {
            dirty = true;
            for effect in app::update(&mut model, msg) {
                match effect {
                    Effect::Quit => quit = true,
                    Effect::CountExact => count_wanted = true,
                    Effect::RefreshModels => match &services.list_models {
                        Some(list) => {
                            let list = list.clone();
                            let tx = tx.clone();
                            tasks.spawn(async move {
                                // A closed channel means the app is shutting down.
                                let _ = tx.send(Msg::Models(list().await));
                            });
                        }
                        None => queue.push_back(Msg::Models(Err("no API key".into()))),
                    },
                    other => queue.extend(perform(other)),
                }
            }
        }
        if count_wanted {
            if let Some(handle) = &worker {
                handle.submit(Job {
                    revision: model.revision,
                    request: Arc::new(model.ws.to_request()),
                });
            }
            count_wanted = false;
        }
        // Autosave: within a second of the last edit, the draft is in the recovery file.
        let now_std = Instant::now().into_std();
        if model.revision != seen_revision {
            seen_revision = model.revision;
            autosaver.edited(now_std);
        }
        if let Some(store) = &recovery {
            if !model.unsaved && autosaver.is_dirty() {
                // Saved (or quit through the draft file): nothing left to recover.
                autosaver.saved_elsewhere(autosaver.revision());
                let _ = store.clear(origin.as_deref());
            } else if autosaver.due(now_std) {
                let revision = autosaver.start();
                let written = store.write(&model.ws, origin.as_deref(), SystemTime::now());
                autosaver.finished(revision, written.is_ok(), Instant::now().into_std());
            }
        }
        if quit {
            if !model.unsaved
                && let Some(store) = &recovery
            {
                let _ = store.clear(origin.as_deref());
            }
            return Ok(());
        }
        let now = Instant::now();
        let autosave_at = autosaver.deadline().map(Instant::from_std);
        if dirty && last_draw.is_none_or(|t| now.duration_since(t) >= FRAME) {
            guard
                .terminal
                .draw(|frame| crate::ui::view(&model, frame))
                .context("cannot draw")?;
            last_draw = Some(now);
            dirty = false;
        }
        let next_frame = last_draw.map_or(now, |t| t + FRAME);

        tokio::select! {
            batch = events.recv() => match batch {
                Some(Ok(batch)) => queue.extend(group_keys(batch.into_iter().filter_map(to_msg))),
                Some(Err(e)) => return Err(e).context("cannot read the terminal"),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => queue.push_back(msg),
            _ = tick.tick() => {
                queue.push_back(Msg::Tick(Instant::now().into_std()));
                if let Some(status) = &services.status {
                    queue.push_back(Msg::Limit(status()));
                }
            }
            _ = sleep_until(next_frame), if dirty => {}
            _ = sleep_until(autosave_at.unwrap_or(now)), if autosave_at.is_some() => {}
            Some(joined) = tasks.join_next() => {
                if let Err(e) = joined
                    && e.is_panic()
                {
                    anyhow::bail!("a background task crashed; see the message above");
                }
            }
        }
        // Drain whatever else is already waiting, so one frame covers it all.
        while let Ok(batch) = events.try_recv() {
            match batch {
                Ok(batch) => queue.extend(group_keys(batch.into_iter().filter_map(to_msg))),
                Err(e) => return Err(e).context("cannot read the terminal"),
            }
        }
        while let Ok(msg) = rx.try_recv() {
            queue.push_back(msg);
        }
    }
}

/// Terminal events from a thread of their own, blocking in `crossterm::event::read`.
///
/// Why not `EventStream`: with crossterm's default mio source a burst of more than 1,024
/// bytes of keys (a fast paste without bracketed paste, tmux send-keys) leaves the rest
/// unread until the next key arrives (edge-triggered readiness, early return). With the
/// `use-dev-tty` source (level-triggered poll) a blocking reader sees every byte at once,
/// while `EventStream` would hand each event over through its wake thread.
fn spawn_input_reader() -> mpsc::UnboundedReceiver<std::io::Result<Vec<Event>>> {
    let (tx, rx) = mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new()
        .name("budgie-input".into())
        .spawn(move || {
            loop {
                let batch = read_batch();
                let failed = batch.is_err();
                // A closed channel means the app has ended.
                if tx.send(batch).is_err() || failed {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(Err(e));
        return rx;
    }
    rx
}

/// One event (waiting for it), then every event already available: a burst of typing
/// crosses the channel, and wakes the loop, once.
fn read_batch() -> std::io::Result<Vec<Event>> {
    const MOST: usize = 8192;
    let mut batch = vec![crossterm::event::read()?];
    // (A zero timeout would skip the source's parse buffer; a microsecond rounds to a
    // non-blocking poll.)
    while batch.len() < MOST && crossterm::event::poll(Duration::from_micros(1))? {
        batch.push(crossterm::event::read()?);
    }
    Ok(batch)
}

/// Consecutive key presses become one `Msg::Keys` (a burst of typing is one edit).
fn group_keys(msgs: impl Iterator<Item = Msg>) -> Vec<Msg> {
    let mut out: Vec<Msg> = Vec::new();
    for msg in msgs {
        match (out.last_mut(), msg) {
            (Some(Msg::Keys(keys)), Msg::Key(key)) => keys.push(key),
            (Some(last @ Msg::Key(_)), Msg::Key(key)) => {
                if let Msg::Key(first) = *last {
                    *last = Msg::Keys(vec![first, key]);
                }
            }
            (_, msg) => out.push(msg),
        }
    }
    out
}

/// Terminal event → message (key presses only; releases and repeats are ignored).
fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => Some(Msg::Key(key)),
        Event::Key(_) => None,
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// Run one effect; returns the message that reports how it went.
fn perform(effect: Effect) -> Option<Msg> {
    match effect {
        Effect::Quit | Effect::CountExact | Effect::RefreshModels => None,
        Effect::Save { path, workspace } => {
            let path = match path.or_else(draft_path) {
                Some(p) => p,
                None => {
                    return Some(Msg::Saved {
                        path: PathBuf::from("draft.budgie.json"),
                        result: Err("no data directory to keep the draft in".into()),
                    });
                }
            };
            let result = workspace::save(&workspace, &path, SaveOptions::default())
                .map_err(|e| e.to_string());
            if result.is_ok() {
                let _ = recent::push(&path);
            }
            Some(Msg::Saved { path, result })
        }
        Effect::Export { path, contents } => {
            let result =
                workspace::atomic::write(&path, contents.as_bytes()).map_err(|e| e.to_string());
            Some(Msg::Exported { path, result })
        }
        Effect::ReadAttachment { path, turn, model } => Some(Msg::AttachmentRead {
            turn,
            result: read_attachment(&path, &model).map(Box::new),
        }),
        Effect::ReadTool { path } => {
            let result = std::fs::read_to_string(&path).map_err(|e| e.to_string());
            Some(Msg::ToolRead { path, result })
        }
        Effect::Complete { input } => Some(Msg::Completions {
            options: complete(&input),
            input,
        }),
    }
}

/// Where unsaved work goes when there is no file: budgie's data directory.
/// What the workbench says when it opens on an autosaved draft.
pub const RESTORED_NOTE: &str =
    "restored the draft budgie autosaved before it ended without saving";

fn ago(then: SystemTime) -> String {
    let secs = SystemTime::now()
        .duration_since(then)
        .map_or(0, |d| d.as_secs());
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

pub fn draft_path() -> Option<PathBuf> {
    config::dirs().map(|d| d.data.join("draft.budgie.json"))
}

/// An image or PDF (checked by its bytes and against the model's limits) as a content block
/// that remembers its file.
pub fn read_attachment(path: &Path, model: &str) -> Result<ContentBlock, String> {
    intake::read_attachment(path, ModelLimits::for_model(model))
        .map(|attachment| attachment.to_block())
        .map_err(|e| e.to_string())
}

/// Paths starting with `input` ("~/" expanded); directories end in "/".
pub fn complete(input: &str) -> Vec<String> {
    let expanded = match (input.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => format!("{}/{rest}", home.to_string_lossy()),
        _ => input.to_string(),
    };
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("", expanded.as_str()),
    };
    let read_from = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(read_from) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            Some(format!("{dir}{name}{}", if is_dir { "/" } else { "" }))
        })
        .collect();
    out.sort();
    out.truncate(200);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attachment_that_is_not_what_its_name_says_is_refused_with_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("photo.png");
        std::fs::write(&path, b"plain text, not a PNG").expect("write");
        let e = read_attachment(&path, "claude-sonnet-4-5").expect_err("not an image");
        assert!(e.contains("photo.png"), "{e}");
    }

    #[test]
    fn completion_lists_matching_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("photo.png"), b"x").expect("write");
        std::fs::create_dir(dir.path().join("pics")).expect("mkdir");
        std::fs::write(dir.path().join("notes.txt"), b"x").expect("write");
        let base = format!("{}/p", dir.path().display());
        let got = complete(&base);
        assert_eq!(
            got,
            vec![
                format!("{}/photo.png", dir.path().display()),
                format!("{}/pics/", dir.path().display())
            ]
        );
    }
}
