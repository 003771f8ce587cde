//! Requests the API would refuse for one block, as JSON text: the same files go to
//! `budgie count`, `budgie export` and the workbench, which must all refuse them alike.

use serde_json::json;

use super::base64;
use super::files::png;

/// A document labelled `application/pdf` whose data is plain text.
pub fn pdf_that_is_text() -> String {
    json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
            "data": base64(b"quarterly report, typed as text")}},
        {"type": "text", "text": "Summarise this."}
    ]}]})
    .to_string()
}

/// What the reader says about [`pdf_that_is_text`].
pub const PDF_THAT_IS_TEXT: &str = "messages[0].content[0]: document data is not a PDF (it is text) but media_type says \"application/pdf\"";

/// An image labelled `image/jpeg` whose data is a PNG.
pub fn png_labelled_jpeg() -> String {
    json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
            "data": base64(&png(4, 4))}},
        {"type": "text", "text": "What is this?"}
    ]}]})
    .to_string()
}

/// What the reader says about [`png_labelled_jpeg`].
pub const PNG_LABELLED_JPEG: &str =
    "messages[0].content[0]: image data is image/png but media_type says \"image/jpeg\"";
