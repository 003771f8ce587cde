//! Copy to the clipboard with OSC 52: the terminal itself sets the clipboard, so it works
//! over SSH. This module only builds the escape sequence; the runtime writes it to the
//! terminal. Inside tmux the sequence must be wrapped for passthrough (and tmux needs
//! `set -g allow-passthrough on`, or `set -g set-clipboard on` for the unwrapped form).

use base64::Engine;

/// Many terminals drop OSC 52 payloads above roughly this size (xterm's default is about
/// 100 KB of base64; tmux's and others' vary). Larger copies should go to a file.
pub const SAFE_PAYLOAD_BYTES: usize = 74_994;

/// How to wrap the sequence for a multiplexer in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passthrough {
    None,
    /// tmux: DCS `tmux;` … ST, with every ESC doubled.
    Tmux,
    /// GNU screen: DCS … ST.
    Screen,
}

impl Passthrough {
    /// From the environment's values (passed in): `TMUX` set means tmux; a `TERM` starting
    /// with `screen` without TMUX means GNU screen.
    pub fn detect(tmux: Option<&str>, term: Option<&str>) -> Self {
        if tmux.is_some_and(|t| !t.is_empty()) {
            Passthrough::Tmux
        } else if term.is_some_and(|t| t.starts_with("screen")) {
            Passthrough::Screen
        } else {
            Passthrough::None
        }
    }

    /// From this process's environment.
    pub fn from_env() -> Self {
        Self::detect(
            std::env::var("TMUX").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        )
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard.
pub fn osc52(text: &str, passthrough: Passthrough) -> String {
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let sequence = format!("\x1b]52;c;{payload}\x07");
    match passthrough {
        Passthrough::None => sequence,
        Passthrough::Tmux => format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b")),
        Passthrough::Screen => format!("\x1bP{sequence}\x1b\\"),
    }
}

/// Whether `text` is small enough to copy reliably; otherwise suggest writing a file.
pub fn fits_clipboard(text: &str) -> bool {
    text.len() <= SAFE_PAYLOAD_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_sequence_carries_base64() {
        // "hi" is "aGk=" in base64 (RFC 4648).
        assert_eq!(osc52("hi", Passthrough::None), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn tmux_wraps_and_doubles_escapes() {
        assert_eq!(
            osc52("hi", Passthrough::Tmux),
            "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert_eq!(
            Passthrough::detect(Some("/tmp/tmux-0/default,1,0"), Some("screen")),
            Passthrough::Tmux
        );
        assert_eq!(
            Passthrough::detect(None, Some("screen-256color")),
            Passthrough::Screen
        );
        assert_eq!(Passthrough::detect(None, Some("xterm")), Passthrough::None);
    }
}
