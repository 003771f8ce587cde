//! When to autosave: pure decisions over times the runtime passes in (no clock reads here).
//! The runtime writes the recovery file (`recovery::RecoveryStore::write`) when told to.
//!
//! The deadline runs from the first edit not yet saved, not from the last one: someone who
//! types without pause still gets a save every `delay`, so a crash loses at most that much.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Autosaver {
    delay: Duration,
    /// Bumped on every edit.
    revision: u64,
    /// The newest revision known to be on disk.
    saved_revision: u64,
    /// When the oldest unsaved edit happened (None: nothing waiting).
    pending_since: Option<Instant>,
    /// A write started and not yet finished.
    in_flight: Option<u64>,
}

impl Autosaver {
    pub fn new(delay: Duration) -> Self {
        Autosaver {
            delay,
            revision: 0,
            saved_revision: 0,
            pending_since: None,
            in_flight: None,
        }
    }

    /// From `Settings::autosave_ms`.
    pub fn from_millis(ms: u64) -> Self {
        Self::new(Duration::from_millis(ms))
    }

    /// Record an edit made at `now`. Returns the new revision.
    pub fn edited(&mut self, now: Instant) -> u64 {
        self.revision += 1;
        self.pending_since.get_or_insert(now);
        self.revision
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Some edit is not on disk yet.
    pub fn is_dirty(&self) -> bool {
        self.saved_revision < self.revision
    }

    /// When the next autosave is due (the runtime sleeps until then), if any.
    pub fn deadline(&self) -> Option<Instant> {
        if self.in_flight.is_some() {
            return None;
        }
        self.pending_since.map(|t| t + self.delay)
    }

    /// Whether to start a write at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|d| now >= d)
    }

    /// A write of the current state is starting; returns the revision it holds.
    pub fn start(&mut self) -> u64 {
        self.in_flight = Some(self.revision);
        self.pending_since = None;
        self.revision
    }

    /// The write of `revision` finished at `now`. A failure is retried after another delay.
    pub fn finished(&mut self, revision: u64, ok: bool, now: Instant) {
        if self.in_flight == Some(revision) {
            self.in_flight = None;
        }
        if ok {
            self.saved_revision = self.saved_revision.max(revision);
        } else if self.is_dirty() {
            self.pending_since.get_or_insert(now);
        }
    }

    /// Everything up to `revision` was saved some other way (an explicit save).
    pub fn saved_elsewhere(&mut self, revision: u64) {
        self.saved_revision = self.saved_revision.max(revision);
        if !self.is_dirty() {
            self.pending_since = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_a_delay_after_the_first_unsaved_edit_even_while_typing() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut a = Autosaver::new(ms(1000));
        assert!(!a.due(t0));
        a.edited(t0);
        a.edited(t0 + ms(400));
        a.edited(t0 + ms(900));
        assert!(!a.due(t0 + ms(999)));
        assert!(a.due(t0 + ms(1000)));
        let rev = a.start();
        assert!(!a.due(t0 + ms(5000)), "never two writes in flight");
        a.edited(t0 + ms(1100));
        a.finished(rev, true, t0 + ms(1200));
        assert!(a.is_dirty());
        assert_eq!(a.deadline(), Some(t0 + ms(2100)));
    }

    #[test]
    fn a_failed_write_is_retried() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut a = Autosaver::new(ms(500));
        a.edited(t0);
        let rev = a.start();
        a.finished(rev, false, t0 + ms(600));
        assert!(a.is_dirty());
        assert!(a.due(t0 + ms(1100)));
        let rev = a.start();
        a.finished(rev, true, t0 + ms(1200));
        assert!(!a.is_dirty());
        assert_eq!(a.deadline(), None);
    }
}
