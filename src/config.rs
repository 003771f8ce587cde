//! Settings: `config.toml` in the platform config dir (e.g. `~/.config/budgie/`), then
//! environment overrides, then command-line flags (applied by the caller).
//!
//! A typo in the file never stops budgie: the bad key is named in a warning and every other
//! setting keeps its value.

use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use toml::Value;

/// The model budgie starts with when neither the file, the workspace nor a flag names one.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Token budget the bar measures against; `None` means "the context window".
    pub budget: Option<u64>,
    pub model: String,
    /// Quiet time after the last keystroke before an exact count is requested.
    pub debounce_ms: u64,
    /// Rate-limit tier name ("1".."4", "start", "build", "scale") or "custom".
    pub tier: String,
    /// Explicit requests per minute; overrides `tier`.
    pub rpm: Option<u32>,
    pub theme: Theme,
    /// A keymap file that overrides the default bindings.
    pub keymap: Option<PathBuf>,
    /// Seconds of quiet before the draft is autosaved.
    pub autosave_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
    /// No colours at all (also forced by `NO_COLOR`).
    Mono,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            budget: None,
            model: DEFAULT_MODEL.into(),
            debounce_ms: 400,
            tier: "1".into(),
            rpm: None,
            theme: Theme::Dark,
            keymap: None,
            autosave_ms: 1000,
        }
    }
}

/// What loading found: the settings, and one warning per key it could not use.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub settings: Settings,
    pub warnings: Vec<String>,
    pub path: Option<PathBuf>,
}

const KEYS: &[&str] = &[
    "budget",
    "model",
    "debounce_ms",
    "tier",
    "rpm",
    "theme",
    "keymap",
    "autosave_ms",
];

/// budgie's directories (config, data, cache), from the `directories` crate.
/// `BUDGIE_HOME`, when set, puts all three under one folder (tests and portable installs).
pub fn dirs() -> Option<Dirs> {
    if let Some(home) = std::env::var_os("BUDGIE_HOME") {
        let home = PathBuf::from(home);
        return Some(Dirs {
            config: home.join("config"),
            data: home.join("data"),
            cache: home.join("cache"),
        });
    }
    let project = ProjectDirs::from("", "", "budgie")?;
    Some(Dirs {
        config: project.config_dir().to_path_buf(),
        data: project.data_dir().to_path_buf(),
        cache: project.cache_dir().to_path_buf(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
    pub cache: PathBuf,
}

impl Dirs {
    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }
}

/// Load settings from `path` (or the default config file), then apply `NO_COLOR`.
/// A missing file is not an error; an unreadable or malformed one gives a warning.
pub fn load(path: Option<&Path>) -> Loaded {
    let path = path
        .map(Path::to_path_buf)
        .or_else(|| dirs().map(|d| d.config_file()));
    let mut loaded = match &path {
        Some(p) if p.exists() => match std::fs::read_to_string(p) {
            Ok(text) => parse(&text, &p.display().to_string()),
            Err(e) => Loaded {
                warnings: vec![format!(
                    "{}: cannot read ({e}); using defaults",
                    p.display()
                )],
                ..Default::default()
            },
        },
        _ => Loaded::default(),
    };
    loaded.path = path;
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        loaded.settings.theme = Theme::Mono;
    }
    loaded
}

/// Parse config text; `origin` names the file in warnings.
pub fn parse(text: &str, origin: &str) -> Loaded {
    let mut loaded = Loaded::default();
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
            ("rpm", Value::Integer(n)) if *n > 0 && *n <= 1_000_000 => {
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
            ("budget", _) => Some("must be a positive whole number of tokens".into()),
            ("model", _) => Some("must be a model id string".into()),
            ("debounce_ms", _) => Some("must be milliseconds between 0 and 60000".into()),
            ("autosave_ms", _) => Some("must be milliseconds between 100 and 60000".into()),
            ("tier", _) => {
                Some("must be 1, 2, 3, 4, \"start\", \"build\", \"scale\" or \"custom\"".into())
            }
            ("rpm", _) => Some("must be a positive number of requests per minute".into()),
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

/// Requests per minute for a named tier (seed page tiers 1–4, and the 2026 names).
pub fn tier_rpm(tier: &str) -> Option<u32> {
    match tier.to_lowercase().as_str() {
        "1" => Some(100),
        "2" => Some(2_000),
        "3" => Some(4_000),
        "4" => Some(8_000),
        "start" => Some(5_000),
        "build" => Some(10_000),
        "scale" => Some(20_000),
        _ => None,
    }
}

impl Settings {
    /// The requests-per-minute figure in force: `rpm` if set, else the tier's.
    pub fn effective_rpm(&self) -> u32 {
        self.rpm.or_else(|| tier_rpm(&self.tier)).unwrap_or(100)
    }
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

    #[test]
    fn tiers_map_to_the_documented_rates() {
        assert_eq!(tier_rpm("1"), Some(100));
        assert_eq!(tier_rpm("4"), Some(8_000));
        assert_eq!(tier_rpm("Build"), Some(10_000));
        let s = Settings {
            rpm: Some(120),
            ..Default::default()
        };
        assert_eq!(s.effective_rpm(), 120);
        assert_eq!(Settings::default().effective_rpm(), 100);
    }
}
