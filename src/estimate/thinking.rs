//! Which assistant turns' thinking blocks count (Anthropic's extended thinking docs, 2025 and 2026).
//!
//! 2025 rule (and, from 2026, Haiku and older models): thinking in earlier assistant turns
//! is stripped; the current assistant turn's thinking counts. The current turn is the last
//! turn when it is the assistant's, or the assistant turn a tool loop is still in (every
//! turn after it is a user turn made only of tool_result blocks: the API requires that
//! turn's thinking to be sent back). 2026 rule for models that keep prior turns (Opus 4.5+,
//! Sonnet 4.6+, Fable 5, ...): every turn's thinking counts.

use crate::request::{ContentBlock, Role};

/// What the rule needs to know about one (merged) turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnShape {
    pub role: Role,
    /// The turn is made only of tool_result blocks (and has at least one).
    pub only_tool_results: bool,
}

impl TurnShape {
    pub fn of<'a>(role: Role, blocks: impl IntoIterator<Item = &'a ContentBlock>) -> TurnShape {
        let mut any = false;
        let mut all = true;
        for b in blocks {
            any = true;
            all &= matches!(b, ContentBlock::ToolResult(_));
        }
        TurnShape {
            role,
            only_tool_results: any && all,
        }
    }
}

/// The index of the current assistant turn, if there is one.
pub fn current_assistant_turn(turns: &[TurnShape]) -> Option<usize> {
    let mut i = turns.len().checked_sub(1)?;
    loop {
        let turn = turns[i];
        match turn.role {
            Role::Assistant => return Some(i),
            Role::User if turn.only_tool_results && i > 0 => i -= 1,
            Role::User | Role::System => return None,
        }
    }
}

/// For each turn: does its thinking count?
pub fn thinking_counts(turns: &[TurnShape], keeps_prior_turns: bool) -> Vec<bool> {
    let current = current_assistant_turn(turns);
    turns
        .iter()
        .enumerate()
        .map(|(i, t)| t.role == Role::Assistant && (keeps_prior_turns || Some(i) == current))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> TurnShape {
        TurnShape {
            role: Role::User,
            only_tool_results: false,
        }
    }
    fn results() -> TurnShape {
        TurnShape {
            role: Role::User,
            only_tool_results: true,
        }
    }
    fn assistant() -> TurnShape {
        TurnShape {
            role: Role::Assistant,
            only_tool_results: false,
        }
    }

    #[test]
    fn the_2025_rule_ignores_earlier_turns() {
        // The docs' example: user, assistant (thinking), user → the thinking is an earlier turn's.
        let seed = [user(), assistant(), user()];
        assert_eq!(thinking_counts(&seed, false), [false, false, false]);
        // Ending on the assistant: that turn is current.
        let prefill = [user(), assistant(), user(), assistant()];
        assert_eq!(
            thinking_counts(&prefill, false),
            [false, false, false, true]
        );
    }

    #[test]
    fn a_tool_loop_keeps_the_current_turn_current() {
        let looped = [user(), assistant(), results(), assistant(), results()];
        assert_eq!(
            thinking_counts(&looped, false),
            [false, false, false, true, false]
        );
        assert_eq!(current_assistant_turn(&[results()]), None);
    }

    #[test]
    fn the_2026_rule_counts_every_assistant_turn() {
        let seed = [user(), assistant(), user(), assistant()];
        assert_eq!(thinking_counts(&seed, true), [false, true, false, true]);
        assert_eq!(thinking_counts(&[], true), Vec::<bool>::new());
    }
}
