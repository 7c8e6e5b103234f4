//! `isms verify REPORT DIR`: is a report the evidence this workspace produces?

use std::fmt::Write;
use std::path::Path;

use isms_engine::verify::{FileState, Verification, verify};

use crate::cli::SummaryFormat;
use crate::exit::Failure;
use crate::exit::{EXIT_FINDINGS, EXIT_OK};
use crate::output;

pub fn run(report: &Path, dir: &Path, format: SummaryFormat) -> Result<u8, Failure> {
    let text = crate::exit::read_text(report)?;
    let recorded: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        crate::exit::located(
            report,
            e.line(),
            e.column(),
            &format!("not a JSON report: {e}"),
        )
    })?;
    let mut ws = crate::workspace::load(dir)?;
    let v = verify(&recorded, &mut ws)
        .map_err(|e| Failure::Usage(format!("{}: {e}", report.display())))?;
    let out = match format {
        SummaryFormat::Json => {
            let mut s = serde_json::to_string_pretty(&v).map_err(|e| Failure::Io(e.to_string()))?;
            s.push('\n');
            s
        }
        SummaryFormat::Table => render(&v, report, dir),
    };
    output::emit(None, out.as_bytes())?;
    Ok(if v.verified() { EXIT_OK } else { EXIT_FINDINGS })
}

fn render(v: &Verification, report: &Path, dir: &Path) -> String {
    let mut out = String::new();
    let verdict = if v.verified() {
        "VERIFIED: the workspace reproduces the report exactly"
    } else {
        "NOT VERIFIED"
    };
    let _ = writeln!(
        out,
        "{} against {}: {verdict}",
        report.display(),
        dir.display()
    );
    if v.recorded_engine != v.engine {
        let _ = writeln!(
            out,
            "  engine: the report was made by {}, this is {}",
            v.recorded_engine, v.engine
        );
    }
    for f in &v.files {
        let state = match &f.state {
            FileState::Unchanged => continue,
            FileState::Changed { recorded, now } => {
                format!(
                    "changed (recorded {}, now {})",
                    &recorded[..12.min(recorded.len())],
                    &now[..12.min(now.len())]
                )
            }
            FileState::Missing => "recorded but not read now".to_owned(),
            FileState::Added => "read now but not recorded".to_owned(),
        };
        let _ = writeln!(out, "  {} {}: {state}", f.kind, f.name);
    }
    let unchanged = v
        .files
        .iter()
        .filter(|f| f.state == FileState::Unchanged)
        .count();
    let _ = writeln!(
        out,
        "  {unchanged} of {} files unchanged (sha256)",
        v.files.len()
    );
    if v.differing_sections.is_empty() {
        let _ = writeln!(out, "  re-evaluation: identical");
    } else {
        let _ = writeln!(
            out,
            "  re-evaluation differs in: {}",
            v.differing_sections.join(", ")
        );
    }
    out
}
