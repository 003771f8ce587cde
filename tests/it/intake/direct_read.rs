//! A request or workspace file is read straight into its types when it is well formed, and
//! through its text otherwise: both ways must give the same workspace, kind and warnings, and
//! anything the fast reader turns down must get the general reader's message, word for word.

use std::path::{Path, PathBuf};

use budgie::intake::import::{self, Imported};
use budgie::intake::read::read_text;
use budgie::intake::{OpenOptions, direct, open_with};
use budgie::request::Request;
use budgie::workspace::{self, Workspace};

const REQUEST: &str = r#"{"model":"claude-sonnet-4-5","system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"caf\u00e9 \"quoted\"\nline"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="},"x_note":1}]}],"metadata":{"user_id":"u"},"tools":[{"name":"t","input_schema":{"type":"object"}}]}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// What the general reader (the file's text, then `import`) makes of it, as the open would.
fn through_text(path: &Path, model: Option<&str>) -> Result<Imported, String> {
    let (path, text) = read_text(&path.to_string_lossy()).map_err(|e| e.to_string())?;
    import::import(&path, &text, model).map_err(|e| e.to_string())
}

/// The open (fast reader first) and the general reader agree on `path`.
fn assert_same(path: &Path, model: Option<&str>) {
    let options = OpenOptions {
        model,
        ..Default::default()
    };
    let opened = open_with(&path.to_string_lossy(), options);
    match (opened, through_text(path, model)) {
        (Ok(opened), Ok(general)) => {
            assert_eq!(opened.workspace, general.workspace, "{}", path.display());
            assert_eq!(opened.kind, general.kind, "{}", path.display());
            // The open adds what it finds reading back attachments, after the import's.
            assert_eq!(
                opened.warnings[..general.warnings.len()],
                general.warnings,
                "{}",
                path.display()
            );
        }
        (Err(fast), Err(general)) => assert_eq!(fast.to_string(), general),
        (fast, general) => panic!(
            "{}: open gave {:?}, the general reader {:?}",
            path.display(),
            fast.map(|o| o.workspace),
            general.map(|i| i.workspace)
        ),
    }
}

#[test]
fn well_formed_requests_and_workspaces_are_read_fast_and_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let request: Request = serde_json::from_str(REQUEST).expect("request");
    let mut saved = Workspace::from_request(request);
    saved.notes = "draft".into();
    saved.budget = Some(9000);
    saved.disabled_tools.insert("t".into());
    let mut with_unknown = workspace::format::to_value(&saved);
    with_unknown["from_the_future"] = serde_json::json!(true);
    let create = REQUEST.replacen('{', r#"{"max_tokens":1024,"temperature":0.5,"#, 1);
    let cases = [
        write(dir.path(), "request.json", REQUEST),
        write(dir.path(), "create.json", &create),
        write(dir.path(), "pretty.json", &format!("\n  {REQUEST}\n\n")),
        write(
            dir.path(),
            "w.budgie.json",
            &workspace::format::encode(&saved),
        ),
        write(dir.path(), "unknown.budgie.json", &with_unknown.to_string()),
    ];
    for path in &cases {
        // Parsed from memory, and as the file is read (how files over 16 MB are read).
        for (model, whole) in [
            (None, u64::MAX),
            (Some("claude-opus-4-7"), u64::MAX),
            (None, 0),
        ] {
            let fast = direct::import_file_with(path, model, whole)
                .unwrap_or_else(|| panic!("{}: not read fast", path.display()));
            let general = through_text(path, model).expect("general reader");
            assert_eq!(fast.workspace, general.workspace, "{}", path.display());
            assert_eq!(fast.kind, general.kind, "{}", path.display());
            assert_eq!(fast.warnings, general.warnings, "{}", path.display());
            assert_same(path, model);
        }
    }
}

#[test]
fn anything_unusual_goes_the_general_way_with_the_same_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let newer = REQUEST.replacen('{', r#"{"budgie_workspace":99,"request":"#, 1) + "}";
    let cases = [
        // Syntax errors keep their line and column.
        (
            "syntax.json",
            "{\n  \"model\": \"m\",\n  \"messages\": [,]\n}".to_string(),
        ),
        ("truncated.json", REQUEST[..REQUEST.len() - 3].to_string()),
        ("trailing.json", format!("{REQUEST} x")),
        // Shape errors keep their field path.
        (
            "shape.json",
            REQUEST.replace(r#""role":"user""#, r#""role":"robot""#),
        ),
        (
            "block.json",
            REQUEST.replace(r#""media_type":"image/png""#, r#""media_type":7"#),
        ),
        (
            "no-model.json",
            REQUEST.replace(r#""model":"claude-sonnet-4-5","#, ""),
        ),
        ("not-object.json", "[1, 2]".into()),
        ("empty.json", "  \n".into()),
        ("newer.budgie.json", newer),
        (
            "damaged.budgie.json",
            r#"{"budgie_workspace":1,"request":{"model":"m","messages":[]},"budget":"lots"}"#
                .into(),
        ),
        // Read fine by the general reader, not by the fast one.
        (
            "duplicate.json",
            REQUEST.replacen('{', r#"{"model":"x","#, 1),
        ),
        ("bom.json", format!("\u{feff}{REQUEST}")),
        (
            "wrapped.json",
            format!(r#"{{"request_id":"r","body":{REQUEST}}}"#),
        ),
        (
            "log.txt",
            format!("2026-11-21 10:00 INFO sending {REQUEST}\n"),
        ),
        (
            "marker-late.json",
            REQUEST.replacen("}]}]", r#"}]}],"budgie_workspace":1"#, 1),
        ),
    ];
    for (name, text) in &cases {
        let path = write(dir.path(), name, text);
        for whole in [u64::MAX, 0] {
            assert!(
                direct::import_file_with(&path, None, whole).is_none(),
                "{name}: read fast"
            );
        }
        assert_same(&path, None);
    }
    // A missing model named on the command line: the general reader fills it in.
    let no_model = dir.path().join("no-model.json");
    assert!(direct::import_file(&no_model, Some("claude-sonnet-4-5")).is_none());
    assert_same(&no_model, Some("claude-sonnet-4-5"));
    // Not UTF-8, and not a file at all.
    let latin1 = dir.path().join("latin1.json");
    std::fs::write(
        &latin1,
        b"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\xe9\"}]}",
    )
    .expect("write");
    assert!(direct::import_file(&latin1, None).is_none());
    assert_same(&latin1, None);
    assert!(direct::import_file(dir.path(), None).is_none());
    assert!(direct::import_file(&dir.path().join("missing.json"), None).is_none());
}

#[test]
fn the_bad_input_corpus_gets_the_same_messages_either_way() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/bad");
    let mut seen = 0;
    for entry in std::fs::read_dir(&corpus).expect("corpus") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            assert_same(&path, None);
            seen += 1;
        }
    }
    assert!(seen > 5, "only {seen} corpus files");
}
