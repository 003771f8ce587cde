//! Serde types for a Messages API request as count_tokens takes it.
//!
//! Every struct keeps the fields it does not model in `extra` (flattened), and optional
//! fields stay `Option` so that absent and empty are told apart: a request pasted from a log
//! comes back out with the same meaning it went in with.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Fields of a `messages.create` body that count_tokens does not take. budgie keeps them in
/// `extra` (so an exported request still has them) but leaves them out of what it counts.
pub const CREATE_ONLY_FIELDS: &[&str] = &[
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "stream",
    "metadata",
    "service_tier",
    "container",
    "inference_geo",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<System>,
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Thinking>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `system`: a plain string or a list of text blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum System {
    Text(String),
    Blocks(Vec<TextBlock>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextBlock {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    /// A system message inside the conversation (newer models accept them).
    System,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Content,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A message's `content`: a plain string or a list of blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Blocks(Vec<ContentBlock>),
}

/// Where an image's or document's bytes come from. Kept as one flat struct: `type` says which
/// fields matter (`base64`/`text`: media_type + data; `content`: content; `url`: url;
/// `file`: file_id), and validation checks the combination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<ContentBlock>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Source {
    /// The size of the file this source carries, in bytes: base64 decoded (padding left
    /// out), text as it is. `None` without data.
    pub fn data_len(&self) -> Option<u64> {
        let data = self.data.as_deref()?;
        Some(match self.kind.as_str() {
            "base64" => data.trim_end_matches('=').len() as u64 * 3 / 4,
            _ => data.len() as u64,
        })
    }
}

/// `tool_result.content`: a string or a list of blocks (text, image, search_result, document).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    Text(String),
    Blocks(Vec<ContentBlock>),
}

/// One content block. Known types are typed; a type budgie does not know is kept whole as
/// `Other` so it survives a round trip (and validation can name it).
#[derive(Debug, Clone, PartialEq)]
pub enum ContentBlock {
    Text(TextBlock),
    Image(MediaBlock),
    Document(MediaBlock),
    ToolUse(ToolUseBlock),
    ToolResult(ToolResultBlock),
    Thinking(ThinkingBlock),
    RedactedThinking(RedactedThinkingBlock),
    SearchResult(SearchResultBlock),
    Other(Map<String, Value>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaBlock {
    pub source: Source,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolUseBlock {
    pub id: String,
    pub name: String,
    pub input: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResultBlock {
    pub tool_use_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ToolResultContent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThinkingBlock {
    pub thinking: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedactedThinkingBlock {
    pub data: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResultBlock {
    pub source: String,
    pub title: String,
    pub content: Vec<TextBlock>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tool definition. Custom tools have `name`, `description`, `input_schema`; server tools
/// (web search, code execution, …) carry a versioned `type` instead, which count_tokens
/// rejects — validation says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tool {
    /// A custom tool is one without a `type`, or with `type: "custom"`.
    pub fn is_custom(&self) -> bool {
        matches!(self.kind.as_deref(), None | Some("custom"))
    }
}

/// `tool_choice`: `auto`, `any`, `none`, or `tool` with a name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolChoice {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `thinking`: `enabled` with `budget_tokens`, `disabled`, or `adaptive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thinking {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ContentBlock {
    /// The block's `type` as it appears on the wire.
    pub fn kind(&self) -> &str {
        match self {
            ContentBlock::Text(_) => "text",
            ContentBlock::Image(_) => "image",
            ContentBlock::Document(_) => "document",
            ContentBlock::ToolUse(_) => "tool_use",
            ContentBlock::ToolResult(_) => "tool_result",
            ContentBlock::Thinking(_) => "thinking",
            ContentBlock::RedactedThinking(_) => "redacted_thinking",
            ContentBlock::SearchResult(_) => "search_result",
            ContentBlock::Other(map) => map.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text(TextBlock {
            kind: "text".into(),
            text: text.into(),
            extra: Map::new(),
        })
    }
}

fn with_type<T: Serialize>(kind: &str, body: &T) -> Result<Value, serde_json::Error> {
    let mut value = serde_json::to_value(body)?;
    if let Value::Object(map) = &mut value {
        // `type` goes first, as people write it.
        let mut ordered = Map::new();
        ordered.insert("type".into(), Value::String(kind.into()));
        for (k, v) in std::mem::take(map) {
            if k != "type" {
                ordered.insert(k, v);
            }
        }
        *map = ordered;
    }
    Ok(value)
}

/// A typed block as it goes on the wire: `type` first, then the block's own fields, written
/// straight to the serializer so that sizing, hashing or sending a request copies none of its
/// texts.
#[derive(Serialize)]
struct Tagged<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

fn tagged<S: Serializer, T: Serialize>(
    kind: &str,
    body: &T,
    extra: &Map<String, Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::Error;
    if extra.contains_key("type") {
        // A `type` among the block's other fields (parsing never leaves one there) gives way
        // to the block's own, once.
        let value = with_type(kind, body).map_err(S::Error::custom)?;
        return value.serialize(serializer);
    }
    Tagged { kind, body }.serialize(serializer)
}

impl Serialize for ContentBlock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ContentBlock::Text(b) => b.serialize(serializer),
            ContentBlock::Image(b) => tagged("image", b, &b.extra, serializer),
            ContentBlock::Document(b) => tagged("document", b, &b.extra, serializer),
            ContentBlock::ToolUse(b) => tagged("tool_use", b, &b.extra, serializer),
            ContentBlock::ToolResult(b) => tagged("tool_result", b, &b.extra, serializer),
            ContentBlock::Thinking(b) => tagged("thinking", b, &b.extra, serializer),
            ContentBlock::RedactedThinking(b) => {
                tagged("redacted_thinking", b, &b.extra, serializer)
            }
            ContentBlock::SearchResult(b) => tagged("search_result", b, &b.extra, serializer),
            ContentBlock::Other(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut map = Map::<String, Value>::deserialize(deserializer)?;
        let kind = match map.get("type") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(D::Error::custom("content block `type` must be a string")),
            None => return Err(D::Error::missing_field("type")),
        };
        fn typed<T: serde::de::DeserializeOwned, E: Error>(
            kind: &str,
            map: Map<String, Value>,
        ) -> Result<T, E> {
            serde_json::from_value(Value::Object(map))
                .map_err(|e| E::custom(format!("{kind} block: {e}")))
        }
        Ok(match kind.as_str() {
            "text" => ContentBlock::Text(typed(&kind, map)?),
            "image" | "document" | "tool_use" | "tool_result" | "thinking"
            | "redacted_thinking" | "search_result" => {
                map.remove("type");
                match kind.as_str() {
                    "image" => ContentBlock::Image(typed(&kind, map)?),
                    "document" => ContentBlock::Document(typed(&kind, map)?),
                    "tool_use" => ContentBlock::ToolUse(typed(&kind, map)?),
                    "tool_result" => ContentBlock::ToolResult(typed(&kind, map)?),
                    "thinking" => ContentBlock::Thinking(typed(&kind, map)?),
                    "redacted_thinking" => ContentBlock::RedactedThinking(typed(&kind, map)?),
                    _ => ContentBlock::SearchResult(typed(&kind, map)?),
                }
            }
            _ => ContentBlock::Other(map),
        })
    }
}

impl<'de> Deserialize<'de> for System {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(TextOrList::<TextBlock>::new("a string or a list of blocks"))
            .map(|v| match v {
                Either::Text(t) => System::Text(t),
                Either::List(l) => System::Blocks(l),
            })
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(TextOrList::<ContentBlock>::new(
                "a string or a list of blocks",
            ))
            .map(|v| match v {
                Either::Text(t) => Content::Text(t),
                Either::List(l) => Content::Blocks(l),
            })
    }
}

impl<'de> Deserialize<'de> for ToolResultContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(TextOrList::<ContentBlock>::new(
                "a string or a list of blocks",
            ))
            .map(|v| match v {
                Either::Text(t) => ToolResultContent::Text(t),
                Either::List(l) => ToolResultContent::Blocks(l),
            })
    }
}

enum Either<T> {
    Text(String),
    List(Vec<T>),
}

/// Reads "a string or a list of T" in place, so an error inside the list keeps its path
/// (`messages[2].content[0]`), which serde's untagged enums would lose.
struct TextOrList<T> {
    expecting: &'static str,
    marker: std::marker::PhantomData<T>,
}

impl<T> TextOrList<T> {
    fn new(expecting: &'static str) -> Self {
        TextOrList {
            expecting,
            marker: std::marker::PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for TextOrList<T> {
    type Value = Either<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Either::Text(v.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Either::Text(v))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Either::List(items))
    }
}
