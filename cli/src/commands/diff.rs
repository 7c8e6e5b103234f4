//! `isms diff OLD NEW`: what changed between two evaluations (two report documents).

use std::fmt::Write as _;
use std::path::Path;

use isms_engine::Severity;
use isms_engine::diff::{self, Diff, GapRef, RiskRef};

use crate::cli::{FailOn, ReadinessFormat};
use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::output;

fn read(path: &Path) -> Result<isms_engine::Report, Failure> {
    let text = crate::exit::read_text(path)?;
    diff::parse_report(&text).map_err(|e| crate::exit::located(path, e.line, e.column, &e.message))
}

pub fn run(
    old: &Path,
    new: &Path,
    format: ReadinessFormat,
    fail_on: Option<FailOn>,
    out: Option<&Path>,
) -> Result<u8, Failure> {
    let d = diff::diff(&read(old)?, &read(new)?);
    let text = match format {
        ReadinessFormat::Json => serde_json::to_string_pretty(&d).unwrap_or_default() + "\n",
        ReadinessFormat::Table => render(&d, false),
        ReadinessFormat::Md => render(&d, true),
    };
    output::emit(out, text.as_bytes())?;
    let threshold = fail_on.map(Severity::from);
    Ok(match (threshold, d.worst_opened()) {
        (Some(t), Some(w)) if w <= t => crate::exit::EXIT_FINDINGS,
        _ => EXIT_OK,
    })
}

fn objects(g: &GapRef) -> String {
    g.objects
        .iter()
        .map(|o| o.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn render(d: &Diff, md: bool) -> String {
    let mut s = String::new();
    let item = if md { "- " } else { "  " };
    let h = |s: &mut String, title: &str, n: usize| {
        if md {
            let _ = writeln!(s, "\n## {title} ({n})\n");
        } else {
            let _ = writeln!(s, "\n{title} ({n})");
        }
    };
    let title = format!(
        "{} as of {} -> {} as of {}",
        d.old.workspace, d.old.as_of, d.new.workspace, d.new.as_of
    );
    if md {
        let _ = writeln!(s, "# Diff: {title}");
    } else {
        let _ = writeln!(s, "Diff: {title}");
    }
    let c = &d.counts;
    let _ = writeln!(
        s,
        "{item}risks: {} changed, {} added, {} removed; controls: {} changed; gaps: {} opened, {} closed",
        c.risks_changed,
        c.risks_added,
        c.risks_removed,
        c.controls_changed,
        c.gaps_opened,
        c.gaps_closed
    );
    h(&mut s, "Risks changed", d.risks_changed.len());
    for r in &d.risks_changed {
        let _ = writeln!(s, "{item}{} {}: {}", r.id, r.title, r.why);
    }
    let risk = |s: &mut String, r: &RiskRef| {
        let _ = writeln!(
            s,
            "{item}{} {} (residual level {}, {})",
            r.id,
            r.title,
            r.residual_level,
            r.status.code()
        );
    };
    if !d.risks_added.is_empty() {
        h(&mut s, "Risks added", d.risks_added.len());
        d.risks_added.iter().for_each(|r| risk(&mut s, r));
    }
    if !d.risks_removed.is_empty() {
        h(&mut s, "Risks removed", d.risks_removed.len());
        d.risks_removed.iter().for_each(|r| risk(&mut s, r));
    }
    h(&mut s, "Controls changed", d.controls_changed.len());
    for ch in &d.controls_changed {
        let what: Vec<String> = ch
            .changes
            .iter()
            .map(|f| format!("{} {} -> {}", f.field, f.from, f.to))
            .collect();
        let _ = writeln!(s, "{item}{} {}: {}", ch.control, ch.title, what.join("; "));
    }
    for (title, gaps) in [
        ("Gaps opened", &d.gaps_opened),
        ("Gaps closed", &d.gaps_closed),
    ] {
        h(&mut s, title, gaps.len());
        for g in gaps {
            let _ = writeln!(
                s,
                "{item}[{}] {} ({}): {}",
                g.severity,
                g.code,
                objects(g),
                g.message
            );
        }
    }
    if !d.coverage_changed.is_empty() {
        h(&mut s, "Coverage changed", d.coverage_changed.len());
        for q in &d.coverage_changed {
            let _ = writeln!(
                s,
                "{item}{}:{} {} -> {}: {}",
                q.framework, q.requirement, q.from, q.to, q.reason
            );
        }
    }
    s
}
