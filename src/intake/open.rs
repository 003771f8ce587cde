//! The one reader of request files: `budgie count`, `budgie export` and the workbench all
//! open a file here. Read (size cap, UTF-8), import (workspace, request, create body, log),
//! read back the attachments a workspace refers to, then check the request with the API's
//! rules (`request::validate`). What makes the request unsendable comes back as `problems`,
//! each naming its block: the commands refuse the file, the workbench shows them and keeps
//! what the user typed.

use std::path::{Path, PathBuf};

use super::InputError;
use super::direct;
use super::import::{self, Imported, SourceKind};
use super::read::read_text;
use super::references;
use crate::request::validate::{self, Endpoint, Problem};
use crate::workspace::{self, Workspace, attach};

/// How to open.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions<'a> {
    /// Also read a newer or partly damaged workspace (what can be read of it), and never
    /// write to the file.
    pub read_only: bool,
    /// Replaces the file's model (and names one for a request that has none): `--model`.
    pub model: Option<&'a str>,
    /// Where the request will be sent: count_tokens (the default) or messages.create.
    pub endpoint: Option<Endpoint>,
}

/// A file opened as a workspace.
#[derive(Debug, Clone)]
pub struct Opened {
    pub workspace: Workspace,
    pub kind: SourceKind,
    /// The file it came from (`<stdin>` for standard input).
    pub path: PathBuf,
    /// Saving over the file is not allowed (newer format, or the user asked).
    pub read_only: bool,
    /// Things worth telling the user that did not stop the file from opening.
    pub warnings: Vec<String>,
    /// What the API would refuse in the request (fields named as in the request).
    pub problems: Vec<Problem>,
}

impl Opened {
    /// Where "save" should write: the file itself when it is a writable workspace, else a
    /// new `NAME.budgie.json` beside it (an imported request file is never replaced by a
    /// workspace without asking).
    pub fn save_path(&self) -> Option<PathBuf> {
        if self.read_only {
            return None;
        }
        if self.kind == SourceKind::Workspace {
            return Some(self.path.clone());
        }
        Some(workspace::suggested_workspace_path(&self.path))
    }

    /// Where a problem's field is in the file: inside a workspace the request is under
    /// `request.`.
    pub fn field_prefix(&self) -> &'static str {
        match self.kind {
            SourceKind::Workspace => "request.",
            _ => "",
        }
    }

    /// Each problem as a line naming the file and the field.
    pub fn problem_lines(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| format!("{}: {}{p}", self.path.display(), self.field_prefix()))
            .collect()
    }
}

/// Open a file (or `-`, standard input) for the workbench's way of working: writable unless
/// asked otherwise, problems reported but not refused.
pub fn open(path: &Path) -> Result<Opened, InputError> {
    open_with(&path.to_string_lossy(), OpenOptions::default())
}

/// Open a file without ever writing to it; also reads what it can of a workspace from a
/// newer budgie or one with a damaged field.
pub fn open_read_only(path: &Path) -> Result<Opened, InputError> {
    let options = OpenOptions {
        read_only: true,
        ..Default::default()
    };
    open_with(&path.to_string_lossy(), options)
}

/// Open `source` (a path, or `-` for standard input).
pub fn open_with(source: &str, options: OpenOptions<'_>) -> Result<Opened, InputError> {
    let (path, imported) = read_and_import(source, options)?;
    let Imported {
        mut workspace,
        kind,
        mut warnings,
    } = imported;
    if options.read_only
        && let Some(model) = options.model
    {
        workspace.request.model = model.to_string();
    }
    let base = path.parent().unwrap_or(Path::new("."));
    warnings.extend(
        references::resolve(&mut workspace, base)
            .into_iter()
            .map(|w| format!("{}: {w}", path.display())),
    );
    // Blocks backed by files: a file that cannot be read is a problem naming the block.
    let link_problems = workspace::links::resolve(&mut workspace, base);
    let mut problems = problems(
        &workspace,
        options.endpoint.unwrap_or(Endpoint::CountTokens),
    );
    problems.retain(|p| !link_problems.iter().any(|l| p.path.starts_with(&l.path)));
    problems.splice(0..0, link_problems);
    Ok(Opened {
        workspace,
        kind,
        path,
        read_only: options.read_only,
        warnings,
        problems,
    })
}

/// Read and import `source`: a well-formed request or workspace file straight into its types,
/// anything else (standard input, a log, a file with something wrong) through its text, which
/// is dropped once imported, so a large file is not held twice while it is checked and
/// counted.
fn read_and_import(
    source: &str,
    options: OpenOptions<'_>,
) -> Result<(PathBuf, Imported), InputError> {
    // Read-only, the model is set once the file is open (the lenient reader takes none).
    let model = if options.read_only {
        None
    } else {
        options.model
    };
    if source != "-"
        && let Some(imported) = direct::import_file(Path::new(source), model)
    {
        return Ok((PathBuf::from(source), imported));
    }
    let (path, text) = read_text(source)?;
    let imported = if options.read_only {
        import::import_leniently(&path, &text)?
    } else {
        import::import(&path, &text, model)?
    };
    Ok((path, imported))
}

/// What the API would refuse in what the workspace sends. An attachment whose file is gone
/// and of which the workspace holds no copy is named as such (its warning says how to go
/// on), not as a block without data.
fn problems(workspace: &Workspace, endpoint: Endpoint) -> Vec<Problem> {
    let missing = attach::without_data(workspace);
    let mut problems: Vec<Problem> = missing
        .iter()
        .map(|(field, file)| Problem {
            path: field.clone(),
            message: format!(
                "attachment {file} cannot be read and the workspace holds no copy; restore \
                 the file or remove the attachment"
            ),
        })
        .collect();
    problems.extend(
        validate::validate_for(&workspace.sent_request(), endpoint)
            .into_iter()
            .filter(|p| !missing.iter().any(|(field, _)| *field == p.path)),
    );
    problems
}
