//! Images and PDFs in the offline count, built in code.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use budgie::estimate::pdf::PdfError;
use budgie::estimate::text::count_text;
use budgie::estimate::{
    Estimator, Family, ImageFormat, describe_image, describe_pdf, estimate, image_tokens,
};
use budgie::registry::{ImageTier, Registry, Structural};
use budgie::request::parse;

use crate::support::files::{encrypted_pdf, pdf_pages, png_header as png};

fn image_request(model: &str, media_type: &str, bytes: &[u8]) -> String {
    format!(
        r#"{{"model":"{model}","messages":[{{"role":"user","content":[
            {{"type":"image","source":{{"type":"base64","media_type":"{media_type}","data":"{}"}}}}]}}]}}"#,
        STANDARD.encode(bytes)
    )
}

fn pdf_request(model: &str, bytes: &[u8]) -> String {
    format!(
        r#"{{"model":"{model}","messages":[{{"role":"user","content":[
            {{"type":"document","source":{{"type":"base64","media_type":"application/pdf","data":"{}"}}}}]}}]}}"#,
        STANDARD.encode(bytes)
    )
}

#[test]
fn a_1000px_square_image_alone_costs_its_patches_and_wrapper() {
    // 1296 patches; a public measurement gave 1304 for such an image "in a request" (one
    // token less than frame + patches + wrapper: its request is not known).
    let wrapper = Registry::builtin()
        .constant(Structural::ImageWrapper)
        .tokens() as u64;
    let e = estimate(
        &parse(&image_request(
            "claude-sonnet-4-5",
            "image/png",
            &png(1000, 1000),
        ))
        .expect("request"),
    );
    assert_eq!(e.input_tokens, 7 + 1296 + wrapper, "{e:#?}");
    assert_eq!(e.breakdown.attachments, 1296 + wrapper);
    assert!(
        e.explain.iter().any(|l| l.contains("1000x1000")),
        "{:?}",
        e.explain
    );
    assert!(e.problems.is_empty(), "{:?}", e.problems);
}

#[test]
fn the_tier_follows_the_model() {
    let wrapper = Registry::builtin()
        .constant(Structural::ImageWrapper)
        .tokens() as u64;
    let bytes = png(3840, 2160);
    let standard =
        estimate(&parse(&image_request("claude-sonnet-4-6", "image/png", &bytes)).expect("r"));
    let high = estimate(&parse(&image_request("claude-opus-4-7", "image/png", &bytes)).expect("r"));
    // The reference table of Anthropic's vision docs: 3840x2160 is 1560 standard, 4784 high.
    assert_eq!(standard.breakdown.attachments, 1560 + wrapper);
    assert_eq!(high.breakdown.attachments, 4784 + wrapper);
    assert_eq!(image_tokens(3840, 2160, ImageTier::High), 4784);
}

#[test]
fn a_declared_media_type_that_lies_is_a_problem() {
    let e = estimate(
        &parse(&image_request(
            "claude-sonnet-4-5",
            "image/jpeg",
            &png(200, 200),
        ))
        .expect("r"),
    );
    assert!(
        e.problems
            .iter()
            .any(|p| p.starts_with("messages[0].content[0]") && p.contains("image/png")),
        "{:?}",
        e.problems
    );
    // Still counted, from the real format: 200x200 is 64 tokens.
    let wrapper = Registry::builtin()
        .constant(Structural::ImageWrapper)
        .tokens() as u64;
    assert_eq!(e.breakdown.attachments, 64 + wrapper);
}

#[test]
fn an_unreadable_image_is_a_problem_and_flagged() {
    let e = estimate(
        &parse(&image_request(
            "claude-sonnet-4-5",
            "image/png",
            b"definitely not an image",
        ))
        .expect("r"),
    );
    assert_eq!(e.breakdown.attachments, 0);
    assert!(!e.problems.is_empty());
    assert!(!e.unverified.is_empty());
    assert!(
        describe_image(b"GIF89a\x0a\x00\x14\x00\x00\x00\x00\x00")
            .is_ok_and(|i| i.format == ImageFormat::Gif)
    );
}

#[test]
fn a_pdf_costs_its_text_plus_a_page_image_per_page() {
    let bytes = pdf_pages(&[Some("Hello PDF world"), None]);
    let info = describe_pdf(&bytes).expect("pdf reads");
    assert_eq!(info.pages, 2);
    assert!(
        info.text_per_page[0].contains("Hello PDF world"),
        "{:?}",
        info.text_per_page
    );
    assert!(info.text_per_page[1].trim().is_empty());
    assert_eq!(info.page_sizes, vec![(612.0, 792.0); 2]);

    let e = estimate(&parse(&pdf_request("claude-sonnet-4-5", &bytes)).expect("r"));
    // Letter at 150 dpi is 1275x1650 px. 1496 was computed independently with the vision
    // docs' resize rule: resized to 952x1232 px, that is
    // 34 x 44 = 1496 patches.
    let page_image = image_tokens(1275, 1650, ImageTier::Standard);
    assert_eq!(
        page_image, 1496,
        "Anthropic's PDF docs: about 1,500 for a letter page"
    );
    let text: u64 = info
        .text_per_page
        .iter()
        // A page without text adds no text at all.
        .filter(|t| !t.trim().is_empty())
        .map(|t| count_text(Family::V3, t))
        .sum();
    let c = |name| Registry::builtin().constant(name).tokens() as u64;
    let wrapper = c(Structural::DocumentWrapper) + c(Structural::DocumentTextWrapper);
    assert_eq!(e.breakdown.attachments, text + 2 * page_image + wrapper);
    assert!(
        e.unverified
            .iter()
            .any(|u| u.contains("page(s) 2") && u.contains("no extractable text")),
        "{:?}",
        e.unverified
    );
}

#[test]
fn broken_and_encrypted_pdfs_are_clear_errors() {
    assert!(matches!(
        describe_pdf(b"%PDF-1.5 garbage"),
        Err(PdfError::Broken(_))
    ));
    let bytes = encrypted_pdf(&[Some("secret")]);
    assert_eq!(describe_pdf(&bytes), Err(PdfError::Encrypted));

    let e = estimate(&parse(&pdf_request("claude-sonnet-4-5", &bytes)).expect("r"));
    assert!(
        e.problems.iter().any(|p| p.contains("encrypted")),
        "{:?}",
        e.problems
    );
}

#[test]
fn the_estimator_keeps_attachments_parsed_between_calls_and_forgets_removed_ones() {
    let with_image = parse(&image_request(
        "claude-sonnet-4-5",
        "image/png",
        &png(1000, 1000),
    ))
    .expect("r");
    let mut estimator = Estimator::new();
    let first = estimator.estimate(&with_image);
    assert_eq!(estimator.cached_attachments(), 1);
    let again = estimator.estimate(&with_image);
    assert_eq!(first, again);
    assert_eq!(
        again,
        estimate(&with_image),
        "the cache does not change the count"
    );
    estimator.estimate(&budgie::request::Request::single_text(
        "claude-sonnet-4-5",
        "hi",
    ));
    assert_eq!(estimator.cached_attachments(), 0);
}
