//! Settings, merged once for every command: `config.toml` (the platform config dir, or
//! `--config FILE`), then the environment, then the command line. [`resolve`] is the only
//! place they meet; the workbench, `budgie count`, `budgie models` and `budgie export` all
//! run with what it returns.
//!
//! Precedence: a command-line flag beats the environment, which beats the file
//! (`--limiter` beats `BUDGIE_LIMITER_URL`, which beats `limiter`). `--tier` on
//! the command line replaces the file's `rpm` as well as its `tier`; `--rpm` replaces both.
//! A token budget from `--budget` beats a workspace's own, which beats the file's.
//!
//! The API key: `ANTHROPIC_API_KEY`, else `api_key` in the config file in use — only while
//! that file is private (mode 0600); otherwise it is ignored with a warning that says why.

mod file;

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use crate::secrets::{self, ApiKey, SecretError};
pub use file::parse;

/// The model budgie starts with when neither the file, the workspace nor a flag names one.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";

/// The highest requests-per-minute figure budgie takes (file or flag).
pub const MAX_RPM: u32 = 1_000_000;

/// The named rate-limit tiers of count_tokens and their requests per minute: tiers 1–4 as
/// Anthropic's token counting docs gave them until mid 2026, then Start, Build and Scale.
pub const TIERS: &[(&str, u32)] = &[
    ("1", 100),
    ("2", 2_000),
    ("3", 4_000),
    ("4", 8_000),
    ("start", 5_000),
    ("build", 10_000),
    ("scale", 20_000),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Token budget the bar measures against; `None` means "the context window".
    pub budget: Option<u64>,
    pub model: String,
    /// Quiet time after the last keystroke before an exact count is requested.
    pub debounce_ms: u64,
    /// Rate-limit tier name (see [`TIERS`]) or "custom".
    pub tier: String,
    /// Explicit requests per minute; overrides `tier`.
    pub rpm: Option<u32>,
    pub theme: Theme,
    /// A keymap file that overrides the default bindings.
    pub keymap: Option<PathBuf>,
    /// Milliseconds of quiet before the draft is autosaved.
    pub autosave_ms: u64,
    /// A Redis that every budgie naming it shares one rate limit through (`redis://` or
    /// `rediss://`); `None`: this machine's limiter.
    pub limiter: Option<LimiterUrl>,
    /// The Redis key prefix of the shared budget; `None`: `budgie:` and a hash of the API key.
    pub limiter_prefix: Option<String>,
    /// How many clients to assume share the rate while Redis cannot be reached: each then
    /// takes this share of it (or of the clients last seen, if more).
    pub limiter_clients: u32,
}

/// Where the shared limiter lives. It may hold a password, so it is never shown whole:
/// `Debug` and [`LimiterUrl::shown`] leave it out.
#[derive(Clone, PartialEq, Eq)]
pub struct LimiterUrl(String);

impl LimiterUrl {
    /// A `redis://` or `rediss://` URL the Redis client can use, or why not (without the
    /// text itself, which may hold a password).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let scheme = text.split("://").next().unwrap_or_default();
        if !matches!(scheme, "redis" | "rediss") || !text.contains("://") {
            return Err("must be a redis://HOST:PORT/DB or rediss://HOST:PORT/DB URL".to_string());
        }
        match redis::IntoConnectionInfo::into_connection_info(text) {
            Ok(_) => Ok(LimiterUrl(text.to_string())),
            Err(e) => Err(format!(
                "is not a usable Redis URL ({:?}): use redis://HOST:PORT/DB",
                e.kind()
            )),
        }
    }

    /// The URL with its password.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `redis://HOST:PORT/DB`: the URL without user name or password.
    pub fn shown(&self) -> String {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("redis", &self.0));
        let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        format!("{scheme}://{rest}")
    }
}

impl std::fmt::Debug for LimiterUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LimiterUrl({})", self.shown())
    }
}

/// The environment variable naming the shared limiter (beats the config file).
pub const LIMITER_ENV: &str = "BUDGIE_LIMITER_URL";

/// The default `limiter_clients`.
pub const DEFAULT_LIMITER_CLIENTS: u32 = 4;

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
            limiter: None,
            limiter_prefix: None,
            limiter_clients: DEFAULT_LIMITER_CLIENTS,
        }
    }
}

impl Settings {
    /// The requests-per-minute figure in force: `rpm` if set, else the tier's.
    pub fn effective_rpm(&self) -> u32 {
        self.rpm.or_else(|| tier_rpm(&self.tier)).unwrap_or(100)
    }
}

/// Requests per minute for a named tier (any case), if it is one of [`TIERS`].
pub fn tier_rpm(tier: &str) -> Option<u32> {
    let tier = tier.to_lowercase();
    TIERS
        .iter()
        .find(|(name, _)| *name == tier)
        .map(|(_, rpm)| *rpm)
}

/// What the command line says about the settings (`--config`, `--model`, `--budget`,
/// `--tier`, `--rpm`; `cli::Cli::flags` hands them over).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub model: Option<String>,
    pub budget: Option<u64>,
    pub tier: Option<String>,
    pub rpm: Option<u32>,
    /// `--limiter URL` (checked by the command line's parser).
    pub limiter: Option<LimiterUrl>,
}

/// What a command runs with.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The file's settings with the environment's and the command line's on top.
    pub settings: Settings,
    /// `--model`: beats a file's or a workspace's model.
    pub model_flag: Option<String>,
    /// `--budget`: beats a workspace's budget (which beats the file's).
    pub budget_flag: Option<u64>,
    /// The config file in use, if there is one.
    pub config_file: Option<PathBuf>,
    /// What to tell the user: each setting or key that could not be used, and why.
    pub warnings: Vec<String>,
    /// The API key found, or why reading it failed (a malformed or unreadable file).
    pub api_key: Result<Option<ApiKey>, String>,
}

impl Resolved {
    /// The budget in force for a workspace that carries `own`.
    pub fn budget_for(&self, own: Option<u64>) -> Option<u64> {
        budget_in_force(self.budget_flag, own, self.settings.budget)
    }

    /// Print the warnings on standard error (the headless commands; the workbench shows
    /// them on its hint line).
    pub fn warn_on_stderr(&self) {
        for warning in &self.warnings {
            eprintln!("budgie: {warning}");
        }
    }
}

/// The token budget in force: the command line's, else the workspace's, else the config
/// file's (`None`: the model's context window).
pub fn budget_in_force(
    flag: Option<u64>,
    workspace: Option<u64>,
    file: Option<u64>,
) -> Option<u64> {
    flag.or(workspace).or(file)
}

/// Why the settings could not be read at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--config {}: no such file; check the path, or leave out --config to use {}", .path.display(), .default)]
    Missing { path: PathBuf, default: String },
    #[error("--config {}: cannot read ({source})", .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Merge the settings: the config file (`flags.config`, else the default one), the
/// environment (`NO_COLOR`, `ANTHROPIC_API_KEY`), then the command line. A file named with
/// `--config` must exist; the default one may be missing.
pub fn resolve(flags: &Flags) -> Result<Resolved, ConfigError> {
    let named = flags.config.as_deref();
    let path = named
        .map(Path::to_path_buf)
        .or_else(|| dirs().map(|d| d.config_file()));
    let mut warnings = Vec::new();
    let mut settings = match &path {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(text) => {
                let parsed = parse(&text, &p.display().to_string());
                warnings.extend(parsed.warnings);
                parsed.settings
            }
            Err(e) if named.is_some() && e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing {
                    path: p.clone(),
                    default: dirs().map_or_else(
                        || "the default config file".to_string(),
                        |d| d.config_file().display().to_string(),
                    ),
                });
            }
            Err(source) if named.is_some() => {
                return Err(ConfigError::Unreadable {
                    path: p.clone(),
                    source,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => {
                warnings.push(format!(
                    "{}: cannot read ({e}); using defaults",
                    p.display()
                ));
                Settings::default()
            }
        },
        None => Settings::default(),
    };
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        settings.theme = Theme::Mono;
    }
    if let Some(tier) = &flags.tier {
        settings.tier = tier.to_lowercase();
        settings.rpm = None;
    }
    if let Some(rpm) = flags.rpm {
        settings.rpm = Some(rpm);
    }
    if let Some(text) = std::env::var(LIMITER_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        match LimiterUrl::parse(&text) {
            Ok(url) => settings.limiter = Some(url),
            Err(problem) => warnings.push(format!("{LIMITER_ENV} {problem}; ignoring it")),
        }
    }
    if let Some(url) = &flags.limiter {
        settings.limiter = Some(url.clone());
    }
    let env_key = std::env::var(secrets::ENV_VAR).ok();
    let api_key = match secrets::load_from(env_key.as_deref(), path.as_deref()) {
        Ok(found) => Ok(found.map(|loaded| loaded.key)),
        Err(e @ SecretError::Insecure { .. }) => {
            warnings.push(e.to_string());
            Ok(None)
        }
        Err(e) => Err(e.to_string()),
    };
    Ok(Resolved {
        settings,
        model_flag: flags.model.clone(),
        budget_flag: flags.budget,
        config_file: path,
        warnings,
        api_key,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_with(config: &str, flags: Flags) -> Resolved {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, config).expect("write");
        resolve(&Flags {
            config: Some(path),
            ..flags
        })
        .expect("resolves")
    }

    #[test]
    fn a_tier_on_the_command_line_replaces_the_files_rpm_and_tier() {
        let from_file = resolve_with("tier = 3\nrpm = 60\n", Flags::default());
        assert_eq!(from_file.settings.effective_rpm(), 60, "rpm beats tier");
        let tier = resolve_with(
            "tier = 3\nrpm = 60\n",
            Flags {
                tier: Some("2".into()),
                ..Default::default()
            },
        );
        assert_eq!(tier.settings.effective_rpm(), 2_000);
        let rpm = resolve_with(
            "rpm = 60\n",
            Flags {
                rpm: Some(90),
                ..Default::default()
            },
        );
        assert_eq!(rpm.settings.effective_rpm(), 90);
    }

    #[test]
    fn a_budget_flag_beats_the_workspaces_which_beats_the_files() {
        let file = resolve_with("budget = 1000\n", Flags::default());
        assert_eq!(file.budget_for(None), Some(1000));
        assert_eq!(file.budget_for(Some(500)), Some(500));
        let flag = resolve_with(
            "budget = 1000\n",
            Flags {
                budget: Some(42),
                ..Default::default()
            },
        );
        assert_eq!(flag.budget_for(Some(500)), Some(42));
    }

    #[test]
    fn a_missing_config_file_named_on_the_command_line_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nope.toml");
        let e = resolve(&Flags {
            config: Some(path.clone()),
            ..Default::default()
        })
        .expect_err("missing");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }

    #[test]
    fn the_limiter_url_never_shows_its_password() {
        let url = LimiterUrl::parse("redis://:s3cret@cache.internal:6380/2").expect("valid");
        assert_eq!(url.shown(), "redis://cache.internal:6380/2");
        assert!(!format!("{url:?}").contains("s3cret"));
        let tls = LimiterUrl::parse("rediss://team:pw@r.example:6379/0").expect("valid");
        assert_eq!(tls.shown(), "rediss://r.example:6379/0");
        let bad = LimiterUrl::parse("http://pw@host:6379").expect_err("not redis");
        assert!(
            bad.contains("redis://HOST:PORT/DB") && !bad.contains("pw"),
            "{bad}"
        );
        assert!(LimiterUrl::parse("cache.internal:6379").is_err());
    }

    #[test]
    fn the_limiter_flag_beats_the_file() {
        let file = resolve_with(
            "limiter = \"redis://127.0.0.1:6379/0\"\nlimiter_clients = 8\n",
            Flags::default(),
        );
        assert_eq!(
            file.settings.limiter.as_ref().map(LimiterUrl::shown),
            Some("redis://127.0.0.1:6379/0".to_string())
        );
        assert_eq!(file.settings.limiter_clients, 8);
        let flag = resolve_with(
            "limiter = \"redis://127.0.0.1:6379/0\"\n",
            Flags {
                limiter: Some(LimiterUrl::parse("redis://10.0.0.9:6379/1").expect("valid")),
                ..Default::default()
            },
        );
        assert_eq!(
            flag.settings.limiter.map(|u| u.shown()),
            Some("redis://10.0.0.9:6379/1".to_string())
        );
    }

    #[test]
    fn tiers_map_to_the_documented_rates() {
        assert_eq!(tier_rpm("1"), Some(100));
        assert_eq!(tier_rpm("4"), Some(8_000));
        assert_eq!(tier_rpm("Build"), Some(10_000));
        assert_eq!(tier_rpm("bogus"), None);
        let s = Settings {
            rpm: Some(120),
            ..Default::default()
        };
        assert_eq!(s.effective_rpm(), 120);
        assert_eq!(Settings::default().effective_rpm(), 100);
    }
}
