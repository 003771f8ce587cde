//! `budgie calibrate --emit-registry`: what this machine measured, as a patch to
//! assets/models.json, so a maintainer with a key can ship it to everyone (`git apply`).
//!
//! Each model gets its own `frame`, `tool_prompt` and `constants` entries where the measured
//! value differs from what budgie ships, or where the shipped value is not backed by a
//! measurement for that model. The rest of the file is left as it is.

use serde_json::{Map, Value, json};

use super::design::Unknown;
use super::store::{ModelEntry, Store};
use crate::registry::{Registry, Structural};

/// The models.json text with `store`'s calibrations written in, and notes on what was left
/// out (models the registry does not know).
pub fn patched_asset(store: &Store) -> Result<(String, Vec<String>), String> {
    let original = Registry::asset_text();
    let mut asset: Value =
        serde_json::from_str(original).map_err(|e| format!("assets/models.json: {e}"))?;
    let mut notes = Vec::new();
    for (id, entry) in &store.models {
        let Some(models) = asset.get_mut("models").and_then(Value::as_array_mut) else {
            return Err("assets/models.json has no models list".into());
        };
        let Some(model) = models
            .iter_mut()
            .find(|m| m.get("id").and_then(Value::as_str) == Some(id))
        else {
            notes.push(format!(
                "{id} is not in assets/models.json: add the model first, then emit again"
            ));
            continue;
        };
        apply(model, id, entry);
    }
    let mut text = serde_json::to_string_pretty(&asset).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok((text, notes))
}

/// The patch as a unified diff (empty when nothing changes).
pub fn patch(store: &Store) -> Result<(String, Vec<String>), String> {
    let (patched, notes) = patched_asset(store)?;
    let original = Registry::asset_text();
    if patched == original {
        return Ok((String::new(), notes));
    }
    let diff = similar::TextDiff::from_lines(original, patched.as_str())
        .unified_diff()
        .context_radius(3)
        .header("a/assets/models.json", "b/assets/models.json")
        .to_string();
    Ok((diff, notes))
}

fn source(entry: &ModelEntry, key: &str) -> String {
    let v = &entry.values[key];
    format!(
        "calibrated with `budgie calibrate` on {} against the API ({}): {} probe counts, residual {}",
        v.date, v.api_model, v.probes, v.residual
    )
}

/// A whole number as a JSON integer, anything else as it is.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn apply(model: &mut Value, id: &str, entry: &ModelEntry) {
    let shipped = Registry::builtin().lookup_shipped(id);
    let registry = Registry::builtin();
    let family = model.get("family").cloned().unwrap_or(Value::Null);
    let Some(object) = model.as_object_mut() else {
        return;
    };
    if let Some(frame) = entry.values.get(Unknown::Frame.key())
        && frame.value != shipped.frame as f64
    {
        object.insert("frame".into(), number(frame.value));
    }
    let auto = entry.values.get(Unknown::ToolPromptAutoNone.key());
    let any = entry.values.get(Unknown::ToolPromptAnyTool.key());
    if auto.is_some() || any.is_some() {
        let prompt = &shipped.tool_prompt;
        let changes = auto.is_some_and(|v| v.value != prompt.auto_none as f64)
            || any.is_some_and(|v| v.value != prompt.any_tool as f64);
        if changes || !prompt.measured {
            let mut p = Map::new();
            p.insert(
                "auto_none".into(),
                auto.map_or(json!(prompt.auto_none), |v| number(v.value)),
            );
            p.insert(
                "any_tool".into(),
                any.map_or(json!(prompt.any_tool), |v| number(v.value)),
            );
            let both = auto.is_some() && any.is_some();
            p.insert("measured".into(), json!(both || prompt.measured));
            let key = if auto.is_some() {
                Unknown::ToolPromptAutoNone.key()
            } else {
                Unknown::ToolPromptAnyTool.key()
            };
            p.insert("source".into(), json!(source(entry, key)));
            object.insert("tool_prompt".into(), Value::Object(p));
        }
    }
    let mut own = object
        .get("constants")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let before = own.len();
    let mut changed = false;
    // A measured tool-use prompt measures the join with it (at the join's value in use).
    let join = registry.constant_for(&shipped, Structural::ToolDefinitionsJoin);
    if let Some(key) = [Unknown::ToolPromptAutoNone, Unknown::ToolPromptAnyTool]
        .iter()
        .map(|u| u.key())
        .find(|k| entry.values.contains_key(*k))
        && !join.verified
    {
        own.insert(
            Structural::ToolDefinitionsJoin.key().to_string(),
            json!({
                "value": number(join.constant.value),
                "measured": true,
                "families": [family.clone()],
                "source": format!("{}, in one figure with the tool-use prompt", source(entry, key)),
            }),
        );
        changed = true;
    }
    for key in entry.values.keys() {
        let Some(Unknown::Constant(name)) = Unknown::from_key(key) else {
            continue;
        };
        let value = entry.values[key].value;
        let in_use = registry.constant_for(&shipped, name);
        if in_use.constant.value == value && in_use.verified {
            continue;
        }
        own.insert(
            key.clone(),
            json!({
                "value": number(value),
                "measured": true,
                "families": [family.clone()],
                "source": source(entry, key),
            }),
        );
        changed = true;
    }
    if changed || own.len() != before {
        // Keys in the order the registry lists its constants.
        let mut ordered = Map::new();
        for name in Structural::ALL {
            if let Some(v) = own.remove(name.key()) {
                ordered.insert(name.key().to_string(), v);
            }
        }
        ordered.extend(own);
        object.insert("constants".into(), Value::Object(ordered));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::store::ValueEntry;
    use std::collections::BTreeMap;

    #[test]
    fn the_asset_written_back_unchanged_is_the_same_text() {
        let (text, notes) = patched_asset(&Store::default()).expect("asset");
        assert_eq!(text, Registry::asset_text());
        assert!(notes.is_empty());
        assert_eq!(patch(&Store::default()).expect("patch").0, "");
    }

    #[test]
    fn measured_values_become_the_models_own_entries() {
        let value = |v: f64| ValueEntry {
            value: v,
            probes: 2,
            residual: 0,
            date: "2026-12-04".into(),
            api_model: "claude-opus-5-20261101".into(),
        };
        let mut store = Store::default();
        let values: BTreeMap<String, ValueEntry> = [
            ("frame", value(8.0)),
            ("tool_prompt.auto_none", value(290.0)),
            ("tool_prompt.any_tool", value(406.0)),
            ("turn_separator", value(4.0)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        store.record(
            "claude-opus-5",
            ModelEntry {
                api_model: "claude-opus-5-20261101".into(),
                date: "2026-12-04".into(),
                values,
                unfit: BTreeMap::new(),
                self_check: None,
                confirmed: Default::default(),
            },
            true,
        );
        store.record(
            "claude-nova-9",
            ModelEntry {
                api_model: "claude-nova-9".into(),
                date: "2026-12-04".into(),
                values: BTreeMap::new(),
                unfit: BTreeMap::new(),
                self_check: None,
                confirmed: Default::default(),
            },
            true,
        );
        let (text, notes) = patched_asset(&store).expect("patched");
        assert_eq!(notes.len(), 1, "{notes:?}");
        #[derive(serde::Deserialize)]
        struct Asset {
            models: Vec<crate::registry::ModelInfo>,
        }
        let asset: Asset = serde_json::from_str(&text).expect("still a registry");
        let opus = asset
            .models
            .iter()
            .find(|m| m.id == "claude-opus-5")
            .expect("opus 5");
        assert_eq!(opus.frame, 8);
        assert_eq!(
            (opus.tool_prompt.auto_none, opus.tool_prompt.any_tool),
            (290, 406)
        );
        assert!(opus.tool_prompt.measured);
        let turn = &opus.constants[&Structural::TurnSeparator];
        // Opus 5 is not a v3 model: the join it uses was measured with its prompt now.
        assert!(opus.constants[&Structural::ToolDefinitionsJoin].measured);
        assert_eq!(turn.value, 4.0);
        assert!(turn.measured && turn.source.contains("2026-12-04"));
        let (diff, _) = patch(&store).expect("patch");
        assert!(diff.starts_with("--- a/assets/models.json\n+++ b/assets/models.json\n"));
        assert!(diff.contains("+      \"frame\": 8,"), "{diff}");
    }
}
