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
                crate::output::note_raw(&diagnostic(d));
            }
            let errors = e.diagnostics.error_count();
            let warnings = e.diagnostics.warning_count();
            crate::output::note!(
                "error: the workspace has {errors} error(s){}",
                if warnings > 0 {
                    format!(" and {warnings} warning(s)")
                } else {
                    String::new()
                }
            );
        }
        Failure::Usage(m) | Failure::Io(m) => crate::output::note!("error: {m}"),
    }
}

/// Longest cell of a table for people, in characters; csv and json carry the whole text.
const MAX_CELL: usize = 400;

/// The width tables are fitted to: the terminal's, else `COLUMNS`; none for pipes and files
/// without `COLUMNS` (logs keep whole rows).
fn table_width() -> Option<u16> {
    if std::io::stdout().is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
    {
        return Some(w);
    }
    std::env::var("COLUMNS").ok()?.trim().parse().ok()
}

/// A cell cut to [`MAX_CELL`] characters, saying how much was left out.
fn fit_cell(text: String) -> String {
    match text.char_indices().nth(MAX_CELL) {
        None => text,
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            format!("{}… ({rest} more characters)", &text[..cut])
        }
    }
}

/// A plain table for terminals and logs, fitted to the terminal's width (long cells wrap).
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_style(PLAIN).set_header(header.to_vec());
    match table_width() {
        Some(width) => {
            t.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    for row in rows {
        t.add_row(row.into_iter().map(fit_cell).collect::<Vec<_>>());
    }
    format!("{t}\n")
}

/// A Markdown table; `|` in cells is escaped so the table stays intact.
pub use isms_render::markdown_table as markdown;

/// How a CSV export is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvStyle {
    /// UTF-8 without a byte-order mark, lines ended by LF: what other tools and the inputs
    /// of `isms` read.
    Plain,
    /// `--csv-excel`: a UTF-8 byte-order mark and CRLF line ends, so that Excel opens the
    /// file as UTF-8 (it otherwise guesses the system code page and garbles accents).
    Excel,
}

/// CSV bytes; cells that a spreadsheet would run as a formula are prefixed with `'` (CSV has
/// no cell types to say "text" otherwise), numbers such as `-3` are kept.
pub fn csv(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    style: CsvStyle,
) -> Result<Vec<u8>, Failure> {
    let fail = |e: std::io::Error| Failure::Io(format!("cannot write CSV: {e}"));
    let mut out = Vec::new();
    csv_head(&mut out, header, style).map_err(fail)?;
    csv_rows(&mut out, rows, style).map_err(fail)?;
    Ok(out)
}

/// [`csv`] of the rows `row` gives for `items`, rendered in parallel and streamed into `w`:
/// for the long lists (every scenario of `isms risks --source all`), with the same bytes.
pub fn csv_stream<T: Sync>(
    w: &mut dyn std::io::Write,
    header: &[&str],
    items: &[T],
    row: impl Fn(&T) -> Vec<String> + Sync,
    style: CsvStyle,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    csv_head(&mut head, header, style)?;
    w.write_all(&head)?;
    isms_render::stream::in_order(w, items, |out, _, chunk| {
        csv_rows(out, chunk.iter().map(&row), style)
    })
}

/// The byte-order mark of the style, then the header row.
fn csv_head(out: &mut Vec<u8>, header: &[&str], style: CsvStyle) -> std::io::Result<()> {
    if style == CsvStyle::Excel {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv_writer(out, style);
    w.write_record(header)?;
    w.flush()
}

/// Rows in the style's line ends, each cell neutralised against formula injection.
fn csv_rows(
    out: &mut Vec<u8>,
    rows: impl IntoIterator<Item = Vec<String>>,
    style: CsvStyle,
) -> std::io::Result<()> {
    let mut w = csv_writer(out, style);
    for row in rows {
        w.write_record(row.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    w.flush()
}

fn csv_writer(out: &mut Vec<u8>, style: CsvStyle) -> csv::Writer<&mut Vec<u8>> {
    let terminator = match style {
        CsvStyle::Plain => csv::Terminator::Any(b'\n'),
        CsvStyle::Excel => csv::Terminator::CRLF,
    };
    csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_with_the_count_of_the_rest() {
        let cell = "é".repeat(MAX_CELL + 7);
        let fitted = fit_cell(cell);
        assert!(fitted.ends_with("… (7 more characters)"), "{fitted}");
        assert_eq!(fit_cell("short".into()), "short");
    }

    #[test]
    fn csv_neutralises_formulas() {
        let bytes = csv(
            &["a"],
            [vec!["=1+2".to_owned()], vec!["-3".to_owned()]],
            CsvStyle::Plain,
        )
        .unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), "a\n'=1+2\n-3\n");
    }

    #[test]
    fn excel_csv_has_a_byte_order_mark_and_crlf() {
        let rows = [vec!["Zürich".to_owned(), "two\nlines".to_owned()]];
        let bytes = csv(&["site", "note"], rows, CsvStyle::Excel).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}site,note\r\nZürich,\"two\nlines\"\r\n"
        );
    }
}
