//! Invariants, for any input: the gauge ratio is finite and within 0..=1, and the
//! incrementally kept offline count always equals a count of the whole request from scratch.

use crate::support::workbench::*;
use budgie::app::{BudgetView, Level, Msg};
use crossterm::event::KeyCode;
use proptest::prelude::*;

proptest! {
    #[test]
    fn the_budget_ratio_is_finite_and_within_0_and_1(used in any::<u64>(), limit in any::<u64>()) {
        let v = BudgetView::new(used, limit);
        prop_assert!(v.ratio.is_finite());
        prop_assert!((0.0..=1.0).contains(&v.ratio));
        prop_assert_eq!(v.level == Level::Over, used > limit);
        prop_assert_eq!(v.over_by, used.saturating_sub(limit));
        let _ = v.label();
    }
}

/// One thing a user can do.
#[derive(Debug, Clone)]
enum Op {
    Type(String),
    Backspace(u8),
    Enter,
    Paste(String),
    NewTurn,
    DeleteTurn,
    Undo,
    SwitchRole,
    Up,
    Down,
    Edit,
    ToggleTool,
    ToggleAttachment,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => "[a-zA-Z ,.!?é東京🌧\t]{1,12}".prop_map(Op::Type),
        2 => (1u8..20).prop_map(Op::Backspace),
        1 => Just(Op::Enter),
        1 => "[a-z \n]{0,40}".prop_map(Op::Paste),
        1 => Just(Op::NewTurn),
        1 => Just(Op::DeleteTurn),
        1 => Just(Op::Undo),
        1 => Just(Op::SwitchRole),
        1 => Just(Op::Up),
        1 => Just(Op::Down),
        1 => Just(Op::Edit),
        1 => Just(Op::ToggleTool),
        1 => Just(Op::ToggleAttachment),
    ]
}

fn apply(m: &mut budgie::app::Model, op: &Op) {
    let esc = key(KeyCode::Esc);
    match op {
        Op::Type(text) => {
            if m.editor.is_none() {
                send(m, [ch('i')]);
            }
            type_text(m, text);
        }
        Op::Backspace(n) => {
            send(m, (0..*n).map(|_| key(KeyCode::Backspace)));
        }
        Op::Enter => {
            if m.editor.is_some() {
                send(m, [key(KeyCode::Enter)]);
            }
        }
        Op::Paste(text) => {
            send(m, [Msg::Paste(text.clone())]);
        }
        Op::NewTurn => {
            send(m, [esc, ch('n')]);
        }
        Op::DeleteTurn => {
            send(m, [esc, ch('d')]);
        }
        Op::Undo => {
            send(m, [esc, ch('u')]);
        }
        Op::SwitchRole => {
            send(m, [esc, ch('r')]);
        }
        Op::Up => {
            send(m, [esc, key(KeyCode::Up)]);
        }
        Op::Down => {
            send(m, [esc, key(KeyCode::Down)]);
        }
        Op::Edit => {
            send(m, [esc, ch('i')]);
        }
        Op::ToggleTool => {
            let back = m.pane;
            send(m, [esc, ch('t'), ch(' ')]);
            m.pane = back;
        }
        Op::ToggleAttachment => {
            send(
                m,
                [
                    esc,
                    key(KeyCode::Tab),
                    key(KeyCode::Tab),
                    ch(' '),
                    key(KeyCode::Tab),
                ],
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_incremental_count_equals_a_full_recount(ops in proptest::collection::vec(op(), 1..40)) {
        let mut m = example_offline();
        for op in &ops {
            apply(&mut m, op);
            prop_assert_eq!(m.offline.total(), full_estimate(&m), "after {:?}", op);
            // The breakdown's sections are the estimator's, and add up to the total.
            let mut ours = m.offline.sections(&m.ws);
            let mut full = budgie::estimate::estimate(&m.ws.to_request()).sections;
            ours.retain(|(_, n)| *n != 0);
            full.retain(|(_, n)| *n != 0);
            ours.sort();
            full.sort();
            prop_assert_eq!(ours, full, "after {:?}", op);
            let (rows, total) = budgie::app::breakdown::rows(&m);
            prop_assert_eq!(rows.iter().map(|r| r.tokens).sum::<i64>(), total as i64);
        }
    }
}

fn key_event(c: char) -> crossterm::event::KeyEvent {
    match ch(c) {
        Msg::Key(k) => k,
        _ => unreachable!("ch makes a key"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A burst of keys (`Msg::Keys`) leaves the same state as the keys one by one, commands
    /// included (Esc, navigation letters, Enter, Tab…).
    #[test]
    fn a_burst_of_keys_equals_the_keys_one_by_one(text in "[a-zA-Z ?nrdu\\t\\x1b\\r]{0,60}") {
        let keys: Vec<crossterm::event::KeyEvent> = text
            .chars()
            .map(|c| match c {
                '\x1b' => crossterm::event::KeyEvent::new(KeyCode::Esc, crossterm::event::KeyModifiers::NONE),
                '\t' => crossterm::event::KeyEvent::new(KeyCode::Tab, crossterm::event::KeyModifiers::NONE),
                '\r' => crossterm::event::KeyEvent::new(KeyCode::Enter, crossterm::event::KeyModifiers::NONE),
                c => key_event(c),
            })
            .collect();
        let mut one_by_one = example_offline();
        send(&mut one_by_one, keys.iter().map(|k| Msg::Key(*k)));
        let mut burst = example_offline();
        send(&mut burst, [Msg::Keys(keys.clone())]);
        prop_assert_eq!(&burst.ws, &one_by_one.ws);
        prop_assert_eq!(burst.focus, one_by_one.focus);
        prop_assert_eq!(burst.pane, one_by_one.pane);
        prop_assert_eq!(burst.editor.is_some(), one_by_one.editor.is_some());
        prop_assert_eq!(burst.offline.total(), full_estimate(&burst));
    }
}
