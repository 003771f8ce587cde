//! The one loop that owns the terminal and runs effects.
//!
//! [`Runtime`] waits on everything at once — terminal events (keys, pastes, mouse, resizes),
//! messages from the counting worker, blocking jobs finishing, a clock — then `dispatch`es
//! everything already pending to the reducer, keeps the recovery file up to date
//! (`autosave`), and draws at most once (`draw_if_due`), no more often than every [`FRAME`]:
//! a 10,000-character paste costs one frame. Work that blocks (saving, reading and parsing
//! attachments, listing directories, writing the recovery file) runs off the loop with
//! `spawn_blocking` and replies with a `Msg`.
//!
//! - `setup`: what the workbench counts with, and the workspace it opens on
//! - `terminal`: terminal events from a reader thread, in batches
//! - `effects`: the blocking work, one function per effect
//! - `watch`: the files blocks are linked to, watched for changes on disk
//! - `external_editor`: the user's own editor run on a block or a tool (the loop hands it
//!   the terminal: the reader stopped, the terminal restored, then taken back)

mod effects;
mod external_editor;
mod setup;
mod terminal;
mod watch;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, Interval, sleep_until};

use crate::app::{self, EditTarget, Effect, Model, Msg};
use crate::cli::Cli;
use crate::config::Resolved;
use crate::exact_counter::{self, Job};
use crate::tui::Guard;
use crate::workspace::Workspace;
use crate::workspace::autosave::Autosaver;
use crate::workspace::recovery::RecoveryStore;
pub use effects::read_attachment;
pub use setup::RESTORED_NOTE;
use setup::{Services, prepare};
use terminal::{Batches, Incoming, ReaderControl};

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(16);

/// How often the clock ticks (ages, countdowns, the limiter's status).
const TICK: Duration = Duration::from_millis(500);

/// Open the workbench.
pub fn run(cli: &Cli, settings: Resolved) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let services = Services::from_settings(&settings);
    runtime.block_on(async move {
        let offline_reason = services.count.as_ref().err().cloned();
        let (ws, options) = prepare(cli, settings, offline_reason)?;
        let model = Model::new(ws, options, Instant::now().into_std());
        let mut guard = Guard::enter().context("cannot set up the terminal")?;
        let size = guard
            .terminal
            .size()
            .context("cannot read the terminal size")?;
        let mut runtime = Runtime::new(model, services);
        runtime.queue(Msg::Resize(size.width, size.height));
        runtime.run(&mut guard).await
    })
}

/// What a job off the loop comes back with.
enum Done {
    /// A reply for the reducer.
    Msg(Msg),
    /// The recovery file was written (or not) with the draft at `revision`.
    Autosaved { revision: u64, ok: bool },
    /// The recovery file was removed.
    Cleared,
    /// A job with nothing to report.
    Quiet,
}

/// Why the loop ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quitting {
    /// The user quit, with nothing unsaved or after choosing to discard it: nothing is left
    /// to recover.
    Chosen,
    /// The terminal went away: whatever is unsaved stays in the recovery file.
    TerminalGone,
}

/// The loop's state: the model, the channels and tasks it waits on, and the bookkeeping of
/// drawing and autosaving.
struct Runtime {
    model: Model,
    services: Services,
    /// Messages from the counting worker and the cost views' counts.
    rx: mpsc::UnboundedReceiver<Msg>,
    /// Where the cost views' counts send their answers (`rx` receives them).
    tx: mpsc::UnboundedSender<Msg>,
    /// The cost views' exact counts in progress (stopped on quitting: they may wait minutes
    /// for the rate limit, and nothing is lost without them).
    cost_counts: Vec<JoinHandle<()>>,
    /// The exact attribution under way (`B`), stopped by `B` again or on quitting.
    attribution: Option<JoinHandle<()>>,
    /// Exact counts on disk, shared with `budgie count`: an attribution asks nothing twice.
    exact_cache: Option<Arc<crate::exact_cache::ExactCache>>,
    worker: Option<(exact_counter::Handle, JoinHandle<()>)>,
    /// Jobs off the loop: blocking work and the model list. Awaited before quitting.
    jobs: JoinSet<Done>,
    pending: VecDeque<Incoming>,
    /// The content changed: hand it to the counting worker after this dispatch.
    count_wanted: bool,
    /// Count without the pause and not from what was counted before (the recount key).
    count_fresh: bool,
    quitting: Option<Quitting>,
    dirty: bool,
    last_draw: Option<Instant>,
    recovery: Recovery,
    /// The user's editor is to run on this once the pending messages are applied.
    hand_over: Option<HandOver>,
    /// Watches the files blocks are linked to (none when the system offers no watcher).
    watcher: Option<watch::LinkWatcher>,
    /// The change count and the workspace's path the watched files were taken from.
    watching: Option<(u64, Option<PathBuf>)>,
}

/// What the user's editor opens (`Effect::EditExternally`).
struct HandOver {
    target: EditTarget,
    text: String,
    stem: String,
    extension: &'static str,
}

/// The recovery file of the draft: written a moment after each edit, removed once the
/// draft is saved. One write or removal at a time, so a late write never follows a removal.
struct Recovery {
    store: Option<RecoveryStore>,
    /// The file the draft belongs to (None: an untitled draft): follows the workspace when
    /// it is saved under another name or another file is opened.
    origin: Option<PathBuf>,
    autosaver: Autosaver,
    /// The model's change count the autosaver last heard of.
    seen_changes: u64,
    busy: bool,
    /// This session wrote a recovery file that is still there.
    written: bool,
}

impl Runtime {
    fn new(model: Model, services: Services) -> Runtime {
        let (tx, rx) = mpsc::unbounded_channel();
        let to_loop = tx.clone();
        let worker = services.count.as_ref().ok().map(|count| {
            exact_counter::spawn(
                exact_counter::Worker {
                    count: count.clone(),
                    pacer: services.pacer.clone(),
                    status: services.status.clone(),
                    debounce: Duration::from_millis(model.settings.debounce_ms),
                },
                tx,
            )
        });
        let mut autosaver = Autosaver::from_millis(model.settings.autosave_ms);
        if model.unsaved {
            // Opened on a restored draft: it is in the recovery file already, and stays
            // there until it is saved or discarded.
            autosaver.edited(std::time::Instant::now());
            autosaver.saved_elsewhere(autosaver.revision());
        }
        let recovery = Recovery {
            store: RecoveryStore::default_location(),
            origin: recovery_origin(&model),
            autosaver,
            seen_changes: model.changes,
            busy: false,
            written: model.unsaved,
        };
        Runtime {
            count_wanted: worker.is_some(),
            count_fresh: false,
            model,
            services,
            rx,
            tx: to_loop,
            cost_counts: Vec::new(),
            attribution: None,
            exact_cache: crate::config::dirs()
                .and_then(|d| crate::exact_cache::ExactCache::open(&d.data).ok())
                .map(Arc::new),
            worker,
            jobs: JoinSet::new(),
            pending: VecDeque::new(),
            quitting: None,
            dirty: true,
            last_draw: None,
            recovery,
            hand_over: None,
            watcher: None,
            watching: None,
        }
    }

    fn queue(&mut self, msg: Msg) {
        self.pending.push_back(Incoming::Msg(msg));
    }

    /// Run until the user quits (after every job has finished) or the terminal fails.
    async fn run(&mut self, guard: &mut Guard) -> anyhow::Result<()> {
        let (mut events, reader) = terminal::spawn_reader();
        let mut tick = tokio::time::interval(TICK);
        self.watcher = watch::LinkWatcher::new(self.tx.clone());
        loop {
            self.dispatch();
            self.autosave();
            self.watch_linked_files();
            if let Some(why) = self.quitting {
                return self.finish(why).await;
            }
            if let Some(job) = self.hand_over.take() {
                self.edit_externally(guard, &reader, job).await?;
                continue;
            }
            self.draw_if_due(guard)?;
            self.wait(&mut events, &mut tick).await?;
        }
    }

    /// Keep the watcher on the files the workspace's blocks are linked to (relative to the
    /// workspace's folder), looked at again whenever the workspace changes.
    fn watch_linked_files(&mut self) {
        let now = (self.model.changes, self.model.path.clone());
        if self.watching.as_ref() == Some(&now) {
            return;
        }
        let Some(watcher) = &mut self.watcher else {
            return;
        };
        let base = self
            .model
            .path
            .as_deref()
            .and_then(std::path::Path::parent)
            .map(std::path::Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let files = crate::workspace::links::files(&self.model.ws.request)
            .into_iter()
            .map(|file| {
                let path = crate::workspace::links::path_of(&base, &file);
                (std::path::absolute(&path).unwrap_or(path), file)
            })
            .collect();
        watcher.watch(files);
        self.watching = Some(now);
    }

    /// Run the user's editor on `job` in the terminal: the reader stops (no key meant for
    /// the editor reaches budgie), the terminal goes back to how it was before budgie, and
    /// after the editor exits budgie takes it back and repaints. What the editor left comes
    /// back as `Msg::EditedExternally`.
    async fn edit_externally(
        &mut self,
        guard: &mut Guard,
        reader: &ReaderControl,
        job: HandOver,
    ) -> anyhow::Result<()> {
        let stopping = reader.clone();
        let _ = tokio::task::spawn_blocking(move || stopping.stop()).await;
        guard.suspend();
        let editor = external_editor::editor_command();
        let result = external_editor::edit(&editor, &job.text, &job.stem, job.extension).await;
        guard
            .resume()
            .context("cannot take the terminal back after the editor")?;
        reader.resume();
        let size = guard
            .terminal
            .size()
            .context("cannot read the terminal size")?;
        self.queue(Msg::Resize(size.width, size.height));
        self.queue(Msg::EditedExternally {
            target: job.target,
            original: job.text,
            result,
        });
        self.dirty = true;
        Ok(())
    }

    /// Apply everything pending to the model and carry out what it asks.
    fn dispatch(&mut self) {
        while let Some(incoming) = self.pending.pop_front() {
            let msg = match incoming {
                Incoming::Msg(msg) => msg,
                // What a click lands on, against the layout as it is now.
                Incoming::Mouse(mouse) => match crate::ui::layout::pointer(&self.model, mouse) {
                    Some(pointer) => Msg::Pointer(pointer),
                    None => continue,
                },
            };
            self.dirty = true;
            for effect in app::update(&mut self.model, msg) {
                self.perform(effect);
            }
        }
        let fresh = std::mem::take(&mut self.count_fresh);
        if std::mem::take(&mut self.count_wanted)
            && let Some((handle, _)) = &self.worker
        {
            handle.submit(Job {
                revision: self.model.revision,
                request: Arc::new(self.model.ws.to_request()),
                fresh,
            });
        }
    }

    /// One effect: the loop's own (quit, count, list models), or a job off the loop.
    fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::Quit => self.quitting = Some(Quitting::Chosen),
            Effect::CountExact => self.count_wanted = true,
            Effect::Recount => {
                self.count_wanted = true;
                self.count_fresh = true;
            }
            Effect::RefreshModels => match &self.services.list_models {
                Some(list) => {
                    let list = list.clone();
                    self.jobs
                        .spawn(async move { Done::Msg(Msg::Models(list().await)) });
                }
                None => self.queue(Msg::Models(Err("no API key".into()))),
            },
            Effect::Save {
                path,
                workspace,
                replace,
                replace_links,
                changes,
            } => {
                self.blocking(move || {
                    Done::Msg(effects::save(
                        path,
                        *workspace,
                        replace,
                        replace_links,
                        changes,
                    ))
                });
            }
            Effect::Open { path } => self.blocking(move || Done::Msg(effects::open(path))),
            Effect::Export { path, contents } => {
                self.blocking(move || Done::Msg(effects::export(path, &contents)));
            }
            Effect::ReadAttachment {
                path,
                turn,
                replace,
                model,
            } => self.blocking(move || {
                Done::Msg(Msg::AttachmentRead {
                    turn,
                    replace,
                    result: read_attachment(&path, &model).map(Box::new),
                })
            }),
            Effect::ReadTool { path } => self.blocking(move || Done::Msg(effects::read_tool(path))),
            Effect::RecordDrift {
                request,
                offline,
                exact,
            } => {
                if let Some(dirs) = crate::config::dirs() {
                    self.blocking(move || {
                        effects::record_drift(&dirs.data, &request, offline, exact)
                            .map_or(Done::Quiet, Done::Msg)
                    });
                }
            }
            Effect::CountForCosts(jobs) => match self.services.count.clone() {
                Ok(count) => {
                    self.cost_counts.retain(|job| !job.is_finished());
                    let job = effects::count_for_costs(count, jobs, self.tx.clone());
                    self.cost_counts.push(tokio::spawn(job));
                }
                Err(reason) => {
                    for (hash, _) in jobs {
                        self.queue(Msg::CostCounted {
                            hash,
                            result: Err(reason.clone()),
                        });
                    }
                }
            },
            Effect::Attribute { revision, request } => {
                if let Some(job) = self.attribution.take() {
                    job.abort();
                }
                match self.services.count.clone() {
                    Ok(count) => {
                        let job = effects::attribute(
                            count,
                            self.exact_cache.clone(),
                            revision,
                            *request,
                            self.tx.clone(),
                        );
                        self.attribution = Some(tokio::spawn(job));
                    }
                    Err(message) => {
                        self.queue(Msg::Attribution(crate::app::AttributionEvent::Failed {
                            revision,
                            message,
                        }))
                    }
                }
            }
            Effect::CancelAttribution => {
                if let Some(job) = self.attribution.take() {
                    job.abort();
                }
            }
            Effect::EditExternally {
                target,
                text,
                stem,
                extension,
            } => {
                self.hand_over = Some(HandOver {
                    target,
                    text,
                    stem,
                    extension,
                });
            }
            Effect::Complete { input } => self.blocking(move || {
                Done::Msg(Msg::Completions {
                    options: effects::complete(&input),
                    input,
                })
            }),
        }
    }

    fn blocking(&mut self, job: impl FnOnce() -> Done + Send + 'static) {
        self.jobs.spawn_blocking(job);
    }

    /// Within `autosave_ms` of an edit the draft is in the recovery file; once the draft is
    /// saved (or its changes discarded), the recovery file goes.
    fn autosave(&mut self) {
        let now = Instant::now().into_std();
        let r = &mut self.recovery;
        if self.model.changes != r.seen_changes {
            r.seen_changes = self.model.changes;
            r.autosaver.edited(now);
        }
        let Some(store) = r.store.clone() else {
            return;
        };
        if r.busy {
            return;
        }
        let origin = recovery_origin(&self.model);
        if origin != r.origin {
            // Saved under another name, or another file opened (after the old one was saved
            // or its changes discarded): the old recovery file has nothing left to recover.
            let old = std::mem::replace(&mut r.origin, origin);
            if std::mem::take(&mut r.written) {
                r.busy = true;
                self.blocking(move || {
                    let _ = store.clear(old.as_deref());
                    Done::Cleared
                });
                return;
            }
        }
        if !self.model.unsaved && (r.autosaver.is_dirty() || r.written) {
            // Saved: nothing left to recover.
            r.autosaver.saved_elsewhere(r.autosaver.revision());
            r.busy = true;
            r.written = false;
            let origin = r.origin.clone();
            self.blocking(move || {
                let _ = store.clear(origin.as_deref());
                Done::Cleared
            });
        } else if self.model.unsaved && r.autosaver.due(now) {
            let revision = r.autosaver.start();
            r.busy = true;
            let origin = r.origin.clone();
            let workspace: Workspace = self.model.ws.clone();
            self.blocking(move || {
                let ok = store
                    .write(&workspace, origin.as_deref(), SystemTime::now())
                    .is_ok();
                Done::Autosaved { revision, ok }
            });
        }
    }

    fn done(&mut self, done: Done) {
        match done {
            Done::Msg(msg) => self.queue(msg),
            Done::Autosaved { revision, ok } => {
                let r = &mut self.recovery;
                r.busy = false;
                r.written |= ok;
                r.autosaver
                    .finished(revision, ok, Instant::now().into_std());
            }
            Done::Cleared => self.recovery.busy = false,
            Done::Quiet => {}
        }
    }

    /// Draw if something changed and the last frame is at least [`FRAME`] old.
    fn draw_if_due(&mut self, guard: &mut Guard) -> anyhow::Result<()> {
        let now = Instant::now();
        if self.dirty
            && self
                .last_draw
                .is_none_or(|t| now.duration_since(t) >= FRAME)
        {
            guard
                .terminal
                .draw(|frame| crate::ui::view(&self.model, frame))
                .context("cannot draw")?;
            self.last_draw = Some(now);
            self.dirty = false;
        }
        Ok(())
    }

    /// Sleep until something happens, then take in everything already waiting, so one frame
    /// covers it all.
    async fn wait(&mut self, events: &mut Batches, tick: &mut Interval) -> anyhow::Result<()> {
        let now = Instant::now();
        let next_frame = self.last_draw.map_or(now, |t| t + FRAME);
        let autosave_at = self.recovery.autosaver.deadline().map(Instant::from_std);
        let worker_task = async {
            match &mut self.worker {
                Some((_, task)) => task.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            batch = events.recv() => match batch {
                Some(Ok(batch)) => self.pending.extend(terminal::incoming(batch)),
                Some(Err(e)) => return Err(e).context("cannot read the terminal"),
                None => self.quitting = Some(Quitting::TerminalGone),
            },
            Some(msg) = self.rx.recv() => self.pending.push_back(Incoming::Msg(msg)),
            Some(joined) = self.jobs.join_next() => match joined {
                Ok(done) => self.done(done),
                // A panic in a job or the worker ends the app (after the terminal is
                // restored), instead of leaving a workbench that silently stopped working.
                Err(e) if e.is_panic() => anyhow::bail!("a background task crashed; see the message above"),
                Err(_) => {}
            },
            ended = worker_task => {
                if ended.is_err_and(|e| e.is_panic()) {
                    anyhow::bail!("the counting worker crashed; see the message above");
                }
                self.worker = None;
            }
            _ = tick.tick() => {
                self.queue(Msg::Tick(Instant::now().into_std()));
                if let Some(status) = &self.services.status {
                    let status = status();
                    self.queue(Msg::Limit(status));
                }
            }
            _ = sleep_until(next_frame), if self.dirty => {}
            _ = sleep_until(autosave_at.unwrap_or(now)), if autosave_at.is_some() => {}
        }
        while let Ok(batch) = events.try_recv() {
            match batch {
                Ok(batch) => self.pending.extend(terminal::incoming(batch)),
                Err(e) => return Err(e).context("cannot read the terminal"),
            }
        }
        while let Ok(msg) = self.rx.try_recv() {
            self.pending.push_back(Incoming::Msg(msg));
        }
        Ok(())
    }

    /// Quitting: let every job finish (a save, a recovery write) and apply what they
    /// report. A quit the user chose leaves nothing to recover; when the terminal went away,
    /// unsaved work goes to the recovery file first.
    async fn finish(&mut self, why: Quitting) -> anyhow::Result<()> {
        for job in self.cost_counts.drain(..) {
            job.abort();
        }
        if let Some(job) = self.attribution.take() {
            job.abort();
        }
        while let Some(joined) = self.jobs.join_next().await {
            if let Ok(done) = joined {
                self.done(done);
            }
            self.dispatch();
        }
        let Some(store) = self.recovery.store.clone() else {
            return Ok(());
        };
        let origin = recovery_origin(&self.model);
        let unsaved = self.model.unsaved;
        let workspace = self.model.ws.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if why == Quitting::TerminalGone && unsaved {
                store.write(&workspace, origin.as_deref(), SystemTime::now())?;
                Ok(())
            } else {
                store.clear(origin.as_deref())
            }
        })
        .await;
        Ok(())
    }
}

/// The recovery file of a workspace is named after where it is saved (or, read-only, the
/// file it came from); untitled drafts share one.
fn recovery_origin(model: &Model) -> Option<PathBuf> {
    model.path.clone().or_else(|| model.source.clone())
}
