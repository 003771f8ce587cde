//! Running budgie against the fake API with a home of its own.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

use crate::support::TEST_KEY;

/// A budgie home (config, data, cache) in a temp dir, and a folder for request files.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("home").join("data")
    }

    /// `budgie ARGS` with this home, the fake API at `base` and a test key (or no key).
    pub fn command(&self, args: &[&str], base: Option<&str>) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_budgie"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("BUDGIE_HOME", self.dir.path().join("home"))
            .env_remove("ANTHROPIC_API_KEY")
            .env_remove("ANTHROPIC_BASE_URL")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(base) = base {
            command
                .env("ANTHROPIC_BASE_URL", base)
                .env("ANTHROPIC_API_KEY", TEST_KEY);
        }
        command
    }

    pub fn run(&self, args: &[&str], base: Option<&str>) -> Output {
        self.command(args, base).output().expect("budgie runs")
    }

    pub fn spawn(&self, args: &[&str], base: Option<&str>) -> Child {
        self.command(args, base).spawn().expect("budgie starts")
    }

    /// Write a request file; returns its path.
    pub fn write(&self, name: &str, request: &Value) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, request.to_string()).expect("write");
        path.display().to_string()
    }

    pub fn calibration(&self) -> Value {
        let text = std::fs::read_to_string(self.data().join("calibration.json"))
            .expect("calibration.json written");
        serde_json::from_str(&text).expect("calibration.json is JSON")
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect()
}
