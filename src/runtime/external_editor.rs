//! The user's own editor on a block or a tool: which editor (as git chooses it: `$VISUAL`,
//! then `$EDITOR`, then `vi`), a temporary file with the text, the editor run on it, and the
//! text it leaves. The terminal is handed over by the runtime around [`edit`].

use std::io::Write;
use std::process::ExitStatus;

/// The editor to run: `$VISUAL`, else `$EDITOR`, else `vi` (git's order, after its own
/// settings). Empty values count as unset. The value may hold arguments ("code --wait").
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Run `editor` on `text` in a temporary file `budgie-STEM-….EXTENSION`; the file's text
/// when the editor exits successfully, else why not. The file is removed after.
pub async fn edit(editor: &str, text: &str, stem: &str, extension: &str) -> Result<String, String> {
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut file = tempfile::Builder::new()
        .prefix(&format!("budgie-{stem}-"))
        .suffix(&format!(".{extension}"))
        .tempfile()
        .map_err(|e| format!("cannot make a temporary file for the editor ({e})"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the temporary file for the editor ({e})"))?;
    let path = file.path().to_path_buf();
    let status = run(editor, &path).await?;
    if !status.success() {
        return Err(failed(editor, status));
    }
    // Read by path: many editors save by writing a new file and renaming it over the old.
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "cannot read back what the editor wrote to {} ({e})",
            path.display()
        )
    })?;
    String::from_utf8(bytes).map_err(|_| "the editor left text that is not UTF-8".to_string())
}

/// Run the editor through the shell, as git does, so a value with arguments or quotes works;
/// the file is its last argument. budgie ignores Ctrl-C meanwhile (the editor gets it).
async fn run(editor: &str, path: &std::path::Path) -> Result<ExitStatus, String> {
    #[cfg(unix)]
    let _ignore_interrupt =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(editor)
        .arg(path)
        .status()
        .await
        .map_err(|e| format!("cannot start the editor `{editor}` ({e})"))
}

/// Why the editor's run counts as a failure, in words: the shell's 127 and 126 mean it
/// never started.
fn failed(editor: &str, status: ExitStatus) -> String {
    match status.code() {
        Some(127) => format!(
            "cannot start the editor `{editor}`: command not found (set $VISUAL or $EDITOR)"
        ),
        Some(126) => format!("cannot start the editor `{editor}`: it is not executable"),
        Some(code) => format!("the editor `{editor}` exited with status {code}"),
        None => format!("the editor `{editor}` was stopped by a signal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_file_comes_back_as_the_editor_left_it() {
        let text = edit("sed -i s/old/new/", "the old text", "system", "md").await;
        assert_eq!(text, Ok("the new text".to_string()));
    }

    #[tokio::test]
    async fn a_value_with_arguments_and_a_failing_or_missing_editor() {
        let appended = edit("sh -c 'printf \" more\" >> \"$0\"'", "text", "turn-1", "md").await;
        assert_eq!(appended, Ok("text more".to_string()));
        let failing = edit("false", "text", "system", "md").await;
        assert_eq!(
            failing,
            Err("the editor `false` exited with status 1".to_string())
        );
        let missing = edit("no-such-editor-budgie", "text", "system", "md")
            .await
            .expect_err("not found");
        assert!(missing.contains("command not found"), "{missing}");
    }
}
