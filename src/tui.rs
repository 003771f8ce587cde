//! The terminal guard: raw mode, alternate screen, bracketed paste, mouse capture, and their
//! restoration on every exit path including panics. (Issue 4.)
