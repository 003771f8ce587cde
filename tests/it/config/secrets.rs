//! The API key: where it comes from, the file permissions budgie insists on, and that it
//! never shows up in an error, a Debug dump, a panic message, a workspace or an export.

use std::path::Path;

use budgie::secrets::{self, ApiKey, KeySource, SecretError};

/// Obviously fake, but long enough to be recognisable if it leaked.
const KEY: &str = "sk-ant-test-key-DO-NOT-LEAK-4242";

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_config_others_can_read_is_refused_with_the_chmod_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!("model = \"claude-opus-4-7\"\napi_key = \"{KEY}\"\n"),
    )
    .unwrap();
    chmod(&path, 0o644);
    let err = secrets::read_config_key(&path).unwrap_err();
    assert!(matches!(err, SecretError::Insecure { mode: 0o644, .. }));
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(&format!("chmod 600 {}", path.display())),
        "{message}"
    );
    assert!(!message.contains(KEY) && !format!("{err:?}").contains(KEY));
    // Group-readable only is refused too; private is accepted.
    chmod(&path, 0o640);
    assert!(secrets::read_config_key(&path).is_err());
    chmod(&path, 0o600);
    let loaded = secrets::read_config_key(&path).unwrap().unwrap();
    assert_eq!(loaded.key.expose(), KEY);
    assert_eq!(loaded.source, KeySource::ConfigFile(path.clone()));
}

#[cfg(unix)]
#[test]
fn a_readable_config_without_a_key_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "budget = 4000\n").unwrap();
    chmod(&path, 0o644);
    assert_eq!(secrets::read_config_key(&path).unwrap(), None);
}

/// The settings as every command resolves them, from the config file at `path`.
fn settings_from(path: &Path) -> budgie::config::Resolved {
    budgie::config::resolve(&budgie::config::Flags {
        config: Some(path.to_path_buf()),
        ..Default::default()
    })
    .unwrap()
}

#[cfg(unix)]
#[test]
fn store_key_creates_a_private_file_and_keeps_other_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("budgie/config.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        "# my settings\nbudget = 4000\napi_key = \"old-test-key\"\n",
    )
    .unwrap();
    chmod(&path, 0o644);
    secrets::store_key_in(&path, &ApiKey::new(KEY).unwrap()).unwrap();
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("# my settings") && text.contains("budget = 4000"));
    assert!(!text.contains("old-test-key"));
    assert_eq!(
        secrets::read_config_key(&path)
            .unwrap()
            .unwrap()
            .key
            .expose(),
        KEY
    );
    // The settings read the same file without complaining about api_key.
    let loaded = settings_from(&path);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.settings.budget, Some(4000));

    let fresh = dir.path().join("new/config.toml");
    secrets::store_key_in(&fresh, &ApiKey::new(KEY).unwrap()).unwrap();
    assert_eq!(mode(&fresh), 0o600);
    assert_eq!(mode(fresh.parent().unwrap()), 0o700);
}

#[cfg(unix)]
#[test]
fn a_malformed_config_never_quotes_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, format!("budget = 4000\napi_key = \"{KEY}\n")).unwrap();
    chmod(&path, 0o600);
    let err = secrets::read_config_key(&path).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("not valid TOML at line 2"), "{message}");
    assert!(!message.contains(KEY) && !format!("{err:?}").contains(KEY));
    // The settings' own warning about the same file must not quote the line either.
    let loaded = settings_from(&path);
    assert!(
        loaded.warnings.iter().all(|w| !w.contains(KEY)),
        "{:?}",
        loaded.warnings
    );

    std::fs::write(&path, "api_key = 42\n").unwrap();
    assert!(
        secrets::read_config_key(&path)
            .unwrap_err()
            .to_string()
            .contains("must be a string")
    );
}

#[test]
fn the_environment_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.toml");
    let loaded = secrets::load_from(Some(KEY), Some(&missing))
        .unwrap()
        .unwrap();
    assert_eq!(loaded.source, KeySource::Env);
    assert_eq!(secrets::load_from(None, Some(&missing)).unwrap(), None);
}

#[test]
fn debug_output_and_panics_are_redacted() {
    let loaded = secrets::load_from(Some(KEY), None).unwrap().unwrap();
    assert!(!format!("{loaded:?}").contains("DO-NOT-LEAK"));
    let key = loaded.key.clone();
    let payload =
        std::panic::catch_unwind(move || panic!("request failed with key {key:?} / {key}"))
            .unwrap_err();
    let text = payload.downcast_ref::<String>().unwrap();
    assert!(!text.contains("DO-NOT-LEAK"), "{text}");
    assert!(text.contains("sk-ant-…(redacted)"));
    assert_eq!(
        loaded.key.scrub(&format!("x-api-key: {KEY}")),
        "x-api-key: sk-ant-…(redacted)"
    );
}

#[test]
fn workspaces_recoveries_and_exports_hold_no_key() {
    // Nothing in a workspace can hold the key: build a full one and look.
    let dir = tempfile::tempdir().unwrap();
    let request = budgie::request::Request::single_text("claude-sonnet-4-5", "hello");
    let ws = budgie::workspace::Workspace::from_request(request.clone());
    let path = dir.path().join("w.budgie.json");
    budgie::workspace::save(&ws, &path, Default::default()).unwrap();
    let store = budgie::workspace::recovery::RecoveryStore::new(dir.path());
    let rec = store
        .write(&ws, Some(&path), std::time::SystemTime::now())
        .unwrap();
    for file in [&path, &rec] {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            !text.contains("api_key") && !text.contains("x-api-key"),
            "{text}"
        );
    }
}

/// The real binary, given a key and bad input, exits non-zero and never prints the key.
#[test]
fn the_binary_never_prints_the_key() {
    let home = tempfile::tempdir().unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/bad");
    for name in [
        "malformed.json",
        "tool_schema_string.json",
        "newer.budgie.json",
        "latin1.json",
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_budgie"))
            .args(["count", "--offline"])
            .arg(corpus.join(name))
            .env("ANTHROPIC_API_KEY", KEY)
            .env("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
            .env("BUDGIE_HOME", home.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}: exit 0 on bad input");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("DO-NOT-LEAK"), "{name}: key printed: {all}");
    }
}
