//! The offline estimate on every keystroke: a request holding a 5 MB image, a 50-page PDF
//! and some text, counted by a long-lived `Estimator` (attachments parsed once) versus the
//! one-shot `estimate` (parses them every time).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use budgie::estimate::{Estimator, estimate};
use budgie::request::{Request, from_value};
use criterion::{Criterion, criterion_group, criterion_main};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use serde_json::json;
use std::hint::black_box;

fn png_of_size(w: u32, h: u32, total: usize) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend_from_slice(&13u32.to_be_bytes());
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b.resize(total, 0x5a);
    b
}

fn pdf_of_pages(pages: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for i in 0..pages {
        let mut operations = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 10.into()]),
            Operation::new("Td", vec![50.into(), 750.into()]),
        ];
        for line in 0..40 {
            operations.push(Operation::new(
                "Tj",
                vec![Object::string_literal(format!(
                    "Page {i} line {line}: the quick brown fox jumps over the lazy dog."
                ))],
            ));
            operations.push(Operation::new("Td", vec![0.into(), (-14).into()]));
        }
        operations.push(Operation::new("ET", vec![]));
        let content = Content { operations }.encode().expect("content encodes");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("pdf saves");
    out
}

fn request() -> Request {
    let image = STANDARD.encode(png_of_size(3000, 2000, 5 * 1024 * 1024));
    let pdf = STANDARD.encode(pdf_of_pages(50));
    from_value(json!({
        "model": "claude-sonnet-4-5",
        "system": "You are a careful reviewer.",
        "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf}},
            {"type": "text", "text": "Compare the chart with the report. ".repeat(300)}
        ]}]
    }))
    .expect("bench request")
}

fn keystroke(c: &mut Criterion) {
    let request = request();
    let mut estimator = Estimator::new();
    estimator.estimate(&request);
    c.bench_function("estimate/keystroke_with_cached_attachments", |b| {
        b.iter(|| black_box(estimator.estimate(black_box(&request))))
    });
    c.bench_function("estimate/one_shot_parsing_attachments", |b| {
        b.iter(|| black_box(estimate(black_box(&request))))
    });
}

criterion_group!(benches, keystroke);
criterion_main!(benches);
