//! The blocking work the reducer asks for (file writes and reads, PDF parsing, directory
//! listings). Each runs off the loop (`spawn_blocking`) and replies with the `Msg` that says
//! how it went.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

use crate::app::{Msg, SaveFailure};
use crate::calibration::drift;
use crate::exact_counter::CountFn;
use crate::intake;
use crate::request::limits::ModelLimits;
use crate::request::{ContentBlock, Request};
use crate::workspace::{self, SaveOptions, Workspace, recent};

/// Count each request exactly for the cost views, one after another (the client waits for
/// the limiter before each), answering each on `out`. A request the API would refuse is not
/// sent; the problem is the answer.
pub async fn count_for_costs(
    count: CountFn,
    jobs: Vec<(String, Request)>,
    out: mpsc::UnboundedSender<Msg>,
) {
    for (hash, request) in jobs {
        let problems = crate::request::validate::validate(&request);
        let result = match problems.first() {
            Some(problem) => Err(format!("not sent, the API would refuse it: {problem}")),
            None => count(request.count_body())
                .await
                .map_err(|f| f.message().to_string()),
        };
        // A closed channel means the app is quitting.
        if out.send(Msg::CostCounted { hash, result }).is_err() {
            return;
        }
    }
}

/// Attribute `request` exactly (`attribution::exact`): the total first, then the request
/// without each section, one at a time through `count` (which waits for the limiter). A body
/// counted before, in this session or another, is answered from `cache` and not sent again;
/// what is sent is recorded there. Progress and the result go out on `out`.
pub async fn attribute(
    count: CountFn,
    cache: Option<std::sync::Arc<crate::exact_cache::ExactCache>>,
    revision: u64,
    request: Request,
    out: mpsc::UnboundedSender<Msg>,
) {
    use crate::app::AttributionEvent;
    let estimate = crate::estimate::estimate(&request);
    let counted = crate::attribution::exact(
        &request,
        &estimate,
        |r: Request| {
            let count = count.clone();
            let cache = cache.clone();
            async move {
                if let Some(problem) = crate::request::validate::validate(&r).first() {
                    return Err(format!("not sent, the API would refuse it: {problem}"));
                }
                let hash = r.content_hash();
                if let Some(tokens) = cache.as_ref().and_then(|c| c.get(&hash)) {
                    return Ok(tokens);
                }
                let tokens = count(r.count_body())
                    .await
                    .map_err(|f| f.message().to_string())?;
                if let Some(cache) = &cache {
                    // A cache that cannot be written costs a request next time, nothing more.
                    let _ = cache.put(&hash, &r.model, tokens);
                }
                Ok(tokens)
            }
        },
        |p| {
            let _ = out.send(Msg::Attribution(AttributionEvent::Progress {
                revision,
                done: p.done,
                of: p.of,
            }));
        },
    )
    .await;
    let event = match counted {
        Ok((total, shares)) => AttributionEvent::Done {
            revision,
            total,
            shares,
        },
        Err(message) => AttributionEvent::Failed { revision, message },
    };
    // A closed channel means the app is quitting.
    let _ = out.send(Msg::Attribution(event));
}

/// Write the workspace to `path` (through a symbolic link, to the file it points at), and
/// the texts of linked blocks to their files first. Without `replace`, a file already there
/// is left alone: the answer says it exists, so the user can be asked; without
/// `replace_links`, so is a linked file that changed on disk since it was read. budgie's own
/// drafts folder is made when missing.
pub fn save(
    path: PathBuf,
    mut workspace: Workspace,
    replace: bool,
    replace_links: bool,
    changes: u64,
) -> Msg {
    // The workbench keeps absolute paths: the same file is the same path, wherever typed.
    let path = std::path::absolute(&path).unwrap_or(path);
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let result = if !replace && path.exists() {
        Err(SaveFailure::Exists)
    } else {
        if let Some(drafts) = super::setup::drafts_dir()
            && path.parent() == Some(drafts.as_path())
        {
            let _ = std::fs::create_dir_all(&drafts);
        }
        match workspace::links::write_back(&mut workspace, &base, replace_links) {
            Err((file, e)) => Err(SaveFailure::Failed(format!(
                "cannot write the linked file {file} ({e})"
            ))),
            Ok(Err(conflict)) => Err(SaveFailure::LinkedChanged(conflict.files)),
            Ok(Ok(_)) => workspace::save(&workspace, &path, SaveOptions::default())
                .map_err(|e| SaveFailure::Failed(e.to_string())),
        }
    };
    if result.is_ok() {
        let _ = recent::push(&path);
    }
    Msg::Saved {
        path,
        changes,
        result,
        linked: workspace::links::hashes(&workspace),
    }
}

/// Read `path` as a workspace for the workbench (see `setup::load`).
pub fn open(path: PathBuf) -> Msg {
    let path = std::path::absolute(&path).unwrap_or(path);
    let result = super::setup::load(&path, false, None)
        .map(Box::new)
        .map_err(|e| format!("{e:#}"));
    if result.is_ok() {
        let _ = recent::push(&path);
    }
    Msg::Opened { path, result }
}

/// Keep an exact count beside the offline count of the same request in the drift record
/// of the data dir `data`; `None` when the record cannot be written (it is a record, not
/// the user's work: nothing to tell).
pub fn record_drift(data: &Path, request: &Request, offline: u64, exact: u64) -> Option<Msg> {
    let today = crate::calibration::today();
    let sample = drift::Sample::of(request, offline, exact, &today);
    let update = drift::record(data, &request.model, sample, &today).ok()?;
    Some(Msg::Drift {
        model: drift::model_key(&request.model),
        summary: update.summary,
        warning: update.warning,
    })
}

pub fn export(path: PathBuf, contents: &str) -> Msg {
    let result = crate::atomic_file::write(&path, contents.as_bytes()).map_err(|e| e.to_string());
    Msg::Exported { path, result }
}

/// An image or PDF (checked by its bytes and against the model's limits) as a content block
/// that remembers its file.
pub fn read_attachment(path: &Path, model: &str) -> Result<ContentBlock, String> {
    intake::read_attachment(path, ModelLimits::for_model(model))
        .map(|attachment| attachment.to_block())
        .map_err(|e| e.to_string())
}

pub fn read_tool(path: PathBuf) -> Msg {
    let result = std::fs::read_to_string(&path).map_err(|e| e.to_string());
    Msg::ToolRead { path, result }
}

/// Paths starting with `input` ("~/" expanded); directories end in "/".
pub fn complete(input: &str) -> Vec<String> {
    let expanded = intake::read::expand_home(input);
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("", expanded.as_str()),
    };
    let read_from = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(read_from) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            Some(format!("{dir}{name}{}", if is_dir { "/" } else { "" }))
        })
        .collect();
    out.sort();
    out.truncate(200);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_lists_matching_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("photo.png"), b"x").expect("write");
        std::fs::create_dir(dir.path().join("pics")).expect("mkdir");
        std::fs::write(dir.path().join("notes.txt"), b"x").expect("write");
        let base = format!("{}/p", dir.path().display());
        let got = complete(&base);
        assert_eq!(
            got,
            vec![
                format!("{}/photo.png", dir.path().display()),
                format!("{}/pics/", dir.path().display())
            ]
        );
    }
}
