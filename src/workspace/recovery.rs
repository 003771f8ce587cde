//! Recovery files: the autosaved draft, one per workspace (and one for untitled drafts), in
//! `<data dir>/recovery/`. On start, a recovery file newer than its workspace on disk means
//! budgie ended without saving (a panic, kill -9, a closed terminal): offer to restore it.
//! Recovery files always embed attachments, so they restore even if files moved.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::{Workspace, format};
use crate::atomic_file;

/// Marker and version of the recovery file format.
pub const MARKER: &str = "budgie_recovery";
pub const VERSION: u64 = 1;

/// A draft that can be restored.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// The recovery file.
    pub path: PathBuf,
    /// The workspace it is a draft of (None: an untitled draft).
    pub origin: Option<PathBuf>,
    pub saved_at: SystemTime,
    pub workspace: Workspace,
}

/// Where recovery files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryStore {
    pub dir: PathBuf,
}

impl RecoveryStore {
    pub fn new(data_dir: &Path) -> Self {
        RecoveryStore {
            dir: data_dir.join("recovery"),
        }
    }

    /// `<data dir>/recovery` from `config::dirs()` (BUDGIE_HOME aware).
    pub fn default_location() -> Option<Self> {
        crate::config::dirs().map(|d| Self::new(&d.data))
    }

    /// The recovery file for a workspace path (absolute, so the same file from two working
    /// directories is one draft) or for untitled drafts.
    pub fn file_for(&self, origin: Option<&Path>) -> PathBuf {
        let name = match origin {
            Some(p) => {
                let abs = absolute(p);
                let digest = crate::bytes::sha256_hex(abs.to_string_lossy().as_bytes());
                format!("{}.json", &digest[..16])
            }
            None => "untitled.json".into(),
        };
        self.dir.join(name)
    }

    /// Write the draft (atomically, attachments embedded, mode 0600 as drafts may be private).
    pub fn write(
        &self,
        workspace: &Workspace,
        origin: Option<&Path>,
        saved_at: SystemTime,
    ) -> std::io::Result<PathBuf> {
        create_private_dir(&self.dir)?;
        let mut map = Map::new();
        map.insert(MARKER.into(), Value::from(VERSION));
        map.insert(
            "origin".into(),
            origin.map_or(Value::Null, |p| {
                Value::from(absolute(p).to_string_lossy().into_owned())
            }),
        );
        let ms = saved_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        map.insert("saved_at_ms".into(), Value::from(ms));
        map.insert("workspace".into(), format::to_value(workspace));
        let text = serde_json::to_string(&Value::Object(map)).map_err(std::io::Error::other)?;
        let path = self.file_for(origin);
        atomic_file::write_with_mode(&path, text.as_bytes(), Some(0o600))?;
        Ok(path)
    }

    /// Read one recovery file; None if it is not one (or is damaged).
    pub fn read(&self, path: &Path) -> Option<Recovery> {
        let text = std::fs::read_to_string(path).ok()?;
        let value: Value = serde_json::from_str(&text).ok()?;
        if value.get(MARKER)?.as_u64()? != VERSION {
            return None;
        }
        let origin = value
            .get("origin")
            .and_then(Value::as_str)
            .map(PathBuf::from);
        let ms = value.get("saved_at_ms")?.as_u64()?;
        let Some(Value::Object(workspace)) = value.get("workspace") else {
            return None;
        };
        let workspace = format::decode_value(path, workspace.clone())
            .ok()?
            .workspace;
        Some(Recovery {
            path: path.to_path_buf(),
            origin,
            saved_at: UNIX_EPOCH + Duration::from_millis(ms),
            workspace,
        })
    }

    /// Every recovery newer than its workspace on disk, newest first.
    pub fn all_pending(&self) -> Vec<Recovery> {
        self.sweep_temporaries();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut found: Vec<Recovery> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter_map(|p| self.read(&p))
            .filter(is_newer_than_origin)
            .collect();
        found.sort_by_key(|r| std::cmp::Reverse(r.saved_at));
        found
    }

    /// Remove temporary files stranded by a write that was killed (older than ten minutes,
    /// so a write in progress in another budgie is never touched).
    fn sweep_temporaries(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let cutoff = SystemTime::now() - Duration::from_secs(600);
        for entry in entries.filter_map(Result::ok) {
            let stale = entry.file_name().to_string_lossy().contains(".tmp-")
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < cutoff);
            if stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The newest pending recovery, if any.
    pub fn pending(&self) -> Option<Recovery> {
        self.all_pending().into_iter().next()
    }

    /// The pending recovery for one workspace (or for untitled drafts).
    pub fn pending_for(&self, origin: Option<&Path>) -> Option<Recovery> {
        let recovery = self.read(&self.file_for(origin))?;
        is_newer_than_origin(&recovery).then_some(recovery)
    }

    /// Forget the recovery for `origin` (after a successful save, or a clean quit).
    pub fn clear(&self, origin: Option<&Path>) -> std::io::Result<()> {
        remove_if_exists(&self.file_for(origin))
    }
}

/// A recovery is worth offering when its workspace file is missing or older than it.
fn is_newer_than_origin(recovery: &Recovery) -> bool {
    let Some(origin) = &recovery.origin else {
        return true;
    };
    match std::fs::metadata(origin).and_then(|m| m.modified()) {
        Ok(modified) => recovery.saved_at > modified,
        Err(_) => true,
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn remove_if_exists(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// The newest pending recovery in the default data dir.
pub fn pending() -> Option<Recovery> {
    RecoveryStore::default_location()?.pending()
}

/// Delete a recovery (the user chose not to restore it, or restored and saved it).
pub fn discard(recovery: &Recovery) -> std::io::Result<()> {
    remove_if_exists(&recovery.path)
}
