//! `budgie new`: a workspace built from prompt files — a system prompt, tool definitions
//! and turns — with each file's text copied in.

use std::path::{Path, PathBuf};

use super::exit;
use crate::app::tool_edit;
use crate::cli::NewArgs;
use crate::config::Resolved;
use crate::intake::read::read_text;
use crate::request::validate::validate;
use crate::request::{Content, Message, Request, Role, System, TextBlock};
use crate::workspace::{self, SaveOptions, Workspace};

/// Run the command; returns the process exit status.
pub fn run(settings: &Resolved, args: &NewArgs) -> i32 {
    settings.warn_on_stderr();
    let model = settings
        .model_flag
        .clone()
        .unwrap_or_else(|| settings.settings.model.clone());
    let workspace = match build(args, &model) {
        Ok(workspace) => workspace,
        Err(message) => {
            eprintln!("budgie new: {message}");
            return exit::INPUT;
        }
    };
    // Written as it is, but what the API would refuse is said now rather than at the count.
    for problem in validate(&workspace.to_request()) {
        eprintln!("budgie new: note: request.{problem}");
    }
    match &args.output {
        None => {
            print!("{}", workspace::format::encode(&workspace));
            exit::OK
        }
        Some(path) => match write(&workspace, path, args.force) {
            Ok(()) => {
                eprintln!("wrote {}: {}", path.display(), summary(&workspace));
                exit::OK
            }
            Err(message) => {
                eprintln!("budgie new: {message}");
                exit::INPUT
            }
        },
    }
}

/// The workspace the files make; an error names the file at fault.
pub fn build(args: &NewArgs, model: &str) -> Result<Workspace, String> {
    let mut system = Vec::new();
    for path in &args.system {
        system.push(TextBlock {
            kind: "text".into(),
            text: text_of(path)?,
            extra: Default::default(),
        });
    }
    let mut messages = Vec::new();
    for (role, path) in turns(args) {
        messages.push(Message {
            role,
            content: Content::Text(text_of(&path)?),
            extra: Default::default(),
        });
    }
    let mut workspace = Workspace::from_request(Request {
        model: model.to_string(),
        system: match system.len() {
            0 => None,
            // One file: the plain-string form, as people write it.
            1 => system.pop().map(|block| System::Text(block.text)),
            _ => Some(System::Blocks(system)),
        },
        messages,
        tools: None,
        tool_choice: None,
        thinking: None,
        extra: Default::default(),
    });
    workspace.budget = args.budget.budget;
    for path in tool_files(&args.tools)? {
        let (_, text) = read_text(&path.to_string_lossy()).map_err(|e| e.to_string())?;
        // Checked against the tools already added, so a name used twice is caught.
        let tools = tool_edit::parse_tools(&text, &workspace)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        workspace
            .request
            .tools
            .get_or_insert_with(Vec::new)
            .extend(tools);
    }
    Ok(workspace)
}

/// The turns in command-line order (`Cli::parse_ordered` records it); built by hand, the
/// user turns and then the assistant turns.
fn turns(args: &NewArgs) -> Vec<(Role, PathBuf)> {
    if !args.turns.is_empty() {
        return args.turns.clone();
    }
    let users = args.user.iter().map(|p| (Role::User, p.clone()));
    let assistants = args.assistant.iter().map(|p| (Role::Assistant, p.clone()));
    users.chain(assistants).collect()
}

fn text_of(path: &Path) -> Result<String, String> {
    read_text(&path.to_string_lossy())
        .map(|(_, text)| text)
        .map_err(|e| e.to_string())
}

/// Each --tools value: a file, or a glob the shell left alone (`'tools/*.json'`), expanded
/// in name order. A pattern matching nothing is an error, not an empty list.
fn tool_files(values: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for value in values {
        let path = PathBuf::from(value);
        if path.exists() || !value.contains(['*', '?', '[']) {
            files.push(path);
            continue;
        }
        let pattern = glob::glob(value).map_err(|e| format!("{value}: not a glob: {e}"))?;
        let mut matched: Vec<PathBuf> = pattern.filter_map(Result::ok).collect();
        if matched.is_empty() {
            return Err(format!("{value}: no file matches"));
        }
        matched.sort();
        files.extend(matched);
    }
    Ok(files)
}

/// Write to `path`, refusing to replace an existing file without `force` (and, even with it,
/// anything that is not a budgie workspace: `workspace::save` guards that).
fn write(workspace: &Workspace, path: &Path, force: bool) -> Result<(), String> {
    if path.exists() && !force {
        return Err(format!(
            "{} exists already: pass --force to replace it, or choose another --output",
            path.display()
        ));
    }
    workspace::save(workspace, path, SaveOptions::default()).map_err(|e| e.to_string())
}

/// "1 system block, 3 tools, 2 turns (claude-sonnet-4-5)".
fn summary(workspace: &Workspace) -> String {
    let request = &workspace.request;
    let system = match &request.system {
        None => 0,
        Some(System::Text(_)) => 1,
        Some(System::Blocks(blocks)) => blocks.len(),
    };
    let tools = request.tools.as_ref().map_or(0, Vec::len);
    let turns = request.messages.len();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {} ({})",
        plural(system, "system block", "system blocks"),
        plural(tools, "tool", "tools"),
        plural(turns, "turn", "turns"),
        request.model
    )
}
