//! `config.toml`: TOML text to settings. A typo never stops budgie: the bad key is named in
//! a warning and every other setting keeps its value.

use std::path::PathBuf;

use toml::Value;

use super::{LimiterUrl, Settings, Theme, tier_rpm};

const KEYS: &[&str] = &[
    "budget",
    "model",
    "debounce_ms",
    "tier",
    "rpm",
    "theme",
    "keymap",
    "autosave_ms",
    "limiter",
    "limiter_prefix",
    "limiter_clients",
];

/// What the file said: the settings, and one warning per key it could not use.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub settings: Settings,
    pub warnings: Vec<String>,
}

/// Parse config text; `origin` names the file in warnings.
pub fn parse(text: &str, origin: &str) -> Parsed {
    let mut loaded = Parsed::default();
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            loaded.warnings.push(format!(
                "{origin}: not valid TOML ({}); using defaults",
                e.message()
            ));
            return loaded;
        }
    };
    let s = &mut loaded.settings;
    for (key, value) in &table {
        let problem = match (key.as_str(), value) {
            ("budget", Value::Integer(n)) if *n > 0 => {
                s.budget = Some(*n as u64);
                None
            }
            ("model", Value::String(m)) if !m.trim().is_empty() => {
                s.model = m.trim().into();
                None
            }
            ("debounce_ms", Value::Integer(n)) if (0..=60_000).contains(n) => {
                s.debounce_ms = *n as u64;
                None
            }
            ("autosave_ms", Value::Integer(n)) if (100..=60_000).contains(n) => {
                s.autosave_ms = *n as u64;
                None
            }
            ("tier", Value::String(t)) if tier_rpm(t).is_some() || t == "custom" => {
                s.tier = t.to_lowercase();
                None
            }
            ("tier", Value::Integer(n)) if tier_rpm(&n.to_string()).is_some() => {
                s.tier = n.to_string();
                None
            }
            ("rpm", Value::Integer(n)) if *n > 0 && *n <= i64::from(super::MAX_RPM) => {
                s.rpm = Some(*n as u32);
                None
            }
            ("theme", Value::String(t)) => match t.as_str() {
                "dark" => {
                    s.theme = Theme::Dark;
                    None
                }
                "light" => {
                    s.theme = Theme::Light;
                    None
                }
                "mono" | "none" => {
                    s.theme = Theme::Mono;
                    None
                }
                _ => Some("must be \"dark\", \"light\" or \"mono\"".to_string()),
            },
            ("keymap", Value::String(p)) => {
                s.keymap = Some(PathBuf::from(p));
                None
            }
            ("limiter", Value::String(url)) if url.trim().is_empty() => {
                s.limiter = None;
                None
            }
            ("limiter", Value::String(url)) => match LimiterUrl::parse(url) {
                Ok(url) => {
                    s.limiter = Some(url);
                    None
                }
                Err(problem) => Some(problem),
            },
            ("limiter_prefix", Value::String(p)) if !p.trim().is_empty() => {
                s.limiter_prefix = Some(p.trim().to_string());
                None
            }
            ("limiter_clients", Value::Integer(n)) if (1..=10_000).contains(n) => {
                s.limiter_clients = *n as u32;
                None
            }
            ("limiter", _) => Some("must be a redis://HOST:PORT/DB URL string".into()),
            ("limiter_prefix", _) => Some("must be a non-empty string".into()),
            ("limiter_clients", _) => Some("must be a whole number from 1 to 10000".into()),
            ("budget", _) => Some("must be a positive whole number of tokens".into()),
            ("model", _) => Some("must be a model id string".into()),
            ("debounce_ms", _) => Some("must be milliseconds between 0 and 60000".into()),
            ("autosave_ms", _) => Some("must be milliseconds between 100 and 60000".into()),
            ("tier", _) => {
                Some("must be 1, 2, 3, 4, \"start\", \"build\", \"scale\" or \"custom\"".into())
            }
            ("rpm", _) => Some(format!(
                "must be a whole number of requests per minute from 1 to {}",
                super::MAX_RPM
            )),
            ("keymap", _) => Some("must be a file path".into()),
            ("api_key", _) => None, // read by `secrets`, which checks the file's permissions
            (other, _) => Some(match closest_key(other) {
                Some(k) => format!("unknown setting (did you mean `{k}`?)"),
                None => format!("unknown setting (known: {})", KEYS.join(", ")),
            }),
        };
        if let Some(problem) = problem {
            loaded
                .warnings
                .push(format!("{origin}: `{key}` {problem}; keeping the default"));
        }
    }
    loaded
}

fn closest_key(key: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_names_the_key_and_keeps_the_rest() {
        let loaded = parse(
            "budgte = 5000\nmodel = \"claude-opus-4-7\"\n",
            "config.toml",
        );
        assert_eq!(loaded.settings.model, "claude-opus-4-7");
        assert_eq!(loaded.settings.budget, None);
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("`budgte`"));
        assert!(loaded.warnings[0].contains("did you mean `budget`"));
    }

    #[test]
    fn a_wrong_type_is_named() {
        let loaded = parse("debounce_ms = \"fast\"\n", "c.toml");
        assert_eq!(loaded.settings.debounce_ms, 400);
        assert!(loaded.warnings[0].contains("`debounce_ms` must be milliseconds"));
    }
}
