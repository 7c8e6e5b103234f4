//! `isms check DIR`: validate a workspace and summarise what it holds.

use std::fmt::Write;
use std::path::Path;

use isms_engine::summary::Summary;

use crate::cli::SummaryFormat;
use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::output;

pub fn run(dir: &Path, format: SummaryFormat, verbose: bool) -> Result<u8, Failure> {
    let ws = crate::workspace::load(dir)?;
    let summary = Summary::of(&ws);
    let text = match format {
        SummaryFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&summary).map_err(|e| Failure::Io(e.to_string()))?;
            s.push('\n');
            s
        }
        SummaryFormat::Table => render(&summary, verbose),
    };
    output::emit(None, text.as_bytes())?;
    Ok(EXIT_OK)
}

fn breakdown(map: &std::collections::BTreeMap<String, usize>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render(s: &Summary, verbose: bool) -> String {
    let compiled = s.rules.iter().filter(|r| r.path == "compiled").count();
    let mut out = String::new();
    let _ = writeln!(out, "{} is valid.", s.name);
    let _ = writeln!(out);
    let rows = [
        ("Organisation", s.organisation.clone()),
        (
            "Catalog",
            format!("{} ({} controls)", s.catalog, s.catalog_controls),
        ),
        ("Scope", s.scope.clone()),
        (
            "Assets",
            format!(
                "{} ({}) at {} locations, {} owners, {} dependencies",
                s.assets,
                breakdown(&s.assets_by_type),
                s.locations,
                s.owners,
                s.dependencies
            ),
        ),
        ("Classification", breakdown(&s.assets_by_classification)),
        ("Threats", format!("{} in the workspace catalog", s.threats)),
        (
            "Risks",
            format!("{} ({})", s.risks, breakdown(&s.risks_by_treatment)),
        ),
        (
            "Treatment plan",
            format!(
                "{} actions ({})",
                s.actions,
                breakdown(&s.actions_by_status)
            ),
        ),
        (
            "SoA",
            format!(
                "{} of {} controls declared, {} applicable, {} implemented",
                s.soa_entries, s.catalog_controls, s.soa_applicable, s.soa_implemented
            ),
        ),
        ("Requirements", s.requirements.to_string()),
        (
            "Frameworks",
            if s.frameworks.is_empty() {
                "none".to_owned()
            } else {
                s.frameworks
                    .iter()
                    .map(|f| {
                        format!(
                            "{}{}: {} requirements, {} control and {} clause links, {} unmapped",
                            f.id,
                            if f.declared { " (declared)" } else { "" },
                            f.requirements,
                            f.control_links,
                            f.clause_links,
                            f.unmapped
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        ),
        (
            "Rules",
            format!(
                "{} expressions: {compiled} compiled, {} on the cel interpreter, each \
                 evaluation limited to {} comprehension iterations{}",
                s.rules.len(),
                s.rules.len() - compiled,
                isms_engine::rules::compiled::ITERATION_BUDGET,
                if verbose {
                    ""
                } else {
                    " (--verbose lists them)"
                }
            ),
        ),
        (
            "Plugins",
            if s.plugins.is_empty() {
                "none".to_owned()
            } else {
                s.plugins.join(", ")
            },
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "{k:<15} {v}");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Files read (sha256):");
    for f in &s.files {
        let _ = writeln!(out, "  {}  {}  ({} bytes)", &f.sha256, f.path, f.bytes);
    }
    if verbose {
        let _ = writeln!(out);
        let _ = writeln!(out, "Rules and their evaluator:");
        let width = s.rules.iter().map(|r| r.rule.len()).max().unwrap_or(0);
        for r in &s.rules {
            let reason = r
                .reason
                .as_deref()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<width$}  {:<14} {}{reason}",
                r.rule, r.kind, r.path
            );
        }
    }
    out
}
