//! The reducer without a terminal: messages in, state and effects out.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::workbench::*;
use budgie::app::doc::{self, Slot, SlotContent};
use budgie::app::{CountEvent, CountFailure, Effect, ExactState, Msg, Overlay, Pane, update};
use budgie::request::{Content, ContentBlock, Role};
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

fn focused_text(m: &budgie::app::Model) -> String {
    doc::content(&m.ws.request, m.focus)
        .and_then(SlotContent::text)
        .unwrap_or("")
        .to_string()
}

#[test]
fn starts_typing_in_the_last_user_turn() {
    let mut m = example_offline();
    let last_user =
        m.ws.request
            .messages
            .iter()
            .rposition(|t| t.role == Role::User)
            .expect("the example has a user turn");
    assert_eq!(m.focus.turn(), Some(last_user));
    assert!(m.editor.is_some(), "the editor is open at once");
    let before = focused_text(&m);
    type_text(&mut m, "!?");
    assert_eq!(focused_text(&m), format!("{before}!?"), "typed at the end");
}

#[test]
fn every_keystroke_updates_the_offline_count_to_the_full_estimate() {
    let mut m = example_offline();
    let start = m.offline.total();
    assert_eq!(start, full_estimate(&m));
    for c in " and what about Oakland, and Berkeley too?".chars() {
        send(&mut m, [ch(c)]);
        assert_eq!(m.offline.total(), full_estimate(&m), "after typing {c:?}");
    }
    assert!(m.offline.total() > start);
    // Deleting recounts too.
    send(&mut m, (0..10).map(|_| key(KeyCode::Backspace)));
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn offline_typing_asks_for_no_exact_count() {
    let mut m = example_offline();
    let effects = type_text(&mut m, "abc");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(m.exact, ExactState::Offline { .. }));
}

#[test]
fn online_typing_bumps_the_revision_and_asks_for_a_count() {
    let mut m = example_online();
    let r0 = m.revision;
    let effects = type_text(&mut m, "ab");
    assert_eq!(effects, vec![Effect::CountExact, Effect::CountExact]);
    assert_eq!(m.revision, r0 + 2);
    assert_eq!(m.exact, ExactState::Pending);
    // Moving the cursor changes nothing that is counted.
    let effects = send(&mut m, [key(KeyCode::Left)]);
    assert!(effects.is_empty());
    assert_eq!(m.revision, r0 + 2);
}

#[test]
fn results_for_older_content_are_dropped() {
    let mut m = example_online();
    type_text(&mut m, "a");
    let old = m.revision;
    type_text(&mut m, "b");
    let now = Instant::now();
    update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision: old,
            result: Ok(999),
            at: now,
        }),
    );
    assert_eq!(m.exact, ExactState::Pending, "a stale count is not shown");
    assert_eq!(m.shown_count(), (m.offline.total(), false));
    let current = m.revision;
    update(
        &mut m,
        Msg::Count(CountEvent::Started { revision: current }),
    );
    assert_eq!(m.exact, ExactState::Counting);
    update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision: current,
            result: Ok(1234),
            at: now,
        }),
    );
    assert_eq!(m.shown_count(), (1234, true));
    // The next keystroke makes the exact count stale again.
    type_text(&mut m, "c");
    assert_eq!(m.shown_count(), (m.offline.total(), false));
}

#[test]
fn rate_limits_and_errors_are_shown_for_the_current_content() {
    let mut m = example_online();
    type_text(&mut m, "a");
    let current = m.revision;
    let at = Instant::now();
    update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision: current,
            result: Err(CountFailure::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
                message: "rate-limited".into(),
            }),
            at,
        }),
    );
    assert_eq!(
        m.exact,
        ExactState::RateLimited {
            until: at + Duration::from_secs(3)
        }
    );
    update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision: current,
            result: Err(CountFailure::Failed("the API key was refused (401)".into())),
            at,
        }),
    );
    assert_eq!(
        m.exact,
        ExactState::Failed {
            message: "the API key was refused (401)".into()
        }
    );
}

#[test]
fn esc_leaves_the_editor_and_letters_act_in_navigation() {
    let mut m = example_offline();
    let turns = m.ws.request.messages.len();
    send(&mut m, [key(KeyCode::Esc)]);
    assert!(m.editor.is_none());
    // n: a new turn after this one, with the other role, editor open.
    let role = m.ws.request.messages[turns - 1].role;
    send(&mut m, [ch('n')]);
    assert_eq!(m.ws.request.messages.len(), turns + 1);
    assert_eq!(m.ws.request.messages[turns].role, doc::other_role(role));
    assert_eq!(m.focus, Slot::Turn(turns, 0));
    assert!(m.editor.is_some());
    type_text(&mut m, "Sure.");
    assert_eq!(m.offline.total(), full_estimate(&m));
    // r switches the role; d deletes; u brings it back.
    send(&mut m, [key(KeyCode::Esc), ch('r')]);
    assert_eq!(m.ws.request.messages[turns].role, role);
    let deleted = m.ws.request.messages[turns].clone();
    send(&mut m, [ch('d')]);
    assert_eq!(m.ws.request.messages.len(), turns);
    assert_eq!(m.offline.total(), full_estimate(&m));
    send(&mut m, [ch('u')]);
    assert_eq!(m.ws.request.messages[turns], deleted);
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn the_system_prompt_is_not_deleted_as_a_turn() {
    let mut m = example_offline();
    send(&mut m, [key(KeyCode::Esc)]);
    for _ in 0..20 {
        send(&mut m, [key(KeyCode::Up)]);
    }
    assert_eq!(m.focus, Slot::System(0));
    let turns = m.ws.request.messages.len();
    send(&mut m, [ch('d')]);
    assert_eq!(m.ws.request.messages.len(), turns);
}

#[test]
fn tab_moves_between_panes_and_space_toggles_a_tool() {
    let mut m = example_online();
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.pane, Pane::Tools);
    assert!(m.editor.is_none());
    let with_tool = m.offline.total();
    let r = m.revision;
    let effects = send(&mut m, [ch(' ')]);
    assert_eq!(effects, vec![Effect::CountExact]);
    assert!(m.ws.disabled_tools.contains("get_weather"));
    assert!(m.ws.to_request().tools.unwrap_or_default().is_empty());
    assert_eq!(m.revision, r + 1);
    assert_eq!(m.offline.total(), full_estimate(&m));
    assert!(m.offline.total() <= with_tool);
    send(&mut m, [ch(' ')]);
    assert!(m.ws.disabled_tools.is_empty());
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.pane, Pane::Attachments);
    send(&mut m, [key(KeyCode::BackTab)]);
    assert_eq!(m.pane, Pane::Tools);
}

#[test]
fn attachments_toggle_and_leave_the_sent_request() {
    let mut m = example_online();
    send(&mut m, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(m.pane, Pane::Attachments);
    let images = |m: &budgie::app::Model| {
        m.ws.to_request()
            .messages
            .iter()
            .filter_map(|t| match &t.content {
                Content::Blocks(b) => Some(
                    b.iter()
                        .filter(|b| matches!(b, ContentBlock::Image(_)))
                        .count(),
                ),
                Content::Text(_) => None,
            })
            .sum::<usize>()
    };
    assert_eq!(images(&m), 1);
    send(&mut m, [ch(' ')]);
    assert_eq!(images(&m), 0, "a disabled attachment is not sent");
    assert_eq!(
        doc::attachments(&m.ws.request).len(),
        1,
        "but it stays in the draft"
    );
    send(&mut m, [ch('x')]);
    assert_eq!(doc::attachments(&m.ws.request).len(), 0);
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn ctrl_q_quits_at_once_when_saved_and_asks_when_not() {
    let mut m = example_offline();
    assert_eq!(send(&mut m, [ctrl('q')]), vec![Effect::Quit]);
    type_text(&mut m, "x");
    send(&mut m, [key(KeyCode::Esc), ch('?')]);
    assert!(matches!(m.overlay, Overlay::Help { .. }));
    // From anywhere, even a window: the question, and nothing else yet.
    assert_eq!(send(&mut m, [ctrl('q')]), vec![]);
    assert!(
        matches!(m.overlay, Overlay::Unsaved { .. }),
        "{:?}",
        m.overlay
    );
    // Esc: stay, nothing lost.
    assert_eq!(send(&mut m, [key(KeyCode::Esc)]), vec![]);
    assert!(matches!(m.overlay, Overlay::None));
    assert!(m.unsaved);
    // d: discard and quit.
    send(&mut m, [ctrl('q')]);
    assert_eq!(send(&mut m, [ch('d')]), vec![Effect::Quit]);
}

#[test]
fn ctrl_s_saves_to_the_open_file_but_asks_a_name_for_a_read_only_one() {
    let mut m = example_offline();
    m.path = Some(PathBuf::from("/tmp/x.budgie.json"));
    m.overwrite_ok = true;
    let effects = send(&mut m, [ctrl('s')]);
    let Effect::Save {
        path,
        workspace,
        replace,
        ..
    } = &effects[0]
    else {
        panic!("{effects:?}")
    };
    assert_eq!(path, std::path::Path::new("/tmp/x.budgie.json"));
    assert!(
        *replace,
        "the workspace's own file is replaced without asking"
    );
    assert_eq!(**workspace, m.ws);
    m.read_only = true;
    let effects = send(&mut m, [ctrl('s')]);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        matches!(
            m.overlay,
            Overlay::Prompt {
                kind: budgie::app::PromptKind::SaveAs,
                ..
            }
        ),
        "{:?}",
        m.overlay
    );
}

#[test]
fn a_paste_is_one_step() {
    let mut m = example_online();
    let r = m.revision;
    let pasted = "line one\r\nline two\nline three";
    let effects = send(&mut m, [Msg::Paste(pasted.into())]);
    assert_eq!(effects, vec![Effect::CountExact]);
    assert_eq!(m.revision, r + 1);
    assert!(focused_text(&m).ends_with("line one\nline two\nline three"));
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn help_opens_and_closes() {
    let mut m = example_offline();
    send(&mut m, [key(KeyCode::Esc), ch('?')]);
    assert!(matches!(m.overlay, Overlay::Help { scroll: 0 }));
    send(&mut m, [key(KeyCode::Down)]);
    assert!(matches!(m.overlay, Overlay::Help { scroll: 1 }));
    send(&mut m, [key(KeyCode::Esc)]);
    assert!(matches!(m.overlay, Overlay::None));
}

#[test]
fn the_model_picker_filters_and_switches_the_model() {
    let mut m = example_offline();
    send(&mut m, [key(KeyCode::Esc), ch('m')]);
    type_text(&mut m, "opus-4-7");
    let Overlay::ModelPicker { filter, .. } = &m.overlay else {
        panic!("picker open")
    };
    assert_eq!(filter, "opus-4-7");
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.ws.request.model, "claude-opus-4-7");
    assert_eq!(m.model_info().frame, 11);
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn budget_and_thinking_prompts_parse_and_complain() {
    let mut m = example_offline();
    send(&mut m, [key(KeyCode::Esc), ch('b')]);
    // Clear what is there, then type.
    send(&mut m, (0..10).map(|_| key(KeyCode::Backspace)));
    type_text(&mut m, "1.5k");
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.ws.budget, Some(1500));
    assert_eq!(m.budget_limit(), 1500);

    send(&mut m, [ch('T')]);
    type_text(&mut m, "500");
    send(&mut m, [key(KeyCode::Enter)]);
    let Overlay::Prompt { error: Some(e), .. } = &m.overlay else {
        panic!("a too-small thinking budget is refused: {:?}", m.overlay)
    };
    assert!(e.contains("1024"), "{e}");
    send(&mut m, (0..3).map(|_| key(KeyCode::Backspace)));
    type_text(&mut m, "2048");
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.thinking_budget(), Some(2048));
    assert!(matches!(m.overlay, Overlay::None));
}

#[test]
fn the_tool_editor_validates_live_and_adds_a_valid_tool() {
    let mut m = example_offline();
    send(&mut m, [key(KeyCode::Esc), key(KeyCode::Tab), ch('w')]);
    let Overlay::ToolEditor { error, .. } = &m.overlay else {
        panic!("tool editor open")
    };
    assert!(error.is_none(), "the template is valid: {error:?}");
    // Break the JSON: the error appears at once.
    type_text(&mut m, "}");
    let Overlay::ToolEditor { error, .. } = &m.overlay else {
        panic!("still open")
    };
    assert!(error.is_some());
    send(&mut m, [key(KeyCode::Backspace), ctrl('s')]);
    assert!(matches!(m.overlay, Overlay::None));
    let names: Vec<String> =
        m.ws.request
            .tools
            .iter()
            .flatten()
            .map(|t| t.name.clone())
            .collect();
    assert_eq!(names, ["get_weather", "my_tool"]);
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn an_attachment_read_goes_before_the_text_of_the_user_turn() {
    let mut m = example_offline();
    let turn = m.focus.turn().expect("on a turn");
    let png = include_bytes!("../../../assets/example/budgie.png");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bird.png");
    std::fs::write(&path, png).expect("write");
    let block = budgie::runtime::read_attachment(&path, budgie::config::DEFAULT_MODEL)
        .expect("reads a PNG");
    send(
        &mut m,
        [Msg::AttachmentRead {
            turn,
            replace: None,
            result: Ok(Box::new(block)),
        }],
    );
    let Content::Blocks(blocks) = &m.ws.request.messages[turn].content else {
        panic!("the turn became a block list")
    };
    assert!(matches!(blocks[0], ContentBlock::Image(_)));
    assert!(matches!(blocks[1], ContentBlock::Text(_)));
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn a_click_on_a_tool_checkbox_toggles_it() {
    let mut m = example_offline();
    let size = ratatui::layout::Rect::new(0, 0, m.size.0, m.size.1);
    let areas = budgie::ui::layout::areas(&m, size);
    let tools = areas
        .side
        .and_then(|s| s.tools)
        .expect("tools pane shown at 160x48");
    // The runtime asks the layout what a click lands on, then hands that to the reducer.
    let click = |m: &budgie::app::Model, column, row| {
        let mouse = MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        };
        Msg::Pointer(budgie::ui::layout::pointer(m, mouse).expect("a left click"))
    };
    // The first row inside the border, on the "[x]".
    let msg = click(&m, tools.x + 2, tools.y + 1);
    send(&mut m, [msg]);
    assert_eq!(m.pane, Pane::Tools);
    assert!(m.ws.disabled_tools.contains("get_weather"));
    // A click in the request pane focuses it again.
    let request = areas.request;
    let msg = click(&m, request.x + 5, request.y + 2);
    send(&mut m, [msg]);
    assert_eq!(m.pane, Pane::Request);
}

#[test]
fn a_pdf_attachment_shows_its_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, crate::support::files::pdf_pages(&[None; 3])).expect("write");
    let block = budgie::runtime::read_attachment(&path, budgie::config::DEFAULT_MODEL)
        .expect("reads a PDF");
    assert!(matches!(block, ContentBlock::Document(_)));
    let shown = budgie::ui::lists::describe(&block);
    assert!(shown.starts_with("report.pdf"), "{shown}");
    assert!(shown.contains(" 3 p."), "{shown}");
    // Not what its name says (text named .png): refused with the path named.
    let other = dir.path().join("notes.png");
    std::fs::write(&other, "hello").expect("write");
    let e = budgie::runtime::read_attachment(&other, budgie::config::DEFAULT_MODEL)
        .expect_err("refused");
    assert!(e.contains("notes.png"), "{e}");
}

#[test]
fn attachments_show_the_size_of_their_file() {
    // 938 bytes as base64 (1,252 characters with one `=` of padding): 938 B, not 939 B.
    let mut png = crate::support::files::png_header(10, 10);
    png.resize(938, 0);
    let image: ContentBlock = serde_json::from_value(serde_json::json!({"type": "image",
        "source": {"type": "base64", "media_type": "image/png",
            "data": crate::support::base64(&png)}}))
    .expect("an image block");
    assert!(budgie::ui::lists::describe(&image).ends_with(" 938 B"));
    assert!(doc::block_summary(&image).ends_with("image/png, 938 B"));
    // A text document holds its text as is: 20,971,572 bytes are 20.0 MB (in the binary
    // multiples the API's limits use), not three quarters of it.
    let text: ContentBlock = serde_json::from_value(serde_json::json!({"type": "document",
        "source": {"type": "text", "media_type": "text/plain",
            "data": "a".repeat(20_971_572)}}))
    .expect("a document block");
    assert!(budgie::ui::lists::describe(&text).ends_with(" 20.0 MB"));
    assert!(doc::block_summary(&text).ends_with("text/plain, 20.0 MB"));
}

#[test]
fn a_paste_loses_only_control_characters() {
    let mut m = example_offline();
    let before = focused_text(&m);
    // A terminal can smuggle escape sequences into a paste; CRLF comes from Windows.
    send(
        &mut m,
        [Msg::Paste(" red\x1b[31m text\r\nnext line".into())],
    );
    assert_eq!(
        focused_text(&m),
        format!("{before} red[31m text\nnext line")
    );
    let notice = m
        .notice
        .as_ref()
        .map(|(text, _)| text.clone())
        .unwrap_or_default();
    assert!(notice.contains("1 control character"), "{notice}");
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn the_windows_keys_come_from_the_keymap() {
    let (keymap, warnings) = budgie::app::Keymap::with_overrides(
        "[help]\ncancel = [\"x\"]\n[model_picker]\nconfirm = [\"ctrl-o\"]\n",
    )
    .expect("a keymap");
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut m = example_offline();
    m.keymap = keymap;
    send(&mut m, [key(KeyCode::Esc), ch('?')]);
    assert!(matches!(m.overlay, Overlay::Help { .. }));
    send(&mut m, [key(KeyCode::Esc)]);
    assert!(
        matches!(m.overlay, Overlay::Help { .. }),
        "Esc is no longer bound in the help"
    );
    send(&mut m, [ch('x')]);
    assert!(matches!(m.overlay, Overlay::None), "x closes it");
    // The model picker: Enter is typed no more; Ctrl-O chooses.
    send(&mut m, [ch('m')]);
    send(&mut m, "opus-4-7".chars().map(ch));
    send(&mut m, [key(KeyCode::Enter)]);
    assert!(matches!(m.overlay, Overlay::ModelPicker { .. }));
    send(&mut m, [ctrl('o')]);
    assert_eq!(m.ws.request.model, "claude-opus-4-7");
}
