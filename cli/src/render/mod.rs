//! Rendering shared by the commands: diagnostics, failures and tables; the report formats
//! live in submodules.

pub mod html;
pub mod markdown;
pub mod xlsx;

use std::io::IsTerminal;

use comfy_table::{ContentArrangement, LineStyle, Table, TableStyle};

/// A header rule and nothing else: compact enough for long registers, readable in logs.
const PLAIN: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction(' '));
use isms_engine::Diagnostic;
use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::commands::Failure;

/// Whether to colour output: only on a terminal, and never when NO_COLOR is set.
pub fn colour(stream_is_terminal: bool) -> bool {
    stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Renders one diagnostic with its source line, as miette's graphical report.
pub fn diagnostic(d: &Diagnostic) -> String {
    let theme = if colour(std::io::stderr().is_terminal()) {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_err() {
        out = format!("{d}\n");
    }
    out
}

/// Prints a failure to stderr: every diagnostic, then a one-line total.
pub fn failure(failure: &Failure) {
    match failure {
        Failure::Load(e) => {
            for d in e.diagnostics.iter() {
                eprint!("{}", diagnostic(d));
            }
            let errors = e.diagnostics.error_count();
            let warnings = e.diagnostics.len() - errors;
            eprintln!(
                "error: the workspace has {errors} error(s){}",
                if warnings > 0 {
                    format!(" and {warnings} warning(s)")
                } else {
                    String::new()
                }
            );
        }
        Failure::Usage(m) | Failure::Io(m) => eprintln!("error: {m}"),
    }
}

/// The gaps behind a readiness requirement: `GAP-X (A, B); GAP-Y (C)`.
pub fn gap_refs(item: &isms_engine::cycle::readiness::ReadinessItem) -> String {
    item.gaps
        .iter()
        .map(|g| {
            if g.objects.is_empty() {
                g.code.clone()
            } else {
                format!("{} ({})", g.code, g.objects.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a readiness requirement rests on, in one line: the evidence when it passes, else
/// what is missing and the gaps behind the failure.
pub fn readiness_detail(item: &isms_engine::cycle::readiness::ReadinessItem) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &item.missing {
        parts.push(format!("missing: {m}"));
    }
    if !item.gaps.is_empty() {
        parts.push(gap_refs(item));
    }
    if item.passed || parts.is_empty() {
        parts.push(item.evidence.join("; "));
    }
    parts.join("; ")
}

/// `pass` or `FAIL`.
pub fn pass_fail(passed: bool) -> &'static str {
    if passed { "pass" } else { "FAIL" }
}

/// Columns of a readiness checklist, for every textual format.
pub const READINESS_HEADER: [&str; 5] =
    ["result", "id", "clause", "requirement", "evidence or gaps"];

/// The rows of a readiness checklist under [`READINESS_HEADER`].
pub fn readiness_rows(
    items: &[isms_engine::cycle::readiness::ReadinessItem],
) -> impl Iterator<Item = Vec<String>> + '_ {
    items.iter().map(|i| {
        vec![
            pass_fail(i.passed).to_owned(),
            i.id.clone(),
            i.clause.clone(),
            i.requirement.clone(),
            readiness_detail(i),
        ]
    })
}

/// A plain table for terminals and logs.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_style(PLAIN)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for row in rows {
        t.add_row(row);
    }
    format!("{t}\n")
}

/// A Markdown table; `|` in cells is escaped so the table stays intact.
pub fn markdown(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// CSV bytes; cells that a spreadsheet would run as a formula are prefixed with `'`.
pub fn csv(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, Failure> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Failure::Io(format!("cannot write CSV: {e}"));
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(row.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Failure::Io(format!("cannot write CSV: {e}")))
}

/// Neutralises text that a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, CR first).
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if text.parse::<f64>().is_err() => {
            format!("'{text}").into()
        }
        _ => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_but_numbers_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-3"), "-3");
        assert_eq!(spreadsheet_safe("A.5.1"), "A.5.1");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let md = markdown(&["a"], [vec!["x|y".to_owned()]]);
        assert!(md.contains("x\\|y"));
    }
}
