//! Reading what users bring in — request files, workspaces, logs, attachments, pastes —
//! through one reader with one set of rules, refusing bad input with a message that names
//! the file (or field) and says what to do. `budgie count`, `budgie export` and the
//! workbench all read here.
//!
//! - `read`: bytes and text from a path or standard input, with size caps and UTF-8 checks
//! - `direct`: a well-formed request or workspace file read straight into its types (fast,
//!   small); anything else goes through `import`
//! - `import`: what a text holds (workspace, count_tokens body, messages.create body, log)
//! - `log`: request bodies inside logs (JSON lines, Python and JavaScript literals)
//! - `open`: a request file opened: read, imported, attachments read back, checked
//! - `references`: attachments a workspace refers to by path, read back and hash-checked
//! - `attachment`: a file to attach, checked by its bytes against the API's limits
//! - `paste`: pasted text, normalised for the editor
//!
//! The API's limits and rules themselves are in `request::limits` and `request::validate`.

pub mod attachment;
pub mod direct;
mod error;
pub mod import;
pub mod log;
pub mod open;
pub mod paste;
pub mod read;
mod references;

pub use attachment::{Attachment, AttachmentInfo, read_attachment};
pub use error::InputError;
pub use import::SourceKind;
pub use open::{OpenOptions, Opened, open, open_read_only, open_with};
