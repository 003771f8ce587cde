//! The exact count's news from the counting worker, and asking again: on its own after a
//! failure (each wait longer than the last; the request still goes through the rate
//! limiter), or at once with the recount key.

use std::time::{Duration, Instant};

use super::{key_for, log, notice};
use crate::app::keymap::Command;
use crate::app::model::{ExactState, Model, Retry};
use crate::app::msg::{CountEvent, CountFailure, Effect};

/// The first wait before an exact count that failed is asked again; each next one doubles,
/// up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_secs(5);
pub const RETRY_MAX: Duration = Duration::from_secs(60);

/// The wait before try number `attempt + 1` (0 for the first retry).
pub fn retry_wait(attempt: u32) -> Duration {
    RETRY_FIRST
        .saturating_mul(2u32.saturating_pow(attempt.min(8)))
        .min(RETRY_MAX)
}

pub(super) fn on_count(model: &mut Model, event: CountEvent) -> Vec<Effect> {
    let offline = matches!(model.exact, ExactState::Offline { .. });
    let mut effects = Vec::new();
    match event {
        // Reports about older content are stale: a newer request replaces them.
        CountEvent::RateLimited { revision, .. }
        | CountEvent::Started { revision }
        | CountEvent::Done { revision, .. }
            if revision != model.revision || offline => {}
        CountEvent::RateLimited { until, .. } => model.exact = ExactState::RateLimited { until },
        CountEvent::Started { .. } => model.exact = ExactState::Counting,
        CountEvent::Done {
            result: Ok(tokens),
            at,
            ..
        } => {
            model.retry = None;
            // The offline count of the very content the exact count is for.
            effects.push(Effect::RecordDrift {
                request: Box::new(model.ws.to_request()),
                offline: model.offline.total(),
                exact: tokens,
            });
            model.exact = ExactState::Exact { tokens, at };
        }
        CountEvent::Done {
            result: Err(failure),
            at,
            ..
        } => failed(model, failure, at),
    }
    effects
}

/// A failed count: said in full in the messages window; asked again later unless the API
/// refused the request itself (the same content would be refused again).
fn failed(model: &mut Model, failure: CountFailure, at: Instant) {
    let attempt = model.retry.map_or(0, |r| r.attempt);
    let wait = match &failure {
        CountFailure::RateLimited {
            retry_after: Some(wait),
            ..
        } => Some(*wait),
        CountFailure::RateLimited { .. } | CountFailure::Unavailable(_) => {
            Some(retry_wait(attempt))
        }
        CountFailure::Failed(_) => None,
    };
    let message = failure.message().to_string();
    // In full in the messages window, where a long API error can be read.
    log(model, format!("exact count failed: {message}"));
    match wait {
        Some(wait) => {
            model.retry = Some(Retry {
                at: at + wait,
                attempt: attempt + 1,
            });
            model.exact = match failure {
                CountFailure::RateLimited { .. } => ExactState::RateLimited { until: at + wait },
                _ => ExactState::Failed { message },
            };
        }
        None => {
            model.retry = None;
            model.exact = ExactState::Failed { message };
        }
    }
}

pub(super) fn on_tick(model: &mut Model) -> Vec<Effect> {
    if let Some(retry) = model.retry
        && model.now >= retry.at
    {
        // Keep the attempt count: the next failure waits longer.
        model.retry = Some(Retry {
            at: model.now + retry_wait(retry.attempt),
            attempt: retry.attempt,
        });
        model.exact = ExactState::Pending;
        return vec![Effect::Recount];
    }
    if let ExactState::RateLimited { until } = model.exact
        && model.retry.is_none()
        && model.now >= until
    {
        model.exact = ExactState::Counting;
    }
    Vec::new()
}

/// The recount key: ask now, without the pause and not from what was counted before.
pub(super) fn recount(model: &mut Model) -> Vec<Effect> {
    if let ExactState::Offline { reason } = &model.exact {
        let text = format!(
            "counting offline ({reason}): exact counts need ANTHROPIC_API_KEY set when budgie starts"
        );
        notice(model, text);
        return Vec::new();
    }
    model.retry = None;
    model.exact = ExactState::Pending;
    let key = key_for(model, Command::Recount);
    notice(model, format!("counting again ({key})"));
    vec![Effect::Recount]
}
