//! One keystroke in a big workspace (a 1 MB system prompt and 200 turns): the reducer's
//! update plus a full redraw on a 160×48 `TestBackend`. Targets: median < 4 ms, p99 < 16 ms.
//!
//! `cargo bench --bench keystroke` runs criterion, then times 2,000 single keystrokes one by
//! one and prints their median and 99th percentile (criterion reports means and medians,
//! not tails).

use std::hint::black_box;
use std::time::{Duration, Instant};

use budgie::app::{Model, Msg, Options, update};
use budgie::request::{Content, Message, Request, Role, System};
use budgie::workspace::Workspace;
use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;

/// About 1 MB of system prompt in paragraphs, and 200 turns of a few sentences each.
fn big_workspace() -> Workspace {
    let paragraph = "You are a careful assistant for a logistics company. Answer with the \
        shipment's status, its next stop and the expected delivery date; when unsure, say so \
        and name what would settle it. Never invent tracking numbers. ";
    let mut system = String::with_capacity(1 << 20);
    let mut i = 0;
    while system.len() < 1 << 20 {
        system.push_str(&format!("Rule {i}. {paragraph}{paragraph}\n\n"));
        i += 1;
    }
    let messages = (0..200)
        .map(|t| Message {
            role: if t % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            },
            content: Content::Text(format!(
                "Turn {t}: where is parcel {t:05}? It left the depot on Monday and the \
                 tracking page has not changed since. Could you check the route and tell me \
                 whether it will arrive before Friday?"
            )),
            extra: Default::default(),
        })
        .collect();
    let mut request = Request::single_text("claude-sonnet-4-5", "");
    request.system = Some(System::Text(system));
    request.messages = messages;
    Workspace::from_request(request)
}

fn setup() -> (Model, Terminal<TestBackend>) {
    let options = Options {
        offline_reason: Some("benchmark".into()),
        ..Default::default()
    };
    let mut model = Model::new(big_workspace(), options, Instant::now());
    update(&mut model, Msg::Resize(WIDTH, HEIGHT));
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
    terminal
        .draw(|f| budgie::ui::view(&model, f))
        .expect("first frame");
    (model, terminal)
}

fn keystroke(model: &mut Model, terminal: &mut Terminal<TestBackend>, c: char) {
    let key = Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    black_box(update(model, key));
    terminal
        .draw(|f| budgie::ui::view(model, f))
        .expect("draws");
}

fn benches(c: &mut Criterion) {
    let (mut model, mut terminal) = setup();
    assert!(model.editor.is_some(), "typing goes to the last user turn");
    let mut group = c.benchmark_group("keystroke");
    group.measurement_time(Duration::from_secs(5));
    let mut n = 0u32;
    group.bench_function("type_in_last_turn_1MB_system_200_turns_160x48", |b| {
        b.iter(|| {
            n += 1;
            // A space every few letters keeps the line wrapping realistic.
            let c = if n.is_multiple_of(6) { ' ' } else { 'a' };
            keystroke(&mut model, &mut terminal, c);
        })
    });
    let (mut model, mut terminal) = setup();
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    group.bench_function("move_focus_1MB_system_200_turns_160x48", |b| {
        b.iter(|| {
            update(
                &mut model,
                Msg::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)),
            );
            update(
                &mut model,
                Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
            );
            terminal
                .draw(|f| budgie::ui::view(&model, f))
                .expect("draws");
        })
    });
    group.finish();
}

/// Time keystrokes one by one; print the median and the 99th percentile.
fn percentiles() {
    let (mut model, mut terminal) = setup();
    let mut times: Vec<Duration> = (0..2000)
        .map(|i| {
            let c = if i % 6 == 5 { ' ' } else { 'a' };
            let start = Instant::now();
            keystroke(&mut model, &mut terminal, c);
            start.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "keystroke (update + redraw, 1 MB system, 200 turns, 160x48), 2000 samples: \
         median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    if benching {
        percentiles();
    }
}
