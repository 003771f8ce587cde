//! `budgie count --vars FILE`: test cases, each a set of variable values — JSON lines, a JSON
//! array of objects, or CSV with a header row naming the variables.

use std::path::Path;

use serde_json::Value;

use crate::workspace::variables::Values;

/// One test case: its values and how to point at it ("line 3", "row 2", "case 4").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub label: String,
    pub values: Values,
}

/// Read `path` by its extension (`.csv`, `.json`; anything else is JSON lines). An error
/// names the file and the line, row or item.
pub fn read(path: &Path) -> Result<Vec<Case>, String> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read the cases: {e}"))?;
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let cases = match extension.as_str() {
        "csv" => csv(&text, &name)?,
        "json" => array(&text, &name)?,
        _ => lines(&text, &name)?,
    };
    if cases.is_empty() {
        return Err(format!("{name}: no cases in the file"));
    }
    Ok(cases)
}

fn lines(text: &str, name: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{name}:{}", index + 1);
        let value: Value =
            serde_json::from_str(line).map_err(|e| format!("{at}: not JSON ({e})"))?;
        cases.push(Case {
            label: format!("line {}", index + 1),
            values: values_of(value, &at)?,
        });
    }
    Ok(cases)
}

fn array(text: &str, name: &str) -> Result<Vec<Case>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "{name}: not JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let Value::Array(items) = value else {
        return Err(format!(
            "{name}: expected a list of objects, one per case (or JSON lines in a .jsonl file)"
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            Ok(Case {
                label: format!("case {}", i + 1),
                values: values_of(item, &format!("{name}: [{i}]"))?,
            })
        })
        .collect()
}

fn csv(text: &str, name: &str) -> Result<Vec<Case>, String> {
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{name}: the header row: {e}"))?
        .clone();
    let mut cases = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("{name}:{line}: {e}")
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let values = headers
            .iter()
            .zip(record.iter())
            .map(|(k, v)| (k.trim().to_string(), v.to_string()))
            .collect();
        cases.push(Case {
            label: format!("line {line}"),
            values,
        });
    }
    Ok(cases)
}

/// A case object: each value a string, or a number or boolean written as text.
fn values_of(value: Value, at: &str) -> Result<Values, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "{at}: a case is an object of variable values, {{\"name\": \"value\", …}}"
        ));
    };
    map.into_iter()
        .map(|(key, value)| match value {
            Value::String(s) => Ok((key, s)),
            Value::Number(_) | Value::Bool(_) => Ok((key, value.to_string())),
            other => Err(format!(
                "{at}: \"{key}\" must be text (or a number), not {}",
                crate::request::json_kind(&other)
            )),
        })
        .collect()
}

/// min, median (the lower middle for an even number of cases) and max of `tokens`, and the
/// index of the largest (the first, on a tie).
pub fn stats(tokens: &[u64]) -> Option<(u64, u64, u64, usize)> {
    let mut sorted = tokens.to_vec();
    sorted.sort_unstable();
    let min = *sorted.first()?;
    let max = *sorted.last()?;
    let median = sorted[(sorted.len() - 1) / 2];
    let largest = tokens.iter().position(|t| *t == max)?;
    Some((min, median, max, largest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn three_forms_read_the_same_cases() {
        let jsonl = lines(
            "{\"who\":\"Ann\",\"n\":3}\n\n{\"who\":\"Bo\",\"n\":4}\n",
            "c.jsonl",
        )
        .expect("jsonl");
        let json = array(r#"[{"who":"Ann","n":3},{"who":"Bo","n":4}]"#, "c.json").expect("json");
        let csv = csv("who,n\nAnn,3\nBo,4\n", "c.csv").expect("csv");
        for cases in [&jsonl, &json, &csv] {
            assert_eq!(cases[0].values, values(&[("who", "Ann"), ("n", "3")]));
            assert_eq!(cases[1].values, values(&[("who", "Bo"), ("n", "4")]));
        }
        assert_eq!(jsonl[1].label, "line 3");
        assert_eq!(csv[1].label, "line 3");
        assert_eq!(json[1].label, "case 2");
    }

    #[test]
    fn bad_cases_are_named_by_file_and_place() {
        assert!(
            lines("{\"a\":1}\n{oops", "c.jsonl")
                .expect_err("x")
                .starts_with("c.jsonl:2: not JSON")
        );
        assert!(
            array(r#"[{"a":"x"},[1]]"#, "c.json")
                .expect_err("x")
                .starts_with("c.json: [1]: a case is an object")
        );
        assert!(
            lines("{\"a\":{\"b\":1}}", "c.jsonl")
                .expect_err("x")
                .contains("\"a\" must be text")
        );
        assert!(
            csv("a,b\n1,2\n3\n", "c.csv")
                .expect_err("x")
                .starts_with("c.csv:3:")
        );
    }

    #[test]
    fn stats_pick_min_median_max_and_the_first_largest() {
        assert_eq!(stats(&[30, 10, 50, 20, 50]), Some((10, 30, 50, 2)));
        assert_eq!(stats(&[4, 2]), Some((2, 2, 4, 0)));
        assert_eq!(stats(&[]), None);
    }
}
