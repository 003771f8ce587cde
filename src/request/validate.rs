//! Checks a request before anything is sent, and says what is wrong and where.
//! (Filled in by the request-validation work; see issue 2.)

use super::Request;

/// One problem found in a request: `path` names the field (e.g. `messages[2].content[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem in `request`, in document order. Empty when the request may be sent.
pub fn validate(_request: &Request) -> Vec<Problem> {
    Vec::new()
}
