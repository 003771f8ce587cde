//! Where the limiter's state lives: in memory (one process), or in a small file under an
//! exclusive lock (every budgie on the machine).
//!
//! The file is rewritten whole — to a temporary file, then renamed over the old one — so a
//! reader sees either the previous state or the next, never half of one. The lock is on a
//! separate file that is never replaced, and OS file locks are released when their process
//! dies, so a crash while holding it blocks nobody. OS file locks only exclude other open
//! files, not other threads using the same one, so a mutex keeps this process's threads in
//! line before they take the file lock. A state file that cannot be read or
//! parsed counts as a fresh state (the worst outcome is one interval without spacing).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::state::RateState;

pub const STATE_FILE: &str = "limiter.json";
pub const LOCK_FILE: &str = "limiter.lock";

pub enum Store {
    Memory(Mutex<RateState>),
    File(FileStore),
}

pub struct FileStore {
    dir: PathBuf,
    lock: File,
    /// Held around the file lock: threads of one process share `lock`'s open file, on which
    /// a second `flock` would not wait but succeed (or turn an exclusive lock shared).
    local: Mutex<()>,
    /// Used only if the file cannot be written (full disk, permissions): this process keeps
    /// pacing itself rather than stop.
    fallback: Mutex<RateState>,
}

impl Store {
    pub fn memory() -> Self {
        Store::Memory(Mutex::new(RateState::default()))
    }

    pub fn file(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join(LOCK_FILE))?;
        Ok(Store::File(FileStore {
            dir: dir.to_path_buf(),
            lock,
            local: Mutex::new(()),
            fallback: Mutex::new(RateState::default()),
        }))
    }

    /// Run `f` on the state, alone: no other thread or process changes it meanwhile.
    pub fn with<R>(&self, f: impl FnOnce(&mut RateState) -> R) -> R {
        match self {
            Store::Memory(state) => f(&mut lock_ignoring_poison(state)),
            Store::File(file) => file.with(f),
        }
    }

    /// Run `f` on a copy of the state; nothing it changes is kept.
    pub fn peek<R>(&self, f: impl FnOnce(&mut RateState) -> R) -> R {
        match self {
            Store::Memory(state) => f(&mut lock_ignoring_poison(state).clone()),
            Store::File(file) => file.peek(f),
        }
    }
}

impl FileStore {
    /// Read-only: for `status`, which the workbench may call every frame.
    fn peek<R>(&self, f: impl FnOnce(&mut RateState) -> R) -> R {
        let _in_process = lock_ignoring_poison(&self.local);
        if fs4::FileExt::lock_shared(&self.lock).is_err() {
            return f(&mut lock_ignoring_poison(&self.fallback).clone());
        }
        let mut state = self.read();
        let _ = fs4::FileExt::unlock(&self.lock);
        f(&mut state)
    }

    fn read(&self) -> RateState {
        fs::read(self.dir.join(STATE_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<RateState>(&bytes).ok())
            .unwrap_or_default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut RateState) -> R) -> R {
        let _in_process = lock_ignoring_poison(&self.local);
        if fs4::FileExt::lock(&self.lock).is_err() {
            return f(&mut lock_ignoring_poison(&self.fallback));
        }
        let path = self.dir.join(STATE_FILE);
        let mut state = self.read();
        let result = f(&mut state);
        let written = self.write(&path, &state);
        // Unlock errors are ignored: closing the file at exit releases it anyway.
        let _ = fs4::FileExt::unlock(&self.lock);
        if written.is_err() {
            *lock_ignoring_poison(&self.fallback) = state;
        }
        result
    }

    fn write(&self, path: &Path, state: &RateState) -> io::Result<()> {
        let tmp = self
            .dir
            .join(format!("{STATE_FILE}.{}.tmp", std::process::id()));
        let mut file = File::create(&tmp)?;
        file.write_all(&serde_json::to_vec(state).map_err(io::Error::other)?)?;
        drop(file);
        fs::rename(&tmp, path)
    }
}

fn lock_ignoring_poison<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_sharing_one_store_never_lose_a_reservation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::file(dir.path()).expect("store");
        let (threads, each, rpm) = (4u64, 25u64, 60);
        let interval = RateState::default().interval(0, rpm);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..each {
                        store.with(|s| s.reserve(0, rpm));
                    }
                });
            }
        });
        // Every reservation took its own slot: the next free one is that many intervals on.
        let next = store.peek(|s| s.reserve(0, rpm));
        assert_eq!(next, threads * each * interval);
    }
}
