//! Tokenizer speed: throughput over the Rosetta Code texts, one keystroke recount in a 1 MB
//! prompt, and loading a vocabulary. The texts come from `scripts/fetch-test-data.sh`.
//!
//! Run: `scripts/fetch-test-data.sh && cargo bench --bench tokenizer`

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use budgie::estimate::Family;
use budgie::estimate::tokenizer::{IncrementalCounter, clear_caches, parse_vocabulary, tokenizer};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const FAMILIES: [Family; 2] = [Family::V3, Family::V4_7];

fn corpus(set: &str) -> Option<Vec<String>> {
    let root = std::env::var_os("BUDGIE_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache"));
    let path = root.join(format!("ctok-1.3.0/tests/fixtures/{set}.jsonl.gz"));
    let Ok(file) = std::fs::File::open(&path) else {
        eprintln!(
            "!! {} missing: run scripts/fetch-test-data.sh",
            path.display()
        );
        return None;
    };
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let texts = reader
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .filter_map(|row| row["text"].as_str().map(str::to_string))
        .collect();
    Some(texts)
}

fn throughput(c: &mut Criterion) {
    let Some(texts) = corpus("rosetta") else {
        return;
    };
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("rosetta");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    for family in FAMILIES {
        let tok = tokenizer(family);
        // Cold: the recent segment costs are forgotten before every pass.
        group.bench_function(family.name(), |b| {
            b.iter(|| {
                clear_caches();
                texts.iter().map(|t| tok.count(black_box(t))).sum::<u64>()
            })
        });
    }
    group.finish();
}

fn keystroke(c: &mut Criterion) {
    let Some(texts) = corpus("rosetta") else {
        return;
    };
    // A 1 MB prompt of real source and prose, paragraphs separated by blank lines.
    let mut prompt = String::new();
    for t in texts.iter().cycle() {
        if prompt.len() >= 1_000_000 {
            break;
        }
        prompt.push_str(t);
        prompt.push_str("\n\n");
    }
    let mut group = c.benchmark_group("keystroke_1mb");
    for family in FAMILIES {
        let mut counter = IncrementalCounter::new(family);
        counter.count(&prompt);
        let mut at = prompt.len() / 2;
        while !prompt.is_char_boundary(at) {
            at += 1;
        }
        let mut typed = prompt.clone();
        let mut insert = true;
        group.bench_function(family.name(), |b| {
            b.iter(|| {
                // Type a character, then delete it: every iteration is one edit.
                if insert {
                    typed.insert(at, 'x');
                } else {
                    typed.remove(at);
                }
                insert = !insert;
                counter.count(black_box(&typed))
            })
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("vocabulary_load");
    group.sample_size(20);
    for family in FAMILIES {
        group.bench_function(family.name(), |b| {
            b.iter_batched(
                || (),
                |_| parse_vocabulary(family).expect("asset parses"),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, load, throughput, keystroke);
criterion_main!(benches);
