//! Drift: how the offline count compares with the exact counts the API gives.
//!
//! Every exact count the workbench or `budgie count` receives is compared with the offline
//! count of the same request, and the difference (exact − offline) is kept per model in
//! drift.json in the data dir: the last [`KEEP`] requests (one entry per distinct request),
//! for at most [`MAX_MODELS`] models. From them come robust figures — how many were exact,
//! the median difference and its spread (median absolute deviation) — shown beside offline
//! counts once there are [`MIN_SAMPLES`], and a plain warning, given once, when the recent
//! requests of a model (or those with one feature, such as tools) are off.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::registry::Registry;
use crate::request::{Content, ContentBlock, Request, ToolResultContent};

pub const DRIFT_FILE: &str = "drift.json";
const LOCK_FILE: &str = "drift.lock";
/// Requests kept per model.
pub const KEEP: usize = 50;
/// Models kept; the one used longest ago goes first.
pub const MAX_MODELS: usize = 32;
/// Requests needed before an offline count carries its record.
pub const MIN_SAMPLES: usize = 10;
/// The most recent requests a warning looks at (per feature).
const WINDOW: usize = 10;
/// Requests with a feature needed before it can be blamed.
const MIN_FOR_WARNING: usize = 3;

/// What a request holds, to say where offline counts go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Tools,
    ToolCalls,
    Images,
    Documents,
    Thinking,
    OutputFormat,
    SeveralTurns,
}

impl Feature {
    const ALL: [Feature; 7] = [
        Feature::Tools,
        Feature::ToolCalls,
        Feature::Images,
        Feature::Documents,
        Feature::Thinking,
        Feature::OutputFormat,
        Feature::SeveralTurns,
    ];

    fn phrase(self) -> &'static str {
        match self {
            Feature::Tools => "requests with tools",
            Feature::ToolCalls => "requests with tool calls",
            Feature::Images => "requests with images",
            Feature::Documents => "requests with documents",
            Feature::Thinking => "requests with thinking",
            Feature::OutputFormat => "requests with an output format",
            Feature::SeveralTurns => "conversations of several turns",
        }
    }
}

/// The features of a request.
pub fn features(request: &Request) -> Vec<Feature> {
    let mut found = Vec::new();
    let mut note = |f: Feature| {
        if !found.contains(&f) {
            found.push(f);
        }
    };
    if request.tools.as_ref().is_some_and(|t| !t.is_empty()) {
        note(Feature::Tools);
    }
    if request
        .thinking
        .as_ref()
        .is_some_and(|t| t.kind != "disabled")
    {
        note(Feature::Thinking);
    }
    if request.extra.contains_key("output_config") || request.extra.contains_key("output_format") {
        note(Feature::OutputFormat);
    }
    if request.messages.len() > 1 {
        note(Feature::SeveralTurns);
    }
    fn blocks(list: &[ContentBlock], note: &mut dyn FnMut(Feature)) {
        for b in list {
            match b {
                ContentBlock::ToolUse(_) => note(Feature::ToolCalls),
                ContentBlock::ToolResult(r) => {
                    note(Feature::ToolCalls);
                    if let Some(ToolResultContent::Blocks(inner)) = &r.content {
                        blocks(inner, note);
                    }
                }
                ContentBlock::Image(_) => note(Feature::Images),
                ContentBlock::Document(_) => note(Feature::Documents),
                ContentBlock::Thinking(_) | ContentBlock::RedactedThinking(_) => {
                    note(Feature::Thinking)
                }
                _ => {}
            }
        }
    }
    for m in &request.messages {
        if let Content::Blocks(b) = &m.content {
            blocks(b, &mut note);
        }
    }
    found.sort();
    found
}

/// One request counted both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// The start of the request's content hash: the same request is kept once.
    pub hash: String,
    pub offline: u64,
    pub exact: u64,
    #[serde(default)]
    pub features: Vec<Feature>,
    /// The day it was counted (YYYY-MM-DD).
    pub date: String,
}

impl Sample {
    /// The request, counted both ways: `offline` as budgie counts it now, `exact` from the API.
    pub fn of(request: &Request, offline: u64, exact: u64, date: &str) -> Sample {
        Sample {
            hash: request.content_hash().chars().take(16).collect(),
            offline,
            exact,
            features: features(request),
            date: date.to_string(),
        }
    }

    pub fn difference(&self) -> i64 {
        self.exact as i64 - self.offline as i64
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct ModelDrift {
    samples: Vec<Sample>,
    /// The disagreement last warned about, so each is said once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warned: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct DriftFile {
    #[serde(default)]
    models: BTreeMap<String, ModelDrift>,
}

/// A model's record: how its recent offline counts compared with the API's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub recent: usize,
    pub exact: usize,
    /// Median of exact − offline.
    pub median: i64,
    /// Median absolute deviation of exact − offline.
    pub spread: i64,
}

impl Summary {
    fn of(samples: &[Sample]) -> Summary {
        let differences: Vec<i64> = samples.iter().map(Sample::difference).collect();
        let middle = median(&differences);
        let deviations: Vec<i64> = differences.iter().map(|d| (d - middle).abs()).collect();
        Summary {
            recent: samples.len(),
            exact: differences.iter().filter(|d| **d == 0).count(),
            median: middle,
            spread: median(&deviations),
        }
    }

    /// "exact on 48/50 recent" (and the typical difference when there is one), once there
    /// are enough requests to say.
    pub fn label(&self) -> Option<String> {
        if self.recent < MIN_SAMPLES {
            return None;
        }
        let mut label = format!("exact on {}/{} recent", self.exact, self.recent);
        if self.median != 0 {
            label.push_str(&format!(", typically {:+}", self.median));
        }
        Some(label)
    }
}

/// The median; of an even count, the middle value nearer zero, and zero when the two middle
/// values differ in sign (a tie never invents a difference).
fn median(values: &[i64]) -> i64 {
    if values.is_empty() {
        return 0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n % 2 == 1 {
        return sorted[n / 2];
    }
    let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
    if a.signum() != b.signum() {
        0
    } else if a.abs() <= b.abs() {
        a
    } else {
        b
    }
}

/// What recording one exact count says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub summary: Summary,
    /// A disagreement not yet warned about, in plain words.
    pub warning: Option<String>,
}

/// The key drift is kept under for a model id (dated ids and aliases share their model's).
pub fn model_key(model: &str) -> String {
    Registry::builtin().canonical_id(model)
}

/// Keep `sample` for `model` in `dir` and say what the model's record now is.
pub fn record(dir: &Path, model: &str, sample: Sample, today: &str) -> io::Result<Update> {
    let model = model_key(model);
    locked(dir, |file| {
        let entry = file.models.entry(model.clone()).or_default();
        entry.samples.retain(|s| s.hash != sample.hash);
        entry.samples.push(sample);
        let excess = entry.samples.len().saturating_sub(KEEP);
        entry.samples.drain(..excess);
        let summary = Summary::of(&entry.samples);
        let warning = disagreement(&model, &entry.samples, today).and_then(|(key, message)| {
            (entry.warned.as_deref() != Some(key.as_str())).then(|| {
                entry.warned = Some(key);
                message
            })
        });
        while file.models.len() > MAX_MODELS {
            let oldest = file
                .models
                .iter()
                .filter(|(m, _)| **m != model)
                .min_by_key(|(_, d)| d.samples.last().map(|s| s.date.clone()))
                .map(|(m, _)| m.clone());
            match oldest {
                Some(m) => file.models.remove(&m),
                None => break,
            };
        }
        Update { summary, warning }
    })
}

/// Every model's record (models with none are absent).
pub fn summaries(dir: &Path) -> BTreeMap<String, Summary> {
    read(dir)
        .models
        .iter()
        .filter(|(_, d)| !d.samples.is_empty())
        .map(|(m, d)| (m.clone(), Summary::of(&d.samples)))
        .collect()
}

/// Forget a model's record (its offline counts just changed: a new calibration).
pub fn forget(dir: &Path, model: &str) -> io::Result<()> {
    let model = model_key(model);
    if !dir.join(DRIFT_FILE).exists() {
        return Ok(());
    }
    locked(dir, |file| {
        file.models.remove(&model);
    })
}

/// The disagreement of a model's recent requests, if there is one: (what it is, the warning).
fn disagreement(model: &str, samples: &[Sample], today: &str) -> Option<(String, String)> {
    // The last few requests with and without each feature: a feature is blamed when its
    // requests are off and the others are not.
    let recent = |keep: &dyn Fn(&Sample) -> bool| -> Vec<&Sample> {
        let mut picked: Vec<&Sample> = samples
            .iter()
            .rev()
            .filter(|s| keep(s))
            .take(WINDOW)
            .collect();
        picked.reverse();
        picked
    };
    let off = |picked: &[&Sample]| -> i64 {
        let d: Vec<i64> = picked.iter().map(|s| s.difference()).collect();
        median(&d)
    };
    let mut blamed: Option<(Feature, i64, Vec<&Sample>)> = None;
    for f in Feature::ALL {
        let with = recent(&|s: &Sample| s.features.contains(&f));
        let without = recent(&|s: &Sample| !s.features.contains(&f));
        if with.len() < MIN_FOR_WARNING || without.is_empty() {
            continue;
        }
        let offset = off(&with);
        if offset != 0 && off(&without) == 0 {
            // The narrowest feature that explains it.
            if blamed.as_ref().is_none_or(|(_, _, b)| with.len() < b.len()) {
                blamed = Some((f, offset, with));
            }
        }
    }
    let (what, offset, picked) = match blamed {
        Some((f, offset, picked)) => (Some(f), offset, picked),
        None => {
            let picked = recent(&|_| true);
            if picked.len() < MIN_FOR_WARNING {
                return None;
            }
            let offset = off(&picked);
            if offset == 0 {
                return None;
            }
            (None, offset, picked)
        }
    };
    // Since when: the earliest of the latest run of requests that were off.
    let since = picked
        .iter()
        .rev()
        .take_while(|s| s.difference() != 0)
        .last()
        .map_or(today, |s| s.date.as_str());
    let since = if since == today {
        "since today".to_string()
    } else {
        format!("since {since}")
    };
    let on = what.map_or(String::new(), |f| format!(" on {}", f.phrase()));
    let key = format!("{}:{offset:+}", what.map_or("all", |f| f.phrase()));
    Some((
        key,
        format!(
            "offline counts for {model} differ from the API by {offset:+}{on} {since} — run `budgie calibrate --model {model}`"
        ),
    ))
}

fn read(dir: &Path) -> DriftFile {
    std::fs::read_to_string(dir.join(DRIFT_FILE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Change the file under an exclusive lock (other budgie processes record too). A file that
/// cannot be read starts afresh: it is a record, not a setting.
fn locked<R>(dir: &Path, change: impl FnOnce(&mut DriftFile) -> R) -> io::Result<R> {
    std::fs::create_dir_all(dir)?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))?;
    fs4::FileExt::lock(&lock)?;
    let result = (|| {
        let mut file = read(dir);
        let r = change(&mut file);
        let text = serde_json::to_vec(&file).map_err(io::Error::other)?;
        crate::atomic_file::write(&dir.join(DRIFT_FILE), &text)?;
        Ok(r)
    })();
    let _ = fs4::FileExt::unlock(&lock);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(i: usize, offline: u64, exact: u64, features: &[Feature], date: &str) -> Sample {
        Sample {
            hash: format!("{i:016}"),
            offline,
            exact,
            features: features.to_vec(),
            date: date.into(),
        }
    }

    #[test]
    fn the_median_is_robust_and_ties_do_not_invent_a_difference() {
        assert_eq!(median(&[0, 0, 12, 0, 400]), 0);
        assert_eq!(median(&[12, 12, 0, 12]), 12);
        assert_eq!(median(&[0, 12]), 0);
        assert_eq!(median(&[-3, -3]), -3);
        assert_eq!(median(&[]), 0);
    }

    #[test]
    fn a_record_is_shown_only_with_enough_requests() {
        let few: Vec<Sample> = (0..3)
            .map(|i| sample(i, 10, 10, &[], "2026-12-04"))
            .collect();
        assert_eq!(Summary::of(&few).label(), None);
        let mut many: Vec<Sample> = (0..48)
            .map(|i| sample(i, 10, 10, &[], "2026-12-04"))
            .collect();
        many.push(sample(48, 10, 13, &[], "2026-12-04"));
        many.push(sample(49, 10, 9, &[], "2026-12-04"));
        let s = Summary::of(&many);
        assert_eq!((s.recent, s.exact, s.median, s.spread), (50, 48, 0, 0));
        assert_eq!(s.label().as_deref(), Some("exact on 48/50 recent"));
    }

    #[test]
    fn requests_with_one_feature_off_are_named() {
        let mut samples = Vec::new();
        for i in 0..6 {
            samples.push(sample(i, 100, 100, &[], "2026-12-01"));
        }
        for i in 6..10 {
            samples.push(sample(i, 100, 112, &[Feature::Tools], "2026-12-04"));
        }
        let (_, warning) = disagreement("claude-opus-5", &samples, "2026-12-04").expect("off");
        assert_eq!(
            warning,
            "offline counts for claude-opus-5 differ from the API by +12 on requests with tools since today — run `budgie calibrate --model claude-opus-5`"
        );
        // All exact: nothing to say.
        assert_eq!(disagreement("m", &samples[..6], "2026-12-04"), None);
    }

    #[test]
    fn recording_keeps_the_file_bounded_and_warns_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut warnings = Vec::new();
        for i in 0..(KEEP + 20) {
            let exact = if i >= KEEP { 105 } else { 100 };
            let update = record(
                dir.path(),
                "claude-sonnet-4-5-20250929",
                sample(i, 100, exact, &[], "2026-12-02"),
                "2026-12-04",
            )
            .expect("recorded");
            warnings.extend(update.warning);
        }
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("by +5 since 2026-12-02"),
            "{}",
            warnings[0]
        );
        let all = summaries(dir.path());
        let s = all["claude-sonnet-4-5"];
        assert_eq!((s.recent, s.exact), (KEEP, KEEP - 20));
        // The same request again replaces its entry.
        record(
            dir.path(),
            "claude-sonnet-4-5",
            sample(KEEP + 19, 100, 105, &[], "2026-12-04"),
            "2026-12-04",
        )
        .expect("recorded");
        assert_eq!(summaries(dir.path())["claude-sonnet-4-5"].recent, KEEP);
        for m in 0..(MAX_MODELS + 5) {
            record(
                dir.path(),
                &format!("model-{m}"),
                sample(0, 1, 1, &[], "2026-12-04"),
                "2026-12-04",
            )
            .expect("recorded");
        }
        assert_eq!(summaries(dir.path()).len(), MAX_MODELS);
        assert!(summaries(dir.path()).contains_key("model-36"));
        forget(dir.path(), "model-36").expect("forgot");
        assert!(!summaries(dir.path()).contains_key("model-36"));
    }
}
