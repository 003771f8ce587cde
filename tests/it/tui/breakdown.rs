//! Where the tokens go, in the workbench: the breakdown pane's sections (the same figures as
//! `budgie count --breakdown`), jumping to a section, exact attribution on `B` (its news and
//! when it goes stale), and the what-if: what switching a tool or an attachment would change,
//! and what an edit changed.

use std::time::Duration;

use crate::support::workbench::*;
use budgie::app::breakdown::{self, Attribution, Jump};
use budgie::app::{AttributionEvent, Effect, Msg, Pane, Slot, update};
use budgie::attribution::{Share, Source};
use budgie::estimate::Section;
use budgie::registry::Registry;
use crossterm::event::KeyCode;

fn tab_to_breakdown(m: &mut budgie::app::Model) {
    send(m, [key(KeyCode::Esc)]);
    for _ in 0..4 {
        if m.pane == Pane::Breakdown {
            break;
        }
        send(m, [key(KeyCode::Tab)]);
    }
    assert_eq!(m.pane, Pane::Breakdown);
}

fn row_index(m: &budgie::app::Model, section: &Section) -> usize {
    breakdown::rows(m)
        .0
        .iter()
        .position(|r| r.section == *section)
        .expect("a row for the section")
}

#[test]
fn the_rows_are_the_count_commands_sections_largest_first_and_add_up() {
    let m = example_offline();
    let (rows, total) = breakdown::rows(&m);
    assert_eq!(total, full_estimate(&m));
    assert_eq!(rows.iter().map(|r| r.tokens).sum::<i64>(), total as i64);
    assert!(rows.windows(2).all(|w| w[0].tokens >= w[1].tokens));
    // The same sections and figures `budgie count --breakdown` prints for this request.
    let cli = budgie::attribution::offline(&budgie::estimate::estimate(&m.ws.to_request()));
    let mut ours: Vec<(Section, i64)> =
        rows.iter().map(|r| (r.section.clone(), r.tokens)).collect();
    let mut theirs: Vec<(Section, i64)> = cli
        .iter()
        .filter(|s| s.tokens != 0)
        .map(|s| (s.section.clone(), s.tokens))
        .collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    assert!(rows.iter().all(|r| r.source == Source::Offline));
}

#[test]
fn the_rows_follow_typing_and_stay_equal_to_a_count_from_scratch() {
    let mut m = example_offline();
    type_text(&mut m, " And is it windy there today, too?");
    let (rows, total) = breakdown::rows(&m);
    assert_eq!(total, full_estimate(&m));
    let fresh = budgie::estimate::estimate(&m.ws.to_request());
    for row in &rows {
        let expected = fresh
            .sections
            .iter()
            .find(|(s, _)| *s == row.section)
            .map(|(_, n)| *n);
        assert_eq!(Some(row.tokens), expected, "{}", row.label);
    }
    // The turn's header shows its row's figure.
    let last = m.ws.request.messages.len() - 1;
    let (header, _) = breakdown::header_figure(&m, Slot::Turn(last, 0));
    assert_eq!(header, rows[row_index(&m, &Section::Message(last))].tokens);
}

#[test]
fn enter_on_a_section_goes_to_it() {
    let mut m = example_offline();
    tab_to_breakdown(&mut m);
    // A tool: the tools pane, that tool selected.
    m.breakdown_sel = row_index(&m, &Section::Tool("get_weather".into()));
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.pane, Pane::Tools);
    assert_eq!(m.tool_sel, 0);
    // A turn: the request pane, on that turn's block.
    tab_to_breakdown(&mut m);
    m.breakdown_sel = row_index(&m, &Section::Message(1));
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.pane, Pane::Request);
    assert_eq!(m.focus.turn(), Some(1));
    // The attachment: the attachments pane.
    tab_to_breakdown(&mut m);
    let image = breakdown::rows(&m)
        .0
        .iter()
        .position(|r| matches!(r.section, Section::Attachment(..)))
        .expect("the image's row");
    m.breakdown_sel = image;
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.pane, Pane::Attachments);
    // Framing belongs to no one part: it says so and stays.
    tab_to_breakdown(&mut m);
    m.breakdown_sel = row_index(&m, &Section::Framing);
    send(&mut m, [key(KeyCode::Enter)]);
    assert_eq!(m.pane, Pane::Breakdown);
    assert!(m.notice.as_ref().expect("said").0.contains("no one part"));
}

#[test]
fn the_breakdown_pane_is_only_reached_when_drawn() {
    let mut m = example_offline();
    send(&mut m, [Msg::Resize(80, 24), key(KeyCode::Esc)]);
    for _ in 0..6 {
        send(&mut m, [key(KeyCode::Tab)]);
        assert_ne!(m.pane, Pane::Breakdown);
    }
}

#[test]
fn what_switching_would_change_is_what_switching_changes() {
    let mut m = example_offline();
    let price = Registry::builtin()
        .lookup(&m.ws.request.model)
        .input_price_per_mtok;
    // The tool, off then on again; the attachment likewise.
    for round in 0..2 {
        let predicted = breakdown::toggle_tool_delta(&m, 0).expect("a tool").0;
        let before = full_estimate(&m) as i64;
        send(&mut m, [key(KeyCode::Esc), ch('t'), ch(' ')]);
        let change = full_estimate(&m) as i64 - before;
        assert_eq!(predicted, change, "round {round}");
        assert_eq!(breakdown::recent_delta(&m), Some(change));
        // Said at once, with what it means per request at the model's price.
        let sign = if change < 0 { "−" } else { "+" };
        let words = format!(
            "{sign}{} tokens ({sign}${:.4} per request)",
            change.unsigned_abs(),
            change.unsigned_abs() as f64 * price / 1e6
        );
        assert!(
            m.notice.as_ref().expect("said").0.contains(&words),
            "{:?}",
            m.notice
        );
    }
    for round in 0..2 {
        let predicted = breakdown::toggle_attachment_delta(&m, 0)
            .expect("an image")
            .0;
        let before = full_estimate(&m) as i64;
        send(&mut m, [key(KeyCode::Esc), ch('a')]);
        // `a` opens the attach prompt: close it and use the attachments pane.
        send(&mut m, [key(KeyCode::Esc)]);
        m.pane = Pane::Attachments;
        send(&mut m, [ch(' ')]);
        assert_eq!(
            predicted,
            full_estimate(&m) as i64 - before,
            "round {round}"
        );
    }
    // The change is shown for a few seconds, then no more.
    let later = m.now + breakdown::DELTA_SHOWN_FOR + Duration::from_millis(1);
    update(&mut m, Msg::Tick(later));
    assert_eq!(breakdown::recent_delta(&m), None);
}

#[test]
fn undo_says_what_it_gave_back() {
    let mut m = example_offline();
    let start = full_estimate(&m);
    send(&mut m, [key(KeyCode::Esc), ch('t'), ch(' ')]);
    let saved = start - full_estimate(&m);
    send(&mut m, [ch('u')]);
    assert_eq!(full_estimate(&m), start);
    let notice = m.notice.as_ref().expect("said").0.clone();
    assert!(notice.contains(&format!("+{saved} tokens")), "{notice}");
}

#[test]
fn b_without_the_api_says_why_and_sends_nothing() {
    let mut m = example_offline();
    tab_to_breakdown(&mut m);
    assert!(send(&mut m, [ch('B')]).is_empty());
    assert!(m.notice.as_ref().expect("said").0.contains("needs the API"));
}

#[test]
fn exact_attribution_asks_once_shows_exact_figures_and_goes_stale_on_an_edit() {
    let mut m = example_online();
    tab_to_breakdown(&mut m);
    let effects = send(&mut m, [ch('B')]);
    let revision = m.revision;
    assert_eq!(
        effects,
        vec![Effect::Attribute {
            revision,
            request: Box::new(m.ws.to_request()),
        }]
    );
    let Attribution::Running { of, .. } = m.attribution else {
        panic!("running: {:?}", m.attribution)
    };
    update(
        &mut m,
        Msg::Attribution(AttributionEvent::Progress {
            revision,
            done: 3,
            of,
        }),
    );
    assert_eq!(
        m.attribution,
        Attribution::Running {
            revision,
            done: 3,
            of
        }
    );
    // The server's figures, nothing like the offline ones: they are what is shown.
    let shares = vec![
        Share {
            section: Section::Message(2),
            tokens: 40,
            source: Source::Exact,
            note: None,
        },
        Share {
            section: Section::Tool("get_weather".into()),
            tokens: 0,
            source: Source::Exact,
            note: None,
        },
        Share {
            section: Section::Framing,
            tokens: 60,
            source: Source::Exact,
            note: None,
        },
    ];
    update(
        &mut m,
        Msg::Attribution(AttributionEvent::Done {
            revision,
            total: 100,
            shares: shares.clone(),
        }),
    );
    let (rows, total) = breakdown::rows(&m);
    assert_eq!(total, 100);
    assert!(rows.iter().all(|r| r.source == Source::Exact));
    assert_eq!(rows[0].section, Section::Framing);
    assert_eq!(
        breakdown::header_figure(&m, Slot::Turn(2, 0)),
        (40, Source::Exact)
    );
    // Switching the tool off would save what its exact share says: nothing.
    assert_eq!(
        breakdown::toggle_tool_delta(&m, 0),
        Some((0, Source::Exact))
    );
    // Asked again for the same content: nothing to do.
    assert!(send(&mut m, [ch('B')]).is_empty());
    // An edit: back to offline figures.
    send(&mut m, [key(KeyCode::Esc)]);
    m.pane = Pane::Request;
    send(&mut m, [key(KeyCode::Enter)]);
    type_text(&mut m, " x");
    assert!(
        breakdown::rows(&m)
            .0
            .iter()
            .all(|r| r.source == Source::Offline)
    );
}

#[test]
fn b_again_stops_the_attribution_and_late_news_is_ignored() {
    let mut m = example_online();
    tab_to_breakdown(&mut m);
    send(&mut m, [ch('B')]);
    let revision = m.revision;
    assert_eq!(send(&mut m, [ch('B')]), vec![Effect::CancelAttribution]);
    assert_eq!(m.attribution, Attribution::Idle);
    update(
        &mut m,
        Msg::Attribution(AttributionEvent::Done {
            revision,
            total: 5,
            shares: Vec::new(),
        }),
    );
    assert_eq!(m.attribution, Attribution::Idle);
    // A failure is kept in the messages and the figures stay offline.
    send(&mut m, [ch('B')]);
    update(
        &mut m,
        Msg::Attribution(AttributionEvent::Failed {
            revision,
            message: "rate_limit_error (HTTP 429)".into(),
        }),
    );
    assert!(matches!(m.attribution, Attribution::Failed { .. }));
    assert!(m.log.iter().any(|l| l.contains("rate_limit_error")));
}

#[test]
fn selecting_rows_moves_within_the_list() {
    let mut m = example_offline();
    tab_to_breakdown(&mut m);
    let rows = breakdown::rows(&m).0.len();
    send(&mut m, [key(KeyCode::End)]);
    assert_eq!(m.breakdown_sel, rows - 1);
    send(&mut m, [key(KeyCode::Home), key(KeyCode::Down)]);
    assert_eq!(m.breakdown_sel, 1);
    // `v` reads every section in full, with its share.
    send(&mut m, [ch('v')]);
    let budgie::app::Overlay::Viewer { text, .. } = &m.overlay else {
        panic!("the viewer: {:?}", m.overlay)
    };
    for row in breakdown::rows(&m).0 {
        assert!(text.contains(&row.label), "{text}");
    }
    assert!(
        text.lines().last().is_some_and(|l| l.starts_with("total")),
        "{text}"
    );
}

#[test]
fn a_tool_row_goes_to_its_tool_and_thinking_to_its_prompt() {
    let mut m = example_offline();
    let (rows, _) = breakdown::rows(&m);
    let tool = rows
        .iter()
        .find(|r| matches!(r.section, Section::Tool(_)))
        .expect("a tool row");
    assert_eq!(tool.jump, Some(Jump::Tool(0)));
    // With thinking on, its row opens the thinking prompt.
    send(&mut m, [key(KeyCode::Esc), ch('T')]);
    send(
        &mut m,
        [ch('2'), ch('0'), ch('0'), ch('0'), key(KeyCode::Enter)],
    );
    tab_to_breakdown(&mut m);
    m.breakdown_sel = row_index(&m, &Section::Thinking);
    send(&mut m, [key(KeyCode::Enter)]);
    assert!(
        matches!(m.overlay, budgie::app::Overlay::Prompt { .. }),
        "{:?}",
        m.overlay
    );
}
