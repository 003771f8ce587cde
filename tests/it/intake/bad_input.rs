//! The invalid-input corpus: every file in tests/it/fixtures/bad/ must be refused with the
//! message fragments listed in expected.txt, and the message must name the file. Binary
//! cases are generated here: huge and oversized images, many-page, encrypted and oversized
//! PDFs, a 10 MB paste.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use budgie::intake::{self, AttachmentInfo, InputError};
use budgie::request::limits::ModelLimits;
use budgie::workspace;

use crate::support::files::{encrypted_pdf, pdf_pages, png_header};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/bad")
}

fn expectations() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(corpus_dir().join("expected.txt")).unwrap();
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (file, fragment) = line.split_once('\t').expect("FILE<TAB>FRAGMENT");
        map.entry(file.into()).or_default().push(fragment.into());
    }
    map
}

/// The messages budgie gives for a corpus file, chosen by what the file is meant to be: for
/// request files, both the strict reader's (`budgie count`) and the workbench's.
fn messages_for(path: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    if name.ends_with(".toml") {
        let loaded = budgie::config::resolve(&budgie::config::Flags {
            config: Some(path.to_path_buf()),
            ..Default::default()
        })
        .unwrap();
        assert!(!loaded.warnings.is_empty(), "{name}: no warning");
        return vec![loaded.warnings.join("\n")];
    }
    if name.ends_with(".json") {
        // `budgie count` and `budgie export` refuse the file; the workbench opens it (nothing
        // typed is lost) and shows the same problems and warnings.
        return vec![refusal(path)];
    }
    vec![
        intake::read_attachment(path, ModelLimits::default())
            .err()
            .unwrap_or_else(|| panic!("{name}: attachment accepted"))
            .to_string(),
    ]
}

/// Why the one reader refuses a request file: the error, or each problem and warning.
fn refusal(path: &Path) -> String {
    match intake::open(path) {
        Err(e) => e.to_string(),
        Ok(opened) => {
            let name = path.display();
            assert!(
                !opened.problems.is_empty(),
                "{name}: the reader found nothing wrong"
            );
            let mut lines = opened.warnings.clone();
            lines.extend(opened.problem_lines());
            lines.join("\n")
        }
    }
}

#[test]
fn every_corpus_file_gets_its_message() {
    let expected = expectations();
    let mut seen = 0;
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "expected.txt" {
            continue;
        }
        let fragments = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{name} has no line in expected.txt"));
        for message in messages_for(&path) {
            assert!(
                message.contains(&name),
                "{name}: the message does not name the file: {message}"
            );
            for fragment in fragments {
                assert!(
                    message.contains(fragment.as_str()),
                    "{name}: expected `{fragment}` in: {message}"
                );
            }
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        expected.len(),
        "expected.txt lists files that do not exist"
    );
}

#[test]
fn corrupt_and_newer_workspaces_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "newer.budgie.json",
        "corrupt_budget.budgie.json",
        "truncated.budgie.json",
    ] {
        let path = dir.path().join(name);
        std::fs::copy(corpus_dir().join(name), &path).unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = intake::open(&path).unwrap_err();
        let ws =
            workspace::Workspace::from_request(budgie::request::Request::single_text("m", "hi"));
        let refused = workspace::save(&ws, &path, Default::default()).unwrap_err();
        assert!(
            refused.to_string().contains("not saving over it"),
            "{refused}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before, "{name} was changed");
        if name != "truncated.budgie.json" {
            assert!(err.can_open_read_only(), "{name}: {err}");
            let opened = intake::open_read_only(&path).unwrap();
            assert!(opened.read_only);
            assert_eq!(opened.save_path(), None);
        }
    }
}

// --- generated binary cases -------------------------------------------------------------

/// A PNG header claiming `w`×`h`, padded with zeros to `len` bytes.
fn png(w: u32, h: u32, len: usize) -> Vec<u8> {
    let mut b = png_header(w, h);
    b.resize(len.max(b.len()), 0);
    b
}

/// A PDF of `pages` blank pages, encrypted or not.
fn pdf(pages: usize, encrypt: bool) -> Vec<u8> {
    let pages = vec![None; pages];
    if encrypt {
        encrypted_pdf(&pages)
    } else {
        pdf_pages(&pages)
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn refused(path: &Path, limits: ModelLimits) -> String {
    let err = intake::read_attachment(path, limits).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "does not name the file: {message}"
    );
    message
}

#[test]
fn images_over_8000_px_are_refused_with_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let wide = write(dir.path(), "wide.png", &png(8001, 10, 0));
    let message = refused(&wide, ModelLimits::default());
    assert!(
        message.contains("8001×10 px") && message.contains("8000 px"),
        "{message}"
    );
    // Exactly at the limit is fine.
    let ok = write(dir.path(), "ok.png", &png(8000, 8000, 0));
    let att = intake::read_attachment(&ok, ModelLimits::default()).unwrap();
    assert_eq!(
        att.info,
        AttachmentInfo::Image {
            width: 8000,
            height: 8000
        }
    );
    assert_eq!(att.media_type, "image/png");
}

#[test]
fn images_over_10_mb_of_base64_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 10 MiB of base64 is 7,864,320 raw bytes; one byte more crosses it.
    let limit_raw = 10 * 1024 * 1024 / 4 * 3;
    let at = write(dir.path(), "at.png", &png(100, 100, limit_raw));
    assert!(intake::read_attachment(&at, ModelLimits::default()).is_ok());
    let over = write(dir.path(), "over.png", &png(100, 100, limit_raw + 1));
    let message = refused(&over, ModelLimits::default());
    assert!(
        message.contains("image as base64") && message.contains("10.0 MB"),
        "{message}"
    );
}

#[test]
fn a_jpeg_named_png_is_sent_as_jpeg_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    // SOI, then an SOF0 segment giving 20×30 px.
    let mut jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 30, 0x00, 20, 0x03,
    ];
    jpeg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    let path = write(dir.path(), "photo.png", &jpeg);
    let att = intake::read_attachment(&path, ModelLimits::default()).unwrap();
    assert_eq!(att.media_type, "image/jpeg");
    assert_eq!(
        att.info,
        AttachmentInfo::Image {
            width: 20,
            height: 30
        }
    );
    assert!(
        att.warnings[0].contains("named like a PNG file but it is a JPEG file"),
        "{:?}",
        att.warnings
    );
}

#[test]
fn pdf_pages_are_counted_against_the_models_limit() {
    let dir = tempfile::tempdir().unwrap();
    let small = write(dir.path(), "three.pdf", &pdf(3, false));
    let att = intake::read_attachment(&small, ModelLimits::default()).unwrap();
    assert_eq!(att.info, AttachmentInfo::Pdf { pages: 3 });
    assert_eq!(att.media_type, "application/pdf");

    let hundred_one = write(dir.path(), "101.pdf", &pdf(101, false));
    // 200k-context model: 100 pages at most; a 1M model takes it.
    let message = refused(&hundred_one, ModelLimits::for_model("claude-sonnet-4-5"));
    assert!(
        message.contains("101 pages") && message.contains("limit of 100"),
        "{message}"
    );
    assert!(
        intake::read_attachment(&hundred_one, ModelLimits::for_model("claude-opus-4-6")).is_ok()
    );

    let many = write(dir.path(), "601.pdf", &pdf(601, false));
    let message = refused(&many, ModelLimits::for_context_window(1_000_000));
    assert!(
        message.contains("601 pages") && message.contains("limit of 600"),
        "{message}"
    );
}

#[test]
fn encrypted_pdfs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "secret.pdf", &pdf(2, true));
    let message = refused(&path, ModelLimits::default());
    assert!(
        message.contains("encrypted") && message.contains("unencrypted copy")
            || message.contains("decrypted copy"),
        "{message}"
    );
}

#[test]
fn a_truncated_pdf_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let whole = pdf(5, false);
    let path = write(dir.path(), "cut.pdf", &whole[..whole.len() / 3]);
    let message = refused(&path, ModelLimits::default());
    assert!(message.contains("PDF is broken"), "{message}");
}

#[test]
fn pdfs_over_32_mb_are_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = pdf(1, false);
    big.resize(32 * 1024 * 1024 + 1, b' ');
    let path = write(dir.path(), "huge.pdf", &big);
    let message = refused(&path, ModelLimits::default());
    assert!(message.contains("32.0 MB"), "{message}");
}

#[test]
fn missing_and_directory_paths_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.png");
    let message = intake::read_attachment(&missing, ModelLimits::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("nope.png") && message.contains("no such file"),
        "{message}"
    );
    let message = refusal(dir.path());
    assert!(message.contains("is a directory"), "{message}");
}

#[cfg(unix)]
#[test]
fn unreadable_files_say_to_check_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "locked.json", b"{}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        return; // running as root: permissions do not stop reads
    }
    let err = intake::open(&path).unwrap_err();
    assert!(matches!(err, InputError::Unreadable { .. }));
    assert!(err.to_string().contains("check the file's permissions"));
}

#[test]
fn a_request_over_32_mb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = "a".repeat(32 * 1024 * 1024);
    let body = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": text}]});
    let path = write(dir.path(), "big.json", body.to_string().as_bytes());
    let message = refusal(&path);
    assert!(
        message.contains("the request body is 32.0 MB") && message.contains("limit of 32.0 MB"),
        "{message}"
    );
    // The workbench still opens it (nothing lost) and says why it cannot be sent.
    let opened = intake::open(&path).unwrap();
    assert!(
        opened
            .problem_lines()
            .iter()
            .any(|w| w.contains("the request body"))
    );
}

#[test]
fn a_10_mb_paste_is_accepted_whole() {
    let line = "pasted text with a windows line ending\r\n";
    let raw = line.repeat(10 * 1024 * 1024 / line.len() + 1);
    let paste = intake::paste::normalize_paste(&raw);
    let lines = raw.matches("\r\n").count();
    assert_eq!(paste.bytes, raw.len() - lines, "only the \\r are removed");
    assert!(!paste.text.contains('\r'));
    assert_eq!(paste.lines, lines + 1);
    assert!(paste.notice.unwrap().contains("large paste"));
}

#[test]
fn text_attachments_become_plain_text_documents() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "notes.md", "# Notes\nhé\n".as_bytes());
    let att = intake::read_attachment(&path, ModelLimits::default()).unwrap();
    assert_eq!(att.media_type, "text/plain");
    let bad = write(dir.path(), "notes.txt", b"ok\n\xff");
    let message = intake::read_attachment(&bad, ModelLimits::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("not valid UTF-8 at byte 3 (line 2)"),
        "{message}"
    );
}

fn request_with_images(model: &str, images: &[Vec<u8>]) -> serde_json::Value {
    use base64::Engine;
    let blocks: Vec<serde_json::Value> = images
        .iter()
        .map(|b| {
            serde_json::json!({"type": "image", "source": {"type": "base64", "media_type": "image/png",
                "data": base64::engine::general_purpose::STANDARD.encode(b)}})
        })
        .collect();
    serde_json::json!({"model": model, "messages": [{"role": "user", "content": blocks}]})
}

#[test]
fn images_inside_a_request_are_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    // One image over 8000 px, named by its field.
    let body = request_with_images("claude-sonnet-4-5", &[png(10, 10, 0), png(9000, 100, 0)]);
    let path = write(dir.path(), "big.json", body.to_string().as_bytes());
    let message = refusal(&path);
    assert!(
        message.contains("messages[0].content[1]") && message.contains("9000×100 px"),
        "{message}"
    );

    // 21 images: 2000 px a side at most; 21 images of 2000×2000 are fine.
    let mut images = vec![png(2000, 2000, 0); 20];
    images.push(png(2001, 10, 0));
    let path = write(
        dir.path(),
        "many.json",
        request_with_images("claude-sonnet-4-5", &images)
            .to_string()
            .as_bytes(),
    );
    let message = refusal(&path);
    assert!(
        message.contains("messages[0].content[20]") && message.contains("more than 20 images"),
        "{message}"
    );
    images[20] = png(2000, 2000, 0);
    let path = write(
        dir.path(),
        "ok.json",
        request_with_images("claude-sonnet-4-5", &images)
            .to_string()
            .as_bytes(),
    );
    assert!(intake::open(&path).unwrap().problems.is_empty());

    // 101 images: too many for a 200k model, fine for a 1M one.
    let images = vec![png(10, 10, 0); 101];
    let small = request_with_images("claude-sonnet-4-5", &images);
    let path = write(dir.path(), "101.json", small.to_string().as_bytes());
    let message = refusal(&path);
    assert!(
        message.contains("101 images, over the limit of 100"),
        "{message}"
    );
    let large = request_with_images("claude-opus-4-6", &images);
    let path = write(dir.path(), "101-1m.json", large.to_string().as_bytes());
    assert!(intake::open(&path).unwrap().problems.is_empty());
}

#[cfg(unix)]
#[test]
fn a_device_that_never_ends_is_refused_not_read_forever() {
    let message = intake::read_attachment(Path::new("/dev/zero"), ModelLimits::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("/dev/zero") && message.contains("over the limit"),
        "{message}"
    );
}
