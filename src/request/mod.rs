//! The Messages API request model: parsing with precise error locations, the body sent to
//! count_tokens, a content hash for caching, and validation.

pub mod cache_control;
pub mod limits;
pub mod media;
mod model;
pub mod validate;

pub use model::*;

use serde_json::Value;

/// Why a request body could not be read, with where in the text or the JSON tree.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON at all: the line and column come from the parser.
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not a request: `path` is where (e.g. `messages[2].content[0]`).
    #[error("{path}: {message}")]
    Shape { path: String, message: String },
}

/// Parse a request body (count_tokens or a full messages.create body) from JSON text.
pub fn parse(text: &str) -> Result<Request, ParseError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    from_value(value)
}

/// Parse a request from an already-parsed JSON value.
pub fn from_value(value: Value) -> Result<Request, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ParseError::Shape {
            path: if path == "." { "request".into() } else { path },
            message: e.into_inner().to_string(),
        }
    })
}

/// serde_json appends " at line L column C"; the position is reported separately (line and
/// column), once.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

impl Request {
    /// The JSON body for `POST /v1/messages/count_tokens`: the request without the fields
    /// only `messages.create` takes (max_tokens, temperature, …).
    pub fn count_body(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            for field in CREATE_ONLY_FIELDS {
                map.remove(*field);
            }
        }
        value
    }

    /// The size in bytes of `count_body()` as compact JSON, streamed into a counter instead
    /// of building the body (which would copy every attachment).
    pub fn count_body_size(&self) -> u64 {
        let mut size = json_len(self);
        // Each create-only field is `"key":value` plus a comma; `model` and `messages` always
        // remain, so every removed field had a comma beside it.
        for field in CREATE_ONLY_FIELDS {
            if let Some(value) = self.extra.get(*field) {
                size -= json_len(field) + 1 + json_len(value) + 1;
            }
        }
        size
    }

    /// A stable hash of what count_tokens would be asked: same body, same hash. Used as the
    /// cache key for exact counts (it includes the model).
    pub fn content_hash(&self) -> String {
        body_hash(&self.count_body())
    }

    /// A request with one user message of plain text.
    pub fn single_text(model: impl Into<String>, text: impl Into<String>) -> Self {
        Request {
            model: model.into(),
            system: None,
            messages: vec![Message {
                role: Role::User,
                content: Content::Text(text.into()),
                extra: Default::default(),
            }],
            tools: None,
            tool_choice: None,
            thinking: None,
            extra: Default::default(),
        }
    }
}

/// The hash of a count_tokens body as sent (compact JSON): [`Request::content_hash`] for a
/// body already built.
pub fn body_hash(body: &Value) -> String {
    crate::bytes::sha256_hex(&serde_json::to_vec(body).unwrap_or_default())
}

/// What kind of JSON value this is, for messages ("not an array").
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Length of `value` as compact JSON, without building the text.
fn json_len<T: serde::Serialize + ?Sized>(value: &T) -> u64 {
    struct Counter(u64);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing to a counter cannot fail for a value serde_json can serialise.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
            {"type":"text","text":"hi","cache_control":{"type":"ephemeral"},"citations":[]},
            {"type":"future_block","payload":{"x":1}}]}],"output_config":{"effort":"low"}}"#;
        let request = parse(text).expect("parses");
        let back = serde_json::to_value(&request).expect("serialises");
        let original: Value = serde_json::from_str(text).expect("json");
        assert_eq!(back, original);
    }

    #[test]
    fn count_body_size_is_the_body_length() {
        let request = parse(
            r#"{"model":"m","max_tokens":5,"temperature":0.5,"messages":[{"role":"user","content":"hé"}],"stop_sequences":["a"]}"#,
        )
        .expect("ok");
        let body = serde_json::to_vec(&request.count_body()).expect("json");
        assert_eq!(request.count_body_size(), body.len() as u64);
    }

    #[test]
    fn count_body_drops_create_only_fields() {
        let request =
            parse(r#"{"model":"m","max_tokens":5,"temperature":0.2,"messages":[]}"#).expect("ok");
        let body = request.count_body();
        assert!(body.get("max_tokens").is_none());
        assert!(body.get("temperature").is_none());
        assert_eq!(body["model"], "m");
    }

    #[test]
    fn shape_errors_name_the_path() {
        let err =
            parse(r#"{"model":"m","messages":[{"role":"user","content":[{"type":"image"}]}]}"#)
                .expect_err("no source");
        let ParseError::Shape { path, message } = err else {
            panic!("expected a shape error")
        };
        assert_eq!(path, "messages[0].content[0]");
        assert!(message.contains("source"), "{message}");
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let err = parse("{\n  \"model\": \"m\",\n  oops\n}").expect_err("bad json");
        assert!(matches!(err, ParseError::Syntax { line: 3, .. }), "{err}");
    }
}
