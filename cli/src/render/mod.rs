//! Rendering shared by the commands: diagnostics, failures, tables and CSV. The report
//! formats (HTML, Markdown, XLSX) and the cell texts they share with these tables are in the
//! `isms-render` crate.

use std::io::IsTerminal;

use comfy_table::{ContentArrangement, LineStyle, Table, TableStyle};
use isms_engine::Diagnostic;
use isms_render::cells::spreadsheet_safe;
use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::exit::Failure;

/// A header rule and nothing else: compact enough for long registers, readable in logs.
const PLAIN: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction(' '));

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
            let warnings = e.diagnostics.warning_count();
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
pub use isms_render::markdown_table as markdown;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas() {
        let bytes = csv(&["a"], [vec!["=1+2".to_owned()], vec!["-3".to_owned()]]).unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), "a\n'=1+2\n-3\n");
    }
}
