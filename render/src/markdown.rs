//! The report as Markdown: the same sections as the HTML report, with the heat maps as
//! tables of counts.

use std::fmt::Write;

use isms_engine::Severity;
use isms_engine::report::{FrameworkCoverage, Readiness};
use isms_engine::report::{HeatMap, Report};

use crate::cells;

/// A Markdown table (GitHub style): a header row, then one row per item. `|` in cells is
/// escaped and line breaks become spaces, so that the table stays intact.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for row in rows {
        let row: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

fn heatmap(out: &mut String, title: &str, h: &HeatMap, counts: &[Vec<usize>]) {
    let _ = writeln!(out, "### {title}\n");
    let mut header = vec!["likelihood \\ impact".to_owned()];
    header.extend(h.impacts.iter().cloned());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = (0..h.likelihoods.len()).rev().map(|l| {
        let mut row = vec![h.likelihoods[l].clone()];
        for (i, count) in counts[l].iter().enumerate() {
            let level = h.cells[l][i];
            let name = h
                .levels
                .get(usize::from(level).saturating_sub(1))
                .map_or("", |x| x.name.as_str());
            row.push(format!("{count} ({name})"));
        }
        row
    });
    out.push_str(&table(&header_refs, rows));
    out.push('\n');
}

/// The whole report.
pub fn report(r: &Report) -> String {
    let mut o = String::new();
    let s = &r.summary;
    let _ = writeln!(o, "# ISMS report: {}\n", r.organisation);
    let _ = writeln!(
        o,
        "Workspace *{}*, catalog {}, as of {}, method {}, risk appetite level {} ({}).\n",
        r.workspace,
        r.catalog,
        r.options.as_of,
        r.options.method,
        r.appetite.value,
        r.appetite.name
    );
    let _ = writeln!(o, "## Summary\n");
    let gaps: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| {
            format!(
                "{} {sev}",
                s.gaps_by_severity.get(sev).copied().unwrap_or(0)
            )
        })
        .collect();
    let rows = [
        (
            "Assets",
            format!("{} ({} in scope)", s.assets, s.assets_in_scope),
        ),
        (
            "Risk register",
            format!(
                "{} risks, {} above the appetite",
                s.register_risks, s.register_above_appetite
            ),
        ),
        (
            "Scenarios",
            format!(
                "{} assessed, {} above the appetite ({} before existing controls)",
                s.scenarios, s.scenarios_above_appetite, s.scenarios_above_appetite_inherent
            ),
        ),
        (
            "Controls",
            format!(
                "{} of {} applicable, {} implemented",
                s.applicable, s.controls, s.implemented
            ),
        ),
        ("Gaps", format!("{}: {}", s.gaps, gaps.join(", "))),
    ];
    o.push_str(&table(
        &["", ""],
        rows.into_iter().map(|(k, v)| vec![k.to_owned(), v]),
    ));
    let _ = writeln!(o, "\n## Risk heat maps\n");
    heatmap(
        &mut o,
        "Inherent risk (before existing controls)",
        &r.heatmap,
        &r.heatmap.inherent,
    );
    heatmap(
        &mut o,
        "Residual risk (after existing controls and done actions)",
        &r.heatmap,
        &r.heatmap.residual,
    );
    if !r.plugin_influence.is_empty() {
        let _ = writeln!(
            o,
            "### Plugin adjustments
"
        );
        o.push_str(&table(
            &[
                "plugin",
                "scenarios seen",
                "adjusted",
                "raised",
                "lowered",
                "crossed above the appetite",
                "crossed below",
            ],
            r.plugin_influence.iter().map(|p| {
                vec![
                    p.plugin.clone(),
                    p.scenarios.to_string(),
                    p.adjusted.to_string(),
                    p.raised.to_string(),
                    p.lowered.to_string(),
                    p.crossed_above.to_string(),
                    p.crossed_below.to_string(),
                ]
            }),
        ));
        o.push('\n');
    }

    let _ = writeln!(o, "## Risk register\n");
    o.push_str(&table(
        &[
            "id",
            "title",
            "assets",
            "inherent",
            "residual",
            "status",
            "treatment",
        ],
        r.risks.iter().map(|x| {
            vec![
                x.id.clone(),
                x.title.clone(),
                x.assets.join(", "),
                format!(
                    "{} ({} x {})",
                    x.inherent.level_name, x.inherent.likelihood, x.inherent.impact
                ),
                format!(
                    "{} ({} x {})",
                    x.residual.level_name, x.residual.likelihood, x.residual.impact
                ),
                x.status.as_str().to_owned(),
                x.treatment.map_or("undecided", |t| t.as_str()).to_owned(),
            ]
        }),
    ));

    let _ = writeln!(o, "\n## Statement of Applicability\n");
    o.push_str(&table(
        &[
            "control",
            "title",
            "applicable",
            "status",
            "declared justification",
            "generated justification",
            "evidence",
        ],
        r.soa.iter().map(|x| {
            vec![
                x.control.clone(),
                x.title.clone(),
                cells::applicability(x).to_owned(),
                x.status.to_string(),
                x.declared_justification.clone().unwrap_or_default(),
                x.justification.clone(),
                x.evidence.join(cells::LIST_SEPARATOR),
            ]
        }),
    ));

    let _ = writeln!(o, "\n## Gaps\n");
    for sev in Severity::ALL {
        let group: Vec<_> = r.gaps.iter().filter(|g| g.severity == *sev).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(o, "### {} ({})\n", sev.as_str(), group.len());
        o.push_str(&table(
            &["code", "objects", "message", "action", "at"],
            group.iter().map(|g| {
                vec![
                    g.code.clone(),
                    cells::gap_objects(g),
                    g.message.clone(),
                    g.action.clone(),
                    cells::gap_at(g),
                ]
            }),
        ));
        o.push('\n');
    }
    if r.gaps.is_empty() {
        let _ = writeln!(o, "No gaps found.\n");
    }

    readiness(&mut o, &r.readiness, "##");

    for c in &r.coverage {
        coverage(&mut o, c, "##");
    }

    let _ = writeln!(o, "## Inputs\n");
    o.push_str(&table(
        &["file", "sha256"],
        r.inputs
            .iter()
            .map(|i| vec![i.path.clone(), i.sha256.clone()]),
    ));
    let _ = writeln!(
        o,
        "\nRule sets: {}. Engine {}, report schema `{}`.",
        r.rulesets
            .iter()
            .map(|x| format!("{} {} (sha256 {})", x.id, x.version, x.sha256))
            .collect::<Vec<_>>()
            .join("; "),
        r.engine_version,
        r.schema
    );
    o
}

/// Columns of the per-requirement coverage table (Markdown, CSV and the terminal).
pub const COVERAGE_HEADER: [&str; 5] = ["requirement", "title", "verdict", "links", "reason"];

/// The rows of the per-requirement coverage table.
pub fn coverage_rows(c: &FrameworkCoverage) -> impl Iterator<Item = Vec<String>> + '_ {
    c.requirements.iter().map(|r| {
        vec![
            r.id.clone(),
            r.title.clone(),
            r.verdict.to_string(),
            cells::coverage_links(r),
            r.reason.clone(),
        ]
    })
}

/// The coverage section of one framework: the summary per group and overall, every
/// requirement with its verdict and reason, and the data's attribution.
pub fn coverage(o: &mut String, c: &FrameworkCoverage, level: &str) {
    let _ = writeln!(
        o,
        "{level} Coverage of {}\n\n{}{}.\n",
        c.framework,
        if c.declared {
            "The profile declares this framework. "
        } else {
            ""
        },
        c.summary.describe()
    );
    let _ = writeln!(
        o,
        "A requirement reached only through `superset`, `intersect` or `related` links is at best partly covered: such links do not say that the controls cover the whole requirement.\n"
    );
    let _ = writeln!(o, "{level}# Summary per group\n");
    let (header, rows) = cells::coverage_summary(c);
    o.push_str(&table(&header, rows));
    let _ = writeln!(o, "\n{level}# Requirements\n");
    o.push_str(&table(&COVERAGE_HEADER, coverage_rows(c)));
    let attribution = cells::attribution(c);
    if !attribution.is_empty() {
        let _ = writeln!(o, "\n*{attribution}*");
    }
    o.push('\n');
}

/// The readiness section: a checklist per stage, the certification calendar and what falls due.
/// `level` is the heading level of the section (`#` for the document of `isms readiness`).
pub fn readiness(o: &mut String, r: &Readiness, level: &str) {
    let _ = writeln!(
        o,
        "{level} Certification readiness\n\n**{}**: {}.\n",
        if r.ready { "Ready" } else { "Not ready" },
        r.stages
            .iter()
            .map(|s| format!(
                "{} {} of {} requirements met",
                s.title,
                s.passed,
                s.items.len()
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    for s in &r.stages {
        let _ = writeln!(o, "{level}# {}\n", s.title);
        o.push_str(&table(
            &cells::READINESS_HEADER,
            cells::readiness_rows(&s.items),
        ));
        o.push('\n');
    }
    let c = &r.calendar;
    let _ = writeln!(o, "{level}# Certification calendar\n");
    let _ = writeln!(
        o,
        "Certified {}; current cycle {} to {}.\n",
        cells::certified(c),
        c.cycle_start,
        c.cycle_end
    );
    if !c.external_audits.is_empty() {
        o.push_str(&table(
            &cells::EXTERNAL_AUDIT_HEADER,
            cells::external_audit_rows(c),
        ));
        o.push('\n');
    }
    let _ = writeln!(o, "{level}# Falling due\n");
    if c.next_due.is_empty() {
        let _ = writeln!(o, "Nothing is overdue or due within the horizon.\n");
    } else {
        o.push_str(&table(&cells::DUE_HEADER, cells::due_rows(c)));
        o.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_escape_pipes_and_line_breaks() {
        let md = table(&["a", "b"], [vec!["x|y".to_owned(), "one\ntwo".to_owned()]]);
        assert_eq!(md, "| a | b |\n|---|---|\n| x\\|y | one two |\n");
    }
}
