//! The cost views in the workbench, through the reducer and on a `TestBackend`: opening the
//! comparison and the cache view, putting a breakpoint on a block, exact counts asked for on
//! demand and landing by request hash.

use budgie::app::costs::missing_exact;
use budgie::app::{Effect, Model, Msg, Overlay, Slot, update};
use budgie::registry::Registry;
use budgie::request::cache_control::breakpoints;
use budgie::request::{System, parse};
use budgie::workspace::Workspace;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::support::workbench::{ch, key, model, send};

/// A long system prompt (about 1,800 tokens offline on v3: over Sonnet 4.5's minimum of
/// 1,024, under Haiku 4.5's 4,096) with a breakpoint, and a short question.
fn workspace() -> Workspace {
    let system = "You are a meticulous legal assistant who reads every clause twice. ".repeat(120);
    let request = parse(
        &serde_json::json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": "Summarise clause 4."}]
        })
        .to_string(),
    )
    .expect("parses");
    Workspace::from_request(request)
}

fn screen(m: &mut Model, w: u16, h: u16) -> String {
    update(m, Msg::Resize(w, h));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal.draw(|f| budgie::ui::view(m, f)).expect("draws");
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Navigation, then `keys`.
fn press(m: &mut Model, keys: &str) -> Vec<Effect> {
    let mut effects = send(m, [key(KeyCode::Esc)]);
    effects.extend(send(m, keys.chars().map(ch)));
    effects
}

#[test]
fn c_compares_every_model_and_shows_where_the_breakpoint_does_not_cache() {
    let mut m = model(workspace(), Some("no API key"));
    press(&mut m, "c");
    let Overlay::Compare(view) = &m.overlay else {
        panic!("the comparison is open: {:?}", m.overlay);
    };
    assert_eq!(view.models.len(), Registry::builtin().models().len());
    let s = screen(&mut m, 140, 60);
    assert!(s.contains("claude-haiku-4-5"), "{s}");
    assert!(
        s.contains("under claude-haiku-4-5's minimum of 4,096 — this breakpoint will not cache"),
        "{s}"
    );
    assert!(!s.contains("under claude-sonnet-4-5's minimum"), "{s}");
    assert!(s.contains("counts this"), "{s}");
    // C switches to the cache view; Esc closes.
    send(&mut m, [ch('C')]);
    assert!(matches!(m.overlay, Overlay::Cache(_)));
    let s = screen(&mut m, 140, 40);
    assert!(s.contains("at least 1,024: caches"), "{s}");
    assert!(s.contains("repeat within 5m"), "{s}");
    assert!(s.contains("caching pays for itself after 1"), "{s}");
    send(&mut m, [key(KeyCode::Esc)]);
    assert!(matches!(m.overlay, Overlay::None));
}

#[test]
fn p_puts_and_removes_a_breakpoint_on_the_selected_block() {
    let mut m = model(workspace(), None);
    // Navigation; the focus goes up to the system prompt.
    send(&mut m, [key(KeyCode::Esc), key(KeyCode::Up)]);
    assert_eq!(m.focus, Slot::System(0));
    let effects = send(&mut m, [ch('p')]);
    assert!(breakpoints(&m.ws.request).is_empty(), "removed");
    assert!(effects.contains(&Effect::CountExact), "the request changed");
    send(&mut m, [ch('p')]);
    assert_eq!(breakpoints(&m.ws.request)[0].path, "system[0]");
    // On the user turn, given as a string: it becomes one text block with the breakpoint.
    send(&mut m, [key(KeyCode::Down), ch('p')]);
    let paths: Vec<String> = breakpoints(&m.ws.request)
        .into_iter()
        .map(|b| b.path)
        .collect();
    assert_eq!(paths, ["system[0]", "messages[0].content[0]"]);
    assert!(matches!(m.ws.request.system, Some(System::Blocks(_))));
    // The marker is drawn on the blocks that carry one.
    let s = screen(&mut m, 120, 30);
    assert_eq!(s.matches("◆5m").count(), 2, "{s}");
}

#[test]
fn e_asks_for_exact_counts_once_and_they_replace_the_offline_figures() {
    let mut m = model(workspace(), None);
    press(&mut m, "C");
    let Overlay::Cache(view) = &m.overlay else {
        panic!("the cache view is open");
    };
    // No exact count of the request yet (the worker's would be used).
    let offline_prefix = view.counts.prefixes[0].1.offline;
    let effects = send(&mut m, [ch('e')]);
    let jobs = match effects.as_slice() {
        [Effect::CountForCosts(jobs)] => jobs.clone(),
        other => panic!("one CountForCosts effect: {other:?}"),
    };
    // The request and its system cut.
    assert_eq!(jobs.len(), 2);
    assert!(jobs[1].1.messages.len() == 1 && jobs[1].1.system.is_some());
    assert_eq!(m.costs.pending, 2);
    // Exact figures land by hash: a prefix the API counts under the minimum.
    send(
        &mut m,
        [
            Msg::CostCounted {
                hash: jobs[0].0.clone(),
                result: Ok(5_000),
            },
            Msg::CostCounted {
                hash: jobs[1].0.clone(),
                result: Ok(900),
            },
        ],
    );
    assert_eq!(m.costs.pending, 0);
    let Overlay::Cache(view) = &m.overlay else {
        panic!("still open");
    };
    let plan = view.counts.plan(&m.costs);
    assert_ne!(offline_prefix, 900);
    assert_eq!(plan.breakpoints[0].prefix_tokens, 900);
    assert!(!plan.breakpoints[0].cacheable);
    let s = screen(&mut m, 140, 40);
    assert!(
        s.contains("system[0]: 900 tokens, under claude-sonnet-4-5's minimum of 1,024"),
        "{s}"
    );
    // Asked again: nothing left to ask.
    assert!(send(&mut m, [ch('e')]).is_empty());
    let request = m.ws.to_request();
    let sonnet = Registry::builtin().lookup("claude-sonnet-4-5");
    assert!(missing_exact(&request, &[&sonnet], &m.costs).is_empty());
}

#[test]
fn offline_e_says_why_and_asks_nothing() {
    let mut m = model(workspace(), Some("no API key"));
    press(&mut m, "c");
    assert!(send(&mut m, [ch('e')]).is_empty());
    let (notice, _) = m.notice.clone().expect("a notice");
    assert!(
        notice.contains("exact counts need ANTHROPIC_API_KEY"),
        "{notice}"
    );
}

#[test]
fn the_views_draw_at_any_size_without_panicking() {
    for keys in ["c", "C"] {
        let mut m = model(workspace(), Some("no API key"));
        press(&mut m, keys);
        for (w, h) in [(0, 0), (1, 1), (20, 5), (80, 24)] {
            screen(&mut m, w, h);
        }
    }
}
