//! The API key: from `ANTHROPIC_API_KEY`, else `api_key` in the config file — a file budgie
//! creates with mode 0600 and will not take a key from while group or others can read it.
//!
//! The key lives in an [`ApiKey`], whose Debug and Display never show it; only
//! [`ApiKey::expose`] gives the value, for the one header that needs it. No message here
//! ever quotes the config file's contents.

use std::path::{Path, PathBuf};

/// The environment variable the key comes from first.
pub const ENV_VAR: &str = "ANTHROPIC_API_KEY";

/// An API key that does not print itself.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key from raw text; surrounding whitespace (a stray newline) is dropped. None when
    /// empty.
    pub fn new(raw: &str) -> Option<Self> {
        let key = raw.trim();
        (!key.is_empty()).then(|| ApiKey(key.to_string()))
    }

    /// The real value: only for the `x-api-key` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What logs and screens may show: the well-known prefix and nothing of the secret part.
    pub fn redacted(&self) -> String {
        let prefix = if self.0.starts_with("sk-ant-") {
            "sk-ant-"
        } else if self.0.starts_with("sk-") {
            "sk-"
        } else {
            ""
        };
        format!("{prefix}…(redacted)")
    }

    /// `text` with every occurrence of the key replaced by its redacted form: for crash
    /// reports and logs that might have picked up a header or an environment dump.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, &self.redacted())
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({})", self.redacted())
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Where the key came from (shown to the user instead of the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    ConfigFile(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env => write!(f, "${ENV_VAR}"),
            KeySource::ConfigFile(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedKey {
    pub key: ApiKey,
    pub source: KeySource,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{path}: holds api_key but group or others can read it (mode {mode:03o}); budgie will not use it until you run `chmod 600 {shell_path}`", path = .path.display(), shell_path = shell_quote(&.path.display().to_string()))]
    Insecure { path: PathBuf, mode: u32 },
    #[error("{path}: cannot read ({source})", path = .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not valid TOML at line {line}; fix the file (its contents are not shown because it may hold your key)", path = .path.display())]
    Malformed { path: PathBuf, line: usize },
    #[error("{path}: `api_key` must be a string in quotes", path = .path.display())]
    NotAString { path: PathBuf },
    #[error("{path}: cannot store the key ({source})", path = .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn shell_quote(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The key from `env_value` (`ANTHROPIC_API_KEY`), else from `config_file`. `Ok(None)`: no
/// key anywhere (budgie counts offline). `config::resolve` calls it with the config file
/// in use.
pub fn load_from(
    env_value: Option<&str>,
    config_file: Option<&Path>,
) -> Result<Option<LoadedKey>, SecretError> {
    if let Some(key) = env_value.and_then(ApiKey::new) {
        return Ok(Some(LoadedKey {
            key,
            source: KeySource::Env,
        }));
    }
    match config_file {
        Some(path) => read_config_key(path),
        None => Ok(None),
    }
}

/// The `api_key` in a config file, refusing a file others can read.
pub fn read_config_key(path: &Path) -> Result<Option<LoadedKey>, SecretError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SecretError::Unreadable {
                path: path.into(),
                source,
            });
        }
    };
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        // Without an api_key line there is nothing secret to worry about: config/file.rs reports
        // the syntax error itself.
        Err(_) if !mentions_api_key(&text) => return Ok(None),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            let line = 1 + text[..offset.min(text.len())].matches('\n').count();
            return Err(SecretError::Malformed {
                path: path.into(),
                line,
            });
        }
    };
    let Some(value) = table.get("api_key") else {
        return Ok(None);
    };
    check_private(path)?;
    let Some(raw) = value.as_str() else {
        return Err(SecretError::NotAString { path: path.into() });
    };
    Ok(ApiKey::new(raw).map(|key| LoadedKey {
        key,
        source: KeySource::ConfigFile(path.into()),
    }))
}

fn mentions_api_key(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("api_key"))
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| SecretError::Unreadable {
        path: path.into(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretError::Insecure {
            path: path.into(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), SecretError> {
    Ok(())
}

/// Store the key in `path`, keeping every other line of the file; the file ends up mode 0600
/// whatever it was before.
pub fn store_key_in(path: &Path, key: &ApiKey) -> Result<(), SecretError> {
    let write_err = |source| SecretError::Write {
        path: path.into(),
        source,
    };
    let existing = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(write_err(e)),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    // The key goes first: config.toml has no tables today, but a top-level key must come
    // before any `[table]` header to stay top-level.
    let mut text = format!(
        "api_key = {}\n",
        toml::Value::String(key.expose().to_string())
    );
    for line in existing.lines() {
        if !line.trim_start().starts_with("api_key") {
            text.push_str(line);
            text.push('\n');
        }
    }
    crate::atomic_file::write_with_mode(path, text.as_bytes(), Some(0o600)).map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_key() {
        let key = ApiKey::new("sk-ant-test-key-0123456789\n").expect("key");
        assert_eq!(key.expose(), "sk-ant-test-key-0123456789");
        for shown in [format!("{key}"), format!("{key:?}"), format!("{key:#?}")] {
            assert!(!shown.contains("0123456789"), "{shown}");
            assert!(shown.contains("sk-ant-…"), "{shown}");
        }
    }

    #[test]
    fn scrub_removes_every_occurrence() {
        let key = ApiKey::new("test-key-abcdef").expect("key");
        let text = "x-api-key: test-key-abcdef; again test-key-abcdef";
        assert!(!key.scrub(text).contains("abcdef"));
    }

    #[test]
    fn the_environment_wins() {
        let loaded = load_from(Some("test-key"), None)
            .expect("ok")
            .expect("some");
        assert_eq!(loaded.source, KeySource::Env);
        assert_eq!(load_from(Some("  "), None).expect("ok"), None);
    }
}
