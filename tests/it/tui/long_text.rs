//! Typing in very long blocks: the cursor stays on screen and what is typed shows (the
//! editor holds a window of the block, not all of it), the text and the count stay exact;
//! and Esc followed at once by a key, read together, is Esc then the key.

use crate::support::tmux::{Tmux, assert_restored, shell_command};
use crate::support::workbench::*;
use budgie::app::{Msg, Slot, doc};
use budgie::request::{Request, System};
use budgie::workspace::Workspace;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// `lines` lines of about 78 characters: 50,000 of them are 3.9 MB.
fn long_text(lines: usize) -> String {
    (0..lines)
        .map(|i| {
            format!("{i:05} the quick brown fox jumps over the lazy dog; then it naps in the sun.")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn screen(m: &budgie::app::Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("backend");
    terminal.draw(|f| budgie::ui::view(m, f)).expect("draws");
    let buf = terminal.backend().buffer();
    (0..height)
        .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn slot_text(m: &budgie::app::Model, slot: Slot) -> String {
    doc::content(&m.ws.request, slot)
        .and_then(doc::SlotContent::text)
        .expect("a text slot")
        .to_string()
}

fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

#[test]
fn a_pasted_50000_line_text_keeps_the_cursor_and_the_typing_on_screen() {
    let mut m = example_offline();
    send(&mut m, [Msg::Resize(80, 24)]);
    let _ = screen(&m, 80, 24);
    let slot = m.editor.as_ref().expect("typing in the last turn").slot;
    send(&mut m, [Msg::Paste(format!("\n{}\n", long_text(50_000)))]);
    // Drawn between keys, as the runtime does: the view follows each key.
    for c in "ZQXMARK".chars() {
        send(&mut m, [ch(c)]);
        let _ = screen(&m, 80, 24);
    }
    let shown = screen(&m, 80, 24);
    assert!(shown.contains("ZQXMARK"), "the typing shows:\n{shown}");
    assert!(slot_text(&m, slot).ends_with("in the sun.\nZQXMARK"));
    // Up into the middle and type there: it shows, and lands on that line.
    for _ in 0..25_000 {
        send(&mut m, [key(KeyCode::Up)]);
    }
    send(&mut m, [key(KeyCode::Home)]);
    let line = m.editor.as_ref().expect("editing").cursor_line();
    assert!(line < 45_000, "moved up, by wrapped rows: line {line}");
    type_text(&mut m, "MIDDLE");
    let shown = screen(&m, 80, 24);
    assert!(shown.contains("MIDDLE"), "the typing shows:\n{shown}");
    let text = slot_text(&m, slot);
    let typed_line = text.split('\n').nth(line).expect("the line");
    assert!(typed_line.starts_with("MIDDLE"), "{typed_line:?}");
    assert_eq!(m.offline.total(), full_estimate(&m));
}

#[test]
fn typing_in_a_long_block_is_undone_after_the_window_moved_on() {
    let mut ws = Workspace::from_request(Request::single_text("claude-sonnet-4-5", "hi"));
    ws.request.system = Some(System::Text(long_text(5_000)));
    let mut m = model(ws, Some("test"));
    send(
        &mut m,
        [key(KeyCode::Esc), key(KeyCode::Home), key(KeyCode::Enter)],
    );
    assert_eq!(m.editor.as_ref().map(|e| e.slot), Some(Slot::System(0)));
    let before = slot_text(&m, Slot::System(0));
    for _ in 0..2_500 {
        send(&mut m, [key(KeyCode::Up)]);
    }
    send(&mut m, [key(KeyCode::Home)]);
    type_text(&mut m, "typed here ");
    // Far away: the window moves on; the typing is kept.
    for _ in 0..1_000 {
        send(&mut m, [key(KeyCode::Up)]);
    }
    assert!(slot_text(&m, Slot::System(0)).contains("typed here 02499 the quick"));
    send(&mut m, [ctrl('z')]);
    assert_eq!(
        slot_text(&m, Slot::System(0)),
        before,
        "Ctrl-Z takes the typing back"
    );
    assert_eq!(m.offline.total(), full_estimate(&m));
    assert!(
        m.editor.is_some(),
        "still typing, where the undone typing was"
    );
}

/// A move or an edit in the editor.
#[derive(Debug, Clone)]
enum Op {
    Type(String),
    Up(u16),
    Down(u16),
    PageUp,
    PageDown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        "[a-z é\n]{1,6}".prop_map(Op::Type),
        (1u16..400).prop_map(Op::Up),
        (1u16..400).prop_map(Op::Down),
        Just(Op::PageUp),
        Just(Op::PageDown),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Whatever moves and typing, in a block far longer than the editor's window: the block
    /// is the text with each piece typed inserted where the cursor was, and the offline
    /// count equals a count of the whole request from scratch.
    #[test]
    fn typing_anywhere_in_a_long_block_is_exact(ops in proptest::collection::vec(op(), 1..30)) {
        let mut ws = Workspace::from_request(Request::single_text("claude-sonnet-4-5", "hi"));
        let mut expected = long_text(3_000);
        ws.request.system = Some(System::Text(expected.clone()));
        let mut m = model(ws, Some("test"));
        send(&mut m, [key(KeyCode::Esc), key(KeyCode::Home), key(KeyCode::Enter)]);
        let _ = screen(&m, 160, 48);
        for op in ops {
            match op {
                Op::Type(text) => {
                    let at = m.editor.as_ref().expect("editing").cursor_byte();
                    expected.insert_str(at, &text);
                    type_text(&mut m, &text.replace('\n', "\r"));
                }
                Op::Up(n) => { send(&mut m, (0..n).map(|_| key(KeyCode::Up))); }
                Op::Down(n) => { send(&mut m, (0..n).map(|_| key(KeyCode::Down))); }
                Op::PageUp => { send(&mut m, [key(KeyCode::PageUp)]); }
                Op::PageDown => { send(&mut m, [key(KeyCode::PageDown)]); }
            }
            let _ = screen(&m, 160, 48);
        }
        prop_assert_eq!(slot_text(&m, Slot::System(0)), expected);
        prop_assert_eq!(m.offline.total(), full_estimate(&m));
    }
}

#[test]
fn esc_and_a_key_read_together_are_esc_then_the_key() {
    // In the editor: Alt-q (what crossterm makes of "\x1bq") is bound to nothing, so it is
    // Esc, then q — which quits (nothing unsaved).
    let mut m = example_offline();
    assert!(m.editor.is_some());
    let effects = send(&mut m, [alt('q')]);
    assert!(m.editor.is_none(), "Esc left the editor");
    assert!(effects.contains(&budgie::app::Effect::Quit), "{effects:?}");
    // In a burst too (the keys read with others).
    let mut m = example_offline();

    let keys = vec![
        KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('k'), KeyModifiers::ALT),
    ];
    let slot = m.focus;
    let before = slot_text(&m, slot);
    send(&mut m, [Msg::Keys(keys)]);
    assert!(m.editor.is_none(), "Esc left the editor");
    assert_eq!(
        slot_text(&m, slot),
        format!("{before}a"),
        "the typing before it kept"
    );
}

#[test]
fn alt_keys_the_editor_binds_stay_alt_keys() {
    // Alt-b moves back a word in the editor: it neither leaves the editor nor types.
    let mut m = example_offline();
    let slot = m.editor.as_ref().expect("editing").slot;
    let text = slot_text(&m, slot);
    let before = m.editor.as_ref().expect("editing").area.cursor();
    send(&mut m, [alt('b')]);
    let editor = m.editor.as_ref().expect("still editing");
    assert_ne!(editor.area.cursor(), before, "moved back a word");
    assert_eq!(slot_text(&m, slot), text);
}

#[test]
fn in_tmux_a_50000_line_text_keeps_what_is_typed_on_screen() {
    let home = tempfile::tempdir().expect("tempdir");
    let request = serde_json::json!({
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": long_text(50_000)}],
    });
    std::fs::write(home.path().join("long.json"), request.to_string()).expect("write");
    let command = shell_command(home.path(), "", "long.json");
    let Some(t) = Tmux::start_sized("long-text", &command, 80, 24) else {
        return;
    };
    t.wait_for_text("tokens");
    t.keys(" ZQXMARK");
    t.wait_for_text("ZQXMARK");
    t.key("Enter");
    t.keys("second line typed");
    t.wait_for_text("second line typed");
    t.key("C-q");
    t.wait_for_text("has unsaved changes");
    t.keys("d");
    assert_restored(&t);
}

#[test]
fn in_tmux_esc_and_q_sent_together_quit() {
    let home = tempfile::tempdir().expect("tempdir");
    let Some(t) = Tmux::start("esc-q", &shell_command(home.path(), "", "")) else {
        return;
    };
    t.wait_for_text("tokens");
    t.keys_together(&["Escape", "q"]);
    assert_restored(&t);
}
