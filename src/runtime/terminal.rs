//! Terminal events, read on a thread of their own and handed to the loop in batches.
//!
//! Why not `EventStream`: with crossterm's default mio source a burst of more than 1,024
//! bytes of keys (a fast paste without bracketed paste, tmux send-keys) leaves the rest
//! unread until the next key arrives (edge-triggered readiness, early return). With the
//! `use-dev-tty` source (level-triggered poll) a blocking reader sees every byte at once,
//! while `EventStream` would hand each event over through its wake thread.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crossterm::event::{Event, KeyEventKind, MouseEvent};
use tokio::sync::mpsc;

use crate::app::Msg;

/// A terminal event as the loop queues it. A mouse event waits for the layout: what it lands
/// on is decided when it is applied, against the model as it is then.
#[derive(Debug)]
pub enum Incoming {
    Msg(Msg),
    Mouse(MouseEvent),
}

pub type Batches = mpsc::UnboundedReceiver<std::io::Result<Vec<Event>>>;

/// How long the reader waits for input before it looks whether it should stop reading.
const POLL: Duration = Duration::from_millis(50);

/// Start the reader thread; each message is a batch of events, or the error that ended it.
/// The control stops the reader while another program (the user's editor) has the terminal.
pub fn spawn_reader() -> (Batches, ReaderControl) {
    let (tx, rx) = mpsc::unbounded_channel();
    let control = ReaderControl::default();
    let shared = control.clone();
    let spawned = std::thread::Builder::new()
        .name("budgie-input".into())
        .spawn(move || {
            loop {
                shared.park_if_asked();
                match crossterm::event::poll(POLL) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        shared.ended();
                        return;
                    }
                }
                let batch = read_batch();
                let failed = batch.is_err();
                // A closed channel means the app has ended.
                if tx.send(batch).is_err() || failed {
                    shared.ended();
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(Err(e));
        return (rx, ReaderControl::default());
    }
    (rx, control)
}

/// Whether the reader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ReaderState {
    #[default]
    Reading,
    /// Asked to stop before its next read.
    StopAsked,
    /// Not reading until resumed.
    Stopped,
    /// The thread has ended.
    Ended,
}

/// Stops and restarts the reader thread: while another program runs in the terminal, no
/// key it is typed must be read by budgie.
#[derive(Debug, Clone, Default)]
pub struct ReaderControl {
    shared: Arc<(Mutex<ReaderState>, Condvar)>,
}

impl ReaderControl {
    fn state(&self) -> MutexGuard<'_, ReaderState> {
        self.shared.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stop reading; returns once the reader is between reads (at most [`POLL`] later) and
    /// will not read again until [`resume`](Self::resume). Blocks: call it off the loop.
    pub fn stop(&self) {
        let mut state = self.state();
        if *state == ReaderState::Reading {
            *state = ReaderState::StopAsked;
        }
        let _ = self
            .shared
            .1
            .wait_timeout_while(state, 10 * POLL, |s| *s == ReaderState::StopAsked);
    }

    pub fn resume(&self) {
        let mut state = self.state();
        if *state != ReaderState::Ended {
            *state = ReaderState::Reading;
        }
        self.shared.1.notify_all();
    }

    /// The reader's side: stop here while asked to.
    fn park_if_asked(&self) {
        let mut state = self.state();
        if *state == ReaderState::StopAsked {
            *state = ReaderState::Stopped;
            self.shared.1.notify_all();
        }
        while *state == ReaderState::Stopped {
            state = self
                .shared
                .1
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn ended(&self) {
        *self.state() = ReaderState::Ended;
        self.shared.1.notify_all();
    }
}

/// One event (the reader polled: one is there), then every event already available: a burst of typing
/// crosses the channel, and wakes the loop, once.
fn read_batch() -> std::io::Result<Vec<Event>> {
    const MOST: usize = 8192;
    let mut batch = vec![crossterm::event::read()?];
    // (A zero timeout would skip the source's parse buffer; a microsecond rounds to a
    // non-blocking poll.)
    while batch.len() < MOST && crossterm::event::poll(Duration::from_micros(1))? {
        batch.push(crossterm::event::read()?);
    }
    Ok(batch)
}

/// A batch as the loop applies it: key presses only (releases and repeats are ignored), and
/// consecutive presses as one `Msg::Keys` (a burst of typing is one edit).
pub fn incoming(batch: Vec<Event>) -> Vec<Incoming> {
    let mut out: Vec<Incoming> = Vec::new();
    for event in batch {
        let next = match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => Msg::Key(key),
            Event::Key(_) | Event::FocusGained | Event::FocusLost => continue,
            Event::Paste(text) => Msg::Paste(text),
            Event::Mouse(mouse) => {
                out.push(Incoming::Mouse(mouse));
                continue;
            }
            Event::Resize(w, h) => Msg::Resize(w, h),
        };
        match (out.last_mut(), next) {
            (Some(Incoming::Msg(Msg::Keys(keys))), Msg::Key(key)) => keys.push(key),
            (Some(Incoming::Msg(last @ Msg::Key(_))), Msg::Key(key)) => {
                if let Msg::Key(first) = *last {
                    *last = Msg::Keys(vec![first, key]);
                }
            }
            (_, msg) => out.push(Incoming::Msg(msg)),
        }
    }
    out
}
