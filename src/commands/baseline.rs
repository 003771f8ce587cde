//! `budgie count --baseline`: the output of an earlier `budgie count --json` run, read back
//! so a new run can say what changed per file.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// What the earlier run said about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Earlier {
    Counted {
        model: String,
        input_tokens: u64,
    },
    /// The earlier run could not count it (its line was `{"file","error"}`).
    Failed,
}

/// The earlier run's files, in the order it listed them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub files: Vec<(String, Earlier)>,
}

impl Baseline {
    /// Read `path`; an error names the file and, for a bad line, its line number.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// JSON lines as `budgie count --json` writes them; blank lines are skipped. `name` is
    /// how errors call the file.
    pub fn parse(text: &str, name: &str) -> Result<Self, String> {
        let mut files: Vec<(String, Earlier)> = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let at = |what: String| format!("{name}:{number}: {what}");
            let value: Value = serde_json::from_str(line).map_err(|e| {
                at(format!(
                    "not JSON ({e}); a baseline is the output of `budgie count --json`"
                ))
            })?;
            let Some(file) = value.get("file").and_then(Value::as_str) else {
                return Err(at(
                    "no \"file\": a baseline is the output of `budgie count --json`".into(),
                ));
            };
            let earlier = if value.get("error").is_some() {
                Earlier::Failed
            } else {
                let tokens = value.get("input_tokens").and_then(Value::as_u64);
                let model = value.get("model").and_then(Value::as_str);
                match (tokens, model) {
                    (Some(input_tokens), Some(model)) => Earlier::Counted {
                        model: model.to_string(),
                        input_tokens,
                    },
                    _ => {
                        return Err(at(format!(
                            "{file}: no \"input_tokens\" count and \"model\": a baseline is \
                             the output of `budgie count --json`"
                        )));
                    }
                }
            };
            if let Some(first) = seen.insert(file.to_string(), number) {
                return Err(at(format!(
                    "{file} is listed again (first on line {first}); the output of \
                     `budgie count --compare` is no baseline"
                )));
            }
            files.push((file.to_string(), earlier));
        }
        Ok(Baseline { files })
    }

    pub fn get(&self, file: &str) -> Option<&Earlier> {
        self.files.iter().find(|(f, _)| f == file).map(|(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_errors_are_read_in_order() {
        let text = "{\"file\":\"a.json\",\"model\":\"m\",\"input_tokens\":12,\"source\":\"exact\"}\n\n\
                    {\"file\":\"b.json\",\"error\":{\"type\":\"parse_error\",\"message\":\"x\"}}\n";
        let baseline = Baseline::parse(text, "old.jsonl").expect("parses");
        assert_eq!(
            baseline.files,
            vec![
                (
                    "a.json".to_string(),
                    Earlier::Counted {
                        model: "m".into(),
                        input_tokens: 12
                    }
                ),
                ("b.json".to_string(), Earlier::Failed),
            ]
        );
        assert_eq!(baseline.get("b.json"), Some(&Earlier::Failed));
        assert_eq!(baseline.get("c.json"), None);
    }

    #[test]
    fn a_bad_line_is_named_by_file_and_number() {
        let good = "{\"file\":\"a.json\",\"model\":\"m\",\"input_tokens\":1}";
        let error = |text: &str| Baseline::parse(text, "old.jsonl").expect_err("refused");
        assert!(error(&format!("{good}\n{{oops")).starts_with("old.jsonl:2: not JSON"));
        assert!(error("\n\n{\"model\":\"m\"}").starts_with("old.jsonl:3: no \"file\""));
        assert!(
            error("{\"file\":\"a.json\",\"input_tokens\":\"12\"}")
                .starts_with("old.jsonl:1: a.json: no \"input_tokens\"")
        );
        assert!(
            error(&format!("{good}\n{good}"))
                .starts_with("old.jsonl:2: a.json is listed again (first on line 1)")
        );
    }
}
