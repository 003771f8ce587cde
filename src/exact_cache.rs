//! Exact counts kept on disk for `budgie count`, keyed by `Request::content_hash()` (which
//! covers the model and the whole count body), so recounting unchanged content spends no
//! request. (The workbench's counting worker remembers its answers in memory, per session;
//! the offline count's cache of parsed attachments is `estimate::attachment_cache`.)
//!
//! On disk: `counts.jsonl` in the data dir, one `{"hash","model","tokens"}` object per line,
//! appended under an exclusive file lock and read under a shared one, so several budgie
//! processes can fill it at once. A line cut short by a crash is skipped when read, and the
//! next append starts on a fresh line.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub const CACHE_FILE: &str = "counts.jsonl";

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    hash: String,
    model: String,
    tokens: u64,
}

pub struct ExactCache {
    path: PathBuf,
    inner: Mutex<Loaded>,
}

#[derive(Default)]
struct Loaded {
    counts: HashMap<String, u64>,
    /// How far into the file we have read (other processes append after it).
    offset: u64,
}

impl ExactCache {
    /// Open (or create) the cache in `dir` and read what is already there.
    pub fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let path = dir.join(CACHE_FILE);
        OpenOptions::new().create(true).append(true).open(&path)?;
        let cache = ExactCache {
            path,
            inner: Mutex::new(Loaded::default()),
        };
        cache.refresh()?;
        Ok(cache)
    }

    /// The exact count recorded for this content hash, if any process has recorded one.
    pub fn get(&self, hash: &str) -> Option<u64> {
        if let Some(tokens) = self.lock().counts.get(hash) {
            return Some(*tokens);
        }
        // Another process may have counted it since we last looked.
        self.refresh().ok()?;
        self.lock().counts.get(hash).copied()
    }

    /// Record an exact count.
    pub fn put(&self, hash: &str, model: &str, tokens: u64) -> io::Result<()> {
        if self.lock().counts.get(hash) == Some(&tokens) {
            return Ok(());
        }
        let mut line = serde_json::to_vec(&Entry {
            hash: hash.to_string(),
            model: model.to_string(),
            tokens,
        })
        .map_err(io::Error::other)?;
        line.push(b'\n');
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)?;
        fs4::FileExt::lock(&file)?;
        let result = append_line(&mut file, &line);
        let _ = fs4::FileExt::unlock(&file);
        result?;
        self.lock().counts.insert(hash.to_string(), tokens);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.lock().counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Read whatever was appended since the last read.
    fn refresh(&self) -> io::Result<()> {
        let mut file = File::open(&self.path)?;
        fs4::FileExt::lock_shared(&file)?;
        let mut inner = self.lock();
        let read = (|| {
            file.seek(SeekFrom::Start(inner.offset))?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            Ok::<_, io::Error>(bytes)
        })();
        let _ = fs4::FileExt::unlock(&file);
        let bytes = read?;
        // Only whole lines: a line still being written (or cut by a crash) is left for later.
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        for line in bytes[..whole].split(|b| *b == b'\n') {
            if let Ok(entry) = serde_json::from_slice::<Entry>(line) {
                inner.counts.insert(entry.hash, entry.tokens);
            }
        }
        inner.offset += whole as u64;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Append one line; if the file ends without a newline (a writer died mid-line), end that
/// broken line first so it cannot swallow ours.
fn append_line(file: &mut File, line: &[u8]) -> io::Result<()> {
    let len = file.metadata()?.len();
    let mut buf = Vec::with_capacity(line.len() + 1);
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            buf.push(b'\n');
        }
    }
    buf.extend_from_slice(line);
    file.write_all(&buf)?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Request;

    #[test]
    fn a_count_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let request = Request::single_text("claude-sonnet-4-5", "Hello, Claude");
        let hash = request.content_hash();
        let cache = ExactCache::open(dir.path()).expect("open");
        assert_eq!(cache.get(&hash), None);
        cache.put(&hash, "claude-sonnet-4-5", 10).expect("put");
        drop(cache);
        let again = ExactCache::open(dir.path()).expect("reopen");
        assert_eq!(again.get(&hash), Some(10));
    }

    #[test]
    fn another_model_is_another_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ExactCache::open(dir.path()).expect("open");
        let a = Request::single_text("claude-sonnet-4-5", "same text").content_hash();
        let b = Request::single_text("claude-opus-4-7", "same text").content_hash();
        cache.put(&a, "claude-sonnet-4-5", 9).expect("put");
        assert_eq!(cache.get(&b), None);
    }

    #[test]
    fn two_handles_see_each_others_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = ExactCache::open(dir.path()).expect("open");
        let second = ExactCache::open(dir.path()).expect("open");
        first.put("aaa", "m", 1).expect("put");
        second.put("bbb", "m", 2).expect("put");
        assert_eq!(second.get("aaa"), Some(1));
        assert_eq!(first.get("bbb"), Some(2));
    }

    #[test]
    fn a_line_cut_by_a_crash_is_skipped_and_does_not_eat_the_next() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join(CACHE_FILE),
            "{\"hash\":\"good\",\"model\":\"m\",\"tokens\":5}\n{\"hash\":\"cut\",\"mod",
        )
        .expect("write");
        let cache = ExactCache::open(dir.path()).expect("open");
        assert_eq!(cache.get("good"), Some(5));
        assert_eq!(cache.get("cut"), None);
        cache.put("next", "m", 7).expect("put");
        let again = ExactCache::open(dir.path()).expect("reopen");
        assert_eq!(again.get("next"), Some(7));
        assert_eq!(again.get("good"), Some(5));
    }

    #[test]
    fn many_threads_appending_lose_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::thread::scope(|scope| {
            for t in 0..4 {
                let dir = dir.path();
                scope.spawn(move || {
                    let cache = ExactCache::open(dir).expect("open");
                    for i in 0..50u64 {
                        cache.put(&format!("{t}-{i}"), "m", i).expect("put");
                    }
                });
            }
        });
        let cache = ExactCache::open(dir.path()).expect("open");
        assert_eq!(cache.len(), 200);
        assert_eq!(cache.get("3-49"), Some(49));
    }
}
