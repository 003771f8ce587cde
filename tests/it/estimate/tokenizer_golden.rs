//! The offline tokenizer against recorded count_tokens values.
//!
//! Oracle: ctok 1.3.0's sdist (`tests/fixtures/{udhr,rosetta}_counts.json`, texts in
//! `*.jsonl.gz`), fetched by `scripts/fetch-test-data.sh` into `$BUDGIE_TEST_DATA` or `.cache/`.
//! Each recorded value is the API's count for one user message holding the text, on the model
//! the file names; the expectation is the offline estimate of a request holding the text as
//! its one user message, with the family and frame from budgie's registry. Only the in-sample
//! sets are used here; the held-out sets are reported by `scripts/holdout-report.sh` and
//! never tuned against.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use budgie::estimate::estimate;
use budgie::estimate::text::count_text;
use budgie::registry::Registry;
use budgie::request::Request;

/// At least this share of documents must match exactly, per corpus and model.
const MIN_EXACT_RATE: f64 = 0.995;
/// And no document may be off by more than this.
const MAX_ERROR: u64 = 2;

fn data_dir() -> Option<PathBuf> {
    let root = std::env::var_os("BUDGIE_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache"));
    let dir = root.join("ctok-1.3.0").join("tests").join("fixtures");
    dir.join("rosetta_counts.json").is_file().then_some(dir)
}

/// The fixtures, or `None` (a loud skip) outside CI; under CI missing data fails the test.
fn fixtures() -> Option<PathBuf> {
    let dir = data_dir();
    if dir.is_none() {
        let msg = "tokenizer golden data missing: run scripts/fetch-test-data.sh \
                   (or set BUDGIE_TEST_DATA to its cache directory)";
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    }
    dir
}

fn texts(dir: &Path, set: &str) -> BTreeMap<String, String> {
    let path = dir.join(format!("{set}.jsonl.gz"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (n, line) in BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .enumerate()
    {
        let line = line.unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1));
        if line.trim().is_empty() {
            continue;
        }
        let row: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1));
        let key = ["id", "f", "lang"]
            .iter()
            .find_map(|k| row.get(*k).and_then(|v| v.as_str()))
            .unwrap_or_else(|| panic!("{}:{}: no id", path.display(), n + 1));
        let text = row["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{}:{}: no text", path.display(), n + 1));
        out.insert(key.to_string(), text.to_string());
    }
    out
}

fn check(set: &str) {
    let Some(dir) = fixtures() else { return };
    let texts = texts(&dir, set);
    let path = dir.join(format!("{set}_counts.json"));
    let recorded: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let families = recorded.as_object().expect("counts file is an object");
    assert!(!families.is_empty(), "{set}: no recorded families");
    let mut failures = Vec::new();
    for (key, entry) in families {
        let model = entry["model"]
            .as_str()
            .expect("each family names its model");
        let info = Registry::builtin().lookup(model);
        assert!(
            !info.unverified,
            "{set}/{key}: model {model} is not in the registry"
        );
        let counts = entry["counts"].as_object().expect("counts object");
        let mut exact = 0usize;
        let mut worst: Vec<(u64, &str, u64, i64)> = Vec::new();
        for (doc, api) in counts {
            let api = api.as_u64().expect("a count is an integer");
            let text = texts
                .get(doc)
                .unwrap_or_else(|| panic!("{set}: no text for {doc}"));
            // The whole offline path, as `budgie count --offline` runs it on a request holding
            // this text as its one user message (frames and Opus 5's whitespace rule included).
            let ours = estimate(&Request::single_text(model, text.as_str())).input_tokens;
            if ours == api {
                exact += 1;
            } else {
                worst.push((ours.abs_diff(api), doc, api, ours as i64 - api as i64));
            }
        }
        let n = counts.len();
        let rate = exact as f64 / n as f64;
        worst.sort_unstable_by(|a, b| b.cmp(a));
        let max_error = worst.first().map_or(0, |w| w.0);
        println!(
            "{set}/{key} ({model}, {}): exact {exact}/{n} = {:.2} %, max error {max_error}",
            info.family.name(),
            rate * 100.0
        );
        for (_, doc, api, diff) in worst.iter().take(5) {
            println!("    {doc}: recorded {api}, ours {diff:+}");
        }
        if rate < MIN_EXACT_RATE || max_error > MAX_ERROR {
            failures.push(format!(
                "{set}/{key}: exact {:.2} % (need {:.1} %), max error {max_error} (allowed {MAX_ERROR})",
                rate * 100.0,
                MIN_EXACT_RATE * 100.0
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn udhr_matches_recorded_counts() {
    check("udhr");
}

#[test]
fn rosetta_matches_recorded_counts() {
    check("rosetta");
}

/// "a" alone counts 8 on a v3 model (frame 7; ctok's recorded counts), and the token
/// counting docs' system-prompt example is 7 + "Hello, Claude" 3 + "You are a scientist" 4
/// = 14.
#[test]
fn documented_examples() {
    let v3 = Registry::builtin().lookup("claude-opus-4-5");
    assert_eq!(count_text(v3.family, "a") + v3.frame, 8);
    assert_eq!(count_text(v3.family, "Hello, Claude"), 3);
    assert_eq!(count_text(v3.family, "You are a scientist"), 4);
}
