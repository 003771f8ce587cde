//! Count every text of ctok-style corpora (`*.jsonl.gz`, one `{"id"|"f"|"lang", "text"}` per
//! line) with budgie's offline tokenizer, for side-by-side comparisons with ctok.
//!
//! Usage: count_texts FAMILY FILE... (FAMILY: v3, v4.7 or v4.8)
//! Prints `key<TAB>tokens` (text only, no frame) per document, then the time taken on stderr.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use anyhow::{Context, bail};
use budgie::estimate::Family;
use budgie::estimate::tokenizer::tokenizer;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((family, files)) = args.split_first() else {
        bail!("usage: count_texts FAMILY FILE...");
    };
    let family = match family.as_str() {
        "v3" => Family::V3,
        "v4.7" => Family::V4_7,
        "v4.8" => Family::V4_8,
        other => bail!("unknown family {other:?} (v3, v4.7 or v4.8)"),
    };
    let mut docs = Vec::new();
    for file in files {
        let reader = BufReader::new(flate2::read::GzDecoder::new(
            std::fs::File::open(file).with_context(|| format!("opening {file}"))?,
        ));
        for (n, line) in reader.lines().enumerate() {
            let line = line.with_context(|| format!("{file}: reading line {}", n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let row: serde_json::Value = serde_json::from_str(&line)
                .with_context(|| format!("{file}:{}: not JSON", n + 1))?;
            let key = ["id", "f", "lang"]
                .iter()
                .find_map(|k| row.get(*k).and_then(|v| v.as_str()))
                .with_context(|| format!("{file}:{}: no id", n + 1))?
                .to_string();
            let text = row["text"]
                .as_str()
                .with_context(|| format!("{file}:{}: no text", n + 1))?
                .to_string();
            docs.push((key, text));
        }
    }
    let load = Instant::now();
    let tok = tokenizer(family);
    let load = load.elapsed();
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    let start = Instant::now();
    let counts: Vec<u64> = docs.iter().map(|(_, t)| tok.count(t)).collect();
    let elapsed = start.elapsed();
    let mut out = std::io::stdout().lock();
    for ((key, _), n) in docs.iter().zip(&counts) {
        writeln!(out, "{key}\t{n}")?;
    }
    eprintln!(
        "budgie {}: {} documents, {:.2} MB in {:.1} ms ({:.1} MB/s); vocabulary load {:.1} ms",
        family.name(),
        docs.len(),
        bytes as f64 / 1e6,
        elapsed.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        load.as_secs_f64() * 1e3,
    );
    Ok(())
}
