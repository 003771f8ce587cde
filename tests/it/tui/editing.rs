//! The reducer on what a new user runs into: every structural edit can be undone and redone,
//! nothing acts on a pane that is not drawn, Enter edits tools and attachments, prompts do
//! not append to what they show, thinking keeps max_tokens above its budget, lists answer
//! g/G/Home/End/PgUp/PgDn, blocks can be read in full, and saves that fail never quit.

use std::path::PathBuf;
use std::time::Instant;

use crate::support::workbench::*;
use budgie::app::doc;
use budgie::app::{Effect, Msg, Overlay, Pane, PromptKind, SaveFailure, Then, update};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn esc(m: &mut budgie::app::Model) {
    send(m, [key(KeyCode::Esc)]);
}

fn attachments(m: &budgie::app::Model) -> usize {
    doc::attachments(&m.ws.request).len()
}

fn prompt_input(m: &budgie::app::Model) -> Option<(PromptKind, String)> {
    match &m.overlay {
        Overlay::Prompt { kind, input, .. } => Some((*kind, input.clone())),
        _ => None,
    }
}

#[test]
fn removing_a_tool_or_an_attachment_and_deleting_a_turn_are_undone_and_redone() {
    let mut m = example_offline();
    let original = m.ws.clone();
    let count = m.offline.total();
    esc(&mut m);
    // A tool removed with x, then an attachment, then a turn.
    send(&mut m, [key(KeyCode::Tab), ch('x')]);
    assert_eq!(m.tool_count(), 0);
    let notice = m.notice.clone().expect("a notice").0;
    assert!(notice.contains("u brings it back"), "{notice}");
    send(&mut m, [key(KeyCode::Tab), ch('x')]);
    assert_eq!(attachments(&m), 0);
    send(&mut m, [key(KeyCode::Tab), ch('d')]);
    assert!(m.ws.request.messages.len() < original.request.messages.len());
    // u three times: everything back, the count too.
    send(&mut m, [ch('u'), ch('u'), ch('u')]);
    assert_eq!(m.ws, original);
    assert_eq!(m.offline.total(), count);
    assert_eq!(m.offline.total(), full_estimate(&m));
    // Ctrl-Y redoes, Ctrl-Z undoes again.
    send(&mut m, [ctrl('y')]);
    assert_eq!(m.tool_count(), 0);
    send(&mut m, [ctrl('z')]);
    assert_eq!(m.ws, original);
}

#[test]
fn toggles_role_switches_and_the_model_are_undone() {
    let mut m = example_offline();
    let original = m.ws.clone();
    esc(&mut m);
    send(&mut m, [ch('r')]);
    send(&mut m, [key(KeyCode::Tab), ch(' ')]);
    assert!(m.ws.disabled_tools.contains("get_weather"));
    send(&mut m, [key(KeyCode::Tab), ch(' ')]);
    assert!(!budgie::workspace::block_enabled(
        doc::attachments(&m.ws.request)[0].1
    ));
    send(&mut m, [ch('m'), key(KeyCode::Down), key(KeyCode::Enter)]);
    assert_ne!(m.ws.request.model, original.request.model);
    for _ in 0..4 {
        send(&mut m, [ch('u')]);
    }
    assert_eq!(m.ws, original);
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn in_the_editor_ctrl_z_undoes_typing_then_the_last_structural_edit() {
    let mut m = example_offline();
    esc(&mut m);
    let turns = m.ws.request.messages.len();
    // n opens a new turn in the editor; type in it.
    send(&mut m, [ch('n')]);
    type_text(&mut m, "hello");
    assert!(m.editor.is_some());
    // Ctrl-Z undoes the typing (a key at a time), then the new turn itself.
    for _ in 0..5 {
        send(&mut m, [ctrl('z')]);
    }
    assert_eq!(m.ws.request.messages.len(), turns + 1);
    send(&mut m, [ctrl('z')]);
    assert_eq!(m.ws.request.messages.len(), turns);
}

#[test]
fn a_paste_whose_first_key_came_alone_is_undone_whole() {
    let mut m = example_offline();
    let before = m.ws.clone();
    // Without bracketed paste, the terminal may deliver the first key (here a newline)
    // alone and the rest as a burst.
    send(&mut m, [key(KeyCode::Enter)]);
    let rest: Vec<KeyEvent> = "second line\nthird line"
        .chars()
        .map(|c| match c {
            '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        })
        .collect();
    send(&mut m, [Msg::Keys(rest)]);
    assert_ne!(m.ws, before);
    send(&mut m, [ctrl('z')]);
    assert_eq!(m.ws.request, before.request, "no blank line left behind");
}

#[test]
fn panes_that_are_not_drawn_cannot_be_focused_or_acted_on() {
    let mut m = example_offline();
    send(&mut m, [Msg::Resize(40, 12)]);
    let original = m.ws.clone();
    esc(&mut m);
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.pane, Pane::Request, "Tab stays where the screen has room");
    let notice = m.notice.clone().expect("says why").0;
    assert!(notice.contains("at least 72×15"), "{notice}");
    send(&mut m, [ch('t'), ch(' '), ch('x')]);
    assert_eq!(m.pane, Pane::Request);
    assert_eq!(m.ws, original, "nothing changed blind");
    // A pane focused at a large size loses the focus when the terminal shrinks.
    send(&mut m, [Msg::Resize(160, 48), key(KeyCode::Tab)]);
    assert_eq!(m.pane, Pane::Tools);
    send(&mut m, [Msg::Resize(40, 12)]);
    assert_eq!(m.pane, Pane::Request);
}

#[test]
fn enter_in_the_tools_pane_edits_the_tools_json() {
    let mut m = example_offline();
    esc(&mut m);
    send(&mut m, [key(KeyCode::Tab), key(KeyCode::Enter)]);
    let Overlay::ToolEditor {
        editor, replacing, ..
    } = &m.overlay
    else {
        panic!("the tool editor: {:?}", m.overlay)
    };
    assert_eq!(*replacing, Some(0));
    let text = editor.lines().join("\n");
    assert!(text.contains("\"get_weather\""), "{text}");
    // Rename it: the tool is replaced, not added, and its count follows.
    let renamed = text.replace("\"get_weather\"", "\"weather_now\"");
    if let Overlay::ToolEditor { editor, .. } = &mut m.overlay {
        editor.select_all();
        editor.cut();
    }
    send(&mut m, [Msg::Paste(renamed), ctrl('s')]);
    assert!(matches!(m.overlay, Overlay::None), "{:?}", m.overlay);
    let tools = m.ws.request.tools.clone().expect("tools");
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name, "weather_now");
    assert_eq!(m.offline.total(), full_estimate(&m));
    send(&mut m, [ch('u')]);
    assert_eq!(m.ws.request.tools.expect("tools")[0].name, "get_weather");
}

#[test]
fn enter_in_the_attachments_pane_picks_another_file_for_it() {
    let mut m = example_offline();
    esc(&mut m);
    send(
        &mut m,
        [key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Enter)],
    );
    let (kind, input) = prompt_input(&m).expect("a prompt");
    let PromptKind::ReplaceAttachment(slot) = kind else {
        panic!("{kind:?}")
    };
    assert!(input.ends_with("budgie.png"), "{input}");
    // The file read comes back in place of the old block, and the selection is on it.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.png");
    std::fs::write(&path, crate::support::files::png(20, 10)).expect("write");
    let block =
        budgie::runtime::read_attachment(&path, budgie::config::DEFAULT_MODEL).expect("a PNG");
    send(
        &mut m,
        [Msg::AttachmentRead {
            turn: slot.turn().expect("a turn"),
            replace: Some(slot),
            result: Ok(Box::new(block)),
        }],
    );
    assert_eq!(attachments(&m), 1);
    let (_, block) = doc::attachments(&m.ws.request)[0];
    assert!(budgie::ui::lists::describe(block).starts_with("other.png"));
}

#[test]
fn after_attaching_the_selection_is_on_the_new_attachment() {
    let mut m = example_offline();
    let turn = m.focus.turn().expect("a turn");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("second.png");
    std::fs::write(&path, crate::support::files::png(8, 8)).expect("write");
    let block =
        budgie::runtime::read_attachment(&path, budgie::config::DEFAULT_MODEL).expect("a PNG");
    send(
        &mut m,
        [Msg::AttachmentRead {
            turn,
            replace: None,
            result: Ok(Box::new(block)),
        }],
    );
    assert_eq!(attachments(&m), 2);
    assert_eq!(m.pane, Pane::Attachments);
    let (_, selected) = doc::attachments(&m.ws.request)[m.attach_sel];
    assert!(budgie::ui::lists::describe(selected).starts_with("second.png"));
}

#[test]
fn the_budget_prompt_replaces_what_it_shows_and_refuses_more_than_the_context_window() {
    let mut m = example_offline();
    esc(&mut m);
    send(&mut m, [ch('b')]);
    type_text(&mut m, "8000");
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.ws.budget, Some(8000));
    // The current value is shown, and typing replaces it rather than appending.
    send(&mut m, [ch('b')]);
    assert_eq!(prompt_input(&m).expect("prompt").1, "8000");
    type_text(&mut m, "9000");
    assert_eq!(prompt_input(&m).expect("prompt").1, "9000");
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.ws.budget, Some(9000));
    // Backspace after an arrow edits it.
    send(
        &mut m,
        [ch('b'), key(KeyCode::End), key(KeyCode::Backspace)],
    );
    assert_eq!(prompt_input(&m).expect("prompt").1, "900");
    send(&mut m, [key(KeyCode::Esc)]);
    // Over the context window: refused, with the reason.
    send(&mut m, [ch('b')]);
    type_text(&mut m, "20008000");
    send(&mut m, [key(KeyCode::Enter)]);
    let Overlay::Prompt { error, .. } = &m.overlay else {
        panic!("still asking: {:?}", m.overlay)
    };
    assert!(
        error
            .as_deref()
            .unwrap_or("")
            .contains("context window of 200,000"),
        "{error:?}"
    );
    assert_eq!(m.ws.budget, Some(9000));
}

#[test]
fn a_thinking_budget_keeps_max_tokens_above_it_and_says_so() {
    let mut m = example_offline();
    assert_eq!(m.max_tokens(), Some(1024));
    esc(&mut m);
    send(&mut m, [ch('T')]);
    type_text(&mut m, "4000");
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.thinking_budget(), Some(4000));
    assert_eq!(
        m.max_tokens(),
        Some(5024),
        "thinking plus the answer's 1,024"
    );
    let notice = m.notice.clone().expect("a notice").0;
    assert!(
        notice.contains("max_tokens raised from 1,024 to 5,024"),
        "{notice}"
    );
    // What is saved is what messages.create accepts.
    let saved = budgie::workspace::format::encode(&m.ws);
    assert!(saved.contains("\"max_tokens\": 5024"), "{saved}");
    // One undo takes back both.
    send(&mut m, [ch('u')]);
    assert_eq!((m.thinking_budget(), m.max_tokens()), (None, Some(1024)));
}

#[test]
fn lists_answer_home_end_g_g_and_pages() {
    let mut m = example_offline();
    esc(&mut m);
    let slots = doc::slots(&m.ws.request);
    send(&mut m, [ch('g')]);
    assert_eq!(m.focus, slots[0]);
    send(&mut m, [ch('G')]);
    assert_eq!(m.focus, *slots.last().expect("slots"));
    send(&mut m, [key(KeyCode::Home)]);
    assert_eq!(m.focus, slots[0]);
    send(&mut m, [key(KeyCode::PageDown)]);
    assert_eq!(m.focus, *slots.last().expect("slots"), "fewer than a page");
    send(&mut m, [key(KeyCode::End), key(KeyCode::PageUp)]);
    assert_eq!(m.focus, slots[0]);
}

#[test]
fn a_block_can_be_read_in_full_without_editing_it() {
    let mut m = example_offline();
    let long = "a long line of the system prompt ".repeat(40);
    m.ws.request.system = Some(budgie::request::System::Text(long.clone()));
    esc(&mut m);
    send(&mut m, [ch('g'), ch('v')]);
    let Overlay::Viewer { title, text, .. } = &m.overlay else {
        panic!("the viewer: {:?}", m.overlay)
    };
    assert_eq!(title, "system");
    assert_eq!(*text, long);
    assert!(m.editor.is_none());
    // It scrolls to its end and no further, and closes with Esc; nothing changed.
    let before = m.ws.clone();
    send(&mut m, [Msg::Resize(60, 12), ch('G')]);
    let Overlay::Viewer { scroll, text, .. } = &m.overlay else {
        panic!("still open")
    };
    assert_eq!(*scroll, budgie::app::viewer::max_scroll(text, (60, 12)));
    assert!(*scroll > 0);
    send(&mut m, [key(KeyCode::Esc)]);
    assert!(matches!(m.overlay, Overlay::None));
    assert_eq!(m.ws, before);
}

#[test]
fn a_failed_save_never_quits() {
    let mut m = example_offline();
    type_text(&mut m, "x");
    m.path = Some(PathBuf::from("/tmp/w.budgie.json"));
    m.overwrite_ok = true;
    send(&mut m, [ctrl('q')]);
    assert!(matches!(m.overlay, Overlay::Unsaved { then: Then::Quit }));
    let effects = send(&mut m, [ch('s')]);
    let Some(Effect::Save { path, changes, .. }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    let effects = update(
        &mut m,
        Msg::Saved {
            path,
            changes,
            result: Err(SaveFailure::Failed("Permission denied".into())),
            linked: Vec::new(),
        },
    );
    assert!(!effects.contains(&Effect::Quit), "{effects:?}");
    assert!(m.unsaved);
    let notice = m.notice.clone().expect("said").0;
    assert!(
        notice.contains("not saved") && notice.contains("budgie stays open"),
        "{notice}"
    );
}

#[test]
fn a_save_that_worked_quits_when_that_was_asked() {
    let mut m = example_offline();
    type_text(&mut m, "x");
    m.path = Some(PathBuf::from("/tmp/w.budgie.json"));
    m.overwrite_ok = true;
    send(&mut m, [ctrl('q'), ch('s')]);
    let changes = m.changes;
    let effects = update(
        &mut m,
        Msg::Saved {
            path: PathBuf::from("/tmp/w.budgie.json"),
            changes,
            result: Ok(()),
            linked: Vec::new(),
        },
    );
    assert_eq!(effects, vec![Effect::Quit]);
}

#[test]
fn an_untitled_draft_is_saved_under_a_name_of_its_own() {
    let mut m = example_offline();
    m.draft_path = Some(PathBuf::from(
        "/data/drafts/draft-20260101-120000.budgie.json",
    ));
    type_text(&mut m, "x");
    assert_eq!(send(&mut m, [ctrl('s')]), vec![]);
    assert_eq!(
        prompt_input(&m),
        Some((
            PromptKind::SaveAs,
            "/data/drafts/draft-20260101-120000.budgie.json".into()
        ))
    );
    let effects = send(&mut m, [key(KeyCode::Enter)]);
    let Some(Effect::Save { path, replace, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        path,
        &PathBuf::from("/data/drafts/draft-20260101-120000.budgie.json")
    );
    assert!(
        !replace,
        "a file found there is asked about, never replaced"
    );
    // Found there: the question, then the name again.
    let changes = m.changes;
    update(
        &mut m,
        Msg::Saved {
            path: path.clone(),
            changes,
            result: Err(SaveFailure::Exists),
            linked: Vec::new(),
        },
    );
    assert!(matches!(m.overlay, Overlay::Overwrite { .. }));
    send(&mut m, [ch('n')]);
    assert_eq!(prompt_input(&m).map(|(k, _)| k), Some(PromptKind::SaveAs));
}

#[test]
fn ctrl_c_says_how_to_quit() {
    let mut m = example_offline();
    let effects = send(&mut m, [ctrl('c')]);
    assert!(effects.is_empty());
    let notice = m.notice.clone().expect("a notice").0;
    assert!(notice.contains("Ctrl-Q quits"), "{notice}");
}

#[test]
fn the_only_turn_deleted_is_said_on_the_screen() {
    let mut m = model(
        budgie::workspace::Workspace::from_request(budgie::request::Request::single_text(
            "claude-sonnet-4-5",
            "hi",
        )),
        Some("no API key"),
    );
    esc(&mut m);
    send(&mut m, [ch('G'), ch('d')]);
    assert!(m.ws.request.messages.is_empty());
    let backend = ratatui::backend::TestBackend::new(100, 30);
    let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
    terminal.draw(|f| budgie::ui::view(&m, f)).expect("draw");
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        screen.contains("no turns: the API needs at least one user message"),
        "{screen}"
    );
}

#[test]
fn max_out_without_max_tokens_says_not_set() {
    let mut m = model(
        budgie::workspace::Workspace::from_request(budgie::request::Request::single_text(
            "claude-sonnet-4-5",
            "hi",
        )),
        Some("no API key"),
    );
    let backend = ratatui::backend::TestBackend::new(120, 40);
    let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
    send(&mut m, [Msg::Tick(Instant::now())]);
    terminal.draw(|f| budgie::ui::view(&m, f)).expect("draw");
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("max out not set"), "{screen}");
    assert!(!screen.contains("max out 0"), "{screen}");
}

#[test]
fn the_open_window_lists_recent_files_without_the_open_one() {
    let mut m = example_offline();
    m.path = Some(PathBuf::from("/w/a.budgie.json"));
    m.recent = vec![
        PathBuf::from("/w/a.budgie.json"),
        PathBuf::from("/w/b.budgie.json"),
        PathBuf::from("/w/c.budgie.json"),
    ];
    send(&mut m, [ctrl('o')]);
    assert_eq!(
        m.recent_choices(""),
        vec![
            PathBuf::from("/w/b.budgie.json"),
            PathBuf::from("/w/c.budgie.json")
        ]
    );
    send(&mut m, [key(KeyCode::Down)]);
    let effects = send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(
        effects,
        vec![Effect::Open {
            path: PathBuf::from("/w/c.budgie.json")
        }]
    );
    // With unsaved changes, the question comes first.
    send(&mut m, [key(KeyCode::Enter)]);
    type_text(&mut m, "x");
    send(&mut m, [ctrl('o'), key(KeyCode::Enter)]);
    assert!(matches!(
        m.overlay,
        Overlay::Unsaved {
            then: Then::Open(_)
        }
    ));
}

#[test]
fn a_read_only_file_is_named_in_the_title() {
    let mut m = example_offline();
    m.source = Some(PathBuf::from("/somewhere/old-request.json"));
    m.read_only = true;
    let backend = ratatui::backend::TestBackend::new(120, 40);
    let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
    terminal.draw(|f| budgie::ui::view(&m, f)).expect("draw");
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        screen.contains("Request · old-request.json (read-only)"),
        "{screen}"
    );
    // Saving asks for a name, suggesting a workspace beside it.
    send(&mut m, [ctrl('s')]);
    assert_eq!(
        prompt_input(&m),
        Some((
            PromptKind::SaveAs,
            "/somewhere/old-request.budgie.json".into()
        ))
    );
}
