//! Workspaces on disk: files, atomic saves under SIGKILL, recovery after a crash.

mod crash;
mod crash_recovery;
mod files;
mod links;
