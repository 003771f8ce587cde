//! The list of recently opened workspaces, newest first, in `<data dir>/recent.json`.

use std::path::{Path, PathBuf};

use crate::atomic_file;

/// How many entries are kept.
pub const MAX_RECENT: usize = 20;

/// The list with `path` moved (or added) to the front, duplicates removed, capped.
pub fn pushed(list: &[PathBuf], path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::with_capacity(list.len() + 1);
    out.push(path.to_path_buf());
    out.extend(list.iter().filter(|p| p.as_path() != path).cloned());
    out.truncate(MAX_RECENT);
    out
}

fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("recent.json")
}

/// The recent list kept in `data_dir`; a missing or damaged file is an empty list.
pub fn list_in(data_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_to_string(file(data_dir))
        .ok()
        .and_then(|t| serde_json::from_str::<Vec<PathBuf>>(&t).ok())
        .unwrap_or_default()
}

/// Put `path` (made absolute) at the front of the list in `data_dir`.
pub fn push_in(data_dir: &Path, path: &Path) -> std::io::Result<()> {
    let path = std::path::absolute(path)?;
    let list = pushed(&list_in(data_dir), &path);
    std::fs::create_dir_all(data_dir)?;
    let text = serde_json::to_string_pretty(&list).map_err(std::io::Error::other)?;
    atomic_file::write(&file(data_dir), text.as_bytes())
}

/// The recent list in the default data dir.
pub fn list() -> Vec<PathBuf> {
    crate::config::dirs()
        .map(|d| list_in(&d.data))
        .unwrap_or_default()
}

/// Remember `path` in the default data dir.
pub fn push(path: &Path) -> std::io::Result<()> {
    match crate::config::dirs() {
        Some(d) => push_in(&d.data, path),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_without_duplicates() {
        let a = PathBuf::from("/a");
        let b = PathBuf::from("/b");
        let list = pushed(&pushed(&pushed(&[], &a), &b), &a);
        assert_eq!(list, vec![a, b]);
    }

    #[test]
    fn capped() {
        let mut list = Vec::new();
        for i in 0..30 {
            list = pushed(&list, &PathBuf::from(format!("/{i}")));
        }
        assert_eq!(list.len(), MAX_RECENT);
        assert_eq!(list[0], PathBuf::from("/29"));
    }
}
