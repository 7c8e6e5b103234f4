//! Helpers for driving the `isms` binary from end-to-end tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The `isms` binary that cargo built for this very test run.
pub fn isms_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_isms"))
}

/// Result of one run of the CLI.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs `isms` with arguments from the repository root, without colour.
pub fn isms(args: &[&str]) -> Run {
    Command::new(isms_bin())
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
        .into()
}

/// The headline of every diagnostic in rendered stderr (`file:line:col: message`).
pub fn headlines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("× "))
        .map(str::to_owned)
        .collect()
}

/// Copies the files (not subdirectories) of `from` into `to`: a workspace to alter.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Writes a workspace from (file name, contents) pairs into a fresh temporary directory.
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Lowercase hex sha256, as workspaces pin plugins.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    isms_engine::load::hex(&sha2::Sha256::digest(bytes))
}

/// Writes a plugin folder `dir` (`plugin.toml`, with `extra` appended, and the component as
/// `<id>.wasm`) and returns the component's sha256.
pub fn install_plugin(dir: &Path, id: &str, component: &[u8], extra: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{id}.wasm")), component).unwrap();
    std::fs::write(
        dir.join("plugin.toml"),
        format!(
            "id = \"{id}\"\nname = \"{id}\"\nversion = \"1.0.0\"\ninterface = \"1.0.0\"\nwasm = \"{id}.wasm\"\n{extra}"
        ),
    )
    .unwrap();
    sha256(component)
}

/// What openpyxl reads in a workbook (tests/scripts/xlsx_facts.py), with the cells `probes`
/// (`Sheet!B2`). The python of the venv that scripts/test sets up, named by
/// ISMS_TEST_PYTHON: without it the test fails, it never passes unread.
pub fn openpyxl(path: &Path, probes: &[&str]) -> serde_json::Value {
    let python = std::env::var_os("ISMS_TEST_PYTHON").unwrap_or_else(|| {
        panic!(
            "ISMS_TEST_PYTHON is not set: scripts/test installs openpyxl into a venv and \
             names its python there (or set it to a python with openpyxl 3.1.5)"
        )
    });
    let out = std::process::Command::new(&python)
        .arg(root().join("tests/scripts/xlsx_facts.py"))
        .arg(path)
        .args(probes)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.to_string_lossy()));
    assert!(
        out.status.success(),
        "openpyxl cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(facts["openpyxl"], "3.1.5", "the pinned openpyxl");
    facts
}
