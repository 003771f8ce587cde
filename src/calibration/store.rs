//! calibration.json in the data dir: what `budgie calibrate` measured, per model. Read once at
//! start-up and applied to the registry ([`install`]); written whole and atomically after a
//! calibration.
//!
//! ```json
//! {"budgie_calibration": 1, "models": {"claude-opus-5": {
//!    "api_model": "claude-opus-5", "date": "2026-12-04",
//!    "values": {"turn_separator": {"value": 4, "probes": 2, "residual": 0,
//!                                  "date": "2026-12-04", "api_model": "claude-opus-5"}},
//!    "unfit": {"parallel_tool_call": {"residuals": {"three parallel calls": 3}, "date": "2026-12-04"}},
//!    "self_check": {"exact": 8, "total": 8}, "confirmed": ["system_blocks_joined"]}}}
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::design::{self, Unknown};
use crate::registry::{Calibration, Measured, Rule};

pub const CALIBRATION_FILE: &str = "calibration.json";
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Store {
    budgie_calibration: u32,
    #[serde(default)]
    pub models: BTreeMap<String, ModelEntry>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            budgie_calibration: FORMAT,
            models: BTreeMap::new(),
        }
    }
}

/// One model's calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// The model id the probes were sent with.
    pub api_model: String,
    /// The day of the last calibration.
    pub date: String,
    /// Fitted values, by name (`frame`, `tool_prompt.auto_none`, `turn_separator`, …).
    #[serde(default)]
    pub values: BTreeMap<String, ValueEntry>,
    /// Values whose probes did not fit a linear rule: reported, not used.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unfit: BTreeMap<String, UnfitEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_check: Option<SelfCheck>,
    /// Rules a check request confirmed (`system_blocks_joined`, …).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub confirmed: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueEntry {
    pub value: f64,
    /// How many probe counts it was solved from.
    pub probes: u32,
    /// The largest difference between a probe's exact count and its prediction (0: all exact).
    pub residual: i64,
    pub date: String,
    pub api_model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnfitEntry {
    /// What the best single value leaves over on each probe.
    pub residuals: BTreeMap<String, i64>,
    pub date: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfCheck {
    pub exact: u32,
    pub total: u32,
}

impl Store {
    /// The store in `dir`; an empty one when there is none yet. `Err` says what is wrong
    /// with the file.
    pub fn load(dir: &Path) -> Result<Store, String> {
        let path = dir.join(CALIBRATION_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Store::default()),
            Err(e) => return Err(format!("{}: cannot read ({e})", path.display())),
        };
        let store: Store = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not a calibration file ({e}); run `budgie calibrate --reset` to remove it",
                path.display()
            )
        })?;
        if store.budgie_calibration != FORMAT {
            return Err(format!(
                "{}: written by another budgie (format {}); run `budgie calibrate` again",
                path.display(),
                store.budgie_calibration
            ));
        }
        Ok(store)
    }

    pub fn save(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        text.push('\n');
        crate::atomic_file::write(&dir.join(CALIBRATION_FILE), text.as_bytes())
    }

    /// Keep a calibration of `model`. A complete run replaces what was there; an interrupted
    /// one adds what it measured to it.
    pub fn record(&mut self, model: &str, entry: ModelEntry, complete: bool) {
        match self.models.get_mut(model) {
            Some(old) if !complete => {
                for key in entry.values.keys().chain(entry.unfit.keys()) {
                    old.values.remove(key);
                    old.unfit.remove(key);
                }
                old.values.extend(entry.values);
                old.unfit.extend(entry.unfit);
                old.confirmed.extend(entry.confirmed);
                old.api_model = entry.api_model;
                old.date = entry.date;
                if entry.self_check.is_some() {
                    old.self_check = entry.self_check;
                }
            }
            _ => {
                self.models.insert(model.to_string(), entry);
            }
        }
    }

    /// Every model's values, as the registry applies them.
    pub fn calibrations(&self) -> BTreeMap<String, Calibration> {
        self.models
            .iter()
            .map(|(model, entry)| (model.clone(), entry.calibration()))
            .filter(|(_, c)| !c.is_empty())
            .collect()
    }
}

impl ModelEntry {
    /// The values this entry holds, as the registry applies them (names it does not know,
    /// from another budgie, are left out).
    pub fn calibration(&self) -> Calibration {
        let mut calibration = Calibration::default();
        for (key, v) in &self.values {
            if let Some(unknown) = Unknown::from_key(key) {
                design::set(
                    &mut calibration,
                    unknown,
                    Measured {
                        value: v.value,
                        date: v.date.clone(),
                        api_model: v.api_model.clone(),
                        probes: v.probes,
                    },
                );
            }
        }
        calibration.confirmed = self
            .confirmed
            .iter()
            .filter_map(|key| Rule::from_key(key))
            .collect();
        calibration
    }
}

/// Read calibration.json from `dir` and make every offline count of this process use it.
/// Returns a warning when the file is there but cannot be used.
pub fn install(dir: &Path) -> Option<String> {
    match Store::load(dir) {
        Ok(store) => {
            crate::registry::install_calibration(store.calibrations());
            None
        }
        Err(e) => Some(format!("{e}; offline counts use the shipped constants")),
    }
}

/// Remove the calibration of `models` (every model when empty); returns the models removed.
pub fn reset(dir: &Path, models: &[String]) -> Result<Vec<String>, String> {
    let path = dir.join(CALIBRATION_FILE);
    if models.is_empty() {
        let removed = Store::load(dir)
            .map(|s| s.models.into_keys().collect())
            .unwrap_or_default();
        return match std::fs::remove_file(&path) {
            Ok(()) => Ok(removed),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(format!("{}: cannot remove ({e})", path.display())),
        };
    }
    let mut store = Store::load(dir)?;
    let removed: Vec<String> = models
        .iter()
        .filter(|m| store.models.remove(*m).is_some())
        .cloned()
        .collect();
    store
        .save(dir)
        .map_err(|e| format!("{}: cannot write ({e})", path.display()))?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: f64) -> ValueEntry {
        ValueEntry {
            value: v,
            probes: 2,
            residual: 0,
            date: "2026-12-04".into(),
            api_model: "claude-opus-5".into(),
        }
    }

    fn entry(values: &[(&str, f64)]) -> ModelEntry {
        ModelEntry {
            api_model: "claude-opus-5".into(),
            date: "2026-12-04".into(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), value(*v)))
                .collect(),
            unfit: BTreeMap::new(),
            self_check: None,
            confirmed: BTreeSet::new(),
        }
    }

    #[test]
    fn a_store_survives_a_round_trip_and_becomes_calibrations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::default();
        store.record(
            "claude-opus-5",
            entry(&[
                ("frame", 8.0),
                ("turn_separator", 4.0),
                ("tool_prompt.any_tool", 410.0),
            ]),
            true,
        );
        store.save(dir.path()).expect("save");
        let again = Store::load(dir.path()).expect("load");
        assert_eq!(again, store);
        let c = &again.calibrations()["claude-opus-5"];
        assert_eq!(c.frame.as_ref().map(|m| m.value), Some(8.0));
        assert_eq!(
            c.tool_prompt_any_tool.as_ref().map(|m| m.value),
            Some(410.0)
        );
        assert_eq!(
            c.constants[&crate::registry::Structural::TurnSeparator].value,
            4.0
        );
    }

    #[test]
    fn an_interrupted_run_adds_to_the_last_one_and_a_complete_run_replaces_it() {
        let mut store = Store::default();
        store.record("m", entry(&[("frame", 8.0), ("turn_separator", 4.0)]), true);
        store.record("m", entry(&[("frame", 9.0)]), false);
        let values = &store.models["m"].values;
        assert_eq!(
            (values["frame"].value, values["turn_separator"].value),
            (9.0, 4.0)
        );
        store.record("m", entry(&[("block_separator", 2.0)]), true);
        assert_eq!(store.models["m"].values.len(), 1);
    }

    #[test]
    fn a_broken_file_is_an_error_that_says_how_to_fix_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(CALIBRATION_FILE), "{not json").expect("write");
        let e = Store::load(dir.path()).expect_err("broken");
        assert!(e.contains("budgie calibrate --reset"), "{e}");
        assert_eq!(
            reset(dir.path(), &[]).expect("removed"),
            Vec::<String>::new()
        );
        assert!(Store::load(dir.path()).expect("gone").models.is_empty());
    }
}
