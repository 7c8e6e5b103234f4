//! Checking a report against a workspace: is this evidence what these inputs produce?
//!
//! A report records the sha256 of every file it read (inputs, rule sets, plugins), the engine
//! version and the options. Verification compares those hashes with the workspace as it is
//! now, then evaluates the workspace again with the report's options and compares the result
//! with the report, section by section.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::report::{self, SCHEMA};
use crate::risk::Options;
use crate::rules::expr::Evaluator;
use crate::workspace::Workspace;

/// What happened to one recorded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// Same sha256 as recorded.
    Unchanged,
    /// Read by both, with different contents.
    Changed { recorded: String, now: String },
    /// Recorded in the report, not read by the workspace now.
    Missing,
    /// Read by the workspace now, not recorded in the report.
    Added,
}

/// A file (input, rule set or plugin) and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    pub kind: &'static str,
    pub name: String,
    pub state: FileState,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub recorded_engine: String,
    pub engine: String,
    pub files: Vec<FileCheck>,
    /// Top-level sections of the report that the re-evaluation does not reproduce.
    pub differing_sections: Vec<String>,
}

impl Verification {
    /// Every file unchanged, same engine, and the evaluation reproduced exactly.
    pub fn verified(&self) -> bool {
        self.recorded_engine == self.engine
            && self.differing_sections.is_empty()
            && self.files.iter().all(|f| f.state == FileState::Unchanged)
    }
}

/// Why a document cannot be verified at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not an isms report: `schema` is {0:?}, expected \"{SCHEMA}\"")]
    Schema(String),
    #[error("the report has no valid `{0}`")]
    Field(&'static str),
}

/// Verifies `recorded` (a report document as JSON) against the workspace `ws`, rewound to
/// the report's evaluation date as the report's own run was.
pub fn verify(recorded: &Value, ws: &mut Workspace) -> Result<Verification, VerifyError> {
    let schema = recorded["schema"].as_str().unwrap_or_default();
    if schema != SCHEMA {
        return Err(VerifyError::Schema(schema.to_owned()));
    }
    let options = &recorded["options"];
    let as_of = options["as_of"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or(VerifyError::Field("options.as_of"))?;
    let evaluator = match options["evaluator"].as_str() {
        Some("interpreter") => Evaluator::Interpreter,
        _ => Evaluator::Compiled,
    };
    ws.rewind(as_of);
    let ws = &*ws;
    let now = report::build(ws, &report::evaluate(ws, Options { as_of, evaluator }));
    let now = serde_json::to_value(&now).map_err(|_| VerifyError::Field("report"))?;

    let mut files = Vec::new();
    for (kind, section, name) in [
        ("input", "inputs", "path"),
        ("rule set", "rulesets", "name"),
        ("plugin", "plugins", "id"),
    ] {
        files.extend(compare_files(kind, &recorded[section], &now[section], name));
    }
    let differing_sections = match (recorded.as_object(), now.as_object()) {
        (Some(r), Some(n)) => r
            .keys()
            .chain(n.keys().filter(|k| !r.contains_key(*k)))
            .filter(|k| r.get(*k) != n.get(*k))
            .cloned()
            .collect(),
        _ => vec!["report".to_owned()],
    };
    Ok(Verification {
        recorded_engine: recorded["engine_version"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        engine: env!("CARGO_PKG_VERSION").to_owned(),
        files,
        differing_sections,
    })
}

/// Matches recorded and current entries by `key` and compares their sha256.
fn compare_files(kind: &'static str, recorded: &Value, now: &Value, key: &str) -> Vec<FileCheck> {
    let entries = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e[key].as_str().unwrap_or_default().to_owned(),
                    e["sha256"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let (recorded, now) = (entries(recorded), entries(now));
    let mut out: Vec<FileCheck> = recorded
        .iter()
        .map(|(name, sha)| {
            let state = match now.iter().find(|(n, _)| n == name) {
                Some((_, s)) if s == sha => FileState::Unchanged,
                Some((_, s)) => FileState::Changed {
                    recorded: sha.clone(),
                    now: s.clone(),
                },
                None => FileState::Missing,
            };
            FileCheck {
                kind,
                name: name.clone(),
                state,
            }
        })
        .collect();
    out.extend(
        now.iter()
            .filter(|(n, _)| !recorded.iter().any(|(r, _)| r == n))
            .map(|(name, _)| FileCheck {
                kind,
                name: name.clone(),
                state: FileState::Added,
            }),
    );
    out
}
