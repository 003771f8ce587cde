//! One keystroke in a big workspace (a 1 MB system prompt and 200 turns): the reducer's
//! update plus a full redraw on a 160×48 `TestBackend`. Targets: median < 4 ms, p99 < 16 ms,
//! both typing in the last turn and typing inside the 1 MB system prompt itself (mixed prose
//! and code, the cursor in its middle).
//!
//! `cargo bench --bench keystroke` runs criterion, then times 2,000 single keystrokes one by
//! one for each case and prints their median and 99th percentile (criterion reports means
//! and medians, not tails).

use std::hint::black_box;
use std::time::{Duration, Instant};

use budgie::app::{Model, Msg, Options, Slot, update};
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

/// About 1 MB of mixed prose and code (Markdown with Rust and Python examples), the same
/// text `scripts/typing-latency.sh` types into.
fn mixed_system_prompt() -> String {
    let prose = "You review pull requests for a payments team. Point out what could lose or \
        double-charge money first, then what is hard to read; quote the line you mean and say \
        why in one sentence. Prefer small, concrete suggestions over rewrites.";
    let rust = "```rust\nfn settle(ledger: &mut Ledger, id: TxId) -> Result<(), Error> {\n    \
        let tx = ledger.pending.remove(&id).ok_or(Error::Unknown(id))?;\n    \
        ledger.balance += tx.amount;\n    Ok(())\n}\n```";
    let python = "```python\ndef refund(order, amount):\n    if amount > order.paid:\n        \
        raise ValueError(f\"refund {amount} exceeds {order.paid}\")\n    \
        return order.with_refund(amount)\n```";
    let mut text = String::with_capacity(1 << 20);
    let mut i = 0;
    while text.len() < 1 << 20 {
        text.push_str(&format!(
            "## Rule {i}\n\n{prose}\n\n{rust}\n\n{prose}\n{python}\n\n"
        ));
        i += 1;
    }
    text
}

fn setup() -> (Model, Terminal<TestBackend>) {
    setup_with(big_workspace())
}

fn setup_with(ws: Workspace) -> (Model, Terminal<TestBackend>) {
    let options = Options {
        offline_reason: Some("benchmark".into()),
        ..Default::default()
    };
    let mut model = Model::new(ws, options, Instant::now());
    update(&mut model, Msg::Resize(WIDTH, HEIGHT));
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
    terminal
        .draw(|f| budgie::ui::view(&model, f))
        .expect("first frame");
    (model, terminal)
}

fn press(model: &mut Model, code: KeyCode) {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The 1 MB mixed system prompt and 200 turns, its editor open through the keys a user
/// presses (Esc, Home to the system prompt, Enter) with the cursor moved up into its middle.
fn setup_inside_system() -> (Model, Terminal<TestBackend>) {
    let mut ws = big_workspace();
    let system = mixed_system_prompt();
    let lines = system.lines().count();
    ws.request.system = Some(System::Text(system));
    let (mut model, mut terminal) = setup_with(ws);
    press(&mut model, KeyCode::Esc);
    press(&mut model, KeyCode::Home);
    press(&mut model, KeyCode::Enter);
    assert!(
        model
            .editor
            .as_ref()
            .is_some_and(|e| e.slot == Slot::System(0)),
        "the system prompt is open in the editor"
    );
    for _ in 0..lines / 2 {
        press(&mut model, KeyCode::Up);
    }
    terminal
        .draw(|f| budgie::ui::view(&model, f))
        .expect("draws");
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
    let (mut model, mut terminal) = setup_inside_system();
    let mut n = 0u32;
    group.bench_function("type_inside_1MB_mixed_system_200_turns_160x48", |b| {
        b.iter(|| {
            n += 1;
            let c = if n.is_multiple_of(6) { ' ' } else { 'a' };
            keystroke(&mut model, &mut terminal, c);
        })
    });
    group.finish();
}

/// Time keystrokes one by one; print the median and the 99th percentile.
fn percentiles(what: &str, (mut model, mut terminal): (Model, Terminal<TestBackend>)) {
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
        "keystroke {what} (update + redraw, 1 MB system, 200 turns, 160x48), 2000 samples: \
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
    // The percentiles follow criterion's name filter (`-- inside` times only that case).
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    if benching && "type_in_last_turn".contains(&filter) {
        percentiles("in the last turn", setup());
    }
    if benching && "type_inside_1MB_mixed_system".contains(&filter) {
        percentiles("inside the system prompt", setup_inside_system());
    }
}
