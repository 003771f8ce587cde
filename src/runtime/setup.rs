//! Everything before the terminal is touched: what the workbench counts with (the API
//! client and the shared limiter, or the reason it is offline), the keymap, and the
//! workspace it opens on (a file, the last untitled draft, or the example; an autosaved
//! draft newer than any of them wins).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::time::Instant;

use crate::api::pacer::{Pacer, Unpaced};
use crate::api::{ApiError, Client, ErrorKind};
use crate::app::{self, Keymap, LimitStatus, Options};
use crate::cli::Cli;
use crate::config::{self, Resolved};
use crate::exact_counter::{self, CountFn, ListFn, StatusFn};
use crate::intake::{self, OpenOptions, Opened};
use crate::limiter::{LimiterStatus, RateLimiter};
use crate::workspace::recovery::RecoveryStore;
use crate::workspace::{Workspace, recent};

/// What the workbench counts with.
#[derive(Clone)]
pub struct Services {
    /// `Err`: offline only, for the reason given.
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
        let key = settings.api_key.as_ref().ok().and_then(Option::as_ref);
        // The side panel says when a shared limiter is lost: nothing goes to stderr under
        // the workbench's screen.
        let limiter = Arc::new(RateLimiter::from_settings(&settings.settings, key, false));
        let status: StatusFn = {
            let limiter = limiter.clone();
            Arc::new(move || limit_status(limiter.status()))
        };
        match Client::from_found_key(&settings.api_key) {
            Ok(client) => {
                let client = client.with_pacer(limiter);
                Services {
                    count: Ok(exact_counter::api::count_fn(client.clone())),
                    // The client asks the limiter before each attempt; the worker must not
                    // take a second slot for the same request.
                    pacer: Arc::new(Unpaced),
                    status: Some(status),
                    list_models: Some(exact_counter::api::list_fn(client)),
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
        rpm: Some(s.rpm),
        shared: s.shared,
    }
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
    let keymap = load_keymap(settings.keymap.as_deref(), &mut warnings);
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
        drift: config::dirs()
            .map(|d| crate::calibration::drift::summaries(&d.data))
            .unwrap_or_default(),
    };
    Ok((ws, options))
}

/// The default keymap with the user's file on top; what could not be used becomes a warning.
fn load_keymap(path: Option<&Path>, warnings: &mut Vec<String>) -> Keymap {
    let Some(path) = path else {
        return Keymap::default();
    };
    match std::fs::read_to_string(path) {
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
    }
}

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

/// Where unsaved work goes when there is no file: budgie's data directory.
pub fn draft_path() -> Option<PathBuf> {
    config::dirs().map(|d| d.data.join("draft.budgie.json"))
}
