//! Watching the files blocks are linked to: when one changes on disk (another editor, a
//! `git checkout`), its text is read and handed to the reducer (`Msg::LinkedFileChanged`),
//! which reloads it or, when the block has edits of its own, keeps them and says so.
//!
//! The folders holding the files are watched rather than the files: most editors save by
//! writing a new file and renaming it over the old one. Events are debounced (a save is
//! several events).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use tokio::sync::mpsc;

use crate::app::Msg;

/// How long a file must be quiet before it is read.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The linked files: absolute path → the file as the link names it.
type Watched = Arc<Mutex<BTreeMap<PathBuf, String>>>;

pub struct LinkWatcher {
    debouncer: Debouncer<RecommendedWatcher>,
    files: Watched,
    /// The folders watched.
    folders: Vec<PathBuf>,
}

impl LinkWatcher {
    /// A watcher that sends what changed to `out`; `None` when the system has none to give.
    pub fn new(out: mpsc::UnboundedSender<Msg>) -> Option<LinkWatcher> {
        let files: Watched = Arc::default();
        let watched = files.clone();
        let debouncer = new_debouncer(DEBOUNCE, move |result: DebounceEventResult| {
            let Ok(events) = result else { return };
            let files = watched
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let mut seen = Vec::new();
            for event in events {
                let Some(file) = files.get(&event.path) else {
                    continue;
                };
                if seen.contains(&event.path) {
                    continue;
                }
                seen.push(event.path.clone());
                let result = std::fs::read_to_string(&event.path).map_err(|e| e.to_string());
                // A closed channel means the app is quitting.
                let _ = out.send(Msg::LinkedFileChanged {
                    file: file.clone(),
                    result,
                });
            }
        })
        .ok()?;
        Some(LinkWatcher {
            debouncer,
            files,
            folders: Vec::new(),
        })
    }

    /// Watch these files (absolute path, the file as the link names it) and no others.
    pub fn watch(&mut self, files: BTreeMap<PathBuf, String>) {
        let mut folders: Vec<PathBuf> = files
            .keys()
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .collect();
        folders.sort();
        folders.dedup();
        *self.files.lock().unwrap_or_else(PoisonError::into_inner) = files;
        for old in &self.folders {
            if !folders.contains(old) {
                let _ = self.debouncer.watcher().unwatch(old);
            }
        }
        for new in &folders {
            if !self.folders.contains(new) {
                let _ = self
                    .debouncer
                    .watcher()
                    .watch(new, RecursiveMode::NonRecursive);
            }
        }
        self.folders = folders;
    }
}
