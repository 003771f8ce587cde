//! Whole screens on a `TestBackend` at several sizes and in the states that matter. Snapshots
//! carry no colours, so where colour carries meaning it is asserted directly.

use std::time::{Duration, Instant};

use crate::support::workbench::*;
use budgie::app::{CountEvent, CountFailure, ExactState, Model, Msg, update};
use budgie::config::Theme;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn render(m: &mut Model, w: u16, h: u16) -> Buffer {
    update(m, Msg::Resize(w, h));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal.draw(|f| budgie::ui::view(m, f)).expect("draws");
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Where `needle` starts on screen.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    for y in 0..area.height {
        let row: Vec<&str> = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line: String = row.concat();
        if let Some(byte) = line.find(needle) {
            // Map the byte offset back to a column (each cell holds one symbol).
            let mut acc = 0;
            for (x, s) in row.iter().enumerate() {
                if acc == byte {
                    return Some((x as u16, y));
                }
                acc += s.len();
            }
        }
    }
    None
}

#[test]
fn the_example_at_160x48() {
    let mut m = example_offline();
    let buf = render(&mut m, 160, 48);
    insta::assert_snapshot!("example_160x48", text(&buf));
    let t = text(&buf);
    assert!(t.contains("offline (no API key)"), "says it counts offline");
    assert!(t.contains("get_weather"));
    assert!(t.contains("budgie.png"));
}

#[test]
fn the_example_at_80x24() {
    let mut m = example_offline();
    let buf = render(&mut m, 80, 24);
    insta::assert_snapshot!("example_80x24", text(&buf));
}

#[test]
fn the_example_at_20x5_and_smaller_never_panics() {
    let mut m = example_offline();
    let buf = render(&mut m, 20, 5);
    insta::assert_snapshot!("example_20x5", text(&buf));
    for (w, h) in [
        (0, 0),
        (1, 1),
        (0, 10),
        (10, 0),
        (2, 2),
        (20, 1),
        (20, 2),
        (5, 20),
        (71, 13),
    ] {
        render(&mut m, w, h);
    }
    // The overlays too.
    for key in ['?', 'm', 'b', 'a', 'T'] {
        let mut m = example_offline();
        update(&mut m, key_msg(KeyCode::Esc));
        update(&mut m, ch(key));
        for (w, h) in [(0, 0), (1, 1), (20, 5), (80, 24)] {
            render(&mut m, w, h);
        }
    }
}

fn key_msg(code: KeyCode) -> Msg {
    key(code)
}

#[test]
fn over_budget_says_by_how_much_in_red() {
    let mut m = example_offline();
    m.budget_flag = Some(50);
    let total = m.offline.total();
    assert!(total > 50, "the example is over a 50-token budget");
    let buf = render(&mut m, 160, 48);
    let expected = format!("over by {}", total - 50);
    insta::assert_snapshot!("over_budget_160x48", text(&buf));
    let (x, y) = find(&buf, &expected).expect("\"over by N\" is on screen");
    let cell = &buf[(x, y)];
    assert_eq!(cell.fg, Color::Red, "over budget is red");
    assert!(cell.modifier.contains(Modifier::BOLD));
    // Small screens say it too.
    let small = render(&mut m, 40, 10);
    assert!(text(&small).contains("over by"), "{}", text(&small));
}

#[test]
fn budget_colours_turn_at_75_and_90_percent() {
    for (budget_share, colour) in [
        (0.5, Color::Green),
        (0.8, Color::Yellow),
        (0.95, Color::LightRed),
    ] {
        let mut m = example_offline();
        let total = m.offline.total();
        m.budget_flag = Some((total as f64 / budget_share).round() as u64);
        let buf = render(&mut m, 160, 48);
        let (x, y) = find(&buf, "█").expect("a filled bar");
        assert_eq!(buf[(x, y)].fg, colour, "at {budget_share}");
    }
}

#[test]
fn rate_limited_and_api_error_states() {
    let mut m = example_online();
    type_text(&mut m, "x");
    let now = Instant::now();
    update(&mut m, Msg::Tick(now));
    let revision = m.revision;
    update(
        &mut m,
        Msg::Count(CountEvent::RateLimited {
            revision,
            until: now + Duration::from_millis(2500),
        }),
    );
    let buf = render(&mut m, 160, 48);
    insta::assert_snapshot!("rate_limited_160x48", text(&buf));
    assert!(text(&buf).contains("rate-limited · next count in 3 s"));

    update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision,
            result: Err(CountFailure::Failed("the API key was refused (401)".into())),
            at: now,
        }),
    );
    let buf = render(&mut m, 80, 24);
    insta::assert_snapshot!("api_error_80x24", text(&buf));
    let (x, y) = find(&buf, "the API key was refused").expect("the error in words");
    assert_eq!(buf[(x, y)].fg, Color::Red);
}

#[test]
fn an_exact_count_shows_its_age() {
    let mut m = example_online();
    let now = Instant::now();
    let revision = m.revision;
    update(
        &mut m,
        Msg::Count(CountEvent::Done {
            revision,
            result: Ok(4242),
            at: now,
        }),
    );
    update(&mut m, Msg::Tick(now + Duration::from_secs(2)));
    assert!(matches!(m.exact, ExactState::Exact { tokens: 4242, .. }));
    let buf = render(&mut m, 160, 48);
    let t = text(&buf);
    assert!(t.contains("4,242 tokens"), "{t}");
    assert!(t.contains("exact · 2 s ago"), "{t}");
}

#[test]
fn help_lists_every_binding() {
    let mut m = example_offline();
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('?'));
    let buf = render(&mut m, 160, 48);
    insta::assert_snapshot!("help_160x48", text(&buf));
    let t = text(&buf);
    // Every binding is listed (the help scrolls: the whole text, not just the screen).
    let all: String = budgie::ui::help::lines(&m, &budgie::ui::theme::Styles::new(m.theme))
        .iter()
        .map(|line| format!("{line}\n"))
        .collect();
    for (scope, command, keys) in m.keymap.all() {
        let listed = format!("{} {}", keys.join(", "), command.describe_in(scope));
        assert!(
            all.lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == listed),
            "help lacks {scope:?} {command:?}: {listed}"
        );
    }
    assert!(
        t.contains("Esc closes"),
        "the title names the keys in force"
    );
}

/// The README's key table as the keymap and the help say it: one row per binding.
fn readme_key_table(keymap: &budgie::app::Keymap) -> String {
    let mut out = String::from("| where | keys | what |\n|---|---|---|\n");
    for (scope, command, keys) in keymap.all() {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            scope.title(),
            keys.join(", "),
            command.describe_in(scope)
        ));
    }
    out
}

#[test]
fn the_readme_lists_the_keys_the_help_shows() {
    let readme = include_str!("../../../README.md");
    let table = readme_key_table(&budgie::app::Keymap::default());
    assert!(
        readme.contains(&table),
        "README.md's key table differs from the keymap and the help; it should read:\n{table}"
    );
}

#[test]
fn no_color_draws_without_colours() {
    let mut m = example_offline();
    m.theme = Theme::Mono;
    m.budget_flag = Some(10);
    let buf = render(&mut m, 160, 48);
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    // Over budget still stands out, without colour.
    let (x, y) = find(&buf, "over by").expect("over budget");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn wide_characters_are_measured_by_display_width() {
    let mut m = example_offline();
    type_text(&mut m, " 東京の天気は？🌧️ とても長い文章がここに続きます。");
    update(&mut m, key(KeyCode::Esc));
    for w in [20, 37, 80, 161] {
        render(&mut m, w, 24);
    }
}

#[test]
fn overlays_at_80x24() {
    let mut m = example_offline();
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('m'));
    type_text(&mut m, "opus");
    let buf = render(&mut m, 80, 24);
    insta::assert_snapshot!("model_picker_80x24", text(&buf));
    let t = text(&buf);
    assert!(
        t.contains("claude-opus-5") && !t.contains("claude-haiku"),
        "{t}"
    );

    let mut m = example_offline();
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, key(KeyCode::Tab));
    update(&mut m, ch('w'));
    let buf = render(&mut m, 80, 24);
    insta::assert_snapshot!("tool_editor_80x24", text(&buf));
    assert!(text(&buf).contains("valid tool definition"));
}

#[test]
fn navigation_in_the_tools_pane_at_80x24() {
    let mut m = example_offline();
    update(&mut m, key(KeyCode::Tab));
    update(&mut m, ch(' '));
    let buf = render(&mut m, 80, 24);
    insta::assert_snapshot!("tools_pane_80x24", text(&buf));
    assert!(text(&buf).contains("[ ] get_weather"));
}
