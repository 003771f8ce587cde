//! Workspaces: the whole draft on disk, autosave, recovery. (Issue 6.)
