//! Why a workspace could not be read or saved. Reading a workspace file refuses a newer
//! format or a damaged field rather than guess; saving never replaces a file budgie cannot
//! read back.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("{path}: written by a newer budgie (workspace format {version}; this budgie reads format {supported}); upgrade budgie, or open it read-only", path = .path.display(), supported = super::FORMAT_VERSION)]
    NewerFormat { path: PathBuf, version: u64 },
    #[error("{path}: corrupt workspace: {field}: {message}; it was left untouched — open it read-only or start fresh", path = .path.display())]
    Corrupt {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("{path}: cannot save ({source}); the draft is still open and in the recovery file — try saving under another name", path = .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not saving over it: {reason}; save under another name", path = .path.display())]
    Refused { path: PathBuf, reason: String },
}

impl WorkspaceError {
    /// The file the problem is in.
    pub fn path(&self) -> &Path {
        match self {
            WorkspaceError::NewerFormat { path, .. }
            | WorkspaceError::Corrupt { path, .. }
            | WorkspaceError::Write { path, .. }
            | WorkspaceError::Refused { path, .. } => path,
        }
    }

    /// The file could still be shown read-only (a newer or partly corrupt workspace).
    pub fn can_open_read_only(&self) -> bool {
        matches!(
            self,
            WorkspaceError::NewerFormat { .. } | WorkspaceError::Corrupt { .. }
        )
    }
}
