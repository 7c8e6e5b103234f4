//! Loading from memory through the public API: the same workspace as from its directory,
//! problems located in the file that holds them, and plugins refused.

mod common;

use std::path::Path;

use isms_engine::{Files, Options, build_report, evaluate, load, load_files};

/// Every file of a workspace directory, as (relative path, bytes).
fn in_memory(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn report_json(ws: &isms_engine::Workspace) -> serde_json::Value {
    let as_of = ws.as_of().unwrap();
    serde_json::to_value(build_report(ws, &evaluate(ws, Options::new(as_of)))).unwrap()
}

#[test]
fn a_workspace_in_memory_evaluates_as_from_its_directory() {
    let dir = common::root().join("examples/acme");
    let from_disk = load(&dir).unwrap().workspace;
    let files = in_memory(&dir);
    assert!(files.len() > 5, "acme has its files");
    let from_memory = load_files(Files::memory(files)).unwrap().workspace;
    assert_eq!(report_json(&from_memory), report_json(&from_disk));
}

#[test]
fn problems_in_memory_files_are_located_in_them() {
    let files = Files::memory([
        (
            "isms.toml",
            "[workspace]\nprofile = \"profile.toml\"\n[inputs]\nassets = \"assets.csv\"\nrisks = \"missing.csv\"\n\n[[plugins]]\npath = \"plugins/x\"\nsha256 = \"00\"\n",
        ),
        ("profile.toml", "name = \"M\"\nrisk_appetite = 2\n"),
        ("assets.csv", "id,type,confidentiality\nA1,software,9\n"),
    ]);
    let Err(err) = load_files(files) else {
        panic!("the workspace has errors");
    };
    let messages: Vec<String> = err.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("assets.csv:2:") && m.contains("confidentiality")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("isms.toml:5:") && m.contains("missing.csv")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("isms.toml:8:") && m.contains("given in memory")),
        "{messages:?}"
    );
}
