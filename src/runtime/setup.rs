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
use crate::app::{self, Keymap, LimitStatus, Loaded, Options};
use crate::cli::Cli;
use crate::config::{self, Resolved};
use crate::exact_counter::{self, CountFn, ListFn, StatusFn};
use crate::intake::{self, OpenOptions, SourceKind};
use crate::limiter::{LimiterStatus, RateLimiter};
use crate::request::Request;
use crate::workspace::recovery::RecoveryStore;
use crate::workspace::{EXTENSION, Workspace, recent};

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

/// Open `file` for the workbench: a workspace, a request, a messages.create body or a log.
/// A `*.budgie.json` that does not exist yet is a new, empty workspace there (written on
/// the first save). A newer or corrupt workspace is refused with the reason and how to go
/// on: it is never written to. When budgie ended without saving this file last time, its
/// autosaved draft is what opens (and says so).
pub fn load(file: &Path, read_only: bool, model: Option<&str>) -> anyhow::Result<Loaded> {
    if let Some(loaded) = new_workspace(file, read_only, model)? {
        return Ok(restore(loaded));
    }
    let options = OpenOptions {
        read_only,
        model,
        endpoint: None,
    };
    let opened = intake::open_with(&file.to_string_lossy(), options).map_err(|e| {
        if e.can_open_read_only() {
            anyhow::anyhow!(
                "{e}\nbudgie leaves the file as it is. To look at it: budgie --read-only {file}; \
                 to start fresh: budgie",
                file = file.display()
            )
        } else {
            anyhow::anyhow!("{e}")
        }
    })?;
    let mut warnings = opened.warnings.clone();
    // What the API would refuse, named: the file opens all the same (nothing typed is
    // lost), and the exact count says so again before any request is spent.
    warnings.extend(opened.problem_lines());
    // An imported request is saved as a workspace beside it, never over it without asking.
    let path = opened.save_path();
    let overwrite_ok = opened.kind == SourceKind::Workspace && !opened.read_only;
    Ok(restore(Loaded {
        workspace: opened.workspace,
        path,
        source: Some(file.to_path_buf()),
        overwrite_ok,
        read_only: opened.read_only,
        restored: false,
        warnings,
    }))
}

/// A `*.budgie.json` path with nothing there (in a folder that exists): a new workspace.
fn new_workspace(
    file: &Path,
    read_only: bool,
    model: Option<&str>,
) -> anyhow::Result<Option<Loaded>> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    if file.exists() || file.is_symlink() || file.as_os_str() == "-" {
        return Ok(None);
    }
    let is_workspace_name = name.as_deref().is_some_and(|n| n.ends_with(EXTENSION));
    if !is_workspace_name {
        anyhow::bail!(
            "{}: no such file; check the path, or give a name ending in {EXTENSION} to start a \
             new workspace there",
            file.display()
        );
    }
    if read_only {
        anyhow::bail!("{}: no such file to open read-only", file.display());
    }
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        anyhow::bail!(
            "{}: the folder {} does not exist; create it first",
            file.display(),
            parent.display()
        );
    }
    let model = model.unwrap_or(config::DEFAULT_MODEL);
    Ok(Some(Loaded {
        workspace: Workspace::from_request(Request::single_text(model, "")),
        path: Some(file.to_path_buf()),
        source: Some(file.to_path_buf()),
        overwrite_ok: false,
        read_only: false,
        restored: false,
        warnings: vec![format!(
            "new workspace {}: it is written when you save",
            file.display()
        )],
    }))
}

/// The file's autosaved draft, when budgie ended without saving it (a crash, kill -9, a
/// closed terminal): newer than the file, so it is what the user was looking at.
fn restore(mut loaded: Loaded) -> Loaded {
    let origin = loaded.path.clone().or_else(|| loaded.source.clone());
    if let Some(recovery) =
        RecoveryStore::default_location().and_then(|store| store.pending_for(origin.as_deref()))
    {
        loaded.workspace = recovery.workspace;
        loaded.restored = true;
        loaded.warnings.push(format!(
            "{RESTORED_NOTE} (autosaved {} ago); Ctrl-S saves it",
            ago(recovery.saved_at)
        ));
    }
    loaded
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
    let model_flag = resolved.model_flag.as_deref();
    let mut loaded = match &cli.file {
        Some(file) => {
            // The workbench keeps absolute paths (the recent list, the recovery file's name).
            let file = &std::path::absolute(file).unwrap_or_else(|_| file.clone());
            let loaded = load(file, cli.read_only, model_flag)?;
            if file.exists() {
                let _ = recent::push(file);
            }
            loaded
        }
        // The last untitled draft (saved to budgie's drafts folder), else the example.
        None => match last_draft().map(|p| load(&p, cli.read_only, None)) {
            Some(Ok(loaded)) => loaded,
            _ => restore(Loaded {
                workspace: app::example::example(),
                path: None,
                source: None,
                overwrite_ok: false,
                read_only: cli.read_only,
                restored: false,
                warnings: Vec::new(),
            }),
        },
    };
    warnings.append(&mut loaded.warnings);
    let mut ws = loaded.workspace;
    if let Some(model) = model_flag {
        ws.request.model = model.to_string();
    } else if cli.file.is_none() && loaded.path.is_none() && settings.model != config::DEFAULT_MODEL
    {
        ws.request.model = settings.model.clone();
    }
    let options = Options {
        path: loaded.path,
        source: loaded.source,
        overwrite_ok: loaded.overwrite_ok,
        read_only: loaded.read_only,
        restored: loaded.restored,
        draft_path: new_draft_path(),
        recent: recent::list(),
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

/// Where untitled drafts are kept, each in a file of its own: budgie's data dir.
pub fn drafts_dir() -> Option<PathBuf> {
    config::dirs().map(|d| d.data.join("drafts"))
}

/// A new file name for an untitled draft: `drafts/draft-YYYYMMDD-HHMMSS.budgie.json` (UTC),
/// with `-2`, `-3`… when that one is taken.
fn new_draft_path() -> Option<PathBuf> {
    let dir = drafts_dir()?;
    let t = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    (1..1000)
        .map(|n| match n {
            1 => dir.join(format!("draft-{stamp}{EXTENSION}")),
            n => dir.join(format!("draft-{stamp}-{n}{EXTENSION}")),
        })
        .find(|p| !p.exists())
}

/// The most recently saved untitled draft: the newest file in the drafts folder (or the
/// one draft file budgie kept before drafts had a file each).
pub fn last_draft() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = drafts_dir()
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(EXTENSION))
        .collect();
    candidates.extend(config::dirs().map(|d| d.data.join("draft.budgie.json")));
    candidates
        .into_iter()
        .filter_map(|p| {
            let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok()?;
            Some((modified, p))
        })
        .max()
        .map(|(_, p)| p)
}
