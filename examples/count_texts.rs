//! Count every text of ctok-style corpora (`*.jsonl.gz`, one `{"id"|"f"|"lang", "text"}` per
//! line) with budgie's offline tokenizer, for side-by-side comparisons with ctok.
//!
//! Usage: count_texts FAMILY[,FAMILY...] FILE... (FAMILY: v3, v4.7 or v4.8)
//! With one family, prints `key<TAB>tokens` (text only, no frame) per document; with several
//! (e.g. `v3,v4.7` to measure resident memory with both vocabularies loaded) only the timings,
//! which go to stderr.

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use budgie::estimate::Family;
use budgie::estimate::tokenizer::{clear_caches, tokenizer};

/// Timed passes over the texts; the fastest is reported.
const PASSES: usize = 10;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((families, files)) = args.split_first() else {
        bail!("usage: count_texts FAMILY[,FAMILY...] FILE...");
    };
    let families = families
        .split(',')
        .map(|f| match f {
            "v3" => Ok(Family::V3),
            "v4.7" => Ok(Family::V4_7),
            "v4.8" => Ok(Family::V4_8),
            other => bail!("unknown family {other:?} (v3, v4.7 or v4.8)"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
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
    for &family in &families {
        let load = Instant::now();
        let tok = tokenizer(family);
        let load = load.elapsed();
        let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
        // Best of ten cold passes (recent segments forgotten), by the wall clock: the kernel's
        // per-thread CPU time advances in scheduler ticks (4 ms here), too coarse for a pass
        // of some 50 ms, and the best pass is the one other processes disturbed least.
        let mut counts = Vec::new();
        let mut elapsed = Duration::MAX;
        for _ in 0..PASSES {
            clear_caches();
            let start = Instant::now();
            counts = docs.iter().map(|(_, t)| tok.count(t)).collect();
            elapsed = elapsed.min(start.elapsed());
        }
        if families.len() == 1 {
            let mut out = std::io::stdout().lock();
            for ((key, _), n) in docs.iter().zip(&counts) {
                writeln!(out, "{key}\t{n}")?;
            }
        }
        eprintln!(
            "budgie {}: {} documents, {:.2} MB in {:.1} ms ({:.1} MB/s, best of {PASSES} cold passes); vocabulary load {:.1} ms",
            family.name(),
            docs.len(),
            bytes as f64 / 1e6,
            elapsed.as_secs_f64() * 1e3,
            bytes as f64 / 1e6 / elapsed.as_secs_f64(),
            load.as_secs_f64() * 1e3,
        );
    }
    Ok(())
}
