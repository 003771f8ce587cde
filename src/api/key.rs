//! The API key: kept out of every Debug, Display, error and log line.

use std::fmt;

/// An Anthropic API key. It has no `Display`, and its `Debug` is redacted, so it cannot end
/// up in an error message or a panic by accident; `expose` is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key from text as people paste it: surrounding whitespace and newlines are dropped.
    /// `None` when nothing is left.
    pub fn new(key: impl Into<String>) -> Option<ApiKey> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(ApiKey(trimmed.to_string()))
        }
    }

    /// The key from `ANTHROPIC_API_KEY`, when set and not blank.
    pub fn from_env() -> Option<ApiKey> {
        std::env::var("ANTHROPIC_API_KEY")
            .ok()
            .and_then(ApiKey::new)
    }

    /// The key itself, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced: for text that came from elsewhere
    /// (a server's error message) and might echo it. Keys too short to be told apart from
    /// ordinary words are left alone.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() >= 8 && text.contains(&self.0) {
            text.replace(&self.0, "[redacted]")
        } else {
            text.to_string()
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::new("test-key-do-not-print").expect("non-empty");
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains("do-not-print"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn pasted_whitespace_is_dropped_and_blank_is_no_key() {
        assert_eq!(
            ApiKey::new("  test-key\n").map(|k| k.expose().to_string()),
            Some("test-key".to_string())
        );
        assert_eq!(ApiKey::new(" \n"), None);
    }

    #[test]
    fn echoed_keys_are_redacted() {
        let key = ApiKey::new("test-key-12345").expect("non-empty");
        assert_eq!(
            key.redact("invalid x-api-key: test-key-12345"),
            "invalid x-api-key: [redacted]"
        );
    }
}
