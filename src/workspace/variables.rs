//! `{{name}}` placeholders in a request's text (the Console Workbench's convention): found
//! anywhere a string is (system, turns, tool descriptions and schemas), filled from values.
//! A placeholder without a value stays as written and is reported, never counted silently.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::request::Request;

/// Variable values by name.
pub type Values = BTreeMap<String, String>;

/// A placeholder left without a value: its name and where it is (`system`,
/// `messages[0].content`, `tools[1].description`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfilled {
    pub name: String,
    pub at: String,
}

/// Every variable name the request uses, each once, in the order first met.
pub fn names(request: &Request) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let value = serde_json::to_value(request).unwrap_or(Value::Null);
    walk(&value, "", &mut |_, text| {
        for (name, _) in placeholders(text) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    });
    names
}

/// The request with every placeholder that has a value replaced by it, and the ones left.
/// Whether any text of `request` holds a placeholder (`{{name}}`, by [`placeholders`]' own
/// rule), found without copying the request: its JSON is written to a sink that only looks.
/// Code full of `{{` that names nothing (a template, a Rust format string) is not one.
pub fn mentions_placeholder(request: &Request) -> bool {
    /// The longest placeholder looked at, braces included.
    const LONGEST: usize = 80;
    struct Look {
        /// What follows an opening "{{", up to its "}}".
        open: Option<Vec<u8>>,
        last: u8,
        found: bool,
    }
    impl std::io::Write for Look {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            for &b in buf {
                if let Some(inner) = &mut self.open {
                    inner.push(b);
                    if inner.ends_with(b"}}") {
                        let text = format!("{{{{{}", String::from_utf8_lossy(inner));
                        self.found |= !placeholders(&text).is_empty();
                        self.open = None;
                    } else if inner.len() > LONGEST {
                        self.open = None;
                    }
                } else if b == b'{' && self.last == b'{' {
                    self.open = Some(Vec::new());
                }
                self.last = b;
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut look = Look {
        open: None,
        last: 0,
        found: false,
    };
    // Writing to memory that only looks cannot fail; if it did, look as if found.
    serde_json::to_writer(&mut look, request).map_or(true, |()| look.found)
}

pub fn fill(request: &Request, values: &Values) -> (Request, Vec<Unfilled>) {
    let mut value = serde_json::to_value(request).unwrap_or(Value::Null);
    let mut unfilled = Vec::new();
    fill_value(&mut value, "", values, &mut unfilled);
    // Only string contents changed, so the shape still parses.
    let filled = serde_json::from_value(value).unwrap_or_else(|_| request.clone());
    (filled, unfilled)
}

fn fill_value(value: &mut Value, at: &str, values: &Values, unfilled: &mut Vec<Unfilled>) {
    match value {
        Value::String(text) => {
            let found = placeholders(text);
            if found.is_empty() {
                return;
            }
            let mut out = String::with_capacity(text.len());
            let mut last = 0;
            for (name, range) in found {
                out.push_str(&text[last..range.start]);
                match values.get(&name) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push_str(&text[range.clone()]);
                        unfilled.push(Unfilled {
                            name,
                            at: at.to_string(),
                        });
                    }
                }
                last = range.end;
            }
            out.push_str(&text[last..]);
            *text = out;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                fill_value(item, &format!("{at}[{i}]"), values, unfilled);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                fill_value(item, &join(at, key), values, unfilled);
            }
        }
        _ => {}
    }
}

fn walk(value: &Value, at: &str, visit: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(text) => visit(at, text),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{at}[{i}]"), visit);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                walk(item, &join(at, key), visit);
            }
        }
        _ => {}
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// `{{name}}` (spaces inside the braces allowed) in `text`: each name with the byte range
/// of its whole placeholder. A name is a letter or `_`, then letters, digits, `_`, `-`, `.`.
pub fn placeholders(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i) {
        let Some(close) = text[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        let name = text[open + 2..close].trim();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if valid {
            found.push((name.to_string(), open..close + 2));
            from = close + 2;
        } else {
            from = open + 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        crate::request::parse(
            r#"{"model":"m","system":"You work for {{company}}.",
                "tools":[{"name":"t","description":"Orders of {{ company }}","input_schema":{"type":"object"}}],
                "messages":[{"role":"user","content":[{"type":"text","text":"Hi, I am {{customer}}. {{not a var}} {{}}"}]}]}"#,
        )
        .expect("parses")
    }

    #[test]
    fn placeholders_are_found_with_their_ranges() {
        let text = "a {{x}} b {{ y_1 }} {{no way}} {{z";
        let found = placeholders(text);
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x", "y_1"]);
        assert_eq!(&text[found[1].1.clone()], "{{ y_1 }}");
    }

    #[test]
    fn names_are_listed_once_in_order() {
        assert_eq!(names(&request()), ["company", "customer"]);
    }

    #[test]
    fn values_fill_in_and_the_rest_are_named_with_where() {
        let values = Values::from([("company".to_string(), "Acme".to_string())]);
        let (filled, unfilled) = fill(&request(), &values);
        let json = serde_json::to_value(&filled).expect("JSON");
        assert_eq!(json["system"], "You work for Acme.");
        assert_eq!(json["tools"][0]["description"], "Orders of Acme");
        assert_eq!(
            json["messages"][0]["content"][0]["text"],
            "Hi, I am {{customer}}. {{not a var}} {{}}"
        );
        assert_eq!(
            unfilled,
            [Unfilled {
                name: "customer".into(),
                at: "messages[0].content[0].text".into()
            }]
        );
    }
}

#[cfg(test)]
mod placeholder_probe {
    #[test]
    fn a_placeholder_in_the_system_prompt_is_seen() {
        let r = crate::request::parse(
            r#"{"model":"claude-sonnet-4-5","system":"Hi {{who}}","messages":[{"role":"user","content":"x"}]}"#,
        )
        .expect("valid");
        assert!(super::mentions_placeholder(&r));
        for text in ["no braces {here}", "fn f() {{ a + b }} {{no way}}", "{{"] {
            let plain = crate::request::Request::single_text("claude-sonnet-4-5", text);
            assert!(!super::mentions_placeholder(&plain), "{text}");
        }
        let spaced = crate::request::Request::single_text("claude-sonnet-4-5", "a {{ y_1 }} b");
        assert!(super::mentions_placeholder(&spaced));
    }
}
