//! Workspaces on disk: save/open round trips, attachments by reference and embedded, imports
//! of request bodies, create bodies and SDK log lines, recovery and the recent list.

use std::path::Path;
use std::time::{Duration, SystemTime};

use budgie::intake::{self, SourceKind};
use budgie::request::limits::ModelLimits;
use budgie::request::{Content, ContentBlock, Request};
use budgie::workspace::recovery::RecoveryStore;
use budgie::workspace::{self, SaveOptions, Workspace, recent};
use serde_json::{Value, json};

use crate::support::files::png_header as png;

fn draft() -> Workspace {
    let request = budgie::request::parse(
        r#"{"model":"claude-sonnet-4-5","max_tokens":512,"temperature":0.3,
            "system":"You are a scientist",
            "tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object"}}],
            "messages":[{"role":"user","content":"Hello, Claude"}],
            "future_field":{"kept":true}}"#,
    )
    .unwrap();
    let mut ws = Workspace::from_request(request);
    ws.budget = Some(20_000);
    ws.notes = "try a shorter system prompt".into();
    ws.disabled_tools.insert("get_weather".into());
    ws.variables.insert("company".into(), "Acme".into());
    ws
}

fn with_attachment(ws: &mut Workspace, file: &Path) {
    let block = intake::read_attachment(file, ModelLimits::default())
        .unwrap()
        .to_block();
    ws.request.messages[0].content = Content::Blocks(vec![ContentBlock::text("look"), block]);
}

fn image_data(ws: &Workspace) -> Option<String> {
    let Content::Blocks(blocks) = &ws.request.messages[0].content else {
        panic!("blocks")
    };
    let ContentBlock::Image(b) = &blocks[1] else {
        panic!("image")
    };
    b.source.data.clone()
}

#[test]
fn save_then_open_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("draft.budgie.json");
    let ws = draft();
    workspace::save(&ws, &path, SaveOptions::default()).unwrap();
    let opened = intake::open(&path).unwrap();
    assert_eq!(opened.workspace, ws);
    assert_eq!(opened.kind, SourceKind::Workspace);
    assert!(!opened.read_only);
    assert_eq!(opened.save_path(), Some(path.clone()));
    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(on_disk["budgie_workspace"], 1);
    assert_eq!(on_disk["request"]["max_tokens"], 512);
    assert_eq!(on_disk["disabled_tools"], json!(["get_weather"]));
    assert_eq!(on_disk["variables"], json!({"company": "Acme"}));
    // What is counted: no create-only fields, no disabled tool.
    let body = opened.workspace.to_request().count_body();
    assert!(body.get("max_tokens").is_none() && body.get("tools").is_none());
    assert_eq!(body["future_field"], json!({"kept": true}));
}

#[cfg(unix)]
#[test]
fn saving_through_a_symlink_writes_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/req.budgie.json");
    let link = dir.path().join("req.budgie.json");
    workspace::save(&draft(), &target, SaveOptions::default()).unwrap();
    std::os::unix::fs::symlink("real/req.budgie.json", &link).unwrap();
    let mut ws = intake::open(&link).unwrap().workspace;
    ws.notes = "edited through the link".into();
    workspace::save(&ws, &link, SaveOptions::default()).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        intake::open(&target).unwrap().workspace.notes,
        "edited through the link"
    );
}

#[test]
fn attachments_are_saved_by_reference_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("chart.png");
    std::fs::write(&image, png(200, 200)).unwrap();
    let mut ws = draft();
    with_attachment(&mut ws, &image);
    let data = image_data(&ws).unwrap();

    let path = dir.path().join("a.budgie.json");
    workspace::save(&ws, &path, SaveOptions::default()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(&data),
        "data saved although the file is referenced"
    );
    assert!(text.contains("sha256"));

    let opened = intake::open(&path).unwrap();
    assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
    assert_eq!(image_data(&opened.workspace), Some(data.clone()));
    // The annotation never reaches the API.
    let sent = serde_json::to_string(&opened.workspace.to_request().count_body()).unwrap();
    assert!(!sent.contains("x_budgie"));

    // Embedded: the file travels alone, even after the image is gone.
    let travelling = dir.path().join("t.budgie.json");
    workspace::save(&ws, &travelling, SaveOptions { embed: true }).unwrap();
    std::fs::remove_file(&image).unwrap();
    let opened = intake::open(&travelling).unwrap();
    assert_eq!(image_data(&opened.workspace), Some(data));
    assert!(
        opened.warnings[0].contains("chart.png")
            && opened.warnings[0].contains("using the copy saved")
    );

    // Referenced and gone: a clear message, the block kept without data.
    let opened = intake::open(&path).unwrap();
    assert_eq!(image_data(&opened.workspace), None);
    assert!(
        opened.warnings[0].contains("messages[0].content[1]"),
        "{:?}",
        opened.warnings
    );
    assert!(opened.warnings[0].contains("restore the file or remove the attachment"));
}

#[test]
fn a_changed_attachment_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("chart.png");
    std::fs::write(&image, png(200, 200)).unwrap();
    let mut ws = draft();
    with_attachment(&mut ws, &image);
    let original = image_data(&ws).unwrap();
    let embedded = dir.path().join("e.budgie.json");
    let referenced = dir.path().join("r.budgie.json");
    workspace::save(&ws, &embedded, SaveOptions { embed: true }).unwrap();
    workspace::save(&ws, &referenced, SaveOptions::default()).unwrap();
    std::fs::write(&image, png(300, 100)).unwrap();

    let opened = intake::open(&embedded).unwrap();
    assert_eq!(image_data(&opened.workspace), Some(original.clone()));
    assert!(opened.warnings[0].contains("changed since it was attached"));

    let opened = intake::open(&referenced).unwrap();
    assert_ne!(image_data(&opened.workspace), Some(original));
    assert!(opened.warnings[0].contains("changed since it was attached"));

    // Saving without embed keeps data that no longer matches its file.
    let again = dir.path().join("again.budgie.json");
    let ws2 = intake::open(&embedded).unwrap().workspace;
    workspace::save(&ws2, &again, SaveOptions::default()).unwrap();
    std::fs::remove_file(&image).unwrap();
    assert!(image_data(&intake::open(&again).unwrap().workspace).is_some());
}

#[test]
fn plain_and_create_bodies_open_and_are_not_overwritten_by_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("req.json");
    std::fs::write(
        &path,
        r#"{"model":"m","max_tokens":100,"stop_sequences":["x"],"messages":[{"role":"user","content":"hi"}]}"#,
    )
    .unwrap();
    let opened = intake::open(&path).unwrap();
    assert_eq!(opened.kind, SourceKind::CreateBody);
    assert!(
        opened.warnings[0].contains("max_tokens, stop_sequences"),
        "{:?}",
        opened.warnings
    );
    assert_eq!(opened.workspace.request.extra["max_tokens"], 100);
    assert_eq!(opened.save_path(), Some(dir.path().join("req.budgie.json")));
    let err = workspace::save(&opened.workspace, &path, SaveOptions::default()).unwrap_err();
    assert!(err.to_string().contains("req.budgie.json"), "{err}");
}

#[test]
fn a_python_sdk_debug_log_imports() {
    // The shape of the Python SDK's debug log line (`Request options: {...}`, a Python repr).
    let log = "DEBUG:anthropic._base_client:Sending HTTP Request: POST https://api.anthropic.com/v1/messages\n\
DEBUG:anthropic._base_client:Request options: {'method': 'post', 'url': '/v1/messages', 'timeout': Timeout(connect=5.0, read=600, write=600, pool=600), 'files': None, 'json_data': {'max_tokens': 1024, 'messages': [{'role': 'user', 'content': \"Hello, it's me\\nagain\"}], 'model': 'claude-sonnet-4-5', 'stream': False}}\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sdk.log");
    std::fs::write(&path, log).unwrap();
    let opened = intake::open(&path).unwrap();
    assert_eq!(opened.kind, SourceKind::LogLine);
    assert!(
        opened.warnings[0].contains("line 2"),
        "{:?}",
        opened.warnings
    );
    let r = &opened.workspace.request;
    assert_eq!(r.model, "claude-sonnet-4-5");
    assert_eq!(
        r.messages[0].content,
        Content::Text("Hello, it's me\nagain".into())
    );
    assert_eq!(r.extra["stream"], false);
    assert!(r.count_body().get("stream").is_none());
}

#[test]
fn a_json_log_line_and_a_wrapped_body_import() {
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let line = format!("2026-11-21T10:00:00Z INFO request body={body} status=200\n");
    let request = budgie::export::import(&format!("noise\n{line}")).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), body);
    let wrapped = json!({"request": {"method": "POST", "body": body.to_string()}});
    let request = budgie::export::import(&wrapped.to_string()).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), body);
}

#[test]
fn recovery_is_offered_only_when_newer_than_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let store = RecoveryStore::new(&dir.path().join("data"));
    let ws_path = dir.path().join("w.budgie.json");
    let ws = draft();
    workspace::save(&ws, &ws_path, SaveOptions::default()).unwrap();
    let saved = std::fs::metadata(&ws_path).unwrap().modified().unwrap();

    let mut edited = ws.clone();
    edited.notes.push_str(" — and one more thing");
    store
        .write(&edited, Some(&ws_path), saved + Duration::from_secs(2))
        .unwrap();
    let pending = store.pending().unwrap();
    assert_eq!(pending.workspace, edited);
    assert_eq!(
        pending.origin.as_deref(),
        Some(std::path::absolute(&ws_path).unwrap().as_path())
    );
    assert_eq!(store.pending_for(Some(&ws_path)).unwrap().workspace, edited);

    // An older recovery (the workspace was saved after it) is not offered.
    store
        .write(&edited, Some(&ws_path), saved - Duration::from_secs(5))
        .unwrap();
    assert!(store.pending_for(Some(&ws_path)).is_none());

    // Untitled drafts, discard.
    store.write(&edited, None, SystemTime::now()).unwrap();
    let untitled = store.pending_for(None).unwrap();
    budgie::workspace::recovery::discard(&untitled).unwrap();
    assert!(store.pending_for(None).is_none());
    // A damaged recovery file is skipped, not fatal.
    std::fs::write(store.dir.join("junk.json"), "{ half").unwrap();
    assert!(store.pending().is_none());
}

#[cfg(unix)]
#[test]
fn recovery_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = RecoveryStore::new(dir.path());
    let path = store.write(&draft(), None, SystemTime::now()).unwrap();
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn recent_list_persists_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.budgie.json");
    let b = dir.path().join("b.budgie.json");
    recent::push_in(dir.path(), &a).unwrap();
    recent::push_in(dir.path(), &b).unwrap();
    recent::push_in(dir.path(), &a).unwrap();
    assert_eq!(recent::list_in(dir.path()), vec![a, b]);
}

#[test]
fn open_read_only_reads_what_it_can_of_a_newer_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.budgie.json");
    let request = Request::single_text("claude-opus-5", "from the future");
    let text = json!({"budgie_workspace": 3, "request": request, "notes": "n", "panes": {}});
    std::fs::write(&path, text.to_string()).unwrap();
    let err = intake::open(&path).unwrap_err();
    assert!(err.can_open_read_only());
    let opened = intake::open_read_only(&path).unwrap();
    assert!(opened.read_only);
    assert_eq!(opened.workspace.request, request);
    assert_eq!(opened.workspace.notes, "n");
    assert!(opened.warnings[0].contains("written by a newer budgie"));
}

#[test]
fn a_corrupt_workspace_opened_read_only_is_called_corrupt_not_newer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.budgie.json");
    let request = Request::single_text("claude-sonnet-4-5", "hi");
    let text = json!({"budgie_workspace": 1, "request": request, "budget": "lots"});
    std::fs::write(&path, text.to_string()).unwrap();
    let opened = intake::open_read_only(&path).unwrap();
    let warning = opened.warnings.join("\n");
    assert!(warning.contains("corrupt workspace (budget:"), "{warning}");
    assert!(!warning.contains("newer"), "{warning}");
}

#[test]
fn a_typescript_sdk_debug_log_imports() {
    // Node prints objects over several lines with unquoted keys and single quotes.
    let log = "[log_8f1a2b] sending request {
  method: 'post',
  url: 'https://api.anthropic.com/v1/messages',
  options: {
    method: 'post',
    path: '/v1/messages',
    body: {
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: `You're a scientist`,
      messages: [ { role: 'user', content: \"it's typed\" } ],
      metadata: undefined
    }
  },
  headers: { 'anthropic-version': '2023-06-01', 'x-api-key': '***' }
}
[log_8f1a2b] response start { status: 200 }
";
    let request = budgie::export::import(log).unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "You're a scientist",
               "messages": [{"role": "user", "content": "it's typed"}]})
    );
}

#[test]
fn json_lines_import_but_a_json_document_with_an_error_is_reported() {
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let lines = format!("{{\"level\":\"info\"}}\n{{\"level\":\"debug\",\"body\":{body}}}\n");
    let request = budgie::export::import(&lines).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), body);
    // Single quotes in what is meant as a JSON file: a syntax error with its place, not a guess.
    let err = budgie::export::import("{'model': 'm', 'messages': []}").unwrap_err();
    assert!(
        err.to_string()
            .contains("malformed JSON at line 1, column 2"),
        "{err}"
    );
}

#[test]
fn a_log_with_bracketed_timestamps_imports() {
    let log = "[2026-11-21 10:00:00] DEBUG Request options: {'json_data': {'model': 'm', 'messages': []}}\n";
    let request = budgie::export::import(log).unwrap();
    assert_eq!(request.model, "m");
}

#[test]
fn annotations_inside_tool_results_are_stripped_and_disabled_ones_left_out() {
    let request = budgie::request::parse(
        r#"{"model":"m","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t",
            "content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="},
                        "x_budgie":{"path":"/a.png","sha256":"00"}},
                       {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="},
                        "x_budgie":{"path":"/b.png","sha256":"00","enabled":false}}]}]}]}"#,
    )
    .unwrap();
    let sent = Workspace::from_request(request).to_request().count_body();
    let inner = &sent["messages"][0]["content"][0]["content"];
    assert_eq!(inner.as_array().unwrap().len(), 1);
    assert!(!sent.to_string().contains("x_budgie"));
}
